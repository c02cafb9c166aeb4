//! cargo-fuzz target: parse + validate any input; run one replicate of
//! whatever validates (problem size capped) and write every table.

#![no_main]

use libfuzzer_sys::fuzz_target;

// The harness also serves the `values` target.
#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::check(data);
});
