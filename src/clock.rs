//! The wall clock, read in one place: Unix seconds for the state file and the decisions in
//! `plan.rs`, and "how long ago" for people.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_picks_a_unit_people_use() {
        assert_eq!(ago(5), "5 s");
        assert_eq!(ago(240), "4 min");
        assert_eq!(ago(3 * 3600), "3 h");
        assert_eq!(ago(12 * 86400), "12 days");
    }
}
