//! End of input: a clean end only between values, an unexpected one anywhere else.

use gob_codec::{Decoder, ErrorKind};
use serde::de::IgnoredAny;

use super::checks::*;
use super::streams::*;

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

/// `from_slice` reads one value and the input must end there; a `Decoder` reads on.
#[test]
fn from_slice_refuses_bytes_after_the_value() {
    let one = gob_codec::to_vec(&7i64).unwrap();
    assert_eq!(gob_codec::from_slice::<i64>(&one).unwrap(), 7);
    let mut two = one.clone();
    two.extend(gob_codec::to_vec(&8i64).unwrap());
    let e = gob_codec::from_slice::<i64>(&two).unwrap_err();
    assert_err(
        &e,
        is_malformed,
        Some(one.len() as u64),
        "bytes after the value",
    );
    let mut dec = gob_codec::Decoder::new(&two[..]);
    assert_eq!(dec.decode::<i64>().unwrap(), 7);
    assert_eq!(dec.decode::<i64>().unwrap(), 8);
    // A lone byte after the value is refused too.
    let mut junk = one;
    junk.push(0);
    assert!(gob_codec::from_slice::<i64>(&junk).is_err());
}
