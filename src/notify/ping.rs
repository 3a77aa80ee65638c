//! Health-check pings, as pure functions: the monitors a user names (`--ping`, `DDNS_PING`)
//! and the one request each gets after a run, by that monitor's convention. Sending them is
//! `update`'s job, through `http.rs`.
//!
//! - `healthchecks:URL` (<https://healthchecks.io/docs/http_api/>): `POST URL/<exit status>`
//!   (0 is success, anything else a failure), the run's output lines as the body, at most
//!   10 KB.
//! - `uptimekuma:URL` (Uptime Kuma's push monitor, <https://github.com/louislam/uptime-kuma/wiki>):
//!   `GET URL?status=up|down&msg=<the run's first line>&ping=`, replacing those parameters if
//!   the copied URL has them.
//! - `https://URL`: a plain `GET` on success only (a dead man's switch such as Cronitor's or
//!   Dead Man's Snitch's).

use crate::error::{Error, Result};
use crate::url;

/// At most this much of the run's output goes in a Healthchecks body (its limit is 100 KB;
/// the useful part of a run is far shorter).
pub const BODY_MAX: usize = 10_000;

/// A monitor to ping after each run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Monitor {
    /// Healthchecks (healthchecks.io or self-hosted), by its ping URL.
    Healthchecks(String),
    /// An Uptime Kuma push monitor, by its push URL.
    UptimeKuma(String),
    /// Any URL, fetched on success only.
    Plain(String),
}

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Where to. It may carry the monitor's own token: never print it (`url::host`).
    pub url: String,
    /// The body of a `POST` (plain text).
    pub body: String,
}

/// Parse a comma-separated list of monitors.
pub fn parse(list: &str) -> Result<Vec<Monitor>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (monitor, rest) = if let Some(rest) = entry.strip_prefix("healthchecks:") {
                (Monitor::Healthchecks as fn(String) -> Monitor, rest)
            } else if let Some(rest) = entry.strip_prefix("uptimekuma:") {
                (Monitor::UptimeKuma as fn(String) -> Monitor, rest)
            } else {
                (Monitor::Plain as fn(String) -> Monitor, entry)
            };
            let ok = rest.len() > "https://".len()
                && rest.starts_with("https://")
                && !rest.contains(|c: char| c.is_whitespace() || c.is_control() || c == '#')
                && !url::ambiguous(rest);
            if !ok {
                // A monitor's URL may carry its token (in the user information or the path).
                let shown = crate::url::shown_entry(entry);
                return Err(Error::usage(format!(
                    "'{}' is not a monitor to ping: use [healthchecks:|uptimekuma:]https://URL \
                     (pings go over verified TLS, like everything ddns sends)",
                    crate::error::printable(&shown, 80)
                )));
            }
            Ok(monitor(rest.trim_end_matches('/').to_string()))
        })
        .collect()
}

/// The request `monitor` gets after a run that ended with exit `status` and printed `lines`
/// (which never hold a secret); `None` when this monitor is not pinged for it.
pub fn ping(monitor: &Monitor, status: u8, lines: &[String]) -> Option<Ping> {
    match monitor {
        Monitor::Healthchecks(base) => {
            let mut body = String::new();
            for line in lines {
                if body.len() + line.len() + 1 > BODY_MAX {
                    break;
                }
                body.push_str(line);
                body.push('\n');
            }
            Some(Ping {
                method: "POST",
                url: format!("{base}/{status}"),
                body,
            })
        }
        Monitor::UptimeKuma(push) => {
            let (base, query) = push.split_once('?').unwrap_or((push, ""));
            let first = lines.first().map_or("", String::as_str);
            let message = crate::error::printable(first.trim_start_matches("ddns: "), 250);
            let state = if status == 0 { "up" } else { "down" };
            let mut pairs: Vec<(String, String)> = url::query_pairs(&format!("?{query}"))
                .into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "status" | "msg" | "ping"))
                .collect();
            pairs.push(("status".into(), state.into()));
            pairs.push((
                "msg".into(),
                if message.is_empty() {
                    state.into()
                } else {
                    message
                },
            ));
            pairs.push(("ping".into(), String::new()));
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            Some(Ping {
                method: "GET",
                url: format!("{base}?{}", url::query(&pairs)),
                body: String::new(),
            })
        }
        Monitor::Plain(target) => (status == 0).then(|| Ping {
            method: "GET",
            url: target.clone(),
            body: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitors_are_named_by_a_prefix_and_must_be_https() {
        assert_eq!(
            parse(" healthchecks:https://hc-ping.com/abc/ , uptimekuma:https://k.test/api/push/T?status=up&msg=OK&ping=,https://cronitor.test/p/x").unwrap(),
            vec![
                Monitor::Healthchecks("https://hc-ping.com/abc".into()),
                Monitor::UptimeKuma("https://k.test/api/push/T?status=up&msg=OK&ping=".into()),
                Monitor::Plain("https://cronitor.test/p/x".into()),
            ]
        );
        for bad in [
            "http://hc.test/x",
            "healthchecks:",
            "uptimekuma:http://k.test/",
            "ftp://x",
            "https://a b",
            "healthchecks:hc-ping.com/x",
            "https://user:pass/word@hc.test/x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn healthchecks_gets_the_exit_status_and_the_lines() {
        let m = Monitor::Healthchecks("https://hc.test/u".into());
        let lines = vec!["home.example.com A 81.2.69.142 unchanged".to_string()];
        assert_eq!(
            ping(&m, 0, &lines),
            Some(Ping {
                method: "POST",
                url: "https://hc.test/u/0".into(),
                body: "home.example.com A 81.2.69.142 unchanged\n".into()
            })
        );
        assert_eq!(ping(&m, 5, &lines).unwrap().url, "https://hc.test/u/5");
        let long = vec!["x".repeat(3000); 10];
        assert!(ping(&m, 3, &long).unwrap().body.len() <= BODY_MAX);
    }

    #[test]
    fn uptime_kuma_gets_up_or_down_and_the_first_line() {
        let m = Monitor::UptimeKuma("https://k.test/api/push/T0K?status=up&msg=OK&ping=".into());
        let up = ping(&m, 0, &["home.example.com A 81.2.69.142 unchanged".into()]).unwrap();
        assert_eq!(
            up.url,
            "https://k.test/api/push/T0K?status=up&msg=home.example.com%20A%2081.2.69.142%20unchanged&ping="
        );
        let down = ping(&m, 3, &["ddns: home.example.com: boom & more".into()]).unwrap();
        assert_eq!(
            down.url,
            "https://k.test/api/push/T0K?status=down&msg=home.example.com%3A%20boom%20%26%20more&ping="
        );
        let bare = Monitor::UptimeKuma("https://k.test/api/push/T0K".into());
        assert_eq!(
            ping(&bare, 0, &[]).unwrap().url,
            "https://k.test/api/push/T0K?status=up&msg=up&ping="
        );
    }

    #[test]
    fn a_plain_url_is_fetched_on_success_only() {
        let m = Monitor::Plain("https://dms.test/x".into());
        assert_eq!(ping(&m, 0, &[]).unwrap().method, "GET");
        assert_eq!(ping(&m, 3, &[]), None);
    }
}
