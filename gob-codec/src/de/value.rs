//! The serde `Deserializer` for one value, driven by its wire type.
//!
//! Structs are matched by field name; fields the destination lacks are skipped, and destination
//! fields the stream did not send (Go omits zero values) are filled with zero values, which is what
//! Go's decoder leaves in a fresh value. Integers and floats are range-checked.

use serde::de::{self, Visitor};

use super::access::{Interface, MapAccess, MarshalSeq, SeqAccess, StructAccess};
use super::skip::skip;
use crate::error::{Error, Result};
use crate::schema::{marshal_kind, COMPLEX_LEN, STRING_LEN};
use crate::stream::Input;
use crate::types::{self, TypeId, WireKind};

pub(crate) struct ValueDe<'i, 'a> {
    pub inp: &'i mut Input<'a>,
    pub id: TypeId,
    /// A top-level value or an interface's concrete value: where Go refuses a struct that shares
    /// no field with the destination.
    pub top: bool,
}

/// What a user type id stands for, copied out of its definition so that decoding it does not hold
/// on to the type table.
#[derive(Clone, Copy)]
enum Kind {
    Struct,
    /// A slice or an array, by element type.
    Seq(TypeId),
    Map(TypeId, TypeId),
    Marshal,
}

impl<'i, 'a> ValueDe<'i, 'a> {
    fn kind(&self) -> Result<Kind> {
        match self.inp.types.get(self.id).map(|w| &w.kind) {
            Some(WireKind::Struct { .. }) => Ok(Kind::Struct),
            Some(WireKind::Slice { elem } | WireKind::Array { elem, .. }) => Ok(Kind::Seq(*elem)),
            Some(WireKind::Map { key, elem }) => Ok(Kind::Map(*key, *elem)),
            Some(WireKind::Marshal(_)) => Ok(Kind::Marshal),
            None => {
                Err(Error::malformed(format!("unknown type id {}", self.id)).at(self.inp.offset()))
            }
        }
    }

    /// The plan of this struct type into destination fields `want`, `None` if it is no struct.
    fn plan(&mut self, want: &'static [&'static str]) -> Option<usize> {
        let inp = &mut *self.inp;
        inp.plans.find(inp.types, self.id, want)
    }

    /// A struct value into a serde map (`want` empty) or struct (`want` its fields).
    fn visit_struct<'de, V: Visitor<'de>>(
        &mut self,
        plan: usize,
        want: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.nested(|d| visitor.visit_map(StructAccess::new(d.inp, plan, want)))
    }

    /// A slice or array value of element type `elem`.
    fn visit_seq<'de, V: Visitor<'de>>(&mut self, elem: TypeId, visitor: V) -> Result<V::Value> {
        self.nested(|d| {
            let (n, cap) = d.inp.count("slice")?;
            visitor.visit_seq(SeqAccess {
                inp: &mut *d.inp,
                elem,
                left: n,
                cap,
            })
        })
    }

    fn mismatch(&self, want: &str) -> Error {
        Error::mismatch(format!(
            "wire type {} cannot be decoded into {want}",
            self.inp.types.type_name(self.id)
        ))
        .at(self.inp.offset())
    }

    fn expect(&self, id: TypeId, want: &str) -> Result<()> {
        if self.id == id {
            Ok(())
        } else {
            Err(self.mismatch(want))
        }
    }

    fn int(&mut self, want: &'static str, min: i64, max: i64) -> Result<i64> {
        self.expect(types::INT, want)?;
        let at = self.inp.offset();
        let v = self.inp.int()?;
        if v < min || v > max {
            return Err(Error::range(format!("value {v} for \"{want}\"")).at(at));
        }
        Ok(v)
    }

    fn uint(&mut self, want: &'static str, max: u64) -> Result<u64> {
        self.expect(types::UINT, want)?;
        let at = self.inp.offset();
        let v = self.inp.uint()?;
        if v > max {
            return Err(Error::range(format!("value {v} for \"{want}\"")).at(at));
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<&str> {
        self.expect(types::STRING, "string")?;
        self.inp.str()
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.inp.enter()?;
        let r = f(self);
        self.inp.leave();
        r
    }
}

impl<'de, 'i, 'a> de::Deserializer<'de> for ValueDe<'i, 'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        match self.id {
            types::BOOL => visitor.visit_bool(self.inp.bool()?),
            types::INT => visitor.visit_i64(self.inp.int()?),
            types::UINT => visitor.visit_u64(self.inp.uint()?),
            types::FLOAT => visitor.visit_f64(self.inp.float()?),
            types::BYTES => visitor.visit_bytes(self.inp.bytes()?),
            types::STRING => visitor.visit_str(self.string()?),
            types::COMPLEX => self.deserialize_tuple_struct("complex128", COMPLEX_LEN, visitor),
            types::INTERFACE => self.nested(|d| match d.inp.interface_header()? {
                None => visitor.visit_none(),
                Some((name, id)) => visitor.visit_enum(Interface {
                    inp: &mut *d.inp,
                    name,
                    id,
                }),
            }),
            _ => match self.kind()? {
                Kind::Struct => match self.plan(&[]) {
                    Some(plan) => self.visit_struct(plan, &[], visitor),
                    None => Err(self.mismatch("map")),
                },
                Kind::Seq(elem) => self.visit_seq(elem, visitor),
                Kind::Map(key, elem) => self.nested(|d| {
                    let (n, cap) = d.inp.count("map")?;
                    visitor.visit_map(MapAccess {
                        inp: &mut *d.inp,
                        key,
                        elem,
                        left: n,
                        cap,
                    })
                }),
                Kind::Marshal => visitor.visit_bytes(self.inp.bytes()?),
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.expect(types::BOOL, "bool")?;
        visitor.visit_bool(self.inp.bool()?)
    }
    fn deserialize_i8<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_i8(self.int("int8", i8::MIN.into(), i8::MAX.into())? as i8)
    }
    fn deserialize_i16<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_i16(self.int("int16", i16::MIN.into(), i16::MAX.into())? as i16)
    }
    fn deserialize_i32<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_i32(self.int("int32", i32::MIN.into(), i32::MAX.into())? as i32)
    }
    fn deserialize_i64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_i64(self.int("int64", i64::MIN, i64::MAX)?)
    }
    fn deserialize_u8<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_u8(self.uint("uint8", u8::MAX.into())? as u8)
    }
    fn deserialize_u16<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_u16(self.uint("uint16", u16::MAX.into())? as u16)
    }
    fn deserialize_u32<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_u32(self.uint("uint32", u32::MAX.into())? as u32)
    }
    fn deserialize_u64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_u64(self.uint("uint64", u64::MAX)?)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.expect(types::FLOAT, "float32")?;
        let at = self.inp.offset();
        let v = self.inp.float()?;
        if v.is_finite() && v.abs() > f64::from(f32::MAX) {
            return Err(Error::range(format!("value {v} for \"float32\"")).at(at));
        }
        visitor.visit_f32(v as f32)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.expect(types::FLOAT, "float64")?;
        visitor.visit_f64(self.inp.float()?)
    }
    fn deserialize_char<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        let at = self.inp.offset();
        let v = self.int("int32", 0, i64::from(u32::MAX))?;
        let c = char::from_u32(v as u32)
            .ok_or_else(|| Error::range(format!("{v} is not a Unicode scalar value")).at(at))?;
        visitor.visit_char(c)
    }
    fn deserialize_str<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.string()?)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.id {
            types::BYTES | types::STRING => visitor.visit_bytes(self.inp.bytes()?),
            _ => Err(self.mismatch("[]byte")),
        }
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.id == types::INTERFACE {
            // A nil interface is an empty name.
            if self.inp.peek() == Some(0) {
                self.inp.pos += 1;
                return visitor.visit_none();
            }
        }
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        skip(self.inp, self.id)?;
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if !self.inp.is_struct(self.id) {
            return Err(self.mismatch("struct"));
        }
        self.deserialize_unit(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        if self.id == types::BYTES {
            // Vec<u8> and friends ask for a sequence of u8.
            let b = self.inp.bytes()?;
            return visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                b.iter().copied(),
            ));
        }
        match self.kind() {
            Ok(Kind::Seq(elem)) => self.visit_seq(elem, visitor),
            _ => Err(self.mismatch("slice")),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(mut self, len: usize, visitor: V) -> Result<V::Value> {
        let elem = match self.kind() {
            Ok(Kind::Seq(elem)) => elem,
            _ if self.id == types::BYTES => {
                let at = self.inp.offset();
                let b = self.inp.bytes()?;
                if b.len() != len {
                    return Err(Error::mismatch(format!(
                        "array length {} does not match {len}",
                        b.len()
                    ))
                    .at(at));
                }
                return visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                    b.iter().copied(),
                ));
            }
            _ => return Err(self.mismatch(&format!("[{len}]array"))),
        };
        self.nested(|d| {
            let at = d.inp.offset();
            let (n, cap) = d.inp.count("array")?;
            if n != len {
                return Err(
                    Error::mismatch(format!("array length {n} does not match {len}")).at(at),
                );
            }
            visitor.visit_seq(SeqAccess {
                inp: &mut *d.inp,
                elem,
                left: n,
                cap,
            })
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        // A marshaled value, or a `GoString` (a plain string on the wire): (zero flag, bytes).
        let string = len == STRING_LEN;
        if marshal_kind(len).is_some() || string {
            let fits = if string {
                self.id == types::STRING
            } else {
                matches!(self.kind(), Ok(Kind::Marshal))
            };
            if !fits {
                return Err(self.mismatch(name));
            }
            let bytes = self.inp.bytes()?;
            return visitor.visit_seq(MarshalSeq { step: 0, bytes });
        }
        if len == COMPLEX_LEN {
            self.expect(types::COMPLEX, "complex128")?;
            let re = self.inp.float()?;
            let im = self.inp.float()?;
            return visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                [re, im].into_iter(),
            ));
        }
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Ok(Kind::Map(..) | Kind::Struct) => self.deserialize_any(visitor),
            _ => Err(self.mismatch("map")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let Some(plan) = self.plan(fields) else {
            return Err(self.mismatch(name));
        };
        let p = self.inp.plans.get(plan);
        if self.top && !p.fields().is_empty() && !fields.is_empty() && !p.any_match {
            // Go's decodeValue: a struct sharing no field with the destination is an error.
            return Err(
                Error::mismatch(format!("no fields matched compiling decoder for {name}"))
                    .at(self.inp.offset()),
            );
        }
        self.visit_struct(plan, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.id != types::INTERFACE {
            return Err(self.mismatch(&format!("interface {name}")));
        }
        self.inp.enter()?;
        let r = match self.inp.interface_header()? {
            None => Err(Error::mismatch(format!(
                "nil interface value for {name}; use Option<{name}>"
            ))
            .at(self.inp.offset())),
            Some((n, id)) => visitor.visit_enum(Interface {
                inp: &mut *self.inp,
                name: n,
                id,
            }),
        };
        self.inp.leave();
        r
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        skip(self.inp, self.id)?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}
