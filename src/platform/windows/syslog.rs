//! `--syslog` on Windows: each line also goes to the Application event log, source `ddns`
//! (`ReportEventW`, event 1, the line as its one insertion string), as the original client's
//! service logged there. `ddns service install` registers the source with a message file
//! (`EventCreate.exe`, whose messages 1 to 1000 are the insertion string itself); unregistered,
//! Event Viewer still shows the line, after a note that the description cannot be found.

use super::ffi;
use std::sync::OnceLock;

/// syslog severities, as on Unix: an error.
pub const ERR: u8 = 3;
/// Informational.
pub const INFO: u8 = 6;

/// The event source, once enabled (0 when Windows gave none).
static SOURCE: OnceLock<isize> = OnceLock::new();

/// `EVENTLOG_ERROR_TYPE`, `EVENTLOG_WARNING_TYPE`, `EVENTLOG_INFORMATION_TYPE`.
fn event_type(severity: u8) -> u16 {
    match severity {
        0..=3 => 1,
        4 => 2,
        _ => 4,
    }
}

/// Send every line to the Event Log too. The socket and the tag are the Unix half's; the
/// source is always `ddns`.
pub fn enable(_socket: &str, _tag: &str) {
    SOURCE.get_or_init(|| ffi::event_source("ddns"));
}

/// Write `msg` to the Event Log with `severity`, once enabled; a failure is ignored (the line
/// was printed anyway).
pub fn send(severity: u8, msg: &str) {
    if let Some(&source) = SOURCE.get()
        && source != 0
    {
        let line = crate::error::printable(msg, usize::MAX);
        ffi::report_event(source, event_type(severity), &line);
    }
}
