//! Finds where a key path (e.g. `group.women.hazard.dropout`) is written in
//! a scenario file, so validation problems can name a line and column.
//! Array-of-table elements are matched by their `id`; list elements by
//! their 1-based position. A key that is not written (a default) resolves
//! to the nearest enclosing table that is.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// 1-based line and column of byte offset `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn child<'a, 'i>(value: &'a Spanned<DeValue<'i>>, seg: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    match value.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == seg)
            .map(|(_, v)| v),
        DeValue::Array(items) => {
            if let Some(found) = items.iter().find(|item| match item.get_ref() {
                DeValue::Table(t) => t.iter().any(|(k, v)| {
                    k.get_ref().as_ref() == "id"
                        && matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == seg)
                }),
                _ => false,
            }) {
                return Some(found);
            }
            let n: usize = seg.parse().ok()?;
            items.get(n.checked_sub(1)?)
        }
        _ => None,
    }
}

/// Line and column of the deepest written part of `key` in `text`.
pub fn locate(text: &str, key: &str) -> Option<(usize, usize)> {
    let root: Spanned<DeTable> = DeTable::parse(text).ok()?;
    let span = root.span();
    let root = Spanned::new(span, DeValue::Table(root.into_inner()));
    let mut node = &root;
    let mut pos = None;
    for seg in key.split('.') {
        match child(node, seg) {
            Some(next) => {
                node = next;
                pos = Some(next.span().start);
            }
            None => break,
        }
    }
    pos.map(|p| line_col(text, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_by_id_and_position() {
        let text = "[scenario]\nname = \"x\"\n\n[[group]]\nid = \"men\"\n\n[[group]]\nid = \"women\"\nturnout = [[1, 0.2], [5, 0.1]]\n[group.hazard]\ndropout = -1\n";
        assert_eq!(locate(text, "group.women.hazard.dropout"), Some((11, 11)));
        assert_eq!(locate(text, "group.women.turnout.2"), Some((9, 22)));
        assert_eq!(locate(text, "scenario.name"), Some((2, 8)));
        // A default that is not written falls back to its table.
        assert_eq!(
            locate(text, "group.women.hazard.relapse").map(|p| p.0),
            Some(10)
        );
    }
}
