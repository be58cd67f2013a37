//! Go's `complex64` and `complex128` as Rust values. On the wire both are two float64s; the Go
//! type's name still shows inside the names of composite types (`[]complex64`).

use crate::schema::COMPLEX_LEN;

/// Go's `complex128` (it also reads a `complex64`; use [`Complex64`] where the Go type's name
/// matters, inside a slice, array or map that Go names `[]complex64`).
///
/// ```
/// use gob_codec::Complex;
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Wave { Z: Complex }
/// let w = Wave { Z: Complex { re: 1.5, im: -2.0 } };
/// let bytes = gob_codec::to_vec(&w).unwrap();
/// assert_eq!(gob_codec::from_slice::<Wave>(&bytes).unwrap(), w);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl serde::Serialize for Complex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_parts(s, "complex128", self.re, self.im)
    }
}

/// Both complex types as the marker tuple struct `name` of their two parts.
fn serialize_parts<S: serde::Serializer>(
    s: S,
    name: &'static str,
    re: f64,
    im: f64,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeTupleStruct;
    let mut t = s.serialize_tuple_struct(name, COMPLEX_LEN)?;
    t.serialize_field(&re)?;
    t.serialize_field(&im)?;
    t.end()
}

impl<'de> serde::Deserialize<'de> for Complex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_tuple_struct("complex128", COMPLEX_LEN, Parts)
    }
}

/// The two parts of the marker tuple struct.
struct Parts;

impl<'de> serde::de::Visitor<'de> for Parts {
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

/// Go's `complex64`: parts that are `float32`, sent as float64s as Go sends them. A value whose
/// parts do not fit a float32 is refused, as Go's decoder refuses it.
///
/// ```
/// use gob_codec::Complex64;
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Signal { Samples: Vec<Complex64> }
/// let s = Signal { Samples: vec![Complex64 { re: 0.5, im: -1.0 }] };
/// let bytes = gob_codec::to_vec(&s).unwrap();
/// assert_eq!(gob_codec::from_slice::<Signal>(&bytes).unwrap(), s);
/// // The slice type is Go's `[]complex64`.
/// assert!(bytes.windows(12).any(|w| w == b"[]complex64\x01"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex64 {
    /// Real part.
    pub re: f32,
    /// Imaginary part.
    pub im: f32,
}

impl serde::Serialize for Complex64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_parts(s, "complex64", self.re.into(), self.im.into())
    }
}

impl<'de> serde::Deserialize<'de> for Complex64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let Complex { re, im } = d.deserialize_tuple_struct("complex64", COMPLEX_LEN, Parts)?;
        Ok(Complex64 {
            re: to_f32(re)?,
            im: to_f32(im)?,
        })
    }
}

/// Go's `float32` overflow check on a part.
fn to_f32<E: serde::de::Error>(x: f64) -> std::result::Result<f32, E> {
    if x.is_finite() && x.abs() > f64::from(f32::MAX) {
        return Err(E::custom(format!("complex64 part {x} overflows float32")));
    }
    Ok(x as f32)
}
