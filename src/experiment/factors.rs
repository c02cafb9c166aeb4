//! The scenario's uncertain parameters as factors of an experiment: one
//! factor per independent draw (a shared draw counts once, however many
//! keys carry it), each mapped from a uniform coordinate `u` in `[0, 1]` to
//! a value by the inverse CDF of its truncated distribution. Sensitivity
//! analysis, scenario discovery and the `claim` design all read parameters
//! through these factors.

use crate::scenario::{Param, Scenario, SlotKind, Truncated};

/// Which block of the scenario a factor belongs to, for variance splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactorGroup {
    /// Behaviour of people: hazards, waiting and insecurity effects, the
    /// security index and conflict relapse (`group.*.hazard.*`, `ssr.*`,
    /// `conflict.*`, and every shared draw among them).
    Behaviour,
    /// Money and caseload: pledge fulfilment and delay, budgets, costs and
    /// caseloads (every other key).
    Funding,
}

impl FactorGroup {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            FactorGroup::Behaviour => "behaviour",
            FactorGroup::Funding => "funding",
        }
    }

    /// The group of a key path.
    pub fn of_key(key: &str) -> Self {
        let behaviour = key.starts_with("ssr.")
            || key.starts_with("conflict.")
            || (key.starts_with("group.") && key.contains(".hazard."));
        if behaviour {
            FactorGroup::Behaviour
        } else {
            FactorGroup::Funding
        }
    }
}

/// One uncertain factor: an independent draw of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainFactor {
    /// Name, usable as a `--set` key: the key path (`pledge.mdtf.delay`) or
    /// `shared.NAME` for a shared draw.
    pub name: String,
    /// Indices into `Scenario::params` of every slot taking this draw.
    pub slots: Vec<usize>,
    /// The distribution, truncated to the allowed range.
    pub dist: Truncated,
    /// Block of the scenario.
    pub group: FactorGroup,
}

impl UncertainFactor {
    /// The factor's value at uniform coordinate `u` in `[0, 1]`.
    pub fn at(&self, u: f64) -> f64 {
        self.dist.at(u.clamp(0.0, 1.0))
    }
}

/// The uncertain factors of a scenario, in the order of their first slot.
pub fn factors(sc: &Scenario) -> Vec<UncertainFactor> {
    let mut out: Vec<UncertainFactor> = Vec::new();
    for (i, slot) in sc.params.iter().enumerate() {
        match &slot.param {
            Param::Fixed(_) => {}
            Param::Uncertain(d) => out.push(UncertainFactor {
                name: slot.key.clone(),
                slots: vec![i],
                dist: d.clone(),
                group: match slot.kind {
                    SlotKind::Caseload => FactorGroup::Funding,
                    SlotKind::Parameter => FactorGroup::of_key(&slot.key),
                },
            }),
            Param::Shared(s) => {
                let name = format!("shared.{}", s.shared);
                match out.iter_mut().find(|f| f.name == name) {
                    Some(f) => f.slots.push(i),
                    None => out.push(UncertainFactor {
                        name,
                        slots: vec![i],
                        dist: s.dist.clone(),
                        group: FactorGroup::of_key(&slot.key),
                    }),
                }
            }
        }
    }
    out
}

/// Slot values (one per `Scenario::params` entry, as [`crate::engine::inputs::draw_values`]
/// returns) with every factor at its coordinate in `u` (same order as
/// `factors`) and every other slot at its fixed or central value.
pub fn values_at(sc: &Scenario, factors: &[UncertainFactor], u: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = sc.params.iter().map(|s| s.param.central()).collect();
    for (f, &ui) in factors.iter().zip(u) {
        let x = f.at(ui);
        for &s in &f.slots {
            if let Some(slot) = v.get_mut(s) {
                *slot = x;
            }
        }
    }
    v
}

/// Each factor's value in a full vector of slot values (its first slot's value).
pub fn factor_values(factors: &[UncertainFactor], values: &[f64]) -> Vec<f64> {
    factors
        .iter()
        .map(|f| {
            f.slots
                .first()
                .and_then(|&s| values.get(s))
                .copied()
                .unwrap_or(f64::NAN)
        })
        .collect()
}
