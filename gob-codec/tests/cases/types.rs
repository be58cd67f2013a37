//! Rust mirrors of the plain Go types of `interop-go/cmd/gobvectors/cases.go`: structs, named
//! collections and recursive types. Struct and field names are the Go names: they are on the wire.

use std::collections::HashMap;

use gob_codec::Complex;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Point {
    pub X: i64,
    pub Y: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Person {
    pub Name: String,
    pub Age: i64,
    pub Email: String,
}

/// A field of every scalar kind gob knows (`uintptr` is `u64`, `complex64` is [`Complex`]).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Scalars {
    pub Bool: bool,
    pub Int: i64,
    pub Int8: i8,
    pub Int16: i16,
    pub Int32: i32,
    pub Int64: i64,
    pub Uint: u64,
    pub Uint8: u8,
    pub Uint16: u16,
    pub Uint32: u32,
    pub Uint64: u64,
    pub Uintptr: u64,
    pub Float32: f32,
    pub Float64: f64,
    pub Complex64: Complex,
    pub Complex128: Complex,
    pub String: String,
    pub Bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Mixed {
    pub A: i64,
    pub B: String,
    pub C: i64,
    pub D: bool,
    pub E: f64,
    pub F: String,
    pub G: u64,
}

/// Go's unexported `hidden` and `secret` are not on the wire, so the mirror does not have them.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct WithUnexported {
    pub Public: String,
    pub Also: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Inner {
    pub A: i64,
    pub B: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Outer {
    pub Name: String,
    pub Inner: Inner,
    pub After: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Base {
    pub ID: i64,
    pub Tag: String,
}

/// Embeds `Base`: on the wire a field named `Base`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub Base: Base,
    pub Extra: String,
}

/// Embeds `*Base`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct DerivedPtr {
    pub Base: Option<Base>,
    pub Extra: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Ptrs {
    pub Nil: Option<i64>,
    pub Five: Option<i64>,
    pub Zero: Option<i64>,
    pub Str: Option<String>,
    /// `**int`.
    pub PP: Option<Option<i64>>,
    pub In: Option<Inner>,
    pub NilIn: Option<Inner>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Team {
    pub Name: String,
    pub Members: Vec<Person>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    pub Rows: Vec<Vec<f64>>,
    pub Grid: Vec<Vec<i64>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Arrays {
    pub Ints: [i64; 3],
    pub Strs: [String; 2],
    pub Points: [Point; 2],
    /// `[4]uint8` is an array type, not `[]byte`.
    pub Bytes: [u8; 4],
}

/// Go tells a nil map field (omitted) from an empty one (sent with count 0): `Option` keeps that.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Maps {
    pub Nil: Option<HashMap<String, i64>>,
    pub Empty: Option<HashMap<String, i64>>,
    pub One: Option<HashMap<String, i64>>,
    pub ByInt: Option<HashMap<i64, String>>,
    pub Structs: Option<HashMap<String, Point>>,
    pub Slices: Option<HashMap<String, Vec<String>>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct StringsField {
    pub Tags: Vec<String>,
    pub N: i64,
}

/// Go's named slice type `type Tags []string`: a newtype struct is a named Go type.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Tags(pub Vec<String>);

/// Go's named map type `type Labels map[string]string`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Labels(pub HashMap<String, String>);

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct NamedCollections {
    pub Tags: Tags,
    pub Labels: Labels,
}

/// Go's unnamed `struct { A int; B string }`: a name that is not a Go identifier is taken as the
/// Go type literal, as Go's `reflect.Type.String()` prints it.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename = "struct { A int; B string }")]
pub struct AnonOpt {
    pub A: i64,
    pub B: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct AnonField {
    pub Opt: AnonOpt,
    pub N: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct NegZero {
    pub F: f64,
    pub G: f64,
}

// ---- recursive types ----

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub Value: i64,
    pub Next: Option<Box<Node>>,
}

/// `Children []*Tree`: the element is a pointer, so the slice's Go name is `[]*main.Tree`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Tree {
    pub Name: String,
    pub Children: Vec<Option<Tree>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct A {
    pub Name: String,
    pub B: Option<Box<B>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct B {
    pub Count: i64,
    pub A: Option<Box<A>>,
}

// ---- type id / decoder-side edge cases ----

/// Sent before each body of a stream of header+body pairs (as net/rpc's `Request` is).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub Method: String,
    pub Seq: u64,
}

/// `Renamed{OldName, Count}` decoded into Rust fields of other names.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Renamed {
    #[serde(rename = "OldName")]
    pub old_name: String,
    #[serde(rename = "Count")]
    pub count: i64,
}

/// Go strings need not be UTF-8: `GoString` holds any; `Name` is UTF-8, so a `String` does.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Blob {
    pub Name: String,
    pub Raw: gob_codec::GoString,
    pub Tags: Vec<gob_codec::GoString>,
    pub Index: HashMap<gob_codec::GoString, i64>,
}

/// `Complex64`, not `Complex`: the composites' Go names are `[]complex64`, `map[string]complex64`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Spectrum {
    pub Bins: Vec<gob_codec::Complex64>,
    pub Peak: HashMap<String, gob_codec::Complex64>,
}
