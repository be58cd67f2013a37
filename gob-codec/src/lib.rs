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
//! | `string`, `[]byte` | `String` ([`GoString`] when it need not be UTF-8), `Vec<u8>` (best with `#[serde(with = "serde_bytes")]`) |
//! | `[]T`, `[N]T`, `map[K]V` | `Vec<T>`, `[T; N]`, `HashMap`/`BTreeMap` (empty maps are sent as nil) |
//! | `*T` | `Option<T>` or `Box<T>` |
//! | `struct` | `struct` (field names are matched; missing fields decode as zero values) |
//! | interface | an enum of newtype variants named by the Go registered names; `Option<E>` for nil |
//! | `time.Time` | [`Time`] |
//! | `GobEncoder`, `BinaryMarshaler`, `TextMarshaler` | a type implementing [`GoMarshal`] |
//! | `complex128`, `complex64` | [`Complex`], [`Complex64`] |
//! | a named type (`type Tags []string`) | a newtype struct (`struct Tags(Vec<String>)`); `#[serde(transparent)]` for the unnamed type |
//!
//! Encoding needs `T: Serialize + Deserialize`: Go sends the definitions of all types a value's
//! static type mentions (even behind a nil pointer), and the `Deserialize` implementation is how the
//! encoder learns them. Any stream can be read without a Rust type into a [`Value`].
//!
//! A stream is written with an [`Encoder`] (one Go `gob.Encoder`: each type defined once) and read
//! with a [`Decoder`] (one Go `gob.Decoder`); `async_io` and `codec` (feature `tokio`) have the same
//! over tokio. Besides single values, an encoder writes a header and its body both or neither
//! ([`Encoder::encode_pair`], for protocols such as Go's `net/rpc`) and a `[]byte` value without a
//! copy ([`Encoder::encode_bytes`], or [`append_bytes_value`] into any buffer). No code outside this
//! crate needs to know how gob frames a message.
//!
//! Inside, `wire` holds the primitives and the message length prefix; `types` the definitions;
//! `ser` and `de` the typed encoder and decoder, both over `stream` (reading: messages,
//! definitions, the frame of a value, the push-driven form the tokio adapters use, and what makes
//! reading fast: struct field plans worked out once per pair of types, strings checked as UTF-8
//! once per message) and `framing` (writing, each body written once, its length filled in after);
//! `value` the dynamic form over the same layers; `async_io` and `codec` are adapters on top;
//! `hash` the hasher of the maps looked up per value.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod complex;
mod de;
mod error;
mod framing;
mod go_string;
mod hash;
mod marshal;
mod schema;
mod ser;
mod stream;
mod time;
mod types;
mod value;
mod wire;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod async_io;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod codec;

pub use complex::{Complex, Complex64};
pub use de::{from_reader, from_slice, Decoder};
pub use error::{Error, ErrorKind, Result};
pub use go_string::GoString;
pub use marshal::{marshaled, GoMarshal, GoStructFields, MarshalKind, Marshaled};
pub use ser::{append_bytes_value, to_vec, to_writer, Encoder, EncoderOptions, DEFAULT_PACKAGE};
pub use stream::{Limits, DEFAULT_MAX_DEPTH, DEFAULT_MAX_MESSAGE};
pub use time::Time;
pub use types::{FieldDef, TypeId, TypeTable, WireKind, WireType};
pub use value::{Field, Interface, Value, ValueEncoder};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
