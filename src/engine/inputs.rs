//! Drawing the inputs of one replicate: every parameter slot of the
//! scenario drawn once from its keyed stream (MODEL.md section 3). Drawing is
//! engine work; turning the drawn values into model units is
//! [`crate::model::inputs::Inputs::build`].

use super::rng::{hash_concat, hash_str, Purpose, Streams};
use crate::scenario::{Param, Scenario, SlotKind};

/// Draws every parameter slot of the scenario for one replicate. A shared
/// distribution is drawn once per name (every slot with the name reads the
/// same stream, so the same value).
pub fn draw_values(sc: &Scenario, streams: &Streams) -> Vec<f64> {
    let mut shared: Vec<(&str, f64)> = Vec::new();
    sc.params
        .iter()
        .map(|slot| match &slot.param {
            Param::Fixed(v) => *v,
            Param::Uncertain(d) => {
                let purpose = match slot.kind {
                    SlotKind::Parameter => Purpose::Parameter,
                    SlotKind::Caseload => Purpose::Caseload,
                };
                d.sample(&mut streams.parameter(purpose, hash_str(&slot.key)))
            }
            Param::Shared(s) => match shared.iter().find(|(name, _)| *name == s.shared) {
                Some(&(_, v)) => v,
                None => {
                    let key = hash_concat(&["shared.", &s.shared]);
                    let v = s
                        .dist
                        .sample(&mut streams.parameter(Purpose::Parameter, key));
                    shared.push((&s.shared, v));
                    v
                }
            },
        })
        .collect()
}
