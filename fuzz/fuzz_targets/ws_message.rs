#![no_main]
//! cargo-fuzz target: see fuzz/entries.rs, `ws_message`.

#[path = "../entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::ws_message(data));
