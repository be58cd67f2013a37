//! Rust that `--rust` prints the same way every time: a marshaler's newtype and its trait
//! implementations, and the two helper types some streams need (an array longer than serde's, a
//! float in a map key).

use std::fmt::Write;

use gob_codec::MarshalKind;

/// A marshaler's newtype over its bytes, with its `GoMarshal`, `Serialize` and `Deserialize`
/// (see the module docs of `rust.rs`); `struct_fields` is its `go_struct_fields`, if any.
pub fn marshal(
    out: &mut String,
    name: &str,
    go_type: &str,
    kind: MarshalKind,
    struct_fields: &str,
    derives: &str,
) {
    let (kind_name, method) = match kind {
        MarshalKind::Gob => ("Gob", "GobEncode"),
        MarshalKind::Binary => ("Binary", "MarshalBinary"),
        MarshalKind::Text => ("Text", "MarshalText"),
    };
    let _ = write!(
            out,
            "///\n/// The bytes Go's `{method}` wrote; `None` is Go's zero value, which a struct field leaves\n\
             /// out (its bytes are not in the stream).\n\
             #[derive({derives})]\n\
             pub struct {name}(pub Option<Vec<u8>>);\n\n\
             impl gob_codec::GoMarshal for {name} {{\n    \
                 const GO_TYPE: &'static str = {go_type:?};\n    \
                 const KIND: gob_codec::MarshalKind = gob_codec::MarshalKind::{kind_name};\n    \
                 fn marshal(&self) -> Result<Vec<u8>, String> {{\n        \
                     Ok(self.0.clone().unwrap_or_default())\n    \
                 }}\n    \
                 fn unmarshal(bytes: &[u8]) -> Result<Self, String> {{\n        \
                     Ok(Self(Some(bytes.to_vec())))\n    \
                 }}\n    \
                 fn is_zero(&self) -> bool {{\n        \
                     self.0.is_none()\n    \
                 }}\n    \
                 fn zero() -> Self {{\n        \
                     Self(None)\n    \
                 }}\n{}\
             }}\n\n\
             impl serde::Serialize for {name} {{\n    \
                 fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{\n        \
                     gob_codec::marshaled::serialize(self, s)\n    \
                 }}\n\
             }}\n\n\
             impl<'de> serde::Deserialize<'de> for {name} {{\n    \
                 fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n        \
                     gob_codec::marshaled::deserialize(d)\n    \
                 }}\n\
             }}\n",
            struct_fields
        );
}

/// The array type for Go arrays of more than 32 elements, which serde's arrays stop short of,
pub fn go_array(out: &mut String, name: &str) {
    let _ = write!(
        out,
        "\n/// A Go array of more than 32 elements (serde's arrays stop at 32): a tuple of `N` on the\n\
         /// wire, as an array is.\n\
         #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]\n\
         pub struct {name}<T, const N: usize>(pub [T; N]);\n\n\
         impl<T: Default, const N: usize> Default for {name}<T, N> {{\n    \
             fn default() -> Self {{\n        \
                 Self(std::array::from_fn(|_| T::default()))\n    \
             }}\n\
         }}\n\n\
         impl<T: serde::Serialize, const N: usize> serde::Serialize for {name}<T, N> {{\n    \
             fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{\n        \
                 use serde::ser::SerializeTuple;\n        \
                 let mut t = s.serialize_tuple(N)?;\n        \
                 for x in &self.0 {{\n            \
                     t.serialize_element(x)?;\n        \
                 }}\n        \
                 t.end()\n    \
             }}\n\
         }}\n\n\
         impl<'de, T: serde::Deserialize<'de>, const N: usize> serde::Deserialize<'de> for {name}<T, N> {{\n    \
             fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n        \
                 struct V<T, const N: usize>(std::marker::PhantomData<T>);\n        \
                 impl<'de, T: serde::Deserialize<'de>, const N: usize> serde::de::Visitor<'de> for V<T, N> {{\n            \
                     type Value = {name}<T, N>;\n            \
                     fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n                \
                         write!(f, \"an array of {{N}} elements\")\n            \
                     }}\n            \
                     fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {{\n                \
                         let mut v = Vec::with_capacity(N);\n                \
                         while let Some(x) = a.next_element()? {{\n                    \
                             v.push(x);\n                \
                         }}\n                \
                         let n = v.len();\n                \
                         v.try_into().map({name}).map_err(|_| serde::de::Error::invalid_length(n, &self))\n            \
                     }}\n        \
                 }}\n        \
                 d.deserialize_tuple(N, V(std::marker::PhantomData))\n    \
             }}\n\
         }}\n"
    );
}

/// The ordered float that map keys use.
pub fn float_key(out: &mut String, name: &str) {
    let _ = write!(
        out,
        "\n/// A Go float in a map key: compared and ordered by `f64::total_cmp`, so that it can key a\n\
         /// `BTreeMap`. On the wire it is a plain float.\n\
         #[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]\n\
         #[serde(transparent)]\n\
         pub struct {name}(pub f64);\n\n\
         impl PartialEq for {name} {{\n    \
             fn eq(&self, other: &Self) -> bool {{\n        \
                 self.0.total_cmp(&other.0).is_eq()\n    \
             }}\n\
         }}\n\n\
         impl Eq for {name} {{}}\n\n\
         impl PartialOrd for {name} {{\n    \
             fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {{\n        \
                 Some(self.cmp(other))\n    \
             }}\n\
         }}\n\n\
         impl Ord for {name} {{\n    \
             fn cmp(&self, other: &Self) -> std::cmp::Ordering {{\n        \
                 self.0.total_cmp(&other.0)\n    \
             }}\n\
         }}\n"
    );
}
