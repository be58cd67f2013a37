//! Counts and lengths that the message cannot hold.

use gob_codec::{ErrorKind, WireKind};
use serde::de::IgnoredAny;

use super::checks::*;
use super::streams::*;

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
