//! Property tests: values of many shapes survive `encode` then `decode` under Go's semantics, a stream
//! decoded into `Value`s re-encodes to the same bytes, and several values on one stream decode in order.
//!
//! Where Go's gob is not an identity, the expected value is written by hand in an `expected_*`
//! function (never computed by running the codec):
//!
//! * a struct field that is zero is not sent, and decodes as zero; that is an identity for plain
//!   fields, but a pointer field (`Option<T>`) holding a zero scalar, an empty string, slice or map, or
//!   a zero `time.Time` is omitted too and so decodes as `None` (Go decodes a nil pointer). A pointer
//!   to a struct is always sent, so `Some(zero struct)` survives;
//! * an empty map or slice field is not sent and decodes as empty (Go: nil); at top level it is sent;
//! * `-0.0` in a field equals zero and is omitted, so it decodes as `+0.0` (checked on the bits);
//! * `time.Time` keeps its instant; its zone offset is sent as minutes plus, for offsets that are not
//!   whole minutes, a seconds byte that Go's `UnmarshalBinary` adds back as *unsigned*: a negative
//!   offset that is not a whole number of minutes comes back shifted (`-3601` → `-3600 + 255`). Offsets
//!   Go refuses to marshal (`offset / 60 == -1`, or outside `i16` minutes) are not generated.

#![allow(non_snake_case)]
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use gob_codec::{Complex, Decoder, Encoder, Time, ValueEncoder};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// At least 256 cases for every property.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Integration tests have no lib.rs for proptest to put regression files beside.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Decodes every value of `bytes` into `Value`s and re-encodes them with the decoder's definitions;
/// the result must be the same bytes, and the decoder must end cleanly at EOF.
fn value_reencode_is_identity(bytes: &[u8]) -> Result<(), TestCaseError> {
    let mut dec = Decoder::new(bytes);
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    let mut n = 0;
    loop {
        match dec.decode_value() {
            Ok(v) => {
                enc.set_types(dec.types().clone());
                enc.encode(&v)
                    .map_err(|e| TestCaseError::fail(format!("re-encode of value {n}: {e}")))?;
                n += 1;
            }
            Err(e) if e.is_eof() => break,
            Err(e) => return Err(TestCaseError::fail(format!("decode_value {n}: {e}"))),
        }
    }
    prop_assert!(n > 0, "no value in the stream");
    let out = enc.into_inner();
    prop_assert_eq!(out, bytes.to_vec(), "Value re-encoding changed the bytes");
    Ok(())
}

/// Encodes `v`, decodes it back (from a slice and through a reader), checks the `Value` re-encoding,
/// and returns the decoded value.
fn roundtrip<T>(v: &T) -> Result<T, TestCaseError>
where
    T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq,
{
    let bytes = gob_codec::to_vec(v).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
    let a: T =
        gob_codec::from_slice(&bytes).map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    let mut dec = Decoder::new(&bytes[..]);
    let b: T = dec
        .decode()
        .map_err(|e| TestCaseError::fail(format!("Decoder::decode: {e}")))?;
    prop_assert_eq!(&a, &b);
    prop_assert_eq!(
        dec.offset(),
        bytes.len() as u64,
        "decoder did not consume the stream"
    );
    prop_assert!(dec
        .decode::<T>()
        .map_err(|e| e.is_eof())
        .unwrap_err_or_false());
    value_reencode_is_identity(&bytes)?;
    Ok(a)
}

trait ErrIsEof {
    fn unwrap_err_or_false(self) -> bool;
}

impl<T> ErrIsEof for Result<T, bool> {
    fn unwrap_err_or_false(self) -> bool {
        matches!(self, Err(true))
    }
}

/// `a` then `b` on one stream, the second decoded with `decode_into` over the first as decoded:
/// it must give what `decode` gives for `b` (whose own correctness the round trips check).
fn decode_into_over<T>(a: &T, b: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq,
{
    let fail = |what: &str, e: gob_codec::Error| TestCaseError::fail(format!("{what}: {e}"));
    let mut enc = Encoder::new(Vec::new());
    enc.encode(a).map_err(|e| fail("encode a", e))?;
    enc.encode(b).map_err(|e| fail("encode b", e))?;
    let bytes = enc.into_inner();
    let mut fresh = Decoder::new(&bytes[..]);
    let mut place: T = fresh.decode().map_err(|e| fail("decode a", e))?;
    let want: T = fresh.decode().map_err(|e| fail("decode b", e))?;
    let mut dec = Decoder::new(&bytes[..]);
    dec.decode_into(&mut place)
        .map_err(|e| fail("decode_into a over a", e))?;
    dec.decode_into(&mut place)
        .map_err(|e| fail("decode_into b over a", e))?;
    prop_assert_eq!(place, want);
    prop_assert_eq!(dec.offset(), bytes.len() as u64);
    Ok(())
}

/// Round trip where Go's result is `expected` (written by hand).
fn check<T>(v: &T, expected: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq,
{
    let got = roundtrip(v)?;
    prop_assert_eq!(&got, expected);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Any Unicode scalar values, including NUL, controls and astral characters.
fn unicode() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        "[a-z]{0,6}",
        Just(String::new()),
        Just("grüße, 世界 🚀".to_owned()),
    ]
}

/// Floats without NaN (NaN != NaN; NaN bits are checked separately).
fn float64() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::POSITIVE
            | prop::num::f64::NEGATIVE
            | prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO
            | prop::num::f64::INFINITE,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        (-1000i32..1000).prop_map(f64::from),
    ]
}

fn float32() -> impl Strategy<Value = f32> {
    prop_oneof![
        prop::num::f32::POSITIVE
            | prop::num::f32::NEGATIVE
            | prop::num::f32::NORMAL
            | prop::num::f32::SUBNORMAL
            | prop::num::f32::ZERO
            | prop::num::f32::INFINITE,
        Just(0.0f32),
        Just(f32::MAX),
        Just(f32::MIN),
    ]
}

fn small_vec<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(s, 0..5)
}

/// Zone offsets Go can marshal: `None` (UTC), whole minutes, and minutes plus seconds.
fn offset() -> impl Strategy<Value = Option<i32>> {
    let valid = |o: &i32| o / 60 != -1;
    prop_oneof![
        Just(None),
        Just(Some(0)),
        (-32768i32..=32767)
            .prop_filter("Go rejects -1 minute", |m| *m != -1)
            .prop_map(|m| Some(m * 60)),
        (-32768 * 60 - 59..=32767 * 60 + 59)
            .prop_filter("Go rejects offset/60 == -1", valid)
            .prop_map(Some),
        (-14 * 3600..=14 * 3600)
            .prop_filter("Go rejects offset/60 == -1", valid)
            .prop_map(Some),
    ]
}

fn time() -> impl Strategy<Value = Time> {
    prop_oneof![
        1 => Just(Time::default()),
        6 => (any::<i64>(), 0u32..1_000_000_000, offset())
            .prop_map(|(secs, nanos, offset)| Time { secs, nanos, offset }),
        3 => (-5_000_000_000i64..5_000_000_000, 0u32..1_000_000_000, offset())
            .prop_map(|(s, n, o)| Time::from_unix(s, n, o)),
    ]
}

/// The offset Go's `UnmarshalBinary` gives back for a marshaled offset.
fn expected_offset(o: Option<i32>) -> Option<i32> {
    o.map(|o| {
        let (minutes, secs) = (o / 60, o % 60);
        // Go writes int8(offset % 60) and reads the byte back as unsigned.
        minutes * 60 + i32::from(secs as i8 as u8)
    })
}

fn expected_time(t: Time) -> Time {
    Time {
        offset: expected_offset(t.offset),
        ..t
    }
}

// ---------------------------------------------------------------------------------------------
// Types

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Scalars {
    Bool: bool,
    Int: i64,
    Int8: i8,
    Int16: i16,
    Int32: i32,
    Uint: u64,
    Uint8: u8,
    Uint16: u16,
    Uint32: u32,
    Float32: f32,
    Float64: f64,
    Char: char,
    String: String,
    Bytes: Vec<u8>,
    Complex: Complex,
}

fn scalars() -> impl Strategy<Value = Scalars> {
    (
        (
            any::<bool>(),
            any::<i64>(),
            any::<i8>(),
            any::<i16>(),
            any::<i32>(),
            any::<u64>(),
            any::<u8>(),
            any::<u16>(),
        ),
        (
            any::<u32>(),
            float32(),
            float64(),
            any::<char>(),
            unicode(),
            prop::collection::vec(any::<u8>(), 0..20),
            (float64(), float64()),
        ),
    )
        .prop_map(
            |((b, i, i8_, i16_, i32_, u, u8_, u16_), (u32_, f32_, f64_, c, s, bytes, (re, im)))| {
                Scalars {
                    Bool: b,
                    Int: i,
                    Int8: i8_,
                    Int16: i16_,
                    Int32: i32_,
                    Uint: u,
                    Uint8: u8_,
                    Uint16: u16_,
                    Uint32: u32_,
                    Float32: f32_,
                    Float64: f64_,
                    Char: c,
                    String: s,
                    Bytes: bytes,
                    Complex: Complex { re, im },
                }
            },
        )
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
struct Point {
    X: i64,
    Y: i64,
}

fn point() -> impl Strategy<Value = Point> {
    prop_oneof![
        Just(Point::default()),
        (any::<i64>(), -3i64..3).prop_map(|(X, Y)| Point { X, Y }),
    ]
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Collections {
    Ints: Vec<i64>,
    Strs: Vec<String>,
    Blobs: Vec<Vec<u8>>,
    Nested: Vec<Vec<i32>>,
    Deep: Vec<Vec<Vec<u16>>>,
    Arr: [i16; 3],
    Bytes4: [u8; 4],
    Strs2: [String; 2],
    Grid: [[i8; 2]; 2],
    Points: Vec<Point>,
    PointArr: [Point; 2],
    Hash: HashMap<String, i64>,
    Tree: BTreeMap<i32, String>,
    ByPoint: BTreeMap<String, Point>,
    Lists: BTreeMap<u8, Vec<String>>,
    Floats: HashMap<i64, f64>,
    Inner: Inner,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Inner {
    Name: String,
    Tags: Vec<String>,
    Scores: BTreeMap<String, f32>,
    Deeper: Deeper,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Deeper {
    Flag: bool,
    Data: Vec<u8>,
}

fn collections() -> impl Strategy<Value = Collections> {
    (
        (
            small_vec(any::<i64>()),
            small_vec(unicode()),
            small_vec(prop::collection::vec(any::<u8>(), 0..6)),
            small_vec(small_vec(any::<i32>())),
            small_vec(small_vec(small_vec(any::<u16>()))),
            any::<[i16; 3]>(),
            any::<[u8; 4]>(),
            (unicode(), unicode()).prop_map(|(a, b)| [a, b]),
            any::<[[i8; 2]; 2]>(),
        ),
        (
            small_vec(point()),
            (point(), point()).prop_map(|(a, b)| [a, b]),
            prop::collection::hash_map(unicode(), any::<i64>(), 0..4),
            prop::collection::btree_map(any::<i32>(), unicode(), 0..4),
            prop::collection::btree_map(unicode(), point(), 0..3),
            prop::collection::btree_map(any::<u8>(), small_vec(unicode()), 0..3),
            prop::collection::hash_map(any::<i64>(), float64(), 0..3),
            (
                unicode(),
                small_vec(unicode()),
                prop::collection::btree_map(unicode(), float32(), 0..3),
                any::<bool>(),
                prop::collection::vec(any::<u8>(), 0..4),
            ),
        ),
    )
        .prop_map(
            |(
                (Ints, Strs, Blobs, Nested, Deep, Arr, Bytes4, Strs2, Grid),
                (
                    Points,
                    PointArr,
                    Hash,
                    Tree,
                    ByPoint,
                    Lists,
                    Floats,
                    (name, tags, scores, flag, data),
                ),
            )| Collections {
                Ints,
                Strs,
                Blobs,
                Nested,
                Deep,
                Arr,
                Bytes4,
                Strs2,
                Grid,
                Points,
                PointArr,
                Hash,
                Tree,
                ByPoint,
                Lists,
                Floats,
                Inner: Inner {
                    Name: name,
                    Tags: tags,
                    Scores: scores,
                    Deeper: Deeper {
                        Flag: flag,
                        Data: data,
                    },
                },
            },
        )
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Ptrs {
    Int: Option<i64>,
    Uint: Option<u32>,
    Str: Option<String>,
    Float: Option<f64>,
    Point: Option<Point>,
    Boxed: Option<Box<Point>>,
    Ints: Option<Vec<i64>>,
    Map: Option<BTreeMap<String, i64>>,
    Opts: Vec<Option<i64>>,
    After: i64,
}

fn ptrs() -> impl Strategy<Value = Ptrs> {
    (
        prop::option::of(prop_oneof![Just(0i64), any::<i64>()]),
        prop::option::of(prop_oneof![Just(0u32), any::<u32>()]),
        prop::option::of(unicode()),
        prop::option::of(float64()),
        prop::option::of(point()),
        prop::option::of(point().prop_map(Box::new)),
        prop::option::of(small_vec(any::<i64>())),
        prop::option::of(prop::collection::btree_map(unicode(), any::<i64>(), 0..3)),
        // Go refuses nil elements in a slice ("encodeArray: nil element"): only Some here.
        small_vec(prop_oneof![Just(0i64), any::<i64>()].prop_map(Some)),
        any::<i64>(),
    )
        .prop_map(
            |(Int, Uint, Str, Float, Point, Boxed, Ints, Map, Opts, After)| Ptrs {
                Int,
                Uint,
                Str,
                Float,
                Point,
                Boxed,
                Ints,
                Map,
                Opts,
                After,
            },
        )
}

/// Go omits a pointer field whose target is zero (scalar zero, "", empty slice): it decodes as nil.
/// Pointers to structs are always sent, and so are pointers to maps: a map field is omitted only
/// when nil, so a pointer to an empty map decodes as a pointer to an empty map. Slice elements are
/// always sent, zero or not.
fn expected_ptrs(v: &Ptrs) -> Ptrs {
    Ptrs {
        Int: v.Int.filter(|&i| i != 0),
        Uint: v.Uint.filter(|&u| u != 0),
        Str: v.Str.clone().filter(|s| !s.is_empty()),
        Float: v.Float.filter(|&f| f != 0.0),
        Point: v.Point.clone(),
        Boxed: v.Boxed.clone(),
        Ints: v.Ints.clone().filter(|x| !x.is_empty()),
        Map: v.Map.clone(),
        Opts: v.Opts.clone(),
        After: v.After,
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Node {
    Value: i64,
    Next: Option<Box<Node>>,
}

fn list() -> impl Strategy<Value = Node> {
    (any::<i64>(), small_vec(any::<i64>())).prop_map(|(first, rest)| {
        let mut next = None;
        for v in rest.into_iter().rev() {
            next = Some(Box::new(Node {
                Value: v,
                Next: next,
            }));
        }
        Node {
            Value: first,
            Next: next,
        }
    })
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Tree {
    Name: String,
    Left: Option<Box<Tree>>,
    Right: Option<Box<Tree>>,
    Children: Vec<Tree>,
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = unicode().prop_map(|Name| Tree {
        Name,
        Left: None,
        Right: None,
        Children: Vec::new(),
    });
    leaf.prop_recursive(4, 24, 3, |inner| {
        (
            unicode(),
            prop::option::of(inner.clone().prop_map(Box::new)),
            prop::option::of(inner.clone().prop_map(Box::new)),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(Name, Left, Right, Children)| Tree {
                Name,
                Left,
                Right,
                Children,
            })
    })
}

/// A Go interface: each newtype variant is named as the concrete type is registered in Go.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Any {
    #[serde(rename = "int")]
    Int(i64),
    #[serde(rename = "string")]
    Str(String),
    #[serde(rename = "float64")]
    Float(f64),
    #[serde(rename = "bool")]
    Bool(bool),
    #[serde(rename = "[]int")]
    Ints(Vec<i64>),
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "main.A")]
    A(A),
    #[serde(rename = "map[string]int")]
    Map(BTreeMap<String, i64>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct A {
    Name: String,
    Inner: Option<Box<Any>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Holder {
    Label: String,
    Value: Option<Any>,
    List: Vec<Any>,
    ByName: BTreeMap<String, Any>,
    Last: i64,
}

fn any_value() -> impl Strategy<Value = Any> {
    let leaf = prop_oneof![
        prop_oneof![Just(0i64), any::<i64>()].prop_map(Any::Int),
        unicode().prop_map(Any::Str),
        float64().prop_map(Any::Float),
        any::<bool>().prop_map(Any::Bool),
        small_vec(any::<i64>()).prop_map(Any::Ints),
        point().prop_map(Any::Point),
        prop::collection::btree_map(unicode(), any::<i64>(), 0..3).prop_map(Any::Map),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        (unicode(), prop::option::of(inner.prop_map(Box::new)))
            .prop_map(|(Name, Inner)| Any::A(A { Name, Inner }))
    })
}

fn holder() -> impl Strategy<Value = Holder> {
    (
        unicode(),
        prop::option::of(any_value()),
        small_vec(any_value()),
        prop::collection::btree_map(unicode(), any_value(), 0..3),
        any::<i64>(),
    )
        .prop_map(|(Label, Value, List, ByName, Last)| Holder {
            Label,
            Value,
            List,
            ByName,
            Last,
        })
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Event {
    Name: String,
    When: Time,
    Maybe: Option<Time>,
    Times: Vec<Time>,
    ByName: BTreeMap<String, Time>,
    Z: Complex,
    Zs: Vec<Complex>,
}

fn complex() -> impl Strategy<Value = Complex> {
    (float64(), float64()).prop_map(|(re, im)| Complex { re, im })
}

fn event() -> impl Strategy<Value = Event> {
    (
        unicode(),
        time(),
        prop::option::of(time()),
        small_vec(time()),
        prop::collection::btree_map(unicode(), time(), 0..3),
        complex(),
        small_vec(complex()),
    )
        .prop_map(|(Name, When, Maybe, Times, ByName, Z, Zs)| Event {
            Name,
            When,
            Maybe,
            Times,
            ByName,
            Z,
            Zs,
        })
}

fn expected_event(v: &Event) -> Event {
    Event {
        Name: v.Name.clone(),
        When: expected_time(v.When),
        // Go tests a GobEncoder field for zero on the field itself (reflect.Value.IsZero), which for
        // a non-nil pointer is false: a pointer to the zero time is sent and decodes as one.
        Maybe: v.Maybe.map(expected_time),
        Times: v.Times.iter().copied().map(expected_time).collect(),
        ByName: v
            .ByName
            .iter()
            .map(|(k, t)| (k.clone(), expected_time(*t)))
            .collect(),
        Z: v.Z,
        Zs: v.Zs.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scalars_roundtrip(v in scalars()) {
        let got = roundtrip(&v)?;
        prop_assert_eq!(&got, &v);
        // -0.0 in a field is zero, so it is omitted and comes back as +0.0.
        let bits = |f: f64| if f == 0.0 { 0 } else { f.to_bits() };
        prop_assert_eq!(got.Float64.to_bits(), bits(v.Float64));
        prop_assert_eq!(f64::from(got.Float32).to_bits(), bits(f64::from(v.Float32)));
        prop_assert_eq!(got.Complex.re.to_bits(), if v.Complex == Complex::default() { 0 } else { v.Complex.re.to_bits() });
    }

    #[test]
    fn collections_roundtrip(v in collections()) {
        check(&v, &v)?;
    }

    #[test]
    fn decode_into_equals_decode(
        c in (collections(), collections()),
        p in (ptrs(), ptrs()),
        t in (tree(), tree()),
        e in (event(), event()),
        h in (holder(), holder()),
    ) {
        decode_into_over(&c.0, &c.1)?;
        decode_into_over(&p.0, &p.1)?;
        decode_into_over(&t.0, &t.1)?;
        decode_into_over(&e.0, &e.1)?;
        decode_into_over(&h.0, &h.1)?;
    }

    #[test]
    fn pointers_roundtrip(v in ptrs()) {
        check(&v, &expected_ptrs(&v))?;
    }

    #[test]
    fn recursive_list_roundtrip(v in list()) {
        check(&v, &v)?;
    }

    #[test]
    fn recursive_tree_roundtrip(v in tree()) {
        check(&v, &v)?;
    }

    #[test]
    fn interface_roundtrip(v in holder()) {
        // Interface values are always sent, even when they hold a zero value.
        check(&v, &v)?;
    }

    #[test]
    fn interface_top_level_roundtrip(v in any_value()) {
        check(&v, &v)?;
        check(&Some(v.clone()), &Some(v))?;
    }

    #[test]
    fn time_and_complex_roundtrip(v in event()) {
        check(&v, &expected_event(&v))?;
    }

    #[test]
    fn time_top_level_roundtrip(t in time()) {
        // At top level even the zero time is sent.
        check(&t, &expected_time(t))?;
    }

    #[test]
    fn whole_minute_offsets_are_kept(secs in any::<i64>(), nanos in 0u32..1_000_000_000, offset in offset()) {
        let t = Time { secs, nanos, offset };
        let got = roundtrip(&t)?;
        prop_assert_eq!(got.secs, secs);
        prop_assert_eq!(got.nanos, nanos);
        if offset.is_none_or(|o| o % 60 == 0 || o > 0) {
            prop_assert_eq!(got.offset, offset);
        }
    }

    /// Top-level values are sent even when zero (Go's `sendZero` for the top-level value).
    #[test]
    fn top_level_scalars_roundtrip(
        i in any::<i64>(),
        u in any::<u64>(),
        b in any::<bool>(),
        s in unicode(),
        bytes in prop::collection::vec(any::<u8>(), 0..30),
        c in complex(),
    ) {
        check(&i, &i)?;
        check(&0i64, &0)?;
        check(&u, &u)?;
        check(&b, &b)?;
        check(&s, &s)?;
        check(&bytes, &bytes)?;
        check(&c, &c)?;
        check(&(i as i8), &(i as i8))?;
        check(&(u as u16), &(u as u16))?;
        // A pointer at top level is flattened: Some(0) is sent as 0.
        check(&Some(i), &Some(i))?;
        check(&Some(0u8), &Some(0u8))?;
    }

    #[test]
    fn top_level_float_bits(bits in any::<u64>(), f in any::<f32>()) {
        // Any bit pattern, NaN payloads and -0.0 included, is kept at top level.
        let v = f64::from_bits(bits);
        let got: f64 = gob_codec::from_slice(&gob_codec::to_vec(&v).unwrap()).unwrap();
        prop_assert_eq!(got.to_bits(), bits);
        value_reencode_is_identity(&gob_codec::to_vec(&v).unwrap())?;
        if !f.is_nan() {
            let got: f32 = gob_codec::from_slice(&gob_codec::to_vec(&f).unwrap()).unwrap();
            prop_assert_eq!(got.to_bits(), f.to_bits());
        }
    }

    #[test]
    fn top_level_collections_roundtrip(
        ints in small_vec(any::<i64>()),
        nested in small_vec(small_vec(unicode())),
        arr in any::<[i32; 3]>(),
        map in prop::collection::btree_map(unicode(), any::<i64>(), 0..4),
        hash in prop::collection::hash_map(any::<u16>(), small_vec(any::<bool>()), 0..4),
        keyed in prop::collection::btree_map(point(), unicode(), 0..3),
        points in small_vec(point()),
    ) {
        // Empty slices and maps are sent at top level (count 0).
        check(&ints, &ints)?;
        check(&nested, &nested)?;
        check(&arr, &arr)?;
        check(&map, &map)?;
        check(&hash, &hash)?;
        check(&keyed, &keyed)?;
        check(&points, &points)?;
        check(&Point::default(), &Point::default())?;
    }
}

// ---------------------------------------------------------------------------------------------
// Several values on one stream

#[derive(Debug, Clone)]
enum Item {
    Point(Point),
    Scalars(Scalars),
    Ints(Vec<i64>),
    Str(String),
    Holder(Holder),
    Event(Event),
    Map(BTreeMap<String, i64>),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        point().prop_map(Item::Point),
        scalars().prop_map(Item::Scalars),
        small_vec(any::<i64>()).prop_map(Item::Ints),
        unicode().prop_map(Item::Str),
        holder().prop_map(Item::Holder),
        event().prop_map(Item::Event),
        prop::collection::btree_map(unicode(), any::<i64>(), 0..3).prop_map(Item::Map),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn stream_of_values_decodes_in_order(items in prop::collection::vec(item(), 1..8)) {
        let mut enc = Encoder::new(Vec::new());
        for it in &items {
            let r = match it {
                Item::Point(v) => enc.encode(v),
                Item::Scalars(v) => enc.encode(v),
                Item::Ints(v) => enc.encode(v),
                Item::Str(v) => enc.encode(v),
                Item::Holder(v) => enc.encode(v),
                Item::Event(v) => enc.encode(v),
                Item::Map(v) => enc.encode(v),
            };
            r.map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        }
        let bytes = enc.into_inner();
        let mut dec = Decoder::new(&bytes[..]);
        for (i, it) in items.iter().enumerate() {
            let fail = |e: gob_codec::Error| TestCaseError::fail(format!("value {i}: {e}"));
            match it {
                Item::Point(v) => prop_assert_eq!(&dec.decode::<Point>().map_err(fail)?, v),
                Item::Scalars(v) => prop_assert_eq!(&dec.decode::<Scalars>().map_err(fail)?, v),
                Item::Ints(v) => prop_assert_eq!(&dec.decode::<Vec<i64>>().map_err(fail)?, v),
                Item::Str(v) => prop_assert_eq!(&dec.decode::<String>().map_err(fail)?, v),
                Item::Holder(v) => prop_assert_eq!(&dec.decode::<Holder>().map_err(fail)?, v),
                Item::Event(v) => {
                    prop_assert_eq!(dec.decode::<Event>().map_err(fail)?, expected_event(v))
                }
                Item::Map(v) => {
                    prop_assert_eq!(&dec.decode::<BTreeMap<String, i64>>().map_err(fail)?, v)
                }
            }
        }
        let end = dec.decode::<Point>().unwrap_err();
        prop_assert!(end.is_eof(), "after the last value: {}", end);
        value_reencode_is_identity(&bytes)?;

        // The same stream through a reader that hands out one byte at a time.
        let mut dec = Decoder::new(OneByte(&bytes[..]));
        let mut n = 0;
        loop {
            match dec.decode_value() {
                Ok(_) => n += 1,
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(TestCaseError::fail(format!("one-byte reader: {e}"))),
            }
        }
        prop_assert_eq!(n, items.len());
    }
}

/// A reader that returns at most one byte per `read`.
struct OneByte<'a>(&'a [u8]);

impl std::io::Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(out)) => {
                *out = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed cases that pin down the documented normalizations

#[test]
fn pointer_to_zero_is_nil_but_pointer_to_zero_struct_or_empty_map_is_kept() {
    let v = Ptrs {
        Int: Some(0),
        Str: Some(String::new()),
        Point: Some(Point::default()),
        Ints: Some(vec![]),
        Map: Some(BTreeMap::new()),
        Opts: vec![Some(0)],
        ..Ptrs::default()
    };
    let got: Ptrs = gob_codec::from_slice(&gob_codec::to_vec(&v).unwrap()).unwrap();
    assert_eq!(got.Int, None);
    assert_eq!(got.Str, None);
    assert_eq!(got.Point, Some(Point::default()));
    assert_eq!(got.Ints, None);
    assert_eq!(got.Map, Some(BTreeMap::new()));
    assert_eq!(got.Opts, vec![Some(0)]);
}

#[test]
fn negative_offsets_with_seconds_come_back_as_go_reads_them() {
    // Go: int8(-3601 % 60) = -1 is written as the byte 0xff and read back as +255.
    assert_eq!(expected_offset(Some(-3601)), Some(-3600 + 255));
    let t = Time {
        secs: 1,
        nanos: 2,
        offset: Some(-3601),
    };
    let got: Time = gob_codec::from_slice(&gob_codec::to_vec(&t).unwrap()).unwrap();
    assert_eq!(got.offset, Some(-3345));
    let t = Time {
        secs: 1,
        nanos: 2,
        offset: Some(3601),
    };
    let got: Time = gob_codec::from_slice(&gob_codec::to_vec(&t).unwrap()).unwrap();
    assert_eq!(got.offset, Some(3601));
}

#[test]
fn golden_streams_reencode_from_values() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("gob") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        value_reencode_is_identity(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n > 100, "only {n} golden files");
}

/// `GoString` is a Go `string` on the wire: the same stream as `String` fields holding the same
/// UTF-8 text, an empty one omitted like an empty `String`, each decoding what the other wrote;
/// and bytes that are not UTF-8 are a Go string all the same.
#[test]
fn go_string_is_a_string_on_the_wire() {
    use gob_codec::{GoString, Value};
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    #[serde(rename = "S")]
    struct Raw {
        A: GoString,
        B: GoString,
        C: Vec<GoString>,
    }
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    #[serde(rename = "S")]
    struct Text {
        A: String,
        B: String,
        C: Vec<String>,
    }
    let raw = Raw {
        A: GoString::from("a"),
        B: GoString::default(),
        C: vec![GoString::from(""), GoString::from("c")],
    };
    let text = Text {
        A: "a".into(),
        B: String::new(),
        C: vec![String::new(), "c".into()],
    };
    let bytes = gob_codec::to_vec(&raw).unwrap();
    assert_eq!(bytes, gob_codec::to_vec(&text).unwrap());
    assert_eq!(gob_codec::from_slice::<Text>(&bytes).unwrap(), text);
    assert_eq!(gob_codec::from_slice::<Raw>(&bytes).unwrap(), raw);

    assert_eq!(
        gob_codec::to_vec(&GoString::from("x")).unwrap(),
        gob_codec::to_vec(&"x").unwrap()
    );
    let bytes = gob_codec::to_vec(&GoString(vec![0xff, 0])).unwrap();
    let v = gob_codec::Decoder::new(&bytes[..]).decode_value().unwrap();
    assert_eq!(v, Value::RawString(vec![0xff, 0]));
}

/// `Complex64` reads what `Complex` wrote when the parts fit a float32, and refuses them when
/// they do not, as Go's decoder refuses them.
#[test]
fn complex64_parts_must_fit_a_float32() {
    use gob_codec::{Complex, Complex64};
    let fits = gob_codec::to_vec(&Complex { re: 0.5, im: -2.0 }).unwrap();
    assert_eq!(
        gob_codec::from_slice::<Complex64>(&fits).unwrap(),
        Complex64 { re: 0.5, im: -2.0 }
    );
    let big = gob_codec::to_vec(&Complex { re: 1e39, im: 0.0 }).unwrap();
    let e = gob_codec::from_slice::<Complex64>(&big).unwrap_err();
    assert!(e.to_string().contains("overflows float32"), "{e}");
    let inf = gob_codec::to_vec(&Complex {
        re: f64::INFINITY,
        im: 0.0,
    })
    .unwrap();
    assert!(gob_codec::from_slice::<Complex64>(&inf)
        .unwrap()
        .re
        .is_infinite());
}

/// With the derive's in-place deserializers, a used value's buffers are written over, not
/// replaced: the `Vec` and the `String`s keep their allocations when the next value fits.
#[test]
fn decode_into_keeps_buffers() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Batch {
        Stream: i64,
        Lines: Vec<String>,
        Data: Vec<u8>,
    }
    let long = Batch {
        Stream: 1,
        Lines: vec!["a long first line".into(), "a long second line".into()],
        Data: vec![7; 64],
    };
    let short = Batch {
        Stream: 2,
        Lines: vec!["short".into()],
        Data: vec![1, 2, 3],
    };
    let mut enc = Encoder::new(Vec::new());
    enc.encode(&long).unwrap();
    enc.encode(&short).unwrap();
    let bytes = enc.into_inner();
    let mut dec = Decoder::new(&bytes[..]);
    let mut place: Batch = dec.decode().unwrap();
    let (lines, line0, data) = (
        place.Lines.as_ptr(),
        place.Lines[0].as_ptr(),
        place.Data.as_ptr(),
    );
    dec.decode_into(&mut place).unwrap();
    assert_eq!(place, short);
    assert_eq!(place.Lines.as_ptr(), lines, "the Vec<String> was replaced");
    assert_eq!(place.Lines[0].as_ptr(), line0, "the String was replaced");
    assert_eq!(place.Data.as_ptr(), data, "the Vec<u8> was replaced");
}
