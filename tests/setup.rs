//! `ddns setup` end to end against the fake provider: discovery, the consent URL, the code
//! pasted or given with `--code`, both families, the legacy template, providers that cannot do
//! dynamic DNS, refused and reused codes, untrusted TLS, several names each with its grant.
//! Each failure with its exact exit status and message; no secret in any output.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::Route;
use support::{NAME, SETUP, world};

#[test]
fn setup_with_pasted_redirect_url_then_update_and_check() {
    let w = world("happy");
    let setup = w.setup(&["--ipv4"]);
    assert_eq!(setup.code, Some(0), "{setup:?}");
    assert!(setup.stdout.starts_with(&format!("https://ux.provider.test:{}/v2/domainTemplates/providers/domainconnect.org?IPv4=0.0.0.0&IPv6=%3A%3A&client_id=domainconnect.org&code_challenge=", w.fake.port)), "{setup:?}");
    // (The PKCE challenge is random: tests/security.rs checks it against the verifier.)
    assert!(setup.stdout.contains("&code_challenge_method=S256&domain=example.com&host=home&redirect_uri=https%3A%2F%2Fdynamicdns.domainconnect.org%2Fddnscode&scope=dynamicdns-v2&state="), "{setup:?}");
    assert!(setup.stdout.ends_with("home.example.com is set up with Fake DNS (dynamicdns-v2, A record); run `ddns update` to publish the address\n"), "{setup:?}");
    assert!(setup.stderr.contains("Open this address in a browser"));
    let up = w.run(&["update"]);
    assert_eq!(
        (up.code, up.stdout.as_str(), up.stderr.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 published\n", "")
    );
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.142".parse::<std::net::IpAddr>().unwrap()]
    );
    let check = w.run(&["check"]);
    assert_eq!(check.code, Some(0), "{check:?}");
    assert!(check.stdout.starts_with("home.example.com: in sync\n  A    published 81.2.69.142, public 81.2.69.142 (from https://echo.provider.test:"), "{check:?}");
    // Discovery happened once, at setup; update and check asked the echo once each, and only
    // the update applied (no token refresh: the access token is fresh).
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
    w.assert_strict();
    w.assert_no_secrets_in(&[&setup, &up, &check]);
    let applies = w.provider().applies.clone();
    assert_eq!(applies[0].get("groupId").map(String::as_str), Some("IPv4"));
    assert_eq!(applies[0].get("host").map(String::as_str), Some("home"));
}

#[test]
fn setup_with_code_flag_and_both_families() {
    let w = world("code");
    let code = w.consent_code("home");
    let s = w.run(&[
        "setup",
        "Home.Example.com.",
        "--code",
        &code,
        "--ipv4",
        "--ipv6",
    ]);
    assert_eq!(s.code, Some(0), "{s:?}");
    assert_eq!(
        s.stdout,
        "home.example.com is set up with Fake DNS (dynamicdns-v2, A and AAAA records); run `ddns update` to publish the address\n"
    );
    w.require_ipv6();
    let u = w.run(&["update"]);
    assert_eq!(
        u.stdout, "home.example.com A 81.2.69.142 published, AAAA 2a02:898:0:20::1 published\n",
        "{u:?}"
    );
    let applies = w.provider().applies.clone();
    assert_eq!(applies.len(), 1, "both families in one call");
    assert_eq!(
        applies[0].get("groupId").map(String::as_str),
        Some("IPv4,IPv6")
    );
    w.assert_no_secrets_in(&[&s, &u]);
    // The browser's consent, then `setup --code`; the update asks the echo once per family.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
    w.assert_strict();
}

#[test]
fn setup_code_is_refused_when_reused_and_nothing_is_stored() {
    let w = world("badcode");
    let s = w.run(&["setup", NAME, "--code", "code-unknown", "--ipv4"]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert_eq!(
        s.stderr,
        "ddns: the provider did not accept the code (invalid_grant: unknown code): it may be mistyped, used already or expired; run setup again and paste the new code\n"
    );
    assert!(!w.state.exists(), "a failed setup writes no state");
    // Discovery, then the refused code exchange.
    w.budgets(&[
        (Route::Settings, 1),
        (Route::Template, 1),
        (Route::TokenCode, 1),
    ]);
}

#[test]
fn setup_reports_denied_consent_and_foreign_state() {
    let w = world("denied");
    let denied = "https://dynamicdns.domainconnect.org/ddnscode?error=access_denied&error_description=The+user+declined";
    let s = w.run_with_input(&["setup", NAME, "--ipv4"], &format!("{denied}\n"));
    assert_eq!(s.code, Some(4), "{s:?}");
    assert!(s.stderr.ends_with("ddns: the provider did not grant access (access_denied: The user declined): run setup again and approve the request\n"), "{s:?}");
    let foreign = "https://dynamicdns.domainconnect.org/ddnscode?code=x&state=not-ours";
    let s = w.run_with_input(&["setup", NAME, "--ipv4"], &format!("{foreign}\n"));
    assert_eq!(s.code, Some(2), "{s:?}");
    assert!(
        s.stderr.contains("belongs to a different setup attempt"),
        "{s:?}"
    );
    let s = w.run_with_input(&["setup", NAME, "--ipv4"], "");
    assert_eq!(s.code, Some(2), "{s:?}");
    assert!(s.stderr.ends_with("ddns: no code was given on standard input: run setup again and paste the code, or pass it with --code\n"), "{s:?}");
    assert!(!w.state.exists());
    // Each of the three runs discovered the provider; none exchanged a code.
    w.budgets(&[(Route::Settings, 3), (Route::Template, 3)]);
}

#[test]
fn setup_explains_providers_that_cannot_do_ddns() {
    let w = world("nodc");
    w.zones().apexes.push("plain.test".into());
    let s = w.run(&["setup", "home.plain.test", "--ipv4"]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert_eq!(
        s.stderr,
        "ddns: plain.test has no _domainconnect TXT record, so its DNS provider does not support Domain Connect (or plain.test is not the zone: give it with --zone)\n"
    );

    w.provider().async_ux = false;
    let s = w.run(&["setup", NAME, "--ipv4"]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert_eq!(
        s.stderr,
        "ddns: Fake DNS offers no OAuth (asynchronous) Domain Connect flow for example.com, so dynamic DNS cannot work there\n"
    );

    w.provider().async_ux = true;
    w.provider().templates.clear();
    let s = w.run(&["setup", NAME, "--ipv4"]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert!(
        s.stderr
            .contains("has not onboarded the dynamic DNS templates"),
        "{s:?}"
    );
    assert!(!w.state.exists());
    // The zone without a _domainconnect record reaches no provider; the other two runs read
    // the settings, and the template checks come to two.
    w.budgets(&[(Route::Settings, 2), (Route::Template, 2)]);
}

#[test]
fn legacy_template_only_provider_gets_ip_parameter() {
    let w = world("v1");
    w.provider().templates = ["dynamicdns".to_string()].into();
    let s = w.run(&["setup", NAME, "--ipv6"]);
    assert_eq!(s.code, Some(4), "{s:?}");
    assert!(
        s.stderr.contains("only the legacy dynamicdns template"),
        "{s:?}"
    );
    let s = w.setup(&[]);
    assert_eq!(s.code, Some(0), "{s:?}");
    assert!(
        s.stdout.contains("scope=dynamicdns&") && s.stdout.contains("?IP=0.0.0.0&"),
        "{s:?}"
    );
    assert!(s.stdout.contains("(dynamicdns, A record)"), "{s:?}");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    let applies = w.provider().applies.clone();
    assert_eq!(
        applies[0].get("IP").map(String::as_str),
        Some("81.2.69.142")
    );
    assert!(!applies[0].contains_key("groupId"));
    // Both setups asked for dynamicdns-v2 (not there) and then dynamicdns; the first stopped
    // there (no IPv6 in the legacy template).
    w.budgets(&[(Route::Settings, 2), (Route::Template, 4)]);
    w.expect_all(&[
        (Route::Consent, 1),
        (Route::TokenCode, 1),
        (Route::Echo, 1),
        (Route::Apply, 1),
    ]);
    w.assert_strict();
}

#[test]
fn untrusted_certificate_is_refused() {
    let w = world("tls");
    let out = w
        .command(&["setup", NAME, "--ipv4", "--code", "x"])
        .env_remove("SSL_CERT_FILE")
        .output()
        .unwrap();
    let r: support::Run = out.into();
    assert_eq!(r.code, Some(4), "{r:?}");
    assert!(
        r.stderr.starts_with(&format!(
            "ddns: the TLS certificate of dc.provider.test:{} is not trusted (",
            w.fake.port
        )),
        "{r:?}"
    );
    assert_eq!(w.count(Route::Settings), 0);
}

#[test]
fn several_names_each_with_its_own_grant() {
    let w = world("multi");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let code = w.consent_code("www");
    let s = w.run(&["setup", "www.example.com", "--ipv4", "--code", &code]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let state = w.state_json();
    let grant = |n: &str| {
        state["names"][n]["grant"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(grant(NAME), grant("www.example.com"));
    let u = w.run(&["update"]);
    assert_eq!(
        u.stdout,
        "home.example.com A 81.2.69.142 published\nwww.example.com A 81.2.69.142 published\n",
        "{u:?}"
    );
    w.set_public_v4("81.2.69.170");
    let one = w.run(&["update", "www.example.com"]);
    assert_eq!(
        one.stdout, "www.example.com A updated 81.2.69.142 -> 81.2.69.170\n",
        "{one:?}"
    );
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(1), "home is now behind: {c:?}");
    assert!(
        c.stdout
            .contains("home.example.com: update due: the public address changed"),
        "{c:?}"
    );
    assert!(c.stdout.contains("www.example.com: in sync"), "{c:?}");
    let r = w.run(&["remove", "www.example.com"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(w.state_json()["names"].as_object().unwrap().len(), 1);
    w.assert_no_secrets_in(&[&u, &one, &c, &s]);
    // Two setups; the first update detects once for both names and applies each, the second
    // updates www only, and check detects once.
    w.expect_all(&SETUP);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 3)]);
}
