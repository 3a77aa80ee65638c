//! A polite stop (SIGTERM, SIGINT, SIGHUP: procd, systemd, `timeout`, a second ifup, Ctrl-C)
//! never costs the grant: against a provider that revokes a refresh token the moment it issues
//! its successor, with the token reply delayed, a stop that arrives while the reply is on its
//! way takes effect right after the new tokens are saved, and the next run works. Also the lock
//! wait, with the test-only `DDNS_LOCK_WAIT`.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::time::{Duration, Instant};
use support::provider::Route;
use support::timing::{beyond, eventually, timing, within};
use support::{NAME, SETUP, World, world};

/// The token reply waits this long after the provider rotated the tokens.
fn delay() -> Duration {
    timing().hold
}

/// A world whose provider revokes a refresh token as soon as it issues the next. The binary
/// starts with the stop signals at their default action: a test runner started in the
/// background by a shell without job control ignores SIGINT, ddns would inherit that, and an
/// ignored signal is rightly dropped.
fn strict(tag: &str) -> World {
    let mut w = world(tag);
    w.provider().strict = true;
    w.wrapper = vec![
        "env".into(),
        "--default-signal=HUP,INT,TERM".into(),
        w.bin.to_string_lossy().into_owned(),
    ];
    w
}

/// Wait until `route` has seen `count` requests; returns when the last arrived (about).
fn wait_for(w: &World, route: Route, count: usize) -> Instant {
    eventually(&format!("{count} {route:?} requests"), || {
        w.count(route) >= count
    });
    Instant::now()
}

/// Wait for `child` at most until `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> std::process::ExitStatus {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not stop in time");
        }
        std::thread::sleep(timing().poll);
    }
}

/// The threads of a running process: the signal mask is per thread, so the hold is only
/// sound while ddns has just one.
fn threads(child: &Child) -> usize {
    std::fs::read_dir(format!("/proc/{}/task", child.id())).map_or(0, Iterator::count)
}

fn send(child: &Child, signal: Signal) {
    nix::sys::signal::kill(Pid::from_raw(i32::try_from(child.id()).unwrap()), signal).unwrap();
}

#[test]
fn a_stop_during_a_token_refresh_keeps_the_rotated_token() {
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        let w = strict(&format!("sig-refresh-{signal:?}"));
        assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
        assert_eq!(w.run(&["update"]).code, Some(0));
        // The next update must refresh (expired access token) and then apply (new address).
        let mut state = w.state_json();
        state["names"][NAME]["grant"]["access_expires_at"] = 0.into();
        std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        w.set_public_v4("81.2.69.160");
        w.provider().token_delay = delay();
        let mut child = w.command(&["update"]).spawn().unwrap();
        let asked = wait_for(&w, Route::TokenRefresh, 1);
        assert_eq!(threads(&child), 1, "ddns must be single-threaded");
        send(&child, signal);
        // The reply comes `delay()` after the request; the run must stop soon after it.
        let status = wait_until(&mut child, asked + delay() + timing().soon);
        assert_eq!(
            status.signal(),
            Some(signal as i32),
            "{signal:?}: stopped by the signal itself, once the tokens were saved"
        );
        assert_eq!(
            w.count(Route::Apply),
            1,
            "{signal:?}: the stopped run did not go on to apply"
        );
        // The state parses and holds the rotated refresh token, the only one alive.
        let rt = w.state_json()["names"][NAME]["grant"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            w.provider().refresh.contains(&rt),
            "{signal:?}: the saved refresh token is alive"
        );
        assert_eq!(
            w.provider().refresh.len(),
            1,
            "strict: the old one is revoked"
        );
        w.provider().token_delay = Duration::ZERO;
        let u = w.run(&["update"]);
        assert_eq!(
            (u.code, u.stdout.as_str()),
            (
                Some(0),
                "home.example.com A updated 81.2.69.142 -> 81.2.69.160\n"
            ),
            "{signal:?}"
        );
        // The first update; the stopped one detected and refreshed but did not apply; the
        // next detected and applied with the rotated token (no second refresh).
        w.expect_all(&SETUP);
        w.expect_all(&[
            (Route::Echo, 3),
            (Route::TokenRefresh, 1),
            (Route::Apply, 2),
        ]);
    }
}

#[test]
fn a_stop_during_the_code_exchange_keeps_the_grant() {
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        let w = strict(&format!("sig-code-{signal:?}"));
        let code = w.consent_code("home");
        w.provider().token_delay = delay();
        let mut child = w
            .command(&["setup", NAME, "--ipv4", "--code", &code])
            .spawn()
            .unwrap();
        let asked = wait_for(&w, Route::TokenCode, 1);
        send(&child, signal);
        let status = wait_until(&mut child, asked + delay() + timing().soon);
        assert_eq!(status.signal(), Some(signal as i32), "{signal:?}");
        let state = w.state_json();
        assert!(
            state["names"][NAME]["grant"]["refresh_token"].is_string(),
            "{signal:?}: the grant was saved before the stop"
        );
        w.provider().token_delay = Duration::ZERO;
        let u = w.run(&["update"]);
        assert_eq!(u.code, Some(0), "{signal:?}: {u:?}");
        // One code exchange (the stopped one, saved), then an update that needed no refresh.
        w.expect_all(&SETUP);
        w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    }
}

/// Outside the token window a stop acts at once, as before.
#[test]
fn a_stop_outside_the_window_is_not_delayed() {
    let w = world("sig-apply");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    w.set_public_v4("81.2.69.161");
    w.can(
        Route::Apply,
        support::provider::Canned::late(202, "", timing().hold),
    );
    let mut child = w.command(&["update"]).spawn().unwrap();
    let asked = wait_for(&w, Route::Apply, 2);
    send(&child, Signal::SIGTERM);
    let status = wait_until(&mut child, asked + timing().at_once);
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32));
    // The first update, and the stopped one's detection and (held) apply.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}

#[test]
fn a_held_lock_makes_the_next_run_wait_then_fail_with_status_3() {
    let w = world("lockwait");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    // Another run holds the lock: an update stuck in a slow apply.
    w.set_public_v4("81.2.69.162");
    // It holds the lock for longer than the waiting run may take.
    let lock_wait = Duration::from_secs(2);
    w.can(
        Route::Apply,
        support::provider::Canned::late(202, "", beyond(lock_wait)),
    );
    let mut holder = w.command(&["update"]).spawn().unwrap();
    wait_for(&w, Route::Apply, 2);
    let started = Instant::now();
    let r = w.run_env(
        &["update"],
        &[("DDNS_LOCK_WAIT", &lock_wait.as_secs().to_string())],
    );
    let took = started.elapsed();
    assert_eq!(
        (r.code, r.stderr.clone()),
        (
            Some(3),
            format!(
                "ddns: another ddns run has held the lock on {} for over 2 seconds: try again later, or check for a hung ddns process\n",
                w.state.display()
            )
        )
    );
    assert!(took >= lock_wait && took < within(lock_wait), "{took:?}");
    assert!(holder.wait().unwrap().success());
    let bad = w.run_env(&["update"], &[("DDNS_LOCK_WAIT", "soon")]);
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (
            Some(2),
            "ddns: DDNS_LOCK_WAIT 'soon' is not a number of seconds\n"
        )
    );
    // The first update and the lock holder's; the waiting run gave up before asking anything.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}
