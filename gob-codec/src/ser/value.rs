//! The serde `Serializer` that writes one value's bytes, guided by its traced [`Shape`].
//!
//! Each method returns whether it wrote a non-zero value: a struct field that turns out zero is cut
//! back out of the buffer, which gives Go's omission rules (`WIRE.md`, "Structs") without look-ahead.

use serde::ser::{self, Serialize};

use super::probe::{ByteSer, Probe, ScalarProbe};
use super::Ctx;
use crate::error::{Error, Result};
use crate::schema::{marshal_kind, Schema, Shape, StructShape, COMPLEX_LEN, STRING_LEN};
use crate::wire;

static BYTES_SHAPE: Shape = Shape::Scalar(crate::types::BYTES, "[]uint8");

pub(crate) struct ValueSer<'c, 't, 's> {
    ctx: &'c mut Ctx<'t>,
    schema: &'s Schema,
    shape: &'s Shape,
    /// A nil pointer (`None`) is an error here, as in Go: at top level, as a slice, array or map
    /// element or key, and as an interface's concrete value. Only struct fields may be nil (omitted).
    top: bool,
}

impl<'c, 't, 's> ValueSer<'c, 't, 's> {
    #[inline]
    pub(crate) fn new(
        ctx: &'c mut Ctx<'t>,
        schema: &'s Schema,
        shape: &'s Shape,
        top: bool,
    ) -> Self {
        ValueSer {
            ctx,
            schema,
            shape: shape.structure(),
            top,
        }
    }

    #[inline]
    fn elem_shape(&self) -> &'s Shape {
        match self.shape {
            Shape::Slice(e) | Shape::Array(e, _) => e,
            _ => self.shape,
        }
    }

    #[inline]
    fn is_bytes(&self) -> bool {
        matches!(self.shape, Shape::Scalar(crate::types::BYTES, _))
    }
}

fn unsupported(what: &str) -> Error {
    Error::unsupported(format!("gob has no encoding for {what}"))
}

impl<'c, 't, 's> ser::Serializer for ValueSer<'c, 't, 's> {
    type Ok = bool;
    type Error = Error;
    type SerializeSeq = SeqSer<'c, 't, 's>;
    type SerializeTuple = SeqSer<'c, 't, 's>;
    type SerializeTupleStruct = TupleStructSer<'c, 't, 's>;
    type SerializeTupleVariant = ser::Impossible<bool, Error>;
    type SerializeMap = MapSer<'c, 't, 's>;
    type SerializeStruct = StructSer<'c, 't, 's>;
    type SerializeStructVariant = ser::Impossible<bool, Error>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<bool> {
        wire::put_uint(self.ctx.cur(), u64::from(v));
        Ok(v)
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result<bool> {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result<bool> {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result<bool> {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result<bool> {
        wire::put_int(self.ctx.cur(), v);
        Ok(v != 0)
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result<bool> {
        self.serialize_u64(u64::from(v))
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result<bool> {
        self.serialize_u64(u64::from(v))
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result<bool> {
        self.serialize_u64(u64::from(v))
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result<bool> {
        wire::put_uint(self.ctx.cur(), v);
        Ok(v != 0)
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> Result<bool> {
        self.serialize_f64(f64::from(v))
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result<bool> {
        wire::put_float(self.ctx.cur(), v);
        Ok(v != 0.0)
    }
    fn serialize_char(self, v: char) -> Result<bool> {
        self.serialize_i64(i64::from(u32::from(v)))
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result<bool> {
        wire::put_bytes(self.ctx.cur(), v.as_bytes());
        Ok(!v.is_empty())
    }
    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<bool> {
        wire::put_bytes(self.ctx.cur(), v);
        Ok(!v.is_empty())
    }
    fn serialize_none(self) -> Result<bool> {
        if let Shape::Interface(_) = self.shape {
            // A nil interface is an empty name (Go's encodeInterface), allowed anywhere; a struct
            // field cuts it back out.
            self.ctx.cur().push(0);
            return Ok(false);
        }
        if self.top {
            return Err(Error::unsupported(
                "cannot encode a nil pointer at top level, as an element or key, or in an interface",
            ));
        }
        Ok(false)
    }
    /// A set pointer is written as what it points to. Go omits a struct field whose pointer leads to
    /// a zero value, except where its zero test does not look through the pointer: a marshaler's
    /// (`reflect.Value.IsZero` of the non-nil pointer) and a map's (not nil, so even an empty map
    /// is sent).
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool> {
        let always = matches!(self.shape, Shape::Marshal(..) | Shape::Map(..));
        let nonzero = value.serialize(self)?;
        Ok(nonzero || always)
    }
    fn serialize_unit(self) -> Result<bool> {
        Err(unsupported("()"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<bool> {
        self.ctx.cur().push(0);
        Ok(true)
    }
    fn serialize_unit_variant(self, name: &'static str, _i: u32, v: &'static str) -> Result<bool> {
        Err(unsupported(&format!(
            "unit variant {name}::{v} (interface values must be newtype variants)"
        )))
    }
    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<bool> {
        value.serialize(self)
    }

    /// An interface value: the variant name is the Go registered name of the concrete type.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<bool> {
        let schema = self.schema;
        let concrete = schema.variant(name, variant).ok_or_else(|| {
            Error::unsupported(format!(
                "interface {name}: variant {variant} is not a traced newtype variant"
            ))
        })?;
        let ctx = self.ctx;
        ctx.enter()?;
        wire::put_bytes(ctx.cur(), variant.as_bytes());
        let id = ctx.send_types(schema, concrete)?;
        wire::put_int(ctx.cur(), i64::from(id));
        ctx.bufs.push();
        if !matches!(concrete.structure(), Shape::Struct(_)) {
            ctx.cur().push(0);
        }
        let r = value.serialize(ValueSer::new(ctx, schema, concrete, true));
        // Go's writeMessage(b, data): the concrete value, length-prefixed, into the interface's buffer.
        ctx.bufs.pop_flushed();
        ctx.depth.leave();
        r.map(|_| true)
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'c, 't, 's>> {
        SeqSer::start(self, len)
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'c, 't, 's>> {
        SeqSer::start(self, Some(len))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<TupleStructSer<'c, 't, 's>> {
        if marshal_kind(len).is_some() || len == COMPLEX_LEN || len == STRING_LEN {
            return Ok(TupleStructSer::Special {
                ser: self,
                zero: true,
                complex: len == COMPLEX_LEN,
            });
        }
        let _ = name;
        Ok(TupleStructSer::Seq(SeqSer::start(self, Some(len))?))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _i: u32,
        v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported(&format!("tuple variant {name}::{v}")))
    }
    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<MapSer<'c, 't, 's>> {
        MapSer::start(self, len)
    }
    #[inline]
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<StructSer<'c, 't, 's>> {
        let shape = self.schema.structs.get(name);
        let Some(shape) = shape else {
            return Err(Error::unsupported(format!("struct {name} was not traced")));
        };
        self.ctx.enter()?;
        Ok(StructSer {
            ctx: self.ctx,
            schema: self.schema,
            shape,
            last: -1,
            cursor: 0,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _i: u32,
        v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported(&format!("struct variant {name}::{v}")))
    }
    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Slices, arrays and `[]byte` written from a serde sequence.
pub(crate) struct SeqSer<'c, 't, 's> {
    ctx: &'c mut Ctx<'t>,
    schema: &'s Schema,
    elem: &'s Shape,
    bytes: bool,
    array: bool,
    /// Where the elements start, for sequences whose length is known only at the end.
    start: Option<usize>,
    count: usize,
}

impl<'c, 't, 's> SeqSer<'c, 't, 's> {
    #[inline]
    fn start(s: ValueSer<'c, 't, 's>, len: Option<usize>) -> Result<Self> {
        let (elem, bytes, array) = (
            s.elem_shape().structure(),
            s.is_bytes(),
            matches!(s.shape, Shape::Array(..)),
        );
        s.ctx.enter()?;
        let start = match len {
            Some(n) => {
                wire::put_uint(s.ctx.cur(), n as u64);
                None
            }
            None => Some(s.ctx.cur().len()),
        };
        Ok(SeqSer {
            ctx: s.ctx,
            schema: s.schema,
            elem,
            bytes,
            array,
            start,
            count: 0,
        })
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.count += 1;
        if self.bytes {
            let byte = value.serialize(ByteSer)?;
            self.ctx.cur().push(byte);
            return Ok(());
        }
        // `elem` is structured already (see `start`).
        value.serialize(ValueSer {
            ctx: &mut *self.ctx,
            schema: self.schema,
            shape: self.elem,
            top: true,
        })?;
        Ok(())
    }

    #[inline]
    fn finish(self) -> Result<bool> {
        if let Some(start) = self.start {
            // Length was unknown: move the count in front of the elements.
            let mut count = Vec::new();
            wire::put_uint(&mut count, self.count as u64);
            let b = self.ctx.cur();
            b.splice(start..start, count);
        }
        self.ctx.depth.leave();
        Ok(self.array || self.count > 0)
    }
}

impl ser::SerializeSeq for SeqSer<'_, '_, '_> {
    type Ok = bool;
    type Error = Error;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<bool> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSer<'_, '_, '_> {
    type Ok = bool;
    type Error = Error;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<bool> {
        self.finish()
    }
}

/// Tuple structs: arrays, or the marker forms for marshaled bytes and complex numbers.
pub(crate) enum TupleStructSer<'c, 't, 's> {
    Seq(SeqSer<'c, 't, 's>),
    Special {
        ser: ValueSer<'c, 't, 's>,
        zero: bool,
        complex: bool,
    },
}

impl ser::SerializeTupleStruct for TupleStructSer<'_, '_, '_> {
    type Ok = bool;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        match self {
            TupleStructSer::Seq(s) => s.element(value),
            TupleStructSer::Special {
                ser,
                zero,
                complex: false,
            } => {
                // Marshaled value: (is_zero: bool, bytes); the bytes go straight into the buffer.
                match value.serialize(ScalarProbe) {
                    Ok(Probe::Bool(z)) => *zero = z,
                    Ok(_) => return Err(Error::unsupported("bad marshal marker")),
                    Err(_) => {
                        value.serialize(ValueSer {
                            ctx: &mut *ser.ctx,
                            schema: ser.schema,
                            shape: &BYTES_SHAPE,
                            top: false,
                        })?;
                    }
                }
                Ok(())
            }
            TupleStructSer::Special { ser, zero, .. } => match value.serialize(ScalarProbe)? {
                Probe::Float(f) => {
                    wire::put_float(ser.ctx.cur(), f);
                    *zero &= f == 0.0;
                    Ok(())
                }
                _ => Err(Error::unsupported("bad complex marker")),
            },
        }
    }
    fn end(self) -> Result<bool> {
        match self {
            TupleStructSer::Seq(s) => s.finish(),
            TupleStructSer::Special { zero, .. } => Ok(!zero),
        }
    }
}

/// `map[K]V`; an empty map is omitted in a struct, as Go omits a nil map.
pub(crate) struct MapSer<'c, 't, 's> {
    ctx: &'c mut Ctx<'t>,
    schema: &'s Schema,
    key: &'s Shape,
    val: &'s Shape,
    start: Option<usize>,
    count: usize,
}

impl<'c, 't, 's> MapSer<'c, 't, 's> {
    #[inline]
    fn start(s: ValueSer<'c, 't, 's>, len: Option<usize>) -> Result<Self> {
        let Shape::Map(key, val) = s.shape else {
            return Err(Error::unsupported(
                "a map whose type was traced as something else",
            ));
        };
        s.ctx.enter()?;
        let start = match len {
            Some(n) => {
                wire::put_uint(s.ctx.cur(), n as u64);
                None
            }
            None => Some(s.ctx.cur().len()),
        };
        Ok(MapSer {
            ctx: s.ctx,
            schema: s.schema,
            key,
            val,
            start,
            count: 0,
        })
    }
}

impl ser::SerializeMap for MapSer<'_, '_, '_> {
    type Ok = bool;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.count += 1;
        key.serialize(ValueSer::new(self.ctx, self.schema, self.key, true))?;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(ValueSer::new(self.ctx, self.schema, self.val, true))?;
        Ok(())
    }
    fn end(self) -> Result<bool> {
        if let Some(start) = self.start {
            let mut count = Vec::new();
            wire::put_uint(&mut count, self.count as u64);
            self.ctx.cur().splice(start..start, count);
        }
        self.ctx.depth.leave();
        Ok(self.count > 0)
    }
}

/// Struct fields as deltas; zero fields are cut back out.
pub(crate) struct StructSer<'c, 't, 's> {
    ctx: &'c mut Ctx<'t>,
    schema: &'s Schema,
    shape: &'s StructShape,
    last: i64,
    cursor: usize,
}

impl ser::SerializeStruct for StructSer<'_, '_, '_> {
    type Ok = bool;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        let fields = &self.shape.fields;
        // Fields come in declaration order, which is the traced order: the next one matches.
        let idx = match fields.get(self.cursor) {
            Some((name, _)) if same_name(name, key) => self.cursor,
            _ => (self.cursor..fields.len())
                .chain(0..self.cursor)
                .find(|&i| same_name(fields[i].0, key))
                .ok_or_else(|| {
                    Error::unsupported(format!("field {key} is serialized but not deserialized"))
                })?,
        };
        self.cursor = idx + 1;
        let mark = self.ctx.cur().len();
        wire::put_uint(self.ctx.cur(), (idx as i64 - self.last) as u64);
        let nonzero = value
            .serialize(ValueSer::new(self.ctx, self.schema, &fields[idx].1, false))
            .map_err(|e| e.in_field(key))?;
        if nonzero {
            self.last = idx as i64;
        } else {
            self.ctx.cur().truncate(mark);
        }
        Ok(())
    }
    fn end(self) -> Result<bool> {
        self.ctx.cur().push(0);
        self.ctx.depth.leave();
        Ok(true)
    }
}

/// Name equality, by address first: the traced name and the serialized one are usually the same
/// string constant.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}
