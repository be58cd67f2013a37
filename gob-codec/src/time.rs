//! Go's `time.Time` as gob sends it: its `GobEncode` bytes, binary versions 1 and 2.

use crate::marshal::{GoMarshal, MarshalKind};

/// Seconds from January 1, year 1 (Go's internal epoch) to the Unix epoch.
const UNIX_TO_INTERNAL: i64 = 62_135_596_800;

/// A Go `time.Time`: an instant and the zone offset it is shown in.
///
/// ```
/// use gob_codec::{GoMarshal, Time};
/// let t = Time::from_unix(1_700_000_000, 5, Some(3600));
/// assert_eq!(Time::unmarshal(&t.marshal().unwrap()).unwrap(), t);
/// // Go cannot marshal a zone 90 s west of UTC (its minutes read as the UTC marker).
/// assert!(Time::from_unix(0, 0, Some(-90)).marshal().is_err());
/// assert!(Time::default().is_zero());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Time {
    /// Seconds since January 1, year 1, 00:00:00 UTC (Go's internal representation).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
    /// Zone offset in seconds east of UTC; `None` is Go's `time.UTC` location.
    pub offset: Option<i32>,
}

impl Default for Time {
    /// Go's zero time: January 1, year 1, UTC.
    fn default() -> Self {
        Time {
            secs: 0,
            nanos: 0,
            offset: None,
        }
    }
}

impl Time {
    /// A time from Unix seconds and nanoseconds, in UTC (`None`) or a fixed offset.
    pub fn from_unix(secs: i64, nanos: u32, offset: Option<i32>) -> Self {
        Time {
            secs: secs.saturating_add(UNIX_TO_INTERNAL),
            nanos,
            offset,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.secs.saturating_sub(UNIX_TO_INTERNAL)
    }

    /// The current time in UTC.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time::from_unix(d.as_secs() as i64, d.subsec_nanos(), None)
    }
}

impl From<std::time::SystemTime> for Time {
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Time::from_unix(d.as_secs() as i64, d.subsec_nanos(), None),
            Err(e) => {
                let d = e.duration();
                let (s, n) = (d.as_secs() as i64, d.subsec_nanos());
                if n == 0 {
                    Time::from_unix(-s, 0, None)
                } else {
                    Time::from_unix(-s - 1, 1_000_000_000 - n, None)
                }
            }
        }
    }
}

impl GoMarshal for Time {
    const GO_TYPE: &'static str = "time.Time";
    const KIND: MarshalKind = MarshalKind::Gob;

    fn marshal(&self) -> Result<Vec<u8>, String> {
        let (version, minutes, extra) = match self.offset {
            None => (1u8, -1i16, 0i8),
            Some(off) => {
                let version = if off % 60 != 0 { 2 } else { 1 };
                // Go refuses offsets whose minutes do not fit or read as its UTC marker (-1).
                let minutes = i16::try_from(off / 60)
                    .ok()
                    .filter(|&m| m != -1)
                    .ok_or("Time.MarshalBinary: unexpected zone offset")?;
                (version, minutes, (off % 60) as i8)
            }
        };
        let mut b = Vec::with_capacity(16);
        b.push(version);
        b.extend_from_slice(&self.secs.to_be_bytes());
        b.extend_from_slice(&(self.nanos as i32).to_be_bytes());
        b.extend_from_slice(&minutes.to_be_bytes());
        if version == 2 {
            b.push(extra as u8);
        }
        Ok(b)
    }

    fn unmarshal(b: &[u8]) -> Result<Self, String> {
        let version = *b.first().ok_or("Time.UnmarshalBinary: no data")?;
        let want = match version {
            1 => 15,
            2 => 16,
            _ => return Err("Time.UnmarshalBinary: unsupported version".into()),
        };
        if b.len() != want {
            return Err("Time.UnmarshalBinary: invalid length".into());
        }
        let mut sec = [0u8; 8];
        sec.copy_from_slice(&b[1..9]);
        let mut nsec = [0u8; 4];
        nsec.copy_from_slice(&b[9..13]);
        let minutes = i16::from_be_bytes([b[13], b[14]]);
        let mut offset = i32::from(minutes) * 60;
        if version == 2 {
            // Go adds the seconds byte as unsigned.
            offset += i32::from(b[15]);
        }
        Ok(Time {
            secs: i64::from_be_bytes(sec),
            nanos: i32::from_be_bytes(nsec) as u32,
            offset: if offset == -60 { None } else { Some(offset) },
        })
    }

    fn is_zero(&self) -> bool {
        *self == Time::default()
    }

    fn zero() -> Self {
        Time::default()
    }
}

impl serde::Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::marshal::marshaled::serialize(self, s)
    }
}

impl<'de> serde::Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::marshal::marshaled::deserialize(d)
    }
}
