//! The little URL handling `ddns` needs: percent-encoding query values, building query strings,
//! and reading the query of a pasted redirect URL. URLs that carry a secret are never
//! printed: messages name only the host (`http::host_of`).

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

#[cfg(test)]
mod tests {
    use super::*;

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
