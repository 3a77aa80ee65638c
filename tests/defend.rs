//! Defending the record: an apply is verified at the zone's name servers; a provider that
//! accepts and never publishes, and a second writer that keeps undoing ours, are each stopped
//! after a fixed number of tries; a `Retry-After` and a failing provider are waited out; the
//! last changes are kept. The fake provider publishes late, never, or lets a second writer
//! overwrite each apply, and answers 429 with `Retry-After`.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::PermissionsExt;
use support::provider::{Canned, Publish, Route};
use support::{NAME, World, published};

/// A published world whose zone's authoritative server answers on port 53 (needs root), with
/// verification after each apply within `verify` (`DDNS_VERIFY_TIMEOUT`).
fn verified_world(tag: &str) -> World {
    support::require_root("the zone's authoritative server listens on port 53");
    let w = published(tag);
    assert!(
        w.authoritative.is_some(),
        "as root, the fake answers on port 53"
    );
    w
}

/// `update` with verification within `secs` seconds.
fn update(w: &World, secs: u64, extra: &[&str]) -> support::Run {
    let mut args = vec!["update"];
    args.extend_from_slice(extra);
    w.run_env(&args, &[("DDNS_VERIFY_TIMEOUT", &format!("{secs}s"))])
}

/// Make every time the state file holds `secs` older: the last apply and the watch's times
/// (as if the runs so far had happened that much earlier).
fn shift_back(w: &World, secs: u64) {
    fn shift(v: &mut serde_json::Value, secs: u64, timed: bool) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let timed = matches!(
                        k.as_str(),
                        "last_applied" | "since" | "last_apply" | "undid" | "at" | "until"
                    );
                    shift(v, secs, timed);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    shift(item, secs, timed);
                }
            }
            serde_json::Value::Number(n) if timed => {
                *v = (n.as_u64().unwrap() - secs).into();
            }
            _ => {}
        }
    }
    let mut state = w.state_json();
    shift(&mut state["names"][NAME], secs, false);
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

fn check_json(w: &World) -> serde_json::Value {
    let c = w.run(&["check", "--json"]);
    serde_json::from_str(&c.stdout).unwrap()
}

#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn an_apply_is_verified_and_the_line_says_how_soon_it_was_seen() {
    let w = verified_world("verify");
    w.provider().publish = Publish::After(std::time::Duration::from_secs(2));
    w.set_public_v4("81.2.69.160");
    let before = w.zones().queries_for(NAME);
    let u = update(&w, 30, &[]);
    assert_eq!((u.code, u.stderr.as_str()), (Some(0), ""), "{u:?}");
    // Asked at once (not there yet), then 2 s later: seen.
    assert!(
        u.stdout.starts_with(
            "home.example.com A updated 81.2.69.142 -> 81.2.69.160 (visible at 1 of 1 name \
             server after 2."
        ) && u.stdout.ends_with(" s)\n"),
        "{u:?}"
    );
    assert_eq!(w.zones().queries_for(NAME) - before, 2);
    // The JSON says the same; a value seen needs nothing remembered.
    w.set_public_v4("81.2.69.161");
    let u = update(&w, 30, &["--json"]);
    let doc: serde_json::Value = serde_json::from_str(&u.stdout).unwrap();
    assert_eq!(doc["names"][0]["verified"]["result"], "seen", "{doc}");
    assert_eq!(doc["names"][0]["verified"]["servers"], 1);
    assert!(
        w.state_json()["names"][NAME]["watch"]
            .get("unseen")
            .is_none()
    );
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}

#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn a_provider_that_never_publishes_is_told_twice_then_left_alone() {
    let w = verified_world("never");
    w.provider().publish = Publish::Never;
    w.set_public_v4("81.2.69.160");
    let before = w.zones().queries_for(NAME);
    let u = update(&w, 3, &[]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        u.stdout,
        "home.example.com A updated 81.2.69.142 -> 81.2.69.160\n"
    );
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider accepted the update, but after 3 s its name \
         servers still answer 81.2.69.142 for A (0 of 1 show 81.2.69.160): ddns looks again at \
         the next run\n"
    );
    // Asked at once, after 2 s and at the budget's end: three questions, no more.
    assert_eq!(w.zones().queries_for(NAME) - before, 3);
    let watch = &w.state_json()["names"][NAME]["watch"];
    assert_eq!(watch["unseen"]["ipv4"]["value"], "81.2.69.160", "{watch}");
    assert_eq!(watch["unseen"]["ipv4"]["applies"], 1);
    let c = w.run(&["check"]);
    assert!(
        c.stdout
            .contains("  A    81.2.69.160 was accepted by the provider 1 time since 2")
            && c.stdout
                .contains(" UTC but is not seen at the zone's name servers yet\n"),
        "{c:?}"
    );
    // Once settled, the record is put back once more; not seen again: exit 4.
    shift_back(&w, 600);
    let u = update(&w, 3, &[]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(
        u.stdout,
        "home.example.com A 81.2.69.160 re-sent (DNS answered 81.2.69.142)\n"
    );
    assert!(
        u.stderr.starts_with(
            "ddns: home.example.com: the provider accepts the update but its name servers \
             still answer 81.2.69.142 for A, not 81.2.69.160 (sent 2 times since 2"
        ) && u.stderr.ends_with(
            " UTC): ask the provider; ddns sends it again when the public address changes, or \
             with `ddns update --force home.example.com`\n"
        ),
        "{u:?}"
    );
    // No third apply of the same value: the run says so again, and sends nothing.
    shift_back(&w, 600);
    let before = w.state_file();
    let u = update(&w, 3, &[]);
    assert_eq!(u.code, Some(4), "{u:?}");
    assert_eq!(u.stdout, "");
    assert!(
        u.stderr
            .contains("its name servers still answer 81.2.69.142 for A, not 81.2.69.160")
    );
    assert_eq!(w.state_file(), before, "a run held back writes nothing");
    let doc = check_json(&w);
    assert_eq!(doc["names"][0]["status"], "error", "{doc}");
    assert_eq!(doc["names"][0]["codes"][0], "not-published", "{doc}");
    // A new public address is sent at once.
    w.provider().publish = Publish::AtOnce;
    w.set_public_v4("81.2.69.170");
    let u = update(&w, 3, &[]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert!(
        u.stdout
            .starts_with("home.example.com A updated 81.2.69.160 -> 81.2.69.170 (visible"),
        "{u:?}"
    );
    assert!(
        w.state_json()["names"][NAME]["watch"]
            .get("unseen")
            .is_none()
    );
    w.expect_all(&[(Route::Echo, 6), (Route::Apply, 3)]);
}

#[test]
#[ignore = "needs root (the zone's authoritative server on port 53)"]
fn a_second_writer_is_left_alone_after_undoing_ours_three_times() {
    let w = verified_world("writer");
    let hook = w.dir.join("hook.sh");
    let log = w.dir.join("hook.log");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$DDNS_STATUS $DDNS_CLASS\" >> '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    w.provider().publish = Publish::Overwritten(vec!["81.2.69.66".parse().unwrap()]);
    w.set_public_v4("81.2.69.160");
    let u = update(&w, 3, &[]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert!(
        u.stderr.starts_with(
            "ddns: home.example.com: another client set A to 81.2.69.66 right after this \
             update (1 of 3 times since 2"
        ),
        "{u:?}"
    );
    // Twice more, once settled, it is put back and undone at once.
    for (round, code) in [(2, 0), (3, 4)] {
        shift_back(&w, 600);
        let u = update(&w, 3, &["--on-change", hook.to_str().unwrap()]);
        assert_eq!(u.code, Some(code), "round {round}: {u:?}");
        assert_eq!(
            u.stdout,
            "home.example.com A 81.2.69.160 re-sent (DNS answered 81.2.69.66)\n"
        );
        if round == 3 {
            assert!(
                u.stderr.starts_with(
                    "ddns: home.example.com: another client keeps setting home.example.com A \
                     to 81.2.69.66 (3 times since 2"
                ) && u.stderr.ends_with(
                    " UTC); ddns stopped repairing it: `ddns update --force home.example.com` \
                     takes over\n"
                ),
                "{u:?}"
            );
        }
    }
    // The hook heard the repairs and the conflict (status 4, refused).
    let heard = std::fs::read_to_string(&log).unwrap();
    assert_eq!(heard, "0 ok\n0 ok\n4 refused\n", "{heard}");
    // From now on nothing is sent, and check says conflict.
    shift_back(&w, 600);
    let u = update(&w, 3, &[]);
    assert_eq!((u.code, u.stdout.as_str()), (Some(4), ""), "{u:?}");
    let doc = check_json(&w);
    assert_eq!(doc["names"][0]["status"], "conflict", "{doc}");
    assert_eq!(doc["names"][0]["exit"], 4);
    assert_eq!(doc["names"][0]["foreign"]["ipv4"]["value"], "81.2.69.66");
    // --force takes over (and is undone once more: one undo, counted afresh).
    let u = update(&w, 3, &["--force"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert!(u.stderr.contains("(1 of 3 times since"), "{u:?}");
    w.expect_all(&[(Route::Echo, 6), (Route::Apply, 4)]);
}

#[test]
fn a_retry_after_window_is_waited_out_even_for_a_new_address() {
    let w = published("retry-after");
    w.set_public_v4("81.2.69.160");
    w.can(Route::Apply, Canned::rate_limited("120"));
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert_eq!(
        u.stderr,
        "ddns: home.example.com: the provider could not complete the update (HTTP 429: \
         rate_limited: slow down): try again later\n"
    );
    let until = w.state_json()["names"][NAME]["watch"]["retry_after"]
        .as_u64()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 115..=now + 121).contains(&until), "{until} vs {now}");
    // Inside the window nothing goes to the provider, not even a new address; nothing is
    // written either.
    w.set_public_v4("81.2.69.161");
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert!(
        u.stderr.starts_with(
            "ddns: home.example.com: the update was not sent: the provider asked for a pause \
             until 2"
        ) && u
            .stderr
            .ends_with(" UTC (HTTP 429): ddns tries again then\n"),
        "{u:?}"
    );
    assert_eq!(w.state_file(), before);
    let doc = check_json(&w);
    assert_eq!(doc["names"][0]["status"], "waiting", "{doc}");
    assert_eq!(doc["names"][0]["retry_after"], until);
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 1)]);
}

#[test]
fn a_failing_provider_is_backed_off_but_a_new_address_goes_at_once() {
    let w = published("backoff");
    w.set_public_v4("81.2.69.160");
    w.can(Route::Apply, Canned::new(503, "down"));
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    let backoff = &w.state_json()["names"][NAME]["watch"]["backoff"];
    assert_eq!(backoff["failures"], 1, "{backoff}");
    assert_eq!(backoff["tried"]["ipv4"], "81.2.69.160");
    // The same address again: not sent before the back-off ends.
    let before = w.state_file();
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert!(
        u.stderr.starts_with(
            "ddns: home.example.com: the update was not sent: the last try failed, so ddns \
             waits until 2"
        ) && u
            .stderr
            .ends_with(" UTC: it tries again then, or at once when the public address changes\n"),
        "{u:?}"
    );
    assert_eq!(w.state_file(), before);
    // A new address goes at once, and its success ends the back-off.
    w.set_public_v4("81.2.69.161");
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (
            Some(0),
            "home.example.com A updated 81.2.69.142 -> 81.2.69.161\n"
        ),
        "{u:?}"
    );
    assert!(
        w.state_json()["names"][NAME]["watch"]
            .get("backoff")
            .is_none()
    );
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 2)]);
}

#[test]
fn the_last_changes_are_kept_and_shown() {
    let w = published("history");
    for last in 160..172 {
        w.set_public_v4(&format!("81.2.69.{last}"));
        assert_eq!(w.run(&["update"]).code, Some(0));
    }
    let doc = check_json(&w);
    let history = doc["names"][0]["history"].as_array().unwrap();
    assert_eq!(history.len(), 10, "{doc}");
    assert_eq!(history[9]["old"], "81.2.69.170");
    assert_eq!(history[9]["new"], "81.2.69.171");
    assert_eq!(history[9]["why"], "changed");
    assert_eq!(history[9]["family"], "ipv4");
    assert!(history[9]["at"].as_u64().is_some());
    w.expect_all(&[(Route::Echo, 13), (Route::Apply, 12)]);
}

#[test]
fn unreachable_name_servers_are_said_once_and_the_update_stands() {
    let w = published("unreachable");
    // Nothing answers DNS on this address.
    let mut state = w.state_json();
    state["names"][NAME]["setup"]["nameservers"] = serde_json::json!(["127.0.0.9"]);
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    w.set_public_v4("81.2.69.160");
    let started = std::time::Instant::now();
    let u = update(&w, 30, &[]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        u.stdout,
        "home.example.com A updated 81.2.69.142 -> 81.2.69.160\n"
    );
    assert!(
        u.stderr.starts_with(
            "the name servers of home.example.com's zone could not be asked (127.0.0.9 "
        ) && u.stderr.ends_with("), so the update was not verified\n"),
        "{u:?}"
    );
    assert_eq!(u.stderr.lines().count(), 1);
    // One question (bounded by its 2 s timeout), not rounds for the 30 s budget: no server
    // answered the first round, so no more were asked.
    let bound = support::timing::within(std::time::Duration::from_secs(2));
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}
