//! The integration test binary: engine invariants and behaviour, outputs, CLI.

#[path = "support/browser.rs"]
mod browser;

mod it {
    pub mod bad_inputs;
    pub mod calibrate;
    pub mod calibration;
    pub mod claim;
    pub mod cli;
    pub mod common;
    pub mod discover;
    pub mod engine;
    pub mod explore;
    pub mod fuzz;
    pub mod honest;
    pub mod hostile;
    pub mod house;
    pub mod invariants;
    pub mod outdir;
    pub mod overrides;
    pub mod precision;
    pub mod schema;
    pub mod sensitivity;
    pub mod shards;
    pub mod shared;
    pub mod sources;
    pub mod sweep;
}
