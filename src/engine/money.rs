//! The money of one replicate under one policy (MODEL.md sections 4 and 6):
//! pool balances, the schedule of voluntary tranches, bridge advances, and
//! the rule that takes a component's cost from its eligible pools in order.
//! Everything is in whole cents.

use crate::model::inputs::{earmark_pool, Cents, Inputs};
use crate::model::record::{pool, src, MonthRecord};
use crate::scenario::{Category, Earmark};

/// A tranche of voluntary money scheduled to arrive.
#[derive(Debug, Clone, Copy)]
struct Tranche {
    month: u32,
    pool: usize,
    amount: Cents,
    /// Reintegration-earmarked or pooled: counts toward the bridge's
    /// pledged-but-unreceived base, repays advances, and can be offset.
    bridgeable: bool,
}

/// Money state of a replicate.
#[derive(Debug, Clone)]
pub(super) struct Money {
    /// Pool balances (`record::POOLS` order).
    pub balances: [Cents; 9],
    /// Bridge advances outstanding.
    pub outstanding: Cents,
    /// Cumulative SSR institutional spending (for the security index).
    pub cum_ssr_institutional: Cents,
    tranches: Vec<Tranche>,
    next_tranche: usize,
    /// Nominal amounts of bridgeable pledges and appeals, with their months.
    bridgeable_nominal: Vec<(u32, Cents)>,
    bridgeable_received: Cents,
    /// Money-weighted pledge shift actually applied (months), when the
    /// policy shifts pledges and some pledged money is paid.
    pub shift_applied: Option<f64>,
}

/// The source a pool's spending is reported under.
fn source_of(pool_ix: usize) -> usize {
    match pool_ix {
        pool::KICKSTART => src::KICKSTART,
        pool::ASSESSED => src::ASSESSED,
        pool::NATIONAL => src::NATIONAL,
        _ => src::VOLUNTARY,
    }
}

impl Money {
    /// Empty pools and the tranche schedule of every pledge, with the
    /// policy's pledge shift; tranches after the horizon never arrive.
    pub fn new(inp: &Inputs, pledge_shift: i64) -> Self {
        let horizon = inp.horizon as i64;
        let mut tranches = Vec::new();
        let mut bridgeable_nominal = Vec::new();
        // Shift applied, weighted by the amounts paid after fulfilment.
        let (mut shift_num, mut shift_den) = (0i128, 0i128);
        for pl in &inp.pledges {
            let month = (pl.month as i64 + pledge_shift).clamp(1, horizon) as u32;
            shift_num += pl.paid as i128 * (month as i128 - pl.month as i128);
            shift_den += pl.paid as i128;
            let pool_ix = match pl.earmark {
                Earmark::Pooled => pool::POOLED,
                Earmark::To(c) => earmark_pool(c),
            };
            let bridgeable = matches!(
                pl.earmark,
                Earmark::Pooled | Earmark::To(Category::Reintegration)
            );
            if bridgeable {
                bridgeable_nominal.push((month, pl.amount));
            }
            let n = pl.tranches as i64;
            let each = pl.paid / n;
            for i in 0..n {
                let arrive = month as i64 + pl.delay as i64 + i * pl.interval as i64;
                if arrive > horizon {
                    continue;
                }
                let amount = if i == n - 1 {
                    pl.paid - each * (n - 1)
                } else {
                    each
                };
                tranches.push(Tranche {
                    month: arrive as u32,
                    pool: pool_ix,
                    amount,
                    bridgeable,
                });
            }
        }
        tranches.sort_by_key(|t| t.month); // stable: pledge order within a month
        bridgeable_nominal.sort_by_key(|p| p.0);
        Money {
            balances: [0; 9],
            outstanding: 0,
            cum_ssr_institutional: 0,
            tranches,
            next_tranche: 0,
            bridgeable_nominal,
            bridgeable_received: 0,
            shift_applied: (pledge_shift != 0 && shift_den > 0)
                .then(|| shift_num as f64 / shift_den as f64),
        }
    }

    /// Adds `cash` to a pool and records it as received from `source`.
    pub fn receive(&mut self, pool_ix: usize, source: usize, cash: Cents, rec: &mut MonthRecord) {
        self.balances[pool_ix] += cash;
        rec.received[source] += cash;
    }

    /// Moves a pool's whole balance to `lapsed`.
    pub fn lapse(&mut self, pool_ix: usize, rec: &mut MonthRecord) {
        rec.lapsed += self.balances[pool_ix];
        self.balances[pool_ix] = 0;
    }

    /// The tranches due in month `t` arrive; bridgeable cash repays
    /// outstanding advances first.
    pub fn receive_tranches(&mut self, t: u32, rec: &mut MonthRecord) {
        while let Some(tr) = self
            .tranches
            .get(self.next_tranche)
            .copied()
            .filter(|tr| tr.month == t)
        {
            self.next_tranche += 1;
            rec.received[src::VOLUNTARY] += tr.amount;
            let mut amount = tr.amount;
            if tr.bridgeable {
                self.bridgeable_received += tr.amount;
                let repay = amount.min(self.outstanding);
                self.outstanding -= repay;
                rec.bridge_repaid += repay;
                amount -= repay;
            }
            self.balances[tr.pool] += amount;
        }
    }

    /// Bridge headroom in month `t`: `min(cap, P) - outstanding`, where `P`
    /// is the nominal bridgeable money pledged by `t` not yet received.
    pub fn bridge_headroom(&self, cap: Cents, t: u32) -> Cents {
        let nominal: Cents = self
            .bridgeable_nominal
            .iter()
            .filter(|p| p.0 <= t) // appeals are appended after later pledges: no order
            .map(|p| p.1)
            .sum();
        let pledged_unreceived = (nominal - self.bridgeable_received).max(0);
        (cap.min(pledged_unreceived) - self.outstanding).max(0)
    }

    /// Takes `cost` for component `ci` from the pools in `order`, then from
    /// the bridge (the caller guarantees the headroom). Returns what each
    /// pool paid.
    pub fn pay(
        &mut self,
        order: &[Option<usize>],
        cost: Cents,
        ci: usize,
        rec: &mut MonthRecord,
    ) -> [Cents; 9] {
        let mut taken = [0; 9];
        let mut due = cost;
        for &p in order.iter().flatten() {
            let take = due.min(self.balances[p]);
            self.balances[p] -= take;
            due -= take;
            taken[p] += take;
            rec.spent[ci][source_of(p)] += take;
        }
        if due > 0 {
            self.outstanding += due;
            rec.received[src::BRIDGE] += due;
            rec.spent[ci][src::BRIDGE] += due;
        }
        taken
    }

    /// `offset_voluntary`: deducts `amount` from the earliest bridgeable
    /// tranches that have not yet arrived (never below 0). Only tranches due
    /// by the horizon are scheduled, so only those are deducted. What cannot
    /// be deducted is recorded as the offset shortfall; each deducted cent
    /// records how many months earlier the kick-start paid it.
    pub fn offset_future(&mut self, t: u32, amount: Cents, rec: &mut MonthRecord) {
        let mut left = amount;
        for tr in self.tranches[self.next_tranche..].iter_mut() {
            if left == 0 {
                break;
            }
            if tr.bridgeable && tr.month > t {
                let cut = left.min(tr.amount);
                tr.amount -= cut;
                left -= cut;
                rec.offset += cut;
                rec.offset_advance += cut as i128 * (tr.month - t) as i128;
            }
        }
        rec.offset_shortfall += left;
    }

    /// Records an appeal made in month `t` for `amount`, arriving in month
    /// `arrive` (if within the horizon) as reintegration-earmarked cash.
    pub fn add_appeal(&mut self, t: u32, arrive: u32, amount: Cents, horizon: usize) {
        self.bridgeable_nominal.push((t, amount));
        if arrive as usize <= horizon && amount > 0 {
            let pos = self.tranches[self.next_tranche..]
                .iter()
                .position(|tr| tr.month > arrive)
                .map_or(self.tranches.len(), |p| p + self.next_tranche);
            let tranche = Tranche {
                month: arrive,
                pool: earmark_pool(Category::Reintegration),
                amount,
                bridgeable: true,
            };
            self.tranches.insert(pos, tranche);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(nominal: Vec<(u32, Cents)>) -> Money {
        Money {
            balances: [0; 9],
            outstanding: 0,
            cum_ssr_institutional: 0,
            tranches: Vec::new(),
            next_tranche: 0,
            bridgeable_nominal: nominal,
            bridgeable_received: 0,
            shift_applied: None,
        }
    }

    /// Regression: an appeal made in month 10 after a pledge for month 30
    /// must count toward the bridge's base from month 10 on.
    #[test]
    fn bridge_headroom_counts_an_appeal_made_before_a_later_pledge() {
        let mut m = money(vec![(5, 1_000), (30, 5_000)]);
        assert_eq!(m.bridge_headroom(1_000_000, 12), 1_000);
        m.add_appeal(10, 20, 2_000, 40);
        assert_eq!(m.bridge_headroom(1_000_000, 12), 3_000);
        assert_eq!(m.bridge_headroom(2_500, 12), 2_500);
        assert_eq!(m.bridge_headroom(1_000_000, 30), 8_000);
    }
}
