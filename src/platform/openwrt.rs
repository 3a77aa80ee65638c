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

/// The last `count` lines the system log holds from `tag`, oldest first, each made printable.
/// `logread -e` matches anywhere in a line, so any daemon (or anyone who can log) could put a
/// line on the page by mentioning the tag: only lines whose syslog tag is `tag` are kept.
pub fn log_lines(tag: &str, count: usize) -> Result<Vec<String>> {
    let output = Command::new("logread")
        .args(["-e", tag])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error::transient(format!("could not run logread ({e})")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| tag_of(l) == Some(tag)).collect();
    Ok(lines[lines.len().saturating_sub(count)..]
        .iter()
        .map(|l| crate::error::printable(l, 500))
        .collect())
}

/// The syslog tag of a `logread` line (`Thu Nov 27 10:00:00 2025 daemon.info TAG[PID]: text`):
/// the last word before the first `": "`, without its `[PID]`.
fn tag_of(line: &str) -> Option<&str> {
    let (head, _) = line.split_once(": ")?;
    let word = head.rsplit(' ').next()?;
    Some(word.split_once('[').map_or(word, |(tag, _)| tag))
}

fn crontab_path() -> PathBuf {
    std::env::var_os("DDNS_CRONTAB").map_or_else(|| CRONTAB.into(), Into::into)
}

/// The mark at the end of the one crontab line the page manages: every other line, a user's
/// own `ddns-dc ... update` among them, is left alone (issue 22). busybox crond runs a line
/// with `/bin/sh -c`, for which the mark is a comment.
const MARK: &str = "# ddns-dc (LuCI)";

/// The line `schedule` wrote before it marked its own: recognised as the page's, exactly as it
/// was written (for the page's intervals), so that it is replaced once rather than doubled. The
/// crontab example had the same line for 5 minutes, so a copy of it is taken over too.
fn is_unmarked_line_of_old(line: &str, exe: &str) -> bool {
    let command =
        format!("{exe} --syslog update --on-change \"$(uci -q get ddns-dc.hook.on_change)\"");
    ["*/5 * * * *", "*/10 * * * *", "*/30 * * * *", "0 * * * *"]
        .iter()
        .any(|when| line.trim() == format!("{when} {command}"))
}

/// Whether a crontab line is the one the page manages: marked, or the old page's unmarked line.
fn is_ours(line: &str, exe: &str) -> bool {
    let line = line.trim();
    !line.starts_with('#') && (line.ends_with(MARK) || is_unmarked_line_of_old(line, exe))
}

/// Every how many minutes cron runs the page's line (0: there is none).
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

/// The page's line for every `minutes`: the crontab example's command (the names and the
/// on_change program from UCI, the program only from the directories the package owns) and the
/// mark.
fn line(exe: &str, minutes: u64) -> String {
    let when = if minutes >= 60 {
        "0 * * * *".to_string()
    } else {
        format!("*/{minutes} * * * *")
    };
    format!(
        "{when} set -f; DDNS_ON_CHANGE_DIRS=/etc/ddns:/usr/share/ddns-dc {exe} --syslog update \
         --on-change \"$(uci -q get ddns-dc.hook.on_change)\" -- $(uci -q get ddns-dc.hook.name) \
         {MARK}"
    )
}

/// The crontab `text` with the page's line for every `minutes` (none for 0) where its line was
/// (else at the end), every other line kept as it was.
pub fn with_schedule(text: &str, exe: &str, minutes: u64) -> String {
    let mut lines = Vec::new();
    let mut placed = minutes == 0;
    for l in text.lines() {
        if is_ours(l, exe) {
            if !placed {
                lines.push(line(exe, minutes));
                placed = true;
            }
        } else {
            lines.push(l.to_string());
        }
    }
    if !placed {
        lines.push(line(exe, minutes));
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Replace `path` with `text`, keeping its mode and owner (root's crontab is 0600; a new one is
/// made 0600): a new file next to it, put in its place as the state file is (`files`).
fn replace_keeping_mode(path: &Path, text: &str) -> std::io::Result<()> {
    use super::files;
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let old = std::fs::metadata(path).ok();
    let tmp = path.with_extension("ddns-dc.tmp");
    let _ = std::fs::remove_file(&tmp);
    let written = files::create_temp(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        if let Some(old) = &old {
            std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid()))?;
            file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))?;
        }
        file.sync_all()
    });
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    match written.and_then(|()| files::replace(&tmp, path, dir.unwrap_or(Path::new(".")))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
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
        replace_keeping_mode(&path, &new)
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
        let theirs = "0 3 * * * /sbin/reboot\n# */5 * * * * /usr/bin/ddns-dc --syslog update\n\
                      */15 * * * * /usr/bin/ddns-dc --syslog update home.example.com\n";
        let five = with_schedule(theirs, exe, 5);
        assert_eq!(five, format!("{theirs}{}\n", line(exe, 5)));
        assert!(five.ends_with(" -- $(uci -q get ddns-dc.hook.name) # ddns-dc (LuCI)\n"));
        let ten = with_schedule(&five, exe, 10);
        assert_eq!(ten.lines().filter(|l| is_ours(l, exe)).count(), 1);
        assert!(ten.contains("*/10 * * * * set -f; DDNS_ON_CHANGE_DIRS="));
        assert!(with_schedule(&ten, exe, 60).contains("\n0 * * * * set -f;"));
        assert_eq!(with_schedule(&ten, exe, 0), theirs);
        assert_eq!(with_schedule("", exe, 0), "");
    }

    /// The line the previous release wrote, unmarked, is taken over once, in its place.
    #[test]
    fn the_old_unmarked_line_is_replaced_once() {
        let exe = "/usr/bin/ddns-dc";
        let old = "*/30 * * * * /usr/bin/ddns-dc --syslog update --on-change \"$(uci -q get ddns-dc.hook.on_change)\"";
        let text = format!("{old}\n0 3 * * * /sbin/reboot\n");
        let new = with_schedule(&text, exe, 5);
        assert_eq!(new, format!("{}\n0 3 * * * /sbin/reboot\n", line(exe, 5)));
        assert_eq!(with_schedule(&text, exe, 0), "0 3 * * * /sbin/reboot\n");
        let hand_made = format!("{old} home.example.com\n");
        assert_eq!(with_schedule(&hand_made, exe, 0), hand_made);
    }

    /// The page writes the line the package's crontab example shows, marked as its own.
    #[test]
    fn the_page_writes_the_example_line() {
        let example = include_str!("../../openwrt/files/crontab.example");
        let example = example.lines().find(|l| !l.starts_with('#')).unwrap();
        assert_eq!(
            format!("{example} {MARK}"),
            line("/usr/bin/ddns-dc", 5),
            "openwrt/files/crontab.example"
        );
    }

    #[test]
    fn only_lines_tagged_as_ours_are_ours() {
        for (line, tag) in [
            (
                "Thu Nov 27 10:00:00 2025 daemon.info ddns-dc[12]: home A updated",
                Some("ddns-dc"),
            ),
            ("Nov 27 10:00:59 ddns-dc[1]: line 59", Some("ddns-dc")),
            (
                "Thu Nov 27 10:00:00 2025 daemon.info dnsmasq[3]: query ddns-dc[1]: x",
                Some("dnsmasq"),
            ),
            (
                "Thu Nov 27 10:00:00 2025 user.notice ddns-dc-on-change: x",
                Some("ddns-dc-on-change"),
            ),
            ("no separator here", None),
        ] {
            assert_eq!(tag_of(line), tag, "{line}");
        }
    }
}
