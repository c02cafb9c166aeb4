//! Which uncertain parameters matter: Spearman rank correlations, across
//! replicates, between each drawn parameter (`param.` columns of
//! replicates.csv) and (a) re-recruitment under the baseline, (b) each
//! policy's paired effect on re-recruitment (policy minus baseline, same
//! replicate). A screening measure, not a variance decomposition: it shows
//! monotone dependence one parameter at a time (Saltelli et al. 2008,
//! "Global Sensitivity Analysis: The Primer", ch. 1).
//!
//! One draw, one row: columns whose values are identical in every replicate
//! read are one draw (a `shared` draw used by several groups writes one
//! column per key path), so they form a single row that lists every key
//! path; every `param.` column is in exactly one row.

use crate::plot::data::OutputData;
use std::collections::HashMap;

/// Correlations of one parameter.
#[derive(Debug, Clone)]
pub struct ParamEffect {
    /// Key path (without `param.`) of the draw's first column.
    pub key: String,
    /// Key paths of the other columns carrying the same draw (a shared
    /// draw used by several groups), in column order; empty for a draw of
    /// its own.
    pub also: Vec<String>,
    /// With re-recruitment under the baseline.
    pub with_level: Option<f64>,
    /// With each compared policy's paired effect on re-recruitment.
    pub with_effect: Vec<Option<f64>>,
}

impl ParamEffect {
    /// Every key path of the draw, `key` first.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str()).chain(self.also.iter().map(String::as_str))
    }

    /// The draw's name for a table: the key path, or for a draw shared by
    /// several paths that differ in one segment, that segment in braces
    /// (`group.{men,women}.hazard.rerecruit`), else the paths joined by ", ".
    pub fn label(&self) -> String {
        if self.also.is_empty() {
            return self.key.clone();
        }
        let split: Vec<Vec<&str>> = self.keys().map(|k| k.split('.').collect()).collect();
        let n = split[0].len();
        let differ: Vec<usize> = (0..n)
            .filter(|&i| split.iter().any(|s| s.len() != n || s[i] != split[0][i]))
            .collect();
        if split.iter().all(|s| s.len() == n) && differ.len() == 1 {
            let i = differ[0];
            let mut parts: Vec<String> = split[0].iter().map(|s| s.to_string()).collect();
            parts[i] = format!(
                "{{{}}}",
                split.iter().map(|s| s[i]).collect::<Vec<_>>().join(",")
            );
            parts.join(".")
        } else {
            self.keys().collect::<Vec<_>>().join(", ")
        }
    }

    /// Largest magnitude among the correlations (0 when none).
    pub fn strength(&self) -> f64 {
        std::iter::once(self.with_level)
            .chain(self.with_effect.iter().copied())
            .flatten()
            .fold(0.0, |a, r| a.max(r.abs()))
    }
}

/// Correlations for every distinct draw (one row per draw, however many
/// columns carry it), strongest first, and the compared policies (column order).
pub fn compute(data: &OutputData, max_policies: usize) -> (Vec<ParamEffect>, Vec<String>) {
    let Some(reps) = &data.replicates else {
        return (Vec::new(), Vec::new());
    };
    let Some(base) = data.baseline() else {
        return (Vec::new(), Vec::new());
    };
    let by_rep = |policy: &str| -> HashMap<u64, f64> {
        reps.points
            .iter()
            .find(|(p, _)| p == policy)
            .map(|(_, v)| v.iter().map(|p| (p.replicate, p.rerecruited)).collect())
            .unwrap_or_default()
    };
    let base_rr = by_rep(&base);
    let compared: Vec<String> = data
        .policies()
        .into_iter()
        .filter(|p| *p != base && reps.points.iter().any(|(q, _)| q == p))
        .take(max_policies)
        .collect();
    let effects: Vec<HashMap<u64, f64>> = compared
        .iter()
        .map(|p| {
            by_rep(p)
                .into_iter()
                .filter_map(|(r, v)| base_rr.get(&r).map(|b| (r, v - b)))
                .collect()
        })
        .collect();
    (
        rank_params(&reps.param_keys(), &reps.params, &base_rr, &effects),
        compared,
    )
}

/// One row per distinct draw: columns of `params` (named by `keys`) whose
/// values are identical in every replicate are grouped, then each group is
/// correlated with `level` and with each map of `effects` (values by
/// replicate), strongest first (ties keep column order).
pub fn rank_params(
    keys: &[String],
    params: &[(u64, Vec<Option<f64>>)],
    level: &HashMap<u64, f64>,
    effects: &[HashMap<u64, f64>],
) -> Vec<ParamEffect> {
    // Column k's values as bits (a missing value is its own bit pattern).
    let column = |k: usize| -> Vec<Option<u64>> {
        params
            .iter()
            .map(|(_, vals)| vals.get(k).copied().flatten().map(f64::to_bits))
            .collect()
    };
    let mut first_of: HashMap<Vec<Option<u64>>, usize> = HashMap::new();
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for k in 0..keys.len() {
        let col = column(k);
        // Only values seen show two columns share a draw: a column with no
        // value (or no replicate at all) stays a row of its own.
        let seen = col.iter().any(Option::is_some);
        match first_of.get(&col).filter(|_| seen) {
            Some(&g) => groups[g].1.push(k),
            None => {
                first_of.insert(col, groups.len());
                groups.push((k, Vec::new()));
            }
        }
    }
    let mut out: Vec<ParamEffect> = groups
        .into_iter()
        .map(|(k, others)| {
            let corr = |target: &HashMap<u64, f64>| {
                let (xs, ys): (Vec<f64>, Vec<f64>) = params
                    .iter()
                    .filter_map(|(r, vals)| {
                        Some((vals.get(k).copied().flatten()?, *target.get(r)?))
                    })
                    .unzip();
                spearman(&xs, &ys)
            };
            ParamEffect {
                key: keys[k].clone(),
                also: others.into_iter().map(|o| keys[o].clone()).collect(),
                with_level: corr(level),
                with_effect: effects.iter().map(corr).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.strength().total_cmp(&a.strength()));
    out
}

/// Ranks with ties given their average rank (1-based).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            r[*k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman rank correlation; `None` with fewer than 10 pairs or no variation.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 10 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_draw_is_one_row_and_every_column_is_covered() {
        let keys: Vec<String> = [
            "group.men.hazard.rerecruit",
            "conflict.b_idle",
            "group.women.hazard.rerecruit",
            "group.men.hazard.dropout",
            "pledge.a.delay",
            "pledge.b.delay",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Replicate r: the shared draw r, b_idle 100 - r (drives the level
        // downwards), dropout r^2 (same ranks as the shared draw, different
        // values), two delays equal except in one replicate, one empty column.
        let params: Vec<(u64, Vec<Option<f64>>)> = (0..20u64)
            .map(|r| {
                let x = r as f64;
                let delay_b = if r == 7 { 0.5 } else { x / 2.0 };
                (
                    r,
                    vec![
                        Some(x),
                        Some(100.0 - x),
                        Some(x),
                        Some(x * x),
                        Some(x / 2.0),
                        Some(delay_b),
                    ],
                )
            })
            .collect();
        let level: HashMap<u64, f64> = (0..20u64).map(|r| (r, 3.0 * r as f64)).collect();
        let effects = vec![level.iter().map(|(r, v)| (*r, -v)).collect()];
        let rows = rank_params(&keys, &params, &level, &effects);
        assert_eq!(rows.len(), 5, "{rows:?}");
        let shared: Vec<&ParamEffect> = rows.iter().filter(|e| !e.also.is_empty()).collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].key, "group.men.hazard.rerecruit");
        assert_eq!(
            shared[0].also,
            vec!["group.women.hazard.rerecruit".to_string()]
        );
        assert_eq!(shared[0].label(), "group.{men,women}.hazard.rerecruit");
        assert!((shared[0].with_level.unwrap_or(0.0) - 1.0).abs() < 1e-12);
        assert!((shared[0].with_effect[0].unwrap_or(0.0) + 1.0).abs() < 1e-12);
        // Every column appears in exactly one row.
        let mut covered: Vec<&str> = rows.iter().flat_map(ParamEffect::keys).collect();
        covered.sort();
        let mut all: Vec<&str> = keys.iter().map(String::as_str).collect();
        all.sort();
        assert_eq!(covered, all);
        // Without replicates no columns are merged.
        assert_eq!(rank_params(&keys, &[], &level, &effects).len(), keys.len());
        // Labels of draws whose paths differ in more than one segment.
        let e = ParamEffect {
            key: "pledge.a.delay".into(),
            also: vec!["appeal.delay".into()],
            with_level: None,
            with_effect: Vec::new(),
        };
        assert_eq!(e.label(), "pledge.a.delay, appeal.delay");
    }

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v * v).collect();
        assert!((spearman(&x, &y).unwrap_or(0.0) - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((spearman(&x, &z).unwrap_or(0.0) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x, &[1.0; 20]), None);
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
