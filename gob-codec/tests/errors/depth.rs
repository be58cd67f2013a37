//! Depth bombs: each must hit the depth limit, on a 2 MiB stack, for typed decoding, Value decoding
//! and skipping; and a long chain of definitions that must not recurse per type.

use gob_codec::{Decoder, Error, Limits, TypeId, Value, ValueEncoder};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::checks::*;
use super::streams::*;

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

/// `n` slices of `type T []T` (id 64), one inside the other.
fn nested_slices(n: usize) -> Value {
    let mut v = Value::Slice {
        ty: 64,
        items: vec![],
    };
    for _ in 1..n {
        v = Value::Slice {
            ty: 64,
            items: vec![v],
        };
    }
    v
}

/// A hand-built `Value` is held to the same depth limit when encoded as when decoded: the deepest
/// value the decoder accepts encodes, one level more is refused before anything is written, and
/// the limit can be set.
#[test]
fn value_encoder_holds_hand_built_values_to_the_depth_limit() {
    on_small_stack(|| {
        let data = cat(&[&def(64, slice_of(64)), &value_msg(64, false, &[0x00])]);
        let mut dec = Decoder::new(&data[..]);
        dec.decode_value().unwrap();
        let types = dec.types().clone();

        let deepest = nested_slices(gob_codec::DEFAULT_MAX_DEPTH);
        let mut enc = ValueEncoder::new(Vec::new(), types.clone());
        enc.encode(&deepest).unwrap();
        let bytes = enc.into_inner();
        assert_eq!(Decoder::new(&bytes[..]).decode_value().unwrap(), deepest);

        let mut enc = ValueEncoder::new(Vec::new(), types.clone());
        let e = enc
            .encode(&nested_slices(gob_codec::DEFAULT_MAX_DEPTH + 1))
            .unwrap_err();
        assert_err(&e, is_limit, None, "nested deeper than 256");
        assert!(enc.into_inner().is_empty(), "nothing written");

        let mut enc = ValueEncoder::new(Vec::new(), types).with_max_depth(3);
        enc.encode(&nested_slices(3)).unwrap();
        let e = enc.encode(&nested_slices(4)).unwrap_err();
        assert_err(&e, is_limit, None, "nested deeper than 3");
    });
}
