//! Go's `string` as bytes: a Go string is any sequence of bytes, and one that is not UTF-8 cannot
//! be a Rust `String`.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTupleStruct;
use serde::{Deserializer, Serializer};

use crate::schema::STRING_LEN;

/// A Go `string` held as its bytes, which need not be UTF-8. It is sent as a Go `string` (a
/// `Vec<u8>` is sent as a `[]byte`), and decodes any Go string, where a `String` field refuses one
/// that is not UTF-8 with an error.
///
/// ```
/// use gob_codec::GoString;
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Entry { Key: GoString, Note: String }
/// let e = Entry { Key: GoString(b"\xff\x00k".to_vec()), Note: "ok".into() };
/// let bytes = gob_codec::to_vec(&e).unwrap();
/// assert_eq!(gob_codec::from_slice::<Entry>(&bytes).unwrap(), e);
/// // On the wire it is a string: a String field reads it when it is UTF-8.
/// #[derive(serde::Deserialize, Debug)]
/// struct Checked { Key: String }
/// assert!(gob_codec::from_slice::<Checked>(&bytes).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GoString(pub Vec<u8>);

impl GoString {
    /// The string as UTF-8, when it is.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl From<String> for GoString {
    fn from(s: String) -> Self {
        GoString(s.into_bytes())
    }
}

impl From<&str> for GoString {
    fn from(s: &str) -> Self {
        GoString(s.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for GoString {
    fn from(b: Vec<u8>) -> Self {
        GoString(b)
    }
}

/// The marker tuple struct that gob-codec's serializer, deserializer and schema tracer recognise,
/// with the same parts as a marshaled value: (is empty, bytes).
impl serde::Serialize for GoString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple_struct("string", STRING_LEN)?;
        t.serialize_field(&self.0.is_empty())?;
        t.serialize_field(&crate::marshal::RawBytes(&self.0))?;
        t.end()
    }
}

impl<'de> serde::Deserialize<'de> for GoString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_tuple_struct("string", STRING_LEN, GoStringVisitor)
    }
}

struct GoStringVisitor;

impl<'de> Visitor<'de> for GoStringVisitor {
    type Value = GoString;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Go string")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<GoString, A::Error> {
        let _empty: bool = a
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        a.next_element_seed(BytesSeed)?
            .map(GoString)
            .ok_or_else(|| de::Error::invalid_length(1, &self))
    }
}

/// The bytes part, taken as whatever form the deserializer has them in.
struct BytesSeed;

impl<'de> de::DeserializeSeed<'de> for BytesSeed {
    type Value = Vec<u8>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(self)
    }
}

impl<'de> Visitor<'de> for BytesSeed {
    type Value = Vec<u8>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        Ok(v.as_bytes().to_vec())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Vec<u8>, A::Error> {
        let mut v = Vec::new();
        while let Some(b) = a.next_element::<u8>()? {
            v.push(b);
        }
        Ok(v)
    }
}
