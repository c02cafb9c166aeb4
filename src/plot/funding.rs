//! Funding charts, one file per policy (`funding-<policy>`), from
//! `timeseries.csv` (group `all`, USD per month).
//!
//! Top panel: money paid for reintegration each month by source (kick-start,
//! assessed, voluntary, national, bridge advances) stacked, with the unfunded
//! gap on top, against the reintegration demand line. These are **means**
//! over replicates, because means add up (paid + gap = demand in every
//! replicate, so also on average) while medians do not.
//! Bottom panel: the unfunded backlog at each month end (a stock: people
//! waiting times the cost of their course, plus unpaid course months),
//! median with its 50% and 90% bands of simulated outcomes. Both panels use
//! the same scale for every policy.

use super::data::{Band, TimeSeries};
use super::fan::{draw_band, draw_line};
use super::style::{
    self, font, header, legend, okabe_ito as oi, Drawn, MoneyScale, Swatch, TickAxis,
};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sources stacked bottom to top: metric, label, colour.
const SOURCES: [(&str, &str, RGBColor); 5] = [
    (
        "reint_paid_kickstart",
        "Kick-start (assessed)",
        oi::VERMILLION,
    ),
    ("reint_paid_assessed", "Assessed budget", oi::BLUE),
    ("reint_paid_voluntary", "Voluntary donors", oi::GREEN),
    ("reint_paid_national", "National government", oi::ORANGE),
    ("reint_paid_bridge", "Bridge advances", oi::PURPLE),
];
const GAP_FILL: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);
/// Legend labels of the layers and lines that are not sources.
const GAP_MEAN: &str = "Unfunded gap (mean)";
const DEMAND: &str = "Demand (mean)";
const GAP_MEDIAN: &str = "Backlog: median";
const GAP_50: &str = "Backlog: 50% band";
const GAP_90: &str = "Backlog: 90% band";
/// The timeseries.csv series of the bottom panel (a stock, USD).
const BACKLOG: &str = "unfunded_backlog";
/// The gap's median line and bands (grey like the unfunded layer above).
const GAP_INK: RGBColor = RGBColor(0x44, 0x44, 0x44);

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(ts) = cx.data.timeseries.as_ref() else {
        cx.note("funding charts skipped: timeseries.csv is missing");
        return Ok(());
    };
    let Some((first, last)) = ts.month_range() else {
        cx.note("funding charts skipped: timeseries.csv has no rows");
        return Ok(());
    };
    let policies = cx.data.policies();
    let axis = TickAxis::months(ts, first, last);
    let stacks: Vec<Stack> = policies
        .iter()
        .map(|p| Stack::new(ts, p, first, last))
        .collect();
    let top_max = stacks
        .iter()
        .flat_map(|s| s.top_values())
        .fold(0.0f64, f64::max);
    let gap_max = policies
        .iter()
        .flat_map(|p| ts.get(p, "all", BACKLOG))
        .flat_map(|b| [b.p95, b.p75, b.p50])
        .flatten()
        .fold(0.0f64, f64::max);
    let scale = style::money_scale(top_max.max(gap_max));
    for (p, stack) in policies.iter().zip(stacks) {
        if !stack.any {
            cx.note(format!("funding chart for {p} skipped: no reintegration demand or payment values in timeseries.csv"));
            continue;
        }
        let gap = ts.get(p, "all", BACKLOG).to_vec();
        let chart = Funding {
            policy: p,
            stack,
            gap,
            axis: axis.clone(),
            scale,
            replicates: cx.replicates,
            top_max: style::zero_based(std::iter::once(top_max / scale.divisor), 0.05).1,
            gap_max: style::zero_based(std::iter::once(gap_max / scale.divisor), 0.05).1,
        };
        save_chart(cx, &names::funding(p), &chart)?;
    }
    Ok(())
}

/// Mean paid by source, mean gap and mean demand, month by month.
struct Stack {
    months: Vec<f64>,
    /// layers[k][t]: mean paid by source k (then the gap), missing as 0.
    layers: Vec<Vec<f64>>,
    demand: Vec<Option<f64>>,
    any: bool,
}

impl Stack {
    fn new(ts: &TimeSeries, policy: &str, first: u32, last: u32) -> Self {
        let months: Vec<u32> = (first..=last).collect();
        let lookup = |metric: &str| -> Vec<Option<f64>> {
            let s = ts.get(policy, "all", metric);
            months
                .iter()
                .map(|m| s.iter().find(|b| b.month == *m).and_then(|b| b.mean))
                .collect()
        };
        let mut any = false;
        let mut layers = Vec::new();
        for (metric, _, _) in SOURCES.iter() {
            let v = lookup(metric);
            any |= v.iter().any(Option::is_some);
            layers.push(v.into_iter().map(|x| x.unwrap_or(0.0).max(0.0)).collect());
        }
        let gap = lookup("gap_flow_reintegration");
        any |= gap.iter().any(Option::is_some);
        layers.push(gap.into_iter().map(|x| x.unwrap_or(0.0).max(0.0)).collect());
        let demand = lookup("demand_reintegration");
        any |= demand.iter().any(Option::is_some);
        Stack {
            months: months.iter().map(|m| *m as f64).collect(),
            layers,
            demand,
            any,
        }
    }

    fn top_values(&self) -> Vec<f64> {
        let n = self.months.len();
        (0..n)
            .map(|t| {
                let stacked: f64 = self
                    .layers
                    .iter()
                    .map(|l| l.get(t).copied().unwrap_or(0.0))
                    .sum();
                stacked.max(self.demand.get(t).copied().flatten().unwrap_or(0.0))
            })
            .collect()
    }
}

struct Funding<'a> {
    policy: &'a str,
    stack: Stack,
    gap: Vec<Band>,
    axis: TickAxis,
    scale: MoneyScale,
    replicates: Option<u64>,
    top_max: f64,
    gap_max: f64,
}

impl Stack {
    /// Whether layer `k` (a source, or the gap after the sources) has a
    /// positive value to stack.
    fn layer_shows(&self, k: usize) -> bool {
        self.layers
            .get(k)
            .is_some_and(|l| l.iter().any(|v| *v > 0.0))
    }
    /// Label of layer `k`.
    fn layer_label(k: usize) -> &'static str {
        SOURCES.get(k).map_or(GAP_MEAN, |s| s.1)
    }
}

impl Chart for Funding<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let unused: Vec<&str> = (0..SOURCES.len())
            .filter(|k| !self.stack.layer_shows(*k))
            .map(|k| SOURCES[k].1)
            .collect();
        let unused = if unused.is_empty() {
            String::new()
        } else {
            format!(" Paid nothing under this policy: {}.", unused.join(", "))
        };
        let body = header(
            root,
            &format!("Reintegration money by source against demand: {}", style::shorten(self.policy, 40)),
            &format!(
                "All groups. Top: mean per month over replicates (means add up: paid plus gap equals demand). \
                 Bottom: the unfunded backlog at each month end (people waiting x their course cost; a stock, not a sum of gaps), \
                 median with the bands where 50% and 90% of simulated outcomes fall. \
                 Same scale for every policy.{unused}"
            ),
            self.replicates,
            rec,
        )?;
        // Legend: only layers and lines this policy's data draws.
        let fills: Vec<(RGBColor, f64)> = SOURCES
            .iter()
            .map(|s| (s.2, 0.85))
            .chain(std::iter::once((GAP_FILL, 0.9)))
            .collect();
        let mut items: Vec<(Swatch, String)> = (0..fills.len())
            .filter(|k| self.stack.layer_shows(*k))
            .map(|k| {
                (
                    Swatch::Fill(fills[k].0, fills[k].1),
                    Stack::layer_label(k).to_string(),
                )
            })
            .collect();
        if self.stack.demand.iter().any(Option::is_some) {
            items.push((Swatch::Line(oi::BLACK, 2), DEMAND.into()));
        }
        if self.gap.iter().any(|b| b.p50.is_some()) {
            items.push((Swatch::Line(GAP_INK, 3), GAP_MEDIAN.into()));
        }
        if self.gap.iter().any(|b| b.p25.is_some() && b.p75.is_some()) {
            items.push((Swatch::Fill(GAP_INK, 0.45), GAP_50.into()));
        }
        if self.gap.iter().any(|b| b.p05.is_some() && b.p95.is_some()) {
            items.push((Swatch::Fill(GAP_INK, 0.18), GAP_90.into()));
        }
        let body = legend(&body, &items, rec)?;
        let (h, _) = (body.dim_in_pixel().1, ());
        let (top, bottom) = body.split_vertically(h * 56 / 100);
        let d = self.scale.divisor;
        let unit = format!("{} per month", self.scale.unit);
        // The backlog is a stock at the month end, not a monthly flow.
        let stock_unit = format!("{} at month end", self.scale.unit);

        // Top: stacked means.
        let mut chart = ChartBuilder::on(&top)
            .margin_left(16)
            .margin_right(36)
            .margin_top(4)
            .caption(
                "Paid for reintegration, by source, and the unfunded gap (means)",
                font(19.0),
            )
            .x_label_area_size(28)
            .y_label_area_size(96)
            .build_cartesian_2d(self.axis.clone(), 0.0..self.top_max)
            .drawn()?;
        let yfmt = style::axis_formatter(self.top_max);
        chart
            .configure_mesh()
            .y_label_formatter(&yfmt)
            .y_desc(unit.as_str())
            .label_style(font(15.0))
            .axis_desc_style(font(16.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .y_labels(5)
            .draw()
            .drawn()?;
        rec.axis(&unit);
        let n = self.stack.months.len();
        let mut base = vec![0.0f64; n];
        for (k, (layer, (colour, alpha))) in self.stack.layers.iter().zip(fills).enumerate() {
            let fill = colour.mix(alpha);
            let upper: Vec<f64> = (0..n)
                .map(|t| base[t] + layer.get(t).copied().unwrap_or(0.0))
                .collect();
            if upper.iter().zip(&base).any(|(u, b)| u > b) {
                let mut pts: Vec<(f64, f64)> = (0..n)
                    .map(|t| (self.stack.months[t], upper[t] / d))
                    .collect();
                pts.extend((0..n).rev().map(|t| (self.stack.months[t], base[t] / d)));
                if n == 1 {
                    let x = self.stack.months[0];
                    pts = vec![
                        (x - 0.3, upper[0] / d),
                        (x + 0.3, upper[0] / d),
                        (x + 0.3, base[0] / d),
                        (x - 0.3, base[0] / d),
                    ];
                }
                chart
                    .draw_series(std::iter::once(Polygon::new(pts, fill.filled())))
                    .drawn()?;
                rec.drew(Stack::layer_label(k));
            }
            base = upper;
        }
        let demand: Vec<Band> = self
            .stack
            .months
            .iter()
            .zip(&self.stack.demand)
            .map(|(m, v)| Band {
                month: *m as u32,
                p50: v.map(|x| x / d),
                ..Default::default()
            })
            .collect();
        if draw_line(&mut chart, &demand, |b| b.p50, oi::BLACK.stroke_width(2))? {
            rec.drew(DEMAND);
        }

        // Bottom: the gap's distribution.
        let mut chart = ChartBuilder::on(&bottom)
            .margin_left(16)
            .margin_right(36)
            .margin_top(4)
            .margin_bottom(4)
            .caption(
                "Unfunded backlog at month end: median and spread of simulated outcomes",
                font(19.0),
            )
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(self.axis.clone(), 0.0..self.gap_max)
            .drawn()?;
        let yfmt = style::axis_formatter(self.gap_max);
        chart
            .configure_mesh()
            .y_label_formatter(&yfmt)
            .y_desc(stock_unit.as_str())
            .x_desc(style::MONTH_AXIS)
            .label_style(font(15.0))
            .axis_desc_style(font(16.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .y_labels(5)
            .draw()
            .drawn()?;
        rec.axis(&stock_unit);
        rec.axis(style::MONTH_AXIS);
        let sc = |v: Option<f64>| v.map(|x| x / d);
        let c = GAP_INK;
        if draw_band(
            &mut chart,
            &self.gap,
            |b| sc(b.p05),
            |b| sc(b.p95),
            c.mix(0.18),
        )? {
            rec.drew(GAP_90);
        }
        if draw_band(
            &mut chart,
            &self.gap,
            |b| sc(b.p25),
            |b| sc(b.p75),
            c.mix(0.32),
        )? {
            rec.drew(GAP_50);
        }
        if draw_line(&mut chart, &self.gap, |b| sc(b.p50), c.stroke_width(3))? {
            rec.drew(GAP_MEDIAN);
        }
        Ok(())
    }
}
