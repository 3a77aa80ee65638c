//! What issue 23 adds that runs everywhere: `setup --open`, and `service`, which outside
//! Windows says what to use instead. `import-settings` is in the Windows build only (the
//! original client's settings.txt is on Windows): it is tested under Wine in
//! `tests/windows.rs`, its parser by unit tests.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::Route;
use support::{NAME, world};

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
