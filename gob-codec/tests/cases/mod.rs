//! The gob golden cases of `interop-go/cmd/gobvectors/cases.go`, mirrored in Rust (its
//! `contract_*` cases are Boxpark's, tested in `boxpark-proto/tests/golden.rs`): for each case the
//! Rust values, written by hand from the Go source, that decoding its stream must give (Go's `Want`
//! where the case has one), in stream order.
//!
//! Shared by `tests/golden.rs` and `examples/write_cases.rs`. Each case is a list of type-erased
//! [`CaseValue`]s, so that one table holds values of many Rust types and a test can decode, compare
//! and encode them without knowing the types.
#![allow(non_snake_case, dead_code)]

pub mod iface;
pub mod marshal;
pub mod marshal_struct;
pub mod types;

mod table_basic;
mod table_iface;
mod table_struct;

use std::any::{Any, TypeId as RustType};
use std::collections::hash_map::{Entry, HashMap};
use std::fmt::Debug;

use gob_codec::{Decoder, Encoder, EncoderOptions, TypeId};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One expected value of a case, whatever its Rust type.
pub trait CaseValue {
    /// Encodes the value as the next one on `enc`.
    fn encode(&self, enc: &mut Encoder<Vec<u8>>) -> gob_codec::Result<()>;
    /// Decodes the next value of the stream into the value's Rust type and compares.
    fn check_next(&self, dec: &mut Decoder<&[u8]>) -> Result<(), String>;
    /// As `check_next`, but with `Decoder::decode_into` into the value of the same Rust type that
    /// an earlier check left in `places` (another value, often of another case), if there is one;
    /// the result stays there for the next check.
    fn check_next_into(&self, dec: &mut Decoder<&[u8]>, places: &mut Places) -> Result<(), String>;
}

/// The last value decoded of each Rust type, for `CaseValue::check_next_into`.
pub type Places = HashMap<RustType, Box<dyn Any>>;

/// A value with the equality it is checked with.
pub struct Val<T> {
    pub value: T,
    pub eq: fn(&T, &T) -> bool,
}

impl<T> CaseValue for Val<T>
where
    T: Serialize + DeserializeOwned + Debug + 'static,
{
    fn encode(&self, enc: &mut Encoder<Vec<u8>>) -> gob_codec::Result<()> {
        enc.encode(&self.value)
    }

    fn check_next(&self, dec: &mut Decoder<&[u8]>) -> Result<(), String> {
        let got: T = dec
            .decode()
            .map_err(|e| format!("decoding {}: {e}", std::any::type_name::<T>()))?;
        self.compare(&got)
    }

    fn check_next_into(&self, dec: &mut Decoder<&[u8]>, places: &mut Places) -> Result<(), String> {
        let name = std::any::type_name::<T>();
        let wrong = || format!("the place for {name} holds another type");
        let got = match places.entry(RustType::of::<T>()) {
            Entry::Occupied(e) => {
                let place = e.into_mut().downcast_mut::<T>().ok_or_else(wrong)?;
                let before = format!("{place:?}");
                dec.decode_into(place)
                    .map_err(|e| format!("decoding {name} into {before}: {e}"))?;
                place
            }
            Entry::Vacant(e) => {
                let fresh: T = dec.decode().map_err(|e| format!("decoding {name}: {e}"))?;
                e.insert(Box::new(fresh))
                    .downcast_mut::<T>()
                    .ok_or_else(wrong)?
            }
        };
        self.compare(got)
    }
}

impl<T: Debug> Val<T> {
    fn compare(&self, got: &T) -> Result<(), String> {
        if (self.eq)(got, &self.value) {
            Ok(())
        } else {
            Err(format!("got  {got:?}\n\twant {:?}", self.value))
        }
    }
}

/// An expected value compared with `==`.
pub fn v<T>(value: T) -> Box<dyn CaseValue>
where
    T: Serialize + DeserializeOwned + Debug + PartialEq + 'static,
{
    Box::new(Val {
        value,
        eq: |a, b| a == b,
    })
}

/// An expected NaN: any NaN decodes equal (the bits still matter for byte equality).
pub fn nan(value: f64) -> Box<dyn CaseValue> {
    Box::new(Val {
        value,
        eq: |a: &f64, b: &f64| a.is_nan() && b.is_nan(),
    })
}

/// `vals![a, b]`: expected values compared with `==`.
macro_rules! vals {
    ($($e:expr),* $(,)?) => { vec![$($crate::cases::v($e)),*] };
}
pub(crate) use vals;

/// Why a Skip65 case cannot be byte-identical.
pub const GO_REGISTRY: &str = "Go's type registry is process-global: the Skip65 values encoded \
    first took ids or cached names that one fresh Rust encoder does not reproduce";

/// One golden vector.
pub struct Case {
    /// The file is `tests/golden/<name>.gob`.
    pub name: &'static str,
    /// What decoding the stream gives, in order; also what the Rust encoder writes.
    pub values: Vec<Box<dyn CaseValue>>,
    /// Other Rust types the same stream must decode into (decoder-side views that leave fields out).
    pub views: Vec<Vec<Box<dyn CaseValue>>>,
    /// The first user type id of the Rust encoder: Go's case encoded other types first (`Skip65`).
    pub first_type_id: TypeId,
    /// `Err(why)` when the Rust encoding of `values` cannot be byte-identical to Go's stream; it
    /// must still decode back to `values`.
    pub typed_reencode: Result<(), &'static str>,
}

impl Case {
    pub fn new(name: &'static str, values: Vec<Box<dyn CaseValue>>) -> Case {
        Case {
            name,
            values,
            views: Vec::new(),
            first_type_id: EncoderOptions::default().first_type_id,
            typed_reencode: Ok(()),
        }
    }

    /// Go's types started at `id` because of `Skip65` values encoded before.
    pub fn first_id(mut self, id: TypeId) -> Case {
        self.first_type_id = id;
        self
    }

    /// The Rust encoding differs from Go's, for the reason given.
    pub fn not_identical(mut self, why: &'static str) -> Case {
        self.typed_reencode = Err(why);
        self
    }

    /// The stream must also decode into these values.
    pub fn view(mut self, values: Vec<Box<dyn CaseValue>>) -> Case {
        self.views.push(values);
        self
    }

    /// The Rust encoding of the values: one encoder, values in order.
    pub fn encode(&self) -> gob_codec::Result<Vec<u8>> {
        let opts = EncoderOptions {
            first_type_id: self.first_type_id,
            ..EncoderOptions::default()
        };
        let mut enc = Encoder::with_options(Vec::new(), opts);
        for v in &self.values {
            v.encode(&mut enc)?;
        }
        Ok(enc.into_inner())
    }
}

/// Every gob case, in the order of `cases.go`.
pub fn cases() -> Vec<Case> {
    let mut all = table_basic::cases();
    all.extend(table_struct::cases());
    all.extend(table_iface::cases());
    all
}
