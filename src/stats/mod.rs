//! Statistics over replicates: exact mergeable [`moments`], percentile
//! [`histogram`]s, and the run's [`accum`]ulators. Pure: no I/O.

pub mod accum;
pub mod channels;
pub mod histogram;
pub mod moments;
pub mod nested;
pub mod random;

/// Wilson score interval for a binomial proportion `k / n` at z = 1.96.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
