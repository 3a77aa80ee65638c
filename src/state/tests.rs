use super::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

fn entry() -> Entry {
    Entry {
        setup: Setup {
            zone: "example.com".into(),
            host: "home".into(),
            provider: Provider {
                id: "p".into(),
                name: "P".into(),
                url_api: "https://api.p.test".into(),
                url_async_ux: "https://ux.p.test".into(),
                token_form: None,
            },
            template: Template::V2,
            families: vec![Family::Ipv4],
            ipv6_suffix: None,
            nameservers: Vec::new(),
        },
        grant: Grant {
            access_token: "AT".into(),
            access_expires_at: Some(10),
            refresh_token: Some("RT".into()),
        },
        published: Addresses::default(),
        last_applied: None,
        grant_lost_at: None,
        watch: Watch::default(),
    }
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ddns-state-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn round_trip_and_write_only_when_changed() {
    let dir = tempdir("rt");
    let path = dir.join("sub/state.json");
    let mut locked = lock(&path, Duration::from_secs(1)).unwrap();
    assert!(
        !locked.save().unwrap(),
        "an unchanged empty state is not written"
    );
    assert!(!path.exists());
    locked
        .state
        .names
        .insert("home.example.com".into(), entry());
    assert!(locked.save().unwrap());
    assert!(!locked.save().unwrap());
    drop(locked);
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    assert_eq!(read(&path).unwrap().names["home.example.com"], entry());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_and_future_files_are_refused() {
    let p = Path::new("/x/state.json");
    let err = State::parse(b"{\"version\":1,\"names\":{", p).unwrap_err();
    assert!(err.message.contains("not JSON") && err.message.contains("left untouched"));
    let err = State::parse(br#"{"version":4,"names":{}}"#, p).unwrap_err();
    assert_eq!(
        err.message,
        "the state file /x/state.json has version 4, and this ddns reads versions up to 3: use \
         the ddns that wrote it, or a newer one"
    );
    assert!(State::parse(br#"{"names":{}}"#, p).is_err());
    assert!(State::parse(br#"{"version":1,"names":{},"extra":1}"#, p).is_err());
    assert!(State::parse(br#"{"version":3,"names":{"a.b.c":{"zone":"b.c"}}}"#, p).is_err());
    let mut s = State::default();
    let mut e = entry();
    e.setup.host = "other".into();
    s.names.insert("home.example.com".into(), e);
    assert!(
        State::parse(&s.to_bytes(), p)
            .unwrap_err()
            .message
            .contains("inconsistent")
    );
}

/// Every older version still reads, and is written back as the newest with nothing lost:
/// a file written by release 0.1.0 (version 1: three names, both families, an IPv6 suffix,
/// never published) and one written by the development build before version 3 (version 2:
/// name servers, a pending consent, a lost grant).
#[test]
fn every_older_version_reads_and_is_written_back_as_the_newest() {
    let v1 = include_bytes!("../../tests/fixtures/state-v1-0.1.0.json");
    let v2 = include_bytes!("../../tests/fixtures/state-v2.json");
    let v3 = include_bytes!("../../tests/fixtures/state-v3.json");
    let path = Path::new("state.json");
    let one = State::parse(v1, path).unwrap();
    assert_eq!(one.names.len(), 3);
    assert_eq!(
        one.names["nas.example.com"].setup.ipv6_suffix,
        "::1234:5678:9abc:def0".parse().ok()
    );
    let two = State::parse(v2, path).unwrap();
    assert_eq!(two.pending.len(), 1);
    assert!(two.names.values().any(|e| e.grant_lost_at.is_some()));
    assert!(two.names.values().all(|e| !e.setup.nameservers.is_empty()));
    // The newest version round-trips byte for byte, and is what the older ones become.
    let three = State::parse(v3, path).unwrap();
    // What the security work added to version 3 (optional, so older files read as before):
    // the token form a provider takes, and a pending consent's PKCE verifier.
    let form = three.names["new.example.com"].setup.provider.token_form;
    assert_eq!(form, Some(crate::domainconnect::token::TokenForm::Query));
    assert!(three.pending["new.example.com"].verifier.is_some());
    assert!(
        three.names["home.example.com"]
            .setup
            .provider
            .token_form
            .is_none()
    );
    assert_eq!(
        String::from_utf8(three.to_bytes()).unwrap(),
        String::from_utf8(v3.to_vec()).unwrap()
    );
    for old in [&one, &two] {
        let bytes = old.to_bytes();
        assert!(String::from_utf8_lossy(&bytes).contains("\"version\": 3,"));
        assert_eq!(&State::parse(&bytes, path).unwrap(), old);
    }
}

#[test]
fn debug_output_hides_tokens() {
    assert!(!format!("{:?}", entry()).contains("RT"));
}

#[test]
fn stale_temp_files_are_removed_on_save() {
    let dir = tempdir("tmp");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    fs::write(dir.join("state.json.tmp.99999"), b"junk").unwrap();
    let mut locked = lock(&path, Duration::from_secs(1)).unwrap();
    locked
        .state
        .names
        .insert("home.example.com".into(), entry());
    locked.save().unwrap();
    assert!(!dir.join("state.json.tmp.99999").exists());
    fs::remove_dir_all(&dir).unwrap();
}
