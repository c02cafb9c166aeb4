//! Gap versus outcome scatter (`gap-vs-rerecruited`): each replicate's value
//! of the x metric ([`X`], read from replicates.csv by `data.rs`) against the
//! people re-recruited (y), one colour per policy, with a trend line of
//! binned means (equal-count bins of x).
//!
//! So that every policy stays visible however many replicates there are,
//! at most [`points_per_policy`] dots are drawn per policy (every k-th
//! replicate in file order, deterministic), all policies share one budget of
//! [`MAX_TOTAL_POINTS`], the dots are translucent, and policies are drawn
//! interleaved (each policy's i-th of n dots at position i/n of the drawing
//! order) so no policy is painted over the others. Trend lines use every
//! replicate and are drawn last, with a white halo.
//!
//! The drawing is generic over the x metric: [`X`] names it and its unit,
//! and [`x_of`] reads it from a point, so the chart can show another
//! per-replicate metric by changing the data alone.

use super::data::GapPoint;
use super::style::{self, font, header, legend, okabe_ito as oi, Drawn, Swatch};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Most dots drawn for one policy.
pub const MAX_POINTS: usize = 5000;
/// Most dots drawn for all policies together.
pub const MAX_TOTAL_POINTS: usize = 8000;
/// Fewest dots a policy gets (when it has that many replicates).
pub const MIN_POINTS: usize = 400;

/// Unit of the x metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XUnit {
    /// US dollars (axis in USD, thousands or millions).
    Usd,
    /// People.
    People,
}

/// The metric on the horizontal axis.
#[derive(Debug, Clone, Copy)]
pub struct XMetric {
    /// Column of replicates.csv it comes from.
    pub column: &'static str,
    /// Words for the axis title, before the unit.
    pub axis: &'static str,
    /// Short name for the title ("... and re-recruitment").
    pub short: &'static str,
    /// Unit.
    pub unit: XUnit,
}

/// The x metric shown.
pub const X: XMetric = XMetric {
    column: super::data::SCATTER_X,
    axis: "peak unfunded backlog (people waiting x course cost)",
    short: "Peak unfunded backlog",
    unit: XUnit::Usd,
};

/// The x value of a point.
pub fn x_of(p: &GapPoint) -> f64 {
    p.gap
}

/// Legend label of the trend lines.
pub const TREND: &str = "binned means (trend)";

/// Dots drawn per policy when `policies` policies are shown.
pub fn points_per_policy(policies: usize) -> usize {
    (MAX_TOTAL_POINTS / policies.max(1)).clamp(MIN_POINTS, MAX_POINTS)
}

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(reps) = cx.data.replicates.as_ref() else {
        cx.note("gap vs outcome chart skipped: replicates.csv is missing");
        return Ok(());
    };
    if !reps.header.iter().any(|h| h == X.column) || !reps.header.iter().any(|h| h == "rerecruited")
    {
        cx.note(format!(
            "gap vs outcome chart skipped: replicates.csv has no {} or rerecruited column",
            X.column
        ));
        return Ok(());
    }
    let order = cx.data.policies();
    let shown_policies = reps.points.iter().filter(|(_, p)| !p.is_empty()).count();
    let cap = points_per_policy(shown_policies);
    let mut series = Vec::new();
    for (p, pts) in &reps.points {
        if pts.is_empty() {
            continue;
        }
        let idx = order.iter().position(|q| q == p).unwrap_or(series.len());
        let k = pts.len().div_ceil(cap).max(1);
        let shown: Vec<(f64, f64)> = pts
            .iter()
            .step_by(k)
            .map(|p| (x_of(p), p.rerecruited))
            .collect();
        series.push(Series {
            policy: p.clone(),
            colour: style::policy_colour(idx),
            shown,
            every: k,
            trend: binned_means(pts),
        });
    }
    if series.is_empty() {
        cx.note("gap vs outcome chart skipped: replicates.csv has no replicate with both values");
        return Ok(());
    }
    if reps.missing > 0 {
        cx.note(format!(
            "backlog vs outcome chart: {} left out because {} or rerecruited was missing",
            super::style::count(reps.missing as f64, "replicate", "replicates"),
            X.column
        ));
    }
    let replicates = cx.replicates;
    save_chart(
        cx,
        names::GAP_SCATTER,
        &Scatter {
            series,
            missing: reps.missing,
            replicates,
        },
    )
}

/// Mean x and mean y within equal-count bins of x (3 to 12 bins, about 25
/// replicates or more each). Bins whose x means coincide are merged.
pub fn binned_means(pts: &[GapPoint]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| (x_of(p), p.rerecruited))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if v.is_empty() {
        return Vec::new();
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let bins = (v.len() / 25).clamp(3, 12).min(v.len());
    let mut out: Vec<(f64, f64, usize)> = Vec::new();
    for b in 0..bins {
        let (s, e) = (b * v.len() / bins, (b + 1) * v.len() / bins);
        if e <= s {
            continue;
        }
        let n = (e - s) as f64;
        let mx = v[s..e].iter().map(|p| p.0).sum::<f64>() / n;
        let my = v[s..e].iter().map(|p| p.1).sum::<f64>() / n;
        match out.last_mut() {
            Some(last) if (last.0 - mx).abs() <= 1e-9 * mx.abs().max(1.0) => {
                let m = last.2 as f64;
                last.1 = (last.1 * m + my * n) / (m + n);
                last.2 += e - s;
            }
            _ => out.push((mx, my, e - s)),
        }
    }
    out.into_iter().map(|(x, y, _)| (x, y)).collect()
}

/// The drawing order of dots: (series, dot) pairs with each series' i-th of
/// n dots placed at i/n, ties in series order. Deterministic.
pub fn interleave(lengths: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, usize)> = lengths
        .iter()
        .enumerate()
        .flat_map(|(s, &n)| (0..n).map(move |i| (s, i)))
        .collect();
    // Compare i/n_s across series exactly: i * n_t vs j * n_s.
    order.sort_by(|a, b| {
        let (na, nb) = (lengths[a.0] as u128, lengths[b.0] as u128);
        (a.1 as u128 * nb)
            .cmp(&(b.1 as u128 * na))
            .then(a.0.cmp(&b.0))
    });
    order
}

/// "2nd", "3rd", "11th", "50th".
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

struct Series {
    policy: String,
    colour: RGBColor,
    shown: Vec<(f64, f64)>,
    every: usize,
    trend: Vec<(f64, f64)>,
}

struct Scatter {
    series: Vec<Series>,
    missing: u64,
    replicates: Option<u64>,
}

impl Chart for Scatter {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let xs = self.series.iter().flat_map(|s| s.shown.iter().map(|p| p.0));
        let xmax = xs.clone().fold(0.0f64, f64::max);
        let xmin = xs.fold(0.0f64, f64::min);
        let (divisor, unit) = match X.unit {
            XUnit::Usd => {
                let m = style::money_scale(xmax.max(-xmin));
                (m.divisor, m.unit)
            }
            XUnit::People => (1.0, "people"),
        };
        let (x0, x1) = style::nice_range(xmin / divisor, xmax / divisor, 0.03);
        let (y0, y1) = style::zero_based(
            self.series.iter().flat_map(|s| s.shown.iter().map(|p| p.1)),
            0.05,
        );
        let thinned: Vec<&Series> = self.series.iter().filter(|s| s.every > 1).collect();
        let sub_note = match thinned.first() {
            None => String::new(),
            Some(first)
                if thinned.len() == self.series.len()
                    && thinned.iter().all(|s| s.every == first.every) =>
            {
                format!(
                    " Dots shown: every {} replicate of each policy, in file order.",
                    ordinal(first.every)
                )
            }
            Some(_) => {
                let k: Vec<String> = thinned
                    .iter()
                    .map(|s| format!("{}: every {}", s.policy, ordinal(s.every)))
                    .collect();
                format!(
                    " Dots shown (every k-th replicate in file order): {}.",
                    k.join(", ")
                )
            }
        };
        let missing = if self.missing > 0 {
            format!(
                " {} with a missing value left out.",
                super::style::count(self.missing as f64, "replicate", "replicates")
            )
        } else {
            String::new()
        };
        let body = header(
            root,
            &format!("{} and re-recruitment, replicate by replicate", X.short),
            &format!(
                "Each dot is one simulated replicate; policies are drawn interleaved so none hides another. \
                 Lines join the mean of both axes within equal-count bins of the horizontal axis, over every replicate. \
                 An association across simulated futures, not by itself a causal effect.{sub_note}{missing}"
            ),
            self.replicates,
            rec,
        )?;
        let mut items: Vec<(Swatch, String)> = self
            .series
            .iter()
            .filter(|s| !s.shown.is_empty())
            .map(|s| (Swatch::Point(s.colour), s.policy.clone()))
            .collect();
        if self.series.iter().any(|s| !s.trend.is_empty()) {
            items.push((Swatch::Line(oi::GREY, 3), TREND.into()));
        }
        let body = legend(&body, &items, rec)?;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(16)
            .margin_right(40)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..y1)
            .drawn()?;
        let xfmt = style::axis_formatter(x1 - x0);
        let yfmt = style::axis_formatter(y1 - y0);
        let x_desc = format!("{} ({unit})", X.axis);
        let y_desc = "people re-recruited (all groups)";
        chart
            .configure_mesh()
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc(x_desc.as_str())
            .y_desc(y_desc)
            .label_style(font(15.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .light_line_style(TRANSPARENT)
            .draw()
            .drawn()?;
        rec.axis(&x_desc);
        rec.axis(y_desc);
        let lengths: Vec<usize> = self.series.iter().map(|s| s.shown.len()).collect();
        let order = interleave(&lengths);
        chart
            .draw_series(order.iter().map(|&(s, i)| {
                let se = &self.series[s];
                let (x, y) = se.shown[i];
                Circle::new((x / divisor, y), 3, se.colour.mix(0.3).filled())
            }))
            .drawn()?;
        for s in self.series.iter().filter(|s| !s.shown.is_empty()) {
            rec.drew(&s.policy);
        }
        for s in &self.series {
            let pts: Vec<(f64, f64)> = s.trend.iter().map(|(x, y)| (x / divisor, *y)).collect();
            if pts.len() >= 2 {
                chart
                    .draw_series(LineSeries::new(pts.clone(), WHITE.stroke_width(6)))
                    .drawn()?;
                chart
                    .draw_series(LineSeries::new(pts, s.colour.stroke_width(3)))
                    .drawn()?;
                rec.drew(TREND);
            } else if let Some(p) = pts.first() {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        *p,
                        7,
                        s.colour.stroke_width(3),
                    )))
                    .drawn()?;
                rec.drew(TREND);
            }
        }
        Ok(())
    }
}
