//! The report's tables: headline comparison (`id="headline-table"`),
//! cost-effectiveness, money received and spent, uncertain parameters, and
//! the manifest. HTML out, every data text escaped.

use super::html::esc;
use super::readings::{interval, level, level_ci, level_interval, signed, Verdict};
use super::scenario_text::{key_kind, key_meaning, param_text};
use crate::plot::data::{Manifest, OutputData};
use crate::plot::metrics::{Unit, HEADLINE};
use crate::plot::style::thousands;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// The headline comparison table.
pub fn headline(data: &OutputData) -> String {
    let mut h = String::new();
    let base = data.baseline().unwrap_or_default();
    let reps = data.manifest.as_ref().and_then(|m| m.replicates);
    let _ = writeln!(
        h,
        "<p>Means over {} replicates of each policy (all groups together), with the 95% interval of each mean (Wilson interval for the relapse probability). \
         Below each value, the effect of the policy against <strong>{}</strong> on the same simulated worlds: first its spread (the median effect and the range \
         in which 90% of the replicates' effects lie), then the mean effect with the 95% interval of that mean (its precision, which narrows with more replicates), \
         the shares of replicates where the policy is better / worse / equal, and a badge where the interval excludes 0 and the policy wins at least 20 points more often than it loses.</p>",
        reps.map(|r| thousands(r as f64, 0)).unwrap_or_else(|| "the".into()),
        esc(&base)
    );
    h.push_str("<div class=\"table-wrap\"><table id=\"headline-table\">\n<thead><tr><th scope=\"col\">Policy</th>");
    for m in HEADLINE.iter() {
        let dir = if m.lower_better {
            "lower is better"
        } else {
            "higher is better"
        };
        let unit = match m.unit {
            Unit::People => "people",
            Unit::Months => "months",
            Unit::Probability => "probability",
            Unit::Usd => "USD",
        };
        let _ = write!(
            h,
            "<th scope=\"col\">{}<br><span class=\"note\">{unit}; {dir}</span></th>",
            esc(m.label)
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let Some(sum) = &data.summary else {
        h.push_str(
            "<tr><td colspan=\"7\">summary.csv is missing.</td></tr>\n</tbody></table></div>\n",
        );
        return h;
    };
    let policies = data.policies();
    if policies.is_empty() || sum.is_empty() {
        h.push_str("<tr><td colspan=\"7\">summary.csv has no rows.</td></tr>\n");
    }
    for p in &policies {
        let role = if *p == base {
            " <span class=\"note\">(baseline)</span>"
        } else {
            ""
        };
        let _ = write!(h, "<tr><th scope=\"row\">{}{role}</th>", esc(p));
        for m in HEADLINE.iter() {
            h.push_str("<td>");
            match sum.get(p, "all", m.key) {
                Some(s) if s.mean.is_some() => {
                    let mean = s.mean.unwrap_or(f64::NAN);
                    let _ = write!(h, "<span class=\"v\">{}</span>", esc(&level(m.unit, mean)));
                    if let Some((lo, hi)) = level_ci(m, s) {
                        let _ = write!(
                            h,
                            "<span class=\"ci\">{}</span>",
                            esc(&level_interval(m.unit, lo, hi))
                        );
                    }
                    if let (Some(n), Some(r)) = (s.n, reps) {
                        if n < r as f64 {
                            let _ = write!(
                                h,
                                "<span class=\"ci\">defined in {} of {} replicates</span>",
                                esc(&thousands(n, 0)),
                                esc(&thousands(r as f64, 0))
                            );
                        }
                    }
                }
                _ => h.push_str("<span class=\"v\">n/a</span><span class=\"ci\">no value</span>"),
            }
            if *p != base {
                if let Some(d) = data
                    .comparison
                    .as_ref()
                    .and_then(|c| c.get(p, "all", m.key))
                {
                    if let Some(md) = d.mean_diff {
                        let v = Verdict::of(m, d);
                        let spread = match d.spread {
                            [Some(l), Some(mid), Some(hh)] => format!(
                                "effect {} [{} to {}]; ",
                                signed(m.unit, mid),
                                signed(m.unit, l),
                                signed(m.unit, hh)
                            ),
                            _ => String::new(),
                        };
                        let ci = match (d.ci_low, d.ci_high) {
                            (Some(l), Some(hh)) => format!(" ({})", interval(m.unit, l, hh)),
                            _ => String::new(),
                        };
                        let pb = match (d.p_better, d.p_worse, d.p_tie) {
                            (Some(b), Some(w), Some(t)) => format!(
                                "; better / worse / equal in {} / {} / {}% of pairs",
                                thousands(b * 100.0, 0),
                                thousands(w * 100.0, 0),
                                thousands(t * 100.0, 0)
                            ),
                            (Some(b), _, _) => {
                                format!("; better in {}% of pairs", thousands(b * 100.0, 0))
                            }
                            _ => String::new(),
                        };
                        let tag = if v == Verdict::Unclear {
                            String::new()
                        } else {
                            format!(" <span class=\"tag {}\">{}</span>", v.class(), v.word())
                        };
                        let _ = write!(
                            h,
                            "<span class=\"d\">vs {}: {}mean {}{}{}{tag}</span>",
                            esc(&base),
                            esc(&spread),
                            esc(&signed(m.unit, md)),
                            esc(&ci),
                            esc(&pb),
                        );
                    }
                }
            }
            h.push_str("</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// Outlay and outcome per dollar: per outlay dollar and per extra dollar spent.
pub fn cost_effectiveness(data: &OutputData) -> String {
    let Some(cmp) = &data.comparison else {
        return String::new();
    };
    let base = data.baseline().unwrap_or_default();
    let sum = data.summary.as_ref();
    let musd = |p: &str, k: &str| {
        sum.and_then(|s| s.get(p, "all", k))
            .and_then(|s| s.mean)
            .map(|v| format!("USD {} million", thousands(v / 1e6, 1)))
            .unwrap_or_else(|| "n/a".into())
    };
    let rows: Vec<String> = data
        .policies()
        .iter()
        .filter(|p| **p != base)
        .map(|p| {
            let cell = |metric: &str| match cmp.get(p, "all", metric).and_then(|d| d.mean_diff) {
                Some(v) => esc(&thousands(v, 1)),
                None => "<span class=\"note\">none (no new money)</span>".to_string(),
            };
            let extra_spent = cmp
                .get(p, "all", "spent_total")
                .and_then(|d| d.mean_diff)
                .map(|v| format!("USD {} million", thousands(v / 1e6, 1)))
                .unwrap_or_else(|| "n/a".into());
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                esc(p),
                esc(&musd(p, "outlay")),
                esc(&extra_spent),
                esc(&musd(p, "voluntary_unspent")),
                cell("extra_completions_per_musd_outlay"),
                cell("rerecruitments_averted_per_musd_outlay"),
                cell("extra_completions_per_musd_extra_spent"),
                cell("rerecruitments_averted_per_musd_extra_spent"),
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "<h3>Money put in, and outcome per dollar, against {}</h3>\n<p><strong>Outlay</strong> is what a policy puts in: an added kick-start's money actually spent \
         (what lapses returns to the assessed budget), a bridge's advances drawn; a reallocated kick-start brings no new money. \
         <strong>Extra spent</strong> is the change in money actually spent within the horizon, which is smaller when voluntary money is left unspent at the end. \
         Outcomes per USD 1 million are ratios of mean effects to mean money (comparison.csv has their intervals).</p>\n\
         <div class=\"table-wrap\"><table><thead><tr><th>Policy</th><th class=\"num\">Outlay (mean)</th><th class=\"num\">Extra spent</th>\
         <th class=\"num\">Voluntary money unspent at the end</th><th class=\"num\">Extra completions per USD 1m outlay</th>\
         <th class=\"num\">Re-recruitments averted per USD 1m outlay</th><th class=\"num\">Extra completions per USD 1m extra spent</th>\
         <th class=\"num\">Re-recruitments averted per USD 1m extra spent</th></tr></thead><tbody>\n{}</tbody></table></div>\n",
        esc(&base),
        rows.concat()
    )
}

/// Money received by source, and where it went: spent, lapsed, left in
/// the pools at the horizon, advances repaid (means, all groups). The two
/// sides reconcile exactly in every replicate.
pub fn money(data: &OutputData) -> String {
    const COLS: [(&str, &str); 12] = [
        ("received_assessed", "Assessed received"),
        ("received_kickstart", "Kick-start received"),
        ("received_voluntary", "Voluntary received"),
        ("received_national", "National received"),
        ("bridge_drawn", "Bridge advances drawn"),
        ("spent_total", "Spent"),
        ("lapsed", "Lapsed"),
        ("balance_end", "Left in pools at the end"),
        ("bridge_repaid", "Advances repaid"),
        ("voluntary_unspent", "of which voluntary, unspent"),
        ("unrecovered_advances", "Unrecovered advances"),
        ("backlog_peak", "Peak unfunded backlog"),
    ];
    let Some(sum) = &data.summary else {
        return "<p class=\"missing\">summary.csv is missing.</p>\n".into();
    };
    let policies = data.policies();
    let max = policies
        .iter()
        .flat_map(|p| {
            COLS.iter()
                .filter_map(move |(k, _)| sum.get(p, "all", k).and_then(|s| s.mean))
        })
        .fold(0.0f64, |a, v| a.max(v.abs()));
    let (div, unit, dec) = if max >= 1e7 {
        (1e6, "USD millions", 2)
    } else {
        (1.0, "USD", 0)
    };
    let mut h = format!(
        "<p>Mean over replicates, over the whole horizon, in {unit}. The first five columns are what came in; \
         spent + lapsed + left in pools + advances repaid is where it went, and the two sides are equal in every replicate. \
         The peak unfunded backlog is a stock: the most the programme was short at one month end \
         (people waiting times the cost of their course), not a sum over months.</p>\n\
         <div class=\"table-wrap\"><table><thead><tr><th>Policy</th>"
    );
    for (_, label) in COLS {
        let _ = write!(h, "<th class=\"num\">{}</th>", esc(label));
    }
    h.push_str("</tr></thead><tbody>\n");
    for p in &policies {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(p));
        for (key, _) in COLS {
            let v = sum.get(p, "all", key).and_then(|s| s.mean);
            let text = v
                .map(|x| thousands(x / div, dec).replace('-', "\u{2212}"))
                .unwrap_or_else(|| "n/a".into());
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(&text));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// The uncertain parameters and the unsourced waiting effect.
pub fn assumptions(data: &OutputData, sc: Option<&Scenario>) -> String {
    let mut h = String::new();
    h.push_str(
        "<p><strong>The effect of waiting on re-recruitment is an assumption with no source.</strong> The model lets the monthly risk that a \
         demobilised person returns to an armed group grow with every month spent waiting for a reintegration place (<code>wait_effect</code>, \
         capped after <code>wait_cap</code> months). No source is known for its size, nor for the other behavioural hazards: they are uncertain ranges \
         (docs/assumptions.md). Which of them carries a policy's effect in this run is computed, not assumed: see \
         <a href=\"#why\">Why the policies work</a>.</p>\n",
    );
    if let Some(sc) = sc {
        let waits: Vec<String> = sc
            .groups
            .iter()
            .filter_map(|g| {
                sc.params.get(g.hazard.wait_effect).map(|s| {
                    format!(
                        "{}: {}",
                        g.label,
                        param_text(&s.param, super::scenario_text::Kind::Number)
                    )
                })
            })
            .collect();
        if !waits.is_empty() {
            let _ = writeln!(
                h,
                "<p>Values of <code>wait_effect</code> in this scenario: {}.</p>",
                esc(&waits.join("; "))
            );
        }
    }
    let keys = data
        .replicates
        .as_ref()
        .map(|r| r.param_keys())
        .unwrap_or_default();
    if keys.is_empty() {
        h.push_str("<p>No parameter is uncertain in this run (replicates.csv has no <code>param.</code> columns), so the spread of outcomes comes from chance alone.</p>\n");
        return h;
    }
    let (effects, compared) = super::sensitivity::compute(data, 3);
    let base = data.baseline().unwrap_or_default();
    let _ = writeln!(
        h,
        "<p>These {} are uncertain: each replicate draws its own value (the <code>param.</code> columns of \
         <code>replicates.csv</code>; a draw shared by several groups is one row), so the spread of outcomes includes this uncertainty. They are sorted by how strongly the outcome \
         moves with them: the Spearman rank correlation, across replicates, between the drawn value and the number re-recruited under {}, \
         and between the drawn value and each policy's paired effect on re-recruitment (policy minus {}). Near 0: the result hardly depends \
         on that assumption; near −1 or +1: it depends on it strongly. A screening measure, one parameter at a time.</p>",
        crate::plot::style::count(effects.len() as f64, "parameter", "parameters"),
        esc(&base),
        esc(&base)
    );
    h.push_str("<div class=\"table-wrap\"><table><thead><tr><th>Parameter</th><th>Meaning</th><th>Distribution in the scenario</th>");
    let _ = write!(
        h,
        "<th class=\"num\">With re-recruited under {}</th>",
        esc(&base)
    );
    for p in &compared {
        let _ = write!(
            h,
            "<th class=\"num\">With the effect of {} on re-recruited</th>",
            esc(p)
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    let rho = |r: Option<f64>| {
        r.map(|v| thousands(v, 2).replace('-', "\u{2212}"))
            .unwrap_or_else(|| "n/a".into())
    };
    for e in &effects {
        let k = &e.key;
        let dist = sc
            .and_then(|sc| sc.params.iter().find(|s| &s.key == k))
            .map(|s| param_text(&s.param, key_kind(k)))
            .unwrap_or_else(|| "see scenario.toml".into());
        let meaning = key_meaning(k);
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
            esc(&e.label()),
            esc(if meaning.is_empty() { "-" } else { meaning }),
            esc(&dist),
            esc(&rho(e.with_level))
        );
        for r in &e.with_effect {
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(&rho(*r)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// The manifest as a definition list.
pub fn manifest(m: &Manifest, present: bool) -> String {
    if !present {
        return "<p class=\"missing\">manifest.json is missing, so the run cannot be identified.</p>\n".into();
    }
    let opt = |v: Option<String>| v.unwrap_or_else(|| "not recorded".into());
    let rows: Vec<(&str, String)> = vec![
        ("ddrsim version", opt(m.ddrsim_version.clone())),
        (
            "Output format version",
            opt(m.format_version.map(|v| v.to_string())),
        ),
        ("Scenario", opt(m.scenario.clone())),
        ("Scenario SHA-256", opt(m.scenario_sha256.clone())),
        ("Seed", opt(m.seed.map(|v| v.to_string()))),
        (
            "Replicates per policy",
            opt(m.replicates.map(|v| thousands(v as f64, 0))),
        ),
        (
            "Policies",
            if m.policies.is_empty() {
                "not recorded".into()
            } else {
                m.policies.join(", ")
            },
        ),
        ("Baseline", opt(m.baseline.clone())),
        (
            "Start and horizon",
            match (&m.start, m.horizon_months) {
                (Some(s), Some(t)) => format!("{s}, {t} months"),
                (Some(s), None) => s.clone(),
                (None, Some(t)) => format!("{t} months"),
                _ => "not recorded".into(),
            },
        ),
        ("Random number generator", opt(m.rng.clone())),
        ("Threads", opt(m.threads.map(|v| v.to_string()))),
        (
            "Wall-clock time",
            opt(m.wall_seconds.map(|s| format!("{s:.1} s"))),
        ),
        ("Command line", opt(m.command_line.clone())),
    ];
    let mut h = String::from(
        "<p>Enough to reproduce this run: the same ddrsim version, scenario file (check its SHA-256) and seed give byte-identical CSV results.</p>\n<dl class=\"manifest\">\n",
    );
    for (k, v) in rows {
        let v = if k == "Command line" || k == "Scenario SHA-256" {
            format!("<code>{}</code>", esc(&v))
        } else {
            esc(&v)
        };
        let _ = writeln!(h, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    h.push_str("</dl>\n");
    h
}
