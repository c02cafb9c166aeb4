//! Demand lines and their funding (MODEL.md section 5 steps 3-4): a
//! component's lines share its budget `B = min(available, demand)` in
//! proportion to their demand, in whole places (or whole cents for a lump).

use crate::model::inputs::Cents;

/// A demand line: a group's places at a unit cost, or a lump (`group = None`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    /// Group index, or `None` for a lump line.
    pub group: Option<usize>,
    /// Reinsertion stage for reinsertion lines.
    pub stage: usize,
    /// Places demanded (1 for a lump).
    pub places: u64,
    /// Cost per place in cents (the whole lump for a lump line).
    pub unit: Cents,
}

impl Line {
    /// A place line of group `group`.
    pub fn places(group: usize, stage: usize, places: u64, unit: Cents) -> Self {
        Line {
            group: Some(group),
            stage,
            places,
            unit,
        }
    }

    /// A lump line of `cents`.
    pub fn lump(cents: Cents) -> Self {
        Line {
            group: None,
            stage: 0,
            places: 1,
            unit: cents,
        }
    }

    fn demand(&self) -> i128 {
        self.places as i128 * self.unit as i128
    }
}

/// Total demand of a set of lines, in cents.
pub(super) fn demand(lines: &[Line]) -> i128 {
    lines.iter().map(Line::demand).sum()
}

/// Funds `lines`, whose total demand is `demand` (from [`demand`]), from
/// `available` cents: returns the cost actually spent and writes the funded
/// places of each place line (0 for lump lines) into `funded` (cleared
/// first; a buffer the caller reuses month after month).
pub(super) fn fund(lines: &[Line], demand: i128, available: i128, funded: &mut Vec<u64>) -> Cents {
    debug_assert_eq!(demand, self::demand(lines));
    let budget = available.min(demand);
    let mut cost: i128 = 0;
    funded.clear();
    if demand <= 0 {
        funded.resize(lines.len(), 0);
        return 0;
    }
    if budget == 0 {
        // No money: the shares below are 0 but for free places.
        let free = |l: &Line| {
            if l.group.is_some() && l.unit == 0 {
                l.places
            } else {
                0
            }
        };
        funded.extend(lines.iter().map(free));
        return 0;
    }
    if budget == demand {
        // Fully funded: every place line gets its places and every lump its
        // cost, exactly what the shares below give (no division needed).
        funded.extend(
            lines
                .iter()
                .map(|l| if l.group.is_some() { l.places } else { 0 }),
        );
        return demand as Cents;
    }
    funded.resize(lines.len(), 0);
    for (l, f) in lines.iter().zip(funded.iter_mut()) {
        if l.group.is_none() {
            cost += budget * l.demand() / demand;
            continue;
        }
        *f = if l.unit == 0 {
            l.places
        } else {
            (budget * l.demand() / (demand * l.unit as i128)) as u64
        };
        cost += *f as i128 * l.unit as i128;
    }
    cost as Cents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_shared_in_proportion_and_never_exceed_the_budget() {
        let lines = [Line::places(0, 0, 10, 300), Line::places(1, 0, 30, 100)];
        // Demand 6,000 cents; a budget of 3,000 funds half of each line's demand.
        let mut funded = vec![7; 5];
        let cost = fund(&lines, demand(&lines), 3_000, &mut funded);
        assert_eq!(funded, vec![5, 15]);
        assert_eq!(cost, 3_000);
        let cost = fund(&lines, demand(&lines), 1_000_000, &mut funded);
        assert_eq!((cost, &funded[..]), (6_000, &[10, 30][..]));
        let cost = fund(&[Line::lump(999)], 999, 500, &mut funded);
        assert_eq!((cost, &funded[..]), (500, &[0][..]));
    }

    /// The shares of MODEL.md section 5 step 4 for every line, without the
    /// shortcuts `fund` takes for no money and for full funding.
    fn by_shares(lines: &[Line], available: i128) -> (Cents, Vec<u64>) {
        let demand = demand(lines);
        if demand <= 0 {
            return (0, vec![0; lines.len()]);
        }
        let budget = available.min(demand);
        let mut cost = 0;
        let funded = lines
            .iter()
            .map(|l| match l.group {
                None => {
                    cost += budget * l.demand() / demand;
                    0
                }
                Some(_) => {
                    let f = if l.unit == 0 {
                        l.places
                    } else {
                        (budget * l.demand() / (demand * l.unit as i128)) as u64
                    };
                    cost += f as i128 * l.unit as i128;
                    f
                }
            })
            .collect();
        (cost as Cents, funded)
    }

    proptest::proptest! {
        /// The shortcuts give exactly the shares, at no money, full funding
        /// and in between, free places included.
        #[test]
        fn shortcuts_give_the_shares(
            spec in proptest::collection::vec((0u64..2_000, proptest::prop_oneof![proptest::strategy::Just(0i64), 1i64..50_000], proptest::bool::ANY), 0..6),
            pick in 0usize..4,
            partial in 0i128..2_000_000_000,
        ) {
            let lines: Vec<Line> = spec
                .iter()
                .enumerate()
                .map(|(i, &(places, unit, lump))| if lump { Line::lump(unit) } else { Line::places(i, 0, places, unit) })
                .collect();
            let d = demand(&lines);
            let available = [0, d, d + 1 + partial, partial.min(d)][pick];
            let mut funded = vec![9; 3];
            let cost = fund(&lines, d, available, &mut funded);
            proptest::prop_assert_eq!((cost, funded), by_shares(&lines, available));
        }
    }
}
