//! Which uncertain parameters matter: Spearman rank correlations, across
//! replicates, between each drawn parameter (`param.` columns of
//! replicates.csv) and (a) re-recruitment under the baseline, (b) each
//! policy's paired effect on re-recruitment (policy minus baseline, same
//! replicate). A screening measure, not a variance decomposition: it shows
//! monotone dependence one parameter at a time (Saltelli et al. 2008,
//! "Global Sensitivity Analysis: The Primer", ch. 1).

use crate::plot::data::OutputData;
use std::collections::HashMap;

/// Correlations of one parameter.
#[derive(Debug, Clone)]
pub struct ParamEffect {
    /// Key path (without `param.`).
    pub key: String,
    /// With re-recruitment under the baseline.
    pub with_level: Option<f64>,
    /// With each compared policy's paired effect on re-recruitment.
    pub with_effect: Vec<Option<f64>>,
}

impl ParamEffect {
    /// Largest magnitude among the correlations (0 when none).
    pub fn strength(&self) -> f64 {
        std::iter::once(self.with_level)
            .chain(self.with_effect.iter().copied())
            .flatten()
            .fold(0.0, |a, r| a.max(r.abs()))
    }
}

/// Correlations for every parameter, strongest first, and the compared policies (column order).
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
    let mut out: Vec<ParamEffect> = reps
        .param_keys()
        .into_iter()
        .enumerate()
        .map(|(k, key)| {
            let corr = |target: &HashMap<u64, f64>| {
                let (xs, ys): (Vec<f64>, Vec<f64>) = reps
                    .params
                    .iter()
                    .filter_map(|(r, vals)| {
                        Some((vals.get(k).copied().flatten()?, *target.get(r)?))
                    })
                    .unzip();
                spearman(&xs, &ys)
            };
            ParamEffect {
                key,
                with_level: corr(&base_rr),
                with_effect: effects.iter().map(corr).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.strength().total_cmp(&a.strength()));
    (out, compared)
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
