//! OpenWrt's own interfaces, for the router page's backend (`cmd/rpcd.rs`): the arguments of an
//! rpcd exec plugin's call, root's crontab (`/etc/crontabs/root`, read by busybox crond;
//! `DDNS_CRONTAB` overrides the path) and the system log (`logread`).

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where cron reads root's jobs on OpenWrt.
const CRONTAB: &str = "/etc/crontabs/root";

/// An rpcd call's arguments: one JSON object on stdin, at most `max` bytes.
pub fn read_args(max: u64) -> Result<Map<String, Value>> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(max + 1)
        .read_to_end(&mut input)
        .map_err(|e| Error::usage(format!("could not read the arguments ({e})")))?;
    if input.len() as u64 > max {
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

/// A string argument of a call: `Ok(None)` when absent (or empty), an error when of another type.
pub fn text<'a>(args: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Error::usage(format!("'{key}' must be a string"))),
    }
}

pub fn flag(args: &Map<String, Value>, key: &str) -> Result<bool> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::usage(format!("'{key}' must be true or false"))),
    }
}

/// The last `count` lines the system log holds for `tag` (`logread -e`), oldest first, each
/// made printable.
pub fn log_lines(tag: &str, count: usize) -> Result<Vec<String>> {
    let output = Command::new("logread")
        .args(["-e", tag])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error::transient(format!("could not run logread ({e})")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    Ok(lines[lines.len().saturating_sub(count)..]
        .iter()
        .map(|l| crate::error::printable(l, 500))
        .collect())
}

fn crontab_path() -> PathBuf {
    std::env::var_os("DDNS_CRONTAB").map_or_else(|| CRONTAB.into(), Into::into)
}

/// Whether a crontab line is the one the page manages: it runs `exe ... update`.
fn is_ours(line: &str, exe: &str) -> bool {
    let line = line.trim_start();
    !line.starts_with('#') && line.contains(exe) && line.contains(" update")
}

/// Every how many minutes cron runs `exe update` (0: it does not).
pub fn read_schedule(exe: &str) -> u64 {
    let crontab = std::fs::read_to_string(crontab_path()).unwrap_or_default();
    crontab
        .lines()
        .find(|l| is_ours(l, exe))
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

/// Make cron run `exe update` every `minutes` (0: not at all), and (re)start cron, which reads
/// the crontabs at start and does not start while none exists. Returns whether it restarted.
pub fn schedule(exe: &str, minutes: u64) -> Result<bool> {
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
    let new = with_schedule(&old, exe, minutes);
    if new != old {
        let tmp = path.with_extension("ddns-dc.tmp");
        std::fs::write(&tmp, &new)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::transient(format!("could not write {} ({e})", path.display())))?;
    }
    let init = Path::new("/etc/init.d/cron");
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
    Ok(restarted)
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
