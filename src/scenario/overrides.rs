//! `--set key.path=value` overrides: edits of the scenario's TOML text,
//! applied before it is parsed and validated, so an overridden scenario is
//! checked exactly like a file and its text (with comments kept) is what the
//! output folder stores and hashes.
//!
//! Key paths follow docs/scenario-format.md section 4: `scenario.horizon_months`,
//! `assessed.annual`, `group.<id>.hazard.rerecruit` (`group.*.` for every
//! group), `pledge.<id>.delay`, `policy.<id>.kickstart.amount`, and
//! `shared.<name>` for every parameter carrying the shared draw `<name>`.
//! Values use the file's own syntax: a number, a quoted or bare string
//! (`"0.002 to 0.008"`, `2026-05`, `added`), or an inline table for a
//! distribution (`{ dist = "uniform", min = 1, max = 2 }`).

#![deny(clippy::indexing_slicing)]

use std::fmt;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// One `key=value` override as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Key path.
    pub key: String,
    /// Value text, in the scenario file's syntax.
    pub value: String,
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

impl std::str::FromStr for Override {
    type Err = String;

    /// Parses `key.path=value` (the first `=` separates them).
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("override '{s}' has no '=': write key.path=value"))?;
        let key = k.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(format!("override '{s}': '{key}' is not a key path"));
        }
        Ok(Override {
            key: key.to_string(),
            value: v.trim().to_string(),
        })
    }
}

/// Arrays of tables whose entries are addressed by their `id`.
const BY_ID: [&str; 3] = ["group", "pledge", "policy"];

/// The value of an override: a TOML value if it parses as one, else the
/// text as a string (so `2026-05`, `added` and `0.002 to 0.008` need no quotes).
fn parse_value(text: &str) -> Value {
    match text.parse::<Value>() {
        Ok(v) => v.decorated(" ", ""),
        Err(_) => Value::from(text).decorated(" ", ""),
    }
}

/// The shared-draw name a value carries, if it is a distribution table with `shared`.
fn shared_name(item: &Item) -> Option<String> {
    let t = item.as_inline_table()?;
    t.get("shared")?.as_str().map(str::to_string)
}

/// Every key path in the document whose value carries shared draw `name`.
fn keys_sharing(doc: &DocumentMut, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(prefix: &str, table: &Table, name: &str, out: &mut Vec<String>) {
        for (k, item) in table.iter() {
            let path = if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            };
            match item {
                Item::Table(t) => walk(&path, t, name, out),
                Item::ArrayOfTables(a) => {
                    for t in a.iter() {
                        let id = t.get("id").and_then(Item::as_str).unwrap_or("?");
                        walk(&format!("{path}.{id}"), t, name, out);
                    }
                }
                other if shared_name(other).as_deref() == Some(name) => out.push(path),
                _ => {}
            }
        }
    }
    walk("", doc.as_table(), name, &mut out);
    out
}

/// The tables an override's path selects, and how many segments of the
/// path they consumed (never more than `segs.len()`).
fn targets<'a>(
    doc: &'a mut DocumentMut,
    segs: &[&str],
) -> Result<(Vec<&'a mut Table>, usize), String> {
    let Some(&first) = segs.first() else {
        return Err("an empty key".to_string());
    };
    if BY_ID.contains(&first) {
        let Some(id) = segs.get(1) else {
            return Err(format!(
                "'{first}' needs an id: {first}.<id>.<key> or {first}.*.<key>"
            ));
        };
        let Some(Item::ArrayOfTables(arr)) = doc.get_mut(first) else {
            return Err(format!("the scenario has no [[{first}]] entries"));
        };
        let ids: Vec<String> = arr
            .iter()
            .map(|t| t.get("id").and_then(Item::as_str).unwrap_or("").to_string())
            .collect();
        let picked: Vec<&mut Table> = arr
            .iter_mut()
            .zip(&ids)
            .filter(|(_, i)| *id == "*" || i.as_str() == *id)
            .map(|(t, _)| t)
            .collect();
        if picked.is_empty() {
            return Err(format!(
                "no {first} has id '{id}'; ids are: {}",
                ids.join(", ")
            ));
        }
        Ok((picked, 2))
    } else {
        Ok((vec![doc.as_table_mut()], 0))
    }
}

/// Sets `path` (already split) inside `table`: intermediate tables must
/// exist; the last key is replaced or added.
fn set_in(table: &mut Table, path: &[&str], value: &Value, full: &str) -> Result<(), String> {
    let (last, parents) = path
        .split_last()
        .ok_or_else(|| format!("'{full}' names a table, not a value"))?;
    let mut t: &mut Table = table;
    for (i, seg) in parents.iter().enumerate() {
        t = match t.get_mut(seg) {
            Some(Item::Table(inner)) => inner,
            Some(_) => {
                return Err(format!(
                    "'{}' in '{full}' is a value, not a table",
                    parents
                        .iter()
                        .take(i + 1)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(".")
                ))
            }
            None => {
                return Err(format!(
                    "'{full}': the scenario has no table '{}' here",
                    parents
                        .iter()
                        .take(i + 1)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(".")
                ))
            }
        };
    }
    if let Some(Item::Table(_)) = t.get(last) {
        return Err(format!("'{full}' names a table, not a value"));
    }
    // The file's comment described the old value: replace it by a note
    // saying what the file had, so the stored scenario stays honest.
    let old = t.get(last).and_then(Item::as_value).map(|v| {
        let mut bare = v.clone();
        bare.decor_mut().clear();
        bare.to_string()
    });
    let mut v = value.clone();
    let note = match old {
        Some(old) => format!("  # set by --set; the file had {}", old.replace('\n', " ")),
        None => "  # set by --set".to_string(),
    };
    v.decor_mut().set_suffix(note);
    t.insert(last, Item::Value(v));
    Ok(())
}

/// Applies the overrides, in order, to the scenario text. Errors name the
/// override and say what is allowed; a key carrying a shared draw is
/// refused with the keys that share it and the `shared.<name>` override
/// that sets them together.
pub fn apply(text: &str, overrides: &[Override]) -> Result<String, Vec<String>> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text.parse().map_err(|e| {
        vec![format!(
            "cannot apply --set overrides: the scenario is not valid TOML: {e}"
        )]
    })?;
    let mut problems = Vec::new();
    for o in overrides {
        let segs: Vec<&str> = o.key.split('.').collect();
        let value = parse_value(&o.value);
        if segs.first() == Some(&"shared") {
            let Some(name) = segs.get(1).filter(|_| segs.len() == 2) else {
                problems.push(format!("--set {o}: write shared.<name>=value"));
                continue;
            };
            let keys = keys_sharing(&doc, name);
            if keys.is_empty() {
                problems.push(format!(
                    "--set {o}: no parameter carries the shared draw '{name}'"
                ));
                continue;
            }
            // A new distribution keeps the parameters on one common draw.
            let mut v = value.clone();
            if let Value::InlineTable(t) = &mut v {
                t.insert("shared", Value::from(name.to_string()));
            }
            for k in keys {
                let ks: Vec<&str> = k.split('.').collect();
                // `skip` never exceeds the path's length; were the rest
                // empty, `set_in` would refuse it with an error.
                let result = match targets(&mut doc, &ks) {
                    Ok((tables, skip)) => tables
                        .into_iter()
                        .try_for_each(|t| set_in(t, ks.get(skip..).unwrap_or_default(), &v, &k)),
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    problems.push(format!("--set {o}: {e}"));
                }
            }
            continue;
        }
        let result = (|| -> Result<(), String> {
            // Refuse a key that carries a shared draw.
            let (tables, skip) = targets(&mut doc, &segs)?;
            let rest = segs.get(skip..).unwrap_or_default();
            let mut shared = None;
            for t in &tables {
                let mut cur: Option<&Item> = None;
                let mut tt: &Table = t;
                for (i, s) in rest.iter().enumerate() {
                    match tt.get(s) {
                        Some(Item::Table(inner)) if i + 1 < rest.len() => tt = inner,
                        other => {
                            cur = other;
                            break;
                        }
                    }
                }
                if let Some(name) = cur.and_then(shared_name) {
                    shared = Some(name);
                }
            }
            if let Some(name) = shared {
                let keys = keys_sharing(&doc, &name);
                return Err(format!(
                    "'{}' carries the shared draw '{name}', also used by: {}; set them together with --set shared.{name}=VALUE",
                    o.key,
                    keys.join(", ")
                ));
            }
            let (tables, skip) = targets(&mut doc, &segs)?;
            for t in tables {
                set_in(t, segs.get(skip..).unwrap_or_default(), &value, &o.key)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            problems.push(format!("--set {o}: {e}"));
        }
    }
    if problems.is_empty() {
        Ok(doc.to_string())
    } else {
        Err(problems)
    }
}

/// A short inline-table check used in tests and docs: `{ dist = "...", ... }`.
pub fn is_distribution(value: &str) -> bool {
    value
        .parse::<Value>()
        .ok()
        .and_then(|v| v.as_inline_table().map(InlineTable::len))
        .is_some_and(|n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"[scenario]
name = "t"  # a comment
[[group]]
id = "men"
caseload = 10
[group.hazard]
rerecruit = { dist = "uniform", min = 0.001, max = 0.002, shared = "rr" }
dropout = 0.01   # cites S1
[[group]]
id = "women"
caseload = 5
[group.hazard]
rerecruit = { dist = "uniform", min = 0.001, max = 0.002, shared = "rr" }
dropout = 0.02
[[pledge]]
id = "mdtf"
delay = 3
"#;

    fn o(s: &str) -> Override {
        s.parse().expect("override")
    }

    #[test]
    fn sets_by_id_and_for_every_group_keeping_comments() {
        let out = apply(
            TEXT,
            &[o("pledge.mdtf.delay=9"), o("group.*.hazard.dropout=0.05")],
        )
        .expect("applies");
        assert!(out.contains("delay = 9"));
        assert_eq!(out.matches("dropout = 0.05").count(), 2);
        assert!(out.contains("dropout = 0.05  # set by --set; the file had 0.01"));
        assert!(out.contains("# a comment"));
        let out = apply(TEXT, &[o("group.women.caseload=7")]).expect("applies");
        assert!(out.contains("caseload = 7") && out.contains("caseload = 10"));
    }

    #[test]
    fn a_shared_key_is_refused_with_its_partners() {
        let e = apply(TEXT, &[o("group.men.hazard.rerecruit=0.004")]).expect_err("refused");
        assert!(e[0].contains("group.men.hazard.rerecruit"), "{e:?}");
        assert!(e[0].contains("group.women.hazard.rerecruit"), "{e:?}");
        assert!(e[0].contains("--set shared.rr="), "{e:?}");
        let out = apply(TEXT, &[o("shared.rr=0.004")]).expect("applies");
        assert_eq!(out.matches("rerecruit = 0.004").count(), 2);
        let out = apply(
            TEXT,
            &[o(
                r#"shared.rr={ dist = "uniform", min = 0.003, max = 0.005 }"#,
            )],
        )
        .expect("applies");
        assert_eq!(
            out.matches("shared = \"rr\" }  # set by --set").count(),
            2,
            "{out}"
        );
        assert_eq!(out.matches("min = 0.003").count(), 2);
    }

    #[test]
    fn unknown_ids_and_bad_paths_name_the_override() {
        let e = apply(TEXT, &[o("pledge.nope.delay=1")]).expect_err("refused");
        assert!(
            e[0].contains("--set pledge.nope.delay=1") && e[0].contains("mdtf"),
            "{e:?}"
        );
        let e = apply(TEXT, &[o("group.men.nosuch.x=1")]).expect_err("refused");
        assert!(e[0].contains("nosuch"), "{e:?}");
        assert!("novalue".parse::<Override>().is_err());
        assert!("a..b=1".parse::<Override>().is_err());
    }

    #[test]
    fn bare_text_becomes_a_string() {
        let out = apply(TEXT, &[o("scenario.name=other name")]).expect("applies");
        assert!(out.contains("name = \"other name\""));
        assert!(is_distribution(r#"{ dist = "uniform", min = 1, max = 2 }"#));
        assert!(!is_distribution("3"));
    }
}
