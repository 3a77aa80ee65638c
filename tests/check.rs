//! `ddns check` end to end: its exit statuses (not set up, update due, in sync, errors), its
//! JSON document, a DNS failure reported as an error; it changes nothing (no apply, no token
//! refresh, no write).

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::{Canned, Route};
use support::{SETUP, published, world};

#[test]
fn check_exit_statuses() {
    let w = world("check");
    let r = w.run(&["check"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        format!(
            "ddns: no name is set up in {}: run `ddns setup NAME` first\n",
            w.state.display()
        )
    );
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let r = w.run(&["check"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout
            .starts_with("home.example.com: update due: nothing published yet\n"),
        "{r:?}"
    );
    assert_eq!(w.run(&["update"]).code, Some(0));
    let before = w.state_file();
    assert_eq!(w.run(&["check"]).code, Some(0));
    w.set_public_v4("81.2.69.240");
    let r = w.run(&["check", "--json"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["exit"], 1);
    assert_eq!(doc["names"][0]["status"], "update-due");
    assert_eq!(doc["names"][0]["families"]["ipv4"]["public"], "81.2.69.240");
    assert_eq!(doc["names"][0]["families"]["ipv4"]["dns"][0], "81.2.69.142");
    assert_eq!(
        w.count(Route::TokenRefresh) + w.count(Route::Apply),
        1,
        "check changes nothing"
    );
    assert_eq!(w.state_file(), before);
    let r = w.run(&["check", "other.example.com"]);
    assert_eq!(r.code, Some(2));
    w.provider().can(Route::Echo, Canned::new(500, "down"));
    let r = w.run(&["check"]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stdout.starts_with(
            "home.example.com: error: could not detect the public IPv4 address: echo.provider.test:"
        ),
        "{r:?}"
    );
    w.assert_no_secrets_in(&[&r]);
    // The setup; then every check and the one update asked the echo once (the check of a
    // name that is not set up asks nothing), and only the update applied.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 5), (Route::Apply, 1)]);
}

/// Regression: a DNS failure was shown as "no record" and reported as "update due" (exit 1).
#[test]
fn check_reports_a_dns_failure_as_an_error() {
    let w = published("checkdns");
    w.zones().apexes.retain(|a| a != support::ZONE);
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(3), "{c:?}");
    assert!(
        c.stdout
            .starts_with("home.example.com: error: DNS lookup of home.example.com failed ("),
        "{c:?}"
    );
    assert!(
        c.stdout
            .contains(", DNS lookup failed, the zone's servers could not be asked ("),
        "{c:?}"
    );
    let j = w.run(&["check", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(doc["names"][0]["status"], "error");
    assert_eq!(doc["exit"], 3);
    // Each check still detected the public address.
    w.expect(Route::Echo, 2);
}
