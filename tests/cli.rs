//! What every subcommand shares: bad settings (flags and environment) get one sentence and
//! exit 2, and `--syslog` sends each line in the classic syslog form.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::{Canned, Route};
use support::{NAME, world};

#[test]
fn bad_settings_get_one_sentence_and_exit_2() {
    let w = world("usage");
    for (args, env, expect) in [
        (
            &["update"][..],
            ("DDNS_RESOLVER", "dns.example"),
            "ddns: 'dns.example' is not a resolver address: use IP, IP:PORT or [IPv6]:PORT, comma-separated\n",
        ),
        (
            &["update"][..],
            ("DDNS_IP_SOURCES", "http://x.test"),
            "ddns: 'http://x.test' is not an IP source: use [ipv4:|ipv6:] followed by https://URL, dns:opendns|cloudflare|google[@IP[:PORT]] or interface:NAME, comma-separated\n",
        ),
        (
            &["setup", "bad name.example", "--code", "x"][..],
            ("X", ""),
            "ddns: 'bad name.example' is not a valid domain name: each dot-separated part must be 1 to 63 letters, digits, '-' or '_'\n",
        ),
        (
            &["setup", NAME, "--code", "x"][..],
            ("SSL_CERT_FILE", "/nonexistent.pem"),
            "ddns: could not read SSL_CERT_FILE /nonexistent.pem (No such file or directory (os error 2)): point it at a PEM file of CA certificates, or unset it\n",
        ),
        (
            &["frobnicate"][..],
            ("X", ""),
            "ddns: Unrecognized argument: frobnicate; see `ddns --help`\n",
        ),
    ] {
        let r: support::Run = w.command(args).env(env.0, env.1).output().unwrap().into();
        assert_eq!((r.code, r.stderr.as_str()), (Some(2), expect), "{args:?}");
    }
}

#[test]
fn syslog_gets_each_line_in_the_classic_form() {
    let w = world("syslog");
    let socket_path = w.dir.join("log.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket.set_nonblocking(true).unwrap();
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let sock = socket_path.to_str().unwrap();
    let u = w.run_env(&["--syslog", "update"], &[("DDNS_SYSLOG_SOCKET", sock)]);
    assert_eq!(u.code, Some(0), "{u:?}");
    w.provider().can(Route::Apply, Canned::new(500, "boom"));
    w.set_public_v4("81.2.69.143");
    let f = w.run_env(&["--syslog", "update"], &[("DDNS_SYSLOG_SOCKET", sock)]);
    assert_eq!(f.code, Some(3), "{f:?}");
    let mut lines = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = socket.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(lines.len(), 2, "{lines:?}");
    let program = w.bin.file_name().unwrap().to_string_lossy().into_owned();
    let shape = |line: &str, pri: &str, msg: &str| {
        let rest = line.strip_prefix(pri).unwrap_or_else(|| panic!("{line}"));
        // "Mmm dd hh:mm:ss " is 16 bytes, then "PROGRAM[PID]: ", the tag being the binary's
        // file name (`ddns`, `ddns-dc` on OpenWrt, `ddns-amd64` in dist/).
        assert_eq!(&rest[3..4], " ", "{line}");
        assert_eq!(&rest[15..16], " ", "{line}");
        let tagged = &rest[16..];
        assert!(
            tagged.starts_with(&format!("{program}[")) && tagged.contains("]: "),
            "{line}"
        );
        assert_eq!(tagged.split_once("]: ").unwrap().1, msg, "{line}");
    };
    shape(
        &lines[0],
        "<30>",
        "home.example.com A 81.2.69.142 published",
    );
    shape(
        &lines[1],
        "<27>",
        "home.example.com: the provider could not complete the update (HTTP 500: boom): try again later",
    );
    w.assert_no_secrets(&lines.join("\n"));

    // With --json the document is the caller's: syslog gets the same human lines, and a
    // read-only check logs nothing (the router page polls it).
    w.set_public_v4("81.2.69.144");
    let j = w.run_env(
        &["--syslog", "update", "--json"],
        &[("DDNS_SYSLOG_SOCKET", sock)],
    );
    assert_eq!(j.code, Some(0), "{j:?}");
    let c = w.run_env(
        &["--syslog", "check", "--json"],
        &[("DDNS_SYSLOG_SOCKET", sock)],
    );
    assert_eq!(c.code, Some(0), "{c:?}");
    let mut lines = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(lines.len(), 1, "{lines:?}");
    shape(
        &lines[0],
        "<30>",
        "home.example.com A updated 81.2.69.142 -> 81.2.69.144",
    );
    // Three updates (published, failed, updated) each detected and applied; the check
    // detected.
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Echo, 4), (Route::Apply, 3)]);
}
