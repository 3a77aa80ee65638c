//! `ddns rpcd list | call METHOD`: the backend of the router's web page (LuCI), as an rpcd exec
//! plugin (`/usr/libexec/rpcd/ddns-dc` is a two-line `sh` wrapper that execs this). rpcd runs
//! `list` at start for the method signatures, and `call METHOD` with the arguments as one JSON
//! object on stdin; the reply is one JSON object on stdout (never anything else: rpcd maps
//! other output to an error status the page cannot show).
//!
//! Each method checks its typed arguments, then runs this same binary's subcommand (`setup
//! --begin --json`, `update --json`, `check --json`, `remove --json`, ...) as a child with an
//! argument vector, never through a shell, and passes its JSON document on: the page's shapes
//! are the CLI's. A failed subcommand's document is its error, read back through the same
//! serde type (`error::Error`, with its class and code); no sentence is ever matched. The
//! OpenWrt parts (crontab, logread) are `platform/openwrt.rs`.
//! LuCI gives up on a call after 20 s, so every call answers within [`ANSWER_WITHIN`]; an
//! update or a code exchange that takes longer goes on in the background (the page polls
//! `status`), since stopping it could cost the grant.

use crate::error::{Class, Code, Error, Result};
use crate::platform::openwrt;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A call answers within this time.
const ANSWER_WITHIN: Duration = Duration::from_secs(12);
/// Arguments larger than this are refused unread.
const MAX_INPUT: u64 = 64 * 1024;
/// Lines of the log `log` returns.
const LOG_LINES: usize = 50;
/// A subcommand's JSON document larger than this is not read.
const MAX_OUTPUT: usize = 1 << 20;

/// The methods and their argument types, as rpcd's `list` wants them (example values).
fn signatures() -> Value {
    json!({
        "status": {},
        "check": {"name": "str"},
        "probe": {"name": "str", "zone": "str"},
        "log": {},
        "begin": {"name": "str", "zone": "str", "ipv4": false, "ipv6": false, "ipv6_suffix": "str"},
        "finish": {"name": "str", "code": "str"},
        "update": {"name": "str", "force": false},
        "remove": {"name": "str"},
        "schedule": {"minutes": 0},
    })
}

/// Run `rpcd ARGS...`: print exactly one JSON object; the exit status is always 0 (rpcd
/// ignores it).
pub fn run(args: &[String]) {
    let reply = match args {
        [list] if list == "list" => signatures(),
        [call, method] if call == "call" => {
            call_method(method).unwrap_or_else(|e| json!({ "error": e }))
        }
        _ => json!({"error": Error::usage(
            "rpcd takes `list` or `call METHOD` (with the arguments as JSON on stdin)"
        )}),
    };
    crate::out::say(&reply.to_string());
}

fn call_method(method: &str) -> Result<Value> {
    let args = openwrt::read_args(MAX_INPUT)?;
    match method {
        "status" => status(),
        "check" => check(&args),
        "probe" => probe(&args),
        "log" => log(),
        "begin" => begin(&args),
        "finish" => finish(&args),
        "update" => update(&args),
        "remove" => remove(&args),
        "schedule" => schedule(&args),
        other => Err(Error::usage(format!(
            "there is no method '{}': see `ddns rpcd list`",
            crate::error::printable(other, 40)
        ))),
    }
}

/// The `name` argument, checked as a domain name before it goes near a command line (a
/// value starting with `-` would otherwise read as an option).
fn name(args: &Map<String, Value>) -> Result<String> {
    let raw = openwrt::text(args, "name")?.ok_or_else(|| Error::usage("'name' is missing"))?;
    crate::name::normalise(raw)
}

/// This binary, to run its own subcommands.
fn me() -> Result<std::path::PathBuf> {
    std::env::current_exe().map_err(|e| {
        Error::new(
            Class::Bug,
            format!("could not find the ddns binary to run ({e})"),
        )
    })
}

/// How a child that does not finish within [`ANSWER_WITHIN`] is treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Late {
    /// Stopped: nothing it does can be lost (a lookup, a discovery).
    Stop,
    /// Left running in the background: stopping it could cost a code or a token.
    Background,
}

/// Run this binary with `args` (and `input` on its stdin) and return its JSON document. What
/// changes something (setup, update, remove) runs with `--syslog`, so what the page started is
/// in the router's log; what only looks (`status`, polled by the page every few seconds;
/// `check`, `probe`) does not. Its stdout is read while it runs (a document larger than a pipe
/// holds, `status` of 200 names, would otherwise stall it until the answer time), at most
/// [`MAX_OUTPUT`] of it.
fn subcommand(
    args: &[&str],
    late: Late,
    env: &[(&str, &str)],
    input: Option<&str>,
) -> Result<Value> {
    let logged = matches!(args.first(), Some(&("setup" | "update" | "remove")));
    let mut child = Command::new(me()?)
        .args(logged.then_some("--syslog"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::transient(format!("could not start ddns ({e})")))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        // A line far below a pipe's size: written at once, then closed. A child that stopped
        // early only closes its end.
        let _ = stdin.write_all(format!("{text}\n").as_bytes());
    }
    let what = args.first().copied().unwrap_or("");
    let (status, out) = run_to_end(&mut child, Instant::now() + ANSWER_WITHIN)?;
    let Some(status) = status else {
        if late == Late::Stop {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::transient(format!(
                "ddns {what} did not finish within {} seconds (a slow network or provider?): \
                 try again",
                ANSWER_WITHIN.as_secs()
            )));
        }
        // It goes on; its output is no longer read (ddns ignores a closed pipe).
        return Ok(json!({"running": true}));
    };
    if let Some(e) = crate::platform::signals::ended_by(what, status) {
        return Err(e);
    }
    document(what, &out)
}

/// A subcommand's JSON document: its error (`{"error": {...}}`) as an `Err`, else the document.
fn document(what: &str, out: &[u8]) -> Result<Value> {
    #[derive(serde::Deserialize)]
    struct Failed {
        error: Error,
    }
    match serde_json::from_slice::<Value>(out) {
        Ok(doc @ Value::Object(_)) if doc.get("error").is_some() => {
            match serde_json::from_value::<Failed>(doc) {
                Ok(failed) => Err(failed.error),
                Err(_) => Err(Error::new(
                    Class::Bug,
                    format!("ddns {what} printed an error document without class or message"),
                )),
            }
        }
        Ok(doc @ Value::Object(_)) => Ok(doc),
        _ => Err(Error::new(
            Class::Bug,
            format!("ddns {what} printed no JSON document"),
        )),
    }
}

/// Wait for `child` until `deadline`, reading its stdout all the while (a document larger than
/// a pipe holds would otherwise stall it), keeping at most [`MAX_OUTPUT`] bytes (none at all past
/// that: a cut document is no document). Its exit status (`None` at the deadline) and output;
/// after it exits, its stdout is read to the end, or to the deadline if a child of its own
/// still holds it.
fn run_to_end(child: &mut Child, deadline: Instant) -> Result<(Option<ExitStatus>, Vec<u8>)> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let mut stdout = child.stdout.take();
    let (mut out, mut over, mut status) = (Vec::new(), false, None);
    // After its output ends, a child is reaped a moment later: look again after 1 ms, then
    // at doubling intervals up to 20 ms (a flat 20 ms added that much to every page refresh).
    let mut nap = Duration::from_millis(1);
    loop {
        if status.is_none() {
            status = (child.try_wait())
                .map_err(|e| Error::transient(format!("could not wait for ddns ({e})")))?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(pipe) = stdout.as_mut() else {
            if status.is_some() || left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(nap));
            nap = (nap * 2).min(Duration::from_millis(20));
            continue;
        };
        if left.is_zero() {
            break;
        }
        // Until it exits, look at it every 20 ms; then wait for the rest of its output.
        let wait = if status.is_some() {
            left
        } else {
            left.min(Duration::from_millis(20))
        };
        let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
        if poll(&mut fds, timeout).is_ok_and(|n| n > 0) {
            let mut buffer = [0u8; 16 * 1024];
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => stdout = None,
                Ok(n) if out.len() + n <= MAX_OUTPUT => out.extend_from_slice(&buffer[..n]),
                Ok(_) => over = true,
            }
        }
    }
    if over {
        out.clear();
    }
    Ok((status, out))
}

/// The lock is not waited on for long from a web page: a run holding it finishes first.
const SHORT_LOCK_WAIT: (&str, &str) = ("DDNS_LOCK_WAIT", "10");

/// What is stored and what the last update did, with no packet (the page refreshes with it),
/// plus the cron interval, whether an update runs now, and whether this router has a global
/// IPv6 route (the Add form's IPv6 box follows it, as `setup` does).
fn status() -> Result<Value> {
    let mut doc = match subcommand(&["status", "--json"], Late::Stop, &[], None) {
        // No name yet is not an error for the page: it shows "Add a name".
        Err(e) if e.code == Some(Code::NoNames) => json!({"names": [], "last_run": null}),
        other => other?,
    };
    if let Value::Object(map) = &mut doc {
        let exe = me()?.display().to_string();
        map.insert(
            "schedule".into(),
            json!({"minutes": openwrt::read_schedule(&exe)}),
        );
        map.insert("running".into(), Value::Bool(update_running()));
        map.insert(
            "ipv6_route".into(),
            Value::Bool(crate::detect::has_global_ipv6()),
        );
    }
    Ok(doc)
}

/// The network check of one name (`check --json`): the page's "Check now".
fn check(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    subcommand(&["check", &name, "--json"], Late::Stop, &[], None)
}

/// Will it work with this name (`probe --json`): the Add form's Check button.
fn probe(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    let zone = openwrt::text(args, "zone")?
        .map(crate::name::normalise)
        .transpose()?;
    let mut command_line = vec!["probe", name.as_str(), "--json"];
    if let Some(zone) = &zone {
        command_line.extend(["--zone", zone.as_str()]);
    }
    subcommand(&command_line, Late::Stop, &[], None)
}

/// Whether a run holds the state lock now (an update the page started, say).
fn update_running() -> bool {
    let env = crate::context::Env::from_process();
    let path = crate::context::Context::new(&env, None, None, &[])
        .map(|c| c.state_path)
        .unwrap_or_default();
    crate::state::is_locked(&path)
}

fn begin(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    let mut command_line = vec!["setup", name.as_str(), "--begin", "--json"];
    let zone = openwrt::text(args, "zone")?
        .map(crate::name::normalise)
        .transpose()?;
    if let Some(zone) = &zone {
        command_line.extend(["--zone", zone.as_str()]);
    }
    let suffix = openwrt::text(args, "ipv6_suffix")?;
    if let Some(suffix) = suffix {
        crate::address::parse_suffix(suffix).ok_or_else(|| {
            Error::usage(format!(
                "'{}' is not an interface identifier: give the host's lower 64 bits, such as \
                 ::1234:5678:9abc:def0",
                crate::error::printable(suffix, 80)
            ))
        })?;
        command_line.extend(["--ipv6-suffix", suffix.trim()]);
    }
    // A (unless `ipv4` is false: the Add form's Check found IPv4 behind carrier-grade NAT),
    // AAAA when asked for.
    let ipv4 = args.get("ipv4").is_none_or(Value::is_null) || openwrt::flag(args, "ipv4")?;
    let ipv6 = openwrt::flag(args, "ipv6")? || suffix.is_some();
    if !ipv4 && !ipv6 {
        return Err(Error::usage(
            "'ipv4' and 'ipv6' are both false: there would be no record to publish",
        ));
    }
    command_line.extend(ipv4.then_some("--ipv4"));
    command_line.extend(ipv6.then_some("--ipv6"));
    subcommand(&command_line, Late::Stop, &[SHORT_LOCK_WAIT], None)
}

fn finish(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    let code = openwrt::text(args, "code")?
        .map(str::trim)
        .ok_or_else(|| Error::usage("'code' is missing: paste the code the consent page showed"))?;
    // One line, as `setup --code -` reads it: a control character (a NUL, a line break) is no
    // part of a code, and a NUL could not even be passed on.
    if code.len() > 4096 || code.contains(char::is_control) {
        return Err(Error::usage(
            "that does not look like a code: paste the code the consent page showed, or the \
             whole address of that page",
        ));
    }
    // On stdin, never on the command line, which every local user can read in /proc.
    subcommand(
        &["setup", &name, "--code", "-", "--json"],
        Late::Background,
        &[],
        Some(code),
    )
}

fn update(args: &Map<String, Value>) -> Result<Value> {
    let name = openwrt::text(args, "name")?
        .map(crate::name::normalise)
        .transpose()?;
    let mut command_line = vec!["update", "--json"];
    if openwrt::flag(args, "force")? {
        command_line.push("--force");
    }
    if let Some(name) = &name {
        command_line.push(name);
    }
    subcommand(&command_line, Late::Background, &[], None)
}

fn remove(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    subcommand(
        &["remove", &name, "--json"],
        Late::Stop,
        &[SHORT_LOCK_WAIT],
        None,
    )
}

/// The last lines this binary logged (tagged with its file name), oldest first.
fn log() -> Result<Value> {
    let tag = me()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "ddns".into());
    Ok(json!({ "lines": openwrt::log_lines(&tag, LOG_LINES)? }))
}

fn schedule(args: &Map<String, Value>) -> Result<Value> {
    let minutes = match args.get("minutes") {
        Some(Value::Number(n)) => n.as_u64().filter(|m| [0, 5, 10, 30, 60].contains(m)),
        _ => None,
    }
    .ok_or_else(|| Error::usage("'minutes' must be one of 0 (off), 5, 10, 30 or 60"))?;
    let restarted = openwrt::schedule(&me()?.display().to_string(), minutes)?;
    Ok(json!({"minutes": minutes, "cron_restarted": restarted}))
}
