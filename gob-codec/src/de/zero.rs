//! Zero values for destination fields a struct did not send: Go omits zero fields, and Go's decoder
//! leaves them at their zero value, so a Rust struct without `#[serde(default)]` still decodes.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::error::{Error, Result};
use crate::schema::{marshal_kind, COMPLEX_LEN, STRING_LEN};

pub(crate) struct Zero;

macro_rules! zero {
    ($($m:ident => $v:ident($z:expr)),* $(,)?) => {
        $(fn $m<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> { visitor.$v($z) })*
    };
}

impl<'de> de::Deserializer<'de> for Zero {
    type Error = Error;

    zero!(
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i8(0), deserialize_i16 => visit_i16(0),
        deserialize_i32 => visit_i32(0), deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u8(0), deserialize_u16 => visit_u16(0),
        deserialize_u32 => visit_u32(0), deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f32(0.0), deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('\0'),
        deserialize_str => visit_str(""), deserialize_string => visit_str(""),
        deserialize_bytes => visit_bytes(&[]), deserialize_byte_buf => visit_bytes(&[]),
        deserialize_identifier => visit_str(""),
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_none()
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_none()
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(Zeros(0))
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(Zeros(len))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        if marshal_kind(len).is_some() || len == STRING_LEN {
            return visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                [ZeroMarshal::Flag, ZeroMarshal::Bytes].into_iter(),
            ));
        }
        if len == COMPLEX_LEN {
            return visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                [0.0f64, 0.0].into_iter(),
            ));
        }
        visitor.visit_seq(Zeros(len))
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(de::value::MapDeserializer::<_, Error>::new(
            std::iter::empty::<((), ())>(),
        ))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_map(ZeroFields { fields, next: 0 })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(Error::mismatch(format!(
            "missing (nil) interface value for {name}; use Option<{name}>"
        )))
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct Zeros(usize);

impl<'de> de::SeqAccess<'de> for Zeros {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.0 == 0 {
            return Ok(None);
        }
        self.0 -= 1;
        seed.deserialize(Zero).map(Some)
    }
}

struct ZeroFields {
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> de::MapAccess<'de> for ZeroFields {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.fields.get(self.next) {
            Some(f) => seed.deserialize((*f).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.next += 1;
        seed.deserialize(Zero)
    }
}

enum ZeroMarshal {
    Flag,
    Bytes,
}

impl<'de> IntoDeserializer<'de, Error> for ZeroMarshal {
    type Deserializer = ZeroMarshalDe;
    fn into_deserializer(self) -> ZeroMarshalDe {
        ZeroMarshalDe(self)
    }
}

struct ZeroMarshalDe(ZeroMarshal);

impl<'de> de::Deserializer<'de> for ZeroMarshalDe {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            ZeroMarshal::Flag => visitor.visit_bool(true),
            ZeroMarshal::Bytes => visitor.visit_bytes(&[]),
        }
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
