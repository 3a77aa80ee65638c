//! Being told when something breaks: health-check pings after each update (Healthchecks,
//! Uptime Kuma, a plain URL) and the on-change program. The fake provider's monitor host
//! records every ping with its body.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::time::Instant;
use support::provider::{Canned, Route};
use support::timing::{ON_CHANGE, PINGS, beyond, within};
use support::{NAME, SETUP, World, published, world};

/// The three monitors of one world, as `--ping` values.
fn monitors(w: &World) -> Vec<String> {
    vec![
        format!("healthchecks:{}", w.monitor_url("/hc/3f6c-uuid")),
        format!(
            "uptimekuma:{}",
            w.monitor_url("/api/push/KUMA?status=up&msg=OK&ping=")
        ),
        w.monitor_url("/plain/dms"),
    ]
}

fn update_with_pings(w: &World) -> support::Run {
    let mut args = vec!["update".to_string()];
    for m in monitors(w) {
        args.push("--ping".into());
        args.push(m);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    w.run(&args)
}

fn pings(w: &World) -> Vec<(String, String, String)> {
    let p = std::mem::take(&mut w.provider().pings);
    for (_, target, body) in &p {
        w.assert_no_secrets(&format!("{target} {body}"));
    }
    p
}

#[test]
fn a_good_run_pings_every_monitor_its_way() {
    let w = published("ping-ok");
    w.set_public_v4("81.2.69.190");
    let u = update_with_pings(&w);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(u.stderr, "", "{u:?}");
    assert_eq!(
        pings(&w),
        vec![
            (
                "POST".into(),
                "/hc/3f6c-uuid/0".into(),
                "home.example.com A updated 81.2.69.142 -> 81.2.69.190\n".into()
            ),
            (
                "GET".into(),
                "/api/push/KUMA?status=up&msg=home.example.com%20A%20updated%2081.2.69.142%20-%3E%2081.2.69.190&ping=".into(),
                String::new()
            ),
            ("GET".into(), "/plain/dms".into(), String::new()),
        ]
    );
    // DDNS_PING does the same, comma-separated.
    let list = monitors(&w).join(",");
    let u = w.run_env(&["update"], &[("DDNS_PING", &list)]);
    assert_eq!(u.code, Some(0));
    assert_eq!(pings(&w).len(), 3);
    // Both runs detected and pinged the three monitors; the first applied the change.
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1), (Route::Ping, 6)]);
}

#[test]
fn failures_ping_with_their_status() {
    // The provider fails (503): status 3.
    let w = published("ping-fail");
    w.set_public_v4("81.2.69.191");
    w.can(Route::Apply, Canned::new(503, "down for maintenance"));
    let u = update_with_pings(&w);
    assert_eq!(u.code, Some(3), "{u:?}");
    let p = pings(&w);
    assert_eq!(p.len(), 2, "the plain URL is pinged on success only: {p:?}");
    assert_eq!(p[0].1, "/hc/3f6c-uuid/3");
    assert_eq!(
        p[0].2,
        "ddns: home.example.com: the provider could not complete the update (HTTP 503: down for maintenance): try again later\n"
    );
    assert!(p[1].1.starts_with("/api/push/KUMA?status=down&msg=home.example.com%3A%20the%20provider%20could%20not%20complete"), "{p:?}");

    // A lost grant: status 5 (a new address, so the back-off the 503 started does not hold
    // the run).
    w.provider().revoke_all();
    w.set_public_v4("81.2.69.193");
    let u = update_with_pings(&w);
    assert_eq!(u.code, Some(5), "{u:?}");
    assert_eq!(pings(&w)[0].1, "/hc/3f6c-uuid/5");
    // Both runs detected and applied (503, then 401 and a refused refresh); each failure
    // pinged two monitors.
    w.expect_all(&[
        (Route::Echo, 2),
        (Route::Apply, 2),
        (Route::TokenRefresh, 1),
        (Route::Ping, 4),
    ]);

    // A private address refused: status 4.
    let w = published("ping-private");
    w.set_public_v4("192.168.1.20");
    let u = update_with_pings(&w);
    assert_eq!(u.code, Some(4), "{u:?}");
    let p = pings(&w);
    assert_eq!(p[0].1, "/hc/3f6c-uuid/4");
    assert!(p[0].2.contains("which is a private address"), "{p:?}");
    w.expect_all(&[(Route::Echo, 1), (Route::Ping, 2)]);
}

#[test]
fn an_unreachable_or_hanging_monitor_does_not_change_the_status() {
    let w = published("ping-down");
    // Nothing listens where this one resolves.
    w.zones().addresses.insert(
        "nowhere.provider.test".into(),
        vec!["127.0.0.1".parse().unwrap()],
    );
    let u = w.run(&["update", "--ping", "https://nowhere.provider.test:1/x"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(u.stderr.lines().count(), 1, "{u:?}");
    assert!(
        u.stderr
            .starts_with("ddns: the health-check ping to nowhere.provider.test:1 failed ("),
        "{u:?}"
    );
    assert!(
        u.stderr
            .ends_with("); the update's own status is not affected\n"),
        "{u:?}"
    );
    // A monitor that hangs costs at most the ping budget (10 s), and a failed update keeps its
    // own status.
    w.can(Route::Ping, Canned::late(200, "OK", beyond(PINGS)));
    w.set_public_v4("81.2.69.192");
    w.can(Route::Apply, Canned::new(500, "boom"));
    let started = Instant::now();
    let hc = format!("healthchecks:{}", w.monitor_url("/hc/slow"));
    let u = w.run(&["update", "--ping", &hc]);
    let took = started.elapsed();
    assert_eq!(u.code, Some(3), "{u:?}");
    assert!(
        u.stderr
            .contains("ddns: the health-check ping to monitor.provider.test:")
            && u.stderr.contains("did not answer within 10 seconds"),
        "{u:?}"
    );
    assert!(took < within(PINGS), "{took:?}");
    let bad = w.run(&["update", "--ping", "http://hc.test/x"]);
    assert_eq!(bad.code, Some(2));
    assert_eq!(
        bad.stderr,
        // Only its scheme and host: a monitor's path may carry its token.
        "ddns: 'http://hc.test' is not a monitor to ping: use [healthchecks:|uptimekuma:]https://URL (pings go over verified TLS, like everything ddns sends)\n"
    );
    // Two runs detected; the second applied (refused) and its ping reached the hanging
    // monitor; the first one's monitor is not the fake, and the bad one stopped the run.
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1), (Route::Ping, 1)]);
}

/// A hook that writes its environment (the DDNS_ variables) to a file, one call a line.
fn recording_hook(w: &World, body: &str) -> std::path::PathBuf {
    // A space in the path: it is run directly, not through a shell.
    let dir = w.dir.join("hook dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("on change");
    let log = w.dir.join("hook.log");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s|%s|%s|%s|%s|%s|%s\\n' \"$DDNS_NAME\" \"$DDNS_RECORD\" \"$DDNS_OLD\" \"$DDNS_NEW\" \"$DDNS_STATUS\" \"$DDNS_CLASS\" \"$DDNS_MESSAGE\" >> '{}'\n{body}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

fn hook_calls(w: &World) -> Vec<String> {
    std::fs::read_to_string(w.dir.join("hook.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_hook_sees_an_ipv4_change_and_a_failure() {
    let w = published("hook");
    let hook = recording_hook(&w, "echo \"notified $DDNS_NAME\"");
    let hook = hook.to_str().unwrap();
    // Nothing changed: no call.
    assert_eq!(w.run(&["update", "--on-change", hook]).code, Some(0));
    assert!(hook_calls(&w).is_empty());
    w.set_public_v4("81.2.69.193");
    let u = w.run(&["update", "--on-change", hook]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        hook_calls(&w),
        vec![
            "home.example.com|A|81.2.69.142|81.2.69.193|0|ok|home.example.com A updated 81.2.69.142 -> 81.2.69.193"
        ]
    );
    assert_eq!(
        u.stderr, "on-change: notified home.example.com\n",
        "its output is ours"
    );
    // A failure: the name's class and message; the hook's own failure is one line and the
    // status stays the update's.
    w.set_public_v4("81.2.69.194");
    w.can(Route::Apply, Canned::new(503, "busy"));
    let u = w.run_env(&["update"], &[("DDNS_ON_CHANGE", hook)]);
    assert_eq!(u.code, Some(3), "{u:?}");
    assert_eq!(
        hook_calls(&w)[1],
        "home.example.com|A|81.2.69.193||3|transient|home.example.com: the provider could not complete the update (HTTP 503: busy): try again later"
    );
    let failing = recording_hook(&w, "exit 7");
    w.set_public_v4("81.2.69.195");
    let u = w.run(&["update", "--on-change", failing.to_str().unwrap()]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        u.stderr,
        format!(
            "ddns: home.example.com: the on-change program {} exited with status 7\n",
            failing.display()
        )
    );
    let missing = w.run(&["update", "--on-change", "/nonexistent/hook"]);
    assert_eq!(missing.code, Some(2));
    assert!(
        missing
            .stderr
            .starts_with("ddns: the on-change program /nonexistent/hook cannot be found ("),
        "{missing:?}"
    );
    // An empty DDNS_ON_CHANGE is no hook (as UCI's empty option passes it).
    assert_eq!(w.run(&["update", "--on-change", ""]).code, Some(0));
    // Five runs detected (the one with a missing program stopped first); three changes were
    // applied (one refused).
    w.expect_all(&[(Route::Echo, 5), (Route::Apply, 3)]);
}

#[test]
fn the_hook_sees_an_ipv6_change() {
    let w = world("hook6");
    w.require_ipv6();
    let code = w.consent_code("home");
    assert_eq!(
        w.run(&["setup", NAME, "--ipv6", "--code", &code]).code,
        Some(0)
    );
    assert_eq!(w.run(&["update"]).code, Some(0));
    let hook = recording_hook(&w, "");
    w.set_public_v6("2a02:898:0:21::5");
    let u = w.run(&["update", "--on-change", hook.to_str().unwrap()]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        hook_calls(&w),
        vec![
            "home.example.com|AAAA|2a02:898:0:20::1|2a02:898:0:21::5|0|ok|home.example.com AAAA updated 2a02:898:0:20::1 -> 2a02:898:0:21::5"
        ]
    );
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}

#[test]
fn a_hook_that_hangs_is_stopped_at_the_limit_with_what_it_started() {
    // Issue 22, item 7: the hook starts a child of its own that would outlive it (and keeps
    // the hook's output open); at the limit the whole process group is killed, so the child
    // is gone after the run. Before the fix only the hook itself was killed.
    let w = published("hook-hang");
    let pid_file = w.dir.join("grandchild.pid");
    let hang = format!(
        "sleep 1000 &\necho $! > '{}'\necho started\nsleep {}",
        pid_file.display(),
        beyond(ON_CHANGE).as_secs()
    );
    let hook = recording_hook(&w, &hang);
    w.set_public_v4("81.2.69.196");
    let started = Instant::now();
    let u = w.run(&["update", "--on-change", hook.to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(u.code, Some(0), "{u:?}");
    assert!(took >= ON_CHANGE && took < within(ON_CHANGE), "{took:?}");
    assert_eq!(
        u.stderr,
        format!(
            "on-change: started\nddns: home.example.com: the on-change program {} did not finish within 30 seconds and was stopped\n",
            hook.display()
        )
    );
    let grandchild = std::fs::read_to_string(&pid_file).unwrap();
    let proc = std::path::Path::new("/proc").join(grandchild.trim());
    // Killed; once its parent is gone too it is reaped by init (or a subreaper).
    support::timing::eventually("the hook's child to be gone", || {
        std::fs::read_to_string(proc.join("stat")).map_or(true, |stat| stat.contains(") Z "))
    });
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn the_hook_runs_after_the_state_lock_is_released() {
    // Issue 22, item 7: a hook may itself run ddns (or anything that takes the lock).
    let w = published("hook-unlocked");
    let lock = format!("{}.lock", w.state.display());
    let hook = recording_hook(
        &w,
        &format!("flock -n -E 99 '{lock}' true && echo unlocked || echo locked"),
    );
    w.set_public_v4("81.2.69.197");
    let u = w.run(&["update", "--on-change", hook.to_str().unwrap()]);
    assert_eq!(
        (u.code, u.stderr.as_str()),
        (Some(0), "on-change: unlocked\n"),
        "{u:?}"
    );
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}
