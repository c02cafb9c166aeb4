//! Drawing the inputs of one replicate: every parameter slot of the
//! scenario drawn once from its keyed stream (MODEL.md section 3). Drawing is
//! engine work; turning the drawn values into model units is
//! [`crate::model::inputs::Inputs::build`].

use super::rng::{hash_str, Purpose, Streams};
use crate::scenario::{Param, Scenario, SlotKind};

/// Draws every parameter slot of the scenario for one replicate.
pub fn draw_values(sc: &Scenario, streams: &Streams) -> Vec<f64> {
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
            // One stream per shared name: every slot with the name draws the same value.
            Param::Shared(s) => s.dist.sample(&mut streams.parameter(
                Purpose::Parameter,
                hash_str(&format!("shared.{}", s.shared)),
            )),
        })
        .collect()
}
