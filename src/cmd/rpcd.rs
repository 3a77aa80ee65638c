//! `ddns rpcd list | call METHOD`: the backend of the router's web page (LuCI), as an rpcd exec
//! plugin (`/usr/libexec/rpcd/ddns-dc` is a two-line `sh` wrapper that execs this). rpcd runs
//! `list` at start for the method signatures, and `call METHOD` with the arguments as one JSON
//! object on stdin; the reply is one JSON object on stdout (never anything else: rpcd maps
//! other output to an error status the page cannot show).
//!
//! Each method checks its typed arguments, then runs this same binary's subcommand (`setup
//! --begin --json`, `update --json`, `check --json`, ...) as a child with an argument vector,
//! never through a shell, and passes its JSON document on: the page's shapes are the CLI's.
//! LuCI gives up on a call after 20 s, so every call answers within [`ANSWER_WITHIN`]; an
//! update or a code exchange that takes longer goes on in the background (the page polls
//! `status`), since stopping it could cost the grant.

use crate::error::{Class, Error, Result};
use serde_json::{Map, Value, json};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A call answers within this time.
const ANSWER_WITHIN: Duration = Duration::from_secs(12);
/// Arguments larger than this are refused unread.
const MAX_INPUT: u64 = 64 * 1024;
/// Lines of the log `log` returns.
const LOG_LINES: usize = 50;
/// Where cron reads root's jobs on OpenWrt (`DDNS_CRONTAB` overrides it).
const CRONTAB: &str = "/etc/crontabs/root";

/// The methods and their argument types, as rpcd's `list` wants them (example values).
fn signatures() -> Value {
    json!({
        "status": {},
        "log": {},
        "begin": {"name": "str", "zone": "str", "ipv6": false, "ipv6_suffix": "str"},
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
    let args = read_args()?;
    match method {
        "status" => status(),
        "log" => log(),
        "begin" => begin(&args),
        "finish" => finish(&args),
        "update" => update(&args),
        "remove" => remove(&args),
        "schedule" => schedule(&args),
        other => Err(Error::usage(format!(
            "there is no method '{}': see `ddns rpcd list`",
            crate::out::printable(other, 40)
        ))),
    }
}

/// The arguments: one JSON object on stdin, at most [`MAX_INPUT`] bytes.
fn read_args() -> Result<Map<String, Value>> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut input)
        .map_err(|e| Error::usage(format!("could not read the arguments ({e})")))?;
    if input.len() as u64 > MAX_INPUT {
        return Err(Error::usage(
            "the arguments are larger than 64 KiB: nothing was run",
        ));
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(&input) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::usage(
            "the arguments are not a JSON object: nothing was run",
        )),
    }
}

/// A string argument: `Ok(None)` when absent (or empty), an error when of another type.
fn text<'a>(args: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Error::usage(format!("'{key}' must be a string"))),
    }
}

fn flag(args: &Map<String, Value>, key: &str) -> Result<bool> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::usage(format!("'{key}' must be true or false"))),
    }
}

/// The `name` argument, checked as a domain name before it goes near a command line (a
/// value starting with `-` would otherwise read as an option).
fn name(args: &Map<String, Value>) -> Result<String> {
    let raw = text(args, "name")?.ok_or_else(|| Error::usage("'name' is missing"))?;
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

/// Run this binary with `args` and return its JSON document. What changes something runs with
/// `--syslog`, so what the page started is in the router's log; `check` (polled by the page
/// every few seconds) does not.
fn subcommand(args: &[&str], late: Late, env: &[(&str, &str)]) -> Result<Value> {
    let logged = args.first() != Some(&"check");
    let mut child = Command::new(me()?)
        .args(logged.then_some("--syslog"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::transient(format!("could not start ddns ({e})")))?;
    let what = args.first().copied().unwrap_or("");
    let Some(status) = finished_in_time(&mut child)? else {
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
    if let Some(signal) = status.signal() {
        return Err(ended_by(what, signal));
    }
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.by_ref().take(1 << 20).read_to_end(&mut out);
    }
    match serde_json::from_slice::<Value>(&out) {
        Ok(doc @ Value::Object(_)) => Ok(doc),
        _ => Err(Error::new(
            Class::Bug,
            format!("ddns {what} printed no JSON document"),
        )),
    }
}

fn finished_in_time(child: &mut Child) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + ANSWER_WITHIN;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Some(status)),
            Ok(None) if Instant::now() >= deadline => return Ok(None),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::transient(format!("could not wait for ddns ({e})"))),
        }
    }
}

/// The error for a run that a signal ended. A crash signal is a bug in ddns: the router builds
/// end a panic with a trap and no message (`-Cpanic=immediate-abort`), so this is all the page
/// can say. Any other signal came from outside, such as the kernel stopping a process when
/// memory runs out.
fn ended_by(what: &str, signal: i32) -> Error {
    use nix::sys::signal::Signal;
    let known = Signal::try_from(signal).ok();
    let name = known.map_or_else(|| format!("signal {signal}"), |s| s.as_str().to_string());
    match known {
        Some(
            Signal::SIGILL
            | Signal::SIGTRAP
            | Signal::SIGABRT
            | Signal::SIGBUS
            | Signal::SIGFPE
            | Signal::SIGSEGV,
        ) => Error::new(
            Class::Bug,
            format!(
                "ddns {what} crashed ({name}), a bug in ddns: please report it with the output \
                 of `ddns --version`"
            ),
        ),
        _ => Error::transient(format!(
            "ddns {what} was stopped by {name} (the router may be short of memory): try again"
        )),
    }
}

/// The lock is not waited on for long from a web page: a run holding it finishes first.
const SHORT_LOCK_WAIT: (&str, &str) = ("DDNS_LOCK_WAIT", "10");

fn status() -> Result<Value> {
    let mut doc = match subcommand(&["check", "--json"], Late::Stop, &[])? {
        // No name yet is not an error for the page: it shows "Add a name".
        Value::Object(map) if map.contains_key("error") && no_names(&map) => {
            json!({"names": [], "exit": 0})
        }
        doc => doc,
    };
    if let Value::Object(map) = &mut doc {
        map.insert("schedule".into(), json!({"minutes": read_schedule()}));
        map.insert("running".into(), Value::Bool(update_running()));
    }
    Ok(doc)
}

/// Whether `check` failed only because no name is set up.
fn no_names(doc: &Map<String, Value>) -> bool {
    doc.get("error")
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .is_some_and(|m| m.starts_with("no name is set up in "))
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
    let zone = text(args, "zone")?
        .map(crate::name::normalise)
        .transpose()?;
    if let Some(zone) = &zone {
        command_line.extend(["--zone", zone.as_str()]);
    }
    let suffix = text(args, "ipv6_suffix")?;
    if let Some(suffix) = suffix {
        crate::address::parse_suffix(suffix).ok_or_else(|| {
            Error::usage(format!(
                "'{}' is not an interface identifier: give the host's lower 64 bits, such as \
                 ::1234:5678:9abc:def0",
                crate::out::printable(suffix, 80)
            ))
        })?;
        command_line.extend(["--ipv6-suffix", suffix.trim()]);
    }
    if flag(args, "ipv6")? || suffix.is_some() {
        command_line.extend(["--ipv4", "--ipv6"]);
    } else {
        command_line.push("--ipv4");
    }
    subcommand(&command_line, Late::Stop, &[SHORT_LOCK_WAIT])
}

fn finish(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    let code = text(args, "code")?
        .map(str::trim)
        .ok_or_else(|| Error::usage("'code' is missing: paste the code the consent page showed"))?;
    if code.starts_with('-') || code.len() > 4096 {
        return Err(Error::usage(
            "that does not look like a code: paste the code the consent page showed, or the \
             whole address of that page",
        ));
    }
    subcommand(
        &["setup", &name, "--code", code, "--json"],
        Late::Background,
        &[],
    )
}

fn update(args: &Map<String, Value>) -> Result<Value> {
    let name = text(args, "name")?
        .map(crate::name::normalise)
        .transpose()?;
    let mut command_line = vec!["update", "--json"];
    if flag(args, "force")? {
        command_line.push("--force");
    }
    if let Some(name) = &name {
        command_line.push(name);
    }
    subcommand(&command_line, Late::Background, &[])
}

fn remove(args: &Map<String, Value>) -> Result<Value> {
    let name = name(args)?;
    // `remove` prints a sentence, not JSON; its exit status and error line are what count.
    let output = Command::new(me()?)
        .args(["--syslog", "remove", &name])
        .env(SHORT_LOCK_WAIT.0, SHORT_LOCK_WAIT.1)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::transient(format!("could not start ddns ({e})")))?;
    if output.status.success() {
        return Ok(json!({"name": name, "removed": true}));
    }
    if let Some(signal) = output.status.signal() {
        return Err(ended_by("remove", signal));
    }
    let line = String::from_utf8_lossy(&output.stderr);
    let message = line
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("ddns: ")
        .to_string();
    let class = match output.status.code() {
        Some(2) => Class::Usage,
        Some(4) => Class::Refused,
        Some(5) => Class::GrantLost,
        Some(70) => Class::Bug,
        _ => Class::Transient,
    };
    Err(Error::new(class, crate::out::printable(&message, 300)))
}

/// The last lines `ddns-dc` logged (`logread -e`), oldest first.
fn log() -> Result<Value> {
    let tag = me()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "ddns".into());
    let output = Command::new("logread")
        .args(["-e", &tag])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error::transient(format!("could not run logread ({e})")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let last: Vec<String> = lines[lines.len().saturating_sub(LOG_LINES)..]
        .iter()
        .map(|l| crate::out::printable(l, 500))
        .collect();
    Ok(json!({ "lines": last }))
}

fn crontab_path() -> std::path::PathBuf {
    std::env::var_os("DDNS_CRONTAB").map_or_else(|| CRONTAB.into(), Into::into)
}

/// Whether a crontab line is the one this page manages: it runs `ddns-dc ... update`.
fn is_ours(line: &str, exe: &str) -> bool {
    let line = line.trim_start();
    !line.starts_with('#') && line.contains(exe) && line.contains(" update")
}

/// Every how many minutes cron runs the update (0: it does not).
fn read_schedule() -> u64 {
    let exe = me().map(|p| p.display().to_string()).unwrap_or_default();
    let crontab = std::fs::read_to_string(crontab_path()).unwrap_or_default();
    crontab
        .lines()
        .find(|l| is_ours(l, &exe))
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .map_or(0, |minute| match minute.strip_prefix("*/") {
            Some(n) => n.parse().unwrap_or(0),
            None if minute == "*" => 1,
            None => 60,
        })
}

/// The crontab `text` with exactly one line of ours for every `minutes` (none for 0), every
/// other line kept as it was.
pub fn with_schedule(text: &str, exe: &str, minutes: u64) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !is_ours(l, exe))
        .map(str::to_string)
        .collect();
    if minutes > 0 {
        let when = if minutes >= 60 {
            "0 * * * *".to_string()
        } else {
            format!("*/{minutes} * * * *")
        };
        lines.push(format!(
            "{when} {exe} --syslog update --on-change \"$(uci -q get ddns-dc.hook.on_change)\""
        ));
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn schedule(args: &Map<String, Value>) -> Result<Value> {
    let minutes = match args.get("minutes") {
        Some(Value::Number(n)) => n.as_u64().filter(|m| [0, 5, 10, 30, 60].contains(m)),
        _ => None,
    }
    .ok_or_else(|| Error::usage("'minutes' must be one of 0 (off), 5, 10, 30 or 60"))?;
    let exe = me()?.display().to_string();
    let path = crontab_path();
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::transient(format!(
                "could not read {} ({e})",
                path.display()
            )));
        }
    };
    let new = with_schedule(&old, &exe, minutes);
    if new != old {
        let tmp = path.with_extension("ddns-dc.tmp");
        std::fs::write(&tmp, &new)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::transient(format!("could not write {} ({e})", path.display())))?;
    }
    // busybox crond reads the crontabs at start; it does not start while none exists.
    let init = std::path::Path::new("/etc/init.d/cron");
    let restarted = init.exists() && {
        let run = |verb: &str| {
            Command::new(init)
                .arg(verb)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        (minutes == 0 || run("enable")) && run("restart")
    };
    Ok(json!({"minutes": minutes, "cron_restarted": restarted}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_keeps_exactly_one_line_and_every_other_line() {
        let exe = "/usr/bin/ddns-dc";
        let theirs = "0 3 * * * /sbin/reboot\n# */5 * * * * /usr/bin/ddns-dc --syslog update\n";
        let five = with_schedule(theirs, exe, 5);
        assert_eq!(
            five,
            format!(
                "{theirs}*/5 * * * * /usr/bin/ddns-dc --syslog update --on-change \"$(uci -q get ddns-dc.hook.on_change)\"\n"
            )
        );
        let ten = with_schedule(&five, exe, 10);
        assert_eq!(ten.lines().filter(|l| is_ours(l, exe)).count(), 1);
        assert!(ten.contains("*/10 * * * * /usr/bin/ddns-dc"));
        assert!(with_schedule(&ten, exe, 60).contains("\n0 * * * * /usr/bin/ddns-dc"));
        assert_eq!(with_schedule(&ten, exe, 0), theirs);
        assert_eq!(with_schedule("", exe, 0), "");
    }
}
