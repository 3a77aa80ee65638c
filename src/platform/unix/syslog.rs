//! `--syslog` on Unix: each line also goes to the system log as a classic BSD syslog datagram
//! on `/dev/log` (or `DDNS_SYSLOG_SOCKET`), as musl's syslog(3) sends it, tagged with the
//! program name. OpenWrt's logd, rsyslog and journald's `/dev/log` all read this form.

use std::sync::OnceLock;

/// Where `--syslog` sends, once enabled: the socket path and the tag.
static SYSLOG: OnceLock<(String, String)> = OnceLock::new();

/// syslog severities (RFC 5424): an error.
pub const ERR: u8 = 3;
/// Informational.
pub const INFO: u8 = 6;
/// The daemon facility.
const DAEMON: u8 = 3;

/// Send every line to the syslog socket at `socket` (normally `/dev/log`) too, tagged `tag`.
pub fn enable(socket: &str, tag: &str) {
    let _ = SYSLOG.set((socket.to_string(), tag.to_string()));
}

/// The classic BSD syslog line, `<PRI>Mmm dd hh:mm:ss tag[pid]: msg`, as musl's syslog(3)
/// sends it. The time is UTC (no time zone data without libc); OpenWrt's logd replaces it.
pub fn syslog_line(severity: u8, unix: u64, tag: &str, pid: u32, msg: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, month, day, hour, minute, second) = crate::clock::civil(unix);
    let line = crate::error::printable(msg, usize::MAX);
    format!(
        "<{}>{} {:>2} {:02}:{:02}:{:02} {tag}[{pid}]: {line}",
        DAEMON * 8 + severity,
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        day,
        hour,
        minute,
        second
    )
}

/// Send `msg` to syslog with `severity`, once enabled; a failure is ignored (the line was
/// printed anyway).
pub fn send(severity: u8, msg: &str) {
    if let Some((socket, tag)) = SYSLOG.get() {
        let line = syslog_line(severity, crate::clock::now(), tag, std::process::id(), msg);
        if let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() {
            let _ = sock.send_to(line.as_bytes(), socket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
