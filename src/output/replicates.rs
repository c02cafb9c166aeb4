//! `replicates.csv`: one row per replicate and policy, streamed block by
//! block so memory does not grow with the number of replicates; written
//! plain, gzip-compressed (`replicates.csv.gz`) or not at all
//! ([`ReplicatesCsv`]).

#![deny(clippy::indexing_slicing)]

use super::number::exact_opt;
use super::tables::column_name;
use crate::model::outcome::{outcome_columns, Column};
use crate::scenario::Scenario;
use crate::stats::accum::ReplicateResult;
use anyhow::Result;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// How `run` writes the replicate rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicatesCsv {
    /// Not at all.
    None,
    /// `replicates.csv`.
    Csv,
    /// `replicates.csv.gz` (gzip, level [`GZ_LEVEL`], no timestamp: the
    /// bytes depend only on the rows).
    Gz,
}

/// Replicates from which the default is `gz` rather than `csv`.
pub const GZ_FROM: u64 = 10_000;

/// Fixed gzip compression level of `replicates.csv.gz`.
pub const GZ_LEVEL: u32 = 6;

impl ReplicatesCsv {
    /// The default for a run of `replicates` replicates: `csv` below
    /// [`GZ_FROM`], `gz` from it on.
    pub fn default_for(replicates: u64) -> Self {
        if replicates < GZ_FROM {
            ReplicatesCsv::Csv
        } else {
            ReplicatesCsv::Gz
        }
    }

    /// The file written, if any.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            ReplicatesCsv::None => None,
            ReplicatesCsv::Csv => Some("replicates.csv"),
            ReplicatesCsv::Gz => Some("replicates.csv.gz"),
        }
    }
}

/// Bytes handed to the gzip encoder per call: the compressed bytes depend
/// on how the input is split, so it is always split the same way.
const GZ_CHUNK: usize = 1 << 16;

/// Where replicate rows go: a plain or a gzip-compressed file.
pub enum Sink {
    /// Plain CSV.
    Plain(BufWriter<File>),
    /// Gzip-compressed CSV, fed in chunks of exactly `GZ_CHUNK` bytes
    /// (the pending bytes are the second field), so the file is the same
    /// whatever sizes the rows were written in (a merge of shards writes
    /// the same bytes as a single run).
    Gz(GzEncoder<BufWriter<File>>, Vec<u8>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gz(w, pending) => {
                pending.extend_from_slice(buf);
                if pending.len() >= GZ_CHUNK {
                    let whole = pending.len() / GZ_CHUNK * GZ_CHUNK;
                    for chunk in pending.chunks_exact(GZ_CHUNK) {
                        w.write_all(chunk)?;
                    }
                    pending.drain(..whole);
                }
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            // Pending bytes wait for a whole chunk (or `finish`).
            Sink::Gz(..) => Ok(()),
        }
    }
}

impl Sink {
    /// Creates the file of `mode` in `dir` (`None` for [`ReplicatesCsv::None`]).
    pub fn create(dir: &Path, mode: ReplicatesCsv) -> Result<Option<Sink>> {
        let Some(name) = mode.file_name() else {
            return Ok(None);
        };
        let file = File::create(dir.join(name))
            .map_err(|e| anyhow::anyhow!("cannot create {name}: {e}"))?;
        let w = BufWriter::with_capacity(1 << 16, file);
        Ok(Some(match mode {
            ReplicatesCsv::Gz => Sink::Gz(
                GzEncoder::new(w, Compression::new(GZ_LEVEL)),
                Vec::with_capacity(2 * GZ_CHUNK),
            ),
            _ => Sink::Plain(w),
        }))
    }

    /// Completes the file (the gzip trailer) and flushes it.
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush()?,
            Sink::Gz(mut w, pending) => {
                w.write_all(&pending)?;
                w.finish()?.flush()?
            }
        }
        Ok(())
    }
}

/// Streaming writer of `replicates.csv`.
pub struct ReplicateWriter<W: Write> {
    out: csv::Writer<W>,
    columns: Vec<Column>,
    policies: Vec<String>,
}

impl<W: Write> ReplicateWriter<W> {
    /// Starts the file and writes the header.
    pub fn new(w: W, sc: &Scenario) -> Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        let columns = outcome_columns(sc);
        let mut header = vec!["policy".to_string(), "replicate".to_string()];
        header.extend(columns.iter().map(|c| column_name(sc, c)));
        header.extend(sc.uncertain_keys().iter().map(|k| format!("param.{k}")));
        out.write_record(&header)?;
        Ok(ReplicateWriter {
            out,
            columns,
            policies: sc.policies.iter().map(|p| p.id.clone()).collect(),
        })
    }

    /// Writes the rows of a block of replicates (replicate order, then policy order).
    pub fn write_block(&mut self, block: &[ReplicateResult]) -> Result<()> {
        for r in block {
            for (pol, res) in self.policies.iter().zip(&r.policies) {
                let mut row = Vec::with_capacity(2 + self.columns.len() + r.params.len());
                row.push(pol.clone());
                row.push(r.index.to_string());
                row.extend(
                    self.columns
                        .iter()
                        .zip(&res.outcomes)
                        .map(|(c, v)| exact_opt(*v, c.metric.unit)),
                );
                row.extend(r.params.iter().map(|v| format!("{v}")));
                self.out.write_record(&row)?;
            }
        }
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> Result<W> {
        self.out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write replicate rows: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_compressed_from_ten_thousand_replicates() {
        assert_eq!(ReplicatesCsv::default_for(1), ReplicatesCsv::Csv);
        assert_eq!(ReplicatesCsv::default_for(9_999), ReplicatesCsv::Csv);
        assert_eq!(ReplicatesCsv::default_for(10_000), ReplicatesCsv::Gz);
        assert_eq!(ReplicatesCsv::Gz.file_name(), Some("replicates.csv.gz"));
        assert_eq!(ReplicatesCsv::None.file_name(), None);
    }
}
