//! Gap versus outcome scatter (`gap-vs-rerecruited`): each replicate's
//! cumulative reintegration gap (x, USD) against the people re-recruited
//! (y), one colour per policy, with a trend line of binned means (equal-count
//! bins of the gap). At most [`MAX_POINTS`] points per policy are drawn,
//! chosen deterministically as every k-th replicate in file order; the trend
//! uses every replicate.

use super::data::GapPoint;
use super::style::{self, font, header, legend, okabe_ito as oi, Drawn, Swatch};
use super::{names, save_chart, Chart, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Most points drawn per policy.
pub const MAX_POINTS: usize = 5000;

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(reps) = cx.data.replicates.as_ref() else {
        cx.note("gap vs outcome chart skipped: replicates.csv is missing");
        return Ok(());
    };
    if !reps.header.iter().any(|h| h == "gap_reintegration")
        || !reps.header.iter().any(|h| h == "rerecruited")
    {
        cx.note("gap vs outcome chart skipped: replicates.csv has no gap_reintegration or rerecruited column");
        return Ok(());
    }
    let order = cx.data.policies();
    let mut series = Vec::new();
    for (p, pts) in &reps.points {
        if pts.is_empty() {
            continue;
        }
        let idx = order.iter().position(|q| q == p).unwrap_or(series.len());
        let k = pts.len().div_ceil(MAX_POINTS).max(1);
        let shown: Vec<GapPoint> = pts.iter().step_by(k).copied().collect();
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
            "gap vs outcome chart: {} replicate(s) left out because gap_reintegration or rerecruited was missing",
            reps.missing
        ));
    }
    save_chart(
        cx,
        names::GAP_SCATTER,
        &Scatter {
            series,
            missing: reps.missing,
        },
    )
}

/// Mean x and mean y within equal-count bins of x (3 to 12 bins, about 25
/// replicates or more each). Bins whose x means coincide are merged.
pub fn binned_means(pts: &[GapPoint]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| (p.gap, p.rerecruited))
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

struct Series {
    policy: String,
    colour: RGBColor,
    shown: Vec<GapPoint>,
    every: usize,
    trend: Vec<(f64, f64)>,
}

struct Scatter {
    series: Vec<Series>,
    missing: u64,
}

impl Chart for Scatter {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.shown.iter().map(|p| p.gap));
        let xmax = xs.clone().fold(0.0f64, f64::max);
        let scale = style::money_scale(xmax);
        let xmin = xs.fold(0.0f64, f64::min);
        let (x0, x1) = style::nice_range(xmin / scale.divisor, xmax / scale.divisor, 0.03);
        let (y0, y1) = style::zero_based(
            self.series
                .iter()
                .flat_map(|s| s.shown.iter().map(|p| p.rerecruited)),
            0.05,
        );
        let sub_note = if self.series.iter().any(|s| s.every > 1) {
            let k: Vec<String> = self
                .series
                .iter()
                .filter(|s| s.every > 1)
                .map(|s| format!("{}: every {}th", s.policy, s.every))
                .collect();
            format!(" Dots shown: {}.", k.join(", "))
        } else {
            String::new()
        };
        let missing = if self.missing > 0 {
            format!(
                " {} replicate(s) with a missing value left out.",
                self.missing
            )
        } else {
            String::new()
        };
        let body = header(
            root,
            "Reintegration funding gap and re-recruitment, replicate by replicate",
            &format!(
                "Each dot is one simulated replicate; lines join the mean gap and mean re-recruitment within equal-count bins of the gap. \
                 An association across simulated futures, not by itself a causal effect.{sub_note}{missing}"
            ),
        )?;
        let mut items: Vec<(Swatch, String)> = self
            .series
            .iter()
            .map(|s| (Swatch::Point(s.colour), s.policy.clone()))
            .collect();
        items.push((Swatch::Line(oi::GREY, 3), "binned means (trend)".into()));
        let body = legend(&body, &items)?;
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
        chart
            .configure_mesh()
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc(format!(
                "cumulative reintegration funding gap over the horizon ({})",
                scale.unit
            ))
            .y_desc("people re-recruited (all groups)")
            .label_style(font(15.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .light_line_style(TRANSPARENT)
            .draw()
            .drawn()?;
        let d = scale.divisor;
        for s in &self.series {
            chart
                .draw_series(s.shown.iter().map(|p| {
                    Circle::new((p.gap / d, p.rerecruited), 3, s.colour.mix(0.35).filled())
                }))
                .drawn()?;
        }
        for s in &self.series {
            let pts: Vec<(f64, f64)> = s.trend.iter().map(|(x, y)| (x / d, *y)).collect();
            if pts.len() >= 2 {
                chart
                    .draw_series(LineSeries::new(pts.clone(), WHITE.stroke_width(6)))
                    .drawn()?;
                chart
                    .draw_series(LineSeries::new(pts, s.colour.stroke_width(3)))
                    .drawn()?;
            } else if let Some(p) = pts.first() {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        *p,
                        7,
                        s.colour.stroke_width(3),
                    )))
                    .drawn()?;
            }
        }
        Ok(())
    }
}
