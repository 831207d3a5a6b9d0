//! Bytes (as UTF-8) → rubric loading, validation and compilation: Ok or a list of located
//! errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = callqa::rubric::from_str("fuzz.toml", text);
    }
});
