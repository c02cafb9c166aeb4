//! Steps 3 and 4 of the month: the demand lines of each component and their
//! funding from the component's eligible pools, in priority order.

use super::{admission_cost, Run};
use crate::engine::allocate::{self, Line};
use crate::model::inputs::{earmark_pool, Cents};
use crate::model::record::{pool, MonthRecord};
use crate::scenario::{Admission, Category, Component, KickstartMode};

impl Run<'_> {
    /// Step 3: writes the demand lines of one component into `lines`
    /// (cleared first).
    fn lines(&self, comp: Component, t: u32, lines: &mut Vec<Line>) {
        lines.clear();
        let tu = t as usize;
        let admission = self.pol.admission;
        let groups = self.groups.iter().zip(&self.inp.groups).enumerate();
        match comp {
            Component::Overhead => lines.push(Line::lump(self.inp.overhead)),
            Component::SsrInstitutional => lines.push(Line::lump(self.inp.ssr_requirement)),
            Component::Dd => lines.extend(groups.map(|(gi, (_, gp))| {
                Line::places(
                    gi,
                    0,
                    self.presenting[gi].min(gp.site_capacity[tu]),
                    gp.dd_cost,
                )
            })),
            Component::Reinsertion => {
                for (gi, (g, gp)) in groups {
                    for (j, &pay) in gp.payments.iter().enumerate() {
                        if pay > 0 && g.s[j] > 0 {
                            lines.push(Line::places(gi, j, g.s[j], pay));
                        }
                    }
                }
            }
            Component::ReintegrationContinuing if admission == Admission::FirstMonth => lines
                .extend(groups.map(|(gi, (g, gp))| {
                    Line::places(
                        gi,
                        0,
                        g.r[..gp.reint_months - 1].iter().sum(),
                        gp.reint_monthly,
                    )
                })),
            Component::ReintegrationContinuing => {}
            Component::ReintegrationNew => lines.extend(groups.map(|(gi, (g, gp))| {
                Line::places(
                    gi,
                    0,
                    g.waiting().min(gp.intake_capacity[tu]),
                    admission_cost(gp, admission),
                )
            })),
            Component::SsrAbsorption => lines.extend(groups.map(|(gi, (_, gp))| {
                Line::places(
                    gi,
                    0,
                    self.candidates[gi].min(gp.absorb_capacity[tu]),
                    gp.absorb_cost,
                )
            })),
        }
    }

    /// Step 4: components in priority order, each funded from its eligible
    /// pools; then the kick-start's lapse and offset. The funded places go
    /// to `self.funded`.
    pub(super) fn allocate(&mut self, t: u32, rec: &mut MonthRecord) {
        // Scratch buffers are taken out of `self` while `self` is read, and
        // put back at the end: no allocation after the first month.
        let mut lines = std::mem::take(&mut self.lines);
        let mut places = std::mem::take(&mut self.places);
        let mut funded = std::mem::take(&mut self.funded);
        funded.iter_mut().for_each(|f| f.clear());
        let kick_added = self.kick_added();
        let reallocating = self.in_window(t)
            && self
                .kick()
                .is_some_and(|k| k.mode == KickstartMode::Reallocated);
        let mut kick_paid: Cents = 0;
        for &comp in &self.pol.priority {
            self.lines(comp, t, &mut lines);
            let ci = comp as usize;
            let cat = comp.category();
            let demand = allocate::demand(&lines);
            rec.demand[ci] = demand as Cents;
            if demand <= 0 {
                // No demand: no places, nothing paid (what the steps below
                // give, without them).
                continue;
            }
            // Eligible pools, in the order money is taken.
            let reint = cat == Category::Reintegration;
            let reallocated = reint && reallocating;
            let order = [
                (reint && kick_added).then_some(pool::KICKSTART),
                (self.inp.assessed_eligible.contains(cat) || reallocated).then_some(pool::ASSESSED),
                Some(earmark_pool(cat)),
                self.inp
                    .national_eligible
                    .contains(cat)
                    .then_some(pool::NATIONAL),
                Some(pool::POOLED),
            ];
            let headroom = match self.bridge_cap {
                Some(cap) if reint => self.money.bridge_headroom(cap, t),
                _ => 0,
            };
            let available: i128 = order
                .iter()
                .flatten()
                .map(|&p| self.money.balances[p] as i128)
                .sum::<i128>()
                + headroom as i128;
            let cost = allocate::fund(&lines, demand, available, &mut places);
            for (l, &n) in lines.iter().zip(&places) {
                let Some(gi) = l.group else { continue };
                let f = &mut funded[gi];
                match comp {
                    Component::Dd => f.dd = n,
                    Component::Reinsertion => f.reinsertion[l.stage] = n,
                    Component::ReintegrationContinuing => f.continuing = n,
                    Component::ReintegrationNew => f.new = n,
                    Component::SsrAbsorption => f.absorption = n,
                    Component::Overhead | Component::SsrInstitutional => {}
                }
            }
            let taken = self.money.pay(&order, cost, ci, rec);
            kick_paid += taken[pool::KICKSTART];
            if reallocated && !kick_added {
                kick_paid += taken[pool::ASSESSED];
            }
            if comp == Component::SsrInstitutional {
                self.money.cum_ssr_institutional += cost;
            }
        }
        if let Some(k) = self.kick() {
            // Kick-start window end: unspent kick-start money lapses.
            if kick_added && t == k.start + k.months - 1 {
                self.money.lapse(pool::KICKSTART, rec);
            }
            if k.offset_voluntary && kick_paid > 0 {
                self.money.offset_future(t, kick_paid, rec);
            }
        }
        self.lines = lines;
        self.places = places;
        self.funded = funded;
    }
}
