//! Interface values whose name or concrete type is bad.

use serde::de::IgnoredAny;

use super::checks::*;
use super::streams::*;

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
