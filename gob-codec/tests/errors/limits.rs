//! Limits and integers: the message size limit, integers longer than 8 bytes, type ids beyond
//! `i32`.

use gob_codec::{Decoder, Limits};

use super::checks::*;
use super::streams::*;

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
