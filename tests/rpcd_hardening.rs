//! The router page's backend, `ddns rpcd`, against what a security review found (issue 22):
//! the pasted code on a command line, root's crontab rewritten with another mode and without a
//! user's own line, `status` stalling on a large document, the log showing any line that
//! mentions the tag, and a NUL in a code taken for a transient failure.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::{Value, json};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use support::provider::Route;
use support::timing::{RPCD_ANSWER, eventually, timing, within};
use support::{NAME, World, world};

/// `ddns rpcd call METHOD` with `args` on stdin and `env`; the one JSON object it prints.
fn call(w: &World, method: &str, args: &Value, env: &[(&str, &str)]) -> Value {
    use std::io::Write;
    let mut cmd = w.command(&["rpcd", "call", method]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdin(std::process::Stdio::piped()).spawn().unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(args.to_string().as_bytes());
    let r: support::Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.stdout.lines().count(), 1, "{method}: one line: {r:?}");
    w.assert_no_secrets(&r.stdout);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{method} ({e}): {r:?}"))
}

/// The command line of the running `setup` for this world's state file, once it shows up.
fn setup_command_line(state: &str) -> Option<Vec<String>> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let wanted = format!("DDNS_STATE={state}");
        if !environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = (cmdline.split(|b| *b == 0))
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().any(|a| a == "setup") {
            return Some(args);
        }
    }
    None
}

/// Issue 22, item 2: `finish` ran `ddns setup NAME --code <text>`, so the code sat in
/// /proc/PID/cmdline, readable by every local user, for the whole exchange. It goes on the
/// child's stdin (`--code -`).
#[test]
fn finish_passes_the_code_on_stdin_never_on_the_command_line() {
    let w = world("rpcdh-cmdline");
    let b = call(&w, "begin", &json!({"name": NAME}), &[]);
    let redirect = w.browse(b["url"].as_str().unwrap());
    // The provider holds its token reply back, so the exchange can be watched.
    w.provider().token_delay = timing().hold;
    let state = w.state_arg.to_string_lossy().into_owned();
    let watcher = std::thread::spawn(move || {
        let mut seen = None;
        eventually("the setup run", || {
            seen = setup_command_line(&state);
            seen.is_some()
        });
        seen.unwrap()
    });
    let f = call(&w, "finish", &json!({"name": NAME, "code": redirect}), &[]);
    let args = watcher.join().unwrap();
    assert_eq!(f["name"], NAME, "{f}");
    let code = redirect
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(!args.join(" ").contains(code), "{args:?}");
    let at = args.iter().position(|a| a == "--code").unwrap();
    assert_eq!(args[at + 1], "-", "{args:?}");
    w.budgets(&[
        (Route::Settings, 1),
        (Route::Template, 1),
        (Route::Consent, 1),
        (Route::TokenCode, 1),
    ]);
}

/// Issue 22, item 10: a NUL in a code made the child unstartable, reported as a transient
/// failure ("try again"); it is a usage error, and nothing is run.
#[test]
fn a_control_character_in_a_code_is_a_usage_error() {
    let w = world("rpcdh-nul");
    for code in ["ab\u{0}cd", "ab\ncd"] {
        let reply = call(&w, "finish", &json!({"name": NAME, "code": code}), &[]);
        assert_eq!(reply["error"]["class"], "usage", "{code:?}: {reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("that does not look like a code"),
            "{reply}"
        );
    }
    assert!(w.provider().log.is_empty());
}

/// Issue 22, item 3: `schedule` rewrote /etc/crontabs/root as 0644 (it was 0600) and removed
/// every line running the binary's `update`, a user's own included. Its own line is marked and
/// is the only one it touches; mode and owner stay; the unmarked line the previous release
/// wrote is taken over once, in its place.
#[test]
fn the_schedule_touches_only_its_own_marked_line_and_keeps_the_mode() {
    let w = world("rpcdh-cron");
    let crontab = w.dir.join("crontab");
    let bin = w.bin.display().to_string();
    let old_page = format!(
        "*/10 * * * * {bin} --syslog update --on-change \"$(uci -q get ddns-dc.hook.on_change)\""
    );
    let users = format!("*/15 * * * * {bin} --syslog update home.example.com");
    std::fs::write(
        &crontab,
        format!("0 4 * * * /sbin/reboot\n{old_page}\n{users}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&crontab, std::fs::Permissions::from_mode(0o600)).unwrap();
    let owner = if support::is_root() {
        std::os::unix::fs::chown(&crontab, Some(1234), Some(1234)).unwrap();
        (1234, 1234)
    } else {
        let m = std::fs::metadata(&crontab).unwrap();
        (m.uid(), m.gid())
    };
    let env = [("DDNS_CRONTAB", crontab.to_str().unwrap())];
    assert_eq!(
        call(&w, "status", &json!({}), &env)["schedule"]["minutes"],
        10
    );
    let page = |minutes: &str| {
        format!(
            "{minutes} set -f; DDNS_ON_CHANGE_DIRS=/etc/ddns:/usr/share/ddns-dc {bin} --syslog \
             update --on-change \"$(uci -q get ddns-dc.hook.on_change)\" -- $(uci -q get \
             ddns-dc.hook.name) # ddns-dc (LuCI)"
        )
    };
    for (minutes, when) in [(5, "*/5 * * * *"), (60, "0 * * * *")] {
        let r = call(&w, "schedule", &json!({"minutes": minutes}), &env);
        assert_eq!(r["minutes"], minutes, "{r}");
        assert_eq!(
            std::fs::read_to_string(&crontab).unwrap(),
            format!("0 4 * * * /sbin/reboot\n{}\n{users}\n", page(when))
        );
        let meta = std::fs::metadata(&crontab).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o600);
        assert_eq!((meta.uid(), meta.gid()), owner);
        assert_eq!(
            call(&w, "status", &json!({}), &env)["schedule"]["minutes"],
            minutes
        );
    }
    call(&w, "schedule", &json!({"minutes": 0}), &env);
    assert_eq!(
        std::fs::read_to_string(&crontab).unwrap(),
        format!("0 4 * * * /sbin/reboot\n{users}\n")
    );
    assert_eq!(
        call(&w, "status", &json!({}), &env)["schedule"]["minutes"],
        0
    );
}

/// Issue 22, item 8: `status` read the child's stdout only after it exited, so a document
/// larger than a pipe holds (about 65 names of `check --json` then, 150 of `status --json`
/// now) stalled it until the answer time and failed. 200 names answer at once.
#[test]
fn status_of_200_names_answers_at_once() {
    let w = support::published("rpcdh-200");
    let mut state = w.state_json();
    let entry = state["names"][NAME].clone();
    for i in 0..200 {
        let mut e = entry.clone();
        e["setup"]["host"] = format!("h{i}").into();
        state["names"][format!("h{i}.example.com")] = e;
    }
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let s = call(&w, "status", &json!({}), &[]);
    let took = started.elapsed();
    assert_eq!(s["names"].as_array().map(Vec::len), Some(201), "{s}");
    assert!(took < within(RPCD_ANSWER), "answered after {took:?}");
    assert!(s.to_string().len() > 64 * 1024);
    // (The status asks nothing: the budget is the published world's.)
}

/// Issue 22, item 9: the page's log showed every line `logread -e ddns-dc` matched, whatever
/// daemon wrote it (and anyone can put text in a log line). Only lines tagged as ours stay.
#[test]
fn the_log_keeps_only_lines_tagged_as_ours() {
    let w = world("rpcdh-log");
    let bin = w.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tag = w.bin.file_name().unwrap().to_string_lossy().into_owned();
    let lines = [
        format!("Thu Nov 27 10:00:01 2025 daemon.info {tag}[12]: home.example.com A unchanged"),
        format!("Thu Nov 27 10:00:02 2025 daemon.info dnsmasq[3]: query[A] {tag}.example.com"),
        format!("Thu Nov 27 10:00:03 2025 authpriv.notice sshd[9]: user {tag}[1]: <b>hi</b>"),
        format!("Thu Nov 27 10:00:04 2025 user.notice evil-{tag}: spoofed"),
        format!("Thu Nov 27 10:00:05 2025 daemon.err {tag}[13]: ddns: a failure"),
    ];
    let script = bin.join("logread");
    let mut text = format!("#!/bin/sh\n[ \"$1 $2\" = \"-e {tag}\" ] || exit 1\ncat <<'EOF'\n");
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str("EOF\n");
    std::fs::write(&script, text).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let r = call(&w, "log", &json!({}), &[("PATH", &path)]);
    assert_eq!(r["lines"], json!([lines[0], lines[4]]), "{r}");
}
