//! Step 5 of the month: the transitions that depend on money, end of the
//! pipeline first (courses, new starts, reinsertion, D&D, admissions).

use super::{keyed_binomial, Run};
use crate::engine::draw::{prob, rr_then_competing, Hazard};
use crate::model::record::MonthRecord;
use crate::scenario::Admission;

impl Run<'_> {
    /// Step 5: transitions that depend on money, end of the pipeline first,
    /// with the places in `self.funded`. Returns the unpaid people still in
    /// reinsertion (idle, step 7).
    pub(super) fn transitions(&mut self, t: u32, rec: &mut MonthRecord) -> u64 {
        let streams = self.streams;
        let admission = self.pol.admission;
        let insecurity = 1.0 - self.s_prev;
        let mut unpaid_idle = 0;
        let groups = self.groups.iter_mut().zip(&self.inp.groups);
        for (gi, ((g, gp), keys)) in groups.zip(&self.keys).enumerate() {
            let f = &self.funded[gi];
            let tally = &mut self.tallies[gi];
            // 5.1 Courses.
            let d = gp.reint_months;
            let p_rr = g.hz_rr_programme.prob();
            g.r_next.fill(0);
            g.unpaid_course_months = 0;
            let mut funded_left = match admission {
                Admission::FullCourse => u64::MAX,
                Admission::FirstMonth => f.continuing,
            };
            for j in (0..d).rev() {
                let n = g.r[j];
                if n == 0 {
                    continue;
                }
                if j == d - 1 {
                    let rr = keyed_binomial(streams, keys.course[2 * j], t, n, p_rr);
                    g.rerecruited += rr;
                    g.reint += n - rr;
                    tally.completed += n - rr;
                    continue;
                }
                let paid = n.min(funded_left);
                funded_left -= paid;
                let unpaid = n - paid;
                tally.interrupted_months += unpaid;
                // Re-recruitment first, then drop-out, for the paid and the unpaid.
                let (hz_rr, hz_drop, hz_drop_int) =
                    (g.hz_rr_programme, g.hz_drop, g.hz_drop_interrupted);
                let exits = |sub: usize, n: u64, drop: Hazard| -> (u64, u64) {
                    if n == 0 {
                        return (0, 0);
                    }
                    let mut rng = streams.at(keys.course[sub], t);
                    // Drop-out is the only exit after re-recruitment: its
                    // share `exit_share(drop.h, drop.h)` is exactly 1 (and
                    // unused when `drop.h <= 0`).
                    let (rr, drop, _) = rr_then_competing(&mut rng, n, hz_rr, drop, 1.0);
                    (rr, drop)
                };
                let (rr_p, drop_p) = exits(2 * j, paid, hz_drop);
                let (rr_u, drop_u) = exits(2 * j + 1, unpaid, hz_drop_int);
                g.rerecruited += rr_p + rr_u;
                g.x += drop_p + drop_u;
                tally.dropouts += drop_p + drop_u;
                g.r_next[j + 1] += paid - rr_p - drop_p;
                g.r_next[j] += unpaid - rr_u - drop_u;
                // Stage j (0-based) has j + 1 months done: d - j - 1 remain.
                g.unpaid_course_months += (unpaid - rr_u - drop_u) * (d - j - 1) as u64;
            }
            // 5.2 New starts: longest-waiting first; the rest wait one more month.
            let mut starts = f.new;
            for k in (0..g.w_len).rev() {
                if starts == 0 {
                    break;
                }
                let take = g.w[k].min(starts);
                g.w[k] -= take;
                g.w_total -= take;
                starts -= take;
                tally.wait_hist[k] += take;
                g.r_next[0] += take;
            }
            std::mem::swap(&mut g.r, &mut g.r_next);
            // The longest-waiting bins the starts emptied need no more
            // visits (they draw nothing): drop them from the live range.
            while g.w_len > 0 && g.w[g.w_len - 1] == 0 {
                g.w_len -= 1;
            }
            let top = (g.w_len + 1).min(g.w.len());
            g.w.copy_within(0..top - 1, 1);
            g.w[0] = 0;
            g.w_len = top;
            // 5.3 Reinsertion: unpaid people face the waiting hazard times
            // m_unpaid (its probability computed only when someone is unpaid).
            let r = gp.payments.len();
            let mut p_unpaid = None;
            let mut to_wait = 0;
            for j in (0..r).rev() {
                let n = std::mem::take(&mut g.s[j]);
                if n == 0 {
                    continue;
                }
                let paid = if gp.payments[j] > 0 {
                    f.reinsertion[j].min(n)
                } else {
                    n
                };
                let unpaid = n - paid;
                rec.unpaid_reinsertion += unpaid;
                let rr_p = keyed_binomial(streams, keys.reinsertion[2 * j], t, paid, p_rr);
                let rr_u = if unpaid == 0 {
                    0
                } else {
                    let p = *p_unpaid.get_or_insert_with(|| {
                        prob(gp.h_rr0 * (1.0 + gp.beta_sec * insecurity) * gp.m_unpaid)
                    });
                    keyed_binomial(streams, keys.reinsertion[2 * j + 1], t, unpaid, p)
                };
                g.rerecruited += rr_p + rr_u;
                let survivors = n - rr_p - rr_u;
                if j + 1 < r {
                    g.s[j + 1] += survivors;
                    unpaid_idle += unpaid - rr_u;
                } else {
                    to_wait += survivors;
                }
            }
            g.w[0] += to_wait;
            g.w_total += to_wait;
            if to_wait > 0 && g.w_len == 0 {
                g.w_len = 1;
            }
            // 5.4 D&D completes: funded absorption places, the rest to reinsertion.
            let dd = gp.dd_months;
            let done = g.d[dd - 1];
            let absorbed = f.absorption.min(done);
            g.absorbed += absorbed;
            g.s[0] += done - absorbed;
            g.d.copy_within(0..dd - 1, 1);
            g.d[0] = 0;
            // 5.5 Admissions; presenting but not admitted are turned away.
            let admitted = f.dd.min(g.a);
            g.a -= admitted;
            g.d[0] += admitted;
            tally.disarmed += admitted;
            tally.turned_away += self.presenting[gi] - admitted;
        }
        unpaid_idle
    }
}
