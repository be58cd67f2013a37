//! Go's `complex64` and `complex128` as a Rust value.

use crate::schema::COMPLEX_LEN;

/// Go's `complex128` (and `complex64`, which gob sends the same way).
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
        use serde::ser::SerializeTupleStruct;
        let mut t = s.serialize_tuple_struct("complex128", COMPLEX_LEN)?;
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
        d.deserialize_tuple_struct("complex128", COMPLEX_LEN, V)
    }
}
