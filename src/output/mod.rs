//! Output files of a run: atomic folders ([`atomic`]), number formatting
//! ([`number`]), the streamed `replicates.csv` ([`replicates`]), summary
//! tables ([`tables`]), the manifest ([`manifest`]) and shard folders
//! ([`shard`]).

#![deny(clippy::indexing_slicing)]

pub mod atomic;
pub mod channels;
pub mod manifest;
pub mod number;
pub mod replicates;
pub mod shard;
pub mod tables;
