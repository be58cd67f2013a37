//! Values that cannot be encoded, and what an encoder writes then.

use gob_codec::ErrorKind;
use serde::{Deserialize, Serialize};

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

/// `ValueEncoder`: a value that fails writes nothing, and the definitions it would have sent
/// (here the ones Go sent in front of it, which no value refers to) go out with the next value
/// in their place, as if the failed one never was.
#[test]
fn a_value_that_fails_writes_nothing() {
    use gob_codec::{Decoder, Value, ValueEncoder};
    let go = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/marshal_struct_fields_field.gob"
    ))
    .unwrap();
    let mut dec = Decoder::new(&go[..]);
    let good = dec.decode_value().unwrap();
    let Value::Struct { ty, fields } = good.clone() else {
        panic!("not a struct: {good:?}")
    };
    let mut backwards = fields;
    backwards.reverse();
    let bad = Value::Struct {
        ty,
        fields: backwards,
    };
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    let e = enc.encode(&bad).unwrap_err();
    assert!(e.to_string().contains("out of order"), "{e}");
    enc.encode(&good).unwrap();
    assert_eq!(enc.into_inner(), go);
}
