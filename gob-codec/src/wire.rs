//! Wire primitives: unsigned, signed, float, bool, byte strings, and the message length prefix;
//! nothing else in the crate touches bits.
//!
//! See `WIRE.md`, "Integers", "Floats", "Strings and byte slices" and "Messages". An unsigned integer
//! below 128 is one byte; larger ones are the negated byte count followed by the big-endian bytes
//! without leading zeros. A signed integer is shifted left one bit, complemented when negative, with
//! the sign in bit 0. A float is its IEEE-754 bits with the bytes reversed, sent as an unsigned
//! integer, so that common floats are short. A message is its body's length, as an unsigned integer,
//! then the body.

use crate::error::{Error, ErrorKind, Result};

/// Most bytes an unsigned integer takes: the count byte and eight bytes.
pub(crate) const MAX_UINT_LEN: usize = 9;

/// An unsigned integer's encoding, in a fixed buffer: `(bytes, length)`.
#[inline]
fn uint_bytes(x: u64) -> ([u8; MAX_UINT_LEN], usize) {
    let mut out = [0u8; MAX_UINT_LEN];
    if x < 0x80 {
        out[0] = x as u8;
        return (out, 1);
    }
    let skip = (x.leading_zeros() / 8) as usize;
    let n = 8 - skip;
    out[0] = (n as u8).wrapping_neg();
    out[1..=n].copy_from_slice(&x.to_be_bytes()[skip..]);
    (out, 1 + n)
}

/// Appends `x` as a gob unsigned integer.
#[inline]
pub(crate) fn put_uint(buf: &mut Vec<u8>, x: u64) {
    if x < 0x80 {
        buf.push(x as u8);
        return;
    }
    // Fixed-size writes, then cut back: the significant bytes, shifted to the top, come first.
    let skip = x.leading_zeros() / 8;
    let n = 8 - skip as usize;
    let end = buf.len() + 1 + n;
    buf.reserve(MAX_UINT_LEN);
    buf.push((n as u8).wrapping_neg());
    buf.extend_from_slice(&(x << (8 * skip)).to_be_bytes());
    buf.truncate(end);
}

/// The zig-zag-like mapping Go uses for signed integers.
#[inline]
pub(crate) fn int_to_uint(i: i64) -> u64 {
    if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    }
}

/// Inverse of [`int_to_uint`].
#[inline]
pub(crate) fn uint_to_int(u: u64) -> i64 {
    if u & 1 != 0 {
        !(u >> 1) as i64
    } else {
        (u >> 1) as i64
    }
}

/// Appends `i` as a gob signed integer.
#[inline]
pub(crate) fn put_int(buf: &mut Vec<u8>, i: i64) {
    put_uint(buf, int_to_uint(i));
}

/// Appends `f` as a gob float (byte-reversed IEEE-754 bits).
#[inline]
pub(crate) fn put_float(buf: &mut Vec<u8>, f: f64) {
    put_uint(buf, f.to_bits().swap_bytes());
}

/// Appends a length-prefixed byte string.
#[inline]
pub(crate) fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    // Short strings into a buffer with room, the common case, stay small enough to be inlined
    // into the serializer's loops.
    if b.len() < 0x80 && buf.capacity() - buf.len() > b.len() {
        buf.push(b.len() as u8);
        buf.extend_from_slice(b);
    } else {
        put_long_bytes(buf, b);
    }
}

#[cold]
fn put_long_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    buf.reserve(MAX_UINT_LEN + b.len());
    put_uint(buf, b.len() as u64);
    buf.extend_from_slice(b);
}

/// Writes the length prefix of a message whose body is `len` bytes (Go's `writeMessage`) at the
/// end of `head`, which must have room for [`MAX_UINT_LEN`] bytes, the rest of which it may
/// overwrite; returns the prefix's size. The writer reserves that room in front of a body and fills
/// it in once the body is written.
#[inline]
pub(crate) fn put_message_prefix(head: &mut [u8], len: usize) -> usize {
    let end = head.len();
    let x = len as u64;
    if x < 0x80 {
        head[end - 1] = x as u8;
        return 1;
    }
    // Big-endian, the significant bytes are already at the end.
    let n = 8 - (x.leading_zeros() / 8) as usize;
    head[end - 8..].copy_from_slice(&x.to_be_bytes());
    head[end - n - 1] = (n as u8).wrapping_neg();
    n + 1
}

/// Longest [`singleton_bytes_header`]: length prefix, type id, singleton delta, byte count.
pub(crate) const SINGLETON_BYTES_HEADER_MAX: usize = 2 * MAX_UINT_LEN + 2;

/// Everything of the message holding a top-level value of the predefined byte-string type `id`
/// (`[]byte` or `string`) of `n` bytes that comes before the bytes themselves: the message length,
/// the type id, the singleton `0` (`WIRE.md`, "Singletons") and the byte count.
#[inline]
pub(crate) fn singleton_bytes_header(
    id: u8,
    n: usize,
) -> ([u8; SINGLETON_BYTES_HEADER_MAX], usize) {
    debug_assert!(id < 0x40, "a predefined id is one byte");
    let (count, count_len) = uint_bytes(n as u64);
    let body_len = (2 + count_len as u64).saturating_add(n as u64);
    let (len, len_len) = uint_bytes(body_len);
    let mut out = [0u8; SINGLETON_BYTES_HEADER_MAX];
    out[..len_len].copy_from_slice(&len[..len_len]);
    out[len_len] = int_to_uint(i64::from(id)) as u8;
    out[len_len + 1] = 0;
    out[len_len + 2..len_len + 2 + count_len].copy_from_slice(&count[..count_len]);
    (out, len_len + 2 + count_len)
}

/// The total size of an unsigned integer whose first byte is `first`; `None` when the count byte
/// announces more than eight bytes.
#[inline]
pub(crate) fn uint_len(first: u8) -> Option<usize> {
    if first < 0x80 {
        return Some(1);
    }
    let n = usize::from(first.wrapping_neg());
    (n <= 8).then_some(1 + n)
}

/// The value of an unsigned integer at `data[pos]` when it is the one-byte form (below 128), the
/// common case, which callers take without setting up a [`Reader`].
#[inline]
pub(crate) fn small_uint(data: &[u8], pos: usize) -> Option<u8> {
    data.get(pos).copied().filter(|&b| b < 0x80)
}

/// Where the bytes of a byte string at `data[pos]` lie when its length is the one-byte form and
/// all of it is in `data`; the common case, as [`small_uint`].
#[inline]
pub(crate) fn small_bytes(data: &[u8], pos: usize) -> Option<std::ops::Range<usize>> {
    let n = usize::from(small_uint(data, pos)?);
    let start = pos + 1;
    (start + n <= data.len()).then_some(start..start + n)
}

/// A message length prefix, as far as it has arrived.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Prefix {
    /// Not all there: this many more bytes complete it.
    Short(usize),
    /// The body is `len` bytes; the prefix took `used`.
    Whole { len: usize, used: usize },
}

/// Parses a message length prefix at the start of `data`, whose first byte is at stream offset
/// `at`, checking the body length to be non-zero and at most `max`, so that nothing is ever
/// reserved for an over-limit message.
pub(crate) fn message_len(data: &[u8], at: u64, max: usize) -> Result<Prefix> {
    let Some(&first) = data.first() else {
        return Ok(Prefix::Short(1));
    };
    let used = uint_len(first).ok_or_else(|| Error::malformed("invalid message length").at(at))?;
    let Some(bytes) = data.get(..used) else {
        return Ok(Prefix::Short(used - data.len()));
    };
    let len = Reader::new(bytes, at).uint().map_err(|e| e.at(at))?;
    check_message_len(len, max, at).map(|len| Prefix::Whole { len, used })
}

/// A message length must be non-zero and at most `max`; checked before anything is reserved.
pub(crate) fn check_message_len(len: u64, max: usize, at: u64) -> Result<usize> {
    if len == 0 {
        return Err(Error::malformed("empty message").at(at));
    }
    match usize::try_from(len) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::limit(format!(
            "message length {len} is over the limit of {max} bytes"
        ))
        .at(at)),
    }
}

/// Reads primitives from one message held in memory, tracking the stream offset for errors.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, whose first byte is at stream offset `base`.
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        Reader { data, pos: 0, base }
    }

    /// Stream offset of the next byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes consumed so far.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left in the message.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    #[cold]
    fn eof(&self) -> Error {
        Error::new(ErrorKind::UnexpectedEof).at(self.offset())
    }

    /// Reads one byte.
    #[inline]
    pub(crate) fn byte(&mut self) -> Result<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.eof()),
        }
    }

    /// Reads a gob unsigned integer.
    #[inline]
    pub(crate) fn uint(&mut self) -> Result<u64> {
        let start = self.offset();
        let b = self.byte()?;
        if b < 0x80 {
            return Ok(u64::from(b));
        }
        let n = usize::from(b.wrapping_neg());
        if n > 8 {
            return Err(Error::malformed("encoded unsigned integer out of range").at(start));
        }
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Reads a gob signed integer.
    #[inline]
    pub(crate) fn int(&mut self) -> Result<i64> {
        self.uint().map(uint_to_int)
    }

    /// Reads a gob float.
    #[inline]
    pub(crate) fn float(&mut self) -> Result<f64> {
        self.uint().map(|u| f64::from_bits(u.swap_bytes()))
    }

    /// Reads a gob bool; Go treats any non-zero value as true.
    #[inline]
    pub(crate) fn bool(&mut self) -> Result<bool> {
        self.uint().map(|u| u != 0)
    }

    /// Reads a count or length and checks it against what is left in the message, so that no
    /// allocation is ever sized by a count the message cannot hold (each element takes a byte or more,
    /// except where `min_elem` is 0).
    #[inline]
    pub(crate) fn count(&mut self, what: &str, min_elem: usize) -> Result<usize> {
        let start = self.offset();
        let n = self.uint()?;
        let fits = usize::try_from(n)
            .ok()
            .filter(|&n| n.saturating_mul(min_elem) <= self.remaining());
        match fits {
            Some(n) => Ok(n),
            None => Err(Error::malformed(format!(
                "{what} count {n} exceeds the {} bytes left in the message",
                self.remaining()
            ))
            .at(start)),
        }
    }

    /// Reads `n` raw bytes.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.eof());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a length-prefixed byte string.
    #[inline]
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count("byte string", 1)?;
        self.take(n)
    }

    /// Reads a length-prefixed UTF-8 string.
    pub(crate) fn str(&mut self) -> Result<&'a str> {
        let start = self.offset();
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| Error::malformed("string is not valid UTF-8").at(start))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn uint_hex(x: u64) -> String {
        let mut v = Vec::new();
        put_uint(&mut v, x);
        v.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn uint_table() {
        // From Go's encoding/gob documentation ("Encoding details").
        for (x, hex) in [
            (0u64, "00"),
            (7, "07"),
            (127, "7f"),
            (128, "ff80"),
            (256, "fe0100"),
            (u64::MAX, "f8ffffffffffffffff"),
        ] {
            assert_eq!(uint_hex(x), hex, "{x}");
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            assert_eq!(Reader::new(&bytes, 0).uint().unwrap(), x);
        }
    }

    #[test]
    fn int_table() {
        // Go doc: -129 is sent as ^(-129)<<1|1 = 257 -> fe 01 01; 3 -> 06.
        for (i, u) in [
            (0i64, 0u64),
            (3, 6),
            (-1, 1),
            (-129, 257),
            (i64::MIN, u64::MAX),
        ] {
            assert_eq!(int_to_uint(i), u);
            assert_eq!(uint_to_int(u), i);
        }
    }

    #[test]
    fn float_table() {
        // Go doc: 17.0 is sent as fe 31 40.
        let mut v = Vec::new();
        put_float(&mut v, 17.0);
        assert_eq!(v, [0xfe, 0x31, 0x40]);
        assert_eq!(Reader::new(&v, 0).float().unwrap(), 17.0);
    }

    #[test]
    fn small_forms_table() {
        let data = [0x02, b'h', b'i', 0x7f, 0x80];
        assert_eq!(small_uint(&data, 0), Some(2));
        assert_eq!(small_uint(&data, 4), None);
        assert_eq!(small_uint(&data, 5), None);
        assert_eq!(small_bytes(&data, 0), Some(1..3));
        // 127 bytes announced, 1 there; a two-byte count.
        assert_eq!(small_bytes(&data, 3), None);
        assert_eq!(small_bytes(&data, 4), None);
    }

    #[test]
    fn uint_too_long_is_an_error() {
        let e = Reader::new(&[0xf7, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10)
            .uint()
            .unwrap_err();
        assert_eq!(e.offset(), Some(10));
    }

    #[test]
    fn count_beyond_message_is_an_error() {
        let e = Reader::new(&[0xfc, 0x10, 0, 0, 0], 0)
            .count("slice", 1)
            .unwrap_err();
        assert!(e.to_string().contains("exceeds"), "{e}");
    }

    fn unhex(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn message_len_table() {
        const MAX: usize = 1000;
        for (hex, want) in [
            ("", Prefix::Short(1)),
            ("05", Prefix::Whole { len: 5, used: 1 }),
            ("7f 00 00", Prefix::Whole { len: 127, used: 1 }),
            ("ff", Prefix::Short(1)),
            ("ff 80", Prefix::Whole { len: 128, used: 2 }),
            ("fe 03", Prefix::Short(1)),
            ("fe 03 e8", Prefix::Whole { len: 1000, used: 3 }),
            ("f8 00", Prefix::Short(7)),
        ] {
            assert_eq!(message_len(&unhex(hex), 0, MAX).unwrap(), want, "{hex}");
        }
        for (hex, text) in [
            ("00", "empty message"),
            ("f7 01", "invalid message length"),
            ("fe 03 e9", "over the limit of 1000 bytes"),
            ("f8 ff ff ff ff ff ff ff ff", "over the limit"),
        ] {
            let e = message_len(&unhex(hex), 7, MAX).unwrap_err();
            assert!(e.to_string().contains(text), "{hex}: {e}");
            assert_eq!(e.offset(), Some(7), "{hex}");
        }
    }

    #[test]
    fn message_prefix_table() {
        for (len, hex) in [
            (3usize, "03"),
            (127, "7f"),
            (200, "ff c8"),
            (70_000, "fd 01 11 70"),
        ] {
            let mut head = [0xaa; MAX_UINT_LEN + 1];
            let n = put_message_prefix(&mut head[..MAX_UINT_LEN], len);
            assert_eq!(
                head[MAX_UINT_LEN - n..MAX_UINT_LEN],
                unhex(hex)[..],
                "{len}"
            );
            assert_eq!(head[MAX_UINT_LEN], 0xaa, "{len}");
        }
    }

    #[test]
    fn singleton_bytes_header_table() {
        // id 5 ([]byte) is 0a as a signed integer; then the singleton 00 and the byte count.
        for (n, hex) in [
            (0usize, "03 0a 00 00"),
            (2, "05 0a 00 02"),
            (124, "7f 0a 00 7c"),
            (125, "ff 80 0a 00 7d"),
            (128, "ff 84 0a 00 ff 80"),
            (70_000, "fd 01 11 76 0a 00 fd 01 11 70"),
        ] {
            let (b, len) = singleton_bytes_header(5, n);
            assert_eq!(b[..len], unhex(hex)[..], "{n}");
        }
    }
}
