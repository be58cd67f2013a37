//! Any bytes into `Value`s, until the first error; what decodes must re-encode and decode the same.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gob_codec_fuzz::decode_value(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    gob_codec_fuzz::replay_main("decode_value", gob_codec_fuzz::decode_value)
}
