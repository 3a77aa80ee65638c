//! What `ddns` prints: result lines on stdout, notes and errors on stderr (each error line
//! starting with `ddns: `), and, with `--syslog`, every such line to the system log as well.
//! A closed stdout (a broken pipe) is not an error. Nothing printed here ever holds a secret.

use crate::platform::syslog::{self, ERR, INFO};
use std::io::Write;

/// Print one result line on stdout; a write error (such as a closed pipe) is ignored.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    for l in line.lines() {
        syslog::send(INFO, l);
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
/// to syslog, so the log reads the same with `--json`.
pub fn log_only(line: &str) {
    syslog::send(INFO, line);
}

/// Print one error line on stderr.
pub fn error(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ddns: {message}");
    syslog::send(ERR, message);
}

/// Print one note on stderr (instructions, warnings).
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
    syslog::send(INFO, message);
}
