//! `--json`: a value as JSON, shaped like Go's `encoding/json` output for the decoded Go value, and
//! lossless where Go's is not.
//!
//! Structs are objects of the fields that were sent (gob omits zero fields), in wire order. Maps with
//! string keys are objects, other maps (and string-keyed maps with a key that is not UTF-8) arrays
//! of `[key, value]` pairs. `[]byte` and marshaled values
//! are base64 strings, except `time.Time`, which is RFC 3339 text as Go writes it (a year outside
//! 0000-9999, which RFC 3339 cannot hold and Go's `MarshalJSON` refuses, in ISO 8601's expanded
//! form: `-0001-01-01T00:00:00Z`, `+10000-...`). Interfaces are `{"type": registered name,
//! "value": ...}` or `null`. Complex numbers are `{"real": .., "imag": ..}`. NaN and infinities,
//! which JSON lacks, are the strings `"NaN"`, `"+Inf"` and `"-Inf"`. A Go string that is not UTF-8
//! (JSON strings must be), which Go would print with U+FFFD in place of the bad bytes, is the object
//! `{"$string_bytes": base64 of its bytes}`; no Go struct has a field named so.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use gob_codec::{TypeId, TypeTable, Value, WireKind};

/// Go's predefined `string` type id.
const STRING: TypeId = 6;

/// A value to serialize as JSON, with the definitions that tell how (map key types).
pub struct Json<'a> {
    types: &'a TypeTable,
    v: &'a Value,
}

impl<'a> Json<'a> {
    pub fn new(types: &'a TypeTable, v: &'a Value) -> Self {
        Json { types, v }
    }

    fn with(&self, v: &'a Value) -> Json<'a> {
        Json {
            types: self.types,
            v,
        }
    }
}

/// A float, or its name when JSON has no number for it.
fn float<S: Serializer>(f: f64, s: S) -> Result<S::Ok, S::Error> {
    if f.is_nan() {
        s.serialize_str("NaN")
    } else if f.is_infinite() {
        s.serialize_str(if f > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        s.serialize_f64(f)
    }
}

struct Float(f64);

impl Serialize for Float {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        float(self.0, s)
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.v {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Uint(u) => s.serialize_u64(*u),
            Value::Float(f) => float(*f, s),
            Value::Complex(re, im) => {
                let mut st = s.serialize_struct("complex", 2)?;
                st.serialize_field("real", &Float(*re))?;
                st.serialize_field("imag", &Float(*im))?;
                st.end()
            }
            Value::String(v) => s.serialize_str(v),
            Value::RawString(b) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("$string_bytes", &base64(b))?;
                m.end()
            }
            Value::Bytes(b) => s.serialize_str(&base64(b)),
            Value::Marshaled { ty, bytes } => {
                match crate::text::marshaled(self.types, *ty, bytes) {
                    Some(t) => s.serialize_str(&t),
                    None => s.serialize_str(&base64(bytes)),
                }
            }
            Value::Slice { items, .. } | Value::Array { items, .. } => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for it in items {
                    seq.serialize_element(&self.with(it))?;
                }
                seq.end()
            }
            Value::Map { ty, entries } => {
                // A key that is not UTF-8 cannot be an object key: such a map is pairs too.
                let string_keys = matches!(
                    self.types.get(*ty).map(|w| &w.kind),
                    Some(WireKind::Map { key, .. }) if *key == STRING
                ) && entries.iter().all(|(k, _)| matches!(k, Value::String(_)));
                if string_keys {
                    let mut m = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        m.serialize_entry(&self.with(k), &self.with(v))?;
                    }
                    m.end()
                } else {
                    let mut seq = s.serialize_seq(Some(entries.len()))?;
                    for (k, v) in entries {
                        seq.serialize_element(&(self.with(k), self.with(v)))?;
                    }
                    seq.end()
                }
            }
            Value::Struct { fields, .. } => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for f in fields {
                    m.serialize_entry(&f.name, &self.with(&f.value))?;
                }
                m.end()
            }
            Value::Interface(None) => s.serialize_none(),
            Value::Interface(Some(i)) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", &i.name)?;
                m.serialize_entry("value", &self.with(&i.value))?;
                m.end()
            }
        }
    }
}

/// Standard base64 with padding, as Go's encoding/json writes `[]byte`.
pub fn base64(b: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | u32::from(x) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
