//! What `ddns` prints: result lines on stdout, warnings and errors on stderr, each error line
//! starting with `ddns: `. A closed stdout (a broken pipe) is not an error.

use std::io::Write;

/// Print one result line on stdout; a write error (such as a closed pipe) is ignored.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Print one error line on stderr.
pub fn error(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ddns: {message}");
}

/// Print one note on stderr (instructions, warnings).
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}
