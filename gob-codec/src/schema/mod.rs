//! What the encoder knows about a Rust type before it writes a value: its Go shape.
//!
//! Go sends the definitions of every type a value's static type mentions, even for empty slices and nil
//! pointers, so the encoder cannot learn the shape from the value alone. [`trace`] learns it from the
//! type's `Deserialize` implementation instead (the technique of serde-reflection), and [`go_types`]
//! assigns type ids and names exactly as Go's `encoding/gob` would in a fresh process.

pub(crate) mod go_types;
pub(crate) mod trace;

pub(crate) use crate::hash::FastMap;
use crate::types::{MarshalKind, TypeId, BOOL, BYTES, COMPLEX, FLOAT, INT, STRING, UINT};

/// Marker length that `serialize_tuple_struct`/`deserialize_tuple_struct` use for marshaled values;
/// the marshal kind is added to it. Real tuple structs never have this many fields.
pub(crate) const MARSHAL_LEN: usize = 0x676f_6200;
/// Marker length for complex numbers (`re`, `im`).
pub(crate) const COMPLEX_LEN: usize = 0x676f_6210;
/// Marker length for a Go string held as bytes (`GoString`): the parts of a marshaled value
/// (is empty, bytes), on the wire a plain `string`.
pub(crate) const STRING_LEN: usize = 0x676f_6220;

pub(crate) fn marshal_len(kind: MarshalKind) -> usize {
    MARSHAL_LEN
        + match kind {
            MarshalKind::Gob => 0,
            MarshalKind::Binary => 1,
            MarshalKind::Text => 2,
        }
}

pub(crate) fn marshal_kind(len: usize) -> Option<MarshalKind> {
    match len.checked_sub(MARSHAL_LEN)? {
        0 => Some(MarshalKind::Gob),
        1 => Some(MarshalKind::Binary),
        2 => Some(MarshalKind::Text),
        _ => None,
    }
}

/// The Go shape of a Rust type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// A predefined scalar, with the Go type name used inside composite names (`int32`, `float64`).
    Scalar(TypeId, &'static str),
    /// `*T`: `Option<T>`.
    Ptr(Box<Shape>),
    /// `[]T`.
    Slice(Box<Shape>),
    /// `[N]T`.
    Array(Box<Shape>, usize),
    /// `map[K]V`.
    Map(Box<Shape>, Box<Shape>),
    /// A Go named type whose underlying type is a scalar, slice, array or map (`type Tags []string`):
    /// a Rust newtype struct. It has its own id and keeps its name inside composite type names.
    Named(&'static str, Box<Shape>),
    /// A named struct; its fields are in [`Schema::structs`].
    Struct(&'static str),
    /// An interface: a Rust enum whose newtype variants are the registered concrete types.
    Interface(&'static str),
    /// A type marshaling itself (GobEncoder, BinaryMarshaler, TextMarshaler), by Go name.
    Marshal(&'static str, MarshalKind),
    /// Something gob cannot express (unit, untagged data); fails when encoded.
    Unsupported(&'static str),
}

impl Shape {
    pub(crate) fn bool() -> Shape {
        Shape::Scalar(BOOL, "bool")
    }
    pub(crate) fn int(go: &'static str) -> Shape {
        Shape::Scalar(INT, go)
    }
    pub(crate) fn uint(go: &'static str) -> Shape {
        Shape::Scalar(UINT, go)
    }
    pub(crate) fn float(go: &'static str) -> Shape {
        Shape::Scalar(FLOAT, go)
    }
    pub(crate) fn string() -> Shape {
        Shape::Scalar(STRING, "string")
    }
    pub(crate) fn bytes() -> Shape {
        Shape::Scalar(BYTES, "[]uint8")
    }
    pub(crate) fn complex() -> Shape {
        Shape::Scalar(COMPLEX, "complex128")
    }

    /// The shape with pointers removed (Go's `userType(rt).base`): what a type id stands for.
    pub(crate) fn base(&self) -> &Shape {
        let mut s = self;
        while let Shape::Ptr(inner) = s {
            s = inner;
        }
        s
    }

    /// The shape with pointers and type names removed: how a value is written.
    pub(crate) fn structure(&self) -> &Shape {
        let mut s = self;
        while let Shape::Ptr(inner) | Shape::Named(_, inner) = s {
            s = inner;
        }
        s
    }
}

/// A struct's fields in declaration order.
#[derive(Debug, Clone, Default)]
pub(crate) struct StructShape {
    pub fields: Vec<(&'static str, Shape)>,
}

/// An interface enum's variants: (registered Go name, concrete shape); `None` for variants that are
/// not newtypes and so cannot be sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct InterfaceShape {
    pub variants: Vec<(&'static str, Option<Shape>)>,
}

/// Everything traced from one root type.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub root: Shape,
    pub structs: FastMap<&'static str, StructShape>,
    pub interfaces: FastMap<&'static str, InterfaceShape>,
    /// The Go struct field types that marshaling types declare (`GoMarshal::go_struct_fields`), by
    /// Go type name: Go sends their definitions after the marshaler's.
    pub marshal_fields: FastMap<&'static str, Vec<Shape>>,
}

impl Schema {
    /// The concrete shape of variant `variant` of interface `name`.
    pub(crate) fn variant(&self, name: &str, variant: &str) -> Option<&Shape> {
        self.interfaces
            .get(name)?
            .variants
            .iter()
            .find(|(n, _)| *n == variant)?
            .1
            .as_ref()
    }
}
