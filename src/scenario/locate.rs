//! Positions in a scenario file: byte offsets to 1-based line and column,
//! for problems to name where a key is written (see [`super::read`]).

#![deny(clippy::indexing_slicing)]

/// 1-based line and column of byte offset `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Line starts and character counts of a text, for many [`line_col`]
/// look-ups in `O(log n)` each, however long the lines (a file may hold
/// many thousands of problems on one line).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// `(byte offset, characters before it)` at a char boundary every ~64 bytes.
    blocks: Vec<(usize, usize)>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut blocks = Vec::with_capacity(text.len() / 64 + 1);
        let mut next = 0;
        for (chars, (i, _)) in text.char_indices().enumerate() {
            if i >= next {
                blocks.push((i, chars));
                next = i + 64;
            }
        }
        LineIndex { starts, blocks }
    }

    /// Characters of `text[..pos]` (`pos` a char boundary).
    fn chars_before(&self, text: &str, pos: usize) -> usize {
        let k = self.blocks.partition_point(|b| b.0 <= pos);
        match k.checked_sub(1).and_then(|k| self.blocks.get(k)) {
            Some(&(b, c)) => c + text[b..pos].chars().count(),
            None => text[..pos].chars().count(),
        }
    }

    /// 1-based line and column of byte offset `pos` in `text` (the text indexed).
    pub fn line_col(&self, text: &str, pos: usize) -> (usize, usize) {
        let mut pos = pos.min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= pos);
        let start = self.starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        (
            line.max(1),
            self.chars_before(text, pos) - self.chars_before(text, start) + 1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 5));
        // Inside a multi-byte character or past the end: no panic.
        assert_eq!(line_col(text, 8), (2, 2));
        assert_eq!(line_col(text, 1000).0, 3);
        let long = format!("{}\n{}", "é".repeat(300), "aé\n".repeat(100));
        for t in [text, long.as_str()] {
            let ix = LineIndex::new(t);
            for pos in 0..=t.len() + 2 {
                assert_eq!(ix.line_col(t, pos), line_col(t, pos), "{pos}");
            }
        }
    }
}
