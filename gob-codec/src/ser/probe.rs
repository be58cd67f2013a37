//! Small serializers that read one scalar out of a serde value: the bytes of a `[]byte` element,
//! and the parts of the marker tuple structs (marshaled values, complex numbers).

use serde::ser::{self, Serialize};

use crate::error::{Error, Result};

/// Serializes a `u8` element of a `[]byte` to the raw byte.
pub(super) struct ByteSer;

pub(super) enum Probe {
    Bool(bool),
    Float(f64),
}

/// Reads the parts of the marker tuple structs.
pub(super) struct ScalarProbe;

macro_rules! reject {
    ($($m:ident($($t:ty),*) -> $ret:ty),* $(,)?) => {
        $(fn $m(self, $(_: $t),*) -> Result<$ret> {
            Err(Error::unsupported("unexpected value in []byte or marker"))
        })*
    };
}

impl ser::Serializer for ByteSer {
    type Ok = u8;
    type Error = Error;
    type SerializeSeq = ser::Impossible<u8, Error>;
    type SerializeTuple = ser::Impossible<u8, Error>;
    type SerializeTupleStruct = ser::Impossible<u8, Error>;
    type SerializeTupleVariant = ser::Impossible<u8, Error>;
    type SerializeMap = ser::Impossible<u8, Error>;
    type SerializeStruct = ser::Impossible<u8, Error>;
    type SerializeStructVariant = ser::Impossible<u8, Error>;
    fn serialize_u8(self, v: u8) -> Result<u8> {
        Ok(v)
    }
    reject!(serialize_bool(bool) -> u8, serialize_i8(i8) -> u8, serialize_i16(i16) -> u8, serialize_i32(i32) -> u8,
        serialize_i64(i64) -> u8, serialize_u16(u16) -> u8, serialize_u32(u32) -> u8, serialize_u64(u64) -> u8,
        serialize_f32(f32) -> u8, serialize_f64(f64) -> u8, serialize_char(char) -> u8, serialize_str(&str) -> u8,
        serialize_bytes(&[u8]) -> u8, serialize_none() -> u8, serialize_unit() -> u8,
        serialize_unit_struct(&'static str) -> u8, serialize_unit_variant(&'static str, u32, &'static str) -> u8,
        serialize_seq(Option<usize>) -> Self::SerializeSeq, serialize_tuple(usize) -> Self::SerializeTuple,
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct,
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant,
        serialize_map(Option<usize>) -> Self::SerializeMap, serialize_struct(&'static str, usize) -> Self::SerializeStruct,
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant);
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<u8> {
        Err(Error::unsupported("unexpected value in []byte"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<u8> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<u8> {
        Err(Error::unsupported("unexpected value in []byte"))
    }
}

impl ser::Serializer for ScalarProbe {
    type Ok = Probe;
    type Error = Error;
    type SerializeSeq = ser::Impossible<Probe, Error>;
    type SerializeTuple = ser::Impossible<Probe, Error>;
    type SerializeTupleStruct = ser::Impossible<Probe, Error>;
    type SerializeTupleVariant = ser::Impossible<Probe, Error>;
    type SerializeMap = ser::Impossible<Probe, Error>;
    type SerializeStruct = ser::Impossible<Probe, Error>;
    type SerializeStructVariant = ser::Impossible<Probe, Error>;
    fn serialize_bool(self, v: bool) -> Result<Probe> {
        Ok(Probe::Bool(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Probe> {
        Ok(Probe::Float(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Probe> {
        Ok(Probe::Float(f64::from(v)))
    }
    reject!(serialize_i8(i8) -> Probe, serialize_i16(i16) -> Probe, serialize_i32(i32) -> Probe,
        serialize_i64(i64) -> Probe, serialize_u8(u8) -> Probe, serialize_u16(u16) -> Probe, serialize_u32(u32) -> Probe, serialize_u64(u64) -> Probe,
        serialize_char(char) -> Probe, serialize_str(&str) -> Probe, serialize_bytes(&[u8]) -> Probe,
        serialize_none() -> Probe, serialize_unit() -> Probe,
        serialize_unit_struct(&'static str) -> Probe, serialize_unit_variant(&'static str, u32, &'static str) -> Probe,
        serialize_seq(Option<usize>) -> Self::SerializeSeq, serialize_tuple(usize) -> Self::SerializeTuple,
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct,
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant,
        serialize_map(Option<usize>) -> Self::SerializeMap, serialize_struct(&'static str, usize) -> Self::SerializeStruct,
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant);
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Probe> {
        Err(Error::unsupported("unexpected value in marker"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Probe> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Probe> {
        Err(Error::unsupported("unexpected value in marker"))
    }
}
