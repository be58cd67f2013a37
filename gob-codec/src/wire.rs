//! Wire primitives: unsigned, signed, float, complex, bool, byte strings; nothing else touches bits.
//!
//! See `WIRE.md`, "Integers" and "Floats". An unsigned integer below 128 is one byte; larger ones are
//! the negated byte count followed by the big-endian bytes without leading zeros. A signed integer is
//! shifted left one bit, complemented when negative, with the sign in bit 0. A float is its IEEE-754
//! bits with the bytes reversed, sent as an unsigned integer, so that common floats are short.

use crate::error::{Error, ErrorKind, Result};

/// Appends `x` as a gob unsigned integer.
#[inline]
pub fn put_uint(buf: &mut Vec<u8>, x: u64) {
    if x < 0x80 {
        buf.push(x as u8);
        return;
    }
    let bytes = x.to_be_bytes();
    let skip = (x.leading_zeros() / 8) as usize;
    let n = 8 - skip;
    buf.push((n as u8).wrapping_neg());
    buf.extend_from_slice(&bytes[skip..]);
}

/// The zig-zag-like mapping Go uses for signed integers.
#[inline]
pub fn int_to_uint(i: i64) -> u64 {
    if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    }
}

/// Inverse of [`int_to_uint`].
#[inline]
pub fn uint_to_int(u: u64) -> i64 {
    if u & 1 != 0 {
        !(u >> 1) as i64
    } else {
        (u >> 1) as i64
    }
}

/// Appends `i` as a gob signed integer.
#[inline]
pub fn put_int(buf: &mut Vec<u8>, i: i64) {
    put_uint(buf, int_to_uint(i));
}

/// Appends `f` as a gob float (byte-reversed IEEE-754 bits).
#[inline]
pub fn put_float(buf: &mut Vec<u8>, f: f64) {
    put_uint(buf, f.to_bits().swap_bytes());
}

/// Appends a length-prefixed byte string.
#[inline]
pub fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_uint(buf, b.len() as u64);
    buf.extend_from_slice(b);
}

/// Reads primitives from one message held in memory, tracking the stream offset for errors.
#[derive(Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, whose first byte is at stream offset `base`.
    pub fn new(data: &'a [u8], base: u64) -> Self {
        Reader { data, pos: 0, base }
    }

    /// Stream offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes consumed so far.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left in the message.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// True when the message is fully consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    #[cold]
    fn eof(&self) -> Error {
        Error::new(ErrorKind::UnexpectedEof).at(self.offset())
    }

    /// Reads one byte.
    #[inline]
    pub fn byte(&mut self) -> Result<u8> {
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
    pub fn uint(&mut self) -> Result<u64> {
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
    pub fn int(&mut self) -> Result<i64> {
        self.uint().map(uint_to_int)
    }

    /// Reads a gob float.
    #[inline]
    pub fn float(&mut self) -> Result<f64> {
        self.uint().map(|u| f64::from_bits(u.swap_bytes()))
    }

    /// Reads a gob bool; Go treats any non-zero value as true.
    #[inline]
    pub fn bool(&mut self) -> Result<bool> {
        self.uint().map(|u| u != 0)
    }

    /// Reads a count or length and checks it against what is left in the message, so that no
    /// allocation is ever sized by a count the message cannot hold (each element takes a byte or more,
    /// except where `min_elem` is 0).
    #[inline]
    pub fn count(&mut self, what: &str, min_elem: usize) -> Result<usize> {
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
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.eof());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a length-prefixed byte string.
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count("byte string", 1)?;
        self.take(n)
    }

    /// Reads a length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str> {
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
}
