//! `update --every DURATION`: the same update again and again in one process (for containers
//! and systems without cron), keeping every property of a one-shot update: the lock is held
//! only during a run, nothing is written on a no-op, a failing run does not end the loop, a
//! stop between runs ends it at once with status 0.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};
use support::provider::Route;
use support::timing::{eventually, timing};
use support::{NAME, SETUP, World, world};

/// A running `update --every`, its stderr lines arriving on a channel.
struct Looping {
    child: Child,
    lines: Receiver<String>,
}

fn start(w: &World, args: &[&str], env: &[(&str, &str)]) -> Looping {
    let mut cmd = w.command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::null()).spawn().unwrap();
    let stderr: ChildStderr = child.stderr.take().unwrap();
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Looping { child, lines }
}

impl Looping {
    /// The next stderr line that contains `part` (within the patience), with everything
    /// before it.
    fn until(&self, part: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let give_up = Instant::now() + timing().patience;
        loop {
            let left = give_up.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains(part);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(e) => panic!("no line with '{part}' came ({e}); saw {seen:?}"),
            }
        }
    }

    fn stop(mut self, signal: Signal) -> (Option<i32>, Duration, Vec<String>) {
        let started = Instant::now();
        nix::sys::signal::kill(
            Pid::from_raw(i32::try_from(self.child.id()).unwrap()),
            signal,
        )
        .unwrap();
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        (status.code(), started.elapsed(), rest)
    }
}

#[test]
fn it_updates_then_does_nothing_quietly_and_stops_at_once() {
    let w = world("every");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let l = start(&w, &["update", "--every", "1s"], &[]);
    let first = l.until("update finished with status");
    assert_eq!(
        first,
        vec!["update finished with status 0; the next one in 1 s"]
    );
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.142".parse::<std::net::IpAddr>().unwrap()]
    );
    // No-op runs write nothing and hold no lock in between: a one-shot run goes right in.
    let before = w.state_file();
    l.until("update finished with status 0");
    l.until("update finished with status 0");
    assert_eq!(w.state_file(), before, "no-op runs write nothing");
    let one = w.run_env(&["update"], &[("DDNS_LOCK_WAIT", "0")]);
    assert_eq!(one.code, Some(0), "{one:?}");
    // A change is picked up by the next run.
    w.set_public_v4("81.2.69.197");
    l.until("update finished with status 0");
    l.until("update finished with status 0");
    assert_eq!(
        w.dns_answers(NAME),
        vec!["81.2.69.197".parse::<std::net::IpAddr>().unwrap()]
    );
    let (code, took, rest) = l.stop(Signal::SIGTERM);
    assert_eq!(code, Some(0), "{rest:?}");
    assert!(took < timing().at_once, "stopped at once: {took:?}");
    assert_eq!(rest.last().map(String::as_str), Some("stopped by SIGTERM"));
    // Five runs of the loop and the one-shot run detected, and two of them applied (the first
    // publish, the change). The stop comes right after a run ends, 1 s before the next
    // starts; a test thread held up for longer (a loaded machine) lets one more begin.
    w.expect_all(&SETUP);
    w.budget_between(Route::Echo, 6, 7);
    w.budget(Route::Apply, 2);
}

#[test]
fn sigint_and_sighup_stop_it_too() {
    let w = world("every-int");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    for (signal, name) in [(Signal::SIGINT, "SIGINT"), (Signal::SIGHUP, "SIGHUP")] {
        let l = start(&w, &["update", "--every", "1h"], &[]);
        l.until("update finished with status 0; the next one in 60 min");
        let (code, took, rest) = l.stop(signal);
        assert_eq!(code, Some(0), "{rest:?}");
        assert!(took < timing().at_once, "{took:?}");
        assert_eq!(rest.last().cloned(), Some(format!("stopped by {name}")));
    }
    // Each loop ran once (1 h apart): the first published, the second found it unchanged.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
}

#[test]
fn a_failing_name_is_reported_every_run_while_the_others_go_on() {
    let w = world("every-lost");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let code = w.consent_code("www");
    assert_eq!(
        w.run(&["setup", "www.example.com", "--ipv4", "--code", &code])
            .code,
        Some(0)
    );
    assert_eq!(w.run(&["update"]).code, Some(0));
    // home's grant is gone: make its access token expire and revoke its refresh token only.
    let rt = w.state_json()["names"][NAME]["grant"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    w.provider().refresh.remove(&rt);
    let mut state = w.state_json();
    state["names"][NAME]["grant"]["access_expires_at"] = 0.into();
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    w.set_public_v4("81.2.69.198");
    let l = start(&w, &["update", "--every", "1s"], &[]);
    let mut runs = Vec::new();
    for _ in 0..2 {
        runs.push(l.until("update finished with status"));
    }
    // Stopped right after a run ends, so between runs: status 0.
    let (code, _, _) = l.stop(Signal::SIGTERM);
    assert_eq!(code, Some(0));
    for run in runs {
        assert_eq!(run.len(), 2, "{run:?}");
        assert!(
            run[0].starts_with(
                "ddns: home.example.com: the provider no longer accepts this name's grant"
            ),
            "{run:?}"
        );
        assert_eq!(run[1], "update finished with status 5; the next one in 1 s");
    }
    assert_eq!(
        w.dns_answers("www.example.com"),
        vec!["81.2.69.198".parse::<std::net::IpAddr>().unwrap()],
        "the other name went on"
    );
    // Two setups and a first update of both names; then each loop run detected, tried home's
    // refresh (refused), and the first applied www's change. A third run may begin when the
    // stop comes over 1 s after the second ended (a loaded machine).
    w.expect_all(&SETUP);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 2)]);
    w.budget_between(Route::Echo, 3, 4);
    w.budget_between(Route::TokenRefresh, 2, 3);
    w.expect(Route::Apply, 1);
}

#[test]
fn it_waits_for_a_setup_and_ends_on_an_error_no_run_can_fix() {
    let w = world("every-wait");
    let l = start(&w, &["update", "--every", "1s"], &[]);
    let said = l.until("yet");
    assert_eq!(
        said,
        vec![format!(
            "no name is set up in {} yet: updates start once `ddns setup NAME` has run",
            w.state.display()
        )]
    );
    // Set up from elsewhere (another container on the same volume): the loop picks it up.
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    l.until("update finished with status 0");
    // A state file ddns will not touch ends it, with that error's status.
    std::fs::write(&w.state, b"{not json").unwrap();
    let mut child = l.child;
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let bad = w.run(&["update", "--every", "5"]);
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (
            Some(2),
            "ddns: --every '5' is not a duration: give a number and a unit, such as 30s, 5m or 1h\n"
        )
    );
    // The first run after the setup published. The corrupt file is written right after it
    // ended, 1 s before the next run; a held-up test lets that one run (no change) first.
    w.expect_all(&SETUP);
    w.expect(Route::Apply, 1);
    w.budget_between(Route::Echo, 1, 2);
}

/// A stop during a run lets the run finish (the record published, the state saved), then ends
/// the loop with status 0: a run is never cut short, and the same holds for a container's
/// PID 1, where a signal left to its default action would be dropped.
#[test]
fn a_stop_during_a_run_ends_the_loop_right_after_it() {
    let w = world("every-mid");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let hold = timing().hold;
    w.can(Route::Apply, support::provider::Canned::late(202, "", hold));
    let l = start(&w, &["update", "--every", "1h"], &[]);
    eventually("the apply", || w.count(Route::Apply) > 0);
    let (code, took, rest) = l.stop(Signal::SIGTERM);
    assert_eq!(code, Some(0), "{rest:?}");
    // The reply comes `hold` after the apply arrived (we stopped it at once after that): the
    // stop waited for it, then ended the loop right after the run.
    assert!(
        took + timing().at_once > hold && took < hold + timing().soon,
        "it waited for the run: {took:?}"
    );
    assert_eq!(
        rest,
        vec![
            "update finished with status 0; the next one in 60 min".to_string(),
            "stopped by SIGTERM".to_string()
        ]
    );
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.142",
        "the run finished and saved"
    );
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}
