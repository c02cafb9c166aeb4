//! Calendar months, month references (`3` or `"2004-04"`) and step schedules.
//!
//! Month `1` of a run is the scenario's `start` month. A month reference in a
//! file is either that 1-based index or a `"YYYY-MM"` date.

#![deny(clippy::indexing_slicing)]

use super::param::Param;
use serde::Serialize;
use std::fmt;

/// A calendar month (year and month 1..=12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct YearMonth {
    /// Calendar year.
    pub year: i32,
    /// Month of the year, 1..=12.
    pub month: u32,
}

impl YearMonth {
    /// Parses `"YYYY-MM"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("\"{text}\" is not a month: write \"YYYY-MM\", e.g. \"2004-04\"");
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }

    /// Months since year 0, for arithmetic.
    pub fn ordinal(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    /// The calendar month `offset` months after this one (may be negative).
    pub fn plus(self, offset: i64) -> Self {
        let o = self.ordinal() + offset;
        YearMonth {
            year: o.div_euclid(12) as i32,
            month: (o.rem_euclid(12) + 1) as u32,
        }
    }

    /// The calendar month of model month `t` (1-based) for a run starting here.
    pub fn of_index(self, t: u32) -> Self {
        self.plus(t as i64 - 1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A month as written in a file: a 1-based index or a calendar date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MonthRef {
    /// Model month, 1-based.
    Index(i64),
    /// Calendar month `"YYYY-MM"`.
    Date(String),
}

impl MonthRef {
    /// Resolves to a model month index (may fall outside `1..=T`; the caller checks).
    pub fn resolve(&self, start: YearMonth) -> Result<i64, String> {
        match self {
            MonthRef::Index(i) => Ok(*i),
            MonthRef::Date(s) => Ok(YearMonth::parse(s)?.ordinal() - start.ordinal() + 1),
        }
    }
}

impl fmt::Display for MonthRef {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            MonthRef::Index(i) => write!(f, "{i}"),
            MonthRef::Date(s) => write!(f, "\"{s}\""),
        }
    }
}

/// A value that may change over time: a constant, or steps `[[month, value], ...]`,
/// each value holding from its month on (0 before the first step).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Schedule {
    /// The same value every month.
    Constant(Param),
    /// Step changes; before the first step the value is 0.
    Steps(Vec<(MonthRef, Param)>),
}

impl schemars::JsonSchema for MonthRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MonthRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A month: a model month index 1..T or a calendar month \"YYYY-MM\".",
            "oneOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$" }
            ]
        })
    }
}

impl schemars::JsonSchema for Schedule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Schedule".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let param = generator.subschema_for::<Param>();
        let month = generator.subschema_for::<MonthRef>();
        schemars::json_schema!({
            "description": "A constant (a number or a distribution), or step changes [[month, value], ...], each value holding from its month on (0 before the first step).",
            "oneOf": [
                param,
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "prefixItems": [month, param],
                        "minItems": 2,
                        "maxItems": 2
                    }
                }
            ]
        })
    }
}
