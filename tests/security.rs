//! What a security review found (issue 22), each pinned by a regression test named after it:
//! secrets in provider messages, credentials in URLs, the code on a command line, PKCE, the
//! refresh token out of the URL, pinned token endpoints and the trust store.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::{Canned, Route};
use support::{NAME, World};

/// The grant the state file holds for `name`: access token, refresh token.
fn grant(w: &World, name: &str) -> (String, String) {
    let state = w.state_json();
    let grant = &state["names"][name]["grant"];
    (
        grant["access_token"].as_str().unwrap().to_string(),
        grant["refresh_token"].as_str().unwrap().to_string(),
    )
}

/// `pad` characters, so that a secret after them and one space is cut by the 300-character
/// bound of a provider's message two characters before its end.
fn pad_to_cut(secret: &str) -> String {
    "x".repeat(300 - 1 - (secret.len() - 2))
}

/// Issue 22, item 5: a provider's message was cut to 300 characters before the one secret of
/// the call was replaced, so a token cut at the edge was printed all but its last characters;
/// and an apply's error was scrubbed of the access token only.
#[test]
fn provider_messages_never_show_a_secret_even_one_cut_short() {
    let w = support::published("sec-scrub");
    let (access, refresh) = grant(&w, NAME);
    let cases = [
        // The access token at the cut, the refresh token whole (not scrubbed at all before).
        format!("{} {access}", pad_to_cut(&access)),
        format!("bad request for {refresh}"),
    ];
    for message in &cases {
        w.can(
            Route::Apply,
            Canned::new(400, &serde_json::json!({ "message": message }).to_string()),
        );
        let u = w.run(&["update", "--force"]);
        assert_eq!(u.code, Some(4), "{u:?}");
        assert!(
            u.stderr
                .contains("the provider refused the update (HTTP 400: "),
            "{u:?}"
        );
        for secret in [&access, &refresh] {
            let shown = &secret[..secret.len() - 2];
            assert!(!u.stderr.contains(shown), "{shown} in {u:?}");
        }
        assert!(u.stderr.contains("REDACTED"), "{u:?}");
    }
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);

    // The code, echoed by a refused exchange at the cut.
    let code = w.consent_code("home");
    let message = format!("{} {code}", pad_to_cut(&code));
    w.can(
        Route::TokenCode,
        Canned::new(
            400,
            &serde_json::json!({ "error": "invalid_grant", "error_description": message })
                .to_string(),
        ),
    );
    let s = w.run(&["setup", NAME, "--ipv4", "--code", &code]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert!(!s.stderr.contains(&code[..code.len() - 2]), "{s:?}");
    w.expect_all(&[
        (Route::Consent, 1),
        (Route::Settings, 1),
        (Route::Template, 1),
    ]);
    w.expect(Route::TokenCode, 1);
}

/// Issue 22, item 4: `https://user:password@host/` in an IP source or a monitor showed up
/// whole in messages, `check --json`'s `source` (so on the router's page) and the monitors'
/// bodies, because `host_of` kept the user information. Only scheme and host are shown.
#[test]
fn credentials_in_a_url_are_never_shown() {
    use support::provider::{ECHO_HOST, MONITOR_HOST};
    let w = support::published("sec-userinfo");
    let port = w.fake.port;
    let source = format!("https://user:s3cr3t-pw@{ECHO_HOST}:{port}/?key=s3cr3t-key");
    let monitor = format!("healthchecks:https://user:s3cr3t-pw@{MONITOR_HOST}:{port}/hc/x");
    let env = [("DDNS_IP_SOURCES", source.as_str())];
    let leaks = |text: &str| text.contains("s3cr3t") || text.contains("user:");

    let c = w.run_env(&["check", "--json"], &env);
    assert_eq!(c.code, Some(0), "{c:?}");
    let doc: serde_json::Value = serde_json::from_str(&c.stdout).unwrap();
    assert_eq!(
        doc["names"][0]["families"]["ipv4"]["source"],
        format!("https://{ECHO_HOST}:{port}")
    );
    // The source answers a private address (refused, named in the message) and the monitor
    // fails (named in its own message); the monitor's body carries the run's lines.
    w.provider().public_v4 = "10.0.0.1".parse().unwrap();
    w.can(Route::Ping, Canned::new(500, "no"));
    let u = w.run_env(&["update", "--ping", &monitor], &env);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert!(
        u.stderr.contains(&format!(
            "the IP source https://{ECHO_HOST}:{port} says the public address is 10.0.0.1"
        )),
        "{u:?}"
    );
    assert!(
        u.stderr.contains(&format!(
            "the health-check ping to {MONITOR_HOST}:{port} failed (it answered HTTP 500)"
        )),
        "{u:?}"
    );
    let pings = w.provider().pings.clone();
    assert_eq!(pings.len(), 1);
    assert!(
        pings[0].2.contains("says the public address is 10.0.0.1"),
        "{pings:?}"
    );
    // Entries refused as malformed are echoed without their credentials.
    let bad_source = format!("{source} x");
    let s = w.run_env(&["check"], &[("DDNS_IP_SOURCES", &bad_source)]);
    assert_eq!(s.code, Some(2), "{s:?}");
    let p = w.run(&["update", "--ping", &format!("{monitor} x")]);
    assert_eq!(p.code, Some(2), "{p:?}");
    for run in [&c, &u, &s, &p] {
        assert!(!leaks(&run.stdout) && !leaks(&run.stderr), "{run:?}");
    }
    for (_, target, body) in &pings {
        assert!(!leaks(target) && !leaks(body), "{pings:?}");
    }
    w.expect_all(&[(Route::Echo, 2), (Route::Ping, 1)]);
}
