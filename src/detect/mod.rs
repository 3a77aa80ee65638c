//! Public address detection. Sources (a small grammar shared by `--ip-source`,
//! `DDNS_IP_SOURCES` and docs/usage.md) are tried in order per family within a time budget; the
//! first good answer wins. Every answer must be a global unicast address; a temporary IPv6
//! privacy address of this machine is swapped for its stable sibling. `whoami.rs` asks the DNS
//! whoami services, `ifaddr.rs` reads local interfaces; HTTPS echo services go through
//! `net/http.rs`. `observe.rs` puts it together for `update`: given addresses, hints,
//! detection, and a second opinion before a record changes.

#[cfg(any(windows, test))]
mod adapters;
pub mod ifaddr;
mod observe;
pub mod whoami;

pub use observe::observe;

use crate::address::{self, Family};
use crate::error::{Error, Result};
use crate::net::Net;
use whoami::Service;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// The default sources: DNS first (one UDP exchange), HTTPS echo services as fallback.
pub const DEFAULT_SOURCES: &str = "dns:cloudflare,dns:opendns,dns:google,\
ipv4:https://api.ipify.org,ipv6:https://api6.ipify.org,\
ipv4:https://ipv4.icanhazip.com,ipv6:https://ipv6.icanhazip.com,\
ipv4:https://v4.ident.me,ipv6:https://v6.ident.me";

/// Time for one DNS exchange with a whoami server.
const DNS_TIMEOUT: Duration = Duration::from_secs(2);
/// Time for all sources of one family together.
const BUDGET: Duration = Duration::from_secs(30);

/// Where an address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An HTTPS echo service: its reply body is the caller's address.
    Https(String),
    /// A DNS whoami service, at its own servers or at the one given.
    Dns(Service, Option<SocketAddr>),
    /// A local interface's address.
    Interface(String),
}

/// One IP source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The family it is restricted to; `None` for both.
    pub family: Option<Family>,
    /// What it is.
    pub kind: Kind,
}

impl Source {
    fn serves(&self, family: Family) -> bool {
        let server_family = match &self.kind {
            Kind::Dns(_, Some(server)) => Some(Family::of(&server.ip())),
            _ => None,
        };
        self.family.is_none_or(|f| f == family) && server_family.is_none_or(|f| f == family)
    }

    /// The source as written in the grammar, an HTTPS one by its scheme and host only (its
    /// user information, path or query may carry a secret).
    pub fn label(&self) -> String {
        match &self.kind {
            Kind::Https(url) => crate::url::shown(url),
            Kind::Dns(s, None) => format!("dns:{}", s.id()),
            Kind::Dns(s, Some(server)) => format!("dns:{}@{server}", s.id()),
            Kind::Interface(name) => format!("interface:{name}"),
        }
    }
}

/// Parse a comma-separated source list. Each entry is `[ipv4:|ipv6:]SOURCE` with SOURCE one of
/// `https://URL`, `dns:opendns|cloudflare|google[@IP[:PORT]]` or `interface:NAME`.
pub fn parse_sources(list: &str) -> Result<Vec<Source>> {
    let sources: Vec<Source> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_source)
        .collect::<Result<_>>()?;
    if sources.is_empty() {
        return Err(Error::usage("the IP source list is empty"));
    }
    Ok(sources)
}

fn parse_source(entry: &str) -> Result<Source> {
    let bad = || {
        Error::usage(format!(
            "'{}' is not an IP source: use [ipv4:|ipv6:] followed by https://URL, \
             dns:opendns|cloudflare|google[@IP[:PORT]] or interface:NAME, comma-separated",
            crate::error::printable(&crate::url::shown_entry(entry), 80)
        ))
    };
    let (family, rest) = if let Some(r) = entry.strip_prefix("ipv4:") {
        (Some(Family::Ipv4), r)
    } else if let Some(r) = entry.strip_prefix("ipv6:") {
        (Some(Family::Ipv6), r)
    } else {
        (None, entry)
    };
    if rest.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let kind = if rest.starts_with("https://")
        && rest.len() > "https://".len()
        && !crate::url::ambiguous(rest)
    {
        Kind::Https(rest.to_string())
    } else if let Some(dns) = rest.strip_prefix("dns:") {
        let (name, server) = match dns.split_once('@') {
            Some((n, s)) => (n, Some(parse_server(s).ok_or_else(bad)?)),
            None => (dns, None),
        };
        Kind::Dns(Service::from_id(name).ok_or_else(bad)?, server)
    } else if let Some(name) = rest.strip_prefix("interface:") {
        let ok = !name.is_empty()
            && name.len() <= 15
            && name.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if !ok {
            return Err(bad());
        }
        Kind::Interface(name.to_string())
    } else {
        return Err(bad());
    };
    Ok(Source { family, kind })
}

fn parse_server(s: &str) -> Option<SocketAddr> {
    s.parse::<SocketAddr>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

/// A detected address and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The address.
    pub ip: IpAddr,
    /// The source that said it (as written in the grammar).
    pub source: String,
    /// How long that source took, in milliseconds.
    pub millis: u64,
    /// Where the search goes on, for a second opinion.
    next: usize,
}

/// Detect the public address of one family, starting at source `from`.
fn detect_from(net: &Net, sources: &[Source], family: Family, from: usize) -> Result<Detection> {
    let deadline = Instant::now() + BUDGET;
    let mut failures = Vec::new();
    for (index, source) in sources.iter().enumerate().skip(from) {
        if !source.serves(family) {
            continue;
        }
        if Instant::now() >= deadline {
            failures.push(format!("gave up after {} seconds", BUDGET.as_secs()));
            break;
        }
        let started = Instant::now();
        match ask(net, source, family) {
            Ok(ip) => {
                let ip = address::require_global(ip, &format!("the IP source {}", source.label()))?;
                // An interface source picks a stable address itself (`ifaddr::pick`).
                let ip = if matches!(source.kind, Kind::Interface(_)) {
                    ip
                } else {
                    prefer_stable(ip)
                };
                return Ok(Detection {
                    ip,
                    source: source.label(),
                    millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    next: index + 1,
                });
            }
            Err(e) => failures.push(e.message),
        }
    }
    if failures.is_empty() {
        return Err(Error::usage(format!(
            "no IP source is configured for {}: add one with --ip-source",
            family.label()
        )));
    }
    Err(Error::transient(format!(
        "could not detect the public {} address: {}",
        family.label(),
        failures.join("; ")
    ))
    .with_code(crate::error::Code::NotDetected))
}

/// Detect the public address of one family from `sources`, in order.
pub fn detect(net: &Net, sources: &[Source], family: Family) -> Result<Detection> {
    detect_from(net, sources, family, 0)
}

/// Ask the sources after `first` for a second opinion on a changed address. `Ok` when they
/// agree or when no other source answers; an error naming both when they disagree.
pub fn confirm(net: &Net, sources: &[Source], first: &Detection) -> Result<()> {
    let family = Family::of(&first.ip);
    match detect_from(net, sources, family, first.next) {
        Ok(second) if second.ip != first.ip => Err(Error::transient(format!(
            "the IP sources disagree: {} says {}, {} says {}; nothing was published for {} \
             this run",
            first.source,
            first.ip,
            second.source,
            second.ip,
            family.label()
        ))),
        _ => Ok(()),
    }
}

fn ask(net: &Net, source: &Source, family: Family) -> Result<IpAddr> {
    match &source.kind {
        Kind::Https(url) => {
            let host = crate::url::host(url);
            let reply = net.http()?.get(url, Some(family))?;
            if reply.status != 200 {
                return Err(Error::transient(format!(
                    "{host} answered HTTP {}",
                    reply.status
                )));
            }
            match address::parse_echo(&String::from_utf8_lossy(&reply.body)) {
                Some(ip) if Family::of(&ip) == family => Ok(ip),
                Some(ip) => Err(Error::transient(format!(
                    "{host} answered {ip} when asked over {}",
                    family.label()
                ))),
                None => Err(Error::transient(format!(
                    "{host} did not answer with an address"
                ))),
            }
        }
        Kind::Dns(service, server) => {
            let servers: Vec<SocketAddr> = match server {
                Some(s) => vec![*s],
                None => service
                    .servers(family)
                    .iter()
                    .filter_map(|s| s.parse::<IpAddr>().ok())
                    .map(|ip| SocketAddr::new(ip, 53))
                    .collect(),
            };
            let mut last = None;
            for server in servers {
                match whoami::ask(*service, family, server, DNS_TIMEOUT) {
                    Ok(ip) => return Ok(ip),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| Error::transient("no server to ask")))
        }
        Kind::Interface(name) => {
            let (v4, routes, v6) = ifaddr::read(name)?;
            ifaddr::pick(name, family, &v4, &routes, &v6)
        }
    }
}

/// This machine's WAN IPv4 address: an address of the interface its default route leaves by
/// (`None` when there is none, or `/proc/net` cannot be read; always on Windows, whose adapter
/// list carries no default route: a PC is not the router).
pub fn wan_ipv4() -> Option<std::net::Ipv4Addr> {
    if cfg!(windows) {
        return None;
    }
    let (v4, routes, _) = ifaddr::read("").ok()?;
    let device = routes
        .iter()
        .find(|r| r.dest == 0 && r.mask == 0)?
        .device
        .clone();
    v4.into_iter()
        .find(|ip| ifaddr::device_of(*ip, &routes) == Some(device.as_str()))
}

/// Whether the kernel would route to the global IPv6 internet from a global address (a UDP
/// connect sends nothing).
pub fn has_global_ipv6() -> bool {
    let Ok(socket) = std::net::UdpSocket::bind("[::]:0") else {
        return false;
    };
    socket.connect("[2001:4860:4860::8888]:53").is_ok()
        && socket
            .local_addr()
            .is_ok_and(|a| address::not_global(&a.ip()).is_none())
}

/// A temporary IPv6 privacy address of this machine (what outgoing connections use) is swapped
/// for a stable address of the same interface and prefix: the temporary one expires.
fn prefer_stable(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => ifaddr::stable_instead_of(v6, &ifaddr::local_v6()).map_or(ip, IpAddr::V6),
        IpAddr::V4(_) => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families(s: &Source) -> (bool, bool) {
        (s.serves(Family::Ipv4), s.serves(Family::Ipv6))
    }

    #[test]
    fn default_sources_put_dns_first_and_have_three_echoes_per_family() {
        let list = parse_sources(DEFAULT_SOURCES).unwrap();
        assert!(matches!(list[0].kind, Kind::Dns(Service::Cloudflare, None)));
        let https = |f| {
            list.iter()
                .filter(|s| matches!(s.kind, Kind::Https(_)) && s.serves(f))
                .count()
        };
        assert_eq!((https(Family::Ipv4), https(Family::Ipv6)), (3, 3));
    }

    #[test]
    fn grammar() {
        let list = parse_sources(
            " https://echo.test:8443/ip , ipv6:https://e6.test ,dns:opendns@127.0.0.1:5353,\
             dns:cloudflare@[::1]:53,ipv4:dns:google@::1,dns:google,interface:pppoe-wan",
        )
        .unwrap();
        assert_eq!(
            list[0],
            Source {
                family: None,
                kind: Kind::Https("https://echo.test:8443/ip".into())
            }
        );
        assert_eq!(families(&list[0]), (true, true));
        assert_eq!(families(&list[1]), (false, true));
        assert_eq!(
            list[2].kind,
            Kind::Dns(Service::OpenDns, Some("127.0.0.1:5353".parse().unwrap()))
        );
        assert_eq!(
            families(&list[2]),
            (true, false),
            "a server address fixes the family"
        );
        assert_eq!(families(&list[3]), (false, true));
        assert_eq!(
            families(&list[4]),
            (false, false),
            "ipv4: with an IPv6 server serves nothing"
        );
        assert_eq!(families(&list[5]), (true, true));
        assert_eq!(list[6].kind, Kind::Interface("pppoe-wan".into()));
        assert_eq!(list[2].label(), "dns:opendns@127.0.0.1:5353");
        for bad in [
            "http://x.test",
            "ipv5:https://x",
            "https://",
            "",
            " , ",
            "https://a b",
            "dns:nope",
            "dns:opendns@host",
            "interface:",
            "interface:../x",
            "ftp://x",
            "https://user:pass/word@echo.test/",
        ] {
            let err = parse_sources(bad).unwrap_err();
            assert_eq!(err.class, crate::error::Class::Usage, "{bad}");
        }
    }
}
