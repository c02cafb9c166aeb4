//! Policy comparison forest plot (`policy-comparison`): for each headline
//! outcome (group `all`), every policy's mean paired difference from the
//! baseline with its 95% interval (`ci_low`..`ci_high` of comparison.csv).
//! One panel per outcome because units differ; a dashed line marks no change.

use super::data::Diff;
use super::metrics::{Metric, Unit, HEADLINE};
use super::style::{self, font, header, okabe_ito as oi, shorten, Drawn, TickAxis};
use super::{names, save_chart, Chart, ChartRecord, Ctx};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Most policies one panel can label without overlapping text at 1200x800.
pub const MAX_ROWS: usize = 8;

pub(crate) fn render(cx: &mut Ctx) -> Result<()> {
    let Some(cmp) = cx.data.comparison.as_ref() else {
        cx.note("policy comparison skipped: comparison.csv is missing");
        return Ok(());
    };
    let policies = cx.data.policies();
    let baseline = cx.data.baseline().unwrap_or_default();
    let compared: Vec<(usize, String)> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| **p != baseline && cmp.policies.contains(p))
        .map(|(i, p)| (i, p.clone()))
        .collect();
    if compared.is_empty() {
        cx.note("policy comparison skipped: there is no policy other than the baseline in comparison.csv");
        return Ok(());
    }
    let mut compared = compared;
    if compared.len() > MAX_ROWS {
        cx.note(format!(
            "policy comparison shows the first {MAX_ROWS} of {} policies compared (more would overlap); the report's headline table lists all",
            compared.len()
        ));
        compared.truncate(MAX_ROWS);
    }
    let panels: Vec<Panel> = HEADLINE
        .iter()
        .map(|m| Panel {
            metric: *m,
            rows: compared
                .iter()
                .map(|(i, p)| (*i, p.clone(), cmp.get(p, "all", m.key).copied()))
                .collect(),
        })
        .collect();
    let replicates = cx.replicates;
    save_chart(
        cx,
        names::FOREST,
        &Forest {
            baseline,
            panels,
            replicates,
        },
    )
}

struct Panel {
    metric: Metric,
    rows: Vec<(usize, String, Option<Diff>)>,
}

struct Forest {
    baseline: String,
    panels: Vec<Panel>,
    replicates: Option<u64>,
}

impl Panel {
    fn title(&self) -> String {
        let dir = if self.metric.lower_better {
            "lower is better"
        } else {
            "higher is better"
        };
        format!("{} ({dir})", self.metric.label)
    }

    fn unit_words(&self) -> &'static str {
        match self.metric.unit {
            Unit::Probability => "percentage points",
            Unit::Usd => "USD",
            u => u.axis(),
        }
    }
}

impl Chart for Forest {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let body = header(
            root,
            &format!("Each policy compared with {}: paired differences", self.baseline),
            &format!(
                "Mean of (policy minus {}) over replicates that share the same random draws; bars are 95% intervals of that mean (hidden behind the dot when narrower than it). \
                 All groups. A dashed line marks no change. Policies are named on each panel's axis (no legend).",
                self.baseline
            ),
            self.replicates,
            rec,
        )?;
        let body = body.margin(6, 0, 0, 0);
        let areas = body.split_evenly((3, 2));
        let longest = self
            .panels
            .first()
            .map(|p| {
                p.rows
                    .iter()
                    .map(|r| r.1.chars().count())
                    .max()
                    .unwrap_or(8)
            })
            .unwrap_or(8);
        let label_w = (longest.min(22) as u32) * 9 + 16;
        for (area, panel) in areas.iter().zip(&self.panels) {
            self.draw_panel(area, panel, label_w, rec)?;
        }
        Ok(())
    }
}

impl Forest {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        label_w: u32,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let scale = panel.metric.unit.scale();
        let mut vals: Vec<f64> = vec![0.0];
        for (_, _, d) in &panel.rows {
            if let Some(d) = d {
                vals.extend(
                    [d.mean_diff, d.ci_low, d.ci_high]
                        .into_iter()
                        .flatten()
                        .map(|v| v * scale),
                );
            }
        }
        let money = panel.metric.unit == Unit::Usd;
        let max_abs = vals.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mscale = if money {
            style::money_scale(max_abs)
        } else {
            style::MoneyScale {
                divisor: 1.0,
                unit: "",
            }
        };
        let vals: Vec<f64> = vals.iter().map(|v| v / mscale.divisor).collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = style::nice_range(lo, hi, 0.08);
        let labels: Vec<String> = panel.rows.iter().map(|r| shorten(&r.1, 22)).collect();
        // Categories top to bottom: first policy at the top.
        let n = labels.len();
        let rev: Vec<String> = labels.iter().rev().cloned().collect();
        let yaxis = TickAxis::categories(&rev);
        let unit = if money {
            mscale.unit.to_string()
        } else {
            panel.unit_words().to_string()
        };
        let mut chart = ChartBuilder::on(area)
            .margin_left(8)
            .margin_right(28)
            .margin_top(6)
            .margin_bottom(6)
            .caption(panel.title(), font(18.0))
            .x_label_area_size(48)
            .y_label_area_size(label_w)
            .build_cartesian_2d(lo..hi, yaxis)
            .drawn()?;
        let xfmt = style::axis_formatter(hi - lo);
        let x_desc = format!("difference ({unit})");
        rec.axis(&x_desc);
        chart
            .configure_mesh()
            .x_label_formatter(&xfmt)
            .x_desc(x_desc)
            .label_style(font(15.0))
            .axis_desc_style(font(15.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .light_line_style(TRANSPARENT)
            .x_labels(5)
            .draw()
            .drawn()?;
        let ymin = -0.5;
        let ymax = n as f64 - 0.5;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, ymin), (0.0, ymax)],
                6,
                4,
                oi::GREY.stroke_width(1),
            ))
            .drawn()?;
        let mut missing = 0;
        for (k, (ci, policy, d)) in panel.rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let c = style::policy_colour(*ci);
            let f = |v: Option<f64>| v.map(|x| x * scale / mscale.divisor);
            let Some(d) = d else {
                missing += 1;
                continue;
            };
            if let (Some(l), Some(h)) = (f(d.ci_low), f(d.ci_high)) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(l, y), (h, y)],
                        c.stroke_width(3),
                    )))
                    .drawn()?;
                for x in [l, h] {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(x, y - 0.12), (x, y + 0.12)],
                            c.stroke_width(2),
                        )))
                        .drawn()?;
                }
                rec.drew(policy);
            }
            match f(d.mean_diff) {
                Some(m) => {
                    chart
                        .draw_series(std::iter::once(Circle::new((m, y), 6, c.filled())))
                        .drawn()?;
                    rec.drew(policy);
                }
                None => missing += 1,
            }
        }
        if missing > 0 {
            let style = font(14.0)
                .color(&oi::GREY)
                .pos(Pos::new(HPos::Right, VPos::Top));
            let (w, _) = area.dim_in_pixel();
            area.draw_text(
                &format!(
                    "{} missing",
                    super::style::count(missing as f64, "value", "values")
                ),
                &style,
                (w as i32 - 30, 30),
            )
            .drawn()?;
        }
        Ok(())
    }
}
