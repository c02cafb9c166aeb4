//! Numbers in words: formatting of levels and paired differences, and the
//! one-sentence reading under each chart, generated from summary.csv,
//! comparison.csv, timeseries.csv and replicates.csv. Plain text out (the
//! caller escapes it).

use crate::plot::data::{Diff, OutputData, Stats};
use crate::plot::metrics::{Metric, Unit, HEADLINE};
use crate::plot::style::{money_scale, thousands, usd};

/// Typographic minus for text.
const MINUS: char = '\u{2212}';

/// A level in its unit: "263", "1.4 months", "12.0%", "USD 2,228".
pub fn level(unit: Unit, v: f64) -> String {
    match unit {
        Unit::People => thousands(v, people_decimals(v)),
        Unit::Months => format!("{} months", thousands(v, if v.abs() < 1.0 { 2 } else { 1 })),
        Unit::Probability => format!("{}%", thousands(v * 100.0, 1)),
        Unit::Usd => usd(v),
    }
    .replace('-', &MINUS.to_string())
}

/// People are whole people in prose, whatever the mean (a reader cannot
/// meet 11.2 people); effects below one person show one decimal.
fn people_decimals(v: f64) -> usize {
    if v.abs() >= 1.0 || v == v.trunc() {
        0
    } else {
        1
    }
}

/// A bare number in the unit without words, for interval ends.
fn bare(unit: Unit, v: f64) -> String {
    match unit {
        Unit::People => thousands(v, people_decimals(v)),
        Unit::Months => thousands(v, 2),
        Unit::Probability => thousands(v * 100.0, 1),
        Unit::Usd => thousands(v, 0),
    }
    .replace('-', &MINUS.to_string())
}

/// A signed difference: "+36", "−11.3 months", "−4.0 percentage points", "−USD 262".
pub fn signed(unit: Unit, v: f64) -> String {
    let sign = if v > 0.0 {
        "+".to_string()
    } else if v < 0.0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    let a = v.abs();
    match unit {
        Unit::People => format!("{sign}{}", thousands(a, people_decimals(a))),
        Unit::Months => format!("{sign}{} months", thousands(a, 2)),
        Unit::Probability => format!("{sign}{} percentage points", thousands(a * 100.0, 1)),
        Unit::Usd => format!("{sign}{}", usd(a)),
    }
}

/// "95% interval a to b" in the unit's bare numbers.
pub fn interval(unit: Unit, lo: f64, hi: f64) -> String {
    let u = match unit {
        Unit::Probability => " percentage points",
        Unit::Months => " months",
        Unit::Usd => " USD",
        Unit::People => "",
    };
    format!("95% interval {} to {}{u}", bare(unit, lo), bare(unit, hi))
}

/// "95% interval a to b" for a level (percent for probabilities).
pub fn level_interval(unit: Unit, lo: f64, hi: f64) -> String {
    match unit {
        Unit::Probability => format!("95% interval {}% to {}%", bare(unit, lo), bare(unit, hi)),
        Unit::Usd => format!("95% interval USD {} to {}", bare(unit, lo), bare(unit, hi)),
        Unit::Months => format!(
            "95% interval {} to {} months",
            bare(unit, lo),
            bare(unit, hi)
        ),
        Unit::People => format!("95% interval {} to {}", bare(unit, lo), bare(unit, hi)),
    }
}

/// Wilson 95% interval for a proportion `p` observed in `n` trials.
pub fn wilson(p: f64, n: f64) -> Option<(f64, f64)> {
    if n.is_nan() || n <= 0.0 || !p.is_finite() {
        return None;
    }
    let p = p.clamp(0.0, 1.0);
    let z = 1.959_963_984_540_054f64;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt() / d;
    Some(((c - h).max(0.0), (c + h).min(1.0)))
}

/// The 95% interval of a level: Wilson for probabilities, mean +- 1.96 MCSE otherwise.
pub fn level_ci(m: &Metric, s: &Stats) -> Option<(f64, f64)> {
    match m.unit {
        Unit::Probability => wilson(s.mean?, s.n?),
        _ => s.mean_ci(),
    }
}

/// How a paired difference reads (the badge rule of docs/outputs.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The 95% interval of the mean excludes zero and P(better) - P(worse) >= 0.2.
    Better,
    /// The 95% interval of the mean excludes zero and P(worse) - P(better) >= 0.2.
    Worse,
    /// Neither (or values missing).
    Unclear,
}

impl Verdict {
    /// Of a difference for a metric: the badge rule, applied to the
    /// strict shares of pairs in the metric's direction.
    pub fn of(_m: &Metric, d: &Diff) -> Self {
        match d.badge() {
            Some(true) => Verdict::Better,
            Some(false) => Verdict::Worse,
            None => Verdict::Unclear,
        }
    }
    /// Word for tables.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Unclear => "no clear difference",
        }
    }
    /// CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Unclear => "unclear",
        }
    }
}

/// "(paired difference −Z, 95% interval a to b)" or "" when missing.
fn diff_clause(unit: Unit, d: Option<&Diff>) -> String {
    let Some(d) = d else { return String::new() };
    let Some(md) = d.mean_diff else {
        return String::new();
    };
    match (d.ci_low, d.ci_high) {
        (Some(l), Some(h)) => format!(
            " (mean paired difference {}, {})",
            signed(unit, md),
            interval(unit, l, h)
        ),
        _ => format!(" (mean paired difference {})", signed(unit, md)),
    }
}

fn date_of(data: &OutputData, month: f64) -> String {
    let m = month.round().max(1.0) as u32;
    match &data.timeseries {
        Some(ts) if ts.dates.contains_key(&m) => ts.date(m),
        _ => format!("month {m}"),
    }
}

/// Key findings: one sentence per compared policy, all headline outcomes.
pub fn key_findings(data: &OutputData) -> Vec<String> {
    let Some(cmp) = &data.comparison else {
        return Vec::new();
    };
    let Some(base) = data.baseline() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in data.policies().iter().filter(|p| **p != base) {
        let mut parts = Vec::new();
        let mut unclear = Vec::new();
        for m in HEADLINE.iter() {
            let Some(d) = cmp.get(p, "all", m.key) else {
                continue;
            };
            let Some(md) = d.mean_diff else { continue };
            let v = Verdict::of(m, d);
            if v == Verdict::Unclear {
                unclear.push(m.label.to_lowercase());
                continue;
            }
            let a = md.abs();
            let up = md > 0.0;
            let phrase = match m.key {
                "completed" => format!(
                    "{} {} people complete reintegration",
                    bare(Unit::People, a),
                    if up { "more" } else { "fewer" }
                ),
                "rerecruited" => format!(
                    "{} {} people are re-recruited",
                    bare(Unit::People, a),
                    if up { "more" } else { "fewer" }
                ),
                "peak_waiting" => format!(
                    "the peak waiting list is {} people {}",
                    bare(Unit::People, a),
                    if up { "longer" } else { "shorter" }
                ),
                "mean_wait_months" => format!(
                    "people wait {} months {} on average",
                    thousands(a, 2),
                    if up { "longer" } else { "less" }
                ),
                "relapse" => format!(
                    "the probability of relapse into conflict is {} percentage points {}",
                    thousands(a * 100.0, 1),
                    if up { "higher" } else { "lower" }
                ),
                "cost_per_completed" => format!(
                    "each completed reintegration costs {} {}",
                    usd(a),
                    if up { "more" } else { "less" }
                ),
                _ => continue,
            };
            let spread = match (d.spread[0], d.spread[2]) {
                (Some(l), Some(h)) if m.unit != Unit::Probability => {
                    format!(
                        " on average; in 90% of simulated worlds the change lies between {} and {}",
                        signed(m.unit, l),
                        signed(m.unit, h)
                    )
                }
                _ => String::new(),
            };
            parts.push(format!("{phrase}{spread}"));
        }
        let mut s = if parts.is_empty() {
            format!("Compared with {base}, {p} shows no difference on the headline outcomes that the replicates can distinguish from zero")
        } else {
            format!("Compared with {base}, under {p} {}", join_and(&parts))
        };
        if !unclear.is_empty() && !parts.is_empty() {
            s.push_str(&format!("; no clear difference on {}", join_and(&unclear)));
        }
        s.push('.');
        out.push(s);
    }
    out
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Reading of a policy's fan chart.
pub fn fan(data: &OutputData, policy: &str) -> String {
    let base = data.baseline().unwrap_or_default();
    let s = data.summary.as_ref();
    let med = |p: &str| {
        s.and_then(|s| s.get(p, "all", "peak_waiting"))
            .and_then(|x| x.p50)
    };
    let spread = |p: &str| {
        s.and_then(|s| s.get(p, "all", "peak_waiting"))
            .and_then(|x| Some((x.p05?, x.p95?)))
    };
    let when = s
        .and_then(|s| s.get(policy, "all", "peak_waiting_month"))
        .and_then(|x| x.p50)
        .map(|m| date_of(data, m));
    let Some(y) = med(policy) else {
        return format!("No peak waiting list values for {policy} in summary.csv.");
    };
    let spread_txt = spread(policy)
        .map(|(a, b)| {
            format!(
                "; in 90% of replicates between {} and {}",
                bare(Unit::People, a),
                bare(Unit::People, b)
            )
        })
        .unwrap_or_default();
    let when_txt = when
        .map(|w| format!(", reached around {w} (median month)"))
        .unwrap_or_default();
    if policy == base || med(&base).is_none() {
        return format!(
            "Under {policy} the median peak waiting list is {} people{when_txt}{spread_txt}.",
            bare(Unit::People, y)
        );
    }
    let x = med(&base).unwrap_or(y);
    let verb = if y < x {
        "falls"
    } else if y > x {
        "rises"
    } else {
        "stays"
    };
    let d = data
        .comparison
        .as_ref()
        .and_then(|c| c.get(policy, "all", "peak_waiting"));
    format!(
        "With {policy} the median peak waiting list {verb} from {} to {} people{}{when_txt}.",
        bare(Unit::People, x),
        bare(Unit::People, y),
        diff_clause(Unit::People, d)
    )
}

/// Reading of a policy's funding chart: the unfunded backlog (a stock).
pub fn funding(data: &OutputData, policy: &str) -> String {
    let base = data.baseline().unwrap_or_default();
    let s = data.summary.as_ref();
    let peak = |p: &str| s.and_then(|s| s.get(p, "all", "backlog_peak")).copied();
    let Some(g) = peak(policy).and_then(|g| g.p50.or(g.mean)) else {
        return format!("No unfunded backlog values for {policy} in summary.csv.");
    };
    let first = s.and_then(|s| s.get(policy, "all", "first_gap_month"));
    let first_txt = match first {
        Some(f) if f.n == Some(0.0) => {
            " No replicate had a month with a reintegration gap.".to_string()
        }
        Some(f) => f
            .p50
            .map(|m| {
                format!(
                    " The first month with unpaid reintegration demand is around {} (median).",
                    date_of(data, m)
                )
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    if policy == base {
        return format!(
            "Under {policy} the unfunded backlog (people waiting times the cost of their course) peaks at {} (median over replicates).{first_txt}",
            usd(g)
        );
    }
    let from = peak(&base)
        .and_then(|b| b.p50.or(b.mean))
        .map(|b| format!(" from {}", usd(b)))
        .unwrap_or_default();
    let d = data
        .comparison
        .as_ref()
        .and_then(|c| c.get(policy, "all", "backlog_peak"));
    format!(
        "With {policy} the median peak of the unfunded backlog goes{from} to {}{}.{first_txt}",
        usd(g),
        diff_clause(Unit::Usd, d)
    )
}

/// Reading of the forest plot.
pub fn forest(data: &OutputData) -> String {
    let Some(cmp) = &data.comparison else {
        return "comparison.csv is missing.".into();
    };
    let base = data.baseline().unwrap_or_default();
    let mut parts = Vec::new();
    for p in data.policies().iter().filter(|p| **p != base) {
        let (mut better, mut worse, mut n) = (Vec::new(), Vec::new(), 0);
        for m in HEADLINE.iter() {
            if let Some(d) = cmp.get(p, "all", m.key) {
                n += 1;
                match Verdict::of(m, d) {
                    Verdict::Better => better.push(m.label.to_lowercase()),
                    Verdict::Worse => worse.push(m.label.to_lowercase()),
                    Verdict::Unclear => {}
                }
            }
        }
        if n == 0 {
            continue;
        }
        let mut s = format!(
            "{p} is better than {base} on {} of {n} headline outcomes",
            better.len()
        );
        if !better.is_empty() {
            s.push_str(&format!(" ({})", join_and(&better)));
        }
        if !worse.is_empty() {
            s.push_str(&format!(" and worse on {}", join_and(&worse)));
        }
        parts.push(s);
    }
    if parts.is_empty() {
        return "There is no policy to compare with the baseline.".into();
    }
    format!(
        "Counting only differences whose 95% interval of the mean excludes zero and where the policy is better (or worse) in at least 20 percentage points more replicate pairs than the reverse: {}.",
        parts.join("; ")
    )
}

/// Reading of the backlog-versus-outcome scatter: least-squares slope and correlation over all replicates.
pub fn gap_scatter(data: &OutputData) -> String {
    let Some(r) = &data.replicates else {
        return "replicates.csv is missing.".into();
    };
    let pts: Vec<(f64, f64)> = r
        .points
        .iter()
        .flat_map(|(_, v)| v.iter().map(|p| (p.gap, p.rerecruited)))
        .collect();
    let n = pts.len() as f64;
    if pts.len() < 3 {
        return "Too few replicates with both values to read a trend.".into();
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        return "The peak unfunded backlog does not vary across replicates, so no trend can be read.".into();
    }
    let slope = sxy / sxx;
    let max = pts.iter().map(|p| p.0.abs()).fold(0.0, f64::max);
    let step = match money_scale(max).divisor {
        d if d >= 1e6 => 1e6,
        _ if max >= 1e5 => 1e5,
        _ if max >= 1e4 => 1e4,
        _ => 1e3,
    };
    let r_txt = if syy > 0.0 {
        format!(
            " (correlation {})",
            thousands(sxy / (sxx * syy).sqrt(), 2).replace('-', "\u{2212}")
        )
    } else {
        String::new()
    };
    let per = slope * step;
    let dir = if per >= 0.0 { "more" } else { "fewer" };
    format!(
        "Across all {} replicates of all policies, each additional {} of peak unfunded backlog goes with about {} {dir} people re-recruited \
         (least-squares slope){r_txt}. This is an association across simulated futures, not an effect: replicates with bigger backlogs also differ in their random draws \
         and parameters; the effect of a policy is in the paired comparison and its causes in the channel decomposition.",
        thousands(n, 0),
        usd(step),
        thousands(per.abs(), if per.abs() >= 10.0 { 0 } else { 2 }),
    )
}

/// Reading of a policy's stage-flow chart: where people are at the last month.
pub fn stage_flow(data: &OutputData, policy: &str) -> String {
    let Some(ts) = &data.timeseries else {
        return "timeseries.csv is missing.".into();
    };
    let Some((_, last)) = ts.month_range() else {
        return "timeseries.csv has no rows.".into();
    };
    let at = |m: &str| {
        ts.get(policy, "all", m)
            .iter()
            .find(|b| b.month == last)
            .and_then(|b| b.mean)
    };
    let states = crate::model::record::STATES;
    let total: f64 = states.iter().filter_map(|m| at(m)).sum();
    let (Some(reint), Some(rr)) = (at("reintegrated"), at("rerecruited")) else {
        return format!("No state counts for {policy} at the last month.");
    };
    let waiting = at("waiting").unwrap_or(0.0);
    format!(
        "By {} under {policy}, on average {} of {} people are reintegrated, {} have been re-recruited and {} are still waiting.",
        ts.date(last),
        bare(Unit::People, reint),
        bare(Unit::People, total),
        bare(Unit::People, rr),
        bare(Unit::People, waiting)
    )
}

/// Reading of the group equity chart.
pub fn equity(data: &OutputData) -> String {
    let Some(s) = &data.summary else {
        return "summary.csv is missing.".into();
    };
    let groups = data.groups();
    let mut parts = Vec::new();
    for p in data.policies() {
        let mut vals: Vec<(f64, String)> = groups
            .iter()
            .filter_map(|g| {
                s.get(&p, g, "completed_share")
                    .and_then(|x| x.mean)
                    .map(|v| (v, data.group_label(g)))
            })
            .collect();
        if vals.is_empty() {
            continue;
        }
        vals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (lo, hi) = (&vals[0], &vals[vals.len() - 1]);
        if vals.len() == 1 {
            parts.push(format!(
                "under {p}, {} of {} complete",
                level(Unit::Probability, lo.0),
                lo.1
            ));
        } else {
            parts.push(format!(
                "under {p}, from {} ({}) to {} ({})",
                level(Unit::Probability, lo.0),
                lo.1,
                level(Unit::Probability, hi.0),
                hi.1
            ));
        }
    }
    if parts.is_empty() {
        return "No completion shares by group in summary.csv.".into();
    }
    format!(
        "The share of a group's caseload completing reintegration ranges {}.",
        parts.join("; ")
    )
}
