//! `replicates.csv`: one row per replicate and policy, streamed block by
//! block so memory does not grow with the number of replicates.

use super::number::exact_opt;
use super::tables::column_name;
use crate::model::outcome::{outcome_columns, Column};
use crate::scenario::Scenario;
use crate::stats::accum::ReplicateResult;
use anyhow::Result;
use std::io::Write;

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
    pub fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
