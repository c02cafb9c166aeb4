//! Stage flow, one file per policy (`stage-flow-<policy>`): people in each
//! state month by month (group `all`), stacked in pipeline order. The layers
//! are **means** over replicates: the states sum to the caseload every month
//! in every replicate, so their means stack to the mean caseload, while
//! medians would not. Every policy's chart uses the same scale.

use super::style::{self, font, header, legend, okabe_ito as oi, Drawn, Swatch, TickAxis};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// States bottom to top: metric, label, colour (Okabe-Ito, plus greys and
/// a light purple because eleven states exceed its eight colours).
pub const STATES: [(&str, &str, RGBColor); 11] = [
    ("armed", "Armed", oi::VERMILLION),
    ("in_dd", "In D&D", oi::ORANGE),
    ("in_reinsertion", "Reinsertion", oi::YELLOW),
    ("waiting", "Waiting", oi::PURPLE),
    ("in_reintegration", "In a course", oi::SKY_BLUE),
    ("reintegrated", "Reintegrated", oi::BLUE),
    ("self_reintegrated", "Self-reintegrated", oi::GREEN),
    ("absorbed", "Absorbed (SSR)", RGBColor(0x8C, 0x8C, 0x8C)),
    ("dropped_out", "Dropped out", RGBColor(0xE8, 0xC3, 0xDA)),
    ("rerecruited", "Re-recruited", oi::BLACK),
    ("lost", "Lost", RGBColor(0xD0, 0xD0, 0xD0)),
];

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(ts) = cx.data.timeseries.as_ref() else {
        cx.note("stage flow charts skipped: timeseries.csv is missing");
        return Ok(());
    };
    let Some((first, last)) = ts.month_range() else {
        cx.note("stage flow charts skipped: timeseries.csv has no rows");
        return Ok(());
    };
    let axis = TickAxis::months(ts, first, last);
    let months: Vec<u32> = (first..=last).collect();
    let policies = cx.data.policies();
    let mut flows = Vec::new();
    for p in &policies {
        let mut any = false;
        let layers: Vec<Vec<f64>> = STATES
            .iter()
            .map(|(m, _, _)| {
                let s = ts.get(p, "all", m);
                months
                    .iter()
                    .map(|t| {
                        let v = s.iter().find(|b| b.month == *t).and_then(|b| b.mean);
                        any |= v.is_some();
                        v.unwrap_or(0.0).max(0.0)
                    })
                    .collect()
            })
            .collect();
        flows.push((p.clone(), layers, any));
    }
    let ymax = flows
        .iter()
        .flat_map(|(_, layers, _)| {
            (0..months.len()).map(move |t| layers.iter().map(|l| l[t]).sum::<f64>())
        })
        .fold(0.0f64, f64::max);
    let ymax = style::zero_based(std::iter::once(ymax), 0.03).1;
    for (p, layers, any) in flows {
        if !any {
            cx.note(format!(
                "stage flow chart for {p} skipped: no state counts in timeseries.csv"
            ));
            continue;
        }
        let chart = Flow {
            policy: &p,
            months: months.iter().map(|m| *m as f64).collect(),
            layers,
            axis: axis.clone(),
            ymax,
            replicates: cx.replicates,
        };
        save_chart(cx, &names::stage_flow(&p), &chart)?;
    }
    Ok(())
}

struct Flow<'a> {
    policy: &'a str,
    months: Vec<f64>,
    layers: Vec<Vec<f64>>,
    axis: TickAxis,
    ymax: f64,
    replicates: Option<u64>,
}

/// Vertical axis title.
const Y_DESC: &str = "people (mean over replicates)";

impl Chart for Flow<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let body = header(
            root,
            &format!("Where people are, month by month: {}", style::shorten(self.policy, 48)),
            "All groups, stacked in programme order from the bottom. Mean number of people in each state over replicates \
             (means add up to the caseload; medians would not). Same scale for every policy. \
             States nobody is in are left out of the legend.",
            self.replicates,
            rec,
        )?;
        let items: Vec<(Swatch, String)> = STATES
            .iter()
            .zip(&self.layers)
            .filter(|(_, layer)| layer.iter().any(|v| *v > 0.0))
            .map(|((_, l, c), _)| (Swatch::Fill(*c, 0.9), l.to_string()))
            .collect();
        let body = legend(&body, &items, rec)?;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(16)
            .margin_right(40)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(self.axis.clone(), 0.0..self.ymax)
            .drawn()?;
        let yfmt = style::axis_formatter(self.ymax);
        chart
            .configure_mesh()
            .y_label_formatter(&yfmt)
            .y_desc(Y_DESC)
            .x_desc(style::MONTH_AXIS)
            .label_style(font(15.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .draw()
            .drawn()?;
        rec.axis(Y_DESC);
        rec.axis(style::MONTH_AXIS);
        let n = self.months.len();
        let mut base = vec![0.0f64; n];
        for (layer, (_, label, c)) in self.layers.iter().zip(STATES.iter()) {
            let upper: Vec<f64> = (0..n)
                .map(|t| base[t] + layer.get(t).copied().unwrap_or(0.0))
                .collect();
            if upper.iter().zip(&base).any(|(u, b)| u > b) {
                let mut pts: Vec<(f64, f64)> = (0..n).map(|t| (self.months[t], upper[t])).collect();
                pts.extend((0..n).rev().map(|t| (self.months[t], base[t])));
                if n == 1 {
                    let x = self.months[0];
                    pts = vec![
                        (x - 0.3, upper[0]),
                        (x + 0.3, upper[0]),
                        (x + 0.3, base[0]),
                        (x - 0.3, base[0]),
                    ];
                }
                chart
                    .draw_series(std::iter::once(Polygon::new(pts, c.mix(0.9).filled())))
                    .drawn()?;
                rec.drew(label);
            }
            base = upper;
        }
        Ok(())
    }
}
