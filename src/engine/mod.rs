//! The stochastic engine: keyed random streams ([`rng`]), the draws
//! ([`draw`], exact binomial sampler [`binomial`]) and the monthly loop of one replicate ([`sim`]).

mod allocate;
pub mod binomial;
pub mod channels;
pub mod draw;
pub mod inputs;
mod money;
pub mod point;
pub mod rng;
pub mod run;
pub mod sim;

pub use sim::simulate;
