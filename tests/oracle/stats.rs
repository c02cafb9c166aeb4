//! Two-sample comparisons of replicate outcomes: the 4-MCSE check on means,
//! Welch's t-test and the two-sample Kolmogorov-Smirnov test with a
//! Bonferroni correction (MODEL.md section 11).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean and unbiased variance.
pub fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = if x.len() > 1 {
        x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, v)
}

/// Two-sided p-value of Welch's t-test (1 when both samples are constant and equal, 0 when constant and different).
pub fn welch_p(a: &[f64], b: &[f64]) -> f64 {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se2 = sa + sb;
    if se2 <= 0.0 {
        return if ma == mb { 1.0 } else { 0.0 };
    }
    let t = (ma - mb) / se2.sqrt();
    let df = se2 * se2 / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df.max(1.0)).expect("valid t distribution");
    (2.0 * dist.sf(t.abs())).min(1.0)
}

/// Kolmogorov distribution tail `Q(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2)`.
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut s = 0.0;
    for k in 1..=200 {
        let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// Two-sample Kolmogorov-Smirnov statistic and asymptotic p-value (with the
/// usual small-sample correction of the effective n). With ties (discrete
/// outcomes) the test is conservative.
pub fn ks(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_by(|p, q| p.partial_cmp(q).unwrap());
    y.sort_by(|p, q| p.partial_cmp(q).unwrap());
    let (n, m) = (x.len(), y.len());
    let (mut i, mut j, mut d) = (0usize, 0usize, 0f64);
    while i < n && j < m {
        let v = x[i].min(y[j]);
        while i < n && x[i] <= v {
            i += 1;
        }
        while j < m && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let ne = (n * m) as f64 / (n + m) as f64;
    let lambda = (ne.sqrt() + 0.12 + 0.11 / ne.sqrt()) * d;
    (d, kolmogorov_q(lambda))
}

/// One outcome's comparison.
#[derive(Debug, Clone)]
pub struct Row {
    /// Outcome name.
    pub name: String,
    /// Engine mean.
    pub mean_a: f64,
    /// Oracle mean.
    pub mean_b: f64,
    /// Monte Carlo standard error of the difference of means.
    pub mcse: f64,
    /// Welch p-value.
    pub p_t: f64,
    /// KS p-value.
    pub p_ks: f64,
    /// Checked by the 4-MCSE rule.
    pub headline: bool,
    /// Tested by the Bonferroni family.
    pub tested: bool,
}

/// Result of comparing two sets of replicate outcome vectors.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Per outcome.
    pub rows: Vec<Row>,
    /// Outcomes in the Bonferroni family (each gets two tests).
    pub family: usize,
    /// Per-test level after Bonferroni.
    pub per_test_alpha: f64,
    /// Failure messages (empty = agreement).
    pub failures: Vec<String>,
}

/// Compares engine (`a`) and oracle (`b`) replicates, outcome by outcome.
///
/// - Every outcome in `headline` (and with some variation): |mean difference|
///   <= 4 MCSE, MCSE = sqrt(var_a/R_a + var_b/R_b).
/// - Every outcome with some variation and at least `min_events` summed over
///   both samples (so the normal approximation behind Welch's test holds in
///   the far tail): Welch t-test and KS test, Bonferroni over 2 x (number of
///   such outcomes) at family-wise level `alpha`.
/// - Outcomes constant in both samples must be equal.
pub fn compare(
    names: &[String],
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    headline: &[&str],
    alpha: f64,
    min_events: f64,
) -> Comparison {
    let col = |s: &[Vec<f64>], i: usize| s.iter().map(|v| v[i]).collect::<Vec<f64>>();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (xa, xb) = (col(a, i), col(b, i));
        let (ma, va) = mean_var(&xa);
        let (mb, vb) = mean_var(&xb);
        let mcse = (va / xa.len() as f64 + vb / xb.len() as f64).sqrt();
        let constant = va == 0.0 && vb == 0.0;
        let events = xa.iter().chain(&xb).map(|x| x.abs()).sum::<f64>();
        let is_headline = headline.contains(&name.as_str());
        let tested = !constant && events >= min_events;
        if constant && ma != mb {
            failures.push(format!(
                "{name}: constant but different: engine {ma} vs oracle {mb}"
            ));
        }
        if is_headline && !constant && (ma - mb).abs() > 4.0 * mcse {
            failures.push(format!(
                "{name}: means differ by {:.2} MCSE (engine {ma:.4}, oracle {mb:.4}, MCSE {mcse:.4})",
                (ma - mb).abs() / mcse
            ));
        }
        let (p_t, p_ks) = if tested {
            (welch_p(&xa, &xb), ks(&xa, &xb).1)
        } else {
            (1.0, 1.0)
        };
        rows.push(Row {
            name: name.clone(),
            mean_a: ma,
            mean_b: mb,
            mcse,
            p_t,
            p_ks,
            headline: is_headline,
            tested,
        });
    }
    let family = rows.iter().filter(|r| r.tested).count();
    let per_test_alpha = alpha / (2.0 * family.max(1) as f64);
    for r in rows.iter().filter(|r| r.tested) {
        if r.p_t < per_test_alpha {
            failures.push(format!(
                "{}: Welch p = {:.3e} < {:.1e} (engine {:.4}, oracle {:.4}, MCSE {:.4})",
                r.name, r.p_t, per_test_alpha, r.mean_a, r.mean_b, r.mcse
            ));
        }
        if r.p_ks < per_test_alpha {
            failures.push(format!(
                "{}: KS p = {:.3e} < {:.1e} (engine {:.4}, oracle {:.4})",
                r.name, r.p_ks, per_test_alpha, r.mean_a, r.mean_b
            ));
        }
    }
    Comparison {
        rows,
        family,
        per_test_alpha,
        failures,
    }
}

impl Comparison {
    /// A readable table (printed by the tests; shown with `--nocapture` or on failure).
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<44} {:>12} {:>12} {:>9} {:>7} {:>9} {:>9}\n",
            "outcome", "engine", "oracle", "MCSE", "z", "p_welch", "p_ks"
        );
        for r in &self.rows {
            let z = if r.mcse > 0.0 {
                (r.mean_a - r.mean_b) / r.mcse
            } else {
                0.0
            };
            s += &format!(
                "{:<44} {:>12.4} {:>12.4} {:>9.4} {:>7.2} {:>9.2e} {:>9.2e}{}{}\n",
                r.name,
                r.mean_a,
                r.mean_b,
                r.mcse,
                z,
                r.p_t,
                r.p_ks,
                if r.headline { " H" } else { "" },
                if r.tested { "" } else { " (not tested)" }
            );
        }
        s += &format!(
            "Bonferroni family: {} outcomes x 2 tests, per-test alpha {:.2e}\n",
            self.family, self.per_test_alpha
        );
        s
    }
}
