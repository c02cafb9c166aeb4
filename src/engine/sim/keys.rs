//! The stream keys of one group's entities (MODEL.md section 7), hashed
//! once per replicate and policy instead of every month: a month's stream
//! then costs one hash (of the month) instead of two. The streams are the
//! same as `Streams::process` gives.

use crate::engine::rng::{entity, EntityKey, Purpose, Streams};
use crate::model::inputs::GroupInputs;

/// Sub-index of the drop-outs' exits in the waiting purpose's entities.
const DROPPED_OUT: usize = u32::MAX as usize;

/// Entity keys of group `gi`'s process streams.
#[derive(Debug, Clone)]
pub(super) struct GroupKeys {
    gi: usize,
    /// Relapse of the reintegrated (sub 0) and the self-reintegrated (sub 1).
    pub relapse: [EntityKey; 2],
    /// Exits from waiting bin `k`, for the bins reached so far
    /// ([`GroupKeys::reach_waiting`]).
    pub waiting: Vec<EntityKey>,
    /// Exits from drop-out.
    pub dropped_out: EntityKey,
    /// Course stage `j`: sub `2 j` (paid, or completing) and `2 j + 1` (unpaid).
    pub course: Vec<EntityKey>,
    /// Reinsertion stage `j`: sub `2 j` (paid) and `2 j + 1` (unpaid).
    pub reinsertion: Vec<EntityKey>,
    /// Absorption candidates.
    pub absorption: EntityKey,
    /// Presenting for disarmament.
    pub presenting: EntityKey,
}

impl GroupKeys {
    /// The keys of group `gi` (waiting bins are added as they are reached).
    pub fn new(streams: &Streams, gi: usize, g: &GroupInputs, horizon: usize) -> Self {
        let subs = |purpose: Purpose, n: usize| -> Vec<EntityKey> {
            (0..n)
                .map(|sub| streams.entity_key(purpose, entity(gi, sub)))
                .collect()
        };
        let mut waiting = Vec::with_capacity(horizon + 2);
        waiting.push(streams.entity_key(Purpose::Waiting, entity(gi, 0)));
        GroupKeys {
            gi,
            relapse: [
                streams.entity_key(Purpose::Relapse, entity(gi, 0)),
                streams.entity_key(Purpose::Relapse, entity(gi, 1)),
            ],
            waiting,
            dropped_out: streams.entity_key(Purpose::Waiting, entity(gi, DROPPED_OUT)),
            course: subs(Purpose::Course, 2 * g.reint_months),
            reinsertion: subs(Purpose::Reinsertion, 2 * g.payments.len()),
            absorption: streams.entity_key(Purpose::Absorption, entity(gi, 0)),
            presenting: streams.entity_key(Purpose::Presenting, entity(gi, 0)),
        }
    }

    /// Makes sure the keys of waiting bins `0..bins` are there.
    #[inline]
    pub fn reach_waiting(&mut self, streams: &Streams, bins: usize) {
        while self.waiting.len() < bins {
            let k = self.waiting.len();
            self.waiting
                .push(streams.entity_key(Purpose::Waiting, entity(self.gi, k)));
        }
    }
}
