//! What `ddns` prints: result lines on stdout, notes and errors on stderr (each error line
//! starting with `ddns: `), and, with `--syslog`, every such line to the system log as well.
//! A closed stdout (a broken pipe) is not an error. Nothing printed here ever holds a secret.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// Where `--syslog` sends, once enabled: the socket path and the tag.
static SYSLOG: OnceLock<(String, String)> = OnceLock::new();

/// The lines of the current run, while a run is being recorded (for health-check pings).
static RECORD: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// At most this much of a run is recorded.
const RECORD_MAX: usize = 64 * 1024;

/// syslog severities (RFC 5424).
const ERR: u8 = 3;
const INFO: u8 = 6;
/// The daemon facility.
const DAEMON: u8 = 3;

/// Send every line to the syslog socket at `socket` (normally `/dev/log`) too, tagged `tag`.
pub fn enable_syslog(socket: &str, tag: &str) {
    let _ = SYSLOG.set((socket.to_string(), tag.to_string()));
}

/// The classic BSD syslog line, `<PRI>Mmm dd hh:mm:ss tag[pid]: msg`, as musl's syslog(3)
/// sends it. The time is UTC (no time zone data without libc); OpenWrt's logd replaces it.
pub fn syslog_line(severity: u8, unix: u64, tag: &str, pid: u32, msg: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = i64::try_from(unix / 86400).unwrap_or(0);
    let secs = unix % 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let line = printable(msg, usize::MAX);
    format!(
        "<{}>{} {:>2} {:02}:{:02}:{:02} {tag}[{pid}]: {line}",
        DAEMON * 8 + severity,
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `input` made safe to print on one line of a terminal or a log: runs of white space become
/// one space, anything else that is not printable ASCII becomes `?`, and at most `max`
/// characters are kept (then `...`). The one place that decides what may be echoed back.
pub fn printable(input: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut space = false;
    for c in input.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if count >= max {
            out.push_str("...");
            return out;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        out.push(if c.is_ascii_graphic() { c } else { '?' });
        count += 1;
    }
    out
}

/// Start recording every line printed (stdout and stderr, as printed), until [`recorded`].
pub fn record() {
    if let Ok(mut r) = RECORD.lock() {
        *r = Some(Vec::new());
    }
}

/// The lines printed since [`record`], and stop recording.
pub fn recorded() -> Vec<String> {
    RECORD
        .lock()
        .ok()
        .and_then(|mut r| r.take())
        .unwrap_or_default()
}

fn keep(line: &str) {
    if let Ok(mut r) = RECORD.lock()
        && let Some(lines) = r.as_mut()
        && lines.iter().map(String::len).sum::<usize>() < RECORD_MAX
    {
        lines.push(line.to_string());
    }
}

fn log(severity: u8, msg: &str) {
    if let Some((socket, tag)) = SYSLOG.get() {
        let line = syslog_line(severity, crate::clock::now(), tag, std::process::id(), msg);
        if let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() {
            let _ = sock.send_to(line.as_bytes(), socket);
        }
    }
}

/// Print one result line on stdout; a write error (such as a closed pipe) is ignored.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    for l in line.lines() {
        log(INFO, l);
        keep(l);
    }
}

/// Print one JSON document on stdout (pretty, as `check --json` always has). It is for the
/// caller only: it goes neither to syslog nor into a ping. Serialising our own report types
/// cannot fail; if it ever did, the document would be `null`.
pub fn say_json(doc: &impl serde::Serialize) {
    print_only(&serde_json::to_string_pretty(doc).unwrap_or_else(|_| "null".into()));
}

/// Print `text` on stdout only (a machine-readable document).
pub fn print_only(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// A result line that stdout does not show (it carries a JSON document instead): it still goes
/// to syslog and into the run's record, so the log reads the same with `--json`.
pub fn log_only(line: &str) {
    log(INFO, line);
    keep(line);
}

/// Print one error line on stderr.
pub fn error(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ddns: {message}");
    log(ERR, message);
    keep(&format!("ddns: {message}"));
}

/// Print one note on stderr (instructions, warnings).
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
    log(INFO, message);
    keep(message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_is_one_bounded_ascii_line() {
        assert_eq!(printable(" a\n\t b\u{7f}\u{e9} ", 80), "a b??");
        assert_eq!(printable(&"x".repeat(100), 80).len(), 83);
        assert_eq!(printable(&"x".repeat(80), 80).len(), 80);
        assert_eq!(printable("", 80), "");
    }

    #[test]
    fn syslog_lines_have_the_classic_form() {
        // 2026-11-26 15:04:05 UTC.
        assert_eq!(
            syslog_line(
                INFO,
                1_795_705_445,
                "ddns-dc",
                42,
                "home.example.com A 1.2.3.4 unchanged"
            ),
            "<30>Nov 26 15:04:05 ddns-dc[42]: home.example.com A 1.2.3.4 unchanged"
        );
        assert_eq!(
            syslog_line(ERR, 0, "t", 1, "a\nb"),
            "<27>Jan  1 00:00:00 t[1]: a b"
        );
        assert!(syslog_line(ERR, 951_782_400, "t", 1, "x").starts_with("<27>Feb 29 00:00:00"));
    }
}
