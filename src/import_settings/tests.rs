//! Unit tests of the settings.txt parser, on the fixtures in `tests/fixtures/windows/`.

use super::*;
use crate::address::Addresses;

/// A fixture from `tests/fixtures/windows/`.
fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/windows")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> Result<Imported> {
    parse(&fixture(name), Path::new(name))
}

fn message(name: &str) -> String {
    match read(name) {
        Ok(i) => panic!("{name} was accepted as {i:?}"),
        Err(e) => {
            assert_eq!(e.class, crate::error::Class::Usage, "{name}: {}", e.message);
            e.message
        }
    }
}

/// Every token value in the fixtures: none may ever appear in a message.
fn assert_no_secret(message: &str) {
    for secret in [
        "AT.fake",
        "RT.fake",
        "AT+fake",
        "RT+fake",
        "X-Injected",
        "fake-",
    ] {
        assert!(!message.contains(secret), "a token leaked: {message}");
    }
}

#[test]
fn a_file_as_setup_wrote_it() {
    let i = read("settings-setup.txt").unwrap();
    assert_eq!(i.name, "home.example.com");
    assert_eq!(i.zone, "example.com");
    assert_eq!(i.host, "home");
    assert_eq!(i.provider_name, "Example DNS");
    assert_eq!(i.url_api, "https://api.dns.example.net");
    assert_eq!(i.template, Template::V1);
    assert_eq!(i.families, vec![Family::Ipv4]);
    assert_eq!(i.grant.access_token, "AT.fake-access-0001.c2V0dXA");
    assert_eq!(
        i.grant.refresh_token.as_deref(),
        Some("RT.fake-refresh-0001.c2V0dXA")
    );
    assert_eq!(i.grant.access_expires_at, Some(1_650_000_000 + 3600));
}

#[test]
fn the_apex_with_the_domain_as_typed_and_a_trailing_slash() {
    let i = read("settings-apex.txt").unwrap();
    assert_eq!(
        (i.name.as_str(), i.zone.as_str(), i.host.as_str()),
        ("example.org", "example.org", "")
    );
    assert_eq!(i.url_api, "https://api.dns.example.net");
    assert_eq!(i.grant.access_expires_at, Some(1_650_000_000 + 7200));
}

#[test]
fn a_file_rewritten_by_a_refresh_with_net_escapes() {
    let i = read("settings-refreshed.txt").unwrap();
    assert_eq!(i.name, "nas.example.com");
    // JavaScriptSerializer writes & ' < > as \u0026 \u0027 \u003c \u003e.
    assert_eq!(i.provider_name, "Sm&all 'DNS' <Test>");
    assert_eq!(i.url_api, "https://api.dns.example.net/dc");
    assert_eq!(i.grant.access_token, "AT+fake/access=0003");
    assert_eq!(i.grant.access_expires_at, Some(1_700_003_600 + 28_800));
}

#[test]
fn a_copy_resaved_by_notepad_with_a_bom_and_a_newline() {
    let i = read("settings-notepad-bom.txt").unwrap();
    assert_eq!(i.name, "home.example.com");
    assert_eq!(i.grant.access_token, "AT.fake-access-0004.Ym9t");
}

#[test]
fn utf16_with_either_byte_order_mark_reads_the_same() {
    let utf8 = fixture("settings-setup.txt");
    let text = String::from_utf8(utf8).unwrap();
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        le.extend_from_slice(&unit.to_le_bytes());
        be.extend_from_slice(&unit.to_be_bytes());
    }
    let want = read("settings-setup.txt").unwrap();
    assert_eq!(parse(&le, Path::new("le")).unwrap(), want);
    assert_eq!(parse(&be, Path::new("be")).unwrap(), want);
    // Without its byte-order mark, UTF-16 is not read as something else.
    let m = parse(&le[2..], Path::new("x")).unwrap_err().message;
    assert!(m.contains("neither UTF-8 nor UTF-16"), "{m}");
}

#[test]
fn the_key_order_and_white_space_do_not_matter() {
    let doc = "{ \"expires_in\": 60, \"iat\": 1000,\n \"refresh_token\": \"r\", \
               \"access_token\": \"a\", \"urlAPI\": \"https://x.test\", \
               \"provider_name\": \"P\", \"host\": \"h\", \"domain_name\": \"example.com\" }\n";
    let i = parse(doc.as_bytes(), Path::new("s")).unwrap();
    assert_eq!(i.name, "h.example.com");
    assert_eq!(i.grant.access_expires_at, Some(1060));
}

#[test]
fn an_unfinished_setup_says_which_name_to_set_up() {
    assert_eq!(
        message("settings-step1.txt"),
        "settings-step1.txt has no tokens for home.example.com: the Windows client's setup \
         was not finished (no code was pasted): run `ddns setup home.example.com` instead"
    );
}

#[test]
fn a_file_cut_short_or_emptied_by_a_crash() {
    assert_eq!(
        message("settings-truncated.txt"),
        "settings-truncated.txt is cut short (the Windows client may have been stopped while \
         writing it): run `ddns setup` for the name instead"
    );
    assert_eq!(
        message("settings-empty.txt"),
        "settings-empty.txt is empty (the Windows client may have been stopped while writing \
         it): run `ddns setup` for the name instead"
    );
    assert_no_secret(&message("settings-truncated.txt"));
}

#[test]
fn a_null_refresh_token_is_no_grant() {
    let m = message("settings-null-refresh.txt");
    assert_eq!(
        m,
        "settings-null-refresh.txt has no usable refresh_token (missing, empty or not a \
         string), so its grant cannot be used: run `ddns setup home.example.com` instead"
    );
}

#[test]
fn a_token_with_control_characters_is_refused_unshown() {
    let m = message("settings-bad-token.txt");
    assert!(
        m.starts_with("the access_token in settings-bad-token.txt cannot be a token"),
        "{m}"
    );
    assert_no_secret(&m);
}

#[test]
fn a_plain_http_url_api_is_refused() {
    assert_eq!(
        message("settings-http-urlapi.txt"),
        "the urlAPI in settings-http-urlapi.txt ('http://api.dns.example.net') is not an \
         https:// URL of a host: ddns only sends tokens over verified TLS: run `ddns setup` \
         for the name instead"
    );
}

#[test]
fn an_iat_that_is_not_seconds() {
    let m = message("settings-bad-iat.txt");
    assert!(
        m.starts_with("the iat in settings-bad-iat.txt is not a whole number of seconds"),
        "{m}"
    );
}

#[test]
fn foreign_files_are_named_as_such() {
    let tail = ": give the settings.txt from the folder of DomainConnectDDNSUpdate.exe";
    assert_eq!(
        message("foreign-ini.txt"),
        format!(
            "foreign-ini.txt is not the Windows client's settings.txt (not JSON: expected \
             value at line 1 column 2){tail}"
        )
    );
    assert_eq!(
        message("foreign-json.txt"),
        format!(
            "foreign-json.txt is not the Windows client's settings.txt (it has none of the \
             client's keys, such as domain_name){tail}"
        )
    );
    let ours = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-v1-0.1.0.json"),
    )
    .unwrap();
    assert_eq!(
        parse(&ours, Path::new("state.json")).unwrap_err().message,
        format!(
            "state.json is not the Windows client's settings.txt (it is a ddns state file){tail}"
        )
    );
    for (bytes, detail) in [
        (&b"[1, 2]"[..], "it is JSON, but not one object"),
        (&b"\"text\""[..], "it is JSON, but not one object"),
        (
            &b"\xFF\x00\xC3\x28"[..],
            "it is neither UTF-8 nor UTF-16 text",
        ),
    ] {
        let m = parse(bytes, Path::new("f")).unwrap_err().message;
        assert_eq!(
            m,
            format!("f is not the Windows client's settings.txt ({detail}){tail}")
        );
    }
}

#[test]
fn a_huge_file_is_refused_before_parsing() {
    let mut big = fixture("settings-setup.txt");
    big.resize(MAX_BYTES + 1, b' ');
    let m = parse(&big, Path::new("big")).unwrap_err().message;
    assert!(m.contains("it has over 65536 bytes"), "{m}");
    // Right at the limit it is still read.
    big.truncate(MAX_BYTES);
    assert!(parse(&big, Path::new("big")).is_ok());
}

#[test]
fn missing_or_mistyped_fields_are_named_without_values() {
    let full: Value = serde_json::from_slice(&fixture("settings-setup.txt")).unwrap();
    for key in [
        "domain_name",
        "provider_name",
        "urlAPI",
        "access_token",
        "refresh_token",
    ] {
        for bad in [None, Some(Value::from("")), Some(Value::from(7))] {
            let mut doc = full.as_object().unwrap().clone();
            match &bad {
                None => doc.remove(key),
                Some(v) => doc.insert(key.into(), v.clone()),
            };
            let bytes = serde_json::to_vec(&doc).unwrap();
            let m = parse(&bytes, Path::new("s")).unwrap_err().message;
            assert!(
                m.starts_with(&format!("s has no usable {key} (")),
                "{key} {bad:?}: {m}"
            );
            assert_no_secret(&m);
        }
    }
    // Without `host` (which the service tolerated) it is the apex; `null` likewise.
    let mut doc = full.as_object().unwrap().clone();
    doc.remove("host");
    let i = parse(&serde_json::to_vec(&doc).unwrap(), Path::new("s")).unwrap();
    assert_eq!(i.name, "example.com");
    // Without iat and expires_in, the expiry is unknown, not an error.
    doc.remove("iat");
    doc.remove("expires_in");
    let i = parse(&serde_json::to_vec(&doc).unwrap(), Path::new("s")).unwrap();
    assert_eq!(i.grant.access_expires_at, None);
}

#[test]
fn names_that_ddns_cannot_use() {
    let full: Value = serde_json::from_slice(&fixture("settings-setup.txt")).unwrap();
    let with = |key: &str, value: &str| {
        let mut doc = full.as_object().unwrap().clone();
        doc.insert(key.into(), Value::from(value));
        parse(&serde_json::to_vec(&doc).unwrap(), Path::new("s"))
    };
    let m = with("domain_name", "localhost").unwrap_err().message;
    assert!(
        m.starts_with("the domain_name in s cannot be used ('localhost' is not"),
        "{m}"
    );
    let m = with("host", "bad host").unwrap_err().message;
    assert_eq!(
        m,
        "the host in s ('bad host') does not make a valid name in example.com: run `ddns \
         setup` for the name instead"
    );
    // A host with a dot (the dialog refused it; an edited file may have it) is still a name.
    assert_eq!(with("host", "a.b").unwrap().name, "a.b.example.com");
    assert_eq!(with("host", "WWW").unwrap().host, "www");
    // A urlAPI with credentials or a query is refused.
    for url in [
        "https://user@x.test",
        "https://",
        "https://x.test/?a",
        "ftp://x.test",
    ] {
        assert!(with("urlAPI", url).is_err(), "{url}");
    }
}

#[test]
fn debug_shows_no_token() {
    let i = read("settings-setup.txt").unwrap();
    let shown = format!("{i:?}");
    assert!(shown.contains("home.example.com"), "{shown}");
    assert_no_secret(&shown);
}

/// Mutations of every fixture (the shape of `src/fuzz.rs`'s loop, which this parser joins
/// once the source moves settle): never a panic, always one bounded line.
#[test]
fn mutated_files_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows");
    let mut samples: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    samples.sort();
    for round in 0..3000 {
        let mut v = samples[round % samples.len()].clone();
        for _ in 0..=(next() % 5) {
            let at = usize::try_from(next() % (v.len() as u64 + 1)).unwrap();
            let byte = u8::try_from(next() & 0xff).unwrap();
            match next() % 3 {
                0 if at < v.len() => v[at] = byte,
                1 => v.insert(at, byte),
                _ if at < v.len() => {
                    v.remove(at);
                }
                _ => {}
            }
        }
        if let Err(e) = parse(&v, Path::new("s")) {
            assert!(
                !e.message.contains('\n') && e.message.len() < 600,
                "{}",
                e.message
            );
        }
    }
}

#[test]
fn the_entry_keeps_the_grant_and_takes_the_provider_discovery_found() {
    let provider = |url_api: &str| Provider {
        id: "exampledns".into(),
        name: "Example DNS".into(),
        url_api: url_api.into(),
        url_async_ux: "https://dcc.example.net".into(),
        token_form: None,
    };
    let ns: Vec<IpAddr> = vec!["192.0.2.53".parse().unwrap()];
    let entry = read("settings-setup.txt")
        .unwrap()
        .into_entry(provider("https://api.dns.example.net"), ns.clone())
        .unwrap();
    assert_eq!(
        (entry.setup.zone.as_str(), entry.setup.host.as_str()),
        ("example.com", "home")
    );
    assert_eq!(entry.setup.provider.id, "exampledns");
    assert_eq!(entry.setup.template, Template::V1);
    assert_eq!(entry.setup.families, vec![Family::Ipv4]);
    assert_eq!(entry.setup.nameservers, ns);
    assert_eq!(entry.grant.access_token, "AT.fake-access-0001.c2V0dXA");
    assert_eq!(entry.published, Addresses::default());
    // The provider now sends tokens elsewhere: refused (a person must look), no token shown.
    let e = read("settings-setup.txt")
        .unwrap()
        .into_entry(provider("https://api.moved.example"), ns)
        .unwrap_err();
    assert_eq!(e.class, crate::error::Class::Refused);
    assert!(
        e.message.contains("now name https://api.moved.example"),
        "{}",
        e.message
    );
    assert_no_secret(&e.message);
}
