//! ddrsim: a Monte Carlo simulator of DDR/SSR programme funding.
//!
//! It asks whether paying for reintegration from the assessed UN
//! peacekeeping budget for a limited time (a "kick-start"), instead of
//! waiting for voluntary donor money, changes DDR programme outcomes.
//! The model is documented in `docs/model.md`.
//!
//! Data flow:
//!
//! ```text
//! scenario.toml -> scenario::file::ScenarioFile -> scenario::Scenario (validated)
//!   -> per replicate i: engine::rng::Streams(seed, i) -> model::inputs::Inputs (drawn once)
//!   -> engine::simulate (every policy, common random numbers) -> model::record::Trajectory
//!   -> model::outcome rows -> stats::accum::RunAccumulator (exact, mergeable)
//!   -> output (CSV, manifest) -> plot (charts) -> report (HTML)
//! ```
//!
//! The domain modules (`scenario`, `model`, `engine`, `stats`) do no I/O.
//!
//! # Example
//!
//! ```
//! use ddrsim::engine::run::run_replicate;
//! use ddrsim::model::outcome::outcome_columns;
//! use ddrsim::scenario::parse_and_validate;
//!
//! let text = include_str!("../scenarios/default.toml");
//! let scenario = parse_and_validate(text).expect("the bundled scenario is valid");
//! // Replicate 7 of seed 1: every policy on the same random streams.
//! let result = run_replicate(&scenario, 1, 7);
//! let columns = outcome_columns(&scenario);
//! let completed = columns.iter().position(|c| c.metric.name == "completed" && c.group.is_none()).unwrap();
//! let baseline = result.policies[0].outcomes[completed].unwrap();
//! let kickstart = result.policies[1].outcomes[completed].unwrap();
//! assert!(baseline > 0 && kickstart > 0);
//! // The same replicate always gives the same numbers.
//! assert_eq!(run_replicate(&scenario, 1, 7), result);
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod calibrate;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod stats;
