//! Output files of a run: atomic folders ([`atomic`]), number formatting
//! ([`number`]), the streamed `replicates.csv` ([`replicates`]), summary
//! tables ([`tables`]) and the manifest ([`manifest`]).

pub mod atomic;
pub mod channels;
pub mod manifest;
pub mod number;
pub mod replicates;
pub mod tables;
