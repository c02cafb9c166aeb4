//! The posterior of a calibration as weighted parameter draws
//! (`posterior.csv`: columns `draw`, `weight`, then one per parameter named
//! by its shared-draw name, `shared.NAME`), and its use as the input of a
//! run: replicate `p` takes the fitted values from one draw chosen by a
//! weighted resample keyed on `(seed, p)`, every other value from the
//! scenario, so common random numbers still hold (every policy of
//! replicate `p` sees the same draw).

use crate::engine::rng::{hash_str, mix64, StreamRng};
use crate::experiment::factors::factors;
use crate::scenario::read::quoted;
use crate::scenario::Scenario;

/// Weighted parameter draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// Column names, `shared.NAME`.
    pub names: Vec<String>,
    /// Weight of each draw (normalised to sum 1 when read).
    pub weights: Vec<f64>,
    /// `[draw][parameter]` values in the parameters' own units.
    pub draws: Vec<Vec<f64>>,
}

impl Posterior {
    /// The CSV text: `draw,weight,NAME...`, one row per draw, numbers in
    /// Rust's shortest round-trip form (so reading gives the same values).
    pub fn to_csv(&self) -> String {
        let mut s = String::from("draw,weight");
        for n in &self.names {
            s.push(',');
            s.push_str(n);
        }
        s.push('\n');
        for (i, (w, d)) in self.weights.iter().zip(&self.draws).enumerate() {
            s.push_str(&format!("{i},{w:?}"));
            for x in d {
                s.push_str(&format!(",{x:?}"));
            }
            s.push('\n');
        }
        s
    }

    /// Reads the CSV text of [`Posterior::to_csv`]; errors name the line and column.
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(
                "line 1: empty file: expected the header draw,weight,shared.NAME,...".into(),
            );
        };
        let cols: Vec<&str> = header.split(',').map(str::trim).collect();
        if cols.len() < 3 || cols[0] != "draw" || cols[1] != "weight" {
            return Err(format!(
                "line 1: the header must be draw,weight,shared.NAME,... (one column per fitted shared draw), not {}",
                quoted(header)
            ));
        }
        let names: Vec<String> = cols[2..].iter().map(|s| s.to_string()).collect();
        for (i, n) in names.iter().enumerate() {
            if !n.starts_with("shared.") || n.len() <= 7 {
                return Err(format!(
                    "line 1, column {}: {} is not a shared-draw name (shared.NAME)",
                    i + 3,
                    quoted(n)
                ));
            }
            if names[..i].contains(n) {
                return Err(format!(
                    "line 1, column {}: {} appears twice",
                    i + 3,
                    quoted(n)
                ));
            }
        }
        let mut weights = Vec::new();
        let mut draws = Vec::new();
        for (ln, line) in lines {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != cols.len() {
                return Err(format!(
                    "line {}: {} cells, the header has {}",
                    ln + 1,
                    cells.len(),
                    cols.len()
                ));
            }
            let mut nums = Vec::with_capacity(cells.len() - 1);
            for (c, cell) in cells.iter().enumerate().skip(1) {
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() => nums.push(x),
                    _ => {
                        return Err(format!(
                            "line {}, column {} ({}): {} is not a finite number",
                            ln + 1,
                            c + 1,
                            cols[c],
                            quoted(cell)
                        ))
                    }
                }
            }
            if nums[0] < 0.0 {
                return Err(format!(
                    "line {}, column 2 (weight): must be at least 0",
                    ln + 1
                ));
            }
            weights.push(nums[0]);
            draws.push(nums[1..].to_vec());
        }
        let total: f64 = weights.iter().sum();
        if draws.is_empty() || total.is_nan() || total <= 0.0 {
            return Err("no draw with a positive weight".into());
        }
        Ok(Posterior {
            names,
            weights: weights.iter().map(|w| w / total).collect(),
            draws,
        })
    }

    /// Index of the draw replicate `p` of a run with seed `seed` takes: a
    /// weighted resample, the same for the same `(seed, p)` whatever else runs.
    pub fn pick(&self, seed: u64, p: u64) -> usize {
        let mut rng = StreamRng::from_key(mix64(
            mix64(seed ^ hash_str("posterior-resample")) ^ mix64(p),
        ));
        let total: f64 = self.weights.iter().sum();
        let r = crate::stats::random::open_unit(&mut rng) * total;
        let mut acc = 0.0;
        for (i, w) in self.weights.iter().enumerate() {
            acc += w;
            if r < acc {
                return i;
            }
        }
        self.weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// For each column, the slots of `sc` taking it; an error names the
    /// columns that are not uncertain shared draws of the scenario, or the
    /// first value outside the range the scenario draws that column from.
    pub fn slots(&self, sc: &Scenario) -> Result<Vec<Vec<usize>>, String> {
        let fs = factors(sc);
        let mut out = Vec::new();
        let mut unknown = Vec::new();
        for (c, n) in self.names.iter().enumerate() {
            match fs.iter().find(|f| &f.name == n) {
                Some(f) => {
                    let (lo, hi) = (f.dist.lo, f.dist.hi);
                    for (row, d) in self.draws.iter().enumerate() {
                        let x = d.get(c).copied().unwrap_or(f64::NAN);
                        if !(lo..=hi).contains(&x) {
                            return Err(format!(
                                "row {} (draw {row}): {n} = {x} lies outside [{lo}, {hi}], the range scenario {} draws it from",
                                row + 2,
                                quoted(&sc.name)
                            ));
                        }
                    }
                    out.push(f.slots.clone());
                }
                None => unknown.push(n.as_str()),
            }
        }
        if unknown.is_empty() {
            Ok(out)
        } else {
            let known: Vec<&str> = fs
                .iter()
                .filter(|f| f.name.starts_with("shared."))
                .map(|f| f.name.as_str())
                .collect();
            Err(format!(
                "scenario {} has no uncertain shared draw {}; its shared draws: {}",
                quoted(&sc.name),
                unknown.join(", "),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        }
    }

    /// Sets the fitted values of replicate `p` in `values` (one per
    /// `Scenario::params` slot, as drawn from the scenario): the slots of
    /// each column take draw [`Posterior::pick`]`(seed, p)`. Errors as
    /// [`Posterior::slots`].
    pub fn apply(
        &self,
        sc: &Scenario,
        seed: u64,
        p: u64,
        values: &mut [f64],
    ) -> Result<(), String> {
        let slots = self.slots(sc)?;
        self.apply_slots(&slots, seed, p, values);
        Ok(())
    }

    /// [`Posterior::apply`] with the slots already resolved (by [`Posterior::slots`]).
    pub fn apply_slots(&self, slots: &[Vec<usize>], seed: u64, p: u64, values: &mut [f64]) {
        let Some(draw) = self.draws.get(self.pick(seed, p)) else {
            return;
        };
        for (ss, &x) in slots.iter().zip(draw) {
            for &s in ss {
                if let Some(v) = values.get_mut(s) {
                    *v = x;
                }
            }
        }
    }
}
