//! The real binary against the fake provider, end to end: setup, update, check, remove, and the
//! failure cases, each with its exact exit status and message, checking that no secret leaks
//! and that the state file is left as it was whenever a run had nothing to save.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use support::provider::{Canned, Route};
use support::{NAME, World, published, world};

fn check_secrets(w: &World, runs: &[&support::Run]) {
    for r in runs {
        w.assert_no_secrets(&format!("{}{}", r.stdout, r.stderr));
    }
}

#[test]
fn setup_with_pasted_redirect_url_then_update_and_check() {
    let w = world("happy");
    let setup = w.setup(&["--ipv4"]);
    assert_eq!(setup.code, Some(0), "{setup:?}");
    assert!(setup.stdout.starts_with(&format!("https://ux.provider.test:{}/v2/domainTemplates/providers/domainconnect.org?IPv4=0.0.0.0&IPv6=%3A%3A&client_id=domainconnect.org&domain=example.com&host=home&redirect_uri=https%3A%2F%2Fdynamicdns.domainconnect.org%2Fddnscode&scope=dynamicdns-v2&state=", w.fake.port)), "{setup:?}");
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
    // Discovery happened once, at setup; update and check asked the echo once each.
    assert_eq!(
        (
            w.count(Route::Settings),
            w.count(Route::Template),
            w.count(Route::Consent),
            w.count(Route::TokenCode)
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (
            w.count(Route::Apply),
            w.count(Route::Echo),
            w.count(Route::TokenRefresh)
        ),
        (1, 2, 0)
    );
    w.assert_strict();
    check_secrets(&w, &[&setup, &up, &check]);
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
    if !w.fake.ipv6 {
        support::skip("the IPv6 half: no ::1 on this machine");
        return;
    }
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
    check_secrets(&w, &[&s, &u]);
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
    w.assert_strict();
}

#[test]
fn noop_update_writes_nothing_and_applies_nothing() {
    let w = published("noop");
    let before = w.state_bytes();
    let mtime = std::fs::metadata(&w.state).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 unchanged\n")
    );
    assert_eq!(w.state_bytes(), before);
    assert_eq!(
        std::fs::metadata(&w.state).unwrap().modified().unwrap(),
        mtime
    );
    w.budget(Route::Apply, 1);
    w.budget(Route::TokenRefresh, 0);
    w.budget(Route::Echo, 2);
    let leftovers: Vec<_> = std::fs::read_dir(w.state.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only state.json and its lock: {leftovers:?}"
    );
}

#[test]
fn changed_address_is_published() {
    let w = published("changed");
    w.set_public_v4("81.2.69.200");
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.200\n"
        )
    );
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.200".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.200"
    );
    assert_eq!(w.count(Route::Apply), 2);
}

#[test]
fn expiring_access_token_is_refreshed_and_rotated_refresh_token_saved() {
    let w = world("refresh");
    w.provider().access_ttl = 30; // inside the one-minute margin
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let old_rt = w.state_json()["names"][NAME]["grant"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        (w.count(Route::TokenRefresh), w.count(Route::Apply)),
        (1, 1)
    );
    let new_rt = w.state_json()["names"][NAME]["grant"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(old_rt, new_rt, "the rotated refresh token is stored");
    assert!(w.provider().refresh.contains(&new_rt));
    check_secrets(&w, &[&u]);
}

#[test]
fn unauthorized_apply_refreshes_once_and_retries() {
    let w = published("401");
    w.provider().expire_access_tokens();
    w.set_public_v4("81.2.69.201");
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.201\n"
        ),
        "{u:?}"
    );
    assert_eq!(
        (w.count(Route::Apply), w.count(Route::TokenRefresh)),
        (3, 1)
    );
    check_secrets(&w, &[&u]);
}

#[test]
fn lost_grant_says_run_setup_and_keeps_state() {
    let w = published("lost");
    w.provider().revoke_all();
    w.set_public_v4("81.2.69.202");
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(5), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider no longer accepts this name's grant (invalid_grant: refresh token unknown or expired): run `ddns setup` for it again\n"
    );
    // Only the mark that the grant is gone was added: the tokens and addresses are as they
    // were, and check (and the router's page) can tell without asking the provider.
    let mut after = w.state_json();
    assert!(after["names"][NAME]["grant_lost_at"].as_u64().is_some());
    after["names"][NAME]
        .as_object_mut()
        .unwrap()
        .remove("grant_lost_at");
    let mut was: serde_json::Value = serde_json::from_slice(&before).unwrap();
    after["version"] = 0.into();
    was["version"] = 0.into();
    assert_eq!(after, was);
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(5), "{c:?}");
    assert!(
        c.stdout.starts_with(
            "home.example.com: grant lost: the provider stopped accepting this name's grant "
        ),
        "{c:?}"
    );
    // A second failing run writes nothing more.
    let again = w.state_bytes();
    assert_eq!(w.run(&["update"]).code, Some(5));
    assert_eq!(w.state_bytes(), again);
    // setup replaces the grant, and the mark with it.
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert!(w.state_json()["names"][NAME].get("grant_lost_at").is_none());
    assert_eq!(w.run(&["update"]).code, Some(0));
    check_secrets(&w, &[&u, &c]);
}

#[test]
fn conflict_409_is_reported_with_records_and_force_overwrites() {
    let w = published("409");
    w.set_public_v4("81.2.69.203");
    w.provider().can(Route::Apply, Canned::new(409, r#"{"code":"CONFLICT","message":"Conflicting records","records":[{"type":"CNAME","host":"home","data":"elsewhere.example.net"}]}"#));
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider refused the update because other records conflict (Conflicting records; conflicting records: CNAME home elsewhere.example.net): remove them at the provider, or run `ddns update --force` to let the template overwrite them\n"
    );
    assert_eq!(w.state_bytes(), before);
    let f = w.run(&["update", "--force"]);
    assert_eq!(
        (f.code, f.stdout.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.203\n"
        ),
        "{f:?}"
    );
    let applies = w.provider().applies.clone();
    assert_eq!(
        applies.last().unwrap().get("force").map(String::as_str),
        Some("1")
    );
}

#[test]
fn force_resends_an_unchanged_address() {
    let w = published("force");
    let f = w.run(&["update", "--force"]);
    assert_eq!(
        (f.code, f.stdout.as_str()),
        (
            Some(0),
            "home.example.com A 81.2.69.142 re-sent (--force)\n"
        )
    );
    assert_eq!(w.count(Route::Apply), 2);
}

#[test]
fn server_error_leaves_state_and_exits_3() {
    let w = published("5xx");
    w.set_public_v4("81.2.69.204");
    w.provider()
        .can(Route::Apply, Canned::new(503, "Service Unavailable"));
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider could not complete the update (HTTP 503: Service Unavailable): try again later\n"
    );
    assert_eq!(w.state_bytes(), before);
    // The next run publishes.
    let again = w.run(&["update"]);
    assert_eq!(again.code, Some(0), "{again:?}");
}

#[test]
fn hanging_provider_times_out_leaves_state_and_exits_3() {
    let w = published("timeout");
    w.set_public_v4("81.2.69.205");
    w.provider().can(Route::Apply, Canned::late(200, "", 25));
    let before = w.state_bytes();
    let started = Instant::now();
    let u = w.run(&["update"]);
    let took = started.elapsed();
    assert_eq!(u.code, Some(3), "{u:?}");
    assert!(
        u.stderr.starts_with(
            "ddns: home.example.com: could not confirm the update: api.provider.test:"
        ),
        "{u:?}"
    );
    assert!(
        u.stderr.contains("did not answer within 15 seconds"),
        "{u:?}"
    );
    assert!(
        took < Duration::from_secs(24),
        "the client gave up on its own ({took:?})"
    );
    assert_eq!(w.state_bytes(), before);
}

/// Regression: "could not confirm the update" was said also when nothing had been sent.
#[test]
fn an_update_that_could_not_be_sent_says_so() {
    let w = published("notsent");
    w.set_public_v4("81.2.69.206");
    w.zones().addresses.remove(support::provider::API_HOST);
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stderr.as_str()),
        (
            Some(3),
            "ddns: home.example.com: the update was not sent: api.provider.test has no address in DNS\n"
        ),
        "{u:?}"
    );
    assert_eq!(w.state_bytes(), before);
    w.budget(Route::Apply, 1);
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
}

#[test]
fn the_fake_provider_fails_a_test_on_a_request_it_did_not_expect() {
    let w = world("strict");
    let agent = w.test_agent();
    let url = format!(
        "https://{}:{}/nowhere",
        support::provider::API_HOST,
        w.fake.port
    );
    let reply = agent.get(&url).call().unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.assert_strict()));
    assert!(caught.is_err(), "an unexpected request must fail the test");
    w.provider().unexpected.clear();
    w.budget(Route::Echo, 1);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.assert_strict()));
    assert!(caught.is_err(), "a budget not met must fail the test");
    w.budget(Route::Echo, 0);
}

#[test]
fn empty_202_and_204_are_success() {
    let w = published("2xx");
    for (i, status) in [204u16, 202, 200].into_iter().enumerate() {
        let ip = format!("81.2.69.{}", 210 + i);
        w.set_public_v4(&ip);
        w.provider().can(
            Route::Apply,
            Canned::new(status, if status == 200 { "{}" } else { "" }),
        );
        let u = w.run(&["update"]);
        assert_eq!(u.code, Some(0), "{status}: {u:?}");
        assert_eq!(
            w.state_json()["names"][NAME]["published"]["ipv4"],
            ip.as_str()
        );
    }
}

#[test]
fn private_address_is_refused_naming_the_source() {
    let w = published("private");
    w.set_public_v4("192.168.1.7");
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(
        u.stderr,
        format!(
            "ddns: home.example.com: the IP source {} says the public address is 192.168.1.7, which is a private address (192.168.0.0/16); it was not published\n",
            w.echo_url()
        )
    );
    assert_eq!(
        u.stdout, "home.example.com A 81.2.69.142 unchanged\n",
        "the last published value is kept"
    );
    assert_eq!(w.count(Route::Apply), 1);
    assert_eq!(w.state_bytes(), before);
    let given = w.run(&["update", "--ip", "100.64.1.1"]);
    assert_eq!(given.code, Some(4), "{given:?}");
    assert!(
        given.stderr.starts_with(
            "ddns: --ip says the public address is 100.64.1.1, which is a carrier-grade NAT address"
        ),
        "{given:?}"
    );
}

#[test]
fn given_address_skips_detection() {
    let w = published("given");
    let u = w.run(&["update", "--ip", "81.2.69.220"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.220\n"
        )
    );
    assert_eq!(
        w.count(Route::Echo),
        1,
        "only the first update asked the echo"
    );
}

#[test]
fn a_publishable_hint_is_used_and_any_other_is_detected_instead() {
    let w = published("hint");
    w.set_public_v4("81.2.69.221");
    // A public hint is used as it is: no detection, no second opinion.
    let u = w.run(&[
        "update",
        "--ip-hint",
        "81.2.69.222",
        "--ip-hint",
        "2a02:898::1",
    ]);
    assert_eq!(
        (u.code, u.stdout.as_str(), u.stderr.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.222\n",
            ""
        )
    );
    // Regression: the WAN hook's own range test passed these to --ip, which refused them and
    // failed the whole run (exit 4). As hints they are noted and the address is detected.
    for hint in [
        "192.0.0.8",
        "198.18.0.1",
        "203.0.113.9",
        "240.0.0.1",
        "10.1.2.3",
    ] {
        let u = w.run(&["update", "--ip-hint", hint]);
        assert_eq!(u.code, Some(0), "{hint}: {u:?}");
        assert!(
            u.stderr.starts_with(&format!("--ip-hint {hint} is a")),
            "{hint}: {u:?}"
        );
        assert!(
            u.stderr
                .ends_with(", so the public IPv4 address is detected instead\n"),
            "{hint}: {u:?}"
        );
    }
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.221".parse::<std::net::IpAddr>().unwrap()]
    );
    let bad = w.run(&["update", "--ip-hint", "wan"]);
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (Some(2), "ddns: --ip-hint 'wan' is not an IP address\n")
    );
    w.budget(Route::Apply, 3);
}

#[test]
fn corrupt_state_is_left_untouched() {
    let w = world("corrupt");
    std::fs::create_dir_all(w.state.parent().unwrap()).unwrap();
    std::fs::write(&w.state, b"{\"version\":1,\"names\":{\"home.example.com\":").unwrap();
    let before = w.state_bytes();
    for args in [&["update"][..], &["check"], &["remove", NAME]] {
        let r = w.run(args);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(
            r.stderr.starts_with(&format!(
                "ddns: the state file {} is not valid (not JSON: ",
                w.state.display()
            )),
            "{r:?}"
        );
        assert!(r.stderr.ends_with("it was left untouched: restore it from a backup, or move it away and run `ddns setup` again\n"), "{r:?}");
    }
    let s = w.run(&["setup", NAME, "--code", "x", "--ipv4"]);
    assert_ne!(s.code, Some(0));
    assert_eq!(w.state_bytes(), before);
    std::fs::write(&w.state, br#"{"version":9,"names":{}}"#).unwrap();
    let r = w.run(&["update"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("has version 9, and this ddns reads versions up to 3"),
        "{r:?}"
    );
}

#[test]
fn concurrent_updates_apply_once() {
    let w = published("race");
    w.set_public_v4("81.2.69.230");
    let children: Vec<_> = (0..8)
        .map(|_| w.command(&["update"]).spawn().unwrap())
        .collect();
    let runs: Vec<support::Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    for r in &runs {
        assert_eq!(r.code, Some(0), "{r:?}");
    }
    let updated = runs
        .iter()
        .filter(|r| r.stdout.contains("updated 81.2.69.142 -> 81.2.69.230"))
        .count();
    assert_eq!(updated, 1, "{runs:?}");
    assert_eq!(
        w.count(Route::Apply),
        2,
        "one apply for setup's update, one for the change"
    );
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.230"
    );
}

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
    let before = w.state_bytes();
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
    assert_eq!(w.state_bytes(), before);
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
    check_secrets(&w, &[&r]);
}

#[test]
fn updates_keep_working_without_rediscovery() {
    let w = published("nodisc");
    w.zones().txt.clear();
    w.set_public_v4("81.2.69.250");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(w.count(Route::Settings), 1);
}

#[test]
fn keepalive_resends_after_a_week() {
    let w = published("keepalive");
    let mut state = w.state_json();
    let week_ago = state["names"][NAME]["last_applied"].as_u64().unwrap() - 8 * 24 * 3600;
    state["names"][NAME]["last_applied"] = week_ago.into();
    std::fs::write(&w.state, serde_json::to_vec(&state).unwrap()).unwrap();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (
            Some(0),
            "home.example.com A 81.2.69.142 re-sent (weekly keep-alive)\n"
        )
    );
    assert_eq!(w.count(Route::Apply), 2);
}

#[test]
fn state_file_is_private() {
    let mut w = world("modes");
    // Even under a permissive umask.
    let bin = w.bin.to_str().unwrap().to_string();
    w.wrapper = vec![
        "sh".into(),
        "-c".into(),
        "umask 000; exec \"$0\" \"$@\"".into(),
        bin,
    ];
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    let file = std::fs::metadata(&w.state).unwrap().permissions().mode() & 0o777;
    let dir = std::fs::metadata(w.state.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!((file, dir), (0o600, 0o700));
}

#[test]
fn remove_forgets_the_name() {
    let w = published("remove");
    let r = w.run(&["remove", NAME]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.starts_with("home.example.com removed:"), "{r:?}");
    assert!(w.state_json()["names"].as_object().unwrap().is_empty());
    let again = w.run(&["remove", NAME]);
    assert_eq!(again.code, Some(2));
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
fn bad_settings_get_one_sentence_and_exit_2() {
    let w = world("usage");
    for (args, env, expect) in [
        (
            &["update"][..],
            ("DDNS_RESOLVER", "dns.example"),
            "ddns: 'dns.example' is not a resolver address: use IP, IP:PORT or [IPv6]:PORT, comma-separated\n",
        ),
        (
            &["update"][..],
            ("DDNS_IP_SOURCES", "http://x.test"),
            "ddns: 'http://x.test' is not an IP source: use [ipv4:|ipv6:] followed by https://URL, dns:opendns|cloudflare|google[@IP[:PORT]] or interface:NAME, comma-separated\n",
        ),
        (
            &["setup", "bad name.example", "--code", "x"][..],
            ("X", ""),
            "ddns: 'bad name.example' is not a valid domain name: each dot-separated part must be 1 to 63 letters, digits, '-' or '_'\n",
        ),
        (
            &["setup", NAME, "--code", "x"][..],
            ("SSL_CERT_FILE", "/nonexistent.pem"),
            "ddns: could not read SSL_CERT_FILE /nonexistent.pem (No such file or directory (os error 2)): point it at a PEM file of CA certificates, or unset it\n",
        ),
        (
            &["frobnicate"][..],
            ("X", ""),
            "ddns: Unrecognized argument: frobnicate; see `ddns --help`\n",
        ),
    ] {
        let r: support::Run = w.command(args).env(env.0, env.1).output().unwrap().into();
        assert_eq!((r.code, r.stderr.as_str()), (Some(2), expect), "{args:?}");
    }
}

#[test]
fn syslog_gets_each_line_in_the_classic_form() {
    let w = world("syslog");
    let socket_path = w.dir.join("log.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket.set_nonblocking(true).unwrap();
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let sock = socket_path.to_str().unwrap();
    let u = w.run_env(&["--syslog", "update"], &[("DDNS_SYSLOG_SOCKET", sock)]);
    assert_eq!(u.code, Some(0), "{u:?}");
    w.provider().can(Route::Apply, Canned::new(500, "boom"));
    w.set_public_v4("81.2.69.143");
    let f = w.run_env(&["--syslog", "update"], &[("DDNS_SYSLOG_SOCKET", sock)]);
    assert_eq!(f.code, Some(3), "{f:?}");
    let mut lines = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = socket.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(lines.len(), 2, "{lines:?}");
    let program = w.bin.file_name().unwrap().to_string_lossy().into_owned();
    let shape = |line: &str, pri: &str, msg: &str| {
        let rest = line.strip_prefix(pri).unwrap_or_else(|| panic!("{line}"));
        // "Mmm dd hh:mm:ss " is 16 bytes, then "PROGRAM[PID]: ", the tag being the binary's
        // file name (`ddns`, `ddns-dc` on OpenWrt, `ddns-amd64` in dist/).
        assert_eq!(&rest[3..4], " ", "{line}");
        assert_eq!(&rest[15..16], " ", "{line}");
        let tagged = &rest[16..];
        assert!(
            tagged.starts_with(&format!("{program}[")) && tagged.contains("]: "),
            "{line}"
        );
        assert_eq!(tagged.split_once("]: ").unwrap().1, msg, "{line}");
    };
    shape(
        &lines[0],
        "<30>",
        "home.example.com A 81.2.69.142 published",
    );
    shape(
        &lines[1],
        "<27>",
        "home.example.com: the provider could not complete the update (HTTP 500: boom): try again later",
    );
    w.assert_no_secrets(&lines.join("\n"));

    // With --json the document is the caller's: syslog gets the same human lines, and a
    // read-only check logs nothing (the router page polls it).
    w.set_public_v4("81.2.69.144");
    let j = w.run_env(
        &["--syslog", "update", "--json"],
        &[("DDNS_SYSLOG_SOCKET", sock)],
    );
    assert_eq!(j.code, Some(0), "{j:?}");
    let c = w.run_env(
        &["--syslog", "check", "--json"],
        &[("DDNS_SYSLOG_SOCKET", sock)],
    );
    assert_eq!(c.code, Some(0), "{c:?}");
    let mut lines = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(lines.len(), 1, "{lines:?}");
    shape(
        &lines[0],
        "<30>",
        "home.example.com A updated 81.2.69.142 -> 81.2.69.144",
    );
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
    check_secrets(&w, &[&u, &one, &c, &s]);
}

/// The real clock trouble: the process's clock at 1970 (a router before NTP), through
/// libfaketime. Skipped with a reason when faketime is not installed.
#[test]
fn clock_at_1970_says_the_clock_looks_wrong_and_writes_nothing() {
    if !std::path::Path::new("/usr/bin/faketime").exists() {
        support::skip("no faketime (apt-get install faketime)");
        return;
    }
    let mut w = published("clock");
    w.set_public_v4("81.2.69.171");
    let before = w.state_bytes();
    let bin = w.bin.to_str().unwrap().to_string();
    w.wrapper = vec!["faketime".into(), "1970-01-02 00:00:00".into(), bin];
    let r = w.run_env(&["update"], &[("FAKETIME_DONT_FAKE_MONOTONIC", "1")]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.contains("is not valid at this machine's time: if the clock is wrong (a router before NTP sync), set it and try again"), "{r:?}");
    assert_eq!(w.state_bytes(), before);
}

/// Make the last apply of `name` look `secs` older than it is.
fn age_last_apply(w: &World, name: &str, secs: u64) {
    let mut state = w.state_json();
    let at = state["names"][name]["last_applied"].as_u64().unwrap();
    state["names"][name]["last_applied"] = (at - secs).into();
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

/// A published world whose zone's authoritative server answers on port 53 (needs root).
fn published_with_authority(tag: &str) -> Option<World> {
    let w = published(tag);
    let Some(ns) = w.authoritative else {
        support::skip("the zone's authoritative server must listen on port 53 (needs root)");
        return None;
    };
    assert_eq!(
        w.state_json()["names"][NAME]["setup"]["nameservers"],
        serde_json::json!([ns.to_string()]),
        "setup stores the zone's servers"
    );
    Some(w)
}

#[test]
fn a_record_changed_behind_our_back_is_put_back() {
    let Some(w) = published_with_authority("drift") else {
        return;
    };
    w.zones()
        .addresses
        .insert(NAME.into(), vec!["81.2.69.99".parse().unwrap()]);
    age_last_apply(&w, NAME, 3600);
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(1), "{c:?}");
    assert!(c.stdout.starts_with("home.example.com: update due: the zone's servers answer 81.2.69.99 for A, not the published 81.2.69.142\n"), "{c:?}");
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str(), u.stderr.as_str()),
        (
            Some(0),
            "home.example.com A 81.2.69.142 re-sent (DNS answered 81.2.69.99)\n",
            ""
        )
    );
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.142".parse::<std::net::IpAddr>().unwrap()]
    );
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    assert!(
        c.stdout.contains(", the zone's servers 81.2.69.142\n"),
        "{c:?}"
    );
    // A deleted record is put back too.
    w.zones().addresses.remove(NAME);
    age_last_apply(&w, NAME, 3600);
    let u = w.run(&["update"]);
    assert_eq!(
        u.stdout,
        "home.example.com A 81.2.69.142 re-sent (DNS answered no record)\n"
    );
    w.budget(Route::Apply, 3);
}

#[test]
fn a_fresh_apply_is_not_repeated_for_a_stale_answer() {
    let Some(w) = published_with_authority("settle") else {
        return;
    };
    w.zones()
        .addresses
        .insert(NAME.into(), vec!["81.2.69.99".parse().unwrap()]);
    let queries = w.zones().queries_for(NAME);
    let u = w.run(&["update"]);
    assert_eq!(u.stdout, "home.example.com A 81.2.69.142 unchanged\n");
    assert_eq!(
        w.zones().queries_for(NAME),
        queries,
        "within the settling time the zone's servers are not even asked"
    );
    // check agrees with update: nothing would be sent, so it is in sync, and it shows what the
    // zone's servers answer.
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    assert!(
        c.stdout.contains(", the zone's servers 81.2.69.99\n"),
        "{c:?}"
    );
    w.budget(Route::Apply, 1);
}

#[test]
fn unreachable_zone_servers_change_nothing() {
    let w = published("nsdown");
    // Nothing answers DNS on this address (and the zone's NS record names it too, so looking
    // the servers up again finds the same).
    let nowhere: std::net::IpAddr = "127.254.254.254".parse().unwrap();
    w.zones().nameserver = Some(nowhere);
    let mut state = w.state_json();
    state["names"][NAME]["setup"]["nameservers"] = serde_json::json!([nowhere.to_string()]);
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    age_last_apply(&w, NAME, 3600);
    let before = w.state_bytes();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str(), u.stderr.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 unchanged\n", "")
    );
    assert_eq!(w.state_bytes(), before, "nothing written");
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    assert!(
        c.stdout
            .contains(", the zone's servers could not be asked (127.254.254.254 did not answer ("),
        "{c:?}"
    );
    let j = w.run(&["check", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let v4 = &doc["names"][0]["families"]["ipv4"];
    assert_eq!(v4["authoritative"], serde_json::Value::Null);
    assert!(
        v4["authoritative_error"]
            .as_str()
            .unwrap()
            .starts_with("127.254.254.254 did not answer (")
    );
    w.budget(Route::Apply, 1);
}

/// A name set up by release 0.1.0 has no stored servers: the first update that asks learns
/// and saves them (one write), and every no-op run after costs one more UDP exchange per
/// family and writes nothing.
#[test]
fn names_set_up_before_learn_their_zone_servers_once() {
    let Some(w) = published_with_authority("learn") else {
        return;
    };
    let mut state = w.state_json();
    state["names"][NAME]
        .as_object_mut()
        .unwrap()
        .remove("nameservers");
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    age_last_apply(&w, NAME, 3600);
    let u = w.run(&["update"]);
    assert_eq!(u.stdout, "home.example.com A 81.2.69.142 unchanged\n");
    assert_eq!(
        w.state_json()["names"][NAME]["setup"]["nameservers"],
        serde_json::json!([w.authoritative.unwrap().to_string()])
    );
    let before = w.state_bytes();
    let queries = w.zones().queries.len();
    let u = w.run(&["update"]);
    assert_eq!(u.stdout, "home.example.com A 81.2.69.142 unchanged\n");
    assert_eq!(w.state_bytes(), before, "a no-op run writes nothing");
    let asked: Vec<_> = w.zones().queries[queries..].to_vec();
    assert_eq!(
        asked.iter().filter(|q| q.0 == NAME).count(),
        1,
        "one authoritative question for the A record: {asked:?}"
    );
    w.budget(Route::Apply, 1);
}
