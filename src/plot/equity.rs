//! Group equity (`group-equity`): the share of each group's caseload that
//! completed reintegration (`completed_share` in summary.csv), one bar per
//! policy within each group. Each bar carries a thin whisker from the 5th to
//! the 95th percentile over replicates (the spread of outcomes) and a thick
//! black mark for the 95% interval of the mean (mean +- 1.96 MCSE), whose
//! largest half-width the subtitle states because at many replicates it is
//! thinner than the mark.
//!
//! Group names are wrapped onto two lines under their bars; when a name
//! would still not fit, every group is shown by a short code (G1, G2, ...)
//! and a key under the chart gives the full names.

use super::style::{self, font, header, legend, okabe_ito as oi, Drawn, Swatch, TickAxis};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Legend label of the spread whisker.
pub const SPREAD: &str = "5th-95th percentile of simulated outcomes";
/// Legend label of the interval of the mean.
pub const MEAN_CI: &str = "95% interval of the mean";
/// Most lines a group name may wrap onto before codes and a key are used.
pub const MAX_LABEL_LINES: usize = 2;

const SPREAD_INK: RGBColor = RGBColor(0x30, 0x30, 0x30);
const LABEL_PX: f64 = 16.0;
const X_DESC: &str = "caseload group";
const Y_DESC: &str = "% of the group's caseload that completed";

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(sum) = cx.data.summary.as_ref() else {
        cx.note("group equity chart skipped: summary.csv is missing");
        return Ok(());
    };
    let groups = cx.data.groups();
    let policies = cx.data.policies();
    if groups.is_empty() {
        cx.note("group equity chart skipped: no caseload groups in manifest.json or summary.csv");
        return Ok(());
    }
    let mut bars = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for (pi, p) in policies.iter().enumerate() {
            if let Some(s) = sum.get(p, g, "completed_share") {
                if let Some(mean) = s.mean {
                    bars.push(Bar {
                        group: gi,
                        policy: pi,
                        mean: mean * 100.0,
                        ci: s.mean_ci().map(|(l, h)| (l * 100.0, h * 100.0)),
                        spread: s.p05.zip(s.p95).map(|(l, h)| (l * 100.0, h * 100.0)),
                    });
                }
            }
        }
    }
    if bars.is_empty() {
        cx.note("group equity chart skipped: summary.csv has no completed_share values by group");
        return Ok(());
    }
    let labels: Vec<String> = groups.iter().map(|g| cx.data.group_label(g)).collect();
    let replicates = cx.replicates;
    save_chart(
        cx,
        names::EQUITY,
        &Equity {
            labels,
            policies,
            bars,
            replicates,
        },
    )
}

struct Bar {
    group: usize,
    policy: usize,
    mean: f64,
    ci: Option<(f64, f64)>,
    spread: Option<(f64, f64)>,
}

struct Equity {
    labels: Vec<String>,
    policies: Vec<String>,
    bars: Vec<Bar>,
    replicates: Option<u64>,
}

/// How group names are written under the axis.
enum Labels {
    /// Each name on up to [`MAX_LABEL_LINES`] lines.
    Wrapped(Vec<Vec<String>>),
    /// Codes under the axis and key lines under the chart.
    Keyed {
        codes: Vec<String>,
        key: Vec<String>,
    },
}

/// Wraps every label into the slot width, or falls back to codes and a key.
fn layout_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
    slot_px: u32,
    width_px: u32,
) -> Result<Labels> {
    let style = font(LABEL_PX);
    let mut wrapped = Vec::with_capacity(labels.len());
    let mut fits = true;
    for l in labels {
        let lines = style::wrap(area, l, &style, slot_px)?;
        for line in &lines {
            let (w, _) = area.estimate_text_size(line, &style).drawn()?;
            fits &= w <= slot_px;
        }
        fits &= !lines.is_empty() && lines.len() <= MAX_LABEL_LINES;
        wrapped.push(lines);
    }
    if fits {
        return Ok(Labels::Wrapped(wrapped));
    }
    let codes: Vec<String> = (1..=labels.len()).map(|i| format!("G{i}")).collect();
    let entries: Vec<String> = codes
        .iter()
        .zip(labels)
        .map(|(c, l)| format!("{c} = {l}"))
        .collect();
    let key = style::wrap(
        area,
        &format!("Groups: {}.", entries.join(";  ")),
        &font(15.0),
        width_px,
    )?;
    Ok(Labels::Keyed { codes, key })
}

impl Chart for Equity {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let max_half = self
            .bars
            .iter()
            .filter_map(|b| b.ci.map(|(l, h)| (h - l) / 2.0))
            .fold(f64::NAN, f64::max);
        let ci_words = if max_half.is_finite() {
            format!(
                " Thick black mark: the 95% interval of the mean, at most \u{b1}{} percentage points here.",
                style::thousands(max_half, if max_half < 0.1 { 3 } else { 2 })
            )
        } else {
            String::new()
        };
        let body = header(
            root,
            "Share of each group that completed reintegration, by policy",
            &format!(
                "Bars: mean over replicates of completed courses divided by the group's caseload. \
                 Thin whisker: where 90% of simulated outcomes fall (5th to 95th percentile).{ci_words}"
            ),
            self.replicates,
            rec,
        )?;
        let mut items: Vec<(Swatch, String)> = self
            .policies
            .iter()
            .enumerate()
            .filter(|(i, _)| self.bars.iter().any(|b| b.policy == *i))
            .map(|(i, p)| (Swatch::Fill(style::policy_colour(i), 0.85), p.clone()))
            .collect();
        if self.bars.iter().any(|b| b.spread.is_some()) {
            items.push((Swatch::Whisker(SPREAD_INK, 2), SPREAD.to_string()));
        }
        if self.bars.iter().any(|b| b.ci.is_some()) {
            items.push((Swatch::Whisker(oi::BLACK, 5), MEAN_CI.to_string()));
        }
        let body = legend(&body, &items, rec)?;

        let ng = self.labels.len().max(1);
        let (w, h) = body.dim_in_pixel();
        let plot_w = w.saturating_sub(16 + 90 + 40);
        let slot_px = (plot_w as usize / ng).saturating_sub(16) as u32;
        let labels = layout_labels(&body, &self.labels, slot_px, w.saturating_sub(48))?;
        let (body, key_area) = match &labels {
            Labels::Keyed { key, .. } => {
                let key_h = key.len() as u32 * 21 + 8;
                let (a, b) = body.split_vertically(h.saturating_sub(key_h));
                (a, Some(b))
            }
            Labels::Wrapped(_) => (body, None),
        };
        let lines = match &labels {
            Labels::Wrapped(w) => w.iter().map(Vec::len).max().unwrap_or(1),
            Labels::Keyed { .. } => 1,
        };
        // Ticks without text; the names are drawn below, wrapped.
        let axis = TickAxis::categories(&vec![String::new(); self.labels.len()]);
        let top = self
            .bars
            .iter()
            .flat_map(|b| [Some(b.mean), b.ci.map(|c| c.1), b.spread.map(|s| s.1)])
            .flatten()
            .fold(0.0f64, f64::max);
        let ymax = if top > 80.0 {
            100.0
        } else {
            style::zero_based(std::iter::once(top), 0.12).1
        };
        let label_h = 14 + 20 * lines as u32;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(16)
            .margin_right(40)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(label_h + 26)
            .y_label_area_size(90)
            .build_cartesian_2d(axis, 0.0..ymax)
            .drawn()?;
        let yfmt = style::axis_formatter(ymax);
        chart
            .configure_mesh()
            .y_label_formatter(&yfmt)
            .y_desc(Y_DESC)
            .x_desc(X_DESC)
            .label_style(font(16.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .draw()
            .drawn()?;
        rec.axis(Y_DESC);
        rec.axis(X_DESC);

        // Group names (or codes) under the axis, centred on each group.
        let (bx, by) = body.get_base_pixel();
        let centred = font(LABEL_PX).pos(Pos::new(HPos::Center, VPos::Top));
        for i in 0..self.labels.len() {
            let (px, py) = chart.backend_coord(&(i as f64, 0.0));
            let text: Vec<String> = match &labels {
                Labels::Wrapped(w) => w[i].clone(),
                Labels::Keyed { codes, .. } => vec![codes[i].clone()],
            };
            for (k, line) in text.iter().enumerate() {
                body.draw_text(line, &centred, (px - bx, py - by + 10 + 20 * k as i32))
                    .drawn()?;
            }
            rec.categories.push(text.join(" "));
        }
        if let (Labels::Keyed { key, .. }, Some(area)) = (&labels, key_area) {
            let style = font(15.0);
            for (k, line) in key.iter().enumerate() {
                area.draw_text(line, &style, (24, 4 + 21 * k as i32))
                    .drawn()?;
                rec.categories.push(line.clone());
            }
        }

        let np = self.policies.len().max(1) as f64;
        let slot = 0.8 / np;
        for b in &self.bars {
            let x0 = b.group as f64 - 0.4 + slot * b.policy as f64;
            let (l, r) = (x0 + slot * 0.1, x0 + slot * 0.9);
            let c = style::policy_colour(b.policy);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(l, 0.0), (r, b.mean)],
                    c.mix(0.85).filled(),
                )))
                .drawn()?;
            if let Some(p) = self.policies.get(b.policy) {
                rec.drew(p);
            }
            let mid = (l + r) / 2.0;
            if let Some((lo, hi)) = b.spread {
                let cap = slot * 0.18;
                let (lo, hi) = (lo.max(0.0), hi.min(ymax));
                for path in [
                    vec![(mid, lo), (mid, hi)],
                    vec![(mid - cap, lo), (mid + cap, lo)],
                    vec![(mid - cap, hi), (mid + cap, hi)],
                ] {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            path.clone(),
                            WHITE.stroke_width(5),
                        )))
                        .drawn()?;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            path,
                            SPREAD_INK.stroke_width(2),
                        )))
                        .drawn()?;
                }
                rec.drew(SPREAD);
            }
            if let Some((lo, hi)) = b.ci {
                // A filled box at least 5 px tall, outlined in white so it
                // shows on dark bars.
                let half = slot * 0.22;
                let (_, ylo) = chart.backend_coord(&(mid, lo.max(0.0)));
                let (_, yhi) = chart.backend_coord(&(mid, hi.min(ymax)));
                let (xl, _) = chart.backend_coord(&(mid - half, lo));
                let (xr, _) = chart.backend_coord(&(mid + half, lo));
                let (ylo, yhi) = if ylo - yhi < 5 {
                    let c = (ylo + yhi) / 2;
                    (c + 3, c - 2)
                } else {
                    (ylo, yhi)
                };
                let (bx, by) = body.get_base_pixel();
                let rect = [(xl - bx, yhi - by), (xr - bx, ylo - by)];
                body.draw(&Rectangle::new(
                    [
                        (rect[0].0 - 1, rect[0].1 - 1),
                        (rect[1].0 + 1, rect[1].1 + 1),
                    ],
                    WHITE.filled(),
                ))
                .drawn()?;
                body.draw(&Rectangle::new(rect, oi::BLACK.filled()))
                    .drawn()?;
                rec.drew(MEAN_CI);
            }
        }
        Ok(())
    }
}
