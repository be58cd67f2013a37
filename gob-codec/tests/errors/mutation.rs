//! Mutation fuzzing, lite.

use gob_codec::{Decoder, ValueEncoder};
use serde::de::IgnoredAny;

use super::checks::*;

/// Every byte of every small golden stream, replaced by a few other values: decoding into `Value`s
/// (and re-encoding what decodes) must not panic.
#[test]
fn mutated_golden_streams_do_not_panic() {
    let mut tried = 0;
    for (path, data) in golden_files() {
        if data.len() >= 200 {
            continue;
        }
        for i in 0..data.len() {
            for m in [
                data[i] ^ 0xff,
                data[i] ^ 0x01,
                data[i] ^ 0x80,
                0x00,
                0x7f,
                0xf8,
            ] {
                if m == data[i] {
                    continue;
                }
                let mut d = data.clone();
                d[i] = m;
                let r = std::panic::catch_unwind(|| mutated(&d));
                assert!(
                    r.is_ok(),
                    "{}: byte {i} set to {m:#04x} panicked",
                    path.display()
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 10_000, "{tried}");
}

fn mutated(d: &[u8]) {
    let mut dec = Decoder::new(d);
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    loop {
        match dec.decode_value() {
            Ok(v) => {
                if let Some(off) = Some(dec.offset()) {
                    assert!(off <= d.len() as u64);
                }
                enc.set_types(dec.types().clone());
                let _ = enc.encode(&v);
            }
            Err(e) => {
                if let Some(off) = e.offset() {
                    assert!(
                        off <= d.len() as u64,
                        "offset {off} past {} bytes: {e}",
                        d.len()
                    );
                }
                break;
            }
        }
    }
    let _ = gob_codec::from_slice::<IgnoredAny>(d);
}
