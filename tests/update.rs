//! `ddns update` end to end against the fake provider: what it sends and when (a change, the
//! weekly keep-alive, `--force`, `--ip`, `--ip-hint`, a record changed behind its back at the
//! zone's servers), token refresh and rotation, and each provider failure with its exact exit
//! status and message. A run with nothing to save leaves the state file as it was (same inode,
//! size and bytes); no secret in any output.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::time::Instant;
use support::provider::{Canned, Route};
use support::timing::{HTTP_CALL, beyond, within};
use support::{NAME, SETUP, World, published, world};

#[test]
fn noop_update_writes_nothing_and_applies_nothing() {
    let w = published("noop");
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 unchanged\n")
    );
    assert_eq!(w.state_file(), before, "nothing written");
    // The no-op run asked the echo, and nothing else: no apply, no token refresh.
    w.expect(Route::Echo, 1);
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
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
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
    // The update refreshed the token first, then applied once.
    w.expect_all(&SETUP);
    w.expect_all(&[
        (Route::Echo, 1),
        (Route::TokenRefresh, 1),
        (Route::Apply, 1),
    ]);
    let new_rt = w.state_json()["names"][NAME]["grant"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(old_rt, new_rt, "the rotated refresh token is stored");
    assert!(w.provider().refresh.contains(&new_rt));
    w.assert_no_secrets_in(&[&u]);
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
    // The apply was refused (401), the token refreshed once, the apply sent again.
    w.expect_all(&[
        (Route::Echo, 1),
        (Route::Apply, 2),
        (Route::TokenRefresh, 1),
    ]);
    w.assert_no_secrets_in(&[&u]);
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
    let again = w.state_file();
    assert_eq!(w.run(&["update"]).code, Some(5));
    assert_eq!(w.state_file(), again);
    // setup replaces the grant, and the mark with it.
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert!(w.state_json()["names"][NAME].get("grant_lost_at").is_none());
    assert_eq!(w.run(&["update"]).code, Some(0));
    w.assert_no_secrets_in(&[&u, &c]);
    // Each failing update: the echo, an apply refused (401), a refresh refused; the check
    // asked only the echo; then a new setup and an update that publishes.
    w.expect_all(&[
        (Route::Echo, 2),
        (Route::Apply, 2),
        (Route::TokenRefresh, 2),
    ]);
    w.expect(Route::Echo, 1);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn conflict_409_is_reported_with_records_and_force_overwrites() {
    let w = published("409");
    w.set_public_v4("81.2.69.203");
    w.provider().can(Route::Apply, Canned::new(409, r#"{"code":"CONFLICT","message":"Conflicting records","records":[{"type":"CNAME","host":"home","data":"elsewhere.example.net"}]}"#));
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider refused the update because other records conflict (Conflicting records; conflicting records: CNAME home elsewhere.example.net): remove them at the provider, or run `ddns update --force` to let the template overwrite them\n"
    );
    assert_eq!(w.state_file(), before);
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
    // The refused update and the forced one each detected and applied.
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
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
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn server_error_leaves_state_and_exits_3() {
    let w = published("5xx");
    w.set_public_v4("81.2.69.204");
    w.provider()
        .can(Route::Apply, Canned::new(503, "Service Unavailable"));
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider could not complete the update (HTTP 503: Service Unavailable): try again later\n"
    );
    // Only the back-off is stored (docs/reliability.md): the next runs wait for it to end.
    let was: serde_json::Value = serde_json::from_slice(&before.bytes).unwrap();
    assert_eq!(w.state_json_but_backoff(NAME), was);
    let held = w.run(&["update"]);
    assert_eq!(held.code, Some(3), "{held:?}");
    assert!(
        held.stderr
            .contains("the update was not sent: the last try failed"),
        "{held:?}"
    );
    // Once it has, the next run publishes.
    w.end_backoff(NAME);
    let again = w.run(&["update"]);
    assert_eq!(again.code, Some(0), "{again:?}");
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 2)]);
}

#[test]
fn hanging_provider_times_out_leaves_state_and_exits_3() {
    let w = published("timeout");
    w.set_public_v4("81.2.69.205");
    w.provider()
        .can(Route::Apply, Canned::late(200, "", beyond(HTTP_CALL)));
    let before = w.state_file();
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
        took < within(HTTP_CALL),
        "the client gave up on its own ({took:?})"
    );
    // The request may have reached the provider: a back-off, nothing else.
    let was: serde_json::Value = serde_json::from_slice(&before.bytes).unwrap();
    assert_eq!(w.state_json_but_backoff(NAME), was);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

/// Regression: "could not confirm the update" was said also when nothing had been sent.
#[test]
fn an_update_that_could_not_be_sent_says_so() {
    let w = published("notsent");
    w.set_public_v4("81.2.69.206");
    w.zones().addresses.remove(support::provider::API_HOST);
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stderr.as_str()),
        (
            Some(3),
            "ddns: home.example.com: the update was not sent: api.provider.test has no address in DNS\n"
        ),
        "{u:?}"
    );
    assert_eq!(w.state_file(), before);
    // It detected the address; no apply reached the provider.
    w.expect(Route::Echo, 1);
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
        w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    }
}

#[test]
fn private_address_is_refused_naming_the_source() {
    let w = published("private");
    w.set_public_v4("192.168.1.7");
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(
        u.stderr,
        format!(
            "ddns: home.example.com: the IP source {} says the public address is 192.168.1.7, which is a private address (192.168.0.0/16); it was not published\n",
            w.echo_shown()
        )
    );
    assert_eq!(
        u.stdout, "home.example.com A 81.2.69.142 unchanged\n",
        "the last published value is kept"
    );
    assert_eq!(w.count(Route::Apply), 1, "nothing applied");
    assert_eq!(w.state_file(), before);
    let given = w.run(&["update", "--ip", "100.64.1.1"]);
    assert_eq!(given.code, Some(4), "{given:?}");
    assert!(
        given.stderr.starts_with(
            "ddns: --ip says the public address is 100.64.1.1, which is a carrier-grade NAT address"
        ),
        "{given:?}"
    );
    // The refused detection asked the echo; the refused --ip asked nothing.
    w.expect(Route::Echo, 1);
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
    // Only the first update asked the echo; this one applied what it was given.
    w.expect(Route::Apply, 1);
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
    // The public hint was applied without detection; each of the five other runs detected,
    // and the first of them applied the detected address.
    w.expect_all(&[(Route::Apply, 2), (Route::Echo, 5)]);
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
    // Every run detected; one applied the change.
    w.expect_all(&[(Route::Echo, 8), (Route::Apply, 1)]);
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.230"
    );
}

#[test]
fn updates_keep_working_without_rediscovery() {
    let w = published("nodisc");
    w.zones().txt.clear();
    w.set_public_v4("81.2.69.250");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    // No new discovery (Settings stays at setup's one).
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
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
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

/// The real clock trouble: the process's clock at 1970 (a router before NTP), through
/// libfaketime.
#[test]
#[ignore = "needs faketime"]
fn clock_at_1970_says_the_clock_looks_wrong_and_writes_nothing() {
    support::require(
        std::path::Path::new("/usr/bin/faketime").exists(),
        "/usr/bin/faketime (apt-get install faketime)",
    );
    let mut w = published("clock");
    w.set_public_v4("81.2.69.171");
    let before = w.state_file();
    let bin = w.bin.to_str().unwrap().to_string();
    w.wrapper = vec!["faketime".into(), "1970-01-02 00:00:00".into(), bin];
    let r = w.run_env(&["update"], &[("FAKETIME_DONT_FAKE_MONOTONIC", "1")]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.contains("is not valid at this machine's time: if the clock is wrong (a router before NTP sync), set it and try again"), "{r:?}");
    assert_eq!(w.state_file(), before);
    // The echo's certificate was refused before any request: the run reached no route.
}

/// Make the last apply of `name` look `secs` older than it is.
fn age_last_apply(w: &World, name: &str, secs: u64) {
    let mut state = w.state_json();
    let at = state["names"][name]["last_applied"].as_u64().unwrap();
    state["names"][name]["last_applied"] = (at - secs).into();
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

/// A published world whose zone's authoritative server answers on port 53 (needs root).
fn published_with_authority(tag: &str) -> World {
    support::require_root("the zone's authoritative server listens on port 53");
    let w = published(tag);
    let ns = w
        .authoritative
        .expect("as root, the fake answers on port 53");
    assert_eq!(
        w.state_json()["names"][NAME]["setup"]["nameservers"],
        serde_json::json!([ns.to_string()]),
        "setup stores the zone's servers"
    );
    w
}

#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn a_record_changed_behind_our_back_is_put_back() {
    let w = published_with_authority("drift");
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
    // Two checks and two updates detected; each update put the record back.
    w.expect_all(&[(Route::Echo, 4), (Route::Apply, 2)]);
}

#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn a_fresh_apply_is_not_repeated_for_a_stale_answer() {
    let w = published_with_authority("settle");
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
    // The update and the check detected; nothing was applied again.
    w.expect(Route::Echo, 2);
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
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str(), u.stderr.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 unchanged\n", "")
    );
    assert_eq!(w.state_file(), before, "nothing written");
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
    // The update and both checks detected; nothing was re-sent.
    w.expect(Route::Echo, 3);
}

/// A name set up by release 0.1.0 has no stored servers: the first update that asks learns
/// and saves them (one write), and every no-op run after costs one more UDP exchange per
/// family and writes nothing.
#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn names_set_up_before_learn_their_zone_servers_once() {
    let w = published_with_authority("learn");
    let mut state = w.state_json();
    let removed = state["names"][NAME]["setup"]
        .as_object_mut()
        .unwrap()
        .remove("nameservers");
    assert!(
        removed.is_some(),
        "the servers are stored at setup: {state}"
    );
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    age_last_apply(&w, NAME, 3600);
    let u = w.run(&["update"]);
    assert_eq!(u.stdout, "home.example.com A 81.2.69.142 unchanged\n");
    assert_eq!(
        w.state_json()["names"][NAME]["setup"]["nameservers"],
        serde_json::json!([w.authoritative.unwrap().to_string()])
    );
    let before = w.state_file();
    let queries = w.zones().queries.len();
    let u = w.run(&["update"]);
    assert_eq!(u.stdout, "home.example.com A 81.2.69.142 unchanged\n");
    assert_eq!(w.state_file(), before, "a no-op run writes nothing");
    let asked: Vec<_> = w.zones().queries[queries..].to_vec();
    assert_eq!(
        asked.iter().filter(|q| q.0 == NAME).count(),
        1,
        "one authoritative question for the A record: {asked:?}"
    );
    // Two no-op updates: the echo each, nothing applied.
    w.expect(Route::Echo, 2);
}
