//! The chart of `ddrsim sensitivity`: one row per factor, most influential
//! at the top, with 95% bootstrap intervals. Morris: a bar for mu* (coloured
//! by the factor's block) and a dot for sigma. Sobol': a bar for the total
//! index ST and a thinner one for the first-order index S1.

use super::style::{self, font, okabe_ito as oi, Drawn, Swatch};
use super::ChartRecord;
use crate::experiment::sensitivity::Method;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Most factors drawn; the rest are named in the subtitle's count.
pub const MAX_BARS: usize = 20;

/// One factor's row: (estimate, 95% low, 95% high) of the two indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Factor name.
    pub factor: String,
    /// Its block: `behaviour` or `funding`.
    pub group: String,
    /// mu* (Morris) or ST (Sobol').
    pub main: (f64, f64, f64),
    /// sigma (Morris) or S1 (Sobol').
    pub second: (f64, f64, f64),
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityChart {
    /// Scenario name.
    pub scenario: String,
    /// Method.
    pub method: Method,
    /// The quantity analysed, in words.
    pub subject: String,
    /// Unit of the outcome.
    pub unit: String,
    /// The design, in words.
    pub design: String,
    /// Process replicates per point.
    pub replicates: u64,
    /// Share of the variance of the point outputs that is process noise.
    pub noise_share: f64,
    /// Factors in ranking order.
    pub bars: Vec<Bar>,
}

fn group_colour(group: &str) -> RGBColor {
    if group == "behaviour" {
        oi::BLUE
    } else {
        oi::ORANGE
    }
}

impl super::Chart for SensitivityChart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let c = self;
        let shown = c.bars.len().min(MAX_BARS);
        let bars = c.bars.get(..shown).unwrap_or_default();
        let title = format!("{}: what drives {}", c.scenario, c.subject);
        let noise = if c.noise_share.is_finite() {
            format!(
                "process noise is {:.1}% of the variance of the point outputs",
                100.0 * c.noise_share
            )
        } else {
            "process noise unknown with 1 replicate per point".to_string()
        };
        let top = if shown < c.bars.len() {
            format!("the top {shown} of {} factors", c.bars.len())
        } else {
            format!("all {} factors", c.bars.len())
        };
        let what = match c.method {
        Method::Morris => format!(
            "mu*: mean absolute change in {} per move of a factor across its whole grid (its 12.5% to 87.5% quantiles); sigma: spread of those changes",
            c.unit
        ),
        Method::Sobol => {
            "ST: share of the output's variance involving the factor; S1: share from the factor alone".to_string()
        }
    };
        let sub = format!(
        "{}; {} process replicates per point, the same random streams at every point; {noise}. {what}. Bars rank {top}; whiskers: 95% bootstrap intervals.",
        c.design, c.replicates
    );
        let (w, _) = root.dim_in_pixel();
        root.draw_text(&title, &font(26.0), (24, 14)).drawn()?;
        let sub_style = font(16.0).color(&oi::GREY);
        let mut y = 52;
        for line in style::wrap(root, &sub, &sub_style, w.saturating_sub(48))? {
            root.draw_text(&line, &sub_style, (24, y)).drawn()?;
            y += 22;
        }
        rec.replicates = Some(c.replicates);
        let area = root.split_vertically(y + 6).1;

        let legend_items: Vec<(Swatch, String)> = match c.method {
            Method::Morris => {
                let mut items = Vec::new();
                for g in ["behaviour", "funding"] {
                    if bars.iter().any(|b| b.group == g) {
                        items.push((
                            Swatch::Fill(group_colour(g), 1.0),
                            format!("mu* ({g} factor)"),
                        ));
                    }
                }
                items.push((Swatch::Point(oi::VERMILLION), "sigma".to_string()));
                items.push((Swatch::Whisker(oi::BLACK, 2), "95% interval".to_string()));
                items
            }
            Method::Sobol => vec![
                (Swatch::Fill(oi::BLUE, 1.0), "ST (total)".to_string()),
                (
                    Swatch::Fill(oi::SKY_BLUE, 1.0),
                    "S1 (first order)".to_string(),
                ),
                (Swatch::Whisker(oi::BLACK, 2), "95% interval".to_string()),
            ],
        };
        let (body, foot) = area.split_vertically(area.dim_in_pixel().1.saturating_sub(44));
        style::legend(&foot, &legend_items, rec)?;

        let values = bars.iter().flat_map(|b| {
            [
                b.main.0, b.main.1, b.main.2, b.second.0, b.second.1, b.second.2,
            ]
        });
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (x0, x1) = style::nice_range(lo, hi, 0.04);
        let n = shown.max(1) as f64;
        let xdesc = match c.method {
            Method::Morris => format!("mu* and sigma ({} per grid range)", c.unit),
            Method::Sobol => "Sobol' index (share of the output's variance)".to_string(),
        };
        let mut chart = ChartBuilder::on(&body)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(380)
            .build_cartesian_2d(x0..x1, 0.0..n)
            .drawn()?;
        let xfmt = style::axis_formatter(x1 - x0);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(xdesc.as_str())
            .axis_desc_style(font(18.0))
            .label_style(font(15.0))
            .x_label_formatter(&xfmt)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .drawn()?;
        rec.axis(&xdesc);
        // Factor names beside the rows, drawn in pixels.
        let base = body.get_base_pixel();
        let label = font(15.0).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, b) in bars.iter().enumerate() {
            let yc = n - i as f64 - 0.5;
            let (px, py) = chart.backend_coord(&(x0, yc));
            let text = match c.method {
                Method::Morris => style::shorten(&b.factor, 44),
                Method::Sobol => format!("{} · {}", style::shorten(&b.factor, 36), b.group),
            };
            body.draw_text(&text, &label, (px - base.0 - 8, py - base.1))
                .drawn()?;
            rec.categories.push(text);
        }
        if x0 < 0.0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, n)],
                    ShapeStyle::from(&oi::GREY).stroke_width(1),
                )))
                .drawn()?;
        }
        let whisker =
            |chart: &mut ChartContext<'_, DB, _>, y: f64, lo: f64, hi: f64, h: f64| -> Result<()> {
                if !(lo.is_finite() && hi.is_finite()) {
                    return Ok(());
                }
                let s = ShapeStyle::from(&oi::BLACK).stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(lo, y), (hi, y)], s),
                        PathElement::new(vec![(lo, y - h), (lo, y + h)], s),
                        PathElement::new(vec![(hi, y - h), (hi, y + h)], s),
                    ])
                    .drawn()?;
                Ok(())
            };
        for (i, b) in bars.iter().enumerate() {
            let top = n - i as f64;
            match c.method {
                Method::Morris => {
                    let (v, l, h) = b.main;
                    if v.is_finite() {
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(0.0, top - 0.8), (v, top - 0.2)],
                                group_colour(&b.group).filled(),
                            )))
                            .drawn()?;
                        rec.drew(&format!("mu* ({} factor)", b.group));
                    }
                    whisker(&mut chart, top - 0.5, l, h, 0.15)?;
                    rec.drew("95% interval");
                    if b.second.0.is_finite() {
                        chart
                            .draw_series(std::iter::once(Circle::new(
                                (b.second.0, top - 0.5),
                                5,
                                oi::VERMILLION.filled(),
                            )))
                            .drawn()?;
                        rec.drew("sigma");
                    }
                }
                Method::Sobol => {
                    for (est, colour, y0, y1, name) in [
                        (b.main, oi::BLUE, top - 0.5, top - 0.12, "ST (total)"),
                        (
                            b.second,
                            oi::SKY_BLUE,
                            top - 0.88,
                            top - 0.5,
                            "S1 (first order)",
                        ),
                    ] {
                        if est.0.is_finite() {
                            chart
                                .draw_series(std::iter::once(Rectangle::new(
                                    [(0.0, y0), (est.0, y1)],
                                    colour.filled(),
                                )))
                                .drawn()?;
                            rec.drew(name);
                        }
                        whisker(&mut chart, (y0 + y1) / 2.0, est.1, est.2, 0.12)?;
                    }
                    rec.drew("95% interval");
                }
            }
        }
        Ok(())
    }
}
