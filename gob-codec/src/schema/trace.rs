//! Learns a type's Go shape by driving its `Deserialize` implementation with a recording deserializer.
//!
//! Every container is entered once so its element shape is seen; a struct or interface that is already
//! being traced (recursion) or already traced is produced in "bottom" mode, which returns the smallest
//! value (`None`, empty sequences) without recording. Enum variants (interface concrete types) are
//! explored over repeated passes, one variant per enum per pass.

use std::collections::{HashMap, HashSet};

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::Deserialize;

use super::{
    marshal_kind, FastMap, InterfaceShape, Schema, Shape, StructShape, COMPLEX_LEN, STRING_LEN,
};
use crate::error::{Error, Result};

/// Upper bound on tracing passes, for types with very many interface variants.
const MAX_PASSES: usize = 512;

#[derive(Default)]
struct State {
    structs: FastMap<&'static str, StructShape>,
    interfaces: FastMap<&'static str, InterfaceShape>,
    marshal_fields: FastMap<&'static str, Vec<Shape>>,
    in_progress: HashSet<&'static str>,
    choice: HashMap<&'static str, usize>,
    explored: HashMap<&'static str, Vec<bool>>,
}

/// Traces `T` into a [`Schema`].
pub(crate) fn trace<T: Deserialize<'static>>() -> Result<Schema> {
    let mut st = State::default();
    let mut root = None;
    // Each pass re-traces structs (a struct already traced is not entered again, so enums inside it
    // would not be explored), but a struct reached only through a variant chosen in an earlier pass
    // must be kept: collect every pass's structs.
    let mut structs = FastMap::default();
    for _ in 0..MAX_PASSES {
        structs.extend(st.structs.drain());
        let mut tracer = Tracer {
            st: &mut st,
            bottom: false,
            last: None,
        };
        T::deserialize(&mut tracer)
            .map_err(|e| Error::unsupported(format!("cannot describe the type as gob: {e}")))?;
        if root.is_none() {
            root = tracer.last.take();
        }
        if !advance(&mut st) {
            break;
        }
    }
    let root = root.unwrap_or(Shape::Unsupported("untraceable type"));
    structs.extend(st.structs.drain());
    Ok(Schema {
        root,
        structs,
        interfaces: std::mem::take(&mut st.interfaces),
        marshal_fields: std::mem::take(&mut st.marshal_fields),
    })
}

/// Moves every enum with unexplored variants to its next choice; false when all are explored.
fn advance(st: &mut State) -> bool {
    let pending = st.explored.values().any(|v| v.iter().any(|e| !e));
    if pending {
        for (name, seen) in &st.explored {
            let n = seen.len().max(1);
            let c = st.choice.entry(name).or_insert(0);
            let next = (1..=n).map(|k| (*c + k) % n).find(|&i| !seen[i]);
            *c = next.unwrap_or((*c + 1) % n);
        }
    }
    pending
}

struct Tracer<'s> {
    st: &'s mut State,
    bottom: bool,
    last: Option<Shape>,
}

impl Tracer<'_> {
    fn child(&mut self, bottom: bool) -> Tracer<'_> {
        Tracer {
            st: self.st,
            bottom: self.bottom || bottom,
            last: None,
        }
    }

    fn record(&mut self, s: Shape) {
        self.last = Some(s);
    }
}

fn trace_seed<'s, T: DeserializeSeed<'static>>(
    t: &mut Tracer<'s>,
    bottom: bool,
    seed: T,
) -> Result<(T::Value, Option<Shape>)> {
    let mut c = t.child(bottom);
    let v = seed.deserialize(&mut c)?;
    Ok((v, c.last))
}

macro_rules! scalar {
    ($method:ident, $visit:ident, $zero:expr, $shape:expr) => {
        fn $method<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
            self.record($shape);
            visitor.$visit($zero)
        }
    };
}

impl<'a, 's> de::Deserializer<'static> for &'a mut Tracer<'s> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'static>>(self, _visitor: V) -> Result<V::Value> {
        Err(Error::unsupported(
            "a self-describing type (deserialize_any) has no fixed gob shape",
        ))
    }

    scalar!(deserialize_bool, visit_bool, false, Shape::bool());
    scalar!(deserialize_i8, visit_i8, 0, Shape::int("int8"));
    scalar!(deserialize_i16, visit_i16, 0, Shape::int("int16"));
    scalar!(deserialize_i32, visit_i32, 0, Shape::int("int32"));
    scalar!(deserialize_i64, visit_i64, 0, Shape::int("int"));
    scalar!(deserialize_u8, visit_u8, 0, Shape::uint("uint8"));
    scalar!(deserialize_u16, visit_u16, 0, Shape::uint("uint16"));
    scalar!(deserialize_u32, visit_u32, 0, Shape::uint("uint32"));
    scalar!(deserialize_u64, visit_u64, 0, Shape::uint("uint"));
    scalar!(deserialize_f32, visit_f32, 0.0, Shape::float("float32"));
    scalar!(deserialize_f64, visit_f64, 0.0, Shape::float("float64"));
    scalar!(deserialize_char, visit_char, '\0', Shape::int("int32"));
    scalar!(deserialize_str, visit_borrowed_str, "", Shape::string());
    scalar!(deserialize_string, visit_borrowed_str, "", Shape::string());
    scalar!(deserialize_bytes, visit_borrowed_bytes, &[], Shape::bytes());
    scalar!(
        deserialize_byte_buf,
        visit_borrowed_bytes,
        &[],
        Shape::bytes()
    );
    scalar!(
        deserialize_identifier,
        visit_borrowed_str,
        "",
        Shape::string()
    );

    fn deserialize_ignored_any<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        self.record(Shape::Unsupported("()"));
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'static>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.st.structs.entry(name).or_default();
        self.record(Shape::Struct(name));
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        if self.bottom {
            return visitor.visit_none();
        }
        let mut c = self.child(false);
        let v = visitor.visit_some(&mut c)?;
        let inner = c.last.unwrap_or(Shape::Unsupported("empty option"));
        // `Option` of an interface enum is the Go interface itself, which is nil-able: a pointer
        // would change the type's name inside composites (`[]*interface {}`).
        self.record(match inner {
            Shape::Interface(_) => inner,
            _ => Shape::Ptr(Box::new(inner)),
        });
        Ok(v)
    }

    /// A newtype struct is a Go named type (`type Tags []string`), which Go gives an id and a name
    /// of its own. A struct, interface or marshaled type already carries its own name, so a newtype
    /// of one is that type; `#[serde(transparent)]` gives the unnamed type.
    fn deserialize_newtype_struct<V: Visitor<'static>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let mut c = self.child(false);
        let v = visitor.visit_newtype_struct(&mut c)?;
        if let Some(inner) = c.last.take() {
            self.record(match inner {
                Shape::Named(_, underlying) => Shape::Named(name, underlying),
                Shape::Scalar(..) | Shape::Slice(_) | Shape::Array(..) | Shape::Map(..) => {
                    Shape::Named(name, Box::new(inner))
                }
                other => other,
            });
        }
        Ok(v)
    }

    fn deserialize_seq<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        let bottom = self.bottom;
        let mut seq = SeqTrace {
            t: self.child(false),
            left: if bottom { 0 } else { 1 },
            shapes: Vec::new(),
        };
        let v = visitor.visit_seq(&mut seq)?;
        let mut shapes = std::mem::take(&mut seq.shapes);
        drop(seq);
        if !bottom {
            let elem = shapes.pop().flatten();
            self.record(match elem {
                // A slice of uint8, even of a named uint8 type, is Go's []byte.
                Some(Shape::Scalar(crate::types::UINT, "uint8")) => Shape::bytes(),
                Some(Shape::Named(_, e)) if *e == Shape::uint("uint8") => Shape::bytes(),
                Some(e) => Shape::Slice(Box::new(e)),
                None => Shape::Unsupported("sequence with no element"),
            });
        }
        Ok(v)
    }

    fn deserialize_tuple<V: Visitor<'static>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let bottom = self.bottom;
        let mut seq = SeqTrace {
            t: self.child(false),
            left: len,
            shapes: Vec::new(),
        };
        let v = visitor.visit_seq(&mut seq)?;
        let shapes = std::mem::take(&mut seq.shapes);
        drop(seq);
        if !bottom {
            let shape = match shapes.first() {
                Some(Some(first)) if shapes.iter().all(|s| s.as_ref() == Some(first)) => {
                    Shape::Array(Box::new(first.clone()), len)
                }
                Some(_) => Shape::Unsupported("tuple with mixed element types"),
                None => Shape::Unsupported("zero-length array"),
            };
            self.record(shape);
        }
        Ok(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'static>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        let marshal = marshal_kind(len);
        if marshal.is_some() || len == STRING_LEN {
            // A marshaler's declared field types are traced the first time the type is met; the
            // entry, made first, also stops a marshaler whose fields lead back to itself. A
            // `GoString` has the same parts and declares nothing.
            let declare =
                marshal.is_some() && !self.bottom && !self.st.marshal_fields.contains_key(name);
            if declare {
                self.st.marshal_fields.insert(name, Vec::new());
            }
            let mut seq = MarshalTrace {
                t: self.child(false),
                step: 0,
                declare,
                fields: Vec::new(),
            };
            let v = visitor.visit_seq(&mut seq)?;
            let fields = std::mem::take(&mut seq.fields);
            drop(seq);
            if declare {
                self.st.marshal_fields.insert(name, fields);
            }
            self.record(match marshal {
                Some(kind) => Shape::Marshal(name, kind),
                None => Shape::string(),
            });
            return Ok(v);
        }
        if len == COMPLEX_LEN {
            // The Go name shows inside composite names: `[]complex64`.
            self.record(match name {
                "complex64" => Shape::Scalar(crate::types::COMPLEX, "complex64"),
                _ => Shape::complex(),
            });
            return visitor.visit_seq(ValuesSeq::complex());
        }
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        let bottom = self.bottom;
        let mut m = MapTrace {
            t: self.child(false),
            left: !bottom,
            key: None,
            val: None,
        };
        let v = visitor.visit_map(&mut m)?;
        let (k, e) = (m.key.take(), m.val.take());
        drop(m);
        if !bottom {
            let k = k.unwrap_or(Shape::Unsupported("map without key"));
            let e = e.unwrap_or(Shape::Unsupported("map without value"));
            self.record(Shape::Map(Box::new(k), Box::new(e)));
        }
        Ok(v)
    }

    fn deserialize_struct<V: Visitor<'static>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let known = self.st.in_progress.contains(name) || self.st.structs.contains_key(name);
        let bottom = self.bottom || known;
        if !bottom {
            self.st.in_progress.insert(name);
        }
        let mut access = StructTrace {
            t: self.child(bottom),
            fields,
            next: 0,
            shapes: Vec::new(),
        };
        let v = visitor.visit_map(&mut access);
        let shapes = std::mem::take(&mut access.shapes);
        drop(access);
        if !bottom {
            self.st.in_progress.remove(name);
            self.st.structs.insert(name, StructShape { fields: shapes });
        }
        self.record(Shape::Struct(name));
        v
    }

    fn deserialize_enum<V: Visitor<'static>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let bottom = self.bottom || self.st.in_progress.contains(name);
        let mut idx = 0;
        if !bottom {
            self.st.in_progress.insert(name);
            self.st
                .explored
                .entry(name)
                .or_insert_with(|| vec![false; variants.len()]);
            self.st
                .interfaces
                .entry(name)
                .or_insert_with(|| InterfaceShape {
                    variants: variants.iter().map(|v| (*v, None)).collect(),
                });
            idx = self.st.choice.get(name).copied().unwrap_or(0);
        }
        let variant = variants.get(idx).copied().unwrap_or("");
        let mut access = EnumTrace {
            t: self.child(bottom),
            variant,
            shape: None,
        };
        let v = visitor.visit_enum(&mut access);
        let shape = access.shape.take();
        drop(access);
        if !bottom {
            self.st.in_progress.remove(name);
            if let Some(seen) = self.st.explored.get_mut(name).and_then(|s| s.get_mut(idx)) {
                *seen = true;
            }
            if let Some(slot) = self
                .st
                .interfaces
                .get_mut(name)
                .and_then(|i| i.variants.get_mut(idx))
            {
                if shape.is_some() {
                    slot.1 = shape;
                }
            }
        }
        self.record(Shape::Interface(name));
        v
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

struct SeqTrace<'s> {
    t: Tracer<'s>,
    left: usize,
    shapes: Vec<Option<Shape>>,
}

impl<'s> de::SeqAccess<'static> for SeqTrace<'s> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'static>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let (v, s) = trace_seed(&mut self.t, false, seed)?;
        self.shapes.push(s);
        Ok(Some(v))
    }
}

struct MapTrace<'s> {
    t: Tracer<'s>,
    left: bool,
    key: Option<Shape>,
    val: Option<Shape>,
}

impl<'s> de::MapAccess<'static> for MapTrace<'s> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'static>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.left {
            return Ok(None);
        }
        self.left = false;
        let (v, s) = trace_seed(&mut self.t, false, seed)?;
        self.key = s;
        Ok(Some(v))
    }
    fn next_value_seed<V: DeserializeSeed<'static>>(&mut self, seed: V) -> Result<V::Value> {
        let (v, s) = trace_seed(&mut self.t, false, seed)?;
        self.val = s;
        Ok(v)
    }
}

struct StructTrace<'s> {
    t: Tracer<'s>,
    fields: &'static [&'static str],
    next: usize,
    shapes: Vec<(&'static str, Shape)>,
}

impl<'s> de::MapAccess<'static> for StructTrace<'s> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'static>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.fields.get(self.next) {
            Some(f) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(f))
                .map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'static>>(&mut self, seed: V) -> Result<V::Value> {
        let name = self.fields.get(self.next).copied().unwrap_or("");
        self.next += 1;
        let (v, s) = trace_seed(&mut self.t, false, seed)?;
        self.shapes
            .push((name, s.unwrap_or(Shape::Unsupported("untraceable field"))));
        Ok(v)
    }
}

struct EnumTrace<'s> {
    t: Tracer<'s>,
    variant: &'static str,
    shape: Option<Shape>,
}

impl<'a, 's> de::EnumAccess<'static> for &'a mut EnumTrace<'s> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'static>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(
            self.variant,
        ))?;
        Ok((v, self))
    }
}

impl<'a, 's> de::VariantAccess<'static> for &'a mut EnumTrace<'s> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'static>>(self, seed: T) -> Result<T::Value> {
        let (v, s) = trace_seed(&mut self.t, false, seed)?;
        self.shape = s;
        Ok(v)
    }
    fn tuple_variant<V: Visitor<'static>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let mut c = self.t.child(true);
        de::Deserializer::deserialize_tuple(&mut c, len, visitor)
    }
    fn struct_variant<V: Visitor<'static>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let mut c = self.t.child(true);
        de::Deserializer::deserialize_struct(&mut c, "", fields, visitor)
    }
}

/// A marshaled value's parts (the zero flag, the bytes), then, the first time its type is met, the
/// field types its `GoMarshal` implementation declares (`marshal.rs`, `DeclaredFields`).
struct MarshalTrace<'s> {
    t: Tracer<'s>,
    step: u8,
    declare: bool,
    fields: Vec<Shape>,
}

impl de::SeqAccess<'static> for MarshalTrace<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'static>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        self.step += 1;
        match self.step {
            1 => seed.deserialize(true.into_deserializer()).map(Some),
            2 => seed
                .deserialize(de::value::BorrowedBytesDeserializer::<Error>::new(&[]))
                .map(Some),
            3 if self.declare => seed
                .deserialize(DeclaredFieldsTrace {
                    t: &mut self.t,
                    fields: &mut self.fields,
                })
                .map(Some),
            _ => Ok(None),
        }
    }
}

/// Traces the declared field types, which arrive as the elements of a sequence.
struct DeclaredFieldsTrace<'a, 's> {
    t: &'a mut Tracer<'s>,
    fields: &'a mut Vec<Shape>,
}

impl de::Deserializer<'static> for DeclaredFieldsTrace<'_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'static>>(self, _visitor: V) -> Result<V::Value> {
        Err(Error::unsupported("declared field types come as a tuple"))
    }

    fn deserialize_tuple<V: Visitor<'static>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let mut seq = SeqTrace {
            t: self.t.child(false),
            left: len,
            shapes: Vec::new(),
        };
        let v = visitor.visit_seq(&mut seq)?;
        *self.fields = std::mem::take(&mut seq.shapes)
            .into_iter()
            .map(|s| s.unwrap_or(Shape::Unsupported("a field type with no shape")))
            .collect();
        Ok(v)
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'static>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple_struct map struct enum identifier ignored_any
    }
}

/// Fixed element values for the complex numbers' marker tuple struct.
struct ValuesSeq {
    items: std::vec::IntoIter<Item>,
}

enum Item {
    Float(f64),
}

impl ValuesSeq {
    fn complex() -> Self {
        ValuesSeq {
            items: vec![Item::Float(0.0), Item::Float(0.0)].into_iter(),
        }
    }
}

impl de::SeqAccess<'static> for ValuesSeq {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'static>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        match self.items.next() {
            None => Ok(None),
            Some(Item::Float(f)) => seed.deserialize(f.into_deserializer()).map(Some),
        }
    }
}
