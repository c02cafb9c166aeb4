//! The trade-off chart of scenario discovery (`ddrsim discover`): coverage
//! against density of every box on PRIM's peeling trajectory, the chosen
//! box and the box after pasting marked.

use super::style::{self, font, header, legend, okabe_ito as oi, Drawn, Swatch};
use super::ChartRecord;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One box on the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxPoint {
    /// Share of the cases inside the box.
    pub coverage: f64,
    /// Share of the box's worlds that are cases.
    pub density: f64,
    /// Number of restricted parameters.
    pub restricted: usize,
}

/// What the trade-off chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffChart {
    /// Scenario name.
    pub scenario: String,
    /// What a case is, in words (`kickstart-12m cuts rerecruited by more than 500`).
    pub case: String,
    /// Worlds in the ensemble.
    pub worlds: usize,
    /// Process replicates per world and policy.
    pub replicates: u64,
    /// The peeling trajectory, first box = every world.
    pub trajectory: Vec<BoxPoint>,
    /// Index of the chosen box on the trajectory.
    pub selected: usize,
    /// The chosen box: the selected box pasted, non-significant restrictions dropped.
    pub chosen: BoxPoint,
    /// How the box was chosen, in words.
    pub rule: String,
}

impl super::Chart for TradeoffChart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()> {
        let c = self;
        let title = format!("{}: where {}", c.scenario, c.case);
        let sub = format!(
        "PRIM peeling trajectory over {} worlds (Latin hypercube of the uncertain parameters). Each dot is a box of parameter ranges: coverage = share of the cases inside it, density = share of its worlds that are cases; numbers = parameters restricted. {}",
        c.worlds, c.rule
    );
        let area = header(root, &title, &sub, Some(c.replicates), rec)?;
        let items = vec![
            (Swatch::Line(oi::BLUE, 2), "peeling trajectory".to_string()),
            (
                Swatch::Point(oi::VERMILLION),
                "selected on the trajectory".to_string(),
            ),
            (
                Swatch::Point(oi::GREEN),
                "chosen box after pasting and pruning".to_string(),
            ),
        ];
        let (_, h) = area.dim_in_pixel();
        let (body, foot) = area.split_vertically(h.saturating_sub(50));
        let all = c
            .trajectory
            .iter()
            .chain(std::iter::once(&c.chosen))
            .filter(|b| b.density.is_finite());
        let (dmin, cmin) = all.fold((1.0f64, 1.0f64), |(d, c), b| {
            (d.min(b.density), c.min(b.coverage))
        });
        let (x0, _) = style::nice_range(cmin.min(0.9), 1.0, 0.04);
        let x0 = x0.max(-0.02);
        let (y0, y1) = style::nice_range(dmin.min(0.9), 1.0, 0.04);
        let (y0, y1) = (y0.max(0.0), y1.min(1.02));
        let mut chart = ChartBuilder::on(&body)
            .margin(24)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..1.02f64, y0..y1)
            .drawn()?;
        let xdesc = "Coverage: share of all cases inside the box";
        let ydesc = "Density: share of the box's worlds that are cases";
        let pct = |v: &f64| format!("{:.0}%", v * 100.0);
        chart
            .configure_mesh()
            .x_desc(xdesc)
            .y_desc(ydesc)
            .axis_desc_style(font(18.0))
            .label_style(font(16.0))
            .light_line_style(WHITE.mix(0.0))
            .x_label_formatter(&pct)
            .y_label_formatter(&pct)
            .draw()
            .drawn()?;
        rec.axis(xdesc);
        rec.axis(ydesc);
        let line: Vec<(f64, f64)> = c
            .trajectory
            .iter()
            .filter(|b| b.coverage.is_finite() && b.density.is_finite())
            .map(|b| (b.coverage, b.density))
            .collect();
        if !line.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    line.clone(),
                    ShapeStyle::from(&oi::BLUE).stroke_width(2),
                ))
                .drawn()?;
            chart
                .draw_series(line.iter().map(|&p| Circle::new(p, 4, oi::BLUE.filled())))
                .drawn()?;
            rec.drew("peeling trajectory");
        }
        // Restricted-parameter counts where the count changes.
        let mut last = usize::MAX;
        for b in &c.trajectory {
            if b.restricted != last && b.coverage.is_finite() && b.density.is_finite() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        b.restricted.to_string(),
                        (b.coverage, b.density),
                        font(14.0)
                            .color(&oi::GREY)
                            .pos(Pos::new(HPos::Left, VPos::Bottom)),
                    )))
                    .drawn()?;
                last = b.restricted;
            }
        }
        if let Some(s) = c.trajectory.get(c.selected) {
            chart
                .draw_series([
                    Circle::new(
                        (s.coverage, s.density),
                        10,
                        ShapeStyle::from(&oi::VERMILLION).stroke_width(3),
                    ),
                    Circle::new((s.coverage, s.density), 5, oi::VERMILLION.filled()),
                ])
                .drawn()?;
            rec.drew("selected on the trajectory");
        }
        let p = c.chosen;
        if p.coverage.is_finite() && p.density.is_finite() {
            chart
                .draw_series([Circle::new((p.coverage, p.density), 8, oi::GREEN.filled())])
                .drawn()?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(
                        "chosen: coverage {:.0}%, density {:.0}%   ",
                        p.coverage * 100.0,
                        p.density * 100.0
                    ),
                    (p.coverage, p.density),
                    font(16.0).pos(Pos::new(HPos::Right, VPos::Top)),
                )))
                .drawn()?;
            rec.drew("chosen box after pasting and pruning");
        }
        legend(&foot, &items, rec)?;
        Ok(())
    }
}
