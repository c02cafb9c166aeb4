//! Positions in a scenario file: byte offsets to 1-based line and column,
//! for problems to name where a key is written (see [`super::read`]).

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

/// Line starts of a text, for many [`line_col`] look-ups in `O(log lines)`
/// each (a file may hold many thousands of problems).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and column of byte offset `pos` in `text` (the text indexed).
    pub fn line_col(&self, text: &str, pos: usize) -> (usize, usize) {
        let mut pos = pos.min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= pos);
        let start = self.starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        (line.max(1), text[start..pos].chars().count() + 1)
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
        let ix = LineIndex::new(text);
        for pos in 0..=text.len() + 2 {
            assert_eq!(ix.line_col(text, pos), line_col(text, pos), "{pos}");
        }
    }
}
