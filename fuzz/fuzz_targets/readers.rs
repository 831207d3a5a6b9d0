//! Bytes → every reader, with format and encoding detection: must return (calls or located
//! errors), never panic; role assignment runs on whatever was read.
#![no_main]

use callqa::transcript::{ReadOptions, RoleHints, assign_roles, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A small turn limit so the limit check is exercised too.
    let opts = ReadOptions { max_turn_chars: Some(64), ..Default::default() };
    for call in read_bytes("fuzz/input.txt", data, &opts).into_iter().flatten() {
        assert!(!call.turns.is_empty(), "a call without turns was returned");
        let _ = assign_roles(call, &RoleHints::default());
    }
});
