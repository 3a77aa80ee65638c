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
