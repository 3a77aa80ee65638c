//! The little URL handling `ddns` needs: percent-encoding query values, building query strings,
//! reading the query of a pasted redirect URL, and the part of a URL a message may show. URLs
//! that carry a secret are never printed: messages name only the scheme and host ([`shown`],
//! [`host`]), never the user information, path or query.

/// Percent-encode a query value: everything but RFC 3986 unreserved characters is escaped, so a
/// value can never inject `&`, `=`, `#` or a path into the URL it is put in.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// Build `k1=v1&k2=v2` from pairs, encoding every key and value.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn hex(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

/// Decode `%XX` escapes and `+` (a space, in form encoding). A malformed escape is kept as it
/// is; invalid UTF-8 is replaced by U+FFFD.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b'%', Some(&h), Some(&l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                out.push((hex(h) << 4) | hex(l));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded `key=value` pairs of a URL's query (after `?`, before `#`), or of a bare query
/// string. Also reads the fragment as a query, where some OAuth servers put the reply.
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (url, None),
    };
    let query = match before_fragment.split_once('?') {
        Some((_, q)) => q,
        None if !before_fragment.contains("://") => before_fragment,
        None => "",
    };
    query
        .split('&')
        .chain(fragment.into_iter().flat_map(|f| f.split('&')))
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The host (and port) of a URL, for messages: never the user information (`user:password@`),
/// the path or the query, any of which may carry a secret. A URL whose password holds an
/// unescaped `/` is malformed, but is still shown without it: everything up to the last `@`
/// before the query is dropped.
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let before_query = rest.split(['?', '#']).next().unwrap_or(rest);
    let rest = match before_query.rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Whether a URL has an `@` in its path (before the query): a password with an unescaped `/`
/// (`https://user:pa/ss@host/`), which would send a part of the password as the host name.
/// Such a URL is refused where a user gives one (IP sources, monitors).
pub fn ambiguous(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let before_query = rest.split(['?', '#']).next().unwrap_or(rest);
    before_query
        .split_once('/')
        .is_some_and(|(_, path)| path.contains('@'))
}

/// A URL as a message shows it: its scheme and [`host`] only (`https://host:port`).
pub fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://{}", host(url)),
        None => host(url).to_string(),
    }
}

/// An entry of a list (an IP source, a monitor) as a message echoes it: a URL by its scheme and
/// host only ([`shown`]); anything else up to its first `/`, since what follows may be a
/// monitor's token (`healthchecks:hc-ping.com/UUID` without its `https://`).
pub fn shown_entry(entry: &str) -> String {
    if entry.contains("://") {
        shown(entry)
    } else {
        match entry.split_once('/') {
            Some((before, _)) => format!("{before}/..."),
            None => entry.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_shows_no_path() {
        for (entry, want) in [
            ("https://user:pw@hc.test/ping/uuid", "https://hc.test"),
            (
                "healthchecks:hc-ping.com/0b2c-uuid",
                "healthchecks:hc-ping.com/...",
            ),
            ("dns:opendns@192.0.2.53:53", "dns:opendns@192.0.2.53:53"),
            ("interface:eth0", "interface:eth0"),
        ] {
            assert_eq!(shown_entry(entry), want, "{entry}");
        }
    }

    #[test]
    fn only_scheme_and_host_are_shown() {
        for (url, want) in [
            (
                "https://api.p.test:8443/v2/x?code=SECRET",
                "https://api.p.test:8443",
            ),
            ("https://api.p.test?code=SECRET", "https://api.p.test"),
            ("https://user:pw@hc.test/uuid", "https://hc.test"),
            ("https://user:p/w@hc.test/uuid", "https://hc.test"),
            ("https://user@[::1]:443/", "https://[::1]:443"),
            ("https://hc.test/a@b?x=@y", "https://b"),
            ("https://hc.test#@frag", "https://hc.test"),
        ] {
            assert_eq!(shown(url), want, "{url}");
        }
        assert_eq!(host("https://user:pw@api.p.test:8443/x"), "api.p.test:8443");
        assert!(ambiguous("https://user:p/w@hc.test/uuid"));
        assert!(!ambiguous("https://user:pw@hc.test/uuid?x=@"));
    }

    #[test]
    fn encode_escapes_everything_but_unreserved() {
        assert_eq!(encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode("a b&c=d/e?f#g"), "a%20b%26c%3Dd%2Fe%3Ff%23g");
        assert_eq!(encode("::"), "%3A%3A");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn decode_round_trips_and_tolerates_garbage() {
        for s in ["a b&c=d", "é", "%", "100%", "::1"] {
            assert_eq!(decode(&encode(s)), s);
        }
        assert_eq!(decode("a+b"), "a b");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn query_pairs_reads_urls_bare_queries_and_fragments() {
        let pairs = query_pairs("https://x.example/ddnscode?code=ab%2Fc&state=s1#frag=1");
        assert_eq!(
            pairs,
            vec![
                ("code".into(), "ab/c".into()),
                ("state".into(), "s1".into()),
                ("frag".into(), "1".into())
            ]
        );
        assert_eq!(
            query_pairs("code=x&state"),
            vec![("code".into(), "x".into()), ("state".into(), String::new())]
        );
        assert!(query_pairs("https://x.example/path").is_empty());
    }
}
