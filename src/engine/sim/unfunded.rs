//! Step 2 of the month: the draws that do not depend on money (relapse,
//! exits from waiting and drop-out, absorption candidates, presenting).

use super::{keyed_binomial, Run};

impl Run<'_> {
    /// Step 2: relapse, exits from waiting and drop-out, absorption
    /// candidates and presenting (into `self.candidates`, `self.presenting`).
    pub(super) fn draw_unfunded(&mut self, t: u32) {
        let streams = self.streams;
        let insecurity = 1.0 - self.s_prev;
        let groups = self.groups.iter_mut().zip(&self.inp.groups);
        for (gi, ((g, gp), keys)) in groups.zip(&mut self.keys).enumerate() {
            let r1 = keyed_binomial(streams, keys.relapse[0], t, g.reint, g.p_relapse);
            let r2 = keyed_binomial(streams, keys.relapse[1], t, g.selfr, g.p_relapse_self);
            g.reint -= r1;
            g.selfr -= r2;
            g.rerecruited += r1 + r2;

            let sec = 1.0 + gp.beta_sec * insecurity;
            let h_rr = |k: usize| gp.h_rr0 * (1.0 + gp.beta_wait * k.min(gp.wait_cap) as f64) * sec;
            keys.reach_waiting(streams, g.w_len);
            for k in 0..g.w_len {
                let n = g.w[k];
                if n > 0 {
                    let mut rng = streams.at(keys.waiting[k], t);
                    let left = g.idle_exits(&mut rng, n, h_rr(k));
                    g.w[k] -= left;
                    g.w_total -= left;
                }
            }
            if g.x > 0 {
                let mut rng = streams.at(keys.dropped_out, t);
                let x = g.x;
                g.x -= g.idle_exits(&mut rng, x, h_rr(gp.wait_cap));
            }
            let last_dd = g.d[gp.dd_months - 1];
            self.candidates[gi] =
                keyed_binomial(streams, keys.absorption, t, last_dd, gp.absorb_share);
            self.presenting[gi] =
                keyed_binomial(streams, keys.presenting, t, g.a, gp.turnout[t as usize]);
        }
    }
}
