//! Where the resolver's servers come from: the `--resolver` / `DDNS_RESOLVER` setting, the
//! system's `/etc/resolv.conf` (its `nameserver` lines only, as the libc resolver reads them),
//! else public resolvers; and the `/etc/hosts` table read before asking DNS.

use crate::error::{Error, Result};
use std::net::{IpAddr, SocketAddr};

/// Where queries go when `/etc/resolv.conf` names no server (e.g. an empty container root):
/// Cloudflare's and Google's public resolvers.
const FALLBACK_RESOLVERS: &[&str] = &["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"];

/// Parse the resolver setting: comma-separated `IP`, `IP:PORT` or `[IPv6]:PORT` (port 53 when
/// none is given).
pub fn parse_resolvers(setting: &str) -> Result<Vec<SocketAddr>> {
    let bad = |item: &str| {
        Error::usage(format!(
            "'{}' is not a resolver address: use IP, IP:PORT or [IPv6]:PORT, comma-separated",
            crate::error::printable(item, 80)
        ))
    };
    let list: Vec<SocketAddr> = setting
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<SocketAddr>()
                .or_else(|_| item.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| bad(item))
        })
        .collect::<Result<_>>()?;
    if list.is_empty() {
        return Err(bad(setting));
    }
    Ok(list)
}

/// The `nameserver` lines of a `resolv.conf` (port 53; a link-local `%scope` is not usable
/// without its interface and is skipped).
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next())
                .flatten()
        })
        .filter_map(|ip| ip.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .take(8)
        .collect()
}

/// The entries of an `/etc/hosts` file: (lower-case name, address) pairs.
pub fn parse_hosts(text: &str) -> Vec<(String, IpAddr)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(ip) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) else {
            continue;
        };
        out.extend(words.map(|name| (name.trim_end_matches('.').to_ascii_lowercase(), ip)));
    }
    out
}

/// The system's resolvers and how they were chosen (for messages).
pub fn system() -> (Vec<SocketAddr>, String) {
    let system = std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| parse_resolv_conf(&t))
        .unwrap_or_default();
    if system.is_empty() {
        let list = FALLBACK_RESOLVERS
            .iter()
            .filter_map(|s| s.parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
            .collect();
        (
            list,
            "public resolvers (no usable /etc/resolv.conf)".to_string(),
        )
    } else {
        (system, "the resolvers in /etc/resolv.conf".to_string())
    }
}

/// The system's host table.
pub fn hosts() -> Vec<(String, IpAddr)> {
    std::fs::read_to_string("/etc/hosts")
        .map(|t| parse_hosts(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_setting_grammar() {
        assert_eq!(
            parse_resolvers("127.0.0.1:5353, ::1 ,[::1]:53,9.9.9.9").unwrap(),
            vec![
                "127.0.0.1:5353".parse().unwrap(),
                "[::1]:53".parse().unwrap(),
                "[::1]:53".parse().unwrap(),
                "9.9.9.9:53".parse().unwrap()
            ]
        );
        assert!(parse_resolvers("dns.example").is_err());
        assert!(parse_resolvers("").is_err());
        assert!(parse_resolvers("1.2.3.4:99999").is_err());
    }

    #[test]
    fn resolv_conf_and_hosts_are_read_as_the_libc_resolver_reads_them() {
        let conf = "# comment\nsearch lan\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\n\
                    nameserver 2001:4860:4860::8888\noptions ndots:1\nnameserver\n";
        assert_eq!(
            parse_resolv_conf(conf),
            vec![
                "192.168.1.1:53".parse::<SocketAddr>().unwrap(),
                "[2001:4860:4860::8888]:53".parse().unwrap()
            ]
        );
        let hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost # loopback\n\
                     10.0.0.5 NAS.lan. nas\nnot-an-ip x\n";
        assert_eq!(
            parse_hosts(hosts),
            vec![
                ("localhost".to_string(), "127.0.0.1".parse().unwrap()),
                ("localhost".to_string(), "::1".parse().unwrap()),
                ("ip6-localhost".to_string(), "::1".parse().unwrap()),
                ("nas.lan".to_string(), "10.0.0.5".parse().unwrap()),
                ("nas".to_string(), "10.0.0.5".parse().unwrap()),
            ]
        );
    }
}
