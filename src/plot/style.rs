//! Look and layout shared by every chart: the embedded font, the Okabe-Ito
//! colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"),
//! number formats with thousands separators, the title and legend strips, and
//! calendar-month axes. No data loading here.

use super::data::TimeSeries;
use super::ChartRecord;
use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

/// Chart size in pixels (PNG and SVG).
pub const SIZE: (u32, u32) = (1200, 800);
/// Title of calendar-month axes.
pub const MONTH_AXIS: &str = "calendar month (YYYY-MM)";
/// The one font family used; registered from the embedded DejaVu Sans.
pub const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static FONT_OK: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Registers the embedded font once per process (plotters has no system
/// fonts here; see RUST-NOTES.md). Safe to call many times.
pub fn ensure_fonts() -> Result<()> {
    FONT_OK
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())
        })
        .clone()
        .map_err(|e| anyhow!(e))
}

/// Okabe-Ito colours.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    /// Black.
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    /// Sky blue.
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    /// Bluish green.
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    /// Yellow.
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    /// Reddish purple.
    pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    /// Neutral grey (not Okabe-Ito; for text and reference lines).
    pub const GREY: RGBColor = RGBColor(0x60, 0x60, 0x60);
}

/// Policy colours in policy order (baseline first, in black). Yellow is last
/// because it reads poorly on white.
const POLICY_COLOURS: [RGBColor; 8] = [
    okabe_ito::BLACK,
    okabe_ito::BLUE,
    okabe_ito::VERMILLION,
    okabe_ito::GREEN,
    okabe_ito::ORANGE,
    okabe_ito::PURPLE,
    okabe_ito::SKY_BLUE,
    okabe_ito::YELLOW,
];

/// The colour of the `i`-th policy (cycles after eight).
pub fn policy_colour(i: usize) -> RGBColor {
    POLICY_COLOURS[i % POLICY_COLOURS.len()]
}

/// Text colour.
pub const TEXT: RGBColor = RGBColor(0x20, 0x20, 0x20);

/// A text style of the chart font.
pub fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&TEXT)
}

/// Converts any plotters error into an `anyhow` error.
pub trait Drawn<T> {
    /// Maps the error with a short context.
    fn drawn(self) -> Result<T>;
}

impl<T, E: std::fmt::Display> Drawn<T> for std::result::Result<T, E> {
    fn drawn(self) -> Result<T> {
        self.map_err(|e| anyhow!("drawing failed: {e}"))
    }
}

/// Formats with thousands separators and `decimals` decimals (`-` for negatives).
pub fn thousands(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let neg = x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = if neg { format!("-{grouped}") } else { grouped };
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out
}

/// Decimals that show a quantity of this typical size sensibly.
pub fn decimals_for(span: f64) -> usize {
    if !span.is_finite() || span <= 0.0 {
        return 0;
    }
    let step = span / 8.0;
    if step >= 1.0 {
        0
    } else {
        ((-step.log10()).ceil() as usize).min(6)
    }
}

/// A money scale for axes: divisor and unit words.
#[derive(Debug, Clone, Copy)]
pub struct MoneyScale {
    /// Values are divided by this.
    pub divisor: f64,
    /// Unit for axis labels, e.g. "USD millions".
    pub unit: &'static str,
}

/// Chooses USD millions for values reaching a million, thousands from ten
/// thousand, plain USD below.
pub fn money_scale(max_abs: f64) -> MoneyScale {
    if max_abs >= 1e6 {
        MoneyScale {
            divisor: 1e6,
            unit: "USD millions",
        }
    } else if max_abs >= 1e4 {
        MoneyScale {
            divisor: 1e3,
            unit: "USD thousands",
        }
    } else {
        MoneyScale {
            divisor: 1.0,
            unit: "USD",
        }
    }
}

/// A count with its noun in the right number: "1 group", "4 groups", "1,200 people".
pub fn count(n: f64, one: &str, many: &str) -> String {
    let word = if n == 1.0 { one } else { many };
    format!("{} {word}", thousands(n, 0))
}

/// Money in words, one way throughout: "USD 54.4 million", "USD 12 million", "USD 45,600".
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x.abs() >= 1e6 {
        let m = thousands(x / 1e6, if x.abs() >= 1e8 { 0 } else { 1 });
        // "12.00" -> "12", "2.50" -> "2.5"
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m
        };
        format!("USD {m} million")
    } else {
        format!("USD {}", thousands(x, 0))
    }
}

/// A finite, non-empty axis range from data bounds, padded by `pad` of its span.
pub fn nice_range(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        lo -= d;
        hi += d;
    }
    let span = hi - lo;
    (lo - span * pad, hi + span * pad)
}

/// Range from zero (or below, for negatives) to the data maximum plus headroom.
pub fn zero_based(values: impl Iterator<Item = f64>, headroom: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let span = hi - lo;
    (
        if lo < 0.0 { lo - span * headroom } else { 0.0 },
        hi + span * headroom,
    )
}

/// The replicate count as a chart states it.
pub fn replicates_text(replicates: Option<u64>) -> String {
    match replicates {
        Some(1) => "1 simulated replicate per policy.".to_string(),
        Some(n) => format!(
            "{} simulated replicates per policy.",
            thousands(n as f64, 0)
        ),
        None => "Replicate count unknown (manifest.json is missing).".to_string(),
    }
}

/// Draws the title and a wrapped subtitle that starts with the replicate
/// count at the top of `root`; returns the area below.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    replicates: Option<u64>,
    rec: &mut ChartRecord,
) -> Result<DrawingArea<DB, Shift>> {
    let (w, _) = root.dim_in_pixel();
    let title_style = font(28.0);
    root.draw_text(title, &title_style, (24, 14)).drawn()?;
    let mut y = 54;
    let sub = font(16.0).color(&okabe_ito::GREY);
    let text = format!("{} {subtitle}", replicates_text(replicates));
    rec.replicates = replicates;
    for line in wrap(root, &text, &sub, w.saturating_sub(48))? {
        root.draw_text(&line, &sub, (24, y)).drawn()?;
        y += 22;
    }
    Ok(root.split_vertically(y + 6).1)
}

/// Splits text into lines no wider than `max_w` pixels.
pub fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        let (cw, _) = area.estimate_text_size(&candidate, style).drawn()?;
        if cw > max_w && !cur.is_empty() {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

/// Shortens a label to at most `max` characters with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// What a legend entry looks like.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A solid line of the given width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box (colour, opacity).
    Fill(RGBColor, f64),
    /// A dot.
    Point(RGBColor),
    /// A point with a horizontal interval bar.
    Interval(RGBColor),
    /// A vertical whisker with caps, of the given stroke width.
    Whisker(RGBColor, u32),
}

/// Draws legend entries left to right, wrapping rows, and records them in
/// `rec`; returns the area below. Callers pass only entries they will draw.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
    rec: &mut ChartRecord,
) -> Result<DrawingArea<DB, Shift>> {
    rec.legend.extend(items.iter().map(|(_, l)| l.clone()));
    let (w, _) = area.dim_in_pixel();
    let style = font(16.0).pos(Pos::new(HPos::Left, VPos::Center));
    let row_h = 26i32;
    let (mut x, mut y) = (24i32, 12i32);
    for (swatch, label) in items {
        let (tw, _) = area.estimate_text_size(label, &style).drawn()?;
        let item_w = 34 + tw as i32 + 26;
        if x > 24 && x + item_w > w as i32 - 16 {
            x = 24;
            y += row_h;
        }
        draw_swatch(area, *swatch, x, y)?;
        area.draw_text(label, &style, (x + 34, y)).drawn()?;
        x += item_w;
    }
    Ok(area.split_vertically(y + row_h / 2 + 6).1)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Swatch,
    x: i32,
    y: i32,
) -> Result<()> {
    match s {
        Swatch::Line(c, wdt) => area
            .draw(&PathElement::new(
                vec![(x, y), (x + 26, y)],
                c.stroke_width(wdt),
            ))
            .drawn(),
        Swatch::Dashed(c) => {
            for k in 0..3 {
                let x0 = x + k * 10;
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 6, y)],
                    c.stroke_width(2),
                ))
                .drawn()?;
            }
            Ok(())
        }
        Swatch::Fill(c, a) => area
            .draw(&Rectangle::new(
                [(x, y - 7), (x + 26, y + 7)],
                c.mix(a).filled(),
            ))
            .drawn(),
        Swatch::Point(c) => area.draw(&Circle::new((x + 13, y), 5, c.filled())).drawn(),
        Swatch::Interval(c) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 26, y)],
                c.stroke_width(2),
            ))
            .drawn()?;
            area.draw(&Circle::new((x + 13, y), 5, c.filled())).drawn()
        }
        Swatch::Whisker(c, wdt) => {
            for path in [
                vec![(x + 13, y - 9), (x + 13, y + 9)],
                vec![(x + 7, y - 9), (x + 19, y - 9)],
                vec![(x + 7, y + 9), (x + 19, y + 9)],
            ] {
                area.draw(&PathElement::new(path, c.stroke_width(wdt)))
                    .drawn()?;
            }
            Ok(())
        }
    }
}

/// An axis with chosen ticks and labels (calendar months, categories).
#[derive(Debug, Clone)]
pub struct TickAxis {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Tick positions with their labels.
    pub ticks: Vec<(f64, String)>,
}

impl TickAxis {
    /// A calendar-month axis for model months `first..=last`, with at most
    /// ten ticks on calendar boundaries (every 1, 2, 3, 6, 12 ... months),
    /// labelled `YYYY-MM` from the time series' dates.
    pub fn months(ts: &TimeSeries, first: u32, last: u32) -> Self {
        let (first, last) = if first <= last {
            (first, last)
        } else {
            (last, first)
        };
        let span = (last - first + 1) as usize;
        let step = [1u32, 2, 3, 6, 12, 24, 36, 60, 120, 240, 600]
            .into_iter()
            .find(|s| span.div_ceil(*s as usize) <= 10)
            .unwrap_or(1200);
        let cal = |m: u32| -> Option<(i64, u32)> {
            let d = ts.dates.get(&m)?;
            let (y, mo) = d.split_once('-')?;
            Some((y.trim().parse().ok()?, mo.trim().parse().ok()?))
        };
        let on_tick = |m: u32| match cal(m) {
            Some((_, mo)) if step <= 12 => (mo.saturating_sub(1)) % step == 0,
            Some((y, mo)) => mo == 1 && y.rem_euclid((step / 12) as i64) == 0,
            None => (m - first).is_multiple_of(step),
        };
        let mut ticks: Vec<(f64, String)> = (first..=last)
            .filter(|m| on_tick(*m))
            .map(|m| (m as f64, ts.date(m)))
            .collect();
        if ticks.is_empty() {
            ticks.push((first as f64, ts.date(first)));
        }
        let (lo, hi) = if first == last {
            (first as f64 - 0.5, last as f64 + 0.5)
        } else {
            (first as f64, last as f64)
        };
        TickAxis { lo, hi, ticks }
    }

    /// A category axis: category `i` at position `i`, range `-0.5..n-0.5`.
    pub fn categories(labels: &[String]) -> Self {
        let n = labels.len().max(1) as f64;
        TickAxis {
            lo: -0.5,
            hi: n - 0.5,
            ticks: labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i as f64, l.clone()))
                .collect(),
        }
    }

    /// Label of the tick nearest to `x`.
    pub fn label(&self, x: f64) -> String {
        self.ticks
            .iter()
            .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

impl Ranged for TickAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span.abs() < 1e-12 || !v.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let frac = (v - self.lo) / span;
        limit.0 + (frac * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.iter().map(|t| t.0).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for TickAxis {
    fn format(v: &f64) -> String {
        format!("{v}")
    }
    fn format_ext(&self, v: &f64) -> String {
        self.label(*v)
    }
}

/// Formats axis values with thousands separators and decimals suited to `span`.
pub fn axis_formatter(span: f64) -> impl Fn(&f64) -> String {
    let d = decimals_for(span);
    move |v: &f64| thousands(if v.abs() < 1e-12 { 0.0 } else { *v }, d)
}
