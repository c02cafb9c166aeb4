//! ddrsim: a Monte Carlo simulator of DDR/SSR programme funding.
pub mod engine;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod stats;
