//! PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), as
//! used for scenario discovery (Bryant and Lempert 2010): find a box (one
//! interval per factor) of the input space where the cases of interest are
//! concentrated.
//!
//! - **Peeling.** Starting from the box holding every case, each step
//!   considers, for every factor, removing the `peel_alpha` share of the
//!   box's points with the lowest values or with the highest values, and
//!   keeps the removal that leaves the highest density (ties: the larger
//!   box, then the fewer restricted factors, then the first factor, low
//!   side first). Peeling stops when no removal raises the density or the
//!   next box would hold less than `min_mass` of the points (the stopping
//!   rule of the EMA Workbench).
//! - **Selection** ([`Selection`]). By default the *knee* of the peeling
//!   trajectory: the box farthest from the straight line joining the first
//!   box (every point) and the last box in the (coverage, density) plane,
//!   where both are shares in `[0, 1]` (the largest such box if several).
//!   Alternatively the EMA Workbench's density threshold: the box of
//!   highest coverage among those whose density reaches a given value.
//! - **Pasting.** The chosen box is then widened: each step considers, for
//!   every restricted factor and side, adding back the `paste_alpha` share
//!   (of the box's size) of the nearest points outside the box on that
//!   side only, and keeps the addition giving the highest density, while
//!   it raises the density.
//! - **Pruning** (Bryant and Lempert 2010 keep only restrictions that are
//!   statistically significant): while the pasted box has a restriction
//!   whose quasi-p value (below) exceeds `prune_p` (default 0.05), the
//!   restriction with the largest one is dropped. The result is the chosen
//!   box.
//! - **Stability.** PRIM (peeling, selection, pasting) is run again on
//!   bootstrap resamples of the cases, seeded, with every step above, and each resampled box is
//!   evaluated on the full data: how often each factor is restricted, how
//!   often the same factors are restricted as in the chosen box, and the
//!   mean coverage, density and mass of the resampled boxes.
//! - **Quasi-p values** (Bryant and Lempert 2010): for each restricted
//!   factor of the chosen box, the probability that a box without that
//!   restriction, at its own density, would put at least as many cases in
//!   as many points as the chosen box (a one-sided binomial tail).
//!
//! Box limits are inclusive; a box's limits on a factor it does not
//! restrict are the smallest and largest value of that factor in the data.
//! Peel and paste limits are placed half-way between the last point kept
//! and the first point removed, as in the EMA Workbench. Pure computation:
//! no I/O, deterministic for given inputs and seed.

use crate::stats::random::below;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{Binomial, DiscreteCDF};

/// How the box is chosen on the peeling trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// The knee of the coverage-density trade-off: the box farthest from
    /// the line joining the first and the last box.
    Knee,
    /// The box of highest coverage among those whose density is at least
    /// this share; if no box reaches it, the box of highest density.
    MinDensity(f64),
}

/// Options of [`prim`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimOptions {
    /// Share of the box's points removed by one peel (0 < alpha < 1).
    pub peel_alpha: f64,
    /// Share of the box's points added by one paste (0 < alpha < 1).
    pub paste_alpha: f64,
    /// Smallest share of all points a box may hold.
    pub min_mass: f64,
    /// How the box is chosen on the trajectory.
    pub selection: Selection,
    /// Restrictions of the pasted box whose quasi-p value is above this
    /// are dropped, the least significant first (1 or more: none dropped).
    pub prune_p: f64,
    /// Bootstrap resamples of the stability check (0: none).
    pub resamples: usize,
    /// Seed of the resamples.
    pub seed: u64,
}

impl Default for PrimOptions {
    fn default() -> Self {
        PrimOptions {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            min_mass: 0.05,
            selection: Selection::Knee,
            prune_p: 0.05,
            resamples: 50,
            seed: 0,
        }
    }
}

/// One box and how it fits the data.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBox {
    /// Inclusive `(lower, upper)` limits, one per factor.
    pub limits: Vec<(f64, f64)>,
    /// Points inside the box.
    pub points: usize,
    /// Cases of interest inside the box.
    pub cases: usize,
    /// Share of all cases of interest that are inside the box.
    pub coverage: f64,
    /// Share of the box's points that are cases of interest.
    pub density: f64,
    /// Share of all points inside the box.
    pub mass: f64,
    /// Whether each factor is restricted (a limit inside the data's range).
    pub restricted: Vec<bool>,
    /// Per factor: whether its lower and its upper limit are restricted.
    pub sides: Vec<(bool, bool)>,
}

impl PrimBox {
    /// Number of restricted factors.
    pub fn restricted_dims(&self) -> usize {
        self.restricted.iter().filter(|&&r| r).count()
    }

    /// Whether a row lies inside the box.
    pub fn contains(&self, row: &[f64]) -> bool {
        self.limits
            .iter()
            .zip(row)
            .all(|(&(lo, hi), &v)| v >= lo && v <= hi)
    }
}

/// The stability of the chosen box over bootstrap resamples.
#[derive(Debug, Clone, PartialEq)]
pub struct Stability {
    /// Resamples run.
    pub resamples: usize,
    /// Per factor: share of resampled boxes restricting it.
    pub restricted_share: Vec<f64>,
    /// Share of resampled boxes restricting exactly the chosen box's factors.
    pub same_factors: f64,
    /// Mean coverage of the resampled boxes on the full data.
    pub coverage: f64,
    /// Mean density of the resampled boxes on the full data.
    pub density: f64,
    /// Mean mass of the resampled boxes on the full data.
    pub mass: f64,
}

/// What [`prim`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimResult {
    /// The box of every point (the data's range on every factor).
    pub init: Vec<(f64, f64)>,
    /// The peeling trajectory, starting with the box of every point.
    pub trajectory: Vec<PrimBox>,
    /// Index into `trajectory` of the box chosen by the selection rule.
    pub selected: usize,
    /// The selected box after pasting.
    pub pasted: PrimBox,
    /// The pasted box without its non-significant restrictions (the answer).
    pub chosen: PrimBox,
    /// Per factor: the quasi-p value of the chosen box's restriction
    /// (`None` for a factor it does not restrict).
    pub quasi_p: Vec<Option<f64>>,
    /// Number of points.
    pub points: usize,
    /// Number of cases of interest.
    pub cases: usize,
    /// The resampling check (`None` with no resamples).
    pub stability: Option<Stability>,
}

/// Why PRIM cannot run on some data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrimError {
    /// No rows, or rows and labels of different lengths, or rows of different widths.
    #[error("PRIM needs one label per row and rows of equal width ({0})")]
    Shape(String),
    /// A value that is not a finite number.
    #[error("PRIM needs finite values: row {row}, factor {factor} is {value}")]
    NotFinite {
        /// Row index.
        row: usize,
        /// Factor index.
        factor: usize,
        /// The value.
        value: f64,
    },
    /// No case of interest, or every point is one.
    #[error("PRIM needs both kinds of points: {cases} of {points} are cases of interest")]
    OneClass {
        /// Cases of interest.
        cases: usize,
        /// Points.
        points: usize,
    },
    /// An option outside its range.
    #[error("PRIM option {0}")]
    Option(String),
}

/// Runs PRIM on rows `x` (one per point, one column per factor) labelled
/// `y` (true: a case of interest).
pub fn prim(x: &[Vec<f64>], y: &[bool], opts: &PrimOptions) -> Result<PrimResult, PrimError> {
    check(x, y, opts)?;
    let all: Vec<usize> = (0..x.len()).collect();
    let init = data_range(x, &all);
    let data = Data { x, y, init: &init };
    let cases = y.iter().filter(|&&c| c).count();
    let run = data.find(&all, opts);
    let quasi_p = data.quasi_p(&run.chosen, &all);
    let chosen = data.evaluate(&run.chosen, &all);
    let pasted = data.evaluate(&run.pasted, &all);
    let trajectory = run
        .trajectory
        .iter()
        .map(|b| data.evaluate(b, &all))
        .collect();
    let stability = (opts.resamples > 0).then(|| data.stability(&chosen, opts));
    Ok(PrimResult {
        init: init.clone(),
        trajectory,
        selected: run.selected,
        pasted,
        chosen,
        quasi_p,
        points: x.len(),
        cases,
        stability,
    })
}

/// Plain words for a box: the restricted factors' conditions joined by
/// "and" (`"pledge.mdtf.delay > 9 and 0.2 < shared.x < 0.4"`), or
/// `"any values"` when nothing is restricted. `format` writes factor `j`'s
/// value (with its unit).
pub fn describe(b: &PrimBox, names: &[String], format: &dyn Fn(usize, f64) -> String) -> String {
    let parts: Vec<String> = b
        .restricted
        .iter()
        .enumerate()
        .filter(|(_, &r)| r)
        .filter_map(|(j, _)| {
            let name = names.get(j)?;
            let &(lo, hi) = b.limits.get(j)?;
            let &(low, high) = b.sides.get(j)?;
            Some(condition(name, lo, hi, low, high, |v| format(j, v)))
        })
        .collect();
    if parts.is_empty() {
        "any values".to_string()
    } else {
        parts.join(" and ")
    }
}

fn condition(
    name: &str,
    lo: f64,
    hi: f64,
    low: bool,
    high: bool,
    f: impl Fn(f64) -> String,
) -> String {
    match (low, high) {
        (true, true) => format!("{} < {name} < {}", f(lo), f(hi)),
        (true, false) => format!("{name} > {}", f(lo)),
        (false, true) => format!("{name} < {}", f(hi)),
        (false, false) => name.to_string(),
    }
}

fn check(x: &[Vec<f64>], y: &[bool], opts: &PrimOptions) -> Result<(), PrimError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(PrimError::Shape(format!(
            "{} rows, {} labels",
            x.len(),
            y.len()
        )));
    }
    let k = x.first().map_or(0, Vec::len);
    if k == 0 || x.iter().any(|r| r.len() != k) {
        return Err(PrimError::Shape(format!(
            "rows must have the same number (at least 1) of factors; the first has {k}"
        )));
    }
    for (row, r) in x.iter().enumerate() {
        if let Some((factor, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(PrimError::NotFinite { row, factor, value });
        }
    }
    let cases = y.iter().filter(|&&c| c).count();
    if cases == 0 || cases == y.len() {
        return Err(PrimError::OneClass {
            cases,
            points: y.len(),
        });
    }
    let share = |name: &str, v: f64| {
        if v > 0.0 && v < 1.0 {
            Ok(())
        } else {
            Err(PrimError::Option(format!(
                "{name} must be in (0, 1), not {v}"
            )))
        }
    };
    share("peel_alpha", opts.peel_alpha)?;
    share("paste_alpha", opts.paste_alpha)?;
    share("min_mass", opts.min_mass)?;
    if let Selection::MinDensity(d) = opts.selection {
        if !(0.0..=1.0).contains(&d) {
            return Err(PrimError::Option(format!(
                "the minimum density must be in [0, 1], not {d}"
            )));
        }
    }
    Ok(())
}

/// Smallest and largest value of each factor over the given rows.
fn data_range(x: &[Vec<f64>], rows: &[usize]) -> Vec<(f64, f64)> {
    let k = x.first().map_or(0, Vec::len);
    (0..k)
        .map(|j| {
            rows.iter()
                .filter_map(|&i| x.get(i).and_then(|r| r.get(j)))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect()
}

/// A bare box during the search: limits only.
#[derive(Debug, Clone, PartialEq)]
struct Limits(Vec<(f64, f64)>);

/// One search: the trajectory, the selected index and the pasted box.
struct Run {
    trajectory: Vec<Limits>,
    selected: usize,
    pasted: Limits,
    chosen: Limits,
}

/// The data and the full range of each factor.
struct Data<'a> {
    x: &'a [Vec<f64>],
    y: &'a [bool],
    init: &'a [(f64, f64)],
}

/// Counts of a box on some rows.
#[derive(Debug, Clone, Copy)]
struct Counts {
    points: usize,
    cases: usize,
}

impl Counts {
    fn density(self) -> f64 {
        if self.points == 0 {
            0.0
        } else {
            self.cases as f64 / self.points as f64
        }
    }
}

impl Data<'_> {
    fn row(&self, i: usize) -> &[f64] {
        self.x.get(i).map_or(&[], Vec::as_slice)
    }

    fn label(&self, i: usize) -> bool {
        self.y.get(i).copied().unwrap_or(false)
    }

    fn k(&self) -> usize {
        self.init.len()
    }

    fn inside(&self, b: &Limits, i: usize) -> bool {
        b.0.iter()
            .zip(self.row(i))
            .all(|(&(lo, hi), &v)| v >= lo && v <= hi)
    }

    fn counts(&self, rows: impl Iterator<Item = usize>) -> Counts {
        let mut c = Counts {
            points: 0,
            cases: 0,
        };
        for i in rows {
            c.points += 1;
            if self.label(i) {
                c.cases += 1;
            }
        }
        c
    }

    fn restricted(&self, b: &Limits) -> Vec<(bool, bool)> {
        b.0.iter()
            .zip(self.init)
            .map(|(&(lo, hi), &(a, z))| (lo > a, hi < z))
            .collect()
    }

    fn n_restricted(&self, b: &Limits) -> usize {
        self.restricted(b).iter().filter(|(l, h)| *l || *h).count()
    }

    /// The box's statistics on `rows` (the denominator of coverage and mass).
    fn evaluate(&self, b: &Limits, rows: &[usize]) -> PrimBox {
        let total = self.counts(rows.iter().copied());
        let inside = self.counts(rows.iter().copied().filter(|&i| self.inside(b, i)));
        let sides = self.restricted(b);
        PrimBox {
            limits: b.0.clone(),
            points: inside.points,
            cases: inside.cases,
            coverage: ratio(inside.cases, total.cases),
            density: inside.density(),
            mass: ratio(inside.points, total.points),
            restricted: sides.iter().map(|(l, h)| *l || *h).collect(),
            sides,
        }
    }

    /// Peeling, selection and pasting on the rows `rows` (with repeats for a
    /// bootstrap resample).
    fn find(&self, rows: &[usize], opts: &PrimOptions) -> Run {
        let n = rows.len();
        let min_points = (opts.min_mass * n as f64).ceil() as usize;
        let mut cur = Limits(self.init.to_vec());
        let mut inside: Vec<usize> = rows.to_vec();
        let mut trajectory = vec![cur.clone()];
        let mut stats = vec![self.counts(inside.iter().copied())];
        while let Some((next, kept)) = self.best_peel(&cur, &inside, opts.peel_alpha) {
            let before = self.counts(inside.iter().copied());
            let after = self.counts(kept.iter().copied());
            if after.points < min_points
                || after.points >= before.points
                || after.density() <= before.density()
            {
                break;
            }
            cur = next;
            inside = kept;
            trajectory.push(cur.clone());
            stats.push(after);
        }
        let total = self.counts(rows.iter().copied());
        let selected = select(&stats, total, opts.selection);
        let start = trajectory.get(selected).cloned().unwrap_or(cur);
        let pasted = self.paste(start, rows, opts.paste_alpha);
        let chosen = self.prune(pasted.clone(), rows, opts.prune_p);
        Run {
            trajectory,
            selected,
            pasted,
            chosen,
        }
    }

    /// The best single peel of box `b` holding `inside`: the new limits
    /// and the rows kept.
    fn best_peel(&self, b: &Limits, inside: &[usize], alpha: f64) -> Option<(Limits, Vec<usize>)> {
        let n = inside.len();
        if n < 2 {
            return None;
        }
        let m = ((alpha * n as f64).ceil() as usize).max(1);
        // The best so far: counts kept, restricted dims, limits.
        let mut best: Option<(Counts, usize, Limits)> = None;
        for j in 0..self.k() {
            let mut vals: Vec<f64> = inside
                .iter()
                .filter_map(|&i| self.row(i).get(j).copied())
                .collect();
            vals.sort_by(f64::total_cmp);
            for side in 0..2 {
                let Some(limit) = cut(&vals, m, side == 1) else {
                    continue;
                };
                let mut next = b.clone();
                if let Some(l) = next.0.get_mut(j) {
                    if side == 0 {
                        l.0 = limit;
                    } else {
                        l.1 = limit;
                    }
                }
                let kept = inside.iter().copied().filter(|&i| {
                    self.row(i)
                        .get(j)
                        .is_some_and(|&v| if side == 0 { v >= limit } else { v <= limit })
                });
                let c = self.counts(kept);
                let dims = self.n_restricted(&next);
                let better = match &best {
                    None => true,
                    Some((bc, bd, _)) => {
                        let (d, bdn) = (c.density(), bc.density());
                        d > bdn
                            || (d == bdn && c.points > bc.points)
                            || (d == bdn && c.points == bc.points && dims < *bd)
                    }
                };
                if better {
                    best = Some((c, dims, next));
                }
            }
        }
        let (_, _, next) = best?;
        let kept = inside
            .iter()
            .copied()
            .filter(|&i| self.inside(&next, i))
            .collect();
        Some((next, kept))
    }

    /// Pasting: widens `b` while a paste raises its density on `rows`.
    fn paste(&self, mut b: Limits, rows: &[usize], alpha: f64) -> Limits {
        loop {
            let cur = self.counts(rows.iter().copied().filter(|&i| self.inside(&b, i)));
            if cur.points == 0 {
                return b;
            }
            let m = ((alpha * cur.points as f64).ceil() as usize).max(1);
            let mut best: Option<(Counts, Limits)> = None;
            let sides = self.restricted(&b);
            for (j, &(low, high)) in sides.iter().enumerate() {
                for (side, on) in [(0usize, low), (1, high)] {
                    if !on {
                        continue;
                    }
                    let Some(next) = self.paste_one(&b, rows, j, side == 1, m) else {
                        continue;
                    };
                    let c = self.counts(rows.iter().copied().filter(|&i| self.inside(&next, i)));
                    let better = match &best {
                        None => true,
                        Some((bc, _)) => {
                            c.density() > bc.density()
                                || (c.density() == bc.density() && c.points > bc.points)
                        }
                    };
                    if better {
                        best = Some((c, next));
                    }
                }
            }
            match best {
                Some((c, next)) if c.density() > cur.density() && c.points > cur.points => {
                    b = next;
                }
                _ => return b,
            }
        }
    }

    /// `b` widened on factor `j` (`upper` side or lower) to take in the `m`
    /// nearest rows outside it on that side only.
    fn paste_one(
        &self,
        b: &Limits,
        rows: &[usize],
        j: usize,
        upper: bool,
        m: usize,
    ) -> Option<Limits> {
        let &(lo, hi) = b.0.get(j)?;
        let mut outside: Vec<f64> = rows
            .iter()
            .filter(|&&i| {
                let r = self.row(i);
                b.0.iter().zip(r).enumerate().all(|(jj, (&(l, h), &v))| {
                    if jj == j {
                        if upper {
                            v > hi
                        } else {
                            v < lo
                        }
                    } else {
                        v >= l && v <= h
                    }
                })
            })
            .filter_map(|&i| self.row(i).get(j).copied())
            .collect();
        if outside.is_empty() {
            return None;
        }
        // Nearest first.
        outside.sort_by(f64::total_cmp);
        if !upper {
            outside.reverse();
        }
        let &(a, z) = self.init.get(j)?;
        let limit = if m >= outside.len() {
            if upper {
                z
            } else {
                a
            }
        } else {
            // Ties with the m-th value come in too.
            let last = outside.get(m - 1).copied()?;
            match outside.iter().skip(m).find(|&&v| v != last) {
                Some(&v) => (last + v) / 2.0,
                None => {
                    if upper {
                        z
                    } else {
                        a
                    }
                }
            }
        };
        let mut next = b.clone();
        if let Some(l) = next.0.get_mut(j) {
            if upper {
                l.1 = limit;
            } else {
                l.0 = limit;
            }
        }
        Some(next)
    }

    /// Drops restrictions whose quasi-p value exceeds `p`, the largest first.
    fn prune(&self, mut b: Limits, rows: &[usize], p: f64) -> Limits {
        loop {
            let qp = self.quasi_p(&b, rows);
            let worst = qp
                .iter()
                .enumerate()
                .filter_map(|(j, q)| q.map(|q| (j, q)))
                .fold(None, |acc: Option<(usize, f64)>, (j, q)| match acc {
                    Some((_, bq)) if bq >= q => acc,
                    _ => Some((j, q)),
                });
            match worst {
                Some((j, q)) if q > p => {
                    if let (Some(w), Some(&full)) = (b.0.get_mut(j), self.init.get(j)) {
                        *w = full;
                    }
                }
                _ => return b,
            }
        }
    }

    /// Quasi-p value of each restriction of `b` on `rows`.
    fn quasi_p(&self, b: &Limits, rows: &[usize]) -> Vec<Option<f64>> {
        let cur = self.counts(rows.iter().copied().filter(|&i| self.inside(b, i)));
        self.restricted(b)
            .iter()
            .enumerate()
            .map(|(j, &(l, h))| {
                if !(l || h) || cur.points == 0 {
                    return None;
                }
                let mut wide = b.clone();
                if let (Some(w), Some(&full)) = (wide.0.get_mut(j), self.init.get(j)) {
                    *w = full;
                }
                let c = self.counts(rows.iter().copied().filter(|&i| self.inside(&wide, i)));
                let p0 = c.density();
                if cur.cases == 0 {
                    return Some(1.0);
                }
                let binom = Binomial::new(p0.clamp(0.0, 1.0), cur.points as u64).ok()?;
                // P(X >= cases) = 1 - P(X <= cases - 1).
                Some(binom.sf(cur.cases as u64 - 1).clamp(0.0, 1.0))
            })
            .collect()
    }

    /// PRIM on bootstrap resamples, each box evaluated on every row.
    fn stability(&self, chosen: &PrimBox, opts: &PrimOptions) -> Stability {
        let n = self.x.len();
        let all: Vec<usize> = (0..n).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed ^ 0x5052_494d_424f_4f54);
        let mut counts = vec![0usize; self.k()];
        let (mut same, mut cov, mut den, mut mass) = (0usize, 0.0, 0.0, 0.0);
        let mut done = 0usize;
        for _ in 0..opts.resamples {
            let rows: Vec<usize> = (0..n).map(|_| below(&mut rng, n as u64) as usize).collect();
            let cases = rows.iter().filter(|&&i| self.label(i)).count();
            if cases == 0 || cases == n {
                continue;
            }
            let run = self.find(&rows, opts);
            let b = self.evaluate(&run.chosen, &all);
            for (c, &r) in counts.iter_mut().zip(&b.restricted) {
                if r {
                    *c += 1;
                }
            }
            if b.restricted == chosen.restricted {
                same += 1;
            }
            cov += b.coverage;
            den += b.density;
            mass += b.mass;
            done += 1;
        }
        let d = done.max(1) as f64;
        Stability {
            resamples: done,
            restricted_share: counts.iter().map(|&c| c as f64 / d).collect(),
            same_factors: same as f64 / d,
            coverage: cov / d,
            density: den / d,
            mass: mass / d,
        }
    }
}

/// The limit removing the `m` lowest (or highest, `upper`) of the sorted
/// values, half-way to the next kept value; ties with the last removed
/// value are removed too. None if every value would go.
fn cut(sorted: &[f64], m: usize, upper: bool) -> Option<f64> {
    let n = sorted.len();
    if m >= n {
        return None;
    }
    let at = |i: usize| sorted.get(if upper { n - 1 - i } else { i }).copied();
    let last = at(m - 1)?;
    let mut i = m;
    while i < n && at(i)? == last {
        i += 1;
    }
    if i >= n {
        return None;
    }
    Some((last + at(i)?) / 2.0)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The selected box index on a trajectory with counts `stats` (first =
/// every point), `total` the counts of every point.
fn select(stats: &[Counts], total: Counts, rule: Selection) -> usize {
    let cov = |c: &Counts| ratio(c.cases, total.cases);
    match rule {
        Selection::Knee => {
            let (Some(first), Some(last)) = (stats.first(), stats.last()) else {
                return 0;
            };
            if stats.len() < 3 {
                return stats.len() - 1;
            }
            let (x0, y0) = (cov(first), first.density());
            let (x1, y1) = (cov(last), last.density());
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len = (dx * dx + dy * dy).sqrt();
            if len == 0.0 {
                return stats.len() - 1;
            }
            let mut best = (0usize, f64::NEG_INFINITY);
            for (i, c) in stats.iter().enumerate() {
                // Distance from the chord, positive above it (towards
                // higher coverage and density).
                let d = (dy * (cov(c) - x0) - dx * (c.density() - y0)) / len;
                if d > best.1 {
                    best = (i, d);
                }
            }
            if best.1 <= 0.0 {
                stats.len() - 1
            } else {
                best.0
            }
        }
        Selection::MinDensity(t) => {
            let mut best: Option<(usize, f64)> = None;
            for (i, c) in stats.iter().enumerate() {
                if c.density() >= t && best.is_none_or(|(_, bc)| cov(c) > bc) {
                    best = Some((i, cov(c)));
                }
            }
            match best {
                Some((i, _)) => i,
                None => {
                    let mut hi = (0usize, f64::NEG_INFINITY);
                    for (i, c) in stats.iter().enumerate() {
                        if c.density() > hi.1 {
                            hi = (i, c.density());
                        }
                    }
                    hi.0
                }
            }
        }
    }
}
