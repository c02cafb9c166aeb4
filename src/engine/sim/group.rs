//! The people of one group by stage, the probabilities of its constant
//! hazards, and the places the month's allocation funded for it.

use crate::engine::draw::{exit_share, prob, rr_then_competing, Hazard};
use crate::engine::rng::StreamRng;
use crate::model::inputs::GroupInputs;
use crate::model::record::st;

/// People of one group by stage, with per-replicate constants and scratch.
#[derive(Debug, Clone)]
pub(super) struct GroupState {
    pub a: u64,
    pub d: Vec<u64>,
    pub s: Vec<u64>,
    /// `w[k]`: waiting with k whole months waited.
    pub w: Vec<u64>,
    /// One past the highest possibly non-empty waiting bin.
    pub w_len: usize,
    /// People waiting: the sum of `w`, kept up to date by every change to
    /// `w` (the head counts' conservation, checked by the invariant tests,
    /// depends on it).
    pub w_total: u64,
    pub r: Vec<u64>,
    /// Scratch for next month's `r` (swapped with `r`; contents meaningless
    /// between months).
    pub r_next: Vec<u64>,
    pub x: u64,
    pub reint: u64,
    pub selfr: u64,
    pub absorbed: u64,
    pub rerecruited: u64,
    pub lost: u64,
    /// Remaining course months of people whose course month was not paid
    /// this month (set by the course transitions; for the backlog).
    pub unpaid_course_months: u64,
    /// `prob(h_relapse)`: constant over the replicate.
    pub p_relapse: f64,
    /// `prob(h_relapse_self)`: constant over the replicate.
    pub p_relapse_self: f64,
    /// `h_rr_programme` with its probability (constant over the replicate).
    pub hz_rr_programme: Hazard,
    /// `h_drop` with its probability.
    pub hz_drop: Hazard,
    /// `h_drop_interrupted` with its probability.
    pub hz_drop_interrupted: Hazard,
    /// The idle exits' total hazard `h_self + h_lost` with its probability.
    pub hz_idle_exit: Hazard,
    /// Self-reintegration's share of the idle exits, `h_self / (h_self + h_lost)`.
    pub self_share: f64,
}

impl GroupState {
    /// The group at month 0: everyone armed.
    pub fn new(g: &GroupInputs, horizon: usize) -> Self {
        GroupState {
            a: g.caseload,
            d: vec![0; g.dd_months],
            s: vec![0; g.payments.len()],
            w: vec![0; horizon + 2],
            w_len: 0,
            w_total: 0,
            r: vec![0; g.reint_months],
            r_next: vec![0; g.reint_months],
            x: 0,
            reint: 0,
            selfr: 0,
            absorbed: 0,
            rerecruited: 0,
            lost: 0,
            unpaid_course_months: 0,
            p_relapse: prob(g.h_relapse),
            p_relapse_self: prob(g.h_relapse_self),
            hz_rr_programme: Hazard::new(g.h_rr_programme),
            hz_drop: Hazard::new(g.h_drop),
            hz_drop_interrupted: Hazard::new(g.h_drop_interrupted),
            hz_idle_exit: Hazard::new(g.h_self + g.h_lost),
            self_share: exit_share(g.h_self, g.h_self + g.h_lost),
        }
    }

    /// People waiting for a reintegration place.
    pub fn waiting(&self) -> u64 {
        debug_assert_eq!(self.w_total, self.w[..self.w_len].iter().sum::<u64>());
        self.w_total
    }

    /// Head counts in `record::st` order.
    pub fn people(&self) -> [u64; 11] {
        let mut p = [0; 11];
        p[st::ARMED] = self.a;
        p[st::IN_DD] = self.d.iter().sum();
        p[st::IN_REINSERTION] = self.s.iter().sum();
        p[st::WAITING] = self.waiting();
        p[st::IN_REINTEGRATION] = self.r.iter().sum();
        p[st::REINTEGRATED] = self.reint;
        p[st::RERECRUITED] = self.rerecruited;
        p[st::DROPPED_OUT] = self.x;
        p[st::SELF_REINTEGRATED] = self.selfr;
        p[st::ABSORBED] = self.absorbed;
        p[st::LOST] = self.lost;
        p
    }

    /// Exits of `n` idle people (waiting or dropped out): re-recruitment at
    /// `h_rr` first, then self-reintegration and loss competing. Returns how
    /// many left.
    pub fn idle_exits(&mut self, rng: &mut StreamRng, n: u64, h_rr: f64) -> u64 {
        let (rr, sf, lo) = rr_then_competing(
            rng,
            n,
            Hazard::lazy(h_rr),
            self.hz_idle_exit,
            self.self_share,
        );
        self.rerecruited += rr;
        self.selfr += sf;
        self.lost += lo;
        rr + sf + lo
    }
}

/// Funded places per group decided by this month's allocation.
#[derive(Debug, Clone, Default)]
pub(super) struct Funded {
    pub dd: u64,
    /// Per reinsertion stage.
    pub reinsertion: Vec<u64>,
    pub continuing: u64,
    pub new: u64,
    pub absorption: u64,
}

impl Funded {
    /// No places, for a group with `stages` reinsertion stages.
    pub fn new(stages: usize) -> Self {
        Funded {
            reinsertion: vec![0; stages],
            ..Funded::default()
        }
    }

    /// Back to no places, keeping the buffer.
    pub fn clear(&mut self) {
        self.dd = 0;
        self.reinsertion.fill(0);
        self.continuing = 0;
        self.new = 0;
        self.absorption = 0;
    }
}
