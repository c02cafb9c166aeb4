//! The words of `ddrsim claim`: the verdict, variance split, money split and
//! drivers of each headline outcome as sentences, the console answer and the
//! report section. Every number comes from a [`ClaimResult`]; plain text
//! out, except [`html_section`] which escapes it.

use super::html::esc;
use super::readings::{interval, signed};
use crate::experiment::claim::{ClaimResult, ClaimSetup, OutcomeClaim, Verdict};
use crate::experiment::factors::UncertainFactor;
use crate::model::outcome::Unit;
use crate::plot::metrics::Unit as TextUnit;

/// The prose unit of a model unit (a 0/1 flag's mean is a probability).
pub fn text_unit(u: Unit) -> TextUnit {
    match u {
        Unit::Usd => TextUnit::Usd,
        Unit::Months | Unit::MonthIndex => TextUnit::Months,
        Unit::Share | Unit::Flag => TextUnit::Probability,
        Unit::People | Unit::Count => TextUnit::People,
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", 100.0 * x)
    } else {
        "n/a".to_string()
    }
}

/// The verdict in words, e.g. "changes outcomes (better)".
pub fn verdict_words(o: &OutcomeClaim) -> &'static str {
    match o.verdict {
        Verdict::Changes => "changes it (better)",
        Verdict::Worsens => "worsens it",
        Verdict::Depends => "depends on conditions",
        Verdict::NoDetectable => "no detectable change at this precision",
    }
}

/// One sentence: the verdict with the effect and its interval.
pub fn verdict_sentence(o: &OutcomeClaim, policy: &str) -> String {
    let u = text_unit(o.unit);
    let (lo, hi) = o.ci_holm;
    let effect = format!(
        "{} ({}, Holm-adjusted over the outcomes at level {:.4})",
        signed(u, o.effect.mean),
        interval(u, lo, hi).replacen("95% interval", "interval", 1),
        o.holm_level
    );
    match o.verdict {
        Verdict::Changes | Verdict::Worsens => format!(
            "{}: {policy} {} ({}): {effect}; the effect goes the same way in {} of parameter draws.",
            capital(o.label),
            if o.effect.mean < 0.0 {
                "lowers it"
            } else {
                "raises it"
            },
            if o.verdict == Verdict::Changes {
                "better"
            } else {
                "worse"
            },
            pct(if o.verdict == Verdict::Changes {
                o.draws_better
            } else {
                o.draws_worse
            })
        ),
        Verdict::Depends => {
            let mut t = format!(
                "{}: depends on conditions. The mean effect is {effect}; {policy} is better in {} of parameter draws and worse in {}.",
                capital(o.label),
                pct(o.draws_better),
                pct(o.draws_worse)
            );
            if let Some(c) = &o.conditions {
                t.push_str(&format!(
                    " It is better in {} of the worlds where {} (these are {} of the draws and hold {} of those where it is better; PRIM{}).",
                    pct(c.density),
                    c.words,
                    pct(c.mass),
                    pct(c.coverage),
                    if c.confirmed {
                        ""
                    } else {
                        "; unconfirmed: no single one of these restrictions is significant at this number of draws, add draws to confirm"
                    }
                ));
            }
            t
        }
        Verdict::NoDetectable => format!(
            "{}: no detectable change at this precision (mean effect {effect}); the run rules out mean effects larger than {} either way.",
            capital(o.label),
            signed(u, o.rules_out).trim_start_matches('+')
        ),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The variance split in one sentence.
pub fn split_sentence(o: &OutcomeClaim) -> String {
    let s = &o.split;
    if s.process.is_nan() {
        return format!(
            "With one process replicate per draw the variance of the effect on {} cannot be split into parameter uncertainty and process randomness: use --per-draw 2 or more.",
            o.label
        );
    }
    let total = s.parameter + s.process;
    if total.is_nan() || total <= 0.0 {
        return format!(
            "The effect on {} is the same in every replicate: there is no variance to split.",
            o.label
        );
    }
    let (lo, hi) = s.parameter_ci;
    let mut t = format!(
        "Of the replicate-to-replicate variance of the effect on {}, {} comes from parameter uncertainty (bootstrap 95% interval {} to {}) and {} from process randomness{}.",
        o.label,
        pct(s.parameter / total),
        pct(lo / (lo + s.process)),
        pct(hi / (hi + s.process)),
        pct(s.process / total),
        if s.truncated {
            " (the parameter part was estimated below 0 and set to 0)"
        } else {
            ""
        }
    );
    if let [Some(b), Some(f), Some(a)] = o.r2 {
        t.push_str(&format!(
            " Across parameter draws, a rank regression on the behaviour parameters alone explains {} of the per-draw effect's variance, on the funding parameters alone {}, on all {}.",
            pct(b),
            pct(f),
            pct(a)
        ));
    }
    t
}

/// Earlier vs more money, when the claim has an offset twin.
pub fn money_sentence(o: &OutcomeClaim, setup: &ClaimSetup, r: &ClaimResult) -> String {
    let u = text_unit(o.unit);
    match (&setup.twin, o.earlier, o.more) {
        (Some((twin, made)), Some(e), Some(m)) => {
            let (el, eh) = e.ci95();
            let (ml, mh) = m.ci95();
            let mut s = format!(
                "Earlier money alone (the offset twin {twin}{}) changes {} by {} ({}); the added money on top changes it by {} ({}).",
                if *made { ", made for this claim" } else { "" },
                o.label,
                signed(u, e.mean),
                interval(u, el, eh),
                signed(u, m.mean),
                interval(u, ml, mh)
            );
            if let Some(sf) = r.shortfall.filter(|s| s.mean > 0.0) {
                s.push_str(&format!(
                    " The twin could not deduct USD {:.0} of its kick-start on average (its offset shortfall), so it is partly more money too.",
                    sf.mean
                ));
            }
            s
        }
        _ => setup
            .no_twin
            .clone()
            .map(|w| format!("No split into earlier and more money: {w}."))
            .unwrap_or_default(),
    }
}

/// The factors with the largest standardised rank regression coefficients
/// on the per-draw effect, at most `n`, as `(name, coefficient)`.
pub fn drivers(o: &OutcomeClaim, factors: &[UncertainFactor], n: usize) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = factors
        .iter()
        .zip(&o.srrc)
        .map(|(f, c)| (f.name.clone(), *c))
        .filter(|(_, c)| c.is_finite())
        .collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    v.truncate(n);
    v
}

/// The console answer: one line per outcome, then the sentences for the
/// first outcome whose verdict is not *no detectable change* (or
/// re-recruitment).
pub fn console(
    setup: &ClaimSetup,
    r: &ClaimResult,
    factors: &[UncertainFactor],
    why: &[String],
    scenario: &str,
    drivers_line: &str,
) -> String {
    let mut s = format!(
        "Does {} change outcomes, compared with {}? Scenario \"{scenario}\": {} parameter draws x {} process replicates.\n\n",
        setup.policy,
        setup
            .scenario
            .policies
            .first()
            .map_or("the baseline", |p| p.id.as_str()),
        r.draws,
        r.per_draw
    );
    s.push_str(&format!(
        "  {:<38} {:>12} {:>28} {:>24}  {:>12}  {}\n",
        "Outcome",
        "Effect",
        "Interval (Holm-adjusted)",
        "5-95% of replicates",
        "Draws +/-",
        "Verdict"
    ));
    for o in &r.outcomes {
        let u = text_unit(o.unit);
        let short = |x: f64| match u {
            TextUnit::Probability => format!("{:+.1} pp", 100.0 * x),
            TextUnit::Months => format!("{x:+.2}"),
            _ => format!("{x:+.0}"),
        };
        s.push_str(&format!(
            "  {:<38} {:>12} {:>28} {:>24}  {:>12}  {}\n",
            o.label,
            short(o.effect.mean),
            format!("{} to {}", short(o.ci_holm.0), short(o.ci_holm.1)),
            format!("{} to {}", short(o.spread[0]), short(o.spread[2])),
            format!("{}/{}", pct(o.draws_better), pct(o.draws_worse)),
            verdict_words(o)
        ));
    }
    s.push_str("  (effects are policy minus baseline; \"Draws +/-\": shares of parameter draws where the policy is better / worse)\n\n");
    let focus = r
        .outcomes
        .iter()
        .find(|o| o.metric == "rerecruited")
        .or(r.outcomes.first());
    if let Some(o) = focus {
        for line in [
            verdict_sentence(o, &setup.policy),
            split_sentence(o),
            money_sentence(o, setup, r),
        ] {
            if !line.is_empty() {
                s.push_str(&format!("{line}\n"));
            }
        }
        let d = drivers(o, factors, 3);
        if !d.is_empty() {
            s.push_str(&format!(
                "The effect on {} depends most on (rank regression over the draws, standardised coefficient): {}.\n",
                o.label,
                d.iter()
                    .map(|(n, c)| format!("{n} ({c:+.2})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if !drivers_line.is_empty() {
        s.push_str(&format!("{drivers_line}\n"));
    }
    for w in why {
        s.push_str(&format!("{w}\n"));
    }
    if r.outlay.mean.is_finite() {
        s.push_str(&format!(
            "The policy's outlay: USD {:.1}m on average.\n",
            r.outlay.mean / 1e6
        ));
    }
    s
}

/// The claim section of report.html.
pub fn html_section(
    setup: &ClaimSetup,
    r: &ClaimResult,
    factors: &[UncertainFactor],
    why: &[String],
    chart: &str,
    drivers_line: &str,
) -> String {
    let mut h =
        String::from("<section id=\"claim\"><h2>Does the kick-start change outcomes?</h2>\n");
    h.push_str(&format!(
        "<p>{} against {}, over the scenario's parameter uncertainty: {} parameter draws, each run on {} process replicates with common random numbers.</p>\n",
        esc(&setup.policy),
        esc(setup.scenario.policies.first().map_or("the baseline", |p| p.id.as_str())),
        r.draws,
        r.per_draw
    ));
    h.push_str("<table><thead><tr><th>Outcome</th><th>Verdict</th><th>Effect</th><th>Interval (Holm)</th><th>5-95% of replicates</th><th>Better / worse draws</th><th>Parameter share of variance</th></tr></thead><tbody>\n");
    for o in &r.outcomes {
        let u = text_unit(o.unit);
        h.push_str(&format!(
            "<tr><td>{}</td><td class=\"verdict\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>\n",
            esc(o.label),
            esc(verdict_words(o)),
            esc(&signed(u, o.effect.mean)),
            esc(&interval(u, o.ci_holm.0, o.ci_holm.1).replacen("95% interval ", "", 1)),
            esc(&interval(u, o.spread[0], o.spread[2]).replacen("95% interval ", "", 1)),
            pct(o.draws_better),
            pct(o.draws_worse),
            pct(o.split.parameter_share())
        ));
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&format!("<figure>{chart}</figure>\n"));
    for o in &r.outcomes {
        h.push_str(&format!(
            "<p>{}</p>\n",
            esc(&verdict_sentence(o, &setup.policy))
        ));
    }
    if let Some(o) = r.outcomes.iter().find(|o| o.metric == "rerecruited") {
        h.push_str(&format!("<p>{}</p>\n", esc(&split_sentence(o))));
        let m = money_sentence(o, setup, r);
        if !m.is_empty() {
            h.push_str(&format!("<p>{}</p>\n", esc(&m)));
        }
        let d = drivers(o, factors, 5);
        if !d.is_empty() {
            h.push_str("<p>Parameters the effect on re-recruitment depends on most (standardised rank regression coefficients over the draws): ");
            h.push_str(&esc(&d
                .iter()
                .map(|(n, c)| format!("{n} ({c:+.2})"))
                .collect::<Vec<_>>()
                .join(", ")));
            h.push_str(".</p>\n");
        }
    }
    if !drivers_line.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", esc(drivers_line)));
    }
    for w in why {
        h.push_str(&format!("<p>{}</p>\n", esc(w)));
    }
    h.push_str("</section>\n");
    h
}

/// What the claim's report.html shows.
pub struct ClaimPage<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The claim's policies.
    pub setup: &'a ClaimSetup,
    /// The result.
    pub result: &'a ClaimResult,
    /// The uncertain factors.
    pub factors: &'a [UncertainFactor],
    /// Sentences of the channel decomposition.
    pub why: &'a [String],
    /// The inline chart (SVG markup).
    pub chart: &'a str,
    /// The sentence naming the drivers (may be empty).
    pub drivers: &'a str,
    /// Where each draw's parameter values come from, in words.
    pub draws_from: &'a str,
}

/// The whole report.html of a claim folder: the answer first (the verdict
/// table and sentences), then how it was computed.
pub fn page(p: &ClaimPage) -> String {
    let ClaimPage {
        scenario,
        setup,
        result: r,
        factors,
        why,
        chart,
        drivers: drivers_line,
        draws_from,
    } = *p;
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ddrsim claim: {}</title><style>{}</style></head><body><main>\n<h1>{}: does {} change outcomes?</h1>\n{}\n<section id=\"method\"><h2>How this was computed</h2><p>Each of {} parameter draws takes {}; each draw runs {} process replicates on which the baseline, the policy and the offset twin share the same random numbers. The interval of a mean effect is clustered by draw (standard error = standard deviation of the draw means / sqrt(draws)) and Holm-adjusted over the {} headline outcomes. Verdicts: <em>changes</em> or <em>worsens</em> when that interval excludes 0 and at least 90% of draws' effects (each estimated without its process noise) share its sign; <em>depends on conditions</em> when at least 10% of draws go each way (or the interval excludes 0 with fewer than 90% of draws sharing its sign); otherwise <em>no detectable change at this precision</em>. See docs/claim.md.</p></section>\n</main></body></html>\n",
        esc(scenario),
        super::html::CSS,
        esc(scenario),
        esc(&setup.policy),
        html_section(setup, r, factors, why, chart, drivers_line),
        r.draws,
        esc(draws_from),
        r.per_draw,
        r.outcomes.len()
    )
}

/// The parameters the conclusion depends on most, from a sensitivity
/// analysis of the effect on re-recruitment: the top `n` by mu* (Morris)
/// or total index (Sobol').
pub fn sensitivity_sentence(
    a: &crate::experiment::sensitivity::Analysis,
    factors: &[UncertainFactor],
    n: usize,
) -> String {
    use crate::experiment::sensitivity::Method;
    let lead = a.method.indices().first().copied().unwrap_or("");
    let top: Vec<String> = a
        .ranking
        .iter()
        .take(n)
        .filter_map(|&j| {
            let f = factors.get(j)?;
            let ix = a.rows.iter().find(|r| r.factor == j && r.index == lead)?;
            Some(match a.method {
                Method::Morris => format!("{} (mu* {:.0} people)", f.name, ix.value),
                Method::Sobol => format!("{} (total index {:.2})", f.name, ix.value),
            })
        })
        .collect();
    if top.is_empty() {
        return String::new();
    }
    format!(
        "The conclusion on re-recruitment depends most on ({} sensitivity of the effect, {} points): {}.",
        if a.method == Method::Morris { "Morris" } else { "Sobol'" },
        a.points,
        top.join(", ")
    )
}
