//! Where the resolver's servers come from: the `--resolver` / `DDNS_RESOLVER` setting, the
//! system's `/etc/resolv.conf` (its `nameserver` lines only, as the libc resolver reads them;
//! on Windows, the DNS servers of the network adapters that are up, from
//! `GetAdaptersAddresses`), else public resolvers; and the hosts table read before asking DNS
//! (`/etc/hosts`, or `%SystemRoot%\System32\drivers\etc\hosts`).

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
#[cfg(any(not(windows), test))]
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

/// Public resolvers, with why they are used (for messages).
fn fallback(why: &str) -> (Vec<SocketAddr>, String) {
    let list = FALLBACK_RESOLVERS
        .iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    (list, format!("public resolvers ({why})"))
}

/// The system's resolvers and how they were chosen (for messages).
#[cfg(not(windows))]
pub fn system() -> (Vec<SocketAddr>, String) {
    let system = std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| parse_resolv_conf(&t))
        .unwrap_or_default();
    if system.is_empty() {
        fallback("no usable /etc/resolv.conf")
    } else {
        (system, "the resolvers in /etc/resolv.conf".to_string())
    }
}

/// The system's resolvers and how they were chosen (for messages).
#[cfg(windows)]
pub fn system() -> (Vec<SocketAddr>, String) {
    let servers = crate::platform::read_adapters()
        .map(|a| adapter_servers(&a))
        .unwrap_or_default();
    if servers.is_empty() {
        fallback("no DNS server on any network adapter")
    } else {
        (
            servers,
            "the DNS servers of the network adapters".to_string(),
        )
    }
}

/// The DNS servers of the adapters that are up, in adapter order, without repeats; link-local
/// and site-local (`fec0::/10`, Windows' old default) addresses are unusable without their
/// interface and are skipped.
#[cfg(any(windows, test))]
pub fn adapter_servers(adapters: &[crate::platform::adapters::Adapter]) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for ip in adapters.iter().filter(|a| a.up).flat_map(|a| &a.dns) {
        let scoped = match ip {
            IpAddr::V6(v6) => {
                v6.segments()[0] & 0xffc0 == 0xfe80 || v6.segments()[0] & 0xffc0 == 0xfec0
            }
            IpAddr::V4(_) => false,
        };
        let server = SocketAddr::new(*ip, 53);
        if !scoped && !ip.is_unspecified() && !out.contains(&server) {
            out.push(server);
        }
    }
    out.truncate(8);
    out
}

/// The system's host table.
pub fn hosts() -> Vec<(String, IpAddr)> {
    #[cfg(windows)]
    let path = std::path::PathBuf::from(
        std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into()),
    )
    .join("System32\\drivers\\etc\\hosts");
    #[cfg(not(windows))]
    let path = "/etc/hosts";
    std::fs::read_to_string(path)
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

    #[test]
    fn adapter_dns_servers_in_order_once_and_usable() {
        use crate::platform::adapters::Adapter;
        let adapter = |name: &str, up: bool, dns: &[&str]| Adapter {
            guid: format!("{{{name}}}"),
            name: name.into(),
            up,
            dns: dns.iter().map(|d| d.parse().unwrap()).collect(),
            unicast: Vec::new(),
        };
        let adapters = [
            adapter(
                "Ethernet",
                true,
                &["192.168.1.1", "fec0:0:0:ffff::1", "2001:db8::53"],
            ),
            adapter("Wi-Fi", false, &["10.9.9.9"]),
            adapter("vEthernet", true, &["192.168.1.1", "fe80::1", "9.9.9.9"]),
        ];
        assert_eq!(
            adapter_servers(&adapters),
            vec![
                "192.168.1.1:53".parse::<SocketAddr>().unwrap(),
                "[2001:db8::53]:53".parse().unwrap(),
                "9.9.9.9:53".parse().unwrap()
            ]
        );
    }
}
