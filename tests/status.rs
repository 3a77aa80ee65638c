//! `ddns status` (what is stored and what the last update did, with no packet), `ddns health`
//! (a container's HEALTHCHECK) and `ddns probe` (will it work with this domain?), against the
//! fake provider. The last run is recorded in the world's `DDNS_RUN_DIR`.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::Value;
use support::provider::{Canned, Route};
use support::{NAME, World, published, world};

fn json(r: &support::Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"))
}

/// The last-run file of the world (there is one, in its run directory).
fn run_file(w: &World) -> std::path::PathBuf {
    let dir = w.dir.join("run");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn status_says_what_the_last_update_did_without_a_packet() {
    let w = world("status");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let queries = w.zones().queries.len();
    let before = w.state_file();
    // Nothing has run since "boot": the name's state is unknown, not guessed.
    let s = w.run(&["status", "--json"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let doc = json(&s);
    assert_eq!(doc["names"][0]["status"], "unknown", "{doc}");
    assert_eq!(doc["names"][0]["code"], "not-run");
    assert!(doc["last_run"].is_null());
    assert_eq!(w.run(&["update"]).code, Some(0));
    let after_update = w.zones().queries.len();
    let s = w.run(&["status", "--json"]);
    let doc = json(&s);
    let n = &doc["names"][0];
    assert_eq!(
        (n["status"].as_str(), n["code"].as_str()),
        (Some("updated"), Some("updated"))
    );
    assert_eq!(n["text"], "home.example.com A 81.2.69.142 published");
    assert_eq!(n["published"]["ipv4"], "81.2.69.142");
    assert_eq!(n["provider"], "Fake DNS");
    assert_eq!(doc["last_run"]["exit"], 0);
    let t = w.run(&["status"]);
    assert!(
        t.stdout
            .starts_with("home.example.com: updated: home.example.com A 81.2.69.142 published ("),
        "{t:?}"
    );
    // Not one DNS question, not one request (the budget below), nothing written.
    assert_eq!(w.zones().queries.len(), after_update, "status asked DNS");
    assert!(after_update > queries);
    assert_ne!(w.state_file(), before, "the update wrote");
    let written = w.state_file();
    let _ = w.run(&["status"]);
    assert_eq!(w.state_file(), written);
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn a_failed_run_and_a_stored_mark_show_in_the_status() {
    let w = published("status-fail");
    w.set_public_v4("81.2.69.160");
    w.can(Route::Apply, Canned::new(500, "boom"));
    assert_eq!(w.run(&["update"]).code, Some(3));
    let doc = json(&w.run(&["status", "--json"]));
    let n = &doc["names"][0];
    assert_eq!(n["status"], "error", "{doc}");
    assert_eq!(n["last_run"]["exit"], 3);
    assert!(n["text"].as_str().unwrap().contains("HTTP 500"), "{doc}");
    // A lost grant is stored: the status says so whatever the last run said.
    let mut state = w.state_json();
    state["names"][NAME]["grant_lost_at"] = 1_790_000_000.into();
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let doc = json(&w.run(&["status", "--json"]));
    assert_eq!(doc["names"][0]["code"], "grant-lost", "{doc}");
    assert_eq!(doc["names"][0]["args"]["since"], 1_790_000_000);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn health_judges_the_last_run_and_its_age() {
    let w = world("health");
    let h = w.run(&["health"]);
    assert_eq!(
        (h.code, h.stdout.as_str()),
        (Some(1), "unhealthy: no name is set up yet\n")
    );
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let h = w.run(&["health"]);
    assert_eq!(
        (h.code, h.stdout.as_str()),
        (
            Some(1),
            "unhealthy: no update has run since the system started\n"
        )
    );
    assert_eq!(w.run(&["update"]).code, Some(0));
    let h = w.run(&["health"]);
    assert_eq!(h.code, Some(0), "{h:?}");
    assert!(
        h.stdout
            .starts_with("healthy: every name was updated within 1 h (the last run "),
        "{h:?}"
    );
    // Two hours later (the recorded run made older): too old.
    let path = run_file(&w);
    let mut last: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let at = last["names"][NAME]["at"].as_u64().unwrap() - 7200;
    last["names"][NAME]["at"] = at.into();
    std::fs::write(&path, serde_json::to_vec(&last).unwrap()).unwrap();
    let h = w.run(&["health"]);
    assert_eq!(
        (h.code, h.stdout.as_str()),
        (
            Some(1),
            "unhealthy: home.example.com was last updated 2 h ago, longer than 1 h\n"
        )
    );
    assert_eq!(w.run(&["health", "--max-age", "3h"]).code, Some(0));
    // A failed run is unhealthy at once.
    w.set_public_v4("81.2.69.160");
    w.can(Route::Apply, Canned::new(503, "down"));
    assert_eq!(w.run(&["update"]).code, Some(3));
    let h = w.run(&["health"]);
    assert_eq!(h.code, Some(1), "{h:?}");
    assert!(
        h.stdout.starts_with(
            "unhealthy: home.example.com: the provider could not complete the update (HTTP 503"
        ),
        "{h:?}"
    );
    let bad = w.run(&["health", "--max-age", "soon"]);
    assert_eq!(bad.code, Some(2));
    assert_eq!(
        bad.stderr,
        "ddns: --max-age 'soon' is not a duration: give a number and a unit, such as 30s, 5m or 1h\n"
    );
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}

#[test]
fn probe_says_whether_it_will_work_and_writes_nothing() {
    let w = world("probe");
    let p = w.run(&["probe", NAME, "--json"]);
    assert_eq!(p.code, Some(0), "{p:?}");
    let doc = json(&p);
    assert_eq!(doc["verdict"], "works", "{doc}");
    assert_eq!(doc["zone"], "example.com");
    assert_eq!(doc["provider"], "Fake DNS");
    assert_eq!(doc["template"], "dynamicdns-v2");
    assert_eq!(doc["ipv4"]["public"], "81.2.69.142");
    assert!(doc["families"].as_array().unwrap().contains(&"ipv4".into()));
    assert!(!w.state.exists(), "nothing set up, nothing written");
    let v6 = doc["ipv6"]["route"] == true;
    // Behind carrier-grade NAT: IPv4 cannot be reached.
    w.set_public_v4("100.64.1.2");
    let p = w.run(&["probe", NAME]);
    if v6 {
        assert_eq!(p.code, Some(0), "{p:?}");
        assert!(
            p.stdout
                .contains("IPv4 is behind carrier-grade NAT: publish AAAA only"),
            "{p:?}"
        );
    } else {
        assert_eq!(p.code, Some(4), "{p:?}");
        assert!(
            p.stdout.starts_with(
                "home.example.com: IPv4 is behind carrier-grade NAT and there is no public IPv6 \
                 address, so no DNS record can reach this network\n"
            ),
            "{p:?}"
        );
    }
    // A zone whose provider does not support Domain Connect: it will not work.
    w.zones().apexes.push("example.org".into());
    let p = w.run(&["probe", "home.example.org", "--json"]);
    assert_eq!(p.code, Some(4), "{p:?}");
    let doc = json(&p);
    assert_eq!(doc["code"], "provider-unsupported", "{doc}");
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .contains("has no _domainconnect TXT record")
    );
    let per_probe = if v6 { 2 } else { 1 };
    w.budgets(&[
        (Route::Settings, 2),
        (Route::Template, 2),
        (Route::Echo, 3 * per_probe),
    ]);
}

/// `probe` finds the zone as `setup` does: a name outside the zone given is refused before
/// the provider is asked, as `setup` would refuse it.
#[test]
fn probe_refuses_a_name_outside_the_zone_given() {
    let w = world("probe-zone");
    let p = w.run(&["probe", NAME, "--zone", "example.org", "--json"]);
    assert_eq!(p.code, Some(4), "{p:?}");
    let doc = json(&p);
    assert_eq!(
        (&doc["verdict"], &doc["code"], &doc["text"]),
        (
            &"does-not-work".into(),
            &"no-zone".into(),
            &"home.example.com is not inside the zone example.org: check --zone".into()
        ),
        "{doc}"
    );
    let s = w.run(&["setup", NAME, "--zone", "example.org"]);
    assert_eq!(
        (s.code, s.stderr.as_str()),
        (
            Some(2),
            "ddns: home.example.com is not inside the zone example.org: check --zone\n"
        )
    );
    assert!(!w.state.exists(), "nothing set up, nothing written");
    let per_probe = if doc["ipv6"]["route"] == true { 2 } else { 1 };
    w.budgets(&[(Route::Echo, per_probe)]);
}

/// A name set up with AAAA on a network without a public IPv6 address: its A record is
/// published, and the page is told it is partial (a warning), not a plain error.
#[test]
fn a_family_that_cannot_be_detected_beside_one_published_is_partial() {
    let w = world("partial");
    assert_eq!(w.setup(&["--ipv4", "--ipv6"]).code, Some(0));
    let sources = format!("ipv4:{},ipv6:https://127.0.0.1:1/", w.echo_url());
    let u = w.run_env(&["update"], &[("DDNS_IP_SOURCES", &sources)]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert!(
        u.stdout
            .starts_with("home.example.com A 81.2.69.142 published"),
        "{u:?}"
    );
    let doc = json(&w.run(&["status", "--json"]));
    let n = &doc["names"][0];
    assert_eq!(
        (n["status"].as_str(), n["code"].as_str()),
        (Some("error"), Some("partial")),
        "{doc}"
    );
    assert!(
        n["args"]["why"]
            .as_str()
            .unwrap()
            .starts_with("could not detect the public IPv6 address"),
        "{doc}"
    );
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn health_says_when_runs_cannot_be_recorded() {
    let w = published("health-nowhere");
    let gone = w.dir.join("no-such-dir");
    let h = w.run_env(&["health"], &[("DDNS_RUN_DIR", gone.to_str().unwrap())]);
    assert_eq!(h.code, Some(1));
    assert_eq!(
        h.stdout,
        format!(
            "unhealthy: the last update cannot be known: {} does not exist; create it (a \
             writable RAM directory) or set DDNS_RUN_DIR\n",
            gone.display()
        )
    );
}

/// A name removed (or set up again) forgets its last run: a new grant starts unknown.
#[test]
fn remove_and_setup_forget_the_names_last_run() {
    let w = published("status-forget");
    let doc = json(&w.run(&["status", "--json"]));
    assert_eq!(doc["names"][0]["status"], "updated", "{doc}");
    assert_eq!(w.run(&["remove", NAME]).code, Some(0));
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let doc = json(&w.run(&["status", "--json"]));
    assert_eq!(doc["names"][0]["status"], "unknown", "{doc}");
    assert!(doc["names"][0]["last_run"].is_null(), "{doc}");
    w.expect_all(&support::SETUP);
}
