//! The calibration targets file (`calibration/targets.toml`, format in
//! docs/calibration.md): programmes (a scenario each), observed outcome
//! figures mapped to model quantities, and the ABC settings. Reading
//! reports every problem at once, each with its key path, line and column,
//! like a scenario file ([`crate::scenario::validate::Problem`]); checks
//! that need the scenarios (months inside the horizon, group ids) are in
//! [`super::Calibration::new`].

#![deny(clippy::indexing_slicing)]

use crate::scenario::locate::line_col;
use crate::scenario::read::{escaped, item_key, quoted, suggest};
use crate::scenario::validate::Problem;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

type Node<'i> = Spanned<DeValue<'i>>;

/// Settings of the fit (`[calibration]`), each with its default.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Particles per generation (default 500).
    pub particles: usize,
    /// Generations after the prior one (default 6).
    pub generations: usize,
    /// Tolerance quantile of the previous generation's distances (default 0.5).
    pub quantile: f64,
    /// Most proposals per generation, as a multiple of `particles` (default 20).
    pub budget: usize,
    /// Master seed (default 1).
    pub seed: u64,
    /// Shared draws to fit (`shared.NAME`); empty = every shared behavioural
    /// draw common to the fitted programmes.
    pub parameters: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            particles: 500,
            generations: 6,
            quantile: 0.5,
            budget: 20,
            seed: 1,
            parameters: Vec::new(),
        }
    }
}

/// One programme: an id and the scenario file that models it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeSpec {
    /// Programme id (`[[programme]] id`).
    pub id: String,
    /// Scenario path as written (relative to the targets file).
    pub scenario: String,
    /// Line and column of the entry.
    pub at: (usize, usize),
}

/// The model quantity a target maps to.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantityKind {
    /// People in a state (`state`) at the end of a month (`month`).
    State,
    /// A people outcome counted over the run (`metric`, e.g. `started_reintegration`).
    Outcome,
    /// Share of demobilised people (disarmed less absorbed, less those still
    /// in D&D or reinsertion at the horizon) who started reintegration.
    ReachedReintegration,
    /// Share of demobilised people (disarmed less absorbed) re-recruited by the horizon.
    RerecruitedShare,
}

impl QuantityKind {
    /// Names as written in the file.
    pub const NAMES: [&'static str; 4] = [
        "state",
        "outcome",
        "reached_reintegration",
        "rerecruited_share",
    ];

    /// The name as written in the file.
    pub fn name(&self) -> &'static str {
        match self {
            QuantityKind::State => "state",
            QuantityKind::Outcome => "outcome",
            QuantityKind::ReachedReintegration => "reached_reintegration",
            QuantityKind::RerecruitedShare => "rerecruited_share",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "state" => QuantityKind::State,
            "outcome" => QuantityKind::Outcome,
            "reached_reintegration" => QuantityKind::ReachedReintegration,
            "rerecruited_share" => QuantityKind::RerecruitedShare,
            _ => return None,
        })
    }
}

/// One observed figure as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// Target id.
    pub id: String,
    /// Programme id.
    pub programme: String,
    /// Quantity.
    pub kind: QuantityKind,
    /// State name (`state` quantities).
    pub state: Option<String>,
    /// Outcome metric name (`outcome` quantities).
    pub metric: Option<String>,
    /// Month, `YYYY-MM` (`state` quantities).
    pub month: Option<String>,
    /// Groups summed (empty = all).
    pub groups: Vec<String>,
    /// Groups left out of the sum.
    pub exclude_groups: Vec<String>,
    /// The observed figure.
    pub observed: f64,
    /// Observation sd, in the quantity's unit.
    pub sd: f64,
    /// Source rows (docs/sources.md ids), as written.
    pub source: String,
    /// Key path of the entry (`target.<id>`).
    pub key: String,
    /// Line and column of each written key of the entry, by key name.
    pub spans: Vec<(String, (usize, usize))>,
    /// Line and column of the entry.
    pub at: (usize, usize),
}

impl TargetSpec {
    /// Line and column of key `name` in the entry, or of the entry.
    pub fn at_key(&self, name: &str) -> (usize, usize) {
        self.spans
            .iter()
            .find(|(k, _)| k == name)
            .map_or(self.at, |(_, a)| *a)
    }
}

/// A read targets file.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetsFile {
    /// `[calibration]`.
    pub settings: Settings,
    /// `[[programme]]`, in order.
    pub programmes: Vec<ProgrammeSpec>,
    /// `[[target]]`, in order.
    pub targets: Vec<TargetSpec>,
}

struct Reader<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn fail(&mut self, key: &str, pos: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_string(),
            message: message.into(),
            at: Some(line_col(self.text, pos)),
        });
    }

    fn table<'a, 'i>(&mut self, key: &str, v: &'a Node<'i>) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.fail(key, v.span().start, "must be a table");
                None
            }
        }
    }

    /// Reports keys of `t` not in `known`.
    fn unknown(&mut self, base: &str, t: &DeTable, known: &[&str]) {
        for (k, _) in t.iter() {
            let name = k.get_ref().as_ref();
            if !known.contains(&name) {
                let hint = suggest(name, known)
                    .map(|s| format!(" (did you mean {}?)", quoted(s)))
                    .unwrap_or_default();
                self.fail(
                    &format!("{base}.{}", escaped(name)),
                    k.span().start,
                    format!("unknown key{hint}; allowed: {}", known.join(", ")),
                );
            }
        }
    }

    fn string(&mut self, key: &str, v: &Node) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.to_string()),
            DeValue::String(_) => {
                self.fail(key, v.span().start, "must not be empty");
                None
            }
            _ => {
                self.fail(key, v.span().start, "must be a string");
                None
            }
        }
    }

    fn number(&mut self, key: &str, v: &Node) -> Option<f64> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.fail(key, v.span().start, "must be a finite number");
                None
            }
        }
    }

    fn whole(&mut self, key: &str, v: &Node, min: i64, max: i64) -> Option<i64> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match n {
            Some(x) if (min..=max).contains(&x) => Some(x),
            _ => {
                self.fail(
                    key,
                    v.span().start,
                    format!("must be a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    fn strings(&mut self, key: &str, v: &Node) -> Option<Vec<String>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(key, v.span().start, "must be an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            out.push(self.string(&format!("{key}.{}", i + 1), item)?);
        }
        Some(out)
    }

    fn settings(&mut self, v: &Node) -> Settings {
        let mut s = Settings::default();
        let Some(t) = self.table("calibration", v) else {
            return s;
        };
        let known = [
            "particles",
            "generations",
            "quantile",
            "budget",
            "seed",
            "parameters",
        ];
        self.unknown("calibration", t, &known);
        for (k, v) in t.iter() {
            let name = k.get_ref().as_ref();
            let key = format!("calibration.{name}");
            match name {
                "particles" => {
                    if let Some(n) = self.whole(&key, v, 10, 1_000_000) {
                        s.particles = n as usize;
                    }
                }
                "generations" => {
                    if let Some(n) = self.whole(&key, v, 0, 100) {
                        s.generations = n as usize;
                    }
                }
                "budget" => {
                    if let Some(n) = self.whole(&key, v, 1, 10_000) {
                        s.budget = n as usize;
                    }
                }
                "seed" => {
                    if let Some(n) = self.whole(&key, v, 0, i64::MAX) {
                        s.seed = n as u64;
                    }
                }
                "quantile" => {
                    if let Some(q) = self.number(&key, v) {
                        if q > 0.0 && q < 1.0 {
                            s.quantile = q;
                        } else {
                            self.fail(&key, v.span().start, "must lie strictly between 0 and 1");
                        }
                    }
                }
                "parameters" => {
                    if let Some(list) = self.strings(&key, v) {
                        for (i, p) in list.iter().enumerate() {
                            if !p.starts_with("shared.") {
                                self.fail(
                                    &format!("{key}.{}", i + 1),
                                    v.span().start,
                                    format!(
                                        "{} is not a shared draw: write shared.NAME (the shared names of the scenarios' behavioural block)",
                                        quoted(p)
                                    ),
                                );
                            }
                        }
                        s.parameters = list;
                    }
                }
                _ => {}
            }
        }
        s
    }

    fn programme(&mut self, i: usize, v: &Node) -> Option<ProgrammeSpec> {
        let at = line_col(self.text, v.span().start);
        let t = self.table(&format!("programme.{}", i + 1), v)?;
        let base = item_key("programme", &raw_id(t), i);
        self.unknown(&base, t, &["id", "scenario"]);
        let get = |name: &str| t.iter().find(|(k, _)| k.get_ref().as_ref() == name);
        let id = match get("id") {
            Some((_, v)) => self.string(&format!("{base}.id"), v),
            None => {
                self.fail(
                    &format!("{base}.id"),
                    v.span().start,
                    "missing: every programme needs an id",
                );
                None
            }
        };
        let scenario = match get("scenario") {
            Some((_, v)) => self.string(&format!("{base}.scenario"), v),
            None => {
                self.fail(
                    &format!("{base}.scenario"),
                    v.span().start,
                    "missing: the path of the programme's scenario file, relative to the targets file",
                );
                None
            }
        };
        Some(ProgrammeSpec {
            id: id?,
            scenario: scenario?,
            at,
        })
    }

    fn target(&mut self, i: usize, v: &Node) -> Option<TargetSpec> {
        let at = line_col(self.text, v.span().start);
        let t = self.table(&format!("target.{}", i + 1), v)?;
        let base = item_key("target", &raw_id(t), i);
        let known = [
            "id",
            "programme",
            "quantity",
            "state",
            "metric",
            "month",
            "groups",
            "exclude_groups",
            "observed",
            "sd",
            "source",
        ];
        self.unknown(&base, t, &known);
        let mut spans = Vec::new();
        for (k, v) in t.iter() {
            spans.push((k.get_ref().to_string(), line_col(self.text, v.span().start)));
        }
        let get = |name: &str| {
            t.iter()
                .find(|(k, _)| k.get_ref().as_ref() == name)
                .map(|(_, v)| v)
        };
        let mut ok = true;
        let mut need = |r: &mut Self, name: &str, what: &str| -> Option<&Node> {
            let n = get(name);
            if n.is_none() {
                r.fail(
                    &format!("{base}.{name}"),
                    v.span().start,
                    format!("missing: {what}"),
                );
                ok = false;
            }
            n
        };
        let id = need(self, "id", "every target needs an id");
        let programme = need(self, "programme", "the id of a [[programme]]");
        let quantity = need(
            self,
            "quantity",
            &format!(
                "the model quantity, one of {}",
                QuantityKind::NAMES.join(", ")
            ),
        );
        let observed = need(self, "observed", "the observed figure");
        let sd = need(self, "sd", "the observation sd, in the quantity's unit");
        let source = need(self, "source", "the docs/sources.md rows of the figure");
        let id = id.and_then(|v| self.string(&format!("{base}.id"), v));
        let programme = programme.and_then(|v| self.string(&format!("{base}.programme"), v));
        let source = source.and_then(|v| self.string(&format!("{base}.source"), v));
        let observed = observed.and_then(|v| self.number(&format!("{base}.observed"), v));
        let sd = sd.and_then(|v| {
            let x = self.number(&format!("{base}.sd"), v)?;
            if x > 0.0 {
                Some(x)
            } else {
                self.fail(
                    &format!("{base}.sd"),
                    v.span().start,
                    "must be greater than 0",
                );
                None
            }
        });
        let kind = quantity.and_then(|v| {
            let s = self.string(&format!("{base}.quantity"), v)?;
            let k = QuantityKind::parse(&s);
            if k.is_none() {
                let hint = suggest(&s, &QuantityKind::NAMES)
                    .map(|x| format!(" (did you mean {}?)", quoted(x)))
                    .unwrap_or_default();
                self.fail(
                    &format!("{base}.quantity"),
                    v.span().start,
                    format!(
                        "unknown quantity {}{hint}; allowed: {}",
                        quoted(&s),
                        QuantityKind::NAMES.join(", ")
                    ),
                );
            }
            k
        });
        let opt_string = |r: &mut Self, name: &str| {
            get(name).and_then(|v| r.string(&format!("{base}.{name}"), v))
        };
        let state = opt_string(self, "state");
        let metric = opt_string(self, "metric");
        let month = opt_string(self, "month");
        let groups = get("groups")
            .and_then(|v| self.strings(&format!("{base}.groups"), v))
            .unwrap_or_default();
        let exclude_groups = get("exclude_groups")
            .and_then(|v| self.strings(&format!("{base}.exclude_groups"), v))
            .unwrap_or_default();
        if let Some(k) = &kind {
            let (needs, forbids): (&[&str], &[&str]) = match k {
                QuantityKind::State => (&["state", "month"], &["metric"]),
                QuantityKind::Outcome => (&["metric"], &["state", "month"]),
                _ => (&[], &["state", "metric", "month"]),
            };
            for n in needs {
                if get(n).is_none() {
                    self.fail(
                        &format!("{base}.{n}"),
                        v.span().start,
                        format!("missing: quantity {} needs {n}", quoted(k.name())),
                    );
                    ok = false;
                }
            }
            for n in forbids {
                if let Some(x) = get(n) {
                    self.fail(
                        &format!("{base}.{n}"),
                        x.span().start,
                        format!("not used by quantity {}: remove it", quoted(k.name())),
                    );
                }
            }
        }
        if !groups.is_empty() && !exclude_groups.is_empty() {
            self.fail(
                &format!("{base}.exclude_groups"),
                v.span().start,
                "give groups or exclude_groups, not both",
            );
        }
        if !ok {
            return None;
        }
        Some(TargetSpec {
            id: id?,
            programme: programme?,
            kind: kind?,
            state,
            metric,
            month,
            groups,
            exclude_groups,
            observed: observed?,
            sd: sd?,
            source: source?,
            key: base,
            spans,
            at,
        })
    }
}

/// The `id` string of an item's table, or "" (for naming the item in
/// errors before its fields are checked).
fn raw_id(t: &DeTable) -> String {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == "id")
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Reads a targets file; on failure, every problem found.
pub fn read(text: &str) -> Result<TargetsFile, Vec<Problem>> {
    let mut r = Reader {
        text,
        problems: Vec::new(),
    };
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            return Err(vec![Problem {
                key: "toml".into(),
                message: format!("not valid TOML: {}", e.message().trim().replace('\n', " ")),
                at: Some(line_col(text, at)),
            }]);
        }
    };
    let root = doc.get_ref();
    let mut file = TargetsFile {
        settings: Settings::default(),
        programmes: Vec::new(),
        targets: Vec::new(),
    };
    r.unknown("", root, &["calibration", "programme", "target"]);
    // Top-level unknown keys carry a leading dot from the empty base: strip it.
    for p in &mut r.problems {
        if let Some(k) = p.key.strip_prefix('.') {
            p.key = k.to_string();
        }
    }
    for (k, v) in root.iter() {
        match k.get_ref().as_ref() {
            "calibration" => file.settings = r.settings(v),
            "programme" | "target" => {
                let name = k.get_ref().to_string();
                let DeValue::Array(items) = v.get_ref() else {
                    r.fail(
                        &name,
                        v.span().start,
                        format!("must be an array of tables: write [[{name}]]"),
                    );
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    if name == "programme" {
                        if let Some(p) = r.programme(i, item) {
                            file.programmes.push(p);
                        }
                    } else if let Some(t) = r.target(i, item) {
                        file.targets.push(t);
                    }
                }
            }
            _ => {}
        }
    }
    if file.programmes.is_empty() && r.problems.is_empty() {
        r.fail(
            "programme",
            0,
            "missing: at least one [[programme]] is needed",
        );
    }
    if file.targets.is_empty() && r.problems.is_empty() {
        r.fail("target", 0, "missing: at least one [[target]] is needed");
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut dups = Vec::new();
    for p in &file.programmes {
        if seen.contains(&p.id.as_str()) {
            dups.push((format!("programme.{}", escaped(&p.id)), p.at, "programme"));
        }
        seen.push(&p.id);
    }
    let mut seen_t: Vec<&str> = Vec::new();
    for t in &file.targets {
        if seen_t.contains(&t.id.as_str()) {
            dups.push((t.key.clone(), t.at, "target"));
        }
        seen_t.push(&t.id);
        if !seen.contains(&t.programme.as_str()) {
            let hint = suggest(&t.programme, &seen)
                .map(|x| format!(" (did you mean {}?)", quoted(x)))
                .unwrap_or_default();
            r.problems.push(Problem {
                key: format!("{}.programme", t.key),
                message: format!(
                    "no [[programme]] with id {}{hint}; programmes: {}",
                    quoted(&t.programme),
                    seen.join(", ")
                ),
                at: Some(t.at_key("programme")),
            });
        }
    }
    for (key, at, what) in dups {
        r.problems.push(Problem {
            key,
            message: format!("duplicate {what} id: ids must be unique"),
            at: Some(at),
        });
    }
    if r.problems.is_empty() {
        Ok(file)
    } else {
        Err(r.problems)
    }
}
