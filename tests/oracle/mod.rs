//! Independent test oracle for the compartment engine (MODEL.md section 11):
//! an individual-level implementation of sections 2-7 ([`person`]), exact
//! finite-horizon probabilities for the no-limits case ([`exact`]), the
//! outcome vector both are compared on ([`outcomes`]) and the two-sample
//! statistics ([`stats`]).

#![allow(dead_code)]

pub mod exact;
pub mod outcomes;
pub mod person;
pub mod stats;
