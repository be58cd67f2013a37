//! Any bytes into a few typed Rust structs (through serde), and skipped (`IgnoredAny`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gob_codec_fuzz::decode_typed(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    gob_codec_fuzz::replay_main("decode_typed", gob_codec_fuzz::decode_typed)
}
