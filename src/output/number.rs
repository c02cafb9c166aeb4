//! Number formatting for CSV: exact decimals for scaled integers, shortest
//! round-trip representation for statistics, empty cells for missing values.

#![deny(clippy::indexing_slicing)]

use crate::model::outcome::Unit;

/// Formats an exact scaled integer of `unit` as a decimal (e.g. cents as `12.34`).
pub fn exact(v: i64, unit: Unit) -> String {
    let d = unit.decimals();
    if d == 0 {
        return v.to_string();
    }
    let scale = unit.scale() as u64;
    let m = v.unsigned_abs();
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:0d$}", m / scale, m % scale, d = d)
}

/// Formats an optional exact value (empty when missing).
pub fn exact_opt(v: Option<i64>, unit: Unit) -> String {
    v.map_or_else(String::new, |v| exact(v, unit))
}

/// Formats a statistic in printed units (empty when not finite).
pub fn stat(x: f64) -> String {
    if x.is_finite() {
        if x == 0.0 {
            "0".to_string()
        } else {
            format!("{x}")
        }
    } else {
        String::new()
    }
}

/// [`human`] with a `+` before a positive number that does not print as 0.
pub fn signed_human(x: f64, digits: usize) -> String {
    let s = human(x, digits);
    if x > 0.0
        && s.chars()
            .any(|c| c.is_ascii_digit() && c != '0' && c != '.')
    {
        format!("+{s}")
    } else {
        s
    }
}

/// Formats a number for people to read: thousands separators, `digits` decimals.
pub fn human(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    let s = format!("{:.*}", digits, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimals() {
        assert_eq!(exact(12345, Unit::Usd), "123.45");
        assert_eq!(exact(-5, Unit::Usd), "-0.05");
        assert_eq!(exact(660_039_761, Unit::Share), "0.660039761");
        assert_eq!(exact(42, Unit::People), "42");
        assert_eq!(exact_opt(None, Unit::People), "");
    }

    #[test]
    fn human_readable() {
        assert_eq!(human(1234567.891, 1), "1,234,567.9");
        assert_eq!(human(-1234.0, 0), "-1,234");
        assert_eq!(human(999.0, 0), "999");
        assert_eq!(human(-0.01, 1), "0.0");
    }
}
