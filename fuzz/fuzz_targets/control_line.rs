#![no_main]
//! cargo-fuzz target: see fuzz/entries.rs, `control_line`.

#[path = "../entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::control_line(data));
