#![no_main]
//! cargo-fuzz target: see fuzz/entries.rs, `http_request`.

#[path = "../entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::http_request(data));
