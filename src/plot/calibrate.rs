//! Charts of `ddrsim calibrate`: prior vs posterior of each fitted
//! parameter (`calibration-parameters.png`, one panel per parameter: the
//! prior density as a grey line, the weighted posterior histogram as blue
//! bars) and posterior predictive vs observed per target
//! (`calibration-targets.png`: each target's prior and posterior predictive
//! 90% intervals and medians, on the scale of its observation sd, with the
//! observation at 0).

use super::style::{ensure_fonts, font, okabe_ito as oi, Drawn, SIZE};
use crate::calibrate::{ParameterSummary, TargetSummary};
use anyhow::Result;
use plotters::prelude::*;
use std::path::Path;

/// What the parameter chart draws for one parameter.
#[derive(Debug, Clone)]
pub struct ParameterPanel {
    /// Percentiles.
    pub summary: ParameterSummary,
    /// Prior draws at evenly spaced quantiles (exact prior shape).
    pub prior: Vec<f64>,
    /// Posterior draws and their weights.
    pub posterior: Vec<(f64, f64)>,
}

/// Histogram densities of weighted values over `bins` equal bins of `[lo, hi]`.
fn density(values: &[(f64, f64)], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let mut h = vec![0.0; bins];
    let width = (hi - lo) / bins as f64;
    let total: f64 = values.iter().map(|(_, w)| w).sum();
    for &(x, w) in values {
        if x >= lo && x <= hi && width > 0.0 {
            let b = (((x - lo) / width) as usize).min(bins - 1);
            h[b] += w;
        }
    }
    if total > 0.0 && width > 0.0 {
        for v in &mut h {
            *v /= total * width;
        }
    }
    h
}

/// Short number for tick labels.
fn short(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1e}")
    }
}

/// Draws `calibration-parameters.png` in `dir`.
pub fn parameters_chart(dir: &Path, panels: &[ParameterPanel], title: &str) -> Result<()> {
    ensure_fonts()?;
    let path = dir.join("calibration-parameters.png");
    let root = BitMapBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).drawn()?;
    let (top, body) = root.split_vertically(60);
    top.draw_text(title, &font(22.0), (20, 10)).drawn()?;
    top.draw_text(
        "grey line: prior density; blue bars: posterior (weighted); dashed: posterior 5th and 95th percentiles",
        &font(15.0).color(&oi::GREY),
        (20, 38),
    )
    .drawn()?;
    let cols = 4usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let areas = body.split_evenly((rows, cols));
    for (panel, area) in panels.iter().zip(areas) {
        let lo = panel.prior.first().copied().unwrap_or(0.0);
        let hi = panel.prior.last().copied().unwrap_or(1.0).max(lo + 1e-12);
        let bins = 24;
        let prior: Vec<(f64, f64)> = panel.prior.iter().map(|&x| (x, 1.0)).collect();
        let dp = density(&prior, lo, hi, bins);
        let dq = density(&panel.posterior, lo, hi, bins);
        let ymax = dp.iter().chain(&dq).copied().fold(0.0, f64::max) * 1.1 + 1e-12;
        let name = panel.summary.name.trim_start_matches("shared.");
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!("{name} (90% width x{:.2})", panel.summary.width_ratio()),
                font(15.0),
            )
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(10)
            .build_cartesian_2d(lo..hi, 0.0..ymax)
            .drawn()?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_mesh()
            .x_labels(4)
            .x_label_formatter(&|x| short(*x))
            .x_label_style(font(11.0))
            .draw()
            .drawn()?;
        let width = (hi - lo) / bins as f64;
        chart
            .draw_series(dq.iter().enumerate().map(|(b, &d)| {
                let x0 = lo + b as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, d)], oi::BLUE.mix(0.5).filled())
            }))
            .drawn()?;
        chart
            .draw_series(LineSeries::new(
                dp.iter()
                    .enumerate()
                    .map(|(b, &d)| (lo + (b as f64 + 0.5) * width, d)),
                oi::GREY.stroke_width(2),
            ))
            .drawn()?;
        for q in [panel.summary.posterior[0], panel.summary.posterior[2]] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(q, 0.0), (q, ymax)],
                    4,
                    3,
                    oi::BLUE.stroke_width(1),
                ))
                .drawn()?;
        }
    }
    root.present().drawn()?;
    Ok(())
}

/// Draws `calibration-targets.png` in `dir`.
pub fn targets_chart(dir: &Path, targets: &[TargetSummary], title: &str) -> Result<()> {
    ensure_fonts()?;
    let path = dir.join("calibration-targets.png");
    let root = BitMapBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).drawn()?;
    let (top, body) = root.split_vertically(60);
    top.draw_text(title, &font(22.0), (20, 10)).drawn()?;
    top.draw_text(
        "90% predictive intervals and medians in observation sds from the observed figure (0): grey prior, blue posterior; * = left out of the fit",
        &font(14.0).color(&oi::GREY),
        (20, 38),
    )
    .drawn()?;
    let z = |x: f64, t: &TargetSummary| (x - t.observed) / t.sd;
    let mut lo: f64 = -3.0;
    let mut hi: f64 = 3.0;
    for t in targets {
        for x in t.prior.iter().chain(&t.posterior) {
            let v = z(*x, t);
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let n = targets.len().max(1);
    let labels: Vec<String> = targets
        .iter()
        .map(|t| format!("{}{}", t.id, if t.fitted { "" } else { " *" }))
        .collect();
    let mut chart = ChartBuilder::on(&body)
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(260)
        .build_cartesian_2d((lo - 0.5)..(hi + 0.5), -0.5..(n as f64 - 0.5))
        .drawn()?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc("(simulated - observed) / observation sd")
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .draw()
        .drawn()?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            5,
            4,
            BLACK.stroke_width(1),
        ))
        .drawn()?;
    for (i, t) in targets.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        for (band, colour, dy) in [(&t.prior, oi::GREY, 0.15), (&t.posterior, oi::BLUE, -0.15)] {
            let [a, m, b] = band.map(|x| z(x, t));
            if !(a.is_finite() && b.is_finite()) {
                continue;
            }
            chart
                .draw_series(LineSeries::new(
                    [(a, y + dy), (b, y + dy)],
                    colour.stroke_width(4),
                ))
                .drawn()?;
            if m.is_finite() {
                chart
                    .draw_series([Circle::new((m, y + dy), 5, colour.filled())])
                    .drawn()?;
            }
        }
    }
    root.present().drawn()?;
    Ok(())
}
