//! The wall clock, read in one place: Unix seconds for the state file and the decisions in
//! `plan/`; "how long ago" for people; and durations as people write them (`30s`, `5m`, `1h`).

use crate::error::{Error, Result};
use std::time::Duration;

/// Seconds since the Unix epoch (0 for a clock before it).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A duration in seconds as people say it: `42 s`, `4 min`, `3 h`, `12 days`.
pub fn ago(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86400),
    }
}

/// A length of time as people say it when they chose it: `1 h`, `90 min`, `45 s`.
pub fn span(secs: u64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The civil date and time (UTC) of a Unix time: (year, month, day, hour, minute, second).
pub fn civil(unix: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = i64::try_from(unix / 86400).unwrap_or(0);
    let secs = unix % 86400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3600, secs / 60 % 60, secs % 60)
}

/// A Unix time as people read it in a log: `2026-12-03 10:02 UTC` (no time zone data without
/// libc).
pub fn utc(unix: u64) -> String {
    let (y, mo, d, h, mi, _) = civil(unix);
    format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// The Unix time of an HTTP date in its preferred form (RFC 9110, IMF-fixdate:
/// `Sun, 06 Nov 1994 08:49:37 GMT`); `None` for anything else.
pub fn parse_http_date(value: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = value.trim().split(' ');
    let (_, day, month, year, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if zone != "GMT" || parts.next().is_some() {
        return None;
    }
    let month = i64::try_from(MONTHS.iter().position(|m| *m == month)? + 1).ok()?;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let mut hms = time.split(':').map(str::parse::<u64>);
    let (h, m, s) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    if !(1..=31).contains(&day) || year < 1970 || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Howard Hinnant's days-from-civil algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(days * 86400 + h * 3600 + m * 60 + s)
}

/// A duration given with `flag`: a number and a unit, `ms`, `s`, `m` or `h` (`30s`, `5m`,
/// `1h`); `zero_ok` also takes `0` (off).
pub fn duration(flag: &str, value: &str, zero_ok: bool) -> Result<Duration> {
    let v = value.trim();
    if zero_ok && v == "0" {
        return Ok(Duration::ZERO);
    }
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let scale = match unit {
        "ms" => Some(Duration::from_millis(1)),
        "s" => Some(Duration::from_secs(1)),
        "m" | "min" => Some(Duration::from_secs(60)),
        "h" => Some(Duration::from_secs(3600)),
        _ => None,
    };
    match (number.parse::<u32>().ok().filter(|n| *n > 0), scale) {
        (Some(n), Some(scale)) if n <= 100_000 => Ok(scale * n),
        _ => Err(Error::usage(format!(
            "{flag} '{}' is not a duration: give a number and a unit, such as 30s, 5m or 1h",
            crate::error::printable(value, 40)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_written() {
        assert_eq!(utc(1_795_705_445), "2026-11-26 15:04 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(
            parse_http_date("Thu, 26 Nov 2026 15:04:05 GMT"),
            Some(1_795_705_445)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400)
        );
        for bad in [
            "",
            "120",
            "Thu, 26 Nov 2026 15:04:05 CET",
            "Thu, 26 Foo 2026 15:04:05 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_need_a_unit() {
        let d = |v| duration("--every", v, false);
        assert_eq!(d("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(d(" 30s ").unwrap(), Duration::from_secs(30));
        assert_eq!(d("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(d("250ms").unwrap(), Duration::from_millis(250));
        for bad in [
            "5",
            "m",
            "0s",
            "-5m",
            "5 m",
            "5d",
            "1.5m",
            "",
            "99999999h",
            "0",
        ] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert_eq!(duration("--x", "0", true).unwrap(), Duration::ZERO);
    }

    #[test]
    fn ago_picks_a_unit_people_use() {
        assert_eq!(ago(5), "5 s");
        assert_eq!(ago(240), "4 min");
        assert_eq!(ago(3 * 3600), "3 h");
        assert_eq!(ago(12 * 86400), "12 days");
    }
}
