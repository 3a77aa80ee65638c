//! What a security review found (issue 22), each pinned by a regression test named after it:
//! secrets in provider messages, credentials in URLs, the code on a command line, PKCE, the
//! refresh token out of the URL, pinned token endpoints and the trust store.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::{Canned, Route, decode, s256};
use support::{NAME, SETUP, World, world};

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

/// The query pairs of a URL the binary printed, decoded.
fn query_of(url: &str) -> std::collections::BTreeMap<String, String> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// Rewrite the state file with `change` applied to its JSON.
fn edit_state(w: &World, change: impl FnOnce(&mut serde_json::Value)) {
    let mut state = w.state_json();
    change(&mut state);
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

/// PKCE (RFC 7636, S256): the consent URL carries a challenge and the code exchange its
/// verifier, which is kept with the pending consent and never printed. The fake provider checks
/// the verifier whenever a challenge was sent: a wrong or missing one is refused.
#[test]
fn the_consent_carries_a_pkce_challenge_and_the_exchange_its_verifier() {
    let w = world("sec-pkce");
    let b = w.run(&["setup", NAME, "--begin", "--json", "--ipv4"]);
    assert_eq!(b.code, Some(0), "{b:?}");
    let doc: serde_json::Value = serde_json::from_str(&b.stdout).unwrap();
    let url = doc["url"].as_str().unwrap().to_string();
    let query = query_of(&url);
    assert_eq!(query["code_challenge_method"], "S256", "{url}");
    let verifier = w.state_json()["pending"][NAME]["verifier"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(verifier.len(), 43);
    assert_eq!(s256(&verifier), query["code_challenge"]);
    assert!(!b.stdout.contains(&verifier) && !b.stderr.contains(&verifier));

    // A wrong verifier, then none at all: the provider refuses the code; the consent waits on.
    for tampered in [Some("x".repeat(43)), None] {
        edit_state(&w, |s| match &tampered {
            Some(v) => s["pending"][NAME]["verifier"] = v.clone().into(),
            None => {
                s["pending"][NAME]
                    .as_object_mut()
                    .unwrap()
                    .remove("verifier");
            }
        });
        let redirect = w.browse(&url);
        let r = w.run(&["setup", NAME, "--code", &redirect]);
        assert_eq!(r.code, Some(4), "{tampered:?}: {r:?}");
        assert!(
            r.stderr
                .contains("did not accept the code (invalid_grant: PKCE verification failed)"),
            "{r:?}"
        );
        assert!(w.state_json()["pending"].get(NAME).is_some());
    }
    edit_state(&w, |s| {
        s["pending"][NAME]["verifier"] = verifier.clone().into();
    });
    let redirect = w.browse(&url);
    let r = w.run(&["setup", NAME, "--code", &redirect]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(!r.stdout.contains(&verifier) && !r.stderr.contains(&verifier));
    w.budgets(&[
        (Route::Settings, 1),
        (Route::Template, 1),
        (Route::Consent, 3),
        (Route::TokenCode, 3),
    ]);
}

/// The token requests' secrets leave the URL (draft -02, 8.4.4: the body, JSON): a provider
/// that takes the body gets nothing in the query; one that reads only the query refuses the
/// body (400 invalid_request), gets the query, and that choice is remembered per provider, for
/// a grant made before it existed too.
#[test]
fn token_requests_carry_their_secrets_in_the_body_unless_the_provider_wants_the_query() {
    let refresh_soon = |w: &World, address: &str| {
        edit_state(w, |s| {
            s["names"][NAME]["grant"]["access_expires_at"] = 0.into();
        });
        w.set_public_v4(address);
    };
    let token_targets = |w: &World| -> Vec<String> {
        (w.provider().log.iter())
            .filter(|l| matches!(l.route, Route::TokenCode | Route::TokenRefresh))
            .map(|l| l.target.clone())
            .collect()
    };
    let form = |w: &World| w.state_json()["names"][NAME]["setup"]["provider"]["token_form"].clone();

    let body = support::published("sec-body");
    refresh_soon(&body, "81.2.69.150");
    let u = body.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        token_targets(&body),
        ["POST /v2/oauth/access_token", "POST /v2/oauth/access_token"]
    );
    assert_eq!(form(&body), "body");
    body.expect_all(&[
        (Route::Echo, 1),
        (Route::TokenRefresh, 1),
        (Route::Apply, 1),
    ]);

    let query = world("sec-query");
    query.provider().query_only = true;
    assert_eq!(query.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(form(&query), "query");
    refresh_soon(&query, "81.2.69.150");
    assert_eq!(query.run(&["update"]).code, Some(0));
    // A grant stored before the form was remembered: the body first, then the query.
    edit_state(&query, |s| {
        (s["names"][NAME]["setup"]["provider"]
            .as_object_mut()
            .unwrap())
        .remove("token_form");
    });
    refresh_soon(&query, "81.2.69.151");
    assert_eq!(query.run(&["update"]).code, Some(0));
    assert_eq!(form(&query), "query");
    let targets = token_targets(&query);
    assert_eq!(targets.len(), 5, "{targets:?}");
    for (i, target) in targets.iter().enumerate() {
        let in_body = target == "POST /v2/oauth/access_token";
        // The code: body (refused), query; a refresh: query; the old grant's: body, query.
        assert_eq!(in_body, i == 0 || i == 3, "{targets:?}");
    }
    query.expect_all(&SETUP);
    query.expect_all(&[
        (Route::TokenCode, 1),
        (Route::Echo, 2),
        (Route::TokenRefresh, 3),
        (Route::Apply, 2),
    ]);
}

/// Draft -02, 11.1: a provider known to run the templates keeps its token endpoint; settings
/// that name it but point elsewhere (a spoofed `_domainconnect` record) are refused at once.
#[test]
fn a_known_provider_whose_settings_point_elsewhere_is_refused() {
    let w = world("sec-pinned");
    w.provider().id = "IONOS".into();
    for args in [&["--begin"][..], &[]] {
        let mut command = vec!["setup", NAME, "--ipv4"];
        command.extend_from_slice(args);
        let r = w.run(&command);
        assert_eq!(r.code, Some(4), "{r:?}");
        assert_eq!(
            r.stderr,
            format!(
                "ddns: the Domain Connect settings for example.com name the provider 'IONOS' but \
                 give https://api.provider.test:{} as its urlAPI, not \
                 https://api.domainconnect.ionos.com or https://api.domainconnect.1and1.com, so \
                 no token is sent there: check the _domainconnect record of example.com\n",
                w.fake.port
            )
        );
        assert!(!w.state.exists());
    }
    w.budget(Route::Settings, 2);
}

/// `setup --code -` reads the code (or the address) from stdin: a command line is readable by
/// every local user in /proc, and stays in the shell's history.
#[test]
fn the_code_can_come_from_stdin() {
    let w = world("sec-stdin");
    let b = w.run(&["setup", NAME, "--begin", "--json", "--ipv4"]);
    let doc: serde_json::Value = serde_json::from_str(&b.stdout).unwrap();
    let redirect = w.browse(doc["url"].as_str().unwrap());
    let r = w.run_with_input(&["setup", NAME, "--code", "-"], &format!("{redirect}\n"));
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout
            .starts_with("home.example.com is set up with Fake DNS"),
        "{r:?}"
    );
    let r = w.run_with_input(&["setup", NAME, "--code", "-"], "");
    assert_eq!(r.code, Some(2), "{r:?}");
    w.expect_all(&SETUP);
}

/// Issue 22, item 10: with a consent waiting, a pasted address (or query) without its `state`
/// cannot be matched to it and is refused, before any request; a bare code still works (PKCE
/// ties it to the consent).
#[test]
fn a_waiting_consent_refuses_an_address_without_its_state() {
    let w = world("sec-state");
    let b = w.run(&["setup", NAME, "--begin", "--json", "--ipv4"]);
    let doc: serde_json::Value = serde_json::from_str(&b.stdout).unwrap();
    let url = doc["url"].as_str().unwrap().to_string();
    let redirect = w.browse(&url);
    let code = query_of(&redirect)["code"].clone();
    let before = w.state_file();
    for stateless in [
        format!("https://dynamicdns.domainconnect.org/ddnscode?code={code}"),
        format!("code={code}"),
    ] {
        let r = w.run(&["setup", NAME, "--code", &stateless]);
        assert_eq!(r.code, Some(2), "{r:?}");
        assert_eq!(
            r.stderr,
            "ddns: the pasted address has no state, so it cannot be matched to this setup \
             attempt: paste the whole address the consent page ended on, or just the code it \
             shows\n"
        );
        assert_eq!(w.state_file(), before);
    }
    let r = w.run(&["setup", NAME, "--code", &code]);
    assert_eq!(r.code, Some(0), "{r:?}");
    w.expect_all(&SETUP);
}

/// `SSL_CERT_FILE`, when set, is the whole trust store: it replaces the built-in roots instead
/// of adding to them, so an administrator can drop a root. A file with no certificate in it
/// would trust nothing: refused at once, in one sentence.
#[test]
fn ssl_cert_file_replaces_the_built_in_roots() {
    let w = world("sec-roots");
    let empty = w.dir.join("no-certificates.pem");
    std::fs::write(&empty, "# none here\n").unwrap();
    let r = w.run_env(
        &["setup", NAME, "--begin"],
        &[("SSL_CERT_FILE", empty.to_str().unwrap())],
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "ddns: SSL_CERT_FILE {} holds no usable CA certificate, and it replaces the \
             built-in ones: point it at a PEM file of CA certificates, or unset it\n",
            empty.display()
        )
    );
    assert!(!w.state.exists());
}

/// An executable script at `path` that creates `marker` when it runs.
fn marking_program(path: &std::path::Path, marker: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n: > '{}'\n", marker.display())).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Issue 22, item 6: the router page writes the `on_change` UCI option, which the hook and the
/// cron line pass on, so any executable could run as root at every change (`/sbin/reboot`),
/// and an invalid one stopped every update with exit 2. With `DDNS_ON_CHANGE_DIRS` (set by
/// those wrappers) only a program inside the directories runs, and anything else is a warning
/// while the update goes on.
#[test]
fn an_on_change_program_outside_the_allowed_directories_never_runs() {
    let w = support::published("sec-onchange");
    let allowed = w.dir.join("etc-ddns");
    std::fs::create_dir_all(&allowed).unwrap();
    let dirs = format!("{}:/usr/share/ddns-dc", allowed.display());
    let env = [("DDNS_ON_CHANGE_DIRS", dirs.as_str())];
    let ran = w.dir.join("ran");
    let outside = w.dir.join("elsewhere/reboot");
    marking_program(&outside, &ran);
    let missing = allowed.join("missing");
    for (i, program) in [&outside, &missing].into_iter().enumerate() {
        w.set_public_v4(&format!("81.2.69.{}", 150 + i));
        let u = w.run_env(&["update", "--on-change", program.to_str().unwrap()], &env);
        assert_eq!(u.code, Some(0), "{u:?}");
        assert!(u.stdout.contains(" A updated "), "{u:?}");
        assert_eq!(u.stderr.lines().count(), 1, "{u:?}");
        assert!(
            u.stderr.starts_with(&format!(
                "ddns: the on-change program {}",
                program.display()
            )) && u.stderr.ends_with("until then updates run without it\n"),
            "{u:?}"
        );
        assert!(!ran.exists(), "{} ran", program.display());
    }
    // The same program inside the allowed directory runs.
    let inside = allowed.join("on-change");
    marking_program(&inside, &ran);
    w.set_public_v4("81.2.69.160");
    let u = w.run_env(&["update", "--on-change", inside.to_str().unwrap()], &env);
    assert_eq!((u.code, u.stderr.as_str()), (Some(0), ""), "{u:?}");
    assert!(ran.exists());
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 3)]);
}
