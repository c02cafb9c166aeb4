//! Charts of a sweep (`ddrsim sweep`): the paired effect of one policy on
//! one metric at every point, as a heatmap over two swept keys of a grid
//! (`sweep-heatmap`) or as a line with 95% intervals over one swept key
//! (`sweep-line`). Cells and points whose 95% interval excludes 0 are marked.

use super::metrics::{Unit, HEADLINE};
use super::style::{self, font, header, okabe_ito as oi, Drawn};
use super::ChartRecord;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The effect at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectPoint {
    /// The swept keys' values at the point, in key order.
    pub levels: Vec<String>,
    /// Mean paired difference (policy minus baseline), in sweep.csv units.
    pub mean: f64,
    /// Its 95% interval.
    pub ci: (f64, f64),
}

impl EffectPoint {
    /// Whether the 95% interval excludes 0.
    pub fn clear(&self) -> bool {
        self.ci.0 > 0.0 || self.ci.1 < 0.0
    }
}

/// What a sweep chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectChart {
    /// Scenario name.
    pub scenario: String,
    /// Policy whose effect is shown.
    pub policy: String,
    /// The baseline policy.
    pub baseline: String,
    /// Metric name (a sweep.csv metric).
    pub metric: String,
    /// Swept keys (one or two).
    pub keys: Vec<String>,
    /// Points in sweep order.
    pub points: Vec<EffectPoint>,
    /// Replicates per point.
    pub replicates: Option<u64>,
}

/// Label, unit and better direction (`Some(true)`: lower is better) of a sweep metric.
fn metric_info(metric: &str) -> (String, Unit, Option<bool>) {
    if let Some(m) = HEADLINE.iter().find(|m| m.key == metric) {
        return (m.label.to_string(), m.unit, Some(m.lower_better));
    }
    match metric {
        "backlog_peak" => ("Peak unfunded backlog".to_string(), Unit::Usd, Some(true)),
        "outlay" => ("Outlay".to_string(), Unit::Usd, None),
        other => (other.to_string(), Unit::People, None),
    }
}

impl super::Chart for EffectChart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let c = self;
        let (label, unit, lower) = metric_info(&c.metric);
        let dir = match lower {
            Some(true) => " (lower is better)",
            Some(false) => " (higher is better)",
            None => "",
        };
        let title = format!(
            "{}: effect of {} on {}",
            c.scenario,
            c.policy,
            label.to_lowercase()
        );
        let sub = format!(
        "Mean paired difference {} minus {} in {}{dir} at each swept point; marked where its 95% interval excludes 0.",
        c.policy,
        c.baseline,
        unit.axis()
    );
        let area = header(root, &title, &sub, c.replicates, rec)?;
        if c.keys.len() == 2 {
            heatmap(&area, c, unit, lower, rec)
        } else {
            line(&area, c, unit, rec)
        }
    }
}

/// Distinct values in order of first appearance.
fn levels(points: &[EffectPoint], k: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in points {
        if let Some(v) = p.levels.get(k) {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
    }
    out
}

fn mix(a: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let f = |c: u8| (255.0 + (f64::from(c) - 255.0) * t).round() as u8;
    RGBColor(f(a.0), f(a.1), f(a.2))
}

fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &EffectChart,
    unit: Unit,
    lower: Option<bool>,
    rec: &mut ChartRecord,
) -> Result<()> {
    let xs = levels(&c.points, 0);
    let ys = levels(&c.points, 1);
    let (nx, ny) = (xs.len().max(1) as i32, ys.len().max(1) as i32);
    let scale = unit.scale();
    let max_abs = c
        .points
        .iter()
        .map(|p| (p.mean * scale).abs())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let (xk, yk) = (
        c.keys.first().cloned().unwrap_or_default(),
        c.keys.get(1).cloned().unwrap_or_default(),
    );
    let (body, legend) = area.split_vertically(area.dim_in_pixel().1.saturating_sub(60));
    let mut chart = ChartBuilder::on(&body)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(140)
        .build_cartesian_2d(0.0..f64::from(nx), 0.0..f64::from(ny))
        .drawn()?;
    let xl = xs.clone();
    let yl = ys.clone();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(xk.as_str())
        .y_desc(yk.as_str())
        .axis_desc_style(font(18.0))
        .label_style(font(16.0))
        .x_labels(0)
        .y_labels(0)
        .draw()
        .drawn()?;
    // Level labels at the cell centres, drawn in pixels beside the axes.
    let base = body.get_base_pixel();
    let label = font(16.0);
    for (i, l) in xl.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        body.draw_text(
            l,
            &label.pos(Pos::new(HPos::Center, VPos::Top)),
            (px - base.0, py - base.1 + 8),
        )
        .drawn()?;
    }
    for (j, l) in yl.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        body.draw_text(
            l,
            &label.pos(Pos::new(HPos::Right, VPos::Center)),
            (px - base.0 - 8, py - base.1),
        )
        .drawn()?;
    }
    rec.axis(&xk);
    rec.axis(&yk);
    let decimals = style::decimals_for(max_abs);
    for p in &c.points {
        let (Some(i), Some(j)) = (
            p.levels
                .first()
                .and_then(|v| xs.iter().position(|x| x == v)),
            p.levels.get(1).and_then(|v| ys.iter().position(|y| y == v)),
        ) else {
            continue;
        };
        let (i, j) = (i as f64, j as f64);
        let m = p.mean * scale;
        let good = match lower {
            Some(true) => m < 0.0,
            Some(false) => m > 0.0,
            None => m > 0.0,
        };
        let t = if max_abs > 0.0 && m.is_finite() {
            m.abs() / max_abs
        } else {
            0.0
        };
        let colour = mix(if good { oi::BLUE } else { oi::VERMILLION }, 0.85 * t);
        let (a, b) = ((i, j), (i + 1.0, j + 1.0));
        chart
            .draw_series(std::iter::once(Rectangle::new([a, b], colour.filled())))
            .drawn()?;
        if p.clear() {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [a, b],
                    ShapeStyle::from(&oi::BLACK).stroke_width(4),
                )))
                .drawn()?;
        }
        rec.drew("effect cells");
        let text = if m.is_finite() {
            format!(
                "{}{}",
                style::thousands(m, decimals),
                if p.clear() { " *" } else { "" }
            )
        } else {
            "-".to_string()
        };
        let colour_text = if t > 0.6 { WHITE } else { style::TEXT };
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (i + 0.5, j + 0.5),
                font(18.0)
                    .color(&colour_text)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))
            .drawn()?;
    }
    let words = match lower {
        None => "Blue: the policy's value is higher than the baseline's; orange: lower.",
        Some(_) => "Blue: better than the baseline; orange: worse; deeper colour = larger effect.",
    };
    legend
        .draw_text(
            &format!(
                "{words} Black border and *: the 95% interval of the mean difference excludes 0."
            ),
            &font(16.0),
            (24, 18),
        )
        .drawn()?;
    rec.legend
        .push("black border and *: 95% interval excludes 0".to_string());
    Ok(())
}

fn line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &EffectChart,
    unit: Unit,
    rec: &mut ChartRecord,
) -> Result<()> {
    let scale = unit.scale();
    let numeric = c
        .points
        .iter()
        .all(|p| p.levels.first().is_some_and(|v| v.parse::<f64>().is_ok()));
    let cats = levels(&c.points, 0);
    let mut pts: Vec<(f64, &EffectPoint)> = c
        .points
        .iter()
        .map(|p| {
            let v = p.levels.first().cloned().unwrap_or_default();
            let x = if numeric {
                v.parse::<f64>().unwrap_or(f64::NAN)
            } else {
                cats.iter().position(|c| *c == v).unwrap_or(0) as f64
            };
            (x, p)
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (x0, x1) = style::nice_range(
        pts.first().map_or(0.0, |p| p.0),
        pts.last().map_or(1.0, |p| p.0),
        0.05,
    );
    let vals = pts
        .iter()
        .flat_map(|(_, p)| [p.ci.0 * scale, p.ci.1 * scale, p.mean * scale, 0.0])
        .filter(|v| v.is_finite());
    let (lo, hi) = vals.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = style::nice_range(lo, hi, 0.08);
    let key = c.keys.first().cloned().unwrap_or_default();
    let ydesc = format!("Mean difference vs {} ({})", c.baseline, unit.axis());
    let cats_f = cats.clone();
    let (body, legend) = area.split_vertically(area.dim_in_pixel().1.saturating_sub(40));
    let mut chart = ChartBuilder::on(&body)
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(x0..x1, y0..y1)
        .drawn()?;
    let xfmt = style::axis_formatter(x1 - x0);
    let yfmt = style::axis_formatter(y1 - y0);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(key.as_str())
        .y_desc(ydesc.as_str())
        .axis_desc_style(font(18.0))
        .label_style(font(16.0))
        .light_line_style(WHITE.mix(0.0))
        .y_label_formatter(&yfmt);
    let xcat = move |x: &f64| {
        let r = x.round();
        if (x - r).abs() < 1e-9 && r >= 0.0 {
            cats_f.get(r as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    if numeric {
        mesh.x_label_formatter(&xfmt).draw().drawn()?;
    } else {
        mesh.x_labels(cats.len() + 2)
            .x_label_formatter(&xcat)
            .draw()
            .drawn()?;
    }
    rec.axis(&key);
    rec.axis(&ydesc);
    chart
        .draw_series(DashedLineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            8,
            6,
            ShapeStyle::from(&oi::GREY).stroke_width(1),
        ))
        .drawn()?;
    for (x, p) in &pts {
        if p.ci.0.is_finite() && p.ci.1.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*x, p.ci.0 * scale), (*x, p.ci.1 * scale)],
                    ShapeStyle::from(&oi::BLUE).stroke_width(2),
                )))
                .drawn()?;
            rec.drew("95% interval");
        }
    }
    let line: Vec<(f64, f64)> = pts
        .iter()
        .filter(|(_, p)| p.mean.is_finite())
        .map(|(x, p)| (*x, p.mean * scale))
        .collect();
    // Text levels have no order between them: dots only.
    if numeric {
        chart
            .draw_series(LineSeries::new(
                line,
                ShapeStyle::from(&oi::BLUE).stroke_width(2),
            ))
            .drawn()?;
    }
    for (x, p) in &pts {
        if !p.mean.is_finite() {
            continue;
        }
        let style = if p.clear() {
            oi::BLUE.filled()
        } else {
            WHITE.filled()
        };
        chart
            .draw_series([
                Circle::new((*x, p.mean * scale), 6, style),
                Circle::new(
                    (*x, p.mean * scale),
                    6,
                    ShapeStyle::from(&oi::BLUE).stroke_width(2),
                ),
            ])
            .drawn()?;
        rec.drew("mean difference");
    }
    let lg = "Filled dot: the 95% interval excludes 0; open dot: it does not. Bars: 95% interval of the mean difference.";
    legend.draw_text(lg, &font(16.0), (24, 10)).drawn()?;
    rec.legend
        .push("filled dot: 95% interval excludes 0".to_string());
    Ok(())
}
