//! cargo-fuzz target: bundled scenarios with some numbers replaced (see
//! `harness::values_input`), then the same checks as `scenario`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    if let Some(text) = harness::values_input(data) {
        harness::check(text.as_bytes());
    }
});
