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

    /// Go's `time.Date(year, month, day, hour, min, sec, nsec, loc)`: the given wall clock in UTC
    /// (`offset` `None`) or in a fixed zone `offset` seconds east of UTC. As in Go, fields out of
    /// their ranges are carried over (month 13 is January of the next year, second 60 the next
    /// minute).
    ///
    /// ```
    /// use gob_codec::Time;
    /// let t = Time::from_date(2024, 3, 1, 12, 30, 45, 0, Some(3600));
    /// assert_eq!(t.unix(), 1_709_292_645);
    /// assert_eq!(t.date_clock(), (2024, 3, 1, 12, 30, 45));
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn from_date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nanos: u32,
        offset: Option<i32>,
    ) -> Self {
        let (year, month) = (
            year + (month - 1).div_euclid(12),
            (month - 1).rem_euclid(12) + 1,
        );
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
        Time::from_unix(local - i64::from(offset.unwrap_or(0)), nanos, offset)
    }

    /// Go's `t.Date()` and `t.Clock()` in the time's own zone: (year, month, day, hour, minute,
    /// second).
    pub fn date_clock(&self) -> (i64, u32, u32, u32, u32, u32) {
        let local = self
            .unix()
            .saturating_add(i64::from(self.offset.unwrap_or(0)));
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400) as u32);
        let (year, month, day) = civil_from_days(days);
        (year, month, day, secs / 3600, secs / 60 % 60, secs % 60)
    }

    /// The current time in UTC.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time::from_unix(d.as_secs() as i64, d.subsec_nanos(), None)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date, `month` in 1..=12 (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_against_known_unix_times() {
        // Unix times from Go's time.Date(...).Unix().
        for (y, mo, d, h, mi, s, off, unix) in [
            (1970, 1, 1, 0, 0, 0, None, 0i64),
            (2026, 11, 25, 12, 0, 0, None, 1_795_608_000),
            (1969, 7, 20, 20, 17, 40, None, -14_182_940),
            (2000, 2, 29, 23, 59, 59, Some(-5 * 3600), 951_886_799),
            (1, 1, 1, 0, 0, 0, None, -62_135_596_800),
            (2023, 13, 1, 0, 0, 0, None, 1_704_067_200), // month 13: January 2024
        ] {
            let t = Time::from_date(y, mo, d, h, mi, s, 0, off);
            assert_eq!(t.unix(), unix, "{y}-{mo}-{d}");
            if mo <= 12 {
                let (y2, mo2, d2, h2, mi2, s2) = t.date_clock();
                assert_eq!((y2, i64::from(mo2), i64::from(d2)), (y, mo, d));
                assert_eq!((i64::from(h2), i64::from(mi2), i64::from(s2)), (h, mi, s));
            }
        }
        assert_eq!(Time::default().date_clock(), (1, 1, 1, 0, 0, 0));
    }
}
