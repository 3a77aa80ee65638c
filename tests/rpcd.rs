//! The router web page's backend, `ddns rpcd`, run as rpcd runs a plugin (`list`, and `call
//! METHOD` with the arguments as JSON on stdin) against the fake provider: every method,
//! hostile input (a JSON error object and nothing run), the cron line, and no secret in any
//! reply.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::{Value, json};
use support::provider::Route;
use support::timing::{HTTP_CALL, RPCD_ANSWER, eventually, timing, wait_for, within};
use support::{NAME, SETUP, World, world};

/// `ddns rpcd call METHOD` with `args` on stdin (plus the session key rpcd adds); the reply
/// must be exactly one JSON object.
fn call(w: &World, method: &str, args: &Value) -> Value {
    call_env(w, method, args, &[])
}

fn call_env(w: &World, method: &str, args: &Value, env: &[(&str, &str)]) -> Value {
    let mut args = args.clone();
    if let Value::Object(map) = &mut args {
        map.insert("ubus_rpc_session".into(), json!("0123456789abcdef"));
    }
    let mut cmd = w.command(&["rpcd", "call", method]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = raw(cmd, &args.to_string());
    let reply: Value = serde_json::from_str(r.stdout.trim_end())
        .unwrap_or_else(|e| panic!("{method}: not one JSON object ({e}): {r:?}"));
    assert!(reply.is_object(), "{method}: {reply}");
    assert_eq!(r.stdout.lines().count(), 1, "{method}: one line: {r:?}");
    assert_eq!(
        r.code,
        Some(0),
        "{method}: rpcd ignores the status, we exit 0: {r:?}"
    );
    w.assert_no_secrets(&r.stdout);
    reply
}

fn raw(mut cmd: std::process::Command, input: &str) -> support::Run {
    use std::io::Write;
    let mut child = cmd.stdin(std::process::Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A reader that stops early (a refused input) may close the pipe: that is fine.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap().into()
}

/// The methods the page declares (openwrt/luci-app-ddns-dc's view); `list` must offer them.
const METHODS: [&str; 9] = [
    "status", "check", "probe", "log", "begin", "finish", "update", "remove", "schedule",
];

#[test]
fn list_offers_every_method_with_typed_arguments() {
    let w = world("rpcd-list");
    let r = w.run(&["rpcd", "list"]);
    let list: Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = list
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = METHODS.to_vec();
    want.sort_unstable();
    assert_eq!(names, want);
    assert_eq!(
        list["begin"]["ipv6"], false,
        "a bool argument has a bool example"
    );
    assert_eq!(list["begin"]["ipv4"], false);
    assert_eq!(list["check"], json!({"name": "str"}));
    assert_eq!(list["probe"], json!({"name": "str", "zone": "str"}));
    assert_eq!(list["schedule"]["minutes"], 0, "a number has a number");
    assert_eq!(list["finish"]["code"], "str");
}

#[test]
fn add_a_name_update_and_remove_it_through_the_page() {
    let w = world("rpcd-flow");
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["names"], json!([]));
    assert_eq!(s["running"], false);

    // Connect: the consent link; the owner approves in another tab.
    let b = call(
        &w,
        "begin",
        &json!({"name": "Home.Example.com", "ipv6": false}),
    );
    assert_eq!(b["name"], NAME);
    assert_eq!(b["provider"], "Fake DNS");
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["names"][0]["status"], "pending");
    assert_eq!(s["names"][0]["code"], "pending");
    assert_eq!(s["names"][0]["args"]["provider"], "Fake DNS");

    // Finish with the pasted address, then the first update.
    let redirect = w.browse(b["url"].as_str().unwrap());
    let f = call(&w, "finish", &json!({"name": NAME, "code": redirect}));
    assert_eq!(f["records"], json!(["A"]), "{f}");
    let u = call(&w, "update", &json!({"name": NAME}));
    assert_eq!(u["names"][0]["records"][0]["action"], "published", "{u}");
    // The status asks nothing: it says what the last update did.
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["names"][0]["status"], "updated", "{s}");
    assert_eq!(s["names"][0]["published"]["ipv4"], "81.2.69.142");
    assert_eq!(s["names"][0]["last_run"]["exit"], 0, "{s}");
    assert!(s["ipv6_route"].is_boolean(), "{s}");
    // Check now: the network check of that name.
    let c = call(&w, "check", &json!({"name": NAME}));
    assert_eq!(c["names"][0]["status"], "in-sync", "{c}");

    // Update now (forced) and a second name finished with the bare code.
    let u = call(&w, "update", &json!({"force": true}));
    assert_eq!(u["names"][0]["records"][0]["action"], "re-sent", "{u}");
    call(&w, "begin", &json!({"name": "www.example.com"}));
    let code = w.consent_code("www");
    let f = call(
        &w,
        "finish",
        &json!({"name": "www.example.com", "code": code}),
    );
    assert_eq!(f["name"], "www.example.com", "{f}");

    // Remove.
    let r = call(&w, "remove", &json!({"name": NAME}));
    assert_eq!(
        r,
        json!({"name": NAME, "removed": true, "provider": "Fake DNS", "set_up": true})
    );
    let r = call(&w, "remove", &json!({"name": NAME}));
    assert_eq!(r["error"]["class"], "usage", "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("home.example.com is not set up in "),
        "{r}"
    );
    // Two names connected (begin discovers, the browser consents, finish exchanges the
    // code); the two updates and the check detected; both updates applied. No status call
    // asked anything.
    w.budgets(&[
        (Route::Settings, 2),
        (Route::Template, 2),
        (Route::Consent, 2),
        (Route::TokenCode, 2),
        (Route::Echo, 3),
        (Route::Apply, 2),
    ]);
}

/// The Add form's Check (`probe`) says whether the name can work and sets nothing up; a
/// Connect with only IPv6 ticked (the Check found IPv4 behind carrier-grade NAT) begins a
/// consent for the AAAA record alone.
#[test]
fn the_add_forms_check_and_an_ipv6_only_connect() {
    let w = world("rpcd-probe");
    let p = call(&w, "probe", &json!({"name": "Home.Example.com"}));
    assert_eq!(p["name"], NAME, "{p}");
    assert_eq!(p["verdict"], "works", "{p}");
    assert_eq!(p["code"], "works", "{p}");
    assert_eq!(p["zone"], "example.com");
    assert!(
        p["families"].as_array().unwrap().contains(&json!("ipv4")),
        "{p}"
    );
    let p = call(&w, "probe", &json!({"name": NAME, "zone": "example.com"}));
    assert_eq!(p["zone"], "example.com", "{p}");
    assert!(!w.state.exists(), "a probe writes nothing");

    let b = call(
        &w,
        "begin",
        &json!({"name": NAME, "ipv4": false, "ipv6": true}),
    );
    assert_eq!(b["name"], NAME, "{b}");
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["names"][0]["status"], "pending", "{s}");
    assert_eq!(s["names"][0]["published"], json!({"ipv6": null}), "{s}");
    // Two probes and a begin discovered the provider; each probe detected the public IPv4
    // address, and IPv6 where this machine has a route; nothing was consented to or applied.
    let per_probe = if p["ipv6"]["route"] == true { 2 } else { 1 };
    w.budgets(&[
        (Route::Settings, 3),
        (Route::Template, 3),
        (Route::Echo, 2 * per_probe),
    ]);
}

#[test]
fn a_lost_grant_shows_in_the_status() {
    let w = world("rpcd-lost");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    w.provider().revoke_all();
    w.set_public_v4("81.2.69.180");
    let u = call(&w, "update", &json!({}));
    assert_eq!(u["names"][0]["error"]["class"], "grant-lost", "{u}");
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["names"][0]["status"], "grant-lost", "{s}");
    assert_eq!(s["names"][0]["code"], "grant-lost", "{s}");
    // The setup and first update; the page's update detected, its apply was refused (401)
    // and so was the refresh; the status asked nothing.
    w.expect_all(&SETUP);
    w.expect_all(&[
        (Route::Echo, 2),
        (Route::Apply, 2),
        (Route::TokenRefresh, 1),
    ]);
}

#[test]
fn hostile_input_gets_an_error_object_and_runs_nothing() {
    let w = world("rpcd-hostile");
    let cases: Vec<(&str, Value, &str)> = vec![
        ("begin", json!({}), "'name' is missing"),
        ("begin", json!({"name": 42}), "'name' must be a string"),
        (
            "begin",
            json!({"name": "x.example.com; reboot"}),
            "is not a valid domain name",
        ),
        (
            "begin",
            json!({"name": "$(reboot).example.com"}),
            "is not a valid domain name",
        ),
        ("begin", json!({"name": "--force"}), "is not a domain name"),
        (
            "begin",
            json!({"name": NAME, "ipv6": "yes"}),
            "'ipv6' must be true or false",
        ),
        (
            "begin",
            json!({"name": NAME, "zone": "`id`"}),
            "is not a domain name",
        ),
        (
            "begin",
            json!({"name": NAME, "ipv6_suffix": "-x"}),
            "is not an interface identifier",
        ),
        ("finish", json!({"name": NAME}), "'code' is missing"),
        (
            "finish",
            json!({"name": NAME, "code": "ab\u{0}cd"}),
            "does not look like a code",
        ),
        (
            "update",
            json!({"force": "1"}),
            "'force' must be true or false",
        ),
        (
            "update",
            json!({"name": "a b.example.com"}),
            "is not a valid domain name",
        ),
        (
            "schedule",
            json!({"minutes": 7}),
            "'minutes' must be one of",
        ),
        (
            "schedule",
            json!({"minutes": "5"}),
            "'minutes' must be one of",
        ),
        ("nosuch", json!({}), "there is no method 'nosuch'"),
        ("check", json!({}), "'name' is missing"),
        ("check", json!({"name": "-v"}), "is not a domain name"),
        ("check", json!({"name": 7}), "'name' must be a string"),
        (
            "check",
            json!({"name": ["a.example.com"]}),
            "'name' must be a string",
        ),
        (
            "check",
            json!({"name": "home.example.com --json"}),
            "is not a valid domain name",
        ),
        (
            "check",
            json!({"name": "home.example.com\n--all"}),
            "is not a valid domain name",
        ),
        ("probe", json!({}), "'name' is missing"),
        ("probe", json!({"name": true}), "'name' must be a string"),
        ("probe", json!({"name": "--zone"}), "is not a domain name"),
        (
            "probe",
            json!({"name": "x;reboot.example.com"}),
            "is not a valid domain name",
        ),
        (
            "probe",
            json!({"name": NAME, "zone": "$(id)"}),
            "is not a domain name",
        ),
        (
            "probe",
            json!({"name": NAME, "zone": 5}),
            "'zone' must be a string",
        ),
        (
            "probe",
            json!({"name": NAME, "zone": "--json"}),
            "is not a domain name",
        ),
        (
            "begin",
            json!({"name": NAME, "ipv4": "no"}),
            "'ipv4' must be true or false",
        ),
        (
            "begin",
            json!({"name": NAME, "ipv4": false, "ipv6": false}),
            "there would be no record to publish",
        ),
    ];
    for (method, args, says) in cases {
        let reply = call(&w, method, &args);
        let message = reply["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(says), "{method} {args}: {reply}");
        assert_eq!(reply["error"]["class"], "usage", "{method} {args}");
    }
    for (input, says) in [
        ("[1,2]", "not a JSON object"),
        ("\"x\"", "not a JSON object"),
        ("{\"name\":", "not a JSON object"),
        (&*" ".repeat(70_000), "larger than 64 KiB"),
    ] {
        let r = raw(w.command(&["rpcd", "call", "begin"]), input);
        let reply: Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(
            reply["error"]["message"].as_str().unwrap().contains(says),
            "{reply}"
        );
    }
    let r = w.run(&["rpcd", "frobnicate"]);
    let reply: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(reply["error"]["class"], "usage");
    // Nothing was run: no request reached the provider, no state was written.
    assert!(w.provider().log.is_empty(), "{:?}", w.provider().log);
    assert!(!w.state.exists());
}

#[test]
fn the_schedule_keeps_one_cron_line_and_leaves_the_others() {
    let w = world("rpcd-cron");
    let crontab = w.dir.join("crontab");
    std::fs::write(&crontab, "0 4 * * * /sbin/reboot\n").unwrap();
    let env = [("DDNS_CRONTAB", crontab.to_str().unwrap())];
    let bin = w.bin.display().to_string();
    let r = call_env(&w, "schedule", &json!({"minutes": 5}), &env);
    assert_eq!(r["minutes"], 5);
    let line = format!(
        "set -f; DDNS_ON_CHANGE_DIRS=/etc/ddns:/usr/share/ddns-dc {bin} --syslog update \
         --on-change \"$(uci -q get ddns-dc.hook.on_change)\" -- $(uci -q get ddns-dc.hook.name) \
         # ddns-dc (LuCI)"
    );
    assert_eq!(
        std::fs::read_to_string(&crontab).unwrap(),
        format!("0 4 * * * /sbin/reboot\n*/5 * * * * {line}\n")
    );
    assert_eq!(
        call_env(&w, "status", &json!({}), &env)["schedule"]["minutes"],
        5
    );
    call_env(&w, "schedule", &json!({"minutes": 30}), &env);
    assert_eq!(
        std::fs::read_to_string(&crontab).unwrap(),
        format!("0 4 * * * /sbin/reboot\n*/30 * * * * {line}\n")
    );
    call_env(&w, "schedule", &json!({"minutes": 0}), &env);
    assert_eq!(
        std::fs::read_to_string(&crontab).unwrap(),
        "0 4 * * * /sbin/reboot\n"
    );
    assert_eq!(
        call_env(&w, "status", &json!({}), &env)["schedule"]["minutes"],
        0
    );
}

#[test]
fn log_returns_the_last_lines_of_logread() {
    let w = world("rpcd-log");
    let bin = w.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // A stand-in for OpenWrt's logread, found through PATH as on the router. The backend asks
    // for the lines tagged with its own file name (`ddns-dc` on a router).
    let program = w.bin.file_name().unwrap().to_string_lossy().into_owned();
    let script = bin.join("logread");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"-e {program}\" ] || exit 1\ni=0\nwhile [ $i -lt 60 ]; do \
             echo \"Nov 27 10:00:$i {program}[1]: line $i\"; i=$((i+1)); done\n"
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&script).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let r = call_env(&w, "log", &json!({}), &[("PATH", &path)]);
    let lines = r["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 50);
    assert_eq!(lines[49], format!("Nov 27 10:00:59 {program}[1]: line 59"));
}

/// LuCI gives up on a call after 20 s: a slow update answers `running` within the bound and
/// goes on in the background, and `status` says so until it is done.
#[test]
fn a_slow_update_goes_on_in_the_background() {
    let w = world("rpcd-slow");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    // The apply is answered after rpcd's answer is due and before ddns's own call limit: a
    // `running` reply can only come from rpcd's timer, and the update then succeeds.
    let late = (RPCD_ANSWER + HTTP_CALL) / 2;
    w.can(Route::Apply, support::provider::Canned::late(202, "", late));
    let started = std::time::Instant::now();
    let u = call(&w, "update", &json!({}));
    let took = started.elapsed();
    assert_eq!(u, json!({"running": true}));
    assert!(took < within(RPCD_ANSWER), "answered in {took:?}");
    assert_eq!(call(&w, "status", &json!({}))["running"], true);
    // (A canned apply reply does not change the fake's zone: the state file tells.)
    wait_for("the background update", late + timing().patience, || {
        !w.state_json()["names"][NAME]["published"]["ipv4"].is_null()
    });
    // The background run saves after the apply; wait for its lock to go (taking it for an
    // instant, as a status call's check of `running` does).
    let lock = std::fs::File::open(w.state.with_extension("json.lock")).unwrap();
    eventually("the background run's lock released", || {
        lock.try_lock().is_ok_and(|()| lock.unlock().is_ok())
    });
    let s = call(&w, "status", &json!({}));
    assert_eq!(s["running"], false, "{s}");
    assert_eq!(s["names"][0]["published"]["ipv4"], "81.2.69.142", "{s}");
    assert_eq!(s["names"][0]["status"], "updated", "{s}");
    // The update detected and applied; the status calls asked nothing.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

/// A run that a signal ends is said so on the page: a crash signal (the router builds end a
/// panic with a trap and no message) is a `bug`, any other signal (the kernel's out-of-memory
/// killer) a `transient` error; never "printed no JSON document".
#[test]
fn a_run_ended_by_a_signal_is_reported_as_such() {
    use nix::sys::signal::{Signal, kill};
    for (signal, class, words) in [
        (
            Signal::SIGABRT,
            "bug",
            "ddns update crashed (SIGABRT), a bug in ddns",
        ),
        (
            Signal::SIGKILL,
            "transient",
            "ddns update was stopped by SIGKILL (the router may be short of memory)",
        ),
    ] {
        let w = world(&format!("rpcd-{}", signal.as_str()));
        assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
        // The apply is answered late, so the run is still waiting when the signal comes: it
        // is sent as soon as the apply has arrived.
        w.can(
            Route::Apply,
            support::provider::Canned::late(202, "", timing().hold),
        );
        let state = w.state_arg.to_string_lossy().into_owned();
        let provider = std::sync::Arc::clone(&w.fake.provider);
        let killer = std::thread::spawn(move || {
            let mut pid = None;
            eventually("the update run", || {
                pid = update_run_of(&state);
                pid.is_some()
            });
            eventually("the run's apply", || {
                provider.lock().unwrap().count(Route::Apply) > 0
            });
            kill(nix::unistd::Pid::from_raw(pid.unwrap()), signal).unwrap();
        });
        let reply = call(&w, "update", &json!({}));
        killer.join().unwrap();
        assert_eq!(reply["error"]["class"], class, "{reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(words), "{reply}");
        assert_eq!(
            w.state_json()["names"][NAME]["published"]["ipv4"],
            Value::Null
        );
        // The killed run had detected and sent its apply.
        w.expect_all(&SETUP);
        w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    }
}

/// The process id of the `update --json` run started for the state file `state`.
fn update_run_of(state: &str) -> Option<i32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let wanted = format!("DDNS_STATE={state}");
        if args.iter().any(|a| *a == b"update")
            && args.iter().any(|a| *a == b"--json")
            && environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes())
        {
            return Some(pid);
        }
    }
    None
}
