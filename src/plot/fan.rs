//! Fan charts, one file per policy (`fan-<policy>`): the waiting list and the
//! people in a reintegration course each month (group `all`), as the median
//! over replicates with the 50% (25th-75th percentile) and 90% (5th-95th)
//! bands of simulated outcomes. Every policy's chart uses the same vertical
//! scale, so files can be compared side by side.

use super::data::Band;
use super::style::{self, font, header, legend, Drawn, Swatch, TickAxis};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The two panels: metric, panel title.
const PANELS: [(&str, &str); 2] = [
    ("waiting", "Waiting for a reintegration place"),
    ("in_reintegration", "In a reintegration course"),
];

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(ts) = cx.data.timeseries.as_ref() else {
        cx.note("fan charts skipped: timeseries.csv is missing");
        return Ok(());
    };
    let Some((first, last)) = ts.month_range() else {
        cx.note("fan charts skipped: timeseries.csv has no rows");
        return Ok(());
    };
    let policies = cx.data.policies();
    let axis = TickAxis::months(ts, first, last);
    // Shared y maximum per panel across policies.
    let ymax: Vec<f64> = PANELS
        .iter()
        .map(|(m, _)| {
            let vals = policies
                .iter()
                .flat_map(|p| ts.get(p, "all", m))
                .flat_map(|b| [b.p95, b.p75, b.p50]);
            style::zero_based(vals.flatten(), 0.05).1
        })
        .collect();
    let reps = cx.replicates;
    for (i, p) in policies.iter().enumerate() {
        let panels: Vec<Vec<Band>> = PANELS
            .iter()
            .map(|(m, _)| ts.get(p, "all", m).to_vec())
            .collect();
        if panels.iter().all(|b| b.iter().all(|x| x.p50.is_none())) {
            cx.note(format!("fan chart for {p} skipped: no waiting or in_reintegration values in timeseries.csv"));
            continue;
        }
        let chart = Fan {
            policy: p,
            colour: style::policy_colour(i),
            panels,
            ymax: ymax.clone(),
            axis: axis.clone(),
            reps,
        };
        save_chart(cx, &names::fan(p), &chart)?;
    }
    Ok(())
}

struct Fan<'a> {
    policy: &'a str,
    colour: RGBColor,
    panels: Vec<Vec<Band>>,
    ymax: Vec<f64>,
    axis: TickAxis,
    reps: Option<u64>,
}

/// Runs of consecutive months where `f` is defined.
pub(crate) fn segments<T: Copy>(
    bands: &[Band],
    f: impl Fn(&Band) -> Option<T>,
) -> Vec<Vec<(f64, T)>> {
    let mut out: Vec<Vec<(f64, T)>> = Vec::new();
    let mut cur: Vec<(f64, T)> = Vec::new();
    let mut prev: Option<u32> = None;
    for b in bands {
        match f(b) {
            Some(v) if cur.is_empty() || !matches!(prev, Some(pm) if b.month != pm + 1) => {
                cur.push((b.month as f64, v))
            }
            Some(v) => {
                out.push(std::mem::take(&mut cur));
                cur.push((b.month as f64, v));
            }
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
        prev = Some(b.month);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Draws a band between `lo` and `hi` as polygons over defined runs;
/// returns whether anything was drawn.
pub(crate) fn draw_band<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<DB, CT>,
    bands: &[Band],
    lo: impl Fn(&Band) -> Option<f64>,
    hi: impl Fn(&Band) -> Option<f64>,
    fill: RGBAColor,
) -> Result<bool> {
    let mut drew = false;
    for seg in segments(bands, |b| Some((lo(b)?, hi(b)?))) {
        let mut pts: Vec<(f64, f64)> = seg.iter().map(|(x, (_, h))| (*x, *h)).collect();
        pts.extend(seg.iter().rev().map(|(x, (l, _))| (*x, *l)));
        if seg.len() == 1 {
            // A single month: draw a thin vertical bar so it stays visible.
            let (x, (l, h)) = seg[0];
            pts = vec![(x - 0.15, h), (x + 0.15, h), (x + 0.15, l), (x - 0.15, l)];
        }
        chart
            .draw_series(std::iter::once(Polygon::new(pts, fill.filled())))
            .drawn()?;
        drew = true;
    }
    Ok(drew)
}

/// Draws a line over defined runs; returns whether anything was drawn.
pub(crate) fn draw_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<DB, CT>,
    bands: &[Band],
    f: impl Fn(&Band) -> Option<f64>,
    style: ShapeStyle,
) -> Result<bool> {
    let mut drew = false;
    for seg in segments(bands, f) {
        drew = true;
        if seg.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new(seg[0], 3, style.filled())))
                .drawn()?;
        } else {
            chart.draw_series(LineSeries::new(seg, style)).drawn()?;
        }
    }
    Ok(drew)
}

/// Fan legend labels.
const MEDIAN: &str = "Median";
const BAND50: &str = "50% band (25th-75th percentile)";
const BAND90: &str = "90% band (5th-95th percentile)";

impl Chart for Fan<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let body = header(
            root,
            &format!("Waiting list and reintegration courses: {}", style::shorten(self.policy, 48)),
            "All groups. Line: median; shaded: where the middle 50% and 90% of simulated outcomes fall each month \
             (spread of outcomes, not a confidence interval). Same vertical scale in every policy's fan chart.",
            self.reps,
            rec,
        )?;
        let c = self.colour;
        // Legend entries for what the panels hold (the same tests decide what is drawn).
        let has = |f: &dyn Fn(&Band) -> bool| self.panels.iter().flatten().any(f);
        let mut items = Vec::new();
        if has(&|b| b.p50.is_some()) {
            items.push((Swatch::Line(c, 3), MEDIAN.to_string()));
        }
        if has(&|b| b.p25.is_some() && b.p75.is_some()) {
            items.push((Swatch::Fill(c, 0.40), BAND50.to_string()));
        }
        if has(&|b| b.p05.is_some() && b.p95.is_some()) {
            items.push((Swatch::Fill(c, 0.15), BAND90.to_string()));
        }
        let body = legend(&body, &items, rec)?;
        let areas = body.split_evenly((2, 1));
        for (k, area) in areas.iter().enumerate() {
            let (Some(bands), Some((_, title))) = (self.panels.get(k), PANELS.get(k)) else {
                continue;
            };
            let ymax = self.ymax.get(k).copied().unwrap_or(1.0);
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(36)
                .margin_top(4)
                .margin_bottom(4)
                .caption(*title, font(19.0))
                .x_label_area_size(if k == 1 { 52 } else { 28 })
                .y_label_area_size(96)
                .build_cartesian_2d(self.axis.clone(), 0.0..ymax)
                .drawn()?;
            let yfmt = style::axis_formatter(ymax);
            let mut mesh = chart.configure_mesh();
            mesh.y_label_formatter(&yfmt)
                .y_desc(Y_DESC)
                .label_style(font(15.0))
                .axis_desc_style(font(17.0))
                .bold_line_style(RGBColor(225, 225, 225))
                .light_line_style(TRANSPARENT)
                .y_labels(6);
            rec.axis(Y_DESC);
            if k == 1 {
                mesh.x_desc(style::MONTH_AXIS);
                rec.axis(style::MONTH_AXIS);
            }
            mesh.draw().drawn()?;
            if draw_band(&mut chart, bands, |b| b.p05, |b| b.p95, c.mix(0.15))? {
                rec.drew(BAND90);
            }
            if draw_band(&mut chart, bands, |b| b.p25, |b| b.p75, c.mix(0.30))? {
                rec.drew(BAND50);
            }
            if draw_line(&mut chart, bands, |b| b.p50, c.stroke_width(3))? {
                rec.drew(MEDIAN);
            }
        }
        Ok(())
    }
}

/// The fan panels' vertical axis title.
const Y_DESC: &str = "people (all groups)";
