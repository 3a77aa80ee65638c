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
