//! The target `load_reports` of `xks_preflight::fuzzing`, which says what it proves.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xks_preflight_fuzz::run("load_reports", data));
