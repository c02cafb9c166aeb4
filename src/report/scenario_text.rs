//! The scenario in plain words, from the validated [`Scenario`]: caseload by
//! group, funding sources (assessed budget, pledges, national money,
//! appeals), the policies, and descriptions of uncertain parameters. Returns
//! HTML fragments with every inserted text escaped.

use super::html::esc;
use crate::plot::style::{thousands, usd};
use crate::scenario::{Dist, Earmark, KickstartMode, Param, Pid, Scenario, StepSchedule};

/// What a value is, for formatting.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// US dollars.
    Usd,
    /// People.
    People,
    /// A share in 0..1 shown in percent.
    Share,
    /// Months.
    Months,
    /// Any other number (rates, effects).
    Number,
}

fn num(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Usd => usd(v),
        Kind::People => thousands(v, 0),
        Kind::Share => format!("{}%", thousands(v * 100.0, 0)),
        Kind::Months => thousands(v, 1),
        Kind::Number => {
            if v != 0.0 && v.abs() < 0.01 {
                format!("{v:.4}")
            } else {
                thousands(v, if v.fract() == 0.0 { 0 } else { 3 })
            }
        }
    }
}

/// A parameter in words: "300" or "lognormal, 90% between 0.005 and 0.02 (central 0.01)".
pub fn param_text(p: &Param, kind: Kind) -> String {
    match p {
        Param::Fixed(v) => num(kind, *v),
        Param::Shared(sd) => format!(
            "{} (one draw shared as \"{}\")",
            param_text(&Param::Uncertain(sd.dist.clone()), kind),
            sd.shared
        ),
        Param::Uncertain(d) => {
            let c = num(kind, d.central());
            let body = match &d.dist {
                Dist::Uniform { min, max } => format!(
                    "uniform between {} and {}",
                    num(kind, *min),
                    num(kind, *max)
                ),
                Dist::Triangular { min, mode, max } => format!(
                    "triangular between {} and {}, most likely {}",
                    num(kind, *min),
                    num(kind, *max),
                    num(kind, *mode)
                ),
                Dist::Normal { mean, sd } => format!(
                    "normal, mean {} and sd {}",
                    num(kind, *mean),
                    num(kind, *sd)
                ),
                Dist::Lognormal { .. } => match d.lognormal_mu_sigma() {
                    Some((mu, sigma)) => {
                        let z = crate::scenario::param::Z95;
                        format!(
                            "lognormal, 90% between {} and {}",
                            num(kind, (mu - z * sigma).exp()),
                            num(kind, (mu + z * sigma).exp())
                        )
                    }
                    None => "lognormal".to_string(),
                },
                Dist::Beta { mean, sd } => {
                    format!("beta, mean {} and sd {}", num(kind, *mean), num(kind, *sd))
                }
                Dist::Gamma { mean, sd } => {
                    format!("gamma, mean {} and sd {}", num(kind, *mean), num(kind, *sd))
                }
            };
            format!("uncertain: {body} (central {c})")
        }
    }
}

fn pid(sc: &Scenario, id: Pid, kind: Kind) -> String {
    sc.params
        .get(id)
        .map(|s| param_text(&s.param, kind))
        .unwrap_or_else(|| "?".into())
}

fn central(sc: &Scenario, id: Pid) -> f64 {
    sc.params
        .get(id)
        .map(|s| s.param.central())
        .unwrap_or(f64::NAN)
}

fn schedule(sc: &Scenario, s: &StepSchedule, kind: Kind) -> String {
    match s.steps.as_slice() {
        [] => "none".into(),
        [(1, p)] => pid(sc, *p, kind),
        steps => steps
            .iter()
            .map(|(m, p)| format!("{} from {}", pid(sc, *p, kind), sc.date(*m)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// The scenario section's body (HTML).
pub fn section(sc: &Scenario) -> String {
    let mut h = String::new();
    let end = sc.date(sc.horizon);
    h.push_str(&format!(
        "<p>Scenario <strong>{}</strong>: {} The programme is simulated month by month from {} to {} ({} months).</p>\n",
        esc(&sc.name),
        esc(sc.description.trim()),
        esc(&sc.start.to_string()),
        esc(&end.to_string()),
        sc.horizon
    ));

    h.push_str("<h3>Who is demobilised</h3>\n");
    h.push_str(&format!(
        "<p>The caseload is about {} people in {}. Each group disarms, spends time in cantonment and reinsertion, then waits for a place in a reintegration course that is paid for as money allows.</p>\n",
        esc(&thousands(sc.central_caseload(), 0)),
        esc(&crate::plot::style::count(sc.groups.len() as f64, "group", "groups"))
    ));
    h.push_str("<div class=\"table-wrap\"><table><thead><tr><th>Group</th><th>Caseload (people)</th><th>Course</th><th>Cost per course</th><th>New course places per month</th></tr></thead><tbody>\n");
    for g in &sc.groups {
        let cost =
            central(sc, g.reint_startup) + g.reint_months as f64 * central(sc, g.reint_monthly);
        h.push_str(&format!(
            "<tr><td>{} <span class=\"note\">({})</span></td><td>{}</td><td>{} months</td><td>{} (central)</td><td>{}</td></tr>\n",
            esc(&g.label),
            esc(&g.id),
            esc(&pid(sc, g.caseload, Kind::People)),
            g.reint_months,
            esc(&usd(cost)),
            esc(&schedule(sc, &g.intake_capacity, Kind::People)),
        ));
    }
    h.push_str("</tbody></table></div>\n");

    h.push_str("<h3>Where the money comes from</h3>\n<ul>\n");
    let a = &sc.assessed;
    let eligible: Vec<&str> = a.eligible.members().iter().map(|c| c.name()).collect();
    let fy = month_name(sc.fiscal_year_start);
    let mut assessed = format!(
        "<li><strong>Assessed UN peacekeeping budget</strong>: {} per fiscal year (fiscal years start in {}), released in 12 monthly instalments; it may pay {}. Unspent money lapses at the end of each fiscal year.",
        esc(&pid(sc, a.annual, Kind::Usd)),
        esc(fy),
        esc(&eligible.join(", ")),
    );
    for (y, p) in &a.by_year {
        assessed.push_str(&format!(
            " Fiscal year {y}: {}.",
            esc(&pid(sc, *p, Kind::Usd))
        ));
    }
    if central(sc, a.approval_delay) > 0.0 {
        assessed.push_str(&format!(
            " The first {} of each year are held back until the budget is approved.",
            esc(&match pid(sc, a.approval_delay, Kind::Number).as_str() {
                "1" => "instalment".to_string(),
                n => format!("{n} instalments"),
            })
        ));
    }
    h.push_str(&assessed);
    h.push_str("</li>\n");
    if sc.pledges.is_empty() {
        h.push_str("<li><strong>Voluntary pledges</strong>: none.</li>\n");
    } else {
        let total: f64 = sc.pledges.iter().map(|p| central(sc, p.amount)).sum();
        h.push_str(&format!(
            "<li><strong>Voluntary pledges</strong> from donors, {} in total at central values (table below). A pledge is paid late and sometimes only in part.</li>\n",
            esc(&usd(total))
        ));
    }
    match &sc.national {
        Some(n) => h.push_str(&format!(
            "<li><strong>National government</strong>: {} per month from {} to {}, paying {}.</li>\n",
            esc(&pid(sc, n.monthly, Kind::Usd)),
            esc(&sc.date(n.from).to_string()),
            esc(&sc.date(n.to).to_string()),
            esc(&n.eligible.members().iter().map(|c| c.name()).collect::<Vec<_>>().join(", "))
        )),
        None => h.push_str("<li><strong>National government</strong>: no contribution.</li>\n"),
    }
    if let Some(ap) = &sc.appeal {
        h.push_str(&format!(
            "<li><strong>Emergency appeals</strong>: when a month's reintegration gap exceeds {}, an appeal raises a share ({}) of the waiting list's course costs after a delay ({} months); at most one every {} months.</li>\n",
            esc(&pid(sc, ap.trigger, Kind::Usd)),
            esc(&param_text(&ap.share, Kind::Share)),
            esc(&param_text(&ap.delay, Kind::Months)),
            ap.cooldown
        ));
    }
    h.push_str("</ul>\n");
    if !sc.pledges.is_empty() {
        h.push_str("<div class=\"table-wrap\"><table><thead><tr><th>Donor</th><th>Amount</th><th>Pledged</th><th>For</th><th>Share paid</th><th>Months to first payment</th><th>Payments</th></tr></thead><tbody>\n");
        for p in &sc.pledges {
            let donor = if p.donor.trim().is_empty() {
                p.id.clone()
            } else {
                p.donor.clone()
            };
            let earmark = match p.earmark {
                Earmark::Pooled => "anything (pooled)".to_string(),
                Earmark::To(c) => c.name().to_string(),
            };
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&donor),
                esc(&pid(sc, p.amount, Kind::Usd)),
                esc(&sc.date(p.month).to_string()),
                esc(&earmark),
                esc(&pid(sc, p.fulfilment, Kind::Share)),
                esc(&pid(sc, p.delay, Kind::Months)),
                if p.tranches == 1 { "1".to_string() } else { format!("{}, every {} months", p.tranches, p.interval) },
            ));
        }
        h.push_str("</tbody></table></div>\n");
    }

    h.push_str("<h3>The policies compared</h3>\n<ul>\n");
    for (i, p) in sc.policies.iter().enumerate() {
        let mut mech = Vec::new();
        if let Some(k) = &p.kickstart {
            let window = format!(
                "from {} to {}",
                sc.date(k.start),
                sc.date(k.start + k.months.saturating_sub(1))
            );
            match k.mode {
                KickstartMode::Added => mech.push(format!(
                    "the assessed budget adds {} for reintegration, paid in equal monthly instalments {window}",
                    k.amount.map(|a| pid(sc, a, Kind::Usd)).unwrap_or_else(|| "money".into())
                )),
                KickstartMode::Reallocated => mech.push(format!("the existing assessed budget may pay reintegration {window}")),
            }
            if k.offset_voluntary {
                mech.push("what the kick-start pays is deducted from later voluntary payments (same total money, earlier)".into());
            }
        }
        if let Some(c) = p.bridge_cap {
            mech.push(format!(
                "a bridge facility advances up to {} against pledged but unpaid money",
                pid(sc, c, Kind::Usd)
            ));
        }
        if p.pledge_shift != 0 {
            mech.push(format!(
                "every pledge is made {} {}",
                crate::plot::style::count(p.pledge_shift.abs() as f64, "month", "months"),
                if p.pledge_shift < 0 {
                    "earlier"
                } else {
                    "later"
                }
            ));
        }
        let role = if i == 0 {
            " <span class=\"note\">(baseline)</span>"
        } else {
            ""
        };
        let desc = if p.description.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", esc(p.description.trim()))
        };
        let mech = if mech.is_empty() {
            String::new()
        } else {
            format!(
                " <span class=\"note\">In the model: {}.</span>",
                esc(&mech.join("; "))
            )
        };
        h.push_str(&format!(
            "<li><strong>{}</strong>{role}{desc}{mech}</li>\n",
            esc(&p.id)
        ));
    }
    h.push_str("</ul>\n");
    h
}

fn month_name(m: u32) -> &'static str {
    const N: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    N.get((m.max(1) - 1) as usize).copied().unwrap_or("?")
}

/// Plain words for the last part of a parameter key path.
pub fn key_meaning(key: &str) -> &'static str {
    let last = key
        .rsplit('.')
        .find(|s| s.parse::<u32>().is_err())
        .unwrap_or(key);
    match last {
        "caseload" => "people in the group",
        "turnout" => "share of the still-armed presenting each month",
        "site_capacity" => "disarmament admissions per month",
        "dd_cost" => "cost per person disarmed (USD)",
        "reinsertion_payments" => "reinsertion payment (USD)",
        "reint_startup" => "course start-up cost (USD)",
        "reint_monthly" => "course cost per month (USD)",
        "intake_capacity" => "new course places per month",
        "rerecruit" => "monthly re-recruitment hazard while waiting",
        "wait_effect" => {
            "increase of the re-recruitment hazard per month waited (assumption, no source)"
        }
        "insecurity_effect" => "increase of the re-recruitment hazard with insecurity",
        "rerecruit_programme" => "re-recruitment hazard while in the programme",
        "unpaid_multiplier" => "re-recruitment multiplier when a reinsertion payment is missed",
        "self_reintegration" => "monthly hazard of reintegrating without the programme",
        "lost" => "monthly hazard of death, migration or loss to follow-up",
        "dropout" => "monthly course drop-out hazard",
        "dropout_interrupted" => "drop-out hazard in an unpaid course month",
        "relapse" => "re-recruitment hazard after completing a course",
        "relapse_self" => "re-recruitment hazard after reintegrating alone",
        "amount" => "amount (USD)",
        "fulfilment" => "share of the pledge actually paid",
        "delay" => "months from pledge to first payment",
        "annual" => "assessed budget per fiscal year (USD)",
        "approval_delay" => "instalments held back until budget approval",
        "monthly" => "amount per month (USD)",
        "monthly_requirement" => "institutional SSR requirement per month (USD)",
        "s0" => "initial security index",
        "s_max" => "security index when SSR is fully funded",
        "kappa" => "loss of security per armed share",
        "lambda0" => "base monthly hazard of relapse into conflict",
        "b_armed" => "effect of the armed share on relapse",
        "b_idle" => "effect of the idle (waiting, unpaid) share on relapse",
        "b_sec" => "effect of security gains on relapse",
        "share" => "share",
        "cost" => "cost (USD)",
        "cap" => "bridge cap (USD)",
        "overhead_monthly" => "programme overhead per month (USD)",
        _ => "",
    }
}

/// The kind of a parameter from its key path, for formatting.
pub fn key_kind(key: &str) -> Kind {
    let m = key_meaning(key);
    if m.contains("(USD)") {
        Kind::Usd
    } else if key.ends_with("caseload") {
        Kind::People
    } else if key.ends_with("fulfilment") {
        Kind::Share
    } else if key.ends_with("delay") {
        Kind::Months
    } else {
        Kind::Number
    }
}
