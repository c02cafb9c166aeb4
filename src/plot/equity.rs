//! Group equity (`group-equity`): the share of each group's caseload that
//! completed reintegration (`completed_share` in summary.csv), one bar per
//! policy within each group, with the 95% interval of the mean
//! (mean +- 1.96 MCSE).

use super::style::{self, font, header, legend, shorten, Drawn, Swatch, TickAxis};
use super::{names, save_chart, Chart, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

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
    save_chart(
        cx,
        names::EQUITY,
        &Equity {
            labels,
            policies,
            bars,
        },
    )
}

struct Bar {
    group: usize,
    policy: usize,
    mean: f64,
    ci: Option<(f64, f64)>,
}

struct Equity {
    labels: Vec<String>,
    policies: Vec<String>,
    bars: Vec<Bar>,
}

impl Chart for Equity {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let body = header(
            root,
            "Share of each group that completed reintegration, by policy",
            "Mean over replicates of completed courses divided by the group's caseload; whiskers are 95% intervals of the mean.",
        )?;
        let items: Vec<(Swatch, String)> = self
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| (Swatch::Fill(style::policy_colour(i), 0.85), p.clone()))
            .collect();
        let body = legend(&body, &items)?;
        let ng = self.labels.len().max(1);
        let (w, _) = body.dim_in_pixel();
        let slot_px = (w.saturating_sub(150) as usize / ng).saturating_sub(12) as u32;
        let mut labels = Vec::with_capacity(self.labels.len());
        for l in &self.labels {
            labels.push(fit(&body, l, slot_px)?);
        }
        let axis = TickAxis::categories(&labels);
        let top = self
            .bars
            .iter()
            .map(|b| b.ci.map_or(b.mean, |c| c.1.max(b.mean)))
            .fold(0.0f64, f64::max);
        let ymax = if top > 80.0 {
            100.0
        } else {
            style::zero_based(std::iter::once(top), 0.12).1
        };
        let mut chart = ChartBuilder::on(&body)
            .margin_left(16)
            .margin_right(40)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(axis, 0.0..ymax)
            .drawn()?;
        let yfmt = style::axis_formatter(ymax);
        chart
            .configure_mesh()
            .y_label_formatter(&yfmt)
            .y_desc("% of the group's caseload")
            .x_desc("caseload group")
            .label_style(font(16.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .draw()
            .drawn()?;
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
            if let Some((lo, hi)) = b.ci {
                let mid = (l + r) / 2.0;
                let cap = slot * 0.15;
                let ink = RGBColor(0x30, 0x30, 0x30).stroke_width(2);
                for path in [
                    vec![(mid, lo.max(0.0)), (mid, hi)],
                    vec![(mid - cap, lo.max(0.0)), (mid + cap, lo.max(0.0))],
                    vec![(mid - cap, hi), (mid + cap, hi)],
                ] {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            path.clone(),
                            WHITE.stroke_width(6),
                        )))
                        .drawn()?;
                    chart
                        .draw_series(std::iter::once(PathElement::new(path, ink)))
                        .drawn()?;
                }
            }
        }
        Ok(())
    }
}

/// Shortens `label` with an ellipsis until it fits in `max_px` at the tick font.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    max_px: u32,
) -> Result<String> {
    let style = font(16.0);
    let mut n = label.chars().count();
    loop {
        let candidate = shorten(label, n);
        let (w, _) = area.estimate_text_size(&candidate, &style).drawn()?;
        if w <= max_px || n <= 4 {
            return Ok(candidate);
        }
        n -= 1;
    }
}
