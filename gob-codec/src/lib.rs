//! Go's `encoding/gob` for Rust and serde: reads everything Go writes and writes the bytes Go writes.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! #[allow(non_snake_case)]
//! struct ProxyRequest { Network: String, Address: String, Args: Vec<String> }
//!
//! let req = ProxyRequest { Network: "unix".into(), Address: "/run/x.sock".into(), Args: vec![] };
//! let bytes = gob_codec::to_vec(&req).unwrap();
//! assert_eq!(gob_codec::from_slice::<ProxyRequest>(&bytes).unwrap(), req);
//! ```
//!
//! Mapping between Go and Rust types:
//!
//! | Go | Rust |
//! |---|---|
//! | `bool`, `int`, `int8`…`int64`, `uint`…, `float32`, `float64` | `bool`, `i64`, `i8`…, `u64`…, `f32`, `f64` |
//! | `string`, `[]byte` | `String`, `Vec<u8>` (best with `#[serde(with = "serde_bytes")]`) |
//! | `[]T`, `[N]T`, `map[K]V` | `Vec<T>`, `[T; N]`, `HashMap`/`BTreeMap` (empty maps are sent as nil) |
//! | `*T` | `Option<T>` or `Box<T>` |
//! | `struct` | `struct` (field names are matched; missing fields decode as zero values) |
//! | interface | an enum of newtype variants named by the Go registered names; `Option<E>` for nil |
//! | `time.Time` | [`Time`] |
//! | `GobEncoder`, `BinaryMarshaler`, `TextMarshaler` | a type implementing [`GoMarshal`] |
//! | `complex128` | [`Complex`] |
//! | a named type (`type Tags []string`) | a newtype struct (`struct Tags(Vec<String>)`); `#[serde(transparent)]` for the unnamed type |
//!
//! Encoding needs `T: Serialize + Deserialize`: Go sends the definitions of all types a value's
//! static type mentions (even behind a nil pointer), and the `Deserialize` implementation is how the
//! encoder learns them. Any stream can be read without a Rust type into a [`Value`].
#![deny(missing_docs)]

mod de;
mod error;
mod framing;
mod marshal;
mod schema;
mod ser;
mod time;
mod types;
mod value;
mod wire;

#[cfg(feature = "tokio")]
pub mod async_io;
#[cfg(feature = "tokio")]
pub mod codec;

pub use de::{from_reader, from_slice, Decoder, Limits};
pub use error::{Error, ErrorKind, Result};
pub use marshal::{marshaled, GoMarshal, MarshalKind, Marshaled};
pub use ser::{to_vec, to_writer, Encoder, EncoderOptions, DEFAULT_PACKAGE};
pub use time::Time;
pub use types::{FieldDef, TypeId, TypeTable, WireKind, WireType};
pub use value::{Field, Interface, Value, ValueEncoder};

/// Default limit on one message's size: 64 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 20;
/// Default limit on value nesting depth. Real Go data nests a few levels; 256 keeps the deepest
/// decode well inside a 2 MiB thread stack (a tokio worker's) even in debug builds, where a level of
/// typed decoding can take several KiB of stack.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// Go's `complex128`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl serde::Serialize for Complex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTupleStruct;
        let mut t = s.serialize_tuple_struct("complex128", schema::COMPLEX_LEN)?;
        t.serialize_field(&self.re)?;
        t.serialize_field(&self.im)?;
        t.end()
    }
}

impl<'de> serde::Deserialize<'de> for Complex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Complex;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a complex number")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Complex, A::Error> {
                let re = a.next_element()?.unwrap_or(0.0);
                let im = a.next_element()?.unwrap_or(0.0);
                Ok(Complex { re, im })
            }
        }
        d.deserialize_tuple_struct("complex128", schema::COMPLEX_LEN, V)
    }
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
