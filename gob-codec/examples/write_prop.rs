//! Writes property-test streams for Go to check: `OUTDIR/prop_<i>.gob` holds one `PropShape` value
//! encoded by this crate, and `OUTDIR/prop_<i>.json` the same value as Go's `encoding/json` would write
//! it (`[]byte` as padded standard base64, `map[int64]string` keys as decimal strings).
//!
//! ```text
//! cargo run -p gob-codec --example write_prop -- OUTDIR [COUNT] [SEED]
//! ```
//!
//! The Go side is `TestRustPropStreams` in `interop-go/cmd/gobvectors/fromrust_test.go`; the Go types
//! are in `prop.go` there. Values come from proptest strategies driven by a fixed seed, so every run
//! writes the same files.

#![allow(non_snake_case)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

/// Go: `type PropShape struct { ... }` in prop.go.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct PropShape {
    I: i64,
    I8: i8,
    U: u64,
    U16: u16,
    F: f64,
    F32: f32,
    B: bool,
    S: String,
    Bytes: Vec<u8>,
    Ints: Vec<i64>,
    Strs: Vec<String>,
    M: HashMap<String, i64>,
    Nested: Option<PropInner>,
    Arr: [i32; 3],
    Inners: Vec<PropInner>,
    MS: HashMap<i64, String>,
}

/// Go: `type PropInner struct { A string; B []uint; C map[string]float64 }`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct PropInner {
    A: String,
    B: Vec<u64>,
    C: HashMap<String, f64>,
}

// ---- JSON as Go's encoding/json writes the Go value ----

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (Go's `base64.StdEncoding`, which `encoding/json` uses for `[]byte`).
fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `PropShape` as Go's `encoding/json` writes it. serde_json already writes `map[int64]string` keys
/// as decimal strings and an `f32` in its shortest float32 form (as Go does for a float32); only
/// `[]byte` needs changing, to base64. A Go nil slice is `null` and an empty one `[]`; gob does not
/// tell them apart, so either is right. Only finite floats are generated (JSON has no NaN).
#[derive(Serialize)]
struct PropJson<'a> {
    I: i64,
    I8: i8,
    U: u64,
    U16: u16,
    F: f64,
    F32: f32,
    B: bool,
    S: &'a str,
    Bytes: String,
    Ints: &'a [i64],
    Strs: &'a [String],
    M: &'a HashMap<String, i64>,
    /// `PropInner` serializes as Go writes it: it has no `[]byte`.
    Nested: Option<&'a PropInner>,
    Arr: [i32; 3],
    Inners: &'a [PropInner],
    MS: &'a HashMap<i64, String>,
}

fn to_json(v: &PropShape) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&PropJson {
        I: v.I,
        I8: v.I8,
        U: v.U,
        U16: v.U16,
        F: v.F,
        F32: v.F32,
        B: v.B,
        S: &v.S,
        Bytes: base64(&v.Bytes),
        Ints: &v.Ints,
        Strs: &v.Strs,
        M: &v.M,
        Nested: v.Nested.as_ref(),
        Arr: v.Arr,
        Inners: &v.Inners,
        MS: &v.MS,
    })
}

// ---- values ----

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        3 => "[a-zA-Z0-9 ]{1,8}",
        // Any Unicode scalar values: controls, NUL, astral planes, U+2028, "<>&" that Go escapes.
        3 => prop::collection::vec(any::<char>(), 1..8).prop_map(String::from_iter),
        1 => Just("grüße, 世界 🚀 <&> \u{2028}\"\\".to_owned()),
    ]
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(f64::EPSILON),
        Just(5e-324),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 8.0),
        Just(1e21),
        Just(123456789012345680000.0),
    ]
}

fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
        Just(0.0f32),
        Just(f32::MAX),
        Just(f32::MIN),
        Just(f32::MIN_POSITIVE),
        Just(0.1f32),
        Just(1e-45f32),
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        Just(0i64),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(-1i64),
        -1000i64..1000,
        // Past 2^53, where a float64 would lose digits.
        Just((1i64 << 53) + 1),
        Just(-(1i64 << 53) - 1),
    ]
}

fn uint() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        Just(0u64),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just((1u64 << 53) + 1),
        0u64..300,
        any::<u64>().prop_map(|u| u >> (u % 64)),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 1..4),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn inner() -> impl Strategy<Value = PropInner> {
    (
        text(),
        prop::collection::vec(uint(), 0..5),
        prop::collection::hash_map(text(), finite_f64(), 0..5),
    )
        .prop_map(|(A, B, C)| PropInner { A, B, C })
}

fn prop_shape() -> impl Strategy<Value = PropShape> {
    (
        (
            int(),
            any::<i8>(),
            uint(),
            any::<u16>(),
            finite_f64(),
            finite_f32(),
            any::<bool>(),
            text(),
        ),
        (
            bytes(),
            prop::collection::vec(int(), 0..6),
            prop::collection::vec(text(), 0..6),
            prop::collection::hash_map(text(), int(), 0..6),
            prop::option::of(inner()),
            any::<[i32; 3]>(),
            prop::collection::vec(inner(), 0..4),
            prop::collection::hash_map(int(), text(), 0..6),
        ),
    )
        .prop_map(
            |((I, I8, U, U16, F, F32, B, S), (Bytes, Ints, Strs, M, Nested, Arr, Inners, MS))| {
                PropShape {
                    I,
                    I8,
                    U,
                    U16,
                    F,
                    F32,
                    B,
                    S,
                    Bytes,
                    Ints,
                    Strs,
                    M,
                    Nested,
                    Arr,
                    Inners,
                    MS,
                }
            },
        )
}

/// Hand-picked values first: all zero, all extreme, zero-but-present collections.
fn fixed_values() -> Vec<PropShape> {
    let zero_inner = PropInner::default();
    let full_inner = PropInner {
        A: "inner é".into(),
        B: vec![0, 1, u64::MAX],
        C: HashMap::from([
            ("".into(), 0.0),
            ("pi".into(), std::f64::consts::PI),
            ("neg".into(), -1e-300),
        ]),
    };
    vec![
        PropShape::default(),
        PropShape {
            Nested: Some(zero_inner.clone()),
            Inners: vec![zero_inner.clone(), zero_inner.clone()],
            ..PropShape::default()
        },
        PropShape {
            I: i64::MIN,
            I8: i8::MIN,
            U: u64::MAX,
            U16: u16::MAX,
            F: f64::MIN,
            F32: f32::MIN,
            B: true,
            S: "\u{0}\u{1f}\u{7f}\u{10ffff}".into(),
            Bytes: (0..=255).collect(),
            Ints: vec![i64::MIN, -1, 0, 1, i64::MAX],
            Strs: vec![String::new(), "x".into(), "世界".into()],
            M: HashMap::from([("".into(), 0), ("a".into(), -1), ("b".into(), i64::MAX)]),
            Nested: Some(full_inner.clone()),
            Arr: [i32::MIN, 0, i32::MAX],
            Inners: vec![full_inner, zero_inner],
            MS: HashMap::from([
                (0, String::new()),
                (i64::MIN, "min".into()),
                (i64::MAX, "max".into()),
            ]),
        },
        PropShape {
            I: i64::MAX,
            I8: i8::MAX,
            U: 1,
            F: f64::MAX,
            F32: f32::MAX,
            Bytes: vec![0],
            Ints: vec![0],
            Strs: vec![String::new()],
            M: HashMap::from([("".into(), 0)]),
            MS: HashMap::from([(0, String::new())]),
            ..PropShape::default()
        },
        PropShape {
            F: -0.0,
            F32: -0.0,
            Arr: [0, 0, -1],
            ..PropShape::default()
        },
    ]
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: write_prop OUTDIR [COUNT] [SEED]");
        return ExitCode::from(2);
    };
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let seed: u8 = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    if let Err(e) = run(&out, count, seed) {
        eprintln!("write_prop: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(out: &std::path::Path, count: usize, seed: u8) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    let strategy = prop_shape();
    let mut values = fixed_values();
    while values.len() < count {
        let tree = strategy.new_tree(&mut runner).map_err(|e| e.to_string())?;
        values.push(tree.current());
    }
    for (i, v) in values.iter().enumerate() {
        let gob = gob_codec::to_vec(v)?;
        // Guard against writing a pair that this crate itself cannot read back.
        let back: PropShape = gob_codec::from_slice(&gob)?;
        // Identity under PartialEq: a pointer to a zero PropInner is still sent (structs always
        // are), empty slices and maps come back empty, and -0.0 == 0.0.
        if back != *v {
            return Err(format!("value {i} does not round trip in Rust:\n{v:?}\n{back:?}").into());
        }
        let base = out.join(format!("prop_{i}"));
        std::fs::write(base.with_extension("gob"), &gob)?;
        std::fs::write(base.with_extension("json"), to_json(v)?)?;
    }
    println!("wrote {} gob/json pairs to {}", values.len(), out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
