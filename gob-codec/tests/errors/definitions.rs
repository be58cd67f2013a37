//! Type ids and definitions: undefined, reserved, duplicate and malformed ones, and field deltas.

use gob_codec::{ErrorKind, WireKind, WireType};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::checks::*;
use super::streams::*;

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
