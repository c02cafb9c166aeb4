//! Names, units and better directions of the outcomes that charts and the
//! report headline (MODEL.md sections 8 and 9).

/// How a metric's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count of people.
    People,
    /// Months.
    Months,
    /// A probability or share in 0..1, shown in percent.
    Probability,
    /// US dollars.
    Usd,
}

/// One headline metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Column / metric name in the CSVs.
    pub key: &'static str,
    /// Short label for people.
    pub label: &'static str,
    /// Unit.
    pub unit: Unit,
    /// True when lower is better, false when higher is better.
    pub lower_better: bool,
}

/// The headline outcomes, in the order charts and tables show them.
pub const HEADLINE: [Metric; 6] = [
    Metric {
        key: "completed",
        label: "Completed reintegration",
        unit: Unit::People,
        lower_better: false,
    },
    Metric {
        key: "rerecruited",
        label: "Re-recruited",
        unit: Unit::People,
        lower_better: true,
    },
    Metric {
        key: "peak_waiting",
        label: "Peak waiting list",
        unit: Unit::People,
        lower_better: true,
    },
    Metric {
        key: "mean_wait_months",
        label: "Mean months waited",
        unit: Unit::Months,
        lower_better: true,
    },
    Metric {
        key: "relapse",
        label: "Relapse into conflict",
        unit: Unit::Probability,
        lower_better: true,
    },
    Metric {
        key: "cost_per_completed",
        label: "Cost per completed reintegration",
        unit: Unit::Usd,
        lower_better: true,
    },
];

impl Unit {
    /// Axis words for the unit of a level or a difference.
    pub fn axis(self) -> &'static str {
        match self {
            Unit::People => "people",
            Unit::Months => "months",
            Unit::Probability => "percentage points",
            Unit::Usd => "USD",
        }
    }

    /// Multiplier from file values to shown values (percent for probabilities).
    pub fn scale(self) -> f64 {
        match self {
            Unit::Probability => 100.0,
            _ => 1.0,
        }
    }
}
