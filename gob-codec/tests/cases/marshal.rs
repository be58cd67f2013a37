//! Rust mirrors of the Go types that marshal themselves (GobEncoder, BinaryMarshaler), of the
//! TextMarshaler-only type that gob sends as a plain struct, and of `time.Time` values.

use std::collections::HashMap;

use gob_codec::{GoMarshal, MarshalKind, Time};
use serde::{Deserialize, Serialize};

/// Implements `Serialize` and `Deserialize` through `gob_codec::marshaled`.
macro_rules! marshaled_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                gob_codec::marshaled::serialize(self, s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                gob_codec::marshaled::deserialize(d)
            }
        }
    };
}
pub(crate) use marshaled_serde;

/// Go's `Celsius`, a GobEncoder: the decimal text followed by `C` ("21C").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Celsius {
    pub v: i64,
}

impl GoMarshal for Celsius {
    const GO_TYPE: &'static str = "main.Celsius";
    const KIND: MarshalKind = MarshalKind::Gob;
    fn marshal(&self) -> Result<Vec<u8>, String> {
        Ok(format!("{}C", self.v).into_bytes())
    }
    fn unmarshal(b: &[u8]) -> Result<Self, String> {
        let s = std::str::from_utf8(b).map_err(|e| e.to_string())?;
        let s = s.strip_suffix('C').ok_or("Celsius: missing C suffix")?;
        let v = s.parse().map_err(|e| format!("Celsius: {e}"))?;
        Ok(Celsius { v })
    }
    fn is_zero(&self) -> bool {
        self.v == 0
    }
    fn zero() -> Self {
        Celsius::default()
    }
}

marshaled_serde!(Celsius);

/// Go's `Version`, a BinaryMarshaler: two bytes, major and minor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl GoMarshal for Version {
    const GO_TYPE: &'static str = "main.Version";
    const KIND: MarshalKind = MarshalKind::Binary;
    fn marshal(&self) -> Result<Vec<u8>, String> {
        Ok(vec![self.major, self.minor])
    }
    fn unmarshal(b: &[u8]) -> Result<Self, String> {
        match b {
            [major, minor] => Ok(Version {
                major: *major,
                minor: *minor,
            }),
            _ => Err("Version: want 2 bytes".into()),
        }
    }
    fn is_zero(&self) -> bool {
        *self == Version::default()
    }
    fn zero() -> Self {
        Version::default()
    }
}

/// Go's `Color` implements only TextMarshaler, which gob ignores: it is sent as this struct.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Color {
    pub R: u8,
    pub G: u8,
    pub B: u8,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub Where: String,
    pub Temp: Celsius,
    /// `Version` has no `Serialize` of its own: it goes through `marshaled` (or `Marshaled<Version>`).
    #[serde(with = "gob_codec::marshaled")]
    pub Ver: Version,
    pub Col: Color,
    pub PTemp: Option<Celsius>,
    pub Temps: Vec<Celsius>,
}

/// `time.Duration` fields are Go `int64`s (nanoseconds).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub Name: String,
    pub When: Time,
    pub Took: i64,
    pub Zero: Time,
    pub Never: i64,
}

/// `Labels` is a Go map: nil (omitted) and empty (sent) differ, which `Option` keeps.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub When: Time,
    pub Level: i64,
    pub Text: String,
    pub Labels: Option<HashMap<String, String>>,
}

/// Go's `time.Date(y, mo, d, h, mi, s, ns, loc)`: `None` is `time.UTC`, `Some(off)` a
/// `time.FixedZone` `off` seconds east of UTC (zone names are not sent).
#[allow(clippy::too_many_arguments)]
pub fn date(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: u32, zone: Option<i32>) -> Time {
    Time::from_date(y, mo, d, h, mi, s, ns, zone)
}

/// `tUTC`: 2024-03-01 12:30:45.123456789 UTC.
pub fn t_utc() -> Time {
    date(2024, 3, 1, 12, 30, 45, 123_456_789, None)
}

/// `tPreEpoch`: 1969-07-20 20:17:40 UTC.
pub fn t_pre_epoch() -> Time {
    date(1969, 7, 20, 20, 17, 40, 0, None)
}
