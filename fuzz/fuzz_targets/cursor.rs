#![no_main]
//! cargo-fuzz target: see fuzz/entries.rs, `cursor`.

#[path = "../entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::cursor(data));
