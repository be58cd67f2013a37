//! A dynamic gob value that keeps wire types, field numbers and map order, so that a stream decoded
//! into `Value`s and encoded again gives the same bytes.

pub(crate) mod de;
pub(crate) mod ser;

use crate::types::{self, TypeId};

pub use ser::ValueEncoder;

/// One struct field as it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field number in the struct's definition.
    pub index: usize,
    /// Field name from the definition.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// A non-nil interface value.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// The name the concrete type was registered under in Go (`main.Circle`, `*main.Rect`, `int`).
    pub name: String,
    /// The concrete type's id.
    pub ty: TypeId,
    /// The concrete value.
    pub value: Value,
}

/// Any gob value.
///
/// ```
/// use gob_codec::{Decoder, Value};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Job { Name: String, Args: Vec<String>, Tries: u8 }
/// let bytes = gob_codec::to_vec(&Job { Name: "ls".into(), Args: vec!["-l".into()], Tries: 0 })
///     .unwrap();
///
/// let mut dec = Decoder::new(&bytes[..]);
/// let v = dec.decode_value().unwrap();
/// assert_eq!(v.field("Name"), Some(&Value::String("ls".into())));
/// // Zero fields are not sent, so a Value has no Tries.
/// assert_eq!(v.field("Tries"), None);
/// let Some(Value::Slice { items, .. }) = v.field("Args") else { panic!() };
/// assert_eq!(items, &[Value::String("-l".into())]);
/// // The definitions say what the type ids stand for.
/// assert_eq!(dec.types().type_name(v.type_id()), "Job");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `bool`.
    Bool(bool),
    /// Any Go signed integer.
    Int(i64),
    /// Any Go unsigned integer.
    Uint(u64),
    /// `float32` or `float64`.
    Float(f64),
    /// `complex64` or `complex128`: real and imaginary parts.
    Complex(f64, f64),
    /// `[]byte`.
    Bytes(Vec<u8>),
    /// A Go string that is valid UTF-8.
    String(String),
    /// A Go string that is not valid UTF-8 (Go strings are arbitrary bytes).
    RawString(Vec<u8>),
    /// A slice of user type `ty`.
    Slice {
        /// Slice type id.
        ty: TypeId,
        /// Elements.
        items: Vec<Value>,
    },
    /// An array of user type `ty`.
    Array {
        /// Array type id.
        ty: TypeId,
        /// Elements.
        items: Vec<Value>,
    },
    /// A map of user type `ty`, entries in stream order.
    Map {
        /// Map type id.
        ty: TypeId,
        /// Entries in the order they were sent.
        entries: Vec<(Value, Value)>,
    },
    /// A struct of user type `ty`: only the fields that were sent, in order.
    Struct {
        /// Struct type id.
        ty: TypeId,
        /// Fields as sent.
        fields: Vec<Field>,
    },
    /// An interface value; `None` is a nil interface.
    Interface(Option<Box<Interface>>),
    /// A GobEncoder, BinaryMarshaler or TextMarshaler value: its type and bytes.
    Marshaled {
        /// Type id of the marshaling type.
        ty: TypeId,
        /// The marshaled bytes.
        bytes: Vec<u8>,
    },
}

impl Value {
    /// The type id this value is sent with.
    pub fn type_id(&self) -> TypeId {
        match self {
            Value::Bool(_) => types::BOOL,
            Value::Int(_) => types::INT,
            Value::Uint(_) => types::UINT,
            Value::Float(_) => types::FLOAT,
            Value::Complex(..) => types::COMPLEX,
            Value::Bytes(_) => types::BYTES,
            Value::String(_) | Value::RawString(_) => types::STRING,
            Value::Interface(_) => types::INTERFACE,
            Value::Slice { ty, .. }
            | Value::Array { ty, .. }
            | Value::Map { ty, .. }
            | Value::Struct { ty, .. }
            | Value::Marshaled { ty, .. } => *ty,
        }
    }

    /// The field called `name`, for struct values.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct { fields, .. } => {
                fields.iter().find(|f| f.name == name).map(|f| &f.value)
            }
            _ => None,
        }
    }
}
