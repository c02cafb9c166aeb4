//! Plain-words readings of the channel decomposition: every sentence about
//! *why* a policy changes an outcome is generated here from the rows of
//! `channels.csv`, never written by hand.

use crate::model::channels::CHANNELS;
use crate::output::channels::ChannelRow;
use crate::output::number::signed_human;

/// Formats a decomposition value: people as whole numbers, relapse as a
/// probability difference.
fn fmt(metric: &str, x: f64) -> String {
    if metric == "relapse" {
        format!("{x:+.3}")
    } else {
        // Whole people, or one decimal for effects smaller than 10 people.
        let digits = if x.abs() < 9.95 { 1 } else { 0 };
        signed_human(x, digits)
    }
}

fn interval(metric: &str, r: &ChannelRow) -> String {
    let (lo, hi) = r.ci();
    format!(
        "{} (95% interval {} to {})",
        fmt(metric, r.mean),
        fmt(metric, lo),
        fmt(metric, hi)
    )
}

fn channel_label(letter: &str) -> String {
    CHANNELS
        .iter()
        .find(|c| c.letter.to_string() == letter)
        .map_or(letter.to_string(), |c| {
            format!("({}) {}", c.letter, c.name.replace('_', " "))
        })
}

/// Sentences explaining the effect of `policy` on `metric` (label
/// `label`), generated from the decomposition rows. Empty when the rows are
/// missing.
pub fn explain(rows: &[ChannelRow], policy: &str, metric: &str, label: &str) -> Vec<String> {
    let of: Vec<&ChannelRow> = rows
        .iter()
        .filter(|r| r.policy == policy && r.metric == metric)
        .collect();
    let find = |row: &str| of.iter().find(|r| r.row == row).copied();
    let (Some(total), Some(off), Some(inter)) =
        (find("total"), find("all_off"), find("interaction"))
    else {
        return Vec::new();
    };
    let mut s = Vec::new();
    if total.clear() {
        s.push(format!(
            "With every channel on, {policy} changes {label} by {}.",
            interval(metric, total)
        ));
    } else {
        s.push(format!(
            "With every channel on, the effect of {policy} on {label} is {}: not distinguishable from 0 at this precision.",
            interval(metric, total)
        ));
    }
    let mut alone: Vec<&ChannelRow> = of
        .iter()
        .filter(|r| r.row == "alone" && r.clear())
        .copied()
        .collect();
    alone.sort_by(|a, b| b.mean.abs().total_cmp(&a.mean.abs()));
    let same_sign = |r: &ChannelRow| r.mean.signum() == total.mean.signum();
    let along: Vec<String> = alone
        .iter()
        .filter(|r| same_sign(r))
        .map(|r| {
            let share = if total.clear() && total.mean != 0.0 {
                format!(", {:.0}% of the total", 100.0 * r.mean / total.mean)
            } else {
                String::new()
            };
            format!(
                "{} {}{share}",
                channel_label(&r.channel),
                fmt(metric, r.mean)
            )
        })
        .collect();
    if along.is_empty() {
        s.push(format!(
            "No channel switched on alone (all others off) moves {label} beyond Monte Carlo error in the direction of the total."
        ));
    } else {
        s.push(format!(
            "Switched on alone (all other channels off), these channels move {label} in the direction of the total: {}.",
            along.join("; ")
        ));
    }
    let against: Vec<String> = alone
        .iter()
        .filter(|r| !same_sign(r))
        .map(|r| format!("{} {}", channel_label(&r.channel), fmt(metric, r.mean)))
        .collect();
    if !against.is_empty() {
        s.push(format!(
            "Working against the total: {}.",
            against.join("; ")
        ));
    }
    let mut without: Vec<&ChannelRow> = of
        .iter()
        .filter(|r| r.row == "without" && r.clear())
        .copied()
        .collect();
    without.sort_by(|a, b| b.mean.abs().total_cmp(&a.mean.abs()));
    if let Some(top) = without.first() {
        s.push(format!(
            "Of the channels switched off one at a time (the others on), {} moves the effect most: to {} from {}.",
            channel_label(&top.channel),
            fmt(metric, total.mean - top.mean),
            fmt(metric, total.mean)
        ));
    }
    if off.clear() && metric == "completed" {
        s.push(format!(
            "With all eight channels off the effect is {}: the part of the effect on completions that does not run through the re-recruitment channels.",
            interval(metric, off)
        ));
    } else if off.clear() {
        s.push(format!(
            "With all eight channels off an effect of {} remains: outside the channels, money also changes who disarms when (disarmament timing).",
            interval(metric, off)
        ));
    } else {
        s.push(format!(
            "With all channels off the effect is {}, within Monte Carlo error of 0.",
            interval(metric, off)
        ));
    }
    if inter.clear() {
        s.push(format!(
            "The channels interact: {} of the total is not explained by any channel alone.",
            interval(metric, inter)
        ));
    } else {
        s.push(format!(
            "The one-channel increments add up to the total within Monte Carlo error (interaction {}).",
            interval(metric, inter)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(row: &str, channel: &str, mean: f64, mcse: f64) -> ChannelRow {
        ChannelRow {
            policy: "k".into(),
            metric: "rerecruited".into(),
            row: row.into(),
            channel: channel.into(),
            mean,
            mcse,
            n: 100,
        }
    }

    #[test]
    fn sentences_follow_the_computed_rows() {
        let rows = vec![
            row("total", "", -100.0, 5.0),
            row("all_off", "", 0.5, 1.0),
            row("alone", "b", -60.0, 3.0),
            row("alone", "a", 2.0, 10.0),
            row("alone", "f", 8.0, 1.0),
            row("without", "b", -70.0, 3.0),
            row("interaction", "", -48.0, 4.0),
        ];
        let s = explain(&rows, "k", "rerecruited", "re-recruitment").join(" ");
        // Channel (b) carries the effect; (a) is within error and not named; (f) works against.
        assert!(s.contains("(b) duration -60, 60% of the total"), "{s}");
        assert!(!s.contains("(a) waiting"), "{s}");
        assert!(
            s.contains("Working against the total: (f) exits while waiting +8.0"),
            "{s}"
        );
        assert!(s.contains("within Monte Carlo error of 0"), "{s}");
        assert!(s.contains("The channels interact: -48"), "{s}");
        // No rows for a policy: no sentence at all.
        assert!(explain(&rows, "other", "rerecruited", "re-recruitment").is_empty());
    }
}
