//! Malformed input: each case must fail with a specific [`ErrorKind`], a plausible stream offset and
//! a useful message, and nothing may panic or overflow the stack. Streams are built by hand with the
//! helpers below (`WIRE.md` layout: a message is a length, a type id and a value).

#![allow(non_snake_case)]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use gob_codec::{
    Decoder, Error, ErrorKind, FieldDef, Limits, TypeId, Value, ValueEncoder, WireKind, WireType,
};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Building streams by hand

fn put_uint(b: &mut Vec<u8>, x: u64) {
    if x < 0x80 {
        b.push(x as u8);
        return;
    }
    let bytes = x.to_be_bytes();
    let skip = (x.leading_zeros() / 8) as usize;
    b.push((8 - skip as u8).wrapping_neg());
    b.extend_from_slice(&bytes[skip..]);
}

fn put_int(b: &mut Vec<u8>, i: i64) {
    let u = if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    };
    put_uint(b, u);
}

fn uint(x: u64) -> Vec<u8> {
    let mut b = Vec::new();
    put_uint(&mut b, x);
    b
}

fn int(i: i64) -> Vec<u8> {
    let mut b = Vec::new();
    put_int(&mut b, i);
    b
}

/// A message: its length, then `body`.
fn msg(body: &[u8]) -> Vec<u8> {
    let mut b = uint(body.len() as u64);
    b.extend_from_slice(body);
    b
}

/// A definition message for `id`.
fn def(id: TypeId, kind: WireKind) -> Vec<u8> {
    let mut body = int(-i64::from(id));
    WireType {
        name: String::new(),
        id,
        kind,
    }
    .encode(&mut body);
    msg(&body)
}

fn slice_of(elem: TypeId) -> WireKind {
    WireKind::Slice { elem }
}

fn struct_of(fields: &[(&str, TypeId)]) -> WireKind {
    WireKind::Struct {
        fields: fields
            .iter()
            .map(|(n, id)| FieldDef {
                name: (*n).to_owned(),
                id: *id,
            })
            .collect(),
    }
}

/// A value message of type `id` with the raw value bytes `value` (for non-structs, the singleton
/// delta 0 is put in front).
fn value_msg(id: TypeId, is_struct: bool, value: &[u8]) -> Vec<u8> {
    let mut body = int(i64::from(id));
    if !is_struct {
        body.push(0);
    }
    body.extend_from_slice(value);
    msg(&body)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ---------------------------------------------------------------------------------------------
// Checking errors

/// Every value of `data`, into `Value`s, until the first error (clean EOF included).
fn decode_values(data: &[u8]) -> (Vec<Value>, Error) {
    let mut dec = Decoder::new(data);
    let mut out = Vec::new();
    loop {
        match dec.decode_value() {
            Ok(v) => out.push(v),
            Err(e) => return (out, e),
        }
    }
}

#[track_caller]
fn assert_err(e: &Error, kind: fn(&ErrorKind) -> bool, offset: Option<u64>, text: &str) {
    assert!(kind(e.kind()), "wrong kind: {e} ({:?})", e.kind());
    if let Some(off) = offset {
        assert_eq!(e.offset(), Some(off), "offset of {e}");
    }
    assert!(
        e.to_string().contains(text),
        "message {e:?} does not contain {text:?}"
    );
}

fn is_eof(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Eof)
}
fn is_unexpected_eof(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::UnexpectedEof)
}
fn is_malformed(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Malformed(_))
}
fn is_limit(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Limit(_))
}
fn is_range(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Range(_))
}
fn is_mismatch(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::TypeMismatch(_))
}

/// The same error from every entry point: `decode_value` and typed `decode` through a reader, and
/// typed `from_slice`.
#[track_caller]
fn assert_all_paths<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    data: &[u8],
    kind: fn(&ErrorKind) -> bool,
    offset: Option<u64>,
    text: &str,
) {
    let (_, e) = decode_values(data);
    assert_err(&e, kind, offset, text);
    let e = Decoder::new(data).decode::<T>().unwrap_err();
    assert_err(&e, kind, offset, text);
    let e = gob_codec::from_slice::<T>(data).unwrap_err();
    assert_err(&e, kind, offset, text);
}

fn golden_files() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("gob"))
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect();
    files.sort();
    assert!(
        files.len() > 100,
        "golden files missing from {}",
        dir.display()
    );
    files
}

/// Runs `f` on a thread with a 2 MiB stack (the usual size for spawned threads), so that unbounded
/// recursion shows up as a crash rather than passing on a big main-thread stack.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// End of input

#[test]
fn empty_input_is_a_clean_eof() {
    let (vals, e) = decode_values(&[]);
    assert!(vals.is_empty());
    assert_err(&e, is_eof, Some(0), "EOF");
    assert!(e.is_eof());
    let e = gob_codec::from_slice::<i64>(&[]).unwrap_err();
    assert_err(&e, is_eof, Some(0), "EOF");
    let e = Decoder::new(&[][..]).decode::<String>().unwrap_err();
    assert!(e.is_eof(), "{e}");
}

#[test]
fn eof_after_a_definition_is_unexpected() {
    // A definition is not a value: ending after it is not a clean end.
    let data = def(64, slice_of(2));
    assert_all_paths::<Vec<i64>>(
        &data,
        is_unexpected_eof,
        Some(data.len() as u64),
        "unexpected EOF",
    );
}

/// Every proper prefix of every golden stream fails with `UnexpectedEof` (or ends cleanly exactly
/// at a value boundary, with fewer values than the whole stream), and never panics.
#[test]
fn every_proper_prefix_of_golden_streams_fails() {
    for (path, data) in golden_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Where each value ends in the whole stream.
        let mut dec = Decoder::new(&data[..]);
        let mut ends = Vec::new();
        loop {
            match dec.decode_value() {
                Ok(_) => ends.push(dec.offset() as usize),
                Err(e) if e.is_eof() => break,
                Err(e) => panic!("{name}: the whole stream fails: {e}"),
            }
        }
        assert_eq!(ends.last().copied(), Some(data.len()), "{name}");
        for cut in 0..data.len() {
            let prefix = &data[..cut];
            let (vals, e) = decode_values(prefix);
            if e.is_eof() {
                assert!(
                    ends[..ends.len() - 1].contains(&cut) || cut == 0,
                    "{name}: prefix of {cut} bytes ended cleanly after {} values",
                    vals.len()
                );
                assert_eq!(vals.len(), ends.iter().filter(|&&end| end <= cut).count());
            } else {
                assert_err(&e, is_unexpected_eof, None, "unexpected EOF");
                let off = e
                    .offset()
                    .unwrap_or_else(|| panic!("{name}[..{cut}]: no offset: {e}"));
                assert!(
                    off <= cut as u64,
                    "{name}[..{cut}]: offset {off} past the data"
                );
                assert!(vals.len() < ends.len(), "{name}[..{cut}]");
            }
            // The slice entry point says the same for the first value.
            if cut < ends[0] {
                let e = gob_codec::from_slice::<IgnoredAny>(prefix).unwrap_err();
                assert!(
                    matches!(e.kind(), ErrorKind::UnexpectedEof | ErrorKind::Eof),
                    "{name}[..{cut}] from_slice: {e}"
                );
            }
        }
    }
}

#[test]
fn message_length_past_the_data() {
    // Length 5, but only 2 bytes follow.
    let data = [0x05, 0x04, 0x00];
    let (_, e) = decode_values(&data);
    assert_err(&e, is_unexpected_eof, Some(3), "unexpected EOF");
    let e = gob_codec::from_slice::<i64>(&data).unwrap_err();
    assert_err(&e, is_unexpected_eof, None, "unexpected EOF");
    assert!(e.offset().unwrap() <= 3);
    // A two-byte length whose second byte is missing.
    let e = gob_codec::from_slice::<i64>(&[0xfe, 0x01]).unwrap_err();
    assert_err(&e, is_unexpected_eof, None, "unexpected EOF");
    let (_, e) = decode_values(&[0xfe, 0x01]);
    assert_err(&e, is_unexpected_eof, Some(2), "unexpected EOF");
}

#[test]
fn zero_length_message() {
    assert_all_paths::<i64>(&[0x00], is_malformed, Some(0), "empty message");
}

// ---------------------------------------------------------------------------------------------
// Limits and integers

#[test]
fn message_over_the_size_limit() {
    let body = vec![0u8; 100];
    let data = cat(&[&uint(100), &body]);
    let limits = Limits {
        max_message: 64,
        ..Limits::default()
    };
    let e = Decoder::with_limits(&data[..], limits)
        .decode_value()
        .unwrap_err();
    assert_err(&e, is_limit, Some(0), "over the limit of 64 bytes");
    // Checked before anything is read or reserved: an 8-byte length of 2^62 with no body.
    let mut huge = vec![0xf8];
    huge.extend_from_slice(&(1u64 << 62).to_be_bytes());
    let e = Decoder::new(&huge[..]).decode_value().unwrap_err();
    assert_err(&e, is_limit, Some(0), "message length 4611686018427387904");
    let e = gob_codec::from_slice::<i64>(&huge).unwrap_err();
    assert_err(&e, is_limit, Some(0), "over the limit");
}

#[test]
fn uint_with_more_than_8_bytes() {
    // As a message length: 0xf7 announces 9 bytes.
    let data = [0xf7, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let (_, e) = decode_values(&data);
    assert_err(&e, is_malformed, Some(0), "invalid message length");
    let e = gob_codec::from_slice::<i64>(&data).unwrap_err();
    assert_err(&e, is_malformed, Some(0), "out of range");
    // As a value: int 2 (id), singleton 0, then a 9-byte uint.
    let data = msg(&[0x04, 0x00, 0xf7, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_all_paths::<i64>(
        &data,
        is_malformed,
        Some(3),
        "encoded unsigned integer out of range",
    );
    // As a type id.
    let data = msg(&[0xf6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_all_paths::<i64>(&data, is_malformed, Some(1), "out of range");
}

#[test]
fn type_id_beyond_i32() {
    let mut body = int(1 << 40);
    body.extend_from_slice(&[0, 0]);
    assert_all_paths::<i64>(
        &msg(&body),
        is_malformed,
        Some(1),
        "type id 1099511627776 out of range",
    );
}

// ---------------------------------------------------------------------------------------------
// Type ids and definitions

#[test]
fn undefined_type_id_in_a_value_message() {
    let data = value_msg(65, true, &[0]);
    assert_all_paths::<IgnoredAny>(&data, is_malformed, Some(1), "unknown type id 65");
    // Reserved and unused builtin ids are not values either.
    for id in [0, 9, 15, 16, 17, 23, 63] {
        let data = value_msg(id, false, &[0]);
        assert_all_paths::<IgnoredAny>(
            &data,
            is_malformed,
            Some(1),
            &format!("unknown type id {id}"),
        );
    }
}

#[test]
fn struct_field_of_an_undefined_type() {
    // Definitions may refer forward; the missing one is found when a value uses it.
    let data = cat(&[
        &def(64, struct_of(&[("A", 99)])),
        &value_msg(64, true, &[0x01, 0x02, 0x00]),
    ]);
    let (_, e) = decode_values(&data);
    assert_err(&e, is_malformed, None, "unknown type id 99");
    assert_eq!(e.field_path(), "A");
    #[derive(Deserialize, Debug)]
    struct S {
        #[allow(dead_code)]
        A: i64,
    }
    let e = gob_codec::from_slice::<S>(&data).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Malformed(_) | ErrorKind::TypeMismatch(_)
        ),
        "{e}"
    );
    assert_eq!(e.field_path(), "A");
    // Skipped (the destination has no such field): still an error.
    #[derive(Deserialize, Debug)]
    struct Empty {}
    let e = gob_codec::from_slice::<Empty>(&data).unwrap_err();
    assert_err(&e, is_malformed, None, "unknown type id 99");
    // Negative and reserved ids as field types, as slice elements and as map keys.
    for id in [-5, 0, 16, i32::MIN] {
        for kind in [
            struct_of(&[("A", id)]),
            slice_of(id),
            WireKind::Map { key: id, elem: 2 },
        ] {
            let is_struct = matches!(kind, WireKind::Struct { .. });
            let v: &[u8] = if is_struct {
                &[0x01, 0x02, 0x00]
            } else {
                &[0x01, 0x02, 0x02]
            };
            let data = cat(&[&def(64, kind), &value_msg(64, is_struct, v)]);
            let (_, e) = decode_values(&data);
            assert_err(&e, is_malformed, None, &format!("unknown type id {id}"));
            let e = gob_codec::from_slice::<IgnoredAny>(&data).unwrap_err();
            assert_err(&e, is_malformed, None, &format!("unknown type id {id}"));
        }
    }
}

#[test]
fn negative_and_reserved_definition_ids() {
    // Definitions of predefined ids (bool = 1, interface = 8, wireType = 16) and of reserved
    // ids below 64 are refused, as Go refuses them.
    for id in [1, 2, 8, 16, 23, 40, 63] {
        let data = cat(&[&def(id, slice_of(2)), &value_msg(2, false, &[0x02])]);
        assert_all_paths::<i64>(
            &data,
            is_malformed,
            // After the length byte and the id: where the definition starts.
            Some(1 + int(-i64::from(id)).len() as u64),
            &format!("type id {id} redefines a predefined or reserved type"),
        );
    }
    // `-0` is id 0, and i32::MIN cannot be negated: both count as id 0.
    let mut body = int(0);
    body.extend_from_slice(&[0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    let data = msg(&body);
    let (_, e) = decode_values(&data);
    assert_err(&e, is_malformed, Some(1), "unknown type id 0");
    let mut body = int(i64::from(i32::MIN));
    WireType {
        name: String::new(),
        id: 0,
        kind: slice_of(2),
    }
    .encode(&mut body);
    let (_, e) = decode_values(&msg(&body));
    assert_err(&e, is_malformed, None, "type id 0 redefines");
}

#[test]
fn duplicate_definition() {
    let first = def(64, slice_of(2));
    let data = cat(&[
        &first,
        &def(64, slice_of(6)),
        &value_msg(64, false, &[0x00]),
    ]);
    assert_all_paths::<Vec<i64>>(
        &data,
        is_malformed,
        Some(first.len() as u64 + 2),
        "duplicate type received: id 64",
    );
    // Even an identical definition is a duplicate (Go: "duplicate type received").
    let data = cat(&[&first, &first, &value_msg(64, false, &[0x00])]);
    assert_all_paths::<Vec<i64>>(&data, is_malformed, None, "duplicate type received");
}

#[test]
fn malformed_type_definitions() {
    // wireType with no kind set: just its terminator.
    let data = msg(&cat(&[&int(-64), &[0x00]]));
    assert_all_paths::<IgnoredAny>(&data, is_malformed, Some(2), "empty type definition");
    // Two kinds in one wireType: SliceT then MapT.
    let data = msg(&cat(&[
        &int(-64),
        &[0x02, 0x02, 0x04, 0x00, 0x01, 0x00, 0x00],
    ]));
    assert_all_paths::<IgnoredAny>(&data, is_malformed, None, "more than one kind");
    // A field number past wireType's 7 fields.
    let data = msg(&cat(&[&int(-64), &[0x08, 0x00, 0x00]]));
    assert_all_paths::<IgnoredAny>(&data, is_malformed, None, "field numbers out of bounds");
    // An unknown field inside sliceType (field 2: sliceType has only CommonType and Elem).
    let data = msg(&cat(&[&int(-64), &[0x02, 0x03, 0x02, 0x00, 0x00]]));
    assert_all_paths::<IgnoredAny>(
        &data,
        is_malformed,
        None,
        "unknown field in type definition",
    );
    // Extra bytes after a definition.
    let mut body = int(-64);
    WireType {
        name: String::new(),
        id: 64,
        kind: slice_of(2),
    }
    .encode(&mut body);
    let at = body.len() as u64 + 1;
    body.push(0x07);
    assert_all_paths::<IgnoredAny>(
        &msg(&body),
        is_malformed,
        Some(at),
        "extra data in buffer after type definition",
    );
    // A struct definition claiming 2^40 fields in a few bytes.
    let mut body = int(-64);
    body.extend_from_slice(&[0x03, 0x01, 0x00, 0x01]);
    body.extend_from_slice(&uint(1 << 40));
    let data = msg(&body);
    assert_all_paths::<IgnoredAny>(
        &data,
        is_malformed,
        None,
        "struct field count 1099511627776 exceeds",
    );
}

#[test]
fn struct_field_delta_out_of_bounds() {
    let d = def(64, struct_of(&[("A", 2)]));
    // Field delta 5 in a struct with one field.
    let data = cat(&[&d, &value_msg(64, true, &[0x05, 0x02, 0x00])]);
    // After the message length and id 64 (two bytes): the first delta.
    let at = d.len() as u64 + 3;
    assert_all_paths::<IgnoredAny>(&data, is_malformed, Some(at), "field numbers out of bounds");
    #[derive(Deserialize, Debug)]
    struct S {
        #[allow(dead_code)]
        A: i64,
    }
    let e = gob_codec::from_slice::<S>(&data).unwrap_err();
    assert_err(&e, is_malformed, Some(at), "field numbers out of bounds");
    // A delta that overflows the field number.
    let mut v = uint(u64::MAX);
    v.extend_from_slice(&[0x02, 0x00]);
    let data = cat(&[&d, &value_msg(64, true, &v)]);
    assert_all_paths::<S>(&data, is_malformed, Some(at), "field numbers out of bounds");
    // The same field twice (delta 1, then delta 1 again is field 1: out of bounds).
    let data = cat(&[&d, &value_msg(64, true, &[0x01, 0x02, 0x01, 0x02, 0x00])]);
    assert_all_paths::<S>(
        &data,
        is_malformed,
        Some(at + 2),
        "field numbers out of bounds",
    );
}

#[test]
fn singleton_delta_and_trailing_data() {
    // A top-level int whose singleton delta is 1, not 0.
    let data = msg(&[0x04, 0x01, 0x02]);
    assert_all_paths::<i64>(&data, is_malformed, Some(2), "non-zero delta for singleton");
    // A complete int followed by a stray byte in the same message.
    let data = msg(&[0x04, 0x00, 0x02, 0x09]);
    assert_all_paths::<i64>(
        &data,
        is_malformed,
        Some(4),
        "extra data in buffer after value",
    );
}

// ---------------------------------------------------------------------------------------------
// Depth bombs: each must hit the depth limit, on a 2 MiB stack, for typed decoding, Value decoding
// and skipping.

const DEEP: usize = 100_000;

/// `type T []T` (id 64) and a value nested `DEEP` levels: count 1, count 1, ...
fn slice_bomb() -> Vec<u8> {
    let mut v = vec![0x01; DEEP];
    v.push(0x00);
    cat(&[&def(64, slice_of(64)), &value_msg(64, false, &v)])
}

/// `DEEP` distinct slice types, each of the next: `[][][]...[]int`, and a value using all of them.
fn slice_chain_bomb() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..DEEP as TypeId {
        let elem = if i + 1 == DEEP as TypeId { 2 } else { 65 + i };
        data.extend(def(64 + i, slice_of(elem)));
    }
    let mut v = vec![0x01; DEEP];
    v.push(0x00);
    data.extend(value_msg(64, false, &v));
    data
}

/// `DEEP` distinct struct types, each with one field of the next: `S0{F S1}`, `S1{F S2}`, ...
fn struct_chain_bomb() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..DEEP as TypeId {
        let next = if i + 1 == DEEP as TypeId { 2 } else { 65 + i };
        data.extend(def(64 + i, struct_of(&[("Next", next)])));
    }
    let mut v = vec![0x01; DEEP];
    v.push(0x02);
    v.extend(vec![0x00; DEEP]);
    data.extend(value_msg(64, true, &v));
    data
}

/// `type T struct { Next T }`: field 0, field 0, ... `DEEP` times.
fn struct_bomb() -> Vec<u8> {
    let mut v = vec![0x01; DEEP];
    v.extend(vec![0x00; DEEP + 1]);
    cat(&[
        &def(64, struct_of(&[("Next", 64)])),
        &value_msg(64, true, &v),
    ])
}

/// An interface holding an interface holding ...: name "x", concrete id 8 (interface), a byte count,
/// the singleton 0, and the next interface.
fn interface_bomb() -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..DEEP {
        v.extend_from_slice(&[0x01, b'x', 0x10, 0x05, 0x00]);
    }
    v.push(0x00);
    value_msg(8, false, &v)
}

/// The bomb as the second field of a struct; the first field is `Keep int` = 1.
fn in_field(bomb_def: &[u8], bomb_id: TypeId, bomb_value: &[u8]) -> Vec<u8> {
    let mut v = vec![0x01, 0x02, 0x01];
    v.extend_from_slice(bomb_value);
    v.push(0x00);
    cat(&[
        bomb_def,
        &def(1000, struct_of(&[("Keep", 2), ("Bomb", bomb_id)])),
        &value_msg(1000, true, &v),
    ])
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Rec(Vec<Rec>);

#[derive(Deserialize, Debug)]
struct Next {
    #[allow(dead_code)]
    Next: Option<Box<Next>>,
}

#[derive(Deserialize, Debug)]
struct KeepOnly {
    #[allow(dead_code)]
    Keep: i64,
}

#[track_caller]
fn assert_depth(r: Result<impl std::fmt::Debug, Error>, what: &str) {
    let e = r.expect_err(what);
    let want = format!("nested deeper than {}", gob_codec::DEFAULT_MAX_DEPTH);
    assert_err(&e, is_limit, None, &want);
    assert!(e.offset().is_some(), "{what}: no offset: {e}");
}

#[test]
fn depth_bomb_slices() {
    on_small_stack(|| {
        let data = slice_bomb();
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value");
        assert_depth(gob_codec::from_slice::<Rec>(&data), "typed Rec");
        assert_depth(
            gob_codec::from_slice::<IgnoredAny>(&data),
            "IgnoredAny (skip)",
        );
        let data = in_field(
            &def(64, slice_of(64)),
            64,
            &[&[0x01u8; DEEP][..], &[0x00]].concat(),
        );
        assert_depth(gob_codec::from_slice::<KeepOnly>(&data), "skipped field");
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value in field");
    });
}

#[test]
fn depth_bomb_slice_chain() {
    on_small_stack(|| {
        let data = slice_chain_bomb();
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value");
        assert_depth(gob_codec::from_slice::<Rec>(&data), "typed Rec");
        assert_depth(gob_codec::from_slice::<IgnoredAny>(&data), "skip");
    });
}

#[test]
fn depth_bomb_structs() {
    on_small_stack(|| {
        let data = struct_bomb();
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value");
        assert_depth(gob_codec::from_slice::<Next>(&data), "typed Next");
        assert_depth(gob_codec::from_slice::<IgnoredAny>(&data), "skip");
        let mut v = vec![0x01; DEEP];
        v.extend(vec![0x00; DEEP]);
        let data = in_field(&def(64, struct_of(&[("Next", 64)])), 64, &v);
        assert_depth(gob_codec::from_slice::<KeepOnly>(&data), "skipped field");
    });
}

#[test]
fn depth_bomb_struct_chain() {
    on_small_stack(|| {
        let data = struct_chain_bomb();
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value");
        assert_depth(gob_codec::from_slice::<Next>(&data), "typed Next");
        assert_depth(gob_codec::from_slice::<IgnoredAny>(&data), "skip");
        #[derive(Deserialize, Debug)]
        struct Empty {}
        assert_depth(gob_codec::from_slice::<Empty>(&data), "skipped field");
    });
}

#[test]
fn depth_bomb_interfaces() {
    on_small_stack(|| {
        let data = interface_bomb();
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value");
        assert_depth(gob_codec::from_slice::<IgnoredAny>(&data), "skip");
        let mut v = Vec::new();
        for _ in 0..DEEP {
            v.extend_from_slice(&[0x01, b'x', 0x10, 0x05, 0x00]);
        }
        v.push(0x00);
        let data = in_field(&[], 8, &v);
        assert_depth(gob_codec::from_slice::<KeepOnly>(&data), "skipped field");
        assert_depth(Decoder::new(&data[..]).decode_value(), "Value in field");
    });
}

#[test]
fn depth_limit_is_configurable() {
    let mut v = vec![0x01; 10];
    v.push(0x00);
    let data = cat(&[&def(64, slice_of(64)), &value_msg(64, false, &v)]);
    let limits = Limits {
        max_depth: 5,
        ..Limits::default()
    };
    let e = Decoder::with_limits(&data[..], limits)
        .decode_value()
        .unwrap_err();
    assert_err(&e, is_limit, None, "nested deeper than 5");
    let ok = Decoder::with_limits(&data[..], Limits::default()).decode_value();
    assert!(ok.is_ok(), "{ok:?}");
}

// ---------------------------------------------------------------------------------------------
// Counts and lengths that the message cannot hold

#[test]
fn huge_counts_in_tiny_messages_fail_without_allocating() {
    let count = uint(1 << 60);
    // []int with a count of 2^60 and 3 bytes of data.
    let data = cat(&[
        &def(64, slice_of(2)),
        &value_msg(64, false, &cat(&[&count, &[2, 4, 6]])),
    ]);
    let (_, e) = decode_values(&data);
    assert!(
        matches!(e.kind(), ErrorKind::UnexpectedEof | ErrorKind::Malformed(_)),
        "{e}"
    );
    assert!(e.offset().unwrap() <= data.len() as u64);
    assert!(gob_codec::from_slice::<Vec<i64>>(&data).is_err());
    assert!(gob_codec::from_slice::<IgnoredAny>(&data).is_err());
    // map[string]int
    let data = cat(&[
        &def(64, WireKind::Map { key: 6, elem: 2 }),
        &value_msg(64, false, &cat(&[&count, &[1, b'a', 2]])),
    ]);
    assert!(decode_values(&data).1.offset().is_some());
    assert!(gob_codec::from_slice::<std::collections::HashMap<String, i64>>(&data).is_err());
    assert!(gob_codec::from_slice::<std::collections::BTreeMap<String, i64>>(&data).is_err());
    assert!(gob_codec::from_slice::<IgnoredAny>(&data).is_err());
    // [N]int with N = 2^60 in the definition and in the value.
    let data = cat(&[
        &def(
            64,
            WireKind::Array {
                elem: 2,
                len: 1 << 60,
            },
        ),
        &value_msg(64, false, &cat(&[&count, &[2, 4, 6]])),
    ]);
    assert!(decode_values(&data).1.offset().is_some());
    assert!(gob_codec::from_slice::<[i64; 3]>(&data).is_err());
    assert!(gob_codec::from_slice::<IgnoredAny>(&data).is_err());
    // []byte and string lengths.
    let data = value_msg(5, false, &cat(&[&count, b"abc"]));
    assert_all_paths::<Vec<u8>>(
        &data,
        is_malformed,
        // After the length, the id (5) and the singleton delta.
        Some(3),
        "byte string count 1152921504606846976 exceeds the 3 bytes left",
    );
    let data = value_msg(6, false, &cat(&[&count, b"abc"]));
    assert_all_paths::<String>(&data, is_malformed, Some(3), "exceeds");
}

#[test]
fn interface_name_too_long() {
    let name = vec![b'n'; 2000];
    let mut v = uint(name.len() as u64);
    v.extend_from_slice(&name);
    v.extend_from_slice(&[0x04, 0x01, 0x00, 0x02]);
    let data = value_msg(8, false, &v);
    // A 3-byte message length, the id (8) and the singleton delta come first.
    let e = decode_values(&data).1;
    assert_err(
        &e,
        is_malformed,
        Some(5),
        "interface type name too long (2000 bytes)",
    );
    let e = gob_codec::from_slice::<IgnoredAny>(&data).unwrap_err();
    assert_err(&e, is_malformed, Some(5), "too long");
}

#[test]
fn interface_name_not_utf8_and_bad_concrete_type() {
    let data = value_msg(8, false, &[0x02, 0xff, 0xfe, 0x04, 0x01, 0x00, 0x02]);
    let e = decode_values(&data).1;
    assert_err(&e, is_malformed, Some(3), "not UTF-8");
    // A concrete type id that was never defined.
    let data = value_msg(8, false, &[0x01, b'x', 0xff, 0x82, 0x01, 0x00]);
    let e = decode_values(&data).1;
    assert_err(&e, is_malformed, Some(5), "unknown type id 65");
}

// ---------------------------------------------------------------------------------------------
// Values that do not fit the Rust type

#[test]
fn invalid_utf8_string() {
    let data = value_msg(6, false, &[0x02, 0xc3, 0x28]);
    let e = gob_codec::from_slice::<String>(&data).unwrap_err();
    assert_err(&e, is_malformed, Some(3), "string is not valid UTF-8");
    // Into a Value it is kept as raw bytes, and re-encodes to the same stream.
    let mut dec = Decoder::new(&data[..]);
    let v = dec.decode_value().unwrap();
    assert_eq!(v, Value::RawString(vec![0xc3, 0x28]));
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    enc.encode(&v).unwrap();
    assert_eq!(enc.into_inner(), data);
    // As a struct field, the error names it.
    #[derive(Deserialize, Debug)]
    struct S {
        #[allow(dead_code)]
        Name: String,
    }
    let d = def(64, struct_of(&[("Name", 6)]));
    let data = cat(&[&d, &value_msg(64, true, &[0x01, 0x02, 0xc3, 0x28, 0x00])]);
    let e = gob_codec::from_slice::<S>(&data).unwrap_err();
    assert_err(
        &e,
        is_malformed,
        // Length, id 64 (two bytes), field delta, then the string.
        Some(d.len() as u64 + 4),
        "not valid UTF-8",
    );
    assert_eq!(e.field_path(), "Name");
    assert!(e.to_string().contains("(field Name)"), "{e}");
}

#[derive(Serialize, Deserialize, Debug, Default)]
struct Wide {
    Small: i64,
    Byte: u64,
    Float: f64,
    Inner: WideInner,
}

#[derive(Serialize, Deserialize, Debug, Default)]
struct WideInner {
    Deep: i64,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Narrow {
    Small: i8,
    Byte: u8,
    Float: f32,
    Inner: NarrowInner,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct NarrowInner {
    Deep: i16,
}

#[test]
fn integer_and_float_overflow_name_the_field() {
    let cases: [(Wide, &str, &str); 6] = [
        (
            Wide {
                Small: 128,
                ..Wide::default()
            },
            "Small",
            "value 128 for \"int8\"",
        ),
        (
            Wide {
                Small: -129,
                ..Wide::default()
            },
            "Small",
            "value -129 for \"int8\"",
        ),
        (
            Wide {
                Byte: 256,
                ..Wide::default()
            },
            "Byte",
            "value 256 for \"uint8\"",
        ),
        (
            Wide {
                Float: 1e300,
                ..Wide::default()
            },
            "Float",
            "float32",
        ),
        (
            Wide {
                Float: -3.5e38,
                ..Wide::default()
            },
            "Float",
            "float32",
        ),
        (
            Wide {
                Inner: WideInner { Deep: 40_000 },
                ..Wide::default()
            },
            "Inner.Deep",
            "value 40000 for \"int16\"",
        ),
    ];
    for (wide, path, text) in cases {
        let data = gob_codec::to_vec(&wide).unwrap();
        let e = gob_codec::from_slice::<Narrow>(&data).unwrap_err();
        assert_err(&e, is_range, None, text);
        assert_eq!(e.field_path(), path, "{e}");
        assert!(e.to_string().contains(&format!("(field {path})")), "{e}");
        let off = e.offset().unwrap();
        assert!(off > 0 && off < data.len() as u64, "offset {off} of {e}");
    }
    // Infinities and NaN are float32 values too: no range error.
    let data = gob_codec::to_vec(&Wide {
        Float: f64::INFINITY,
        ..Wide::default()
    })
    .unwrap();
    let n: Narrow = gob_codec::from_slice(&data).unwrap();
    assert_eq!(n.Float, f32::INFINITY);
    // At top level the path is empty.
    let e = gob_codec::from_slice::<u8>(&gob_codec::to_vec(&300u64).unwrap()).unwrap_err();
    assert_err(&e, is_range, Some(3), "value 300 for \"uint8\"");
    assert_eq!(e.field_path(), "");
    let e = gob_codec::from_slice::<i32>(&gob_codec::to_vec(&i64::MIN).unwrap()).unwrap_err();
    assert_err(&e, is_range, Some(3), "int32");
}

#[test]
fn type_mismatch_names_the_field() {
    #[derive(Serialize, Deserialize, Debug, Default)]
    struct Sent {
        Name: String,
        Count: i64,
        Tags: Vec<String>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct WantInt {
        Name: i64,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct WantUint {
        Count: u64,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct WantMap {
        Tags: std::collections::BTreeMap<String, String>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        Sent: WantInt,
    }
    let sent = Sent {
        Name: "n".into(),
        Count: 3,
        Tags: vec!["t".into()],
    };
    let data = gob_codec::to_vec(&sent).unwrap();
    let e = gob_codec::from_slice::<WantInt>(&data).unwrap_err();
    assert_err(
        &e,
        is_mismatch,
        None,
        "wire type string cannot be decoded into int64",
    );
    assert_eq!(e.field_path(), "Name");
    // Go's int and uint are different wire types.
    let e = gob_codec::from_slice::<WantUint>(&data).unwrap_err();
    assert_err(
        &e,
        is_mismatch,
        None,
        "wire type int cannot be decoded into uint64",
    );
    assert_eq!(e.field_path(), "Count");
    let e = gob_codec::from_slice::<WantMap>(&data).unwrap_err();
    assert_err(&e, is_mismatch, None, "cannot be decoded into map");
    assert_eq!(e.field_path(), "Tags");
    // A struct where a scalar was sent, and the nesting in the path.
    #[derive(Serialize, Deserialize, Debug, Default)]
    struct Wrap {
        Sent: Sent,
    }
    let data = gob_codec::to_vec(&Wrap { Sent: sent }).unwrap();
    let e = gob_codec::from_slice::<Outer>(&data).unwrap_err();
    assert_err(&e, is_mismatch, None, "int64");
    assert_eq!(e.field_path(), "Sent.Name");
    let e = gob_codec::from_slice::<String>(&data).unwrap_err();
    assert_err(&e, is_mismatch, None, "string");
    assert_eq!(e.field_path(), "");
}

#[test]
fn array_length_mismatch() {
    let data = gob_codec::to_vec(&[1i64, 2, 3]).unwrap();
    let e = gob_codec::from_slice::<[i64; 2]>(&data).unwrap_err();
    assert_err(&e, is_mismatch, None, "array length 3 does not match 2");
    // A value whose element count differs from its array definition.
    let data = cat(&[
        &def(64, WireKind::Array { elem: 2, len: 3 }),
        &value_msg(64, false, &[0x02, 0x02, 0x04]),
    ]);
    let e = decode_values(&data).1;
    assert_err(
        &e,
        is_malformed,
        None,
        "array of length 3 sent with 2 elements",
    );
}

#[test]
fn nil_pointer_elements_are_refused_when_encoding() {
    // Go: "encodeArray: nil element" and "encodeReflectValue: nil element".
    let e = gob_codec::to_vec(&vec![Some(1i64), None]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unsupported(_)), "{e}");
    assert!(e.to_string().contains("nil pointer"), "{e}");
    let m = std::collections::BTreeMap::from([("k".to_owned(), None::<i64>)]);
    assert!(gob_codec::to_vec(&m).is_err());
    assert!(gob_codec::to_vec(&None::<i64>).is_err());
    // In a struct field, None is simply omitted.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct P {
        A: Option<i64>,
    }
    let back: P = gob_codec::from_slice(&gob_codec::to_vec(&P { A: None }).unwrap()).unwrap();
    assert_eq!(back, P { A: None });
}

/// `Encoder::encode_pair`: when either value does not encode, nothing of the pair is written and
/// the definitions the pair would have sent go out with the next value, as if the pair never was.
#[test]
fn a_pair_that_fails_writes_nothing() {
    use gob_codec::Encoder;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
    struct Header {
        Method: String,
        Seq: u64,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
    struct Body {
        Items: Vec<Option<i64>>,
    }
    let header = Header {
        Method: "M".into(),
        Seq: 3,
    };
    let good = Body {
        Items: vec![Some(2)],
    };
    // Go has no nil element in a []*int.
    let bad = Body {
        Items: vec![Some(1), None],
    };
    // What a fresh stream holds after `n` (header, good) pairs, and after `good` alone.
    let fresh_pairs = |n: usize| {
        let mut enc = Encoder::new(Vec::new());
        for _ in 0..n {
            enc.encode(&header).unwrap();
            enc.encode(&good).unwrap();
        }
        enc.into_inner()
    };

    // A fresh stream whose first body fails: neither the header nor any definition is written, and
    // the next pair is what a fresh stream writes for it. The failing body is of a predefined type
    // (nothing to define) or of a type of its own (Body, defined later with the good pair).
    for with_body_type in [false, true] {
        let mut enc = Encoder::new(Vec::new());
        let e = if with_body_type {
            enc.encode_pair(&header, &bad).unwrap_err()
        } else {
            enc.encode_pair(&header, &None::<i64>).unwrap_err()
        };
        assert!(e.to_string().contains("nil pointer"), "{e}");
        assert!(enc.get_ref().is_empty());
        enc.encode_pair(&header, &good).unwrap();
        assert_eq!(enc.get_ref(), &fresh_pairs(1));

        // With everything defined, a failing body still takes its header with it.
        let before = enc.get_ref().len();
        assert!(enc.encode_pair(&header, &bad).is_err());
        assert_eq!(enc.get_ref().len(), before);
        enc.encode_pair(&header, &good).unwrap();
        assert_eq!(enc.get_ref(), &fresh_pairs(2));
    }

    // A header that fails writes nothing either, and its body is not tried.
    let mut enc = Encoder::new(Vec::new());
    assert!(enc.encode_pair(&None::<i64>, &good).is_err());
    assert!(enc.get_ref().is_empty());
    enc.encode(&good).unwrap();
    assert_eq!(enc.get_ref(), &gob_codec::to_vec(&good).unwrap());
}

// ---------------------------------------------------------------------------------------------
// Mutation fuzzing, lite

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

/// A stream may define a chain of 100k slice types and send an empty value of the outermost one:
/// it decodes (depth 1), and re-encoding it sends the whole chain, which must not recurse per type.
#[test]
fn long_definition_chain_reencodes_on_a_small_stack() {
    on_small_stack(|| {
        let mut data = Vec::new();
        for i in 0..DEEP as TypeId {
            let elem = if i + 1 == DEEP as TypeId { 2 } else { 65 + i };
            data.extend(def(64 + i, slice_of(elem)));
        }
        data.extend(value_msg(64, false, &[0x00]));
        let mut dec = Decoder::new(&data[..]);
        let v = dec.decode_value().unwrap();
        assert_eq!(
            v,
            Value::Slice {
                ty: 64,
                items: vec![]
            }
        );
        let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
        enc.encode(&v).unwrap();
        assert_eq!(enc.into_inner(), data);
    });
}

/// Go refuses a top-level struct that shares no field with the destination (decodeValue's
/// "no fields matched"); a nested one, or one sharing a field, is fine.
#[test]
fn struct_with_no_common_field() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Other {
        Other: String,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct EchoArgs {
        S: String,
        N: i64,
    }
    let bytes = gob_codec::to_vec(&Other { Other: "x".into() }).unwrap();
    let e = gob_codec::from_slice::<EchoArgs>(&bytes).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::TypeMismatch(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("gob: type mismatch: no fields matched compiling decoder for EchoArgs"),
        "{e}"
    );
    // Go checks the definition, not the value: an all-zero value is refused too.
    let bytes = gob_codec::to_vec(&Other {
        Other: String::new(),
    })
    .unwrap();
    assert!(gob_codec::from_slice::<EchoArgs>(&bytes).is_err());
    // One shared field is enough.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Partial {
        Other: String,
        N: i64,
    }
    let bytes = gob_codec::to_vec(&Partial {
        Other: "x".into(),
        N: 3,
    })
    .unwrap();
    let v: EchoArgs = gob_codec::from_slice(&bytes).unwrap();
    assert_eq!(
        v,
        EchoArgs {
            S: String::new(),
            N: 3
        }
    );
}
