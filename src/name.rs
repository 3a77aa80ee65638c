//! Domain names as the user gives them: validation, normalisation, and the split into the zone
//! (the domain the provider hosts) and the host inside it (`@`-relative, empty at the apex).

use crate::error::{Error, Result};

/// Check and normalise a name: ASCII lower case, no trailing dot, 2 to 127 labels of 1 to 63
/// letters, digits, `-` or `_`, 253 characters at most.
pub fn normalise(input: &str) -> Result<String> {
    let name = input.trim().trim_end_matches('.').to_ascii_lowercase();
    let shown = crate::error::printable(input, 80);
    if name.is_empty() {
        return Err(Error::usage(
            "the name is empty: give a domain name such as home.example.com",
        ));
    }
    if !name.is_ascii() {
        return Err(Error::usage(format!(
            "'{shown}' has non-ASCII characters: give the name in its xn-- (punycode) form"
        )));
    }
    if name.len() > 253 {
        return Err(Error::usage(format!(
            "'{shown}' is longer than the 253 characters a domain name may have"
        )));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(Error::usage(format!(
            "'{shown}' is not a domain name: give a name with a dot, such as home.example.com"
        )));
    }
    for label in &labels {
        let ok_chars = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if label.is_empty() || label.len() > 63 || !ok_chars || label.starts_with('-') {
            return Err(Error::usage(format!(
                "'{shown}' is not a valid domain name: each dot-separated part must be 1 to 63 \
                 letters, digits, '-' or '_'"
            )));
        }
    }
    Ok(name)
}

/// The host of `name` inside `zone`: `""` when the name is the zone apex, `None` when the name is
/// not in the zone at all. Both must be normalised.
pub fn host_in_zone(name: &str, zone: &str) -> Option<String> {
    if name == zone {
        return Some(String::new());
    }
    name.strip_suffix(zone)
        .and_then(|h| h.strip_suffix('.'))
        .filter(|h| !h.is_empty())
        .map(str::to_string)
}

/// The name and its parents, longest first, down to two labels: `a.b.example.com`,
/// `b.example.com`, `example.com`. Candidates for the zone apex.
pub fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    let labels = name.split('.').count();
    let mut rest = Some(name);
    std::iter::from_fn(move || {
        let current = rest?;
        rest = current.split_once('.').map(|(_, r)| r);
        Some(current)
    })
    .take(labels.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_accepts_and_lowercases() {
        assert_eq!(
            normalise(" Home.Example.COM. ").unwrap(),
            "home.example.com"
        );
        assert_eq!(normalise("_x.example.com").unwrap(), "_x.example.com");
        assert_eq!(
            normalise("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn normalise_rejects_bad_names_with_one_sentence() {
        for bad in [
            "",
            "localhost",
            "a..b",
            "a b.com",
            "../etc/passwd",
            "bücher.example",
            "-a.example",
            "a.example/x?y=1",
            &"a".repeat(64).clone(),
        ] {
            let err = normalise(bad).unwrap_err();
            assert_eq!(err.class, crate::error::Class::Usage, "{bad}");
            assert!(!err.message.contains('\n'));
        }
        let long = format!("{}.com", "a.".repeat(130));
        assert!(normalise(&long).unwrap_err().message.contains("253"));
    }

    #[test]
    fn host_in_zone_splits_on_label_boundaries() {
        assert_eq!(
            host_in_zone("home.example.com", "example.com").as_deref(),
            Some("home")
        );
        assert_eq!(
            host_in_zone("a.b.example.com", "example.com").as_deref(),
            Some("a.b")
        );
        assert_eq!(
            host_in_zone("example.com", "example.com").as_deref(),
            Some("")
        );
        assert_eq!(host_in_zone("homeexample.com", "example.com"), None);
        assert_eq!(host_in_zone("example.org", "example.com"), None);
    }

    #[test]
    fn ancestors_stop_above_the_tld() {
        let all: Vec<&str> = ancestors("a.b.example.com").collect();
        assert_eq!(all, ["a.b.example.com", "b.example.com", "example.com"]);
        assert_eq!(
            ancestors("example.com").collect::<Vec<_>>(),
            ["example.com"]
        );
    }
}
