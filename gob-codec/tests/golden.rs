//! The golden vectors that Go wrote (`tests/golden/*.gob`, described in `tests/golden/INDEX.md`,
//! generated from `interop-go/cmd/gobvectors/cases.go`) against the Rust mirrors in `tests/cases`.
//! They are gob only: the generator writes its `contract_*` cases, Boxpark's messages, into
//! `boxpark-proto/tests/golden`, for `boxpark-proto/tests/golden.rs`.
//!
//! For every case:
//! - (a) `typed_decode`: the stream decodes into the case's Rust values, in order, then ends
//!   cleanly; decoder-side views of some cases (structs that leave fields out) decode too;
//! - (b) `value_reencode`: the stream decodes into [`Value`]s, and [`ValueEncoder`] writes them back
//!   byte for byte, with every definition Go sent (also those no value uses) where Go sent it;
//!   `value_relay` the same, each value written as soon as it is decoded;
//! - (c) `typed_encode`: one [`Encoder`] writes the case's Rust values byte for byte as Go did;
//! - (d) `typed_decode_into`: (a) with [`Decoder::decode_into`], each value into the last value
//!   of its Rust type decoded before it (of any case, with other contents: fields the stream
//!   leaves out must come back zero, longer vectors shrink), the cases forwards then backwards.
//!
//! Exceptions to (c), where the Rust bytes are instead decoded back and compared with the values
//! (and must still differ from Go's, or the exception is stale). All are Skip65 cases: Go's type
//! registry is process-global, so the types encoded first in Go's process kept ids below the
//! case's own, or cached gob names from how they were first reached, which a fresh Rust encoder
//! (whose ids only start at a chosen `first_type_id`) cannot reproduce:
//! - `skip65_shared_type`: Point kept id 64, below Polygon's 66;
//! - `skip65_name_from_map`: Point's cached gob name is "" (first seen as a map element);
//! - `skip65_slice_name`: top-level []string's cached name is "[]string" (first seen as a field);
//! - `skip65_interface`: Circle kept id 64, below Drawing's 66;
//! - `skip65_long_lived`: Person and Point kept ids from the skipped stream, below Team's.

mod cases;

use std::fmt::Write as _;
use std::path::PathBuf;

use cases::Case;
use gob_codec::{Decoder, Value, ValueEncoder};

/// The cases whose typed Rust encoding is not byte-identical (see the module docs).
const NOT_IDENTICAL: &[&str] = &[
    "skip65_shared_type",
    "skip65_name_from_map",
    "skip65_slice_name",
    "skip65_interface",
    "skip65_long_lived",
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn golden(name: &str) -> Result<Vec<u8>, String> {
    let path = golden_dir().join(format!("{name}.gob"));
    std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `Ok` when equal, else where and how `got` differs from `want`.
fn compare_bytes(got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let from = at.saturating_sub(8);
    let window = |b: &[u8]| hex(&b[from.min(b.len())..(at + 24).min(b.len())]);
    Err(format!(
        "bytes differ at offset {at} (got {} bytes, want {}); from offset {from}:\n\tgot  {}\n\twant {}",
        got.len(),
        want.len(),
        window(got),
        window(want)
    ))
}

/// Decodes `data` into `values`' types in order and compares; the stream must then end.
fn decode_all(data: &[u8], values: &[Box<dyn cases::CaseValue>]) -> Result<(), String> {
    let mut dec = Decoder::new(data);
    for (i, v) in values.iter().enumerate() {
        v.check_next(&mut dec)
            .map_err(|e| format!("value {i}: {e}"))?;
    }
    match dec.decode_value() {
        Err(e) if e.is_eof() => Ok(()),
        Err(e) => Err(format!(
            "after {} values: want EOF, got error {e}",
            values.len()
        )),
        Ok(v) => Err(format!(
            "after {} values: want EOF, got {v:?}",
            values.len()
        )),
    }
}

/// (a): the case's values and every view of them.
fn typed_decode(case: &Case, data: &[u8]) -> Result<(), String> {
    decode_all(data, &case.values)?;
    for (i, view) in case.views.iter().enumerate() {
        decode_all(data, view).map_err(|e| format!("view {i}: {e}"))?;
    }
    Ok(())
}

/// (b): `Value`s and back.
fn value_reencode(data: &[u8]) -> Result<(), String> {
    let mut dec = Decoder::new(data);
    let mut values: Vec<Value> = Vec::new();
    loop {
        match dec.decode_value() {
            Ok(v) => values.push(v),
            Err(e) if e.is_eof() => break,
            Err(e) => return Err(format!("decoding value {}: {e}", values.len())),
        }
    }
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    for (i, v) in values.iter().enumerate() {
        enc.encode(v)
            .map_err(|e| format!("encoding value {i}: {e}"))?;
    }
    compare_bytes(&enc.into_inner(), data)
}

/// (b) as a program that relays a stream does it: each value is written as soon as it is
/// decoded, with the definitions known at that point.
fn value_relay(data: &[u8]) -> Result<(), String> {
    let mut dec = Decoder::new(data);
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    for i in 0.. {
        let v = match dec.decode_value() {
            Ok(v) => v,
            Err(e) if e.is_eof() => break,
            Err(e) => return Err(format!("decoding value {i}: {e}")),
        };
        enc.set_types(dec.types().clone());
        enc.encode(&v)
            .map_err(|e| format!("encoding value {i}: {e}"))?;
    }
    compare_bytes(&enc.into_inner(), data)
}

/// (c): the typed values through one `Encoder`.
fn typed_encode(case: &Case, data: &[u8]) -> Result<(), String> {
    let got = case.encode().map_err(|e| format!("encoding: {e}"))?;
    match case.typed_reencode {
        Ok(()) => compare_bytes(&got, data),
        Err(why) => {
            if got == data {
                return Err(format!(
                    "marked not byte-identical ({why}) but it is: drop the exception"
                ));
            }
            decode_all(&got, &case.values).map_err(|e| format!("Rust bytes decoded back: {e}"))
        }
    }
}

/// (d) over every case, in `order`, with one set of places.
fn decode_all_into(all: &[&Case], places: &mut cases::Places) -> Vec<String> {
    let mut failed = Vec::new();
    for case in all {
        let data = match golden(case.name) {
            Ok(d) => d,
            Err(e) => {
                failed.push(e);
                continue;
            }
        };
        for (v, values) in std::iter::once(&case.values).chain(&case.views).enumerate() {
            let mut dec = Decoder::new(&data[..]);
            for (i, value) in values.iter().enumerate() {
                if let Err(e) = value.check_next_into(&mut dec, places) {
                    failed.push(format!("case {} (view {v}) value {i}: {e}", case.name));
                    break;
                }
            }
        }
    }
    failed
}

#[test]
fn typed_decode_into_reuses_places() {
    let all = cases::cases();
    let mut order: Vec<&Case> = all.iter().collect();
    let mut places = cases::Places::new();
    let mut failed = decode_all_into(&order, &mut places);
    order.reverse();
    failed.extend(decode_all_into(&order, &mut places));
    assert!(
        failed.is_empty(),
        "(d) typed decode into used values: {} failures:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// Runs `check` on every case and reports all failures at once.
fn run_all(what: &str, check: impl Fn(&Case, &[u8]) -> Result<(), String>) {
    let all = cases::cases();
    let mut failed = Vec::new();
    for case in &all {
        let r = golden(case.name).and_then(|data| check(case, &data));
        if let Err(e) = r {
            failed.push(format!("case {}: {e}", case.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{what}: {} of {} cases failed:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn typed_decode_matches_go_values() {
    run_all("(a) typed decode", typed_decode);
}

#[test]
fn value_reencode_is_byte_identical() {
    run_all("(b) Value re-encode", |_, data| value_reencode(data));
}

#[test]
fn value_relay_is_byte_identical() {
    run_all("(b) Value relay", |_, data| value_relay(data));
}

#[test]
fn typed_encode_is_byte_identical() {
    run_all("(c) typed encode", typed_encode);
}

/// Every golden file has exactly one case, and the (c) exceptions are the documented ones.
#[test]
fn table_covers_every_golden_file() {
    let all = cases::cases();
    let mut names: Vec<&str> = all.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let dups: Vec<&&str> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(dups.is_empty(), "duplicate case names: {dups:?}");

    let mut files: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("golden dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| Some(e.file_name().to_str()?.strip_suffix(".gob")?.to_owned()))
        .collect();
    files.sort_unstable();
    assert_eq!(names, files, "case table and golden files differ");

    let exceptions: Vec<&str> = all
        .iter()
        .filter(|c| c.typed_reencode.is_err())
        .map(|c| c.name)
        .collect();
    assert_eq!(
        exceptions, NOT_IDENTICAL,
        "update the exception list in the module docs"
    );
}

/// The `[]byte` writers (`Encoder::encode_bytes`, `append_bytes_value`, the async encoder's
/// `encode_bytes`) write what Go wrote for top-level `[]byte` values, alone and after other values
/// on the same stream.
#[test]
fn bytes_writers_match_go() {
    for (name, data) in [
        ("bytes_empty", &b""[..]),
        ("bytes_value", &[0u8, 1, 2, 0x7f, 0x80, 0xff][..]),
    ] {
        let want = golden(name).unwrap_or_else(|e| panic!("{e}"));
        let mut enc = gob_codec::Encoder::new(Vec::new());
        enc.encode_bytes(data).expect("encode_bytes");
        compare_bytes(enc.get_ref(), &want).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut out = Vec::new();
        gob_codec::append_bytes_value(&mut out, data);
        compare_bytes(&out, &want).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Lengths whose prefixes take more than one byte, after a struct on the same stream.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[allow(non_snake_case)]
    struct Point {
        X: i64,
        Y: i64,
    }
    for n in [
        0usize, 1, 124, 125, 126, 127, 128, 252, 253, 254, 300, 65_533, 65_534, 70_000,
    ] {
        let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
        let mut typed = gob_codec::Encoder::new(Vec::new());
        typed.encode(&Point { X: 1, Y: 2 }).expect("encode");
        let mut bytes = gob_codec::Encoder::new(Vec::new());
        bytes.encode(&Point { X: 1, Y: 2 }).expect("encode");
        let mut appended = bytes.get_ref().clone();
        typed
            .encode(&serde_bytes::ByteBuf::from(data.clone()))
            .expect("encode");
        bytes.encode_bytes(&data).expect("encode_bytes");
        gob_codec::append_bytes_value(&mut appended, &data);
        assert_eq!(bytes.get_ref(), typed.get_ref(), "{n}");
        assert_eq!(&appended, typed.get_ref(), "{n}");
        let mut dec = Decoder::new(&bytes.get_ref()[..]);
        dec.decode_value().expect("point");
        assert_eq!(dec.decode_value().expect("bytes"), Value::Bytes(data));
    }
}

/// The README's table of Go types cites golden vectors as its proof: every row cites at least one,
/// and each one cited is a case here (so its stream is decoded, re-encoded and typed-encoded above).
#[test]
fn readme_type_table_cites_golden_cases() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("### Go types in Rust")
        .nth(1)
        .expect("README has its table of Go types");
    let rows: Vec<&str> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .collect();
    assert!(rows.len() > 20, "table rows: {}", rows.len());
    let names: Vec<&str> = cases::cases().iter().map(|c| c.name).collect();
    for row in rows {
        let cited = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
        let cited: Vec<&str> = cited.split('`').skip(1).step_by(2).collect();
        assert!(!cited.is_empty(), "row cites no golden vector: {row}");
        for name in cited {
            assert!(
                names.contains(&name),
                "row cites {name}, which is no golden case: {row}"
            );
        }
    }
}
