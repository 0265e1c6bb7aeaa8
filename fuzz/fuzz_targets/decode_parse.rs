//! Fuzz target: decoding and parsing any bytes as a feed never panics and keeps within the bounds
//! (`checks::decode_parse`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::decode_parse(data);
});
