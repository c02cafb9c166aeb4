//! From TOML text to a [`ScenarioFile`]: the text is parsed into a spanned
//! document first, then every field is read with its key path, so that
//! syntax, unknown keys, missing fields and wrong types are all reported
//! together, each with its line and column. A field that cannot be read is
//! replaced by a placeholder and its key path is marked *broken*, so that
//! validation reports nothing more about it (no follow-on errors).

#![deny(clippy::indexing_slicing)]

use super::file::*;
use super::locate::{line_col, LineIndex};
use super::month::{MonthRef, Schedule, YearMonth};
use super::param::{parse_range, Dist, Param, SharedDist, Truncated};
use super::validate::Problem;
use std::collections::{BTreeMap, HashMap, HashSet};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

type Node<'i> = Spanned<DeValue<'i>>;

/// Longest user text echoed in a message or a key path, in characters.
const ECHO: usize = 60;

/// A user string as it may appear in a message: control characters and
/// quotes escaped, cut to `ECHO` characters, in double quotes.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", escaped(s))
}

/// A user string escaped (control characters, quotes, backslashes) and cut
/// to `ECHO` characters, for key paths and messages.
pub fn escaped(s: &str) -> String {
    let mut out: String = s.chars().take(ECHO).flat_map(char::escape_debug).collect();
    if s.chars().nth(ECHO).is_some() {
        out.push('…');
    }
    out
}

/// Key path of the `i`-th (0-based) entry of an array of tables such as
/// `[[group]]`: `group.<id>` when the id is a non-empty string, else `group.<i+1>`.
pub fn item_key(table: &str, id: &str, i: usize) -> String {
    if id.is_empty() {
        format!("{table}.{}", i + 1)
    } else {
        format!("{table}.{}", escaped(id))
    }
}

/// Levenshtein distance between two short strings.
// Cannot fail: `row` has `b.len() + 1` entries and `j < b.len()`.
#[allow(clippy::indexing_slicing)]
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest of `known` to `word`, if close enough to be a likely typo.
pub fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = (word.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (distance(&word.to_lowercase(), k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// What a TOML value is, for messages: `the string "x"`, `the float nan`, ...
fn what(v: &DeValue) -> String {
    match v {
        DeValue::String(s) => format!("the string {}", quoted(s)),
        DeValue::Integer(i) => format!("the integer {}", escaped(&i.to_string())),
        DeValue::Float(f) => format!("the float {}", escaped(f.as_str())),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date-time {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// A TOML table being read, with its key path and where it starts.
struct Obj<'a, 'i> {
    key: String,
    table: Option<&'a DeTable<'i>>,
    at: usize,
}

impl<'a, 'i> Obj<'a, 'i> {
    fn get(&self, name: &str) -> Option<&'a Node<'i>> {
        self.table?
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == name)
            .map(|(_, v)| v)
    }

    fn child(&self, name: &str) -> String {
        format!("{}.{name}", self.key)
    }
}

/// Key paths that could not be read or used: nothing under them is reported again.
#[derive(Debug, Clone, Default)]
pub struct Broken(HashSet<String>);

impl Broken {
    /// Marks `key` (and everything under it) broken.
    pub fn insert(&mut self, key: impl Into<String>) {
        self.0.insert(key.into());
    }

    /// True when `key` or one of its parents is broken.
    pub fn covers(&self, key: &str) -> bool {
        key.match_indices('.')
            .map(|(i, _)| &key[..i])
            .chain(std::iter::once(key))
            .any(|k| self.0.contains(k))
    }
}

/// The reader: problems found so far, broken key paths and where each key is written.
pub struct Reader<'t> {
    text: &'t str,
    lines: LineIndex,
    /// Problems found while reading.
    pub problems: Vec<Problem>,
    /// Key paths that could not be read (placeholders were used).
    pub broken: Broken,
    /// Byte offset of every key path read.
    pub spans: HashMap<String, usize>,
}

/// True when `key` is `base` or lies under it.
pub fn under(key: &str, base: &str) -> bool {
    key == base
        || key
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl<'t> Reader<'t> {
    /// A reader for `text`.
    pub fn new(text: &'t str) -> Self {
        Reader {
            text,
            lines: LineIndex::new(text),
            problems: Vec::new(),
            broken: Broken::default(),
            spans: HashMap::new(),
        }
    }

    /// True when `key` or one of its parents could not be read.
    pub fn is_broken(&self, key: &str) -> bool {
        self.broken.covers(key)
    }

    /// Records a problem at `key` (unless a parent is already broken) and marks it broken.
    fn fail(&mut self, key: &str, at: usize, message: String) {
        if !self.is_broken(key) {
            self.problems.push(Problem {
                key: key.to_string(),
                message,
                at: Some(self.lines.line_col(self.text, at)),
            });
            self.broken.insert(key.to_string());
        }
    }

    /// Line and column of `key`, or of its nearest written parent.
    pub fn locate(&self, key: &str) -> Option<(usize, usize)> {
        let mut key = key;
        loop {
            if let Some(&pos) = self.spans.get(key) {
                return Some(self.lines.line_col(self.text, pos));
            }
            key = &key[..key.rfind('.')?];
        }
    }

    fn mark(&mut self, key: &str, v: &Node) {
        self.spans.entry(key.to_string()).or_insert(v.span().start);
    }

    /// Reports keys of `o` that are not in `known`, with the closest known key.
    fn keys(&mut self, o: &Obj, known: &[&str]) {
        let Some(t) = o.table else { return };
        for (k, v) in t.iter() {
            let name = k.get_ref().as_ref();
            if known.contains(&name) {
                continue;
            }
            let hint = match suggest(name, known) {
                Some(s) => {
                    // A likely typo of a key not written: its absence is not
                    // reported again.
                    if o.get(s).is_none() {
                        self.broken.insert(o.child(s));
                    }
                    format!("did you mean {s}? ")
                }
                None => String::new(),
            };
            let key = o.child(&escaped(name));
            self.fail(
                &key,
                k.span().start,
                format!(
                    "unknown key {}: {hint}allowed here: {}",
                    quoted(name),
                    known.join(", ")
                ),
            );
            self.mark(&key, v);
        }
    }

    /// A table at `key`; a type problem if `v` is not one.
    fn obj<'a, 'i>(&mut self, key: String, v: &'a Node<'i>, known: &[&str]) -> Obj<'a, 'i> {
        self.mark(&key, v);
        let table = match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let msg = format!("must be a table, not {}", what(other));
                self.fail(&key, v.span().start, msg);
                None
            }
        };
        let o = Obj {
            key,
            table,
            at: v.span().start,
        };
        self.keys(&o, known);
        o
    }

    /// A required sub-table `name` of `parent`.
    fn req_obj<'a, 'i>(&mut self, parent: &Obj<'a, 'i>, name: &str, known: &[&str]) -> Obj<'a, 'i> {
        match parent.get(name) {
            Some(v) => self.obj(parent.child(name), v, known),
            None => {
                let key = parent.child(name);
                self.fail(&key, parent.at, format!("missing table [{key}]"));
                Obj {
                    key,
                    table: None,
                    at: parent.at,
                }
            }
        }
    }

    /// An optional sub-table `name` of `parent`.
    fn opt_obj<'a, 'i>(
        &mut self,
        parent: &Obj<'a, 'i>,
        name: &str,
        known: &[&str],
    ) -> Option<Obj<'a, 'i>> {
        parent
            .get(name)
            .map(|v| self.obj(parent.child(name), v, known))
    }

    /// A required field read by `read`; a problem naming `expected` when missing.
    fn req<'a, 'i, T>(
        &mut self,
        o: &Obj<'a, 'i>,
        name: &str,
        expected: &str,
        read: impl FnOnce(&mut Self, &str, &'a Node<'i>) -> Option<T>,
    ) -> Option<T> {
        let key = o.child(name);
        match o.get(name) {
            Some(v) => {
                self.mark(&key, v);
                let before = self.problems.len();
                let value = read(self, &key, v);
                // A type problem at the field itself says what is allowed.
                if let Some(p) = self.problems.iter_mut().skip(before).find(|p| p.key == key) {
                    p.message.push_str(&format!(" (allowed: {expected})"));
                }
                value
            }
            None => {
                self.fail(
                    &key,
                    o.at,
                    format!("missing: {name} is required ({expected})"),
                );
                None
            }
        }
    }

    /// An optional field read by `read`; `None` when absent or unreadable.
    fn opt<'a, 'i, T>(
        &mut self,
        o: &Obj<'a, 'i>,
        name: &str,
        read: impl FnOnce(&mut Self, &str, &'a Node<'i>) -> Option<T>,
    ) -> Option<T> {
        let key = o.child(name);
        let v = o.get(name)?;
        self.mark(&key, v);
        read(self, &key, v)
    }

    fn string(&mut self, key: &str, v: &Node) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.fail(
                    key,
                    v.span().start,
                    format!("must be a string, not {}", what(other)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, v: &Node) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.fail(
                    key,
                    v.span().start,
                    format!("must be true or false, not {}", what(other)),
                );
                None
            }
        }
    }

    fn integer(&mut self, key: &str, v: &Node) -> Option<i64> {
        let err = match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => return Some(n),
                Err(_) => format!(
                    "{} is too large: must be a whole number",
                    escaped(&i.to_string())
                ),
            },
            other => format!("must be a whole number, not {}", what(other)),
        };
        self.fail(key, v.span().start, err);
        None
    }

    /// A number (integer or float); NaN and infinities are passed on for
    /// validation to report with the allowed range.
    fn number(&mut self, key: &str, v: &Node) -> Option<f64> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                if let Ok(n) = i64::from_str_radix(i.as_str(), i.radix()) {
                    return Some(n as f64);
                }
                let n: Option<f64> = i.as_str().parse().ok().filter(|_| i.radix() == 10);
                if n.is_none() {
                    self.fail(
                        key,
                        v.span().start,
                        format!("{} is not a number", escaped(&i.to_string())),
                    );
                }
                n
            }
            DeValue::Float(f) => {
                let s = f.as_str();
                let bare = s.trim_start_matches(['+', '-']);
                if bare == "nan" {
                    return Some(f64::NAN);
                }
                let n: Option<f64> = s.parse().ok();
                if n.is_none() {
                    self.fail(
                        key,
                        v.span().start,
                        format!("{} is not a number", escaped(s)),
                    );
                }
                n
            }
            other => {
                self.fail(
                    key,
                    v.span().start,
                    format!("must be a number, not {}", what(other)),
                );
                None
            }
        }
    }

    /// A parameter: a number, a range `"a to b"` or a distribution table.
    fn param(&mut self, key: &str, v: &Node) -> Option<Param> {
        match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => self.number(key, v).map(Param::Fixed),
            DeValue::String(s) => match parse_range(s) {
                Ok(d) => Some(Param::Uncertain(Truncated::whole(d))),
                Err(e) => {
                    self.fail(key, v.span().start, e);
                    None
                }
            },
            DeValue::Table(_) => self.dist_table(key, v),
            other => {
                self.fail(
                    key,
                    v.span().start,
                    format!(
                        "must be a number, a range \"a to b\" or a distribution table like {{ dist = \"beta\", mean = 0.5, sd = 0.1 }}, not {}",
                        what(other)
                    ),
                );
                None
            }
        }
    }

    fn dist_table(&mut self, key: &str, v: &Node) -> Option<Param> {
        const KINDS: [&str; 6] = [
            "uniform",
            "triangular",
            "normal",
            "lognormal",
            "beta",
            "gamma",
        ];
        self.mark(key, v);
        let DeValue::Table(t) = v.get_ref() else {
            return None;
        };
        let probe = Obj {
            key: key.to_string(),
            table: Some(t),
            at: v.span().start,
        };
        let kind = self.req(
            &probe,
            "dist",
            "one of uniform, triangular, normal, lognormal, beta, gamma",
            Self::string,
        )?;
        let fields: &[&str] = match kind.as_str() {
            "uniform" => &["dist", "shared", "min", "max"],
            "triangular" => &["dist", "shared", "min", "mode", "max"],
            "normal" | "beta" | "gamma" => &["dist", "shared", "mean", "sd"],
            "lognormal" => &["dist", "shared", "mu", "sigma", "p05", "p95"],
            other => {
                let hint =
                    suggest(other, &KINDS).map_or(String::new(), |s| format!("did you mean {s}? "));
                let at = probe.get("dist").map_or(probe.at, |d| d.span().start);
                self.fail(
                    &probe.child("dist"),
                    at,
                    format!(
                        "unknown distribution {}: {hint}allowed {}",
                        quoted(other),
                        KINDS.join(", ")
                    ),
                );
                return None;
            }
        };
        // Unknown keys are reported under the parameter's own path.
        let before = self.problems.len();
        self.keys(&probe, fields);
        let mut ok = self.problems.len() == before;
        let mut num = |r: &mut Self, name: &str| -> Option<f64> {
            let x = r.req(&probe, name, "a number", Self::number);
            ok &= x.is_some();
            x
        };
        let dist = match kind.as_str() {
            "uniform" => Dist::Uniform {
                min: num(self, "min").unwrap_or(0.0),
                max: num(self, "max").unwrap_or(0.0),
            },
            "triangular" => Dist::Triangular {
                min: num(self, "min").unwrap_or(0.0),
                mode: num(self, "mode").unwrap_or(0.0),
                max: num(self, "max").unwrap_or(0.0),
            },
            "normal" => Dist::Normal {
                mean: num(self, "mean").unwrap_or(0.0),
                sd: num(self, "sd").unwrap_or(0.0),
            },
            "beta" => Dist::Beta {
                mean: num(self, "mean").unwrap_or(0.0),
                sd: num(self, "sd").unwrap_or(0.0),
            },
            "gamma" => Dist::Gamma {
                mean: num(self, "mean").unwrap_or(0.0),
                sd: num(self, "sd").unwrap_or(0.0),
            },
            _ => {
                let has = |n: &str| probe.get(n).is_some();
                if has("mu") || has("sigma") {
                    Dist::Lognormal {
                        mu: num(self, "mu"),
                        sigma: num(self, "sigma"),
                        p05: probe
                            .get("p05")
                            .and_then(|x| self.number(&probe.child("p05"), x)),
                        p95: probe
                            .get("p95")
                            .and_then(|x| self.number(&probe.child("p95"), x)),
                    }
                } else {
                    Dist::Lognormal {
                        mu: None,
                        sigma: None,
                        p05: num(self, "p05"),
                        p95: num(self, "p95"),
                    }
                }
            }
        };
        let shared = self.opt(&probe, "shared", Self::string);
        if probe.get("shared").is_some() && shared.is_none() {
            ok = false;
        }
        if !ok {
            self.broken.insert(key.to_string());
            return None;
        }
        let dist = Truncated::whole(dist);
        Some(match shared {
            Some(shared) => Param::Shared(SharedDist { dist, shared }),
            None => Param::Uncertain(dist),
        })
    }

    fn month(&mut self, key: &str, v: &Node) -> Option<MonthRef> {
        match v.get_ref() {
            DeValue::Integer(_) => self.integer(key, v).map(MonthRef::Index),
            DeValue::String(s) => match YearMonth::parse(s) {
                Ok(_) => Some(MonthRef::Date(s.to_string())),
                Err(_) => {
                    self.fail(
                        key,
                        v.span().start,
                        format!("{} is not a month: write a model month 1..T or a date \"YYYY-MM\" with month 01..12, e.g. \"2004-04\"", quoted(s)),
                    );
                    None
                }
            },
            other => {
                self.fail(
                    key,
                    v.span().start,
                    format!("must be a month (1..T or \"YYYY-MM\"), not {}", what(other)),
                );
                None
            }
        }
    }

    fn schedule(&mut self, key: &str, v: &Node) -> Option<Schedule> {
        let DeValue::Array(items) = v.get_ref() else {
            return self.param(key, v).map(Schedule::Constant);
        };
        let mut steps = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let k = format!("{key}.{}", i + 1);
            self.mark(&k, item);
            match item.get_ref() {
                DeValue::Array(pair) if pair.len() == 2 => {
                    // Cannot fail: the guard checked that there are two elements.
                    #[allow(clippy::indexing_slicing)]
                    let (m, p) = (self.month(&k, &pair[0]), self.param(&k, &pair[1]));
                    match (m, p) {
                        (Some(m), Some(p)) => steps.push((m, p)),
                        _ => ok = false,
                    }
                }
                other => {
                    self.fail(
                        &k,
                        item.span().start,
                        format!("a step is written [month, value], not {}", what(other)),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Schedule::Steps(steps))
    }

    fn strings(&mut self, key: &str, v: &Node) -> Option<Vec<String>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(
                key,
                v.span().start,
                format!(
                    "must be a list of names like [\"dd\", \"reinsertion\"], not {}",
                    what(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            out.push(self.string(&format!("{key}.{}", i + 1), item)?);
        }
        Some(out)
    }

    fn params(&mut self, key: &str, v: &Node) -> Option<Vec<Param>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(
                key,
                v.span().start,
                format!(
                    "must be a list of amounts like [150, 0, 150], not {}",
                    what(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let k = format!("{key}.{}", i + 1);
            self.mark(&k, item);
            match self.param(&k, item) {
                Some(p) => out.push(p),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// The entries of an array of tables such as `[[group]]`, each with its key path.
    fn items<'a, 'i>(
        &mut self,
        root: &Obj<'a, 'i>,
        name: &str,
        known: &[&str],
    ) -> Vec<Obj<'a, 'i>> {
        let Some(v) = root.get(name) else {
            return Vec::new();
        };
        self.mark(name, v);
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(
                name,
                v.span().start,
                format!(
                    "must be written as [[{name}]] entries, not {}",
                    what(v.get_ref())
                ),
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let id = match item.get_ref() {
                    DeValue::Table(t) => t
                        .iter()
                        .find(|(k, _)| k.get_ref().as_ref() == "id")
                        .and_then(|(_, v)| match v.get_ref() {
                            DeValue::String(s) => Some(s.to_string()),
                            _ => None,
                        })
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let key = item_key(name, &id, i);
                let o = self.obj(key, item, known);
                o.table.map(|_| o)
            })
            .collect()
    }

    /// Reads the whole document.
    pub fn file(&mut self, root: &DeTable) -> ScenarioFile {
        let top = Obj {
            key: String::new(),
            table: Some(root),
            at: 0,
        };
        // Top-level keys have no parent prefix.
        let child = |n: &str| n.to_string();
        let known = [
            "scenario", "group", "assessed", "pledge", "national", "appeal", "ssr", "conflict",
            "policy",
        ];
        for (k, v) in root.iter() {
            let name = k.get_ref().as_ref();
            if !known.contains(&name) {
                let hint = match suggest(name, &known) {
                    Some(s) => {
                        if top.get(s).is_none() {
                            self.broken.insert(s.to_string());
                        }
                        format!("did you mean {s}? ")
                    }
                    None => String::new(),
                };
                let key = escaped(name);
                self.fail(
                    &key,
                    k.span().start,
                    format!(
                        "unknown table {}: {hint}allowed: {}",
                        quoted(name),
                        known.join(", ")
                    ),
                );
                self.mark(&key, v);
            }
        }
        let get = |n: &str| top.get(n);
        let req_top = |r: &mut Self, n: &str, fields: &[&str]| match get(n) {
            Some(v) => r.obj(child(n), v, fields),
            None => {
                r.fail(n, 0, format!("missing table [{n}]"));
                Obj {
                    key: child(n),
                    table: None,
                    at: 0,
                }
            }
        };
        let meta = req_top(self, "scenario", MetaFile::KEYS);
        let scenario = self.meta(&meta);
        let group = self
            .items(&top, "group", GroupFile::KEYS)
            .iter()
            .map(|o| self.group(o))
            .collect();
        let a = req_top(self, "assessed", AssessedFile::KEYS);
        let assessed = self.assessed(&a);
        let pledge = self
            .items(&top, "pledge", PledgeFile::KEYS)
            .iter()
            .map(|o| self.pledge(o))
            .collect();
        let national = get("national").map(|v| {
            let o = self.obj(child("national"), v, NationalFile::KEYS);
            NationalFile {
                monthly: self
                    .req(&o, "monthly", "USD per month", Self::param)
                    .unwrap_or(Param::Fixed(0.0)),
                from: self
                    .req(&o, "from", "a month", Self::month)
                    .unwrap_or(MonthRef::Index(1)),
                to: self
                    .req(&o, "to", "a month", Self::month)
                    .unwrap_or(MonthRef::Index(1)),
                eligible: self
                    .req(&o, "eligible", "a list of components", Self::strings)
                    .unwrap_or_default(),
            }
        });
        let appeal = get("appeal").map(|v| {
            let o = self.obj(child("appeal"), v, AppealFile::KEYS);
            AppealFile {
                trigger: self
                    .req(&o, "trigger", "USD", Self::param)
                    .unwrap_or(Param::Fixed(0.0)),
                cooldown: self
                    .req(&o, "cooldown", "months", Self::integer)
                    .unwrap_or(1),
                share: self
                    .req(&o, "share", "a share in [0, 1]", Self::param)
                    .unwrap_or(Param::Fixed(0.0)),
                delay: self
                    .req(&o, "delay", "months", Self::param)
                    .unwrap_or(Param::Fixed(1.0)),
            }
        });
        let s = req_top(self, "ssr", SsrFile::KEYS);
        let ssr = SsrFile {
            monthly_requirement: self
                .req(&s, "monthly_requirement", "USD per month", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            s0: self
                .req(&s, "s0", "a number in [0, 1]", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            s_max: self
                .req(&s, "s_max", "a number in [0, 1]", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            kappa: self
                .req(&s, "kappa", "a number >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
        };
        let c = req_top(self, "conflict", ConflictFile::KEYS);
        let conflict = ConflictFile {
            lambda0: self
                .req(&c, "lambda0", "a rate >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            b_armed: self
                .req(&c, "b_armed", "a number >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            b_idle: self
                .req(&c, "b_idle", "a number >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            b_sec: self
                .req(&c, "b_sec", "a number >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
        };
        let policy = self
            .items(&top, "policy", PolicyFile::KEYS)
            .iter()
            .map(|o| self.policy(o))
            .collect();
        ScenarioFile {
            scenario,
            group,
            assessed,
            pledge,
            national,
            appeal,
            ssr,
            conflict,
            policy,
        }
    }

    fn meta(&mut self, o: &Obj) -> MetaFile {
        MetaFile {
            name: self
                .req(o, "name", "letters, digits, '-', '_' and '.'", Self::string)
                .unwrap_or_default(),
            description: self.opt(o, "description", Self::string).unwrap_or_default(),
            start: self
                .req(o, "start", "a month \"YYYY-MM\"", Self::string)
                .unwrap_or_else(|| "2000-01".into()),
            horizon_months: self
                .req(
                    o,
                    "horizon_months",
                    "a whole number of months",
                    Self::integer,
                )
                .unwrap_or(1),
            replicates: self.opt(o, "replicates", Self::integer).unwrap_or(1000),
            seed: self.opt(o, "seed", Self::integer).unwrap_or(1),
            fiscal_year_start: self.opt(o, "fiscal_year_start", Self::integer).unwrap_or(7),
            admission: self.opt(o, "admission", Self::string),
            priority: self.opt(o, "priority", Self::strings),
            overhead_monthly: self.opt(o, "overhead_monthly", Self::param),
        }
    }

    fn group(&mut self, o: &Obj) -> GroupFile {
        let fixed = |x: f64| Param::Fixed(x);
        let hazard = self.req_obj(o, "hazard", HazardFile::KEYS);
        let h = &hazard;
        let rate = "a monthly hazard >= 0";
        GroupFile {
            id: self
                .req(o, "id", "letters, digits, '-' and '_'", Self::string)
                .unwrap_or_default(),
            label: self.opt(o, "label", Self::string),
            caseload: self
                .req(o, "caseload", "a number of people > 0", Self::param)
                .unwrap_or(fixed(1.0)),
            turnout: self
                .req(
                    o,
                    "turnout",
                    "a share per month, or steps [[month, share], ...]",
                    Self::schedule,
                )
                .unwrap_or(Schedule::Constant(fixed(0.0))),
            site_capacity: self
                .req(
                    o,
                    "site_capacity",
                    "people per month, or steps",
                    Self::schedule,
                )
                .unwrap_or(Schedule::Constant(fixed(0.0))),
            dd_months: self
                .req(
                    o,
                    "dd_months",
                    "a whole number of months >= 1",
                    Self::integer,
                )
                .unwrap_or(1),
            dd_cost: self
                .req(o, "dd_cost", "USD > 0", Self::param)
                .unwrap_or(fixed(1.0)),
            reinsertion_payments: self
                .req(
                    o,
                    "reinsertion_payments",
                    "a list of USD amounts, one per month",
                    Self::params,
                )
                .unwrap_or_else(|| vec![fixed(0.0)]),
            reint_months: self
                .req(
                    o,
                    "reint_months",
                    "a whole number of months >= 1",
                    Self::integer,
                )
                .unwrap_or(1),
            reint_startup: self
                .req(o, "reint_startup", "USD >= 0", Self::param)
                .unwrap_or(fixed(1.0)),
            reint_monthly: self
                .req(o, "reint_monthly", "USD >= 0", Self::param)
                .unwrap_or(fixed(1.0)),
            intake_capacity: self
                .req(
                    o,
                    "intake_capacity",
                    "people per month, or steps",
                    Self::schedule,
                )
                .unwrap_or(Schedule::Constant(fixed(0.0))),
            absorption: self
                .opt_obj(o, "absorption", AbsorptionFile::KEYS)
                .map(|a| AbsorptionFile {
                    share: self
                        .req(&a, "share", "a share in [0, 1]", Self::param)
                        .unwrap_or(fixed(0.0)),
                    capacity: self
                        .req(&a, "capacity", "people per month, or steps", Self::schedule)
                        .unwrap_or(Schedule::Constant(fixed(0.0))),
                    cost: self
                        .req(&a, "cost", "USD > 0", Self::param)
                        .unwrap_or(fixed(1.0)),
                }),
            hazard: HazardFile {
                rerecruit: self
                    .req(h, "rerecruit", rate, Self::param)
                    .unwrap_or(fixed(0.0)),
                wait_effect: self
                    .req(h, "wait_effect", "a number >= 0", Self::param)
                    .unwrap_or(fixed(0.0)),
                wait_cap: self
                    .req(
                        h,
                        "wait_cap",
                        "a whole number of months >= 0",
                        Self::integer,
                    )
                    .unwrap_or(0),
                insecurity_effect: self
                    .req(h, "insecurity_effect", "a number >= 0", Self::param)
                    .unwrap_or(fixed(0.0)),
                rerecruit_programme: self.opt(h, "rerecruit_programme", Self::param),
                unpaid_multiplier: self.opt(h, "unpaid_multiplier", Self::param),
                self_reintegration: self
                    .req(h, "self_reintegration", rate, Self::param)
                    .unwrap_or(fixed(0.0)),
                lost: self.req(h, "lost", rate, Self::param).unwrap_or(fixed(0.0)),
                dropout: self
                    .req(h, "dropout", rate, Self::param)
                    .unwrap_or(fixed(0.0)),
                dropout_interrupted: self.opt(h, "dropout_interrupted", Self::param),
                relapse: self
                    .req(h, "relapse", rate, Self::param)
                    .unwrap_or(fixed(0.0)),
                relapse_self: self.opt(h, "relapse_self", Self::param),
            },
        }
    }

    fn assessed(&mut self, o: &Obj) -> AssessedFile {
        let mut by_year = BTreeMap::new();
        if let Some(v) = o.get("by_year") {
            // Any key may be a year: validation checks it.
            let b = Obj {
                key: o.child("by_year"),
                table: match v.get_ref() {
                    DeValue::Table(t) => Some(t),
                    other => {
                        let msg = format!(
                            "must be a table of fiscal years like {{ 2004 = 40e6 }}, not {}",
                            what(other)
                        );
                        self.fail(&o.child("by_year"), v.span().start, msg);
                        None
                    }
                },
                at: v.span().start,
            };
            self.mark(&b.key, v);
            if let Some(t) = b.table {
                for (k, v) in t.iter() {
                    let key = b.child(&escaped(k.get_ref()));
                    self.mark(&key, v);
                    if let Some(p) = self.param(&key, v) {
                        by_year.insert(k.get_ref().to_string(), p);
                    }
                }
            }
        }
        AssessedFile {
            annual: self
                .req(o, "annual", "USD per fiscal year", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            by_year,
            eligible: self.opt(o, "eligible", Self::strings),
            approval_delay: self.opt(o, "approval_delay", Self::param),
        }
    }

    fn pledge(&mut self, o: &Obj) -> PledgeFile {
        PledgeFile {
            id: self
                .req(o, "id", "letters, digits, '-' and '_'", Self::string)
                .unwrap_or_default(),
            donor: self.opt(o, "donor", Self::string).unwrap_or_default(),
            amount: self
                .req(o, "amount", "USD >= 0", Self::param)
                .unwrap_or(Param::Fixed(0.0)),
            month: self
                .req(o, "month", "a month 1..T or \"YYYY-MM\"", Self::month)
                .unwrap_or(MonthRef::Index(1)),
            earmark: self.opt(o, "earmark", Self::string),
            fulfilment: self.opt(o, "fulfilment", Self::param),
            delay: self.opt(o, "delay", Self::param),
            tranches: self.opt(o, "tranches", Self::integer),
            interval: self.opt(o, "interval", Self::integer),
        }
    }

    fn policy(&mut self, o: &Obj) -> PolicyFile {
        PolicyFile {
            id: self
                .req(o, "id", "letters, digits, '-' and '_'", Self::string)
                .unwrap_or_default(),
            description: self.opt(o, "description", Self::string).unwrap_or_default(),
            kickstart: self
                .opt_obj(o, "kickstart", KickstartFile::KEYS)
                .map(|k| KickstartFile {
                    start: self
                        .req(&k, "start", "a month 1..T or \"YYYY-MM\"", Self::month)
                        .unwrap_or(MonthRef::Index(1)),
                    months: self
                        .req(&k, "months", "a whole number of months >= 1", Self::integer)
                        .unwrap_or(1),
                    amount: self.opt(&k, "amount", Self::param),
                    mode: self
                        .req(&k, "mode", "added or reallocated", Self::string)
                        .unwrap_or_else(|| "reallocated".into()),
                    offset_voluntary: self
                        .opt(&k, "offset_voluntary", Self::boolean)
                        .unwrap_or(false),
                }),
            bridge: self
                .opt_obj(o, "bridge", BridgeFile::KEYS)
                .map(|b| BridgeFile {
                    cap: self
                        .req(&b, "cap", "USD >= 0", Self::param)
                        .unwrap_or(Param::Fixed(0.0)),
                }),
            admission: self.opt(o, "admission", Self::string),
            priority: self.opt(o, "priority", Self::strings),
            pledge_shift: self.opt(o, "pledge_shift", Self::integer),
        }
    }
}

/// Parses `text` into a spanned document and reads it; syntax errors are
/// returned as problems (there is then nothing more to read).
pub fn read(text: &str) -> (Option<ScenarioFile>, Reader<'_>) {
    let mut r = Reader::new(text);
    match DeTable::parse(text) {
        Ok(doc) => {
            let file = r.file(doc.get_ref());
            (Some(file), r)
        }
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim().replace('\n', " ");
            r.problems.push(Problem {
                key: "toml".into(),
                message: format!("not valid TOML: {}", escaped_long(&msg)),
                at: Some(line_col(text, at)),
            });
            (None, r)
        }
    }
}

/// A parser message with control characters escaped (kept whole).
fn escaped_long(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_ignore_unrelated_words() {
        let known = ["reint_months", "reint_monthly", "dd_cost", "sd"];
        assert_eq!(suggest("reint_monthz", &known), Some("reint_months"));
        assert_eq!(suggest("DD_COST", &known), Some("dd_cost"));
        assert_eq!(suggest("sdd", &known), Some("sd"));
        assert_eq!(suggest("colour", &known), None);
    }

    #[test]
    fn user_text_is_escaped_and_cut() {
        assert_eq!(escaped("a\nb\u{0}\"c"), "a\\nb\\0\\\"c");
        let long = "x".repeat(100);
        let e = escaped(&long);
        assert_eq!(e.chars().count(), ECHO + 1);
        assert!(e.ends_with('…'));
        assert_eq!(quoted("é"), "\"é\"");
    }

    #[test]
    fn broken_keys_cover_the_keys_under_them() {
        let mut b = Broken::default();
        b.insert("group.men.turnout");
        assert!(b.covers("group.men.turnout.2"));
        assert!(b.covers("group.men.turnout"));
        assert!(!b.covers("group.men.turnout_x"));
        assert!(!b.covers("group.men"));
    }

    #[test]
    fn keys_under_a_broken_key_are_recognised() {
        assert!(under("group.men.turnout.2", "group.men.turnout"));
        assert!(under("group.men", "group.men"));
        assert!(!under("group.menx", "group.men"));
        assert!(!under("group", "group.men"));
    }

    #[test]
    fn every_reading_problem_has_a_position_and_one_problem_per_key() {
        let (file, r) = read("[scenario]\nname = 3\nname2 = 1\nhorizon_months = 1.5\n");
        assert!(file.is_some());
        let keys: Vec<&str> = r.problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"scenario.name"), "{keys:?}");
        assert!(keys.contains(&"scenario.name2"), "{keys:?}");
        assert!(keys.contains(&"scenario.horizon_months"), "{keys:?}");
        assert!(keys.contains(&"scenario.start"), "{keys:?}");
        assert!(r.problems.iter().all(|p| p.at.is_some()));
        let (file, r) = read("[scenario\n");
        assert!(file.is_none());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].key, "toml");
    }
}
