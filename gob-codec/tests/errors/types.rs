//! Values that do not fit the Rust type: invalid UTF-8, overflow, type and length mismatches, no
//! common field.

use gob_codec::{Decoder, ErrorKind, Value, ValueEncoder, WireKind};
use serde::{Deserialize, Serialize};

use super::checks::*;
use super::streams::*;

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
