//! Types that marshal themselves into bytes: Go's `GobEncoder`, `encoding.BinaryMarshaler` and
//! `encoding.TextMarshaler` (`WIRE.md`, "Marshalers"). On the wire such a value is a byte string
//! whose type definition names only the Go type.
//!
//! Implement [`GoMarshal`] for a Rust type and use it through [`Marshaled`] or
//! `#[serde(with = "gob_codec::marshaled")]`. [`crate::Time`] is the built-in example.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::SerializeTupleStruct;
use serde::{Deserializer, Serializer};

use crate::schema::marshal_len;
pub use crate::types::MarshalKind;

/// A Rust type standing for a Go type that marshals itself.
pub trait GoMarshal: Sized {
    /// Go's type string, package-qualified: `time.Time`, `main.Celsius`. The part after the last dot
    /// is the name on the wire.
    const GO_TYPE: &'static str;
    /// Which Go interface produces the bytes (Go prefers `GobEncoder`, then `BinaryMarshaler`).
    const KIND: MarshalKind;
    /// The bytes Go's marshal method would produce, or its error.
    fn marshal(&self) -> Result<Vec<u8>, String>;
    /// Parses the bytes as Go's unmarshal method would.
    fn unmarshal(bytes: &[u8]) -> Result<Self, String>;
    /// Whether Go's `reflect.Value.IsZero` holds for the Go value: zero values are omitted in structs.
    fn is_zero(&self) -> bool;
    /// Go's zero value, which a struct field holds when the stream omitted it.
    fn zero() -> Self;
    /// For a Go type that is a struct (`url.URL`): the types of its exported fields, declared with
    /// [`GoStructFields::field`] in Go's field order. Go's encoder sends their definitions right
    /// after this type's, although no value on the wire uses them, so declaring them is what makes
    /// the typed encoding byte-identical to Go's. The default declares none: right for a Go type
    /// that is not a struct, or has no exported fields (`time.Time`).
    ///
    /// ```
    /// # use gob_codec::{GoMarshal, GoStructFields, MarshalKind};
    /// /// Go's `*url.URL`: a BinaryMarshaler whose struct has, among strings and bools, a
    /// /// `User *Userinfo` field.
    /// struct Url(String);
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Userinfo {}
    /// impl GoMarshal for Url {
    ///     const GO_TYPE: &'static str = "url.URL";
    ///     const KIND: MarshalKind = MarshalKind::Binary;
    ///     fn marshal(&self) -> Result<Vec<u8>, String> { Ok(self.0.clone().into_bytes()) }
    ///     fn unmarshal(b: &[u8]) -> Result<Self, String> {
    ///         String::from_utf8(b.to_vec()).map(Url).map_err(|e| e.to_string())
    ///     }
    ///     fn is_zero(&self) -> bool { self.0.is_empty() }
    ///     fn zero() -> Self { Url(String::new()) }
    ///     fn go_struct_fields(f: &mut impl GoStructFields) {
    ///         f.field::<String>(); // Scheme
    ///         f.field::<String>(); // Opaque
    ///         f.field::<Option<Userinfo>>(); // User
    ///     }
    /// }
    /// ```
    fn go_struct_fields(fields: &mut impl GoStructFields) {
        let _ = fields;
    }
}

/// Where a [`GoMarshal`] type declares its Go struct's field types
/// ([`GoMarshal::go_struct_fields`]).
pub trait GoStructFields {
    /// Declares the next exported field's type, as it would be declared in a Rust mirror of the
    /// Go struct (`Option<T>` for a pointer).
    fn field<T: DeserializeOwned>(&mut self);
}

/// `#[serde(with = "gob_codec::marshaled")]` for fields of a [`GoMarshal`] type.
pub mod marshaled {
    use super::*;

    /// Serializes `v` as a marshaled value.
    pub fn serialize<T: GoMarshal, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple_struct(T::GO_TYPE, marshal_len(T::KIND))?;
        t.serialize_field(&v.is_zero())?;
        let bytes = v
            .marshal()
            .map_err(|e| serde::ser::Error::custom(format!("{}: {e}", T::GO_TYPE)))?;
        t.serialize_field(&RawBytes(&bytes))?;
        t.end()
    }

    /// Deserializes a marshaled value.
    pub fn deserialize<'de, T: GoMarshal, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        d.deserialize_tuple_struct(
            T::GO_TYPE,
            marshal_len(T::KIND),
            MarshalVisitor(PhantomData),
        )
    }
}

/// A [`GoMarshal`] value usable anywhere serde is (in `Vec`s, maps, `Option`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Marshaled<T>(pub T);

impl<T: GoMarshal> serde::Serialize for Marshaled<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        marshaled::serialize(&self.0, s)
    }
}

impl<'de, T: GoMarshal> serde::Deserialize<'de> for Marshaled<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        marshaled::deserialize(d).map(Marshaled)
    }
}

pub(crate) struct RawBytes<'a>(pub(crate) &'a [u8]);

impl serde::Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// The bytes part of a marshaled value, unmarshaled as soon as it is handed over, so that bytes a
/// deserializer lends are not copied first.
struct Unmarshal<T> {
    /// The marker's zero flag: with no bytes, the zero value.
    zero: bool,
    t: PhantomData<T>,
}

impl<T: GoMarshal> Unmarshal<T> {
    fn finish<E: de::Error>(&self, b: &[u8]) -> Result<T, E> {
        if self.zero && b.is_empty() {
            // A field the stream omitted because it was zero.
            return Ok(T::zero());
        }
        T::unmarshal(b).map_err(|e| de::Error::custom(format!("{}: {e}", T::GO_TYPE)))
    }
}

impl<'de, T: GoMarshal> DeserializeSeed<'de> for Unmarshal<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_byte_buf(self)
    }
}

impl<'de, T: GoMarshal> Visitor<'de> for Unmarshal<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
        self.finish(v)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        let mut v = Vec::new();
        while let Some(b) = a.next_element::<u8>()? {
            v.push(b);
        }
        self.finish(&v)
    }
}

struct MarshalVisitor<T>(PhantomData<T>);

impl<'de, T: GoMarshal> Visitor<'de> for MarshalVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "marshaled bytes of Go type {}", T::GO_TYPE)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        let zero: bool = a
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let v = a
            .next_element_seed(Unmarshal {
                zero,
                t: PhantomData,
            })?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        // Only the encoder's schema tracer offers a third element; every decoder ends here.
        a.next_element_seed(DeclaredFields::<T>(PhantomData))?;
        Ok(v)
    }
}

/// The third element of a marshaled value, for the schema tracer: the declared field types, as a
/// sequence of values of those types.
struct DeclaredFields<T>(PhantomData<T>);

impl<'de, T: GoMarshal> DeserializeSeed<'de> for DeclaredFields<T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_tuple(usize::MAX, self)
    }
}

impl<'de, T: GoMarshal> Visitor<'de> for DeclaredFields<T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the field types of Go type {}", T::GO_TYPE)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let mut fields = SeqFields {
            a: &mut a,
            err: None,
            de: PhantomData,
        };
        T::go_struct_fields(&mut fields);
        fields.err.map_or(Ok(()), Err)
    }
}

/// Declared field types read as a sequence's elements, keeping the first error.
struct SeqFields<'a, 'de, A: SeqAccess<'de>> {
    a: &'a mut A,
    err: Option<A::Error>,
    de: PhantomData<&'de ()>,
}

impl<'de, A: SeqAccess<'de>> GoStructFields for SeqFields<'_, 'de, A> {
    fn field<F: DeserializeOwned>(&mut self) {
        if self.err.is_none() {
            if let Err(e) = self.a.next_element::<F>() {
                self.err = Some(e);
            }
        }
    }
}
