//! The chart of `ddrsim claim` (`claim.png`, `claim.svg`): one row per
//! headline outcome, the policy's effect as a share of the baseline mean,
//! with the Holm-adjusted interval of the mean effect (thick), the 5-95%
//! spread of replicate-level effects (thin) and the verdict as colour.

use super::style::{self, font, header, okabe_ito as oi, shorten, Drawn, TickAxis};
use super::ChartRecord;
use crate::experiment::claim::{ClaimResult, ClaimSetup, Verdict};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Colour of a verdict.
fn colour(v: Verdict) -> RGBColor {
    match v {
        Verdict::Changes => oi::GREEN,
        Verdict::Worsens => oi::VERMILLION,
        Verdict::Depends => oi::ORANGE,
        Verdict::NoDetectable => oi::GREY,
    }
}

/// The claim chart's data.
struct ClaimChart<'a> {
    scenario: &'a str,
    setup: &'a ClaimSetup,
    result: &'a ClaimResult,
}

impl super::Chart for ClaimChart<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        render(root, self.scenario, self.setup, self.result, rec)
    }
}

/// Draws `<stem>.png` and `<stem>.svg`; returns the files and the record.
pub fn draw(
    stem: &Path,
    scenario: &str,
    setup: &ClaimSetup,
    r: &ClaimResult,
) -> Result<(Vec<PathBuf>, ChartRecord)> {
    super::save_both(
        stem,
        &ClaimChart {
            scenario,
            setup,
            result: r,
        },
    )
}

/// `x` as a percentage of `base` (NaN when the base is 0).
fn rel(x: f64, base: f64) -> f64 {
    if base.abs() > 0.0 {
        100.0 * x / base.abs()
    } else {
        f64::NAN
    }
}

fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scenario: &str,
    setup: &ClaimSetup,
    r: &ClaimResult,
    rec: &mut ChartRecord,
) -> Result<()> {
    let baseline = setup
        .scenario
        .policies
        .first()
        .map_or("baseline", |p| p.id.as_str());
    let body = header(
        root,
        &format!("{scenario}: does {} change outcomes?", setup.policy),
        &format!(
            "Effect of {} minus {} as % of the baseline mean, over {} parameter draws x {} process replicates. \
             Dot: mean effect; thick bar: its Holm-adjusted interval (clustered by draw); thin line: 5-95% of replicate-level effects. \
             Colour: verdict (green changes for the better, vermillion worsens, orange depends on conditions, grey no detectable change).",
            setup.policy, baseline, r.draws, r.per_draw
        ),
        Some(r.draws * r.per_draw),
        rec,
    )?;
    let rows: Vec<_> = r
        .outcomes
        .iter()
        .map(|o| {
            let b = o.baseline;
            (
                o,
                rel(o.effect.mean, b),
                (rel(o.ci_holm.0, b), rel(o.ci_holm.1, b)),
                (rel(o.spread[0], b), rel(o.spread[2], b)),
            )
        })
        .collect();
    let mut vals = vec![0.0];
    for (_, m, (a, b), (c, d)) in &rows {
        vals.extend([*m, *a, *b, *c, *d].into_iter().filter(|v| v.is_finite()));
    }
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = style::nice_range(lo, hi, 0.08);
    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .rev()
        .map(|(o, ..)| {
            format!(
                "{} ({})",
                shorten(o.label, 34),
                if o.better == crate::model::outcome::Better::Lower {
                    "lower is better"
                } else {
                    "higher is better"
                }
            )
        })
        .collect();
    rec.categories = labels.clone();
    let x_desc = "effect (% of the baseline mean)".to_string();
    rec.axis(&x_desc);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(12)
        .margin_right(36)
        .margin_top(12)
        .margin_bottom(8)
        .x_label_area_size(52)
        .y_label_area_size(430)
        .build_cartesian_2d(lo..hi, TickAxis::categories(&labels))
        .drawn()?;
    let xfmt = style::axis_formatter(hi - lo);
    chart
        .configure_mesh()
        .x_label_formatter(&xfmt)
        .x_desc(x_desc)
        .label_style(font(16.0))
        .axis_desc_style(font(16.0))
        .bold_line_style(RGBColor(230, 230, 230))
        .light_line_style(TRANSPARENT)
        .x_labels(7)
        .draw()
        .drawn()?;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            6,
            4,
            oi::GREY.stroke_width(1),
        ))
        .drawn()?;
    for (k, (o, m, (a, b), (c, d))) in rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let col = colour(o.verdict);
        if c.is_finite() && d.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*c, y), (*d, y)],
                    col.mix(0.6).stroke_width(2),
                )))
                .drawn()?;
        }
        if a.is_finite() && b.is_finite() {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(*a, y - 0.12), (*b, y + 0.12)],
                    col.filled(),
                )))
                .drawn()?;
        }
        if m.is_finite() {
            chart
                .draw_series(std::iter::once(Circle::new((*m, y), 7, BLACK.filled())))
                .drawn()?;
            rec.drew(o.label);
        }
    }
    Ok(())
}
