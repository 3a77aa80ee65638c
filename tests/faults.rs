//! Provider faults on every endpoint: error statuses with JSON and plain-text bodies, hostile
//! deliveries (reset mid-body, endless body, a byte a second, a redirect loop), bodies of the
//! wrong kind. Each run must end within its time bound with exactly one clear `ddns: ` line on
//! stderr and the documented exit status, leave the state file byte-identical, and print no
//! secret. Plus state trouble: a full disk, a read-only directory, concurrent runs, and
//! SIGKILL at many points of runs that write.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::time::{Duration, Instant};
use support::provider::{Canned, Mode, Route};
use support::timing::{HTTP_CALL, timing, within};
use support::{NAME, Run, SETUP, World, world};

/// How long any faulty run may take: the call limit plus the slack.
fn bound() -> Duration {
    within(HTTP_CALL)
}

fn json_400() -> Canned {
    Canned::new(
        400,
        r#"{"error":"invalid_request","error_description":"nope"}"#,
    )
}

/// The faults tried on each endpoint, with the exit status and a part of the message expected.
fn faults(route: Route) -> Vec<(&'static str, Canned, i32, &'static str)> {
    let mut list = vec![
        (
            "500",
            Canned::new(500, "Internal Server Error"),
            3,
            "HTTP 500",
        ),
        ("reset", Canned::hostile(Mode::Reset), 3, ""),
        (
            "endless",
            Canned::hostile(Mode::Endless),
            3,
            "larger than 64 KiB",
        ),
    ];
    match route {
        Route::Settings => list.extend([
            ("400 json", json_400(), 4, "HTTP 400: invalid_request: nope"),
            (
                "400 text",
                Canned::new(400, "Bad Request\n"),
                4,
                "HTTP 400: Bad Request",
            ),
            (
                "not json",
                Canned::new(200, "<html>hi</html>"),
                4,
                "are not the JSON object",
            ),
            (
                "wrong shape",
                Canned::new(200, "[1,2,3]"),
                4,
                "are not the JSON object",
            ),
            (
                "redirect loop",
                Canned::hostile(Mode::RedirectLoop),
                4,
                "HTTP 302",
            ),
        ]),
        Route::TokenCode => list.extend([
            (
                "400 json",
                json_400(),
                4,
                "did not accept the code (invalid_request: nope)",
            ),
            (
                "400 text",
                Canned::new(400, "Bad code"),
                4,
                "did not accept the code (Bad code)",
            ),
            (
                "not json",
                Canned::new(200, "garbage"),
                3,
                "token reply is not the JSON",
            ),
            (
                "wrong shape",
                Canned::new(200, r#"{"token":1}"#),
                3,
                "token reply is not the JSON",
            ),
            (
                "redirect loop",
                Canned::hostile(Mode::RedirectLoop),
                4,
                "HTTP 302",
            ),
        ]),
        Route::TokenRefresh => list.extend([
            (
                "400 json",
                json_400(),
                5,
                "no longer accepts this name's grant (invalid_request: nope)",
            ),
            // GoDaddy answers a bad refresh token with a plain-text 400.
            (
                "400 text",
                Canned::new(400, "Invalid refresh token"),
                5,
                "(Invalid refresh token): run `ddns setup`",
            ),
            (
                "not json",
                Canned::new(200, "garbage"),
                3,
                "token reply is not the JSON",
            ),
            (
                "wrong shape",
                Canned::new(200, r#"{"access_token":7}"#),
                3,
                "token reply is not the JSON",
            ),
            (
                "trickle",
                Canned::hostile(Mode::Trickle),
                3,
                "did not answer within 15 seconds",
            ),
        ]),
        Route::Apply => list.extend([
            (
                "400 json",
                json_400(),
                4,
                "refused the update (HTTP 400: invalid_request: nope)",
            ),
            (
                "400 text",
                Canned::new(400, "Bad Request"),
                4,
                "refused the update (HTTP 400: Bad Request)",
            ),
            ("403", Canned::new(403, "{}"), 4, "HTTP 403"),
            (
                "redirect loop",
                Canned::hostile(Mode::RedirectLoop),
                4,
                "HTTP 302",
            ),
        ]),
        Route::Echo => list.extend([
            ("400 text", Canned::new(400, "nope"), 3, "answered HTTP 400"),
            (
                "not an address",
                Canned::new(200, "<html>"),
                3,
                "did not answer with an address",
            ),
            (
                "redirect loop",
                Canned::hostile(Mode::RedirectLoop),
                3,
                "answered HTTP 302",
            ),
        ]),
        _ => {}
    }
    list
}

fn check_run(w: &World, what: &str, run: &Run, took: Duration, code: i32, part: &str) {
    assert_eq!(run.code, Some(code), "{what}: {run:?}");
    assert!(took < bound(), "{what}: took {took:?}");
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("ddns: "))
        .collect();
    assert!(!errors.is_empty(), "{what}: {run:?}");
    assert!(
        run.stderr.contains(part),
        "{what}: wanted {part:?} in {:?}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "{what}"
    );
    w.assert_no_secrets(&format!("{}{}", run.stdout, run.stderr));
}

#[test]
fn setup_endpoint_faults() {
    for route in [Route::Settings, Route::TokenCode] {
        for (name, canned, code, part) in faults(route) {
            let w = world(&format!("f-{route:?}-{}", name.replace(' ', "-")));
            let auth = w.consent_code("home");
            // A 400 to a code exchange in the body is taken as a provider that reads only the
            // query, which is tried next (tests/security.rs): refused there too, the fault
            // stands.
            let again = route == Route::TokenCode && canned.status == 400;
            if again {
                w.provider().can(route, canned.clone());
            }
            w.provider().can(route, canned);
            let started = Instant::now();
            let r = w.run(&["setup", NAME, "--ipv4", "--code", &auth]);
            check_run(
                &w,
                &format!("{route:?} {name}"),
                &r,
                started.elapsed(),
                code,
                part,
            );
            assert!(
                !w.state.exists(),
                "{route:?} {name}: a failed setup writes nothing"
            );
            // The browser's consent; then setup went as far as the faulty route, once, and
            // stopped there (no retry).
            w.expect(Route::Consent, 1);
            for step in [Route::Settings, Route::Template, Route::TokenCode] {
                w.expect(step, 1);
                if step == route {
                    break;
                }
            }
            if again {
                w.expect(Route::TokenCode, 1);
            }
        }
    }
}

#[test]
fn update_endpoint_faults() {
    for route in [Route::TokenRefresh, Route::Apply, Route::Echo] {
        for (name, canned, code, part) in faults(route) {
            let w = world(&format!("f-{route:?}-{}", name.replace(' ', "-")));
            assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
            assert_eq!(w.run(&["update"]).code, Some(0));
            if route == Route::TokenRefresh {
                // Make the client refresh before applying.
                let mut state = w.state_json();
                state["names"][NAME]["grant"]["access_expires_at"] = 0.into();
                std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
            }
            w.set_public_v4("81.2.69.150");
            let before = w.state_file();
            w.provider().can(route, canned);
            let started = Instant::now();
            let r = w.run(&["update"]);
            check_run(
                &w,
                &format!("{route:?} {name}"),
                &r,
                started.elapsed(),
                code,
                part,
            );
            if code == 5 {
                // A lost grant leaves one mark (for check and the router page), nothing else.
                let mut after = w.state_json();
                let mark = after["names"][NAME]
                    .as_object_mut()
                    .unwrap()
                    .remove("grant_lost_at");
                assert!(mark.is_some(), "{route:?} {name}: the grant is marked lost");
                let mut was: serde_json::Value = serde_json::from_slice(&before.bytes).unwrap();
                after["version"] = 0.into();
                was["version"] = 0.into();
                assert_eq!(after, was, "{route:?} {name}: state otherwise unchanged");
            } else if code == 3 && route != Route::Echo {
                // The provider failed after it got the request: a back-off, nothing else.
                let was: serde_json::Value = serde_json::from_slice(&before.bytes).unwrap();
                assert_eq!(
                    w.state_json_but_backoff(NAME),
                    was,
                    "{route:?} {name}: state otherwise unchanged"
                );
            } else {
                assert_eq!(w.state_file(), before, "{route:?} {name}: state unchanged");
            }
            assert_eq!(
                w.provider().applies.len(),
                1,
                "{route:?} {name}: nothing applied"
            );
            // The setup and first update; then the faulty run went as far as the faulty
            // route, once, and stopped there (no retry).
            w.expect_all(&SETUP);
            w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
            for step in [Route::Echo, Route::TokenRefresh, Route::Apply] {
                if step == Route::TokenRefresh && route != Route::TokenRefresh {
                    continue; // (the access token is fresh unless the test expired it)
                }
                w.expect(step, 1);
                if step == route {
                    break;
                }
            }
        }
    }
}

#[test]
fn connection_refused_is_transient() {
    let w = world("refused");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let source = format!("https://127.0.0.1:{port}/");
    let started = Instant::now();
    let r = w.run_env(&["update"], &[("DDNS_IP_SOURCES", &source)]);
    check_run(
        &w,
        "refused",
        &r,
        started.elapsed(),
        3,
        &format!("could not detect the public IPv4 address: could not talk to 127.0.0.1:{port}"),
    );
    // The setup only: the update reached nothing.
    w.expect_all(&SETUP);
}

#[test]
fn vanished_domainconnect_record_and_dns_faults_do_not_break_updates() {
    let w = world("dnsgone");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    w.zones().txt.clear();
    w.zones().apexes.retain(|a| a != "example.com");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    // A resolver that does not answer at all: a clear transient error, in bounded time.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    w.set_public_v4("81.2.69.151");
    let started = Instant::now();
    let r = w.run_env(&["update"], &[("DDNS_RESOLVER", &addr)]);
    check_run(
        &w,
        "silent resolver",
        &r,
        started.elapsed(),
        3,
        "could not detect the public IPv4 address",
    );
    // The first update published without the TXT record; the second could resolve nothing.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

#[test]
fn many_concurrent_updates_apply_once() {
    let w = world("race24");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    w.set_public_v4("81.2.69.152");
    let started = Instant::now();
    let children: Vec<_> = (0..24)
        .map(|_| w.command(&["update"]).spawn().unwrap())
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    assert!(started.elapsed() < bound(), "{:?}", started.elapsed());
    assert!(runs.iter().all(|r| r.code == Some(0)), "{runs:?}");
    assert_eq!(
        runs.iter().filter(|r| r.stdout.contains("updated")).count(),
        1
    );
    // The first update, then 24 runs that each detected; one of them applied.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 25), (Route::Apply, 2)]);
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.152"
    );
}

/// Mount a tmpfs of `size` at `dir`; unmounted on drop.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn new(dir: &std::path::Path, opts: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        support::require(ok, "a tmpfs mount (mount -t tmpfs, as root)");
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs root (mounts a tmpfs)"]
fn full_disk_and_read_only_storage_keep_the_old_state() {
    support::require_root("mounting a tmpfs");
    let mut w = world("disk");
    let mnt = w.dir.join("mnt");
    let _fs = Tmpfs::new(&mnt, "size=64k,mode=0700");
    w.state = mnt.join("state.json");
    w.state_arg = w.state.clone();
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    let before = w.state_file();
    // Fill the file system, leaving less room than a new state file needs.
    let filler = mnt.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 64 * 1024]);
    w.set_public_v4("81.2.69.153");
    let r = w.run(&["update"]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stderr.contains("could not save the state file") && r.stderr.contains("the disk is full"),
        "{r:?}"
    );
    assert_eq!(w.state_file(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_file(&filler).unwrap();
    // Read-only: remount.
    let ro = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(ro.success());
    let r = w.run(&["update"]);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("read-only"), "{r:?}");
    assert_eq!(w.state_file(), before);
    // check still works on a read-only state.
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(1), "{c:?}");
    // The first update; the full-disk run detected and applied, then could not save; the
    // read-only run stopped before asking anything; the check detected.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 2)]);
}

/// SIGKILL during `update` runs that refresh a rotating token, save it, apply and save, at many
/// points. Against a grace provider (the old refresh token lives until the new one is used)
/// every kill is survived: the state parses, holds a grant the provider accepts, and the next
/// run recovers. Against a strict provider (the old token dies when the new one is issued) a
/// kill between the provider's rotation and the save loses the grant, as it would for any
/// client: those rounds are counted, each must be exactly that case, and the next run must say
/// so with exit 5. Returns (rounds, killed mid-run, grants lost, window widths in µs).
fn kill_rounds(tag: &str, strict: bool) -> (u32, u32, u32, Vec<u128>) {
    let w = world(tag);
    w.provider().strict = strict;
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    let kills = std::env::var("DDNS_SOAK_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200u32);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut interrupted, mut lost) = (0, 0);
    let mut windows = Vec::new();
    for i in 0..kills {
        // Each round: an expired access token (refresh with rotation) and a new address.
        let mut state = w.state_json();
        state["names"][NAME]["grant"]["access_expires_at"] = 0.into();
        let edited = serde_json::to_vec_pretty(&state).unwrap();
        std::fs::write(&w.state, &edited).unwrap();
        w.set_public_v4(&format!("81.2.{}.{}", 70 + i / 250, 1 + i % 250));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(seed % 40_000);
        let rotations = w.provider().rotated_at.len();
        let mut child = w.command(&["update"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            interrupted += 1;
        }
        // A token request the run sent just before it died may still be in the fake's hands;
        // the fake must finish it (and rotate) before the state is judged, or a rotation that
        // happens after the check looks like a loss without one.
        w.provider_idle();
        // The state parses; its refresh token is one the provider accepts, unless (strict
        // only) the provider rotated in this round and the kill came before the save.
        let state = w.state_json();
        let rt = state["names"][NAME]["grant"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        let alive = w.provider().refresh.contains(&rt);
        if !alive {
            assert!(
                strict,
                "round {i}: grace provider, yet the stored token is dead"
            );
            assert_eq!(
                w.provider().rotated_at.len(),
                rotations + 1,
                "round {i}: a token lost without a rotation in flight"
            );
            lost += 1;
            let r = w.run(&["update"]);
            assert_eq!(r.code, Some(5), "round {i}: {r:?}");
            assert!(
                r.stderr
                    .contains("the provider no longer accepts this name's grant"),
                "{r:?}"
            );
            assert_eq!(
                w.setup(&["--ipv4"]).code,
                Some(0),
                "round {i}: set up again"
            );
        }
        // The next run recovers.
        let r = w.run(&["update"]);
        assert_eq!(
            r.code,
            Some(0),
            "round {i} after a kill at {delay:?}: {r:?}"
        );
    }
    // How wide the window is: from the provider's rotation to the new refresh token in the
    // state file, watched from here.
    for round in 0..20 {
        let mut state = w.state_json();
        state["names"][NAME]["grant"]["access_expires_at"] = 0.into();
        std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        w.set_public_v4(&format!("81.2.69.{}", 100 + round));
        let rotations = w.provider().rotated_at.len();
        let mut child = w.command(&["update"]).spawn().unwrap();
        // Watched every 50 us (not the usual poll): the window is a few milliseconds wide.
        let give_up = std::time::Instant::now() + timing().patience;
        let (rotated, rt) = loop {
            let p = w.provider();
            if p.rotated_at.len() > rotations {
                let newest = p
                    .issued
                    .iter()
                    .rev()
                    .find(|t| t.starts_with("rt-"))
                    .unwrap();
                break (p.rotated_at[rotations], newest.clone());
            }
            drop(p);
            assert!(std::time::Instant::now() < give_up, "no refresh");
            std::thread::sleep(Duration::from_micros(50));
        };
        while !std::fs::read_to_string(&w.state)
            .unwrap_or_default()
            .contains(&rt)
        {
            assert!(
                std::time::Instant::now() < give_up,
                "the new token was never saved"
            );
            std::thread::sleep(Duration::from_micros(50));
        }
        let on_disk = std::time::SystemTime::now();
        windows.push(
            on_disk
                .duration_since(rotated)
                .unwrap_or_default()
                .as_micros(),
        );
        assert!(child.wait().unwrap().success());
    }
    let leftovers: Vec<_> = std::fs::read_dir(w.state.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.len() <= 1, "{leftovers:?}");
    assert!(
        interrupted > kills / 4,
        "too few kills landed mid-run: {interrupted}"
    );
    // A killed run sent anything from nothing to all a run sends, so only ranges can be
    // declared: per round the killed run (0 or 1 echo, refresh and apply), for a lost grant
    // an update refused (echo and refresh) and a new setup, then the recovering run (an echo,
    // a refresh when the killed run saved none, an apply when the killed run's is not saved);
    // the window rounds send one of each. Discovery happens only at the setups.
    let (rounds, lost_n, window) = (kills as usize, lost as usize, windows.len());
    for step in [
        Route::Settings,
        Route::Template,
        Route::Consent,
        Route::TokenCode,
    ] {
        w.budget(step, 1 + lost_n);
    }
    w.budget_between(
        Route::Echo,
        1 + rounds + lost_n + window,
        1 + 2 * rounds + lost_n + window,
    );
    w.budget_between(
        Route::TokenRefresh,
        lost_n + window,
        2 * rounds + lost_n + window,
    );
    w.budget_between(Route::Apply, 1 + rounds + window, 1 + 2 * rounds + window);
    windows.sort_unstable();
    (kills, interrupted, lost, windows)
}

#[test]
fn sigkill_at_many_points_loses_nothing_with_a_grace_provider() {
    let (kills, interrupted, lost, _) = kill_rounds("kill", false);
    eprintln!("grace: {kills} rounds, {interrupted} runs killed mid-way, {lost} grants lost");
    assert_eq!(lost, 0);
}

#[test]
fn sigkill_in_the_rotation_window_is_the_only_loss_with_a_strict_provider() {
    let (kills, interrupted, lost, windows) = kill_rounds("kill-strict", true);
    let median = windows.get(windows.len() / 2).copied().unwrap_or(0);
    let max = windows.last().copied().unwrap_or(0);
    eprintln!(
        "strict: {kills} rounds, {interrupted} runs killed mid-way, {lost} of them in the \
         window between the provider's rotation and the save (grant lost); the window (rotation \
         to the new token written): median {median} us, max {max} us over {} runs",
        windows.len()
    );
    assert!(lost < interrupted, "most kills land outside the window");
}

/// TLS that must be refused: the wrong name, an expired or not yet valid certificate (what a
/// router with its clock at 1970 or far ahead sees), a self-signed one, and plain http.
#[test]
fn bad_tls_is_refused_with_a_clear_message() {
    use support::tls::Flaw;
    let bin = &support::ddns_bin();
    let all = [
        "dc.provider.test",
        "api.provider.test",
        "ux.provider.test",
        "echo.provider.test",
    ];
    let cases: [(&str, &[&str], Flaw, i32, &str); 4] = [
        (
            "wrongname",
            &["other.test"],
            Flaw::None,
            4,
            "is not trusted (invalid peer certificate: certificate not valid for name",
        ),
        (
            "expired",
            &all,
            Flaw::Expired,
            3,
            "is not valid at this machine's time: if the clock is wrong (a router before NTP sync), set it and try again",
        ),
        (
            "future",
            &all,
            Flaw::NotYetValid,
            3,
            "is not valid at this machine's time",
        ),
        (
            "selfsigned",
            &all,
            Flaw::SelfSigned,
            4,
            "is not trusted (invalid peer certificate: UnknownIssuer)",
        ),
    ];
    for (tag, names, flaw, code, part) in cases {
        let w = World::with_certificate(bin, &format!("tls-{tag}"), names, flaw);
        let started = Instant::now();
        let r = w.run(&["setup", NAME, "--ipv4", "--code", "x"]);
        check_run(&w, tag, &r, started.elapsed(), code, part);
        assert!(
            r.stderr.starts_with(&format!(
                "ddns: the TLS certificate of dc.provider.test:{}",
                w.fake.port
            )),
            "{tag}: {r:?}"
        );
        assert_eq!(w.count(Route::Settings), 0, "{tag}: no request got through");
        assert!(!w.state.exists());
    }
    // A plain-http provider URL is refused before any request.
    let w = world("tls-http");
    w.zones().txt.insert(
        "_domainconnect.example.com".into(),
        vec!["http://dc.provider.test".into()],
    );
    let r = w.run(&["setup", NAME, "--ipv4", "--code", "x"]);
    assert_eq!(r.code, Some(4), "{r:?}");
    assert_eq!(
        r.stderr,
        "ddns: the _domainconnect.example.com TXT record ('http://dc.provider.test') is not a host name: the DNS provider's Domain Connect record is broken\n"
    );
    // And settings naming a plain-http urlAPI are refused too (tokens would travel in clear).
    let w = world("tls-http-api");
    w.provider().can(Route::Settings, Canned::new(200, r#"{"providerName":"P","urlAPI":"http://api.provider.test","urlAsyncUX":"https://ux.provider.test"}"#));
    let r = w.run(&["setup", NAME, "--ipv4", "--code", "x"]);
    assert_eq!(r.code, Some(4), "{r:?}");
    assert_eq!(
        r.stderr,
        "ddns: the provider's urlAPI is not an https:// URL ('http://api.provider.test'): ddns only sends tokens over verified TLS\n"
    );
    // The settings were read (and refused); nothing was sent to the plain-http urlAPI.
    w.expect(Route::Settings, 1);
}
