//! What issue 23 adds that runs everywhere: `import-settings` (a name set up from the original
//! Windows client's settings.txt, with its grant), `setup --open`, and `service`, which outside
//! Windows says what to use instead. The same runs under Wine are in `tests/windows.rs`.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::{API_HOST, Route};
use support::{NAME, World, world};

/// The tokens of the grant the Windows client holds: the fake knows them as its own.
const ACCESS: &str = "AT.windows-client.0001";
const REFRESH: &str = "RT.windows-client.0001";

/// A settings.txt as the Windows client writes it (`docs/windows-import.md`): one line of
/// JSON, no white space, no newline at the end, for `home.example.com` at the fake provider,
/// with `url_api` as its `urlAPI`. The fake is told the tokens are its own.
fn client_settings(w: &World, url_api: &str) -> std::path::PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    {
        let mut p = w.provider();
        p.access.insert(ACCESS.into(), now + 3600);
        p.refresh.insert(REFRESH.into());
        p.issued.extend([ACCESS.to_string(), REFRESH.to_string()]);
    }
    let path = w.dir.join("settings.txt");
    std::fs::write(
        &path,
        format!(
            r#"{{"domain_name":"example.com","host":"home","provider_name":"Fake DNS","urlAPI":"{url_api}","access_token":"{ACCESS}","refresh_token":"{REFRESH}","iat":{now},"expires_in":3600}}"#
        ),
    )
    .unwrap();
    path
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/windows/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn the_windows_clients_grant_is_imported_and_updates_work_with_it() {
    let w = world("import");
    let url_api = format!("https://{API_HOST}:{}", w.fake.port);
    let settings = client_settings(&w, &url_api);
    let settings = settings.to_str().unwrap();
    let i = w.run(&["import-settings", settings]);
    assert_eq!(
        (i.code, i.stdout.as_str(), i.stderr.as_str()),
        (
            Some(0),
            "home.example.com is set up with Fake DNS (dynamicdns, A record) and the Windows \
             client's grant; run `ddns update` to publish the address\n",
            "Now stop and disable the Windows client's service (DomainConnectDDNSUpdate) and \
             close its tray app: the provider keeps only the newest refresh token, so two \
             clients refreshing one grant lock each other out\n"
        )
    );
    let state = w.state_json();
    let entry = &state["names"][NAME];
    assert_eq!(entry["setup"]["template"], "dynamicdns");
    assert_eq!(entry["setup"]["families"], serde_json::json!(["ipv4"]));
    assert_eq!(entry["setup"]["provider"]["id"], "fakedns");
    assert_eq!(entry["grant"]["refresh_token"], REFRESH);
    // The grant works: the first update applies with the imported access token.
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(w.provider().applies.len(), 1);
    // A second import changes nothing and asks nothing.
    let before = w.state_file();
    let again = w.run(&["import-settings", settings]);
    assert_eq!(
        (again.code, again.stderr.clone()),
        (
            Some(2),
            format!(
                "ddns: home.example.com is already set up in {}: nothing was imported (`ddns \
                 remove home.example.com` first to replace it)\n",
                w.state.display()
            )
        )
    );
    assert_eq!(w.state_file(), before);
    w.assert_no_secrets_in(&[&i, &u, &again]);
    w.expect_all(&[(Route::Settings, 1), (Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn a_broken_or_foreign_file_gets_one_line_and_changes_nothing() {
    let w = world("import-broken");
    for (file, start) in [
        ("settings-truncated.txt", "is cut short"),
        ("settings-empty.txt", "is empty"),
        ("settings-step1.txt", "has no tokens for home.example.com"),
        (
            "foreign-ini.txt",
            "is not the Windows client's settings.txt (not JSON",
        ),
        (
            "foreign-json.txt",
            "is not the Windows client's settings.txt (it has none",
        ),
        ("settings-http-urlapi.txt", "is not an https:// URL"),
    ] {
        let path = fixture(file);
        let r = w.run(&["import-settings", &path]);
        assert_eq!(r.code, Some(2), "{file}: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{file}: {r:?}");
        assert!(r.stderr.starts_with("ddns: "), "{file}: {r:?}");
        assert!(r.stderr.contains(start), "{file}: {r:?}");
        assert!(!r.stderr.contains("fake-"), "a token leaked: {r:?}");
    }
    let missing = w.run(&["import-settings", "/nonexistent/settings.txt"]);
    assert_eq!(missing.code, Some(2));
    assert!(
        missing
            .stderr
            .starts_with("ddns: could not read /nonexistent/settings.txt ("),
        "{missing:?}"
    );
    assert!(!w.state.exists(), "nothing was created");
}

#[test]
fn an_import_whose_provider_cannot_be_confirmed_imports_nothing() {
    let w = world("import-moved");
    // The file's urlAPI is not where the provider's settings say tokens go now.
    let settings = client_settings(&w, "https://api.dns.example.net");
    let r = w.run(&["import-settings", settings.to_str().unwrap()]);
    assert_eq!(
        (r.code, r.stderr),
        (
            Some(4),
            format!(
                "ddns: the provider's settings for example.com now name https://{API_HOST}:{} \
                 for tokens and updates, but the Windows client's file names \
                 https://api.dns.example.net: nothing was imported, because the grant belongs \
                 there; set the name up with `ddns setup home.example.com`\n",
                w.fake.port
            )
        )
    );
    // Discovery fails (the provider's settings request fails): nothing is imported either.
    w.can(
        Route::Settings,
        support::provider::Canned::new(503, "maintenance"),
    );
    let url_api = format!("https://{API_HOST}:{}", w.fake.port);
    let settings = client_settings(&w, &url_api);
    let r = w.run(&["import-settings", settings.to_str().unwrap()]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stderr.starts_with(
            "ddns: nothing was imported: the provider's settings for example.com could not be \
             found ("
        ),
        "{r:?}"
    );
    assert!(
        r.stderr.ends_with(
            "); try again later, or set the name up with `ddns setup home.example.com`\n"
        ),
        "{r:?}"
    );
    assert!(!w.state.exists());
    w.expect(Route::Settings, 2);
}

#[test]
fn setup_open_hands_the_address_to_the_browser_and_still_prints_it() {
    let w = world("open");
    // A stand-in for xdg-open that records what it was given.
    let bin = w.dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opened = w.dir.join("opened");
    let xdg_open = bin.join("xdg-open");
    std::fs::write(
        &xdg_open,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &xdg_open,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let s = w.run_env(&["setup", NAME, "--begin", "--open"], &[("PATH", &path)]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let url = s.stdout.trim();
    assert!(url.starts_with("https://"), "{s:?}");
    support::timing::eventually("xdg-open to be run", || opened.exists());
    support::timing::eventually("xdg-open to write the address", || {
        std::fs::read_to_string(&opened).unwrap_or_default() == format!("{url}\n")
    });
    // Without a browser opener, a note says so; the address is printed all the same.
    let s = w.run_env(
        &["setup", NAME, "--begin", "--open"],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(s.code, Some(0), "{s:?}");
    assert!(s.stdout.starts_with("https://"), "{s:?}");
    assert!(
        s.stderr.contains(
            "could not open a browser (No such file or directory (os error 2)): open the \
             address above yourself\n"
        ),
        "{s:?}"
    );
    w.expect_all(&[(Route::Settings, 2), (Route::Template, 2)]);
}

#[test]
fn service_outside_windows_says_what_to_use_instead() {
    let w = world("service");
    for args in [
        &["service", "install"][..],
        &["service", "status"],
        &["service"],
    ] {
        let r = w.run(args);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (
                Some(2),
                "",
                "ddns: `ddns service` installs a Windows scheduled task; here run `ddns update` \
                 from cron or a systemd timer, or install the OpenWrt package (see \
                 docs/usage.md)\n"
            ),
            "{args:?}"
        );
    }
}
