//! The report's first page: the question and the answer for each policy on
//! one printed A4 or Letter sheet (print CSS in [`super::html::CSS`]):
//! effects on completions and re-recruitment with their 5-95% spread,
//! P(better / worse / tie), outlay and outcome per outlay dollar, one chart,
//! and what the answer depends on, generated from channels.csv and the
//! parameter ranking. Everything else in the report follows as appendices.

use super::channels::explain;
use super::html::{esc, inline_svg};
use crate::plot::data::{Diff, OutputData};
use crate::plot::names;
use crate::plot::style::{count, thousands, usd};
use std::fmt::Write as _;
use std::path::Path;

/// Formats a signed number of people: "+3,228", "−1,265", "0".
fn people(x: f64) -> String {
    let s = thousands(x.abs(), 0);
    if s == "0" {
        s
    } else if x > 0.0 {
        format!("+{s}")
    } else {
        format!("\u{2212}{s}")
    }
}

/// "+2,800 (+1,355 to +6,465)": the median effect and its 5-95% spread.
fn effect_cell(d: Option<&Diff>) -> String {
    let Some(d) = d else {
        return "n/a".into();
    };
    match d.spread {
        [Some(lo), Some(mid), Some(hi)] => format!(
            "{} <span class=\"ci\">({} to {})</span>",
            esc(&people(mid)),
            esc(&people(lo)),
            esc(&people(hi))
        ),
        _ => d
            .mean_diff
            .map_or("n/a".into(), |m| format!("{} (mean)", esc(&people(m)))),
    }
}

/// "100 / 0 / 0%" or "n/a".
fn shares_cell(d: Option<&Diff>) -> String {
    match d.map(|d| (d.p_better, d.p_worse, d.p_tie)) {
        Some((Some(b), Some(w), Some(t))) => format!(
            "{} / {} / {}%",
            thousands(b * 100.0, 0),
            thousands(w * 100.0, 0),
            thousands(t * 100.0, 0)
        ),
        _ => "n/a".into(),
    }
}

/// The first page, as an HTML `<section>`.
pub fn first_page(out_dir: &Path, data: &OutputData, question: &str) -> String {
    let mut h = String::new();
    h.push_str("<section id=\"answer\" class=\"page\">\n");
    let _ = writeln!(h, "<h1>{}</h1>", esc(question));
    let m = data.manifest.clone().unwrap_or_default();
    let base = data.baseline().unwrap_or_else(|| "baseline".into());
    let policies: Vec<String> = data.policies().into_iter().filter(|p| *p != base).collect();
    let _ = writeln!(
        h,
        "<p class=\"lead\">Scenario <strong>{}</strong>: {} compared with <strong>{}</strong> on the same {} simulated worlds \
         (the same people, parameters and random events; only the funding rules differ).</p>",
        esc(m.scenario.as_deref().unwrap_or("unnamed")),
        esc(&count(policies.len() as f64, "policy", "policies")),
        esc(&base),
        esc(&m.replicates.map_or("set of".to_string(), |r| thousands(r as f64, 0)))
    );
    let Some(cmp) = &data.comparison else {
        h.push_str("<p class=\"missing\">comparison.csv is missing: there is no answer to show.</p>\n</section>\n");
        return h;
    };
    let sum = data.summary.as_ref();
    h.push_str(
        "<div class=\"table-wrap\"><table id=\"answer-table\"><thead><tr><th>Policy</th>\
         <th class=\"num\">Extra people completing reintegration<br><span class=\"note\">median (5% to 95%)</span></th>\
         <th class=\"num\">More / fewer / same completions<br><span class=\"note\">share of worlds</span></th>\
         <th class=\"num\">Change in people re-recruited<br><span class=\"note\">median (5% to 95%)</span></th>\
         <th class=\"num\">Fewer / more / same re-recruited<br><span class=\"note\">share of worlds</span></th>\
         <th class=\"num\">Outlay<br><span class=\"note\">mean</span></th>\
         <th class=\"num\">Per USD 1 million outlay<br><span class=\"note\">completions; re-recruitments averted</span></th>\
         </tr></thead><tbody>\n",
    );
    for p in &policies {
        let comp = cmp.get(p, "all", "completed");
        let rr = cmp.get(p, "all", "rerecruited");
        let outlay = sum
            .and_then(|s| s.get(p, "all", "outlay"))
            .and_then(|s| s.mean);
        let per = |k: &str| {
            cmp.get(p, "all", k)
                .and_then(|d| d.mean_diff)
                .map(|v| thousands(v, 0))
        };
        let per_dollar = match (
            per("extra_completions_per_musd_outlay"),
            per("rerecruitments_averted_per_musd_outlay"),
        ) {
            (Some(c), Some(r)) => format!("{c}; {r}"),
            _ => "no new money".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(p),
            effect_cell(comp),
            esc(&shares_cell(comp)),
            effect_cell(rr),
            esc(&shares_cell(rr)),
            esc(&outlay.map_or("n/a".into(), |o| if o == 0.0 { "none".into() } else { usd(o) })),
            esc(&per_dollar),
        );
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str(
        "<p class=\"note\">The median and the 5% to 95% range describe how much the effect varies across simulated worlds; \
         the average effect and its precision are in the appendix (headline comparison). Outlay: added kick-start money actually spent, \
         or bridge advances drawn; a policy that only moves money in time has no outlay.</p>\n",
    );
    // One chart: the paired comparison.
    let svg = out_dir
        .join("charts")
        .join(format!("{}.svg", names::FOREST));
    if let Ok(text) = std::fs::read_to_string(&svg) {
        if let Ok(inline) = inline_svg(&text, "Paired differences from the baseline") {
            let _ = writeln!(h, "<figure class=\"answer-chart\">\n{inline}\n</figure>");
        }
    }
    // What the answer depends on.
    h.push_str("<h3>What the answer depends on</h3>\n<ul>\n");
    let mut any = false;
    if let Some(rows) = &data.channels {
        for p in &policies {
            if let Some(line) = depends_on_channels(rows, p) {
                let _ = writeln!(h, "<li>{}</li>", esc(&line));
                any = true;
            }
        }
    }
    let (effects, compared) = super::sensitivity::compute(data, 1);
    if let Some(first) = compared.first() {
        let mut top: Vec<(String, f64)> = effects
            .iter()
            .filter_map(|e| {
                e.with_effect
                    .first()
                    .copied()
                    .flatten()
                    .map(|r| (e.label(), r))
            })
            .collect();
        top.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let names: Vec<String> = top
            .iter()
            .take(3)
            .map(|(k, r)| format!("{k} ({})", thousands(*r, 2).replace('-', "\u{2212}")))
            .collect();
        if !names.is_empty() {
            let _ = writeln!(
                h,
                "<li>Uncertain assumptions the effect of {} on re-recruitment moves with most (rank correlation): {}.</li>",
                esc(first),
                esc(&names.join("; "))
            );
            any = true;
        }
    }
    if !any {
        h.push_str("<li>Neither the channel decomposition nor uncertain parameters are in this folder.</li>\n");
    }
    h.push_str("</ul>\n<p class=\"note\">Results of a model, not observations: they follow from the scenario's assumptions. \
                Appendices: scenario, full comparison, channel-by-channel reasons, charts, money, assumptions.</p>\n");
    h.push_str("</section>\n");
    h
}

/// One sentence: the channels that carry most of a policy's effect on
/// re-recruitment (alone increments whose interval excludes 0).
fn depends_on_channels(
    rows: &[crate::output::channels::ChannelRow],
    policy: &str,
) -> Option<String> {
    let total = rows
        .iter()
        .find(|r| r.policy == policy && r.metric == "rerecruited" && r.row == "total")?;
    if !total.clear() {
        return Some(format!(
            "{policy}: no effect on re-recruitment distinguishable from 0 at this precision."
        ));
    }
    let mut alone: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.policy == policy
                && r.metric == "rerecruited"
                && r.row == "alone"
                && r.clear()
                && r.mean.signum() == total.mean.signum()
        })
        .collect();
    alone.sort_by(|a, b| b.mean.abs().total_cmp(&a.mean.abs()));
    let names: Vec<String> = alone
        .iter()
        .take(3)
        .map(|r| {
            let name = crate::model::channels::CHANNELS
                .iter()
                .find(|c| c.letter.to_string() == r.channel)
                .map_or(r.channel.clone(), |c| {
                    format!("({}) {}", c.letter, c.name.replace('_', " "))
                });
            format!("{name} {}%", thousands(100.0 * r.mean / total.mean, 0))
        })
        .collect();
    if names.is_empty() {
        return explain(rows, policy, "rerecruited", "re-recruitment")
            .into_iter()
            .next();
    }
    Some(format!(
        "{policy}: the channels that move re-recruitment most, each switched on alone, as a share of the total effect: {}.",
        names.join(", ")
    ))
}
