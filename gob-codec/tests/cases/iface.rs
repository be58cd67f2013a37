//! Rust mirrors of the Go interface types of the golden cases: an interface is an enum of newtype
//! variants named by the Go registered names; a nil-able interface is `Option` of it.

use std::collections::HashMap;

use gob_codec::{Complex, Time};
use serde::{Deserialize, Serialize};

use super::marshal::Celsius;
use super::types::{Inner, Point};

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Circle {
    pub Radius: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Rect {
    pub W: f64,
    pub H: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Square {
    pub Side: f64,
}

/// Go's `Shape` interface with the registered `Circle{}`, `Rect{}` and `&Square{}`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Shape {
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "main.Rect")]
    Rect(Rect),
    /// Registered as a pointer, so its name is `*main.Square`.
    #[serde(rename = "*main.Square")]
    Square(Square),
}

/// Go's `any` (`interface {}`, as Go prints the type inside composite names such as
/// `[]interface {}`), with every concrete type the cases send in one.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "interface {}")]
pub enum Any {
    #[serde(rename = "int")]
    Int(i64),
    #[serde(rename = "string")]
    String(String),
    #[serde(rename = "float64")]
    Float64(f64),
    #[serde(rename = "bool")]
    Bool(bool),
    #[serde(rename = "int8")]
    Int8(i8),
    #[serde(rename = "uint16")]
    Uint16(u16),
    #[serde(rename = "[]uint8")]
    Bytes(Vec<u8>),
    #[serde(rename = "[]int")]
    Ints(Vec<i64>),
    #[serde(rename = "[]string")]
    Strings(Vec<String>),
    #[serde(rename = "complex64")]
    Complex64(Complex),
    #[serde(rename = "map[string]int")]
    MapStringInt(HashMap<String, i64>),
    #[serde(rename = "time.Time")]
    Time(Time),
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "main.Rect")]
    Rect(Rect),
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "main.Celsius")]
    Celsius(Celsius),
    #[serde(rename = "main.Group")]
    Group(Group),
    #[serde(rename = "main.Polygon")]
    Polygon(Polygon),
    #[serde(rename = "main.Secret")]
    Secret(super::marshal_struct::Secret),
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Drawing {
    pub Name: String,
    pub Shape: Option<Shape>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Shapes {
    pub List: Vec<Shape>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Bag {
    pub Items: Vec<Option<Any>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct AnyMap {
    pub M: HashMap<String, Option<Any>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Holder {
    pub Value: Option<Any>,
}

/// A struct that itself holds an interface.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub Label: String,
    pub Member: Option<Shape>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Polygon {
    pub Name: String,
    pub Points: Vec<Point>,
}

/// Go's `Extra`, every field.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Extra {
    pub Keep: String,
    pub Unknown: i64,
    pub Any: Option<Any>,
    pub NilAny: Option<Any>,
    pub M: HashMap<String, i64>,
    pub S: Inner,
    pub L: Vec<Point>,
    pub Arr: [i64; 2],
    pub P: Option<Point>,
    pub T: Time,
    pub Last: i64,
}

/// A decoder-side view of `Extra` with only `Keep` and `Last`: the other fields must be skipped.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename = "Extra")]
pub struct ExtraView {
    pub Keep: String,
    pub Last: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ExtraIface {
    pub Keep: String,
    pub Any: Option<Any>,
}

/// A decoder-side view of `ExtraIface` without `Any`, whose skipped value carries definitions.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename = "ExtraIface")]
pub struct ExtraIfaceView {
    pub Keep: String,
}
