//! The one DNS stack of `ddns`: a small blocking stub resolver on hickory-proto's wire format
//! (nothing from libc's resolver or NSS). It asks the configured recursive resolvers (or those
//! in `/etc/resolv.conf`, or public ones) over UDP, over TCP when a reply is truncated, checking
//! each reply's id and question (`query.rs`); tries every server in turn, twice, within a time
//! bound; follows CNAMEs; and reads `/etc/hosts` first for addresses. It finds zone apexes,
//! `_domainconnect` records and a zone's name servers, answers `check`'s record lookups, and
//! resolves every hostname ureq connects to (`http.rs`).
//!
//! It replaced hickory-resolver, which needs an async runtime (tokio), a cache (moka) and more:
//! 413 KB of x86_64 code for what a stub resolver of one-shot runs needs (README, Choices).

use crate::address::Family;
use crate::error::{Error, Result};
use crate::net::query::{self, Question};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Time for one exchange with one server.
const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Rounds over the servers per question.
const ATTEMPTS: u32 = 2;
/// All rounds of one question together.
const LOOKUP_LIMIT: Duration = Duration::from_secs(9);
/// CNAMEs followed at most.
const MAX_CNAMES: usize = 8;

/// Where queries go when `/etc/resolv.conf` names no server (e.g. an empty container root):
/// Cloudflare's and Google's public resolvers.
const FALLBACK_RESOLVERS: &[&str] = &["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"];

/// The resolver: its servers, the host table, and how they were chosen (for messages).
pub struct Dns {
    servers: Vec<SocketAddr>,
    hosts: Vec<(String, IpAddr)>,
    /// How the resolver was chosen, for messages.
    pub source: String,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dns(")?;
        f.write_str(&self.source)?;
        f.write_str(")")
    }
}

/// Parse the resolver setting: comma-separated `IP`, `IP:PORT` or `[IPv6]:PORT` (port 53 when
/// none is given).
pub fn parse_resolvers(setting: &str) -> Result<Vec<SocketAddr>> {
    let bad = |item: &str| {
        Error::usage(format!(
            "'{}' is not a resolver address: use IP, IP:PORT or [IPv6]:PORT, comma-separated",
            crate::out::printable(item, 80)
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

/// What DNS said about a name and type.
enum Lookup {
    /// The records of that type (after any CNAMEs).
    Records(Vec<Record>),
    /// There are none (NXDOMAIN, or NOERROR without them); the owner of the SOA in the
    /// authority section, if any (the zone that answered).
    None { soa_owner: Option<String> },
}

impl Dns {
    /// A resolver using `servers` (UDP with TCP fallback), or the system's `/etc/resolv.conf`
    /// when `None`, or public resolvers when that names none.
    pub fn new(servers: Option<&[SocketAddr]>) -> Dns {
        let (servers, source) = match servers {
            Some(list) => (list.to_vec(), format!("resolver {}", join(list))),
            None => {
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
        };
        let hosts = std::fs::read_to_string("/etc/hosts")
            .map(|t| parse_hosts(&t))
            .unwrap_or_default();
        Dns {
            servers,
            hosts,
            source,
        }
    }

    /// Ask the servers, in turn, twice, within [`LOOKUP_LIMIT`]: the first reply that is an
    /// answer (records, NXDOMAIN or NOERROR without them) counts; SERVFAIL, REFUSED and
    /// silence move on to the next server.
    fn lookup(&self, name: &str, kind: RecordType) -> Result<Lookup> {
        let fqdn = fqdn(name)?;
        let question = Question {
            name: fqdn.clone(),
            kind,
            class: DNSClass::IN,
            recursion: true,
        };
        let deadline = Instant::now() + LOOKUP_LIMIT;
        let mut last = String::from("no server to ask");
        for _ in 0..ATTEMPTS {
            for server in &self.servers {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match query::ask(&question, *server, QUERY_TIMEOUT.min(left)) {
                    Ok(reply) => match reply.response_code() {
                        ResponseCode::NoError | ResponseCode::NXDomain => {
                            return Ok(read(&reply, &fqdn, kind));
                        }
                        code => last = format!("{server} answered {code}"),
                    },
                    Err(why) => last = format!("{server} {why}"),
                }
            }
        }
        Err(Error::transient(format!(
            "DNS lookup of {name} failed ({last}; {}): check the network or the resolver \
             setting",
            self.source
        )))
    }

    /// The addresses of `host`, of one family or (with `None`) either; empty when DNS says
    /// there are none, an error when DNS could not be asked. `/etc/hosts` is read first.
    pub fn lookup_ip(&self, host: &str, family: Option<Family>) -> Result<Vec<IpAddr>> {
        let wanted = |ip: &IpAddr| family.is_none_or(|f| Family::of(ip) == f);
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        let listed: Vec<IpAddr> = self
            .hosts
            .iter()
            .filter(|(n, ip)| *n == key && wanted(ip))
            .map(|(_, ip)| *ip)
            .collect();
        if !listed.is_empty() {
            return Ok(listed);
        }
        let kinds: &[RecordType] = match family {
            Some(Family::Ipv4) => &[RecordType::A],
            Some(Family::Ipv6) => &[RecordType::AAAA],
            None => &[RecordType::A, RecordType::AAAA],
        };
        let mut out = Vec::new();
        let mut first_error = None;
        for kind in kinds {
            match self.lookup(host, *kind) {
                Ok(Lookup::Records(records)) => {
                    out.extend(records.iter().filter_map(|r| match r.data() {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                        _ => None,
                    }));
                }
                Ok(Lookup::None { .. }) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }

    /// The addresses of `zone`'s authoritative name servers (its NS records' targets), at most
    /// four, IPv4 first; empty when there are none.
    pub fn nameservers(&self, zone: &str) -> Result<Vec<IpAddr>> {
        let hosts: Vec<String> = match self.lookup(zone, RecordType::NS)? {
            Lookup::Records(records) => records
                .iter()
                .filter_map(|r| match r.data() {
                    RData::NS(ns) => Some(ns.0.to_ascii().trim_end_matches('.').to_string()),
                    _ => None,
                })
                .collect(),
            Lookup::None { .. } => Vec::new(),
        };
        let mut addresses: Vec<IpAddr> = Vec::new();
        for host in hosts.iter().take(4) {
            addresses.extend(self.lookup_ip(host, None).unwrap_or_default());
        }
        addresses.sort_by_key(IpAddr::is_ipv6);
        addresses.dedup();
        addresses.truncate(4);
        Ok(addresses)
    }

    /// The strings of `name`'s TXT records (each record's strings joined); empty when none.
    pub fn txt(&self, name: &str) -> Result<Vec<String>> {
        Ok(match self.lookup(name, RecordType::TXT)? {
            Lookup::Records(records) => records
                .iter()
                .filter_map(|r| match r.data() {
                    RData::TXT(txt) => Some(
                        txt.iter()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect(),
            Lookup::None { .. } => Vec::new(),
        })
    }

    /// The zone apex that holds `name`: the owner of the SOA record that answers for it (in the
    /// answer when `name` is an apex, in the authority section of the negative answer when it
    /// is not). Falls back to asking each parent in turn.
    pub fn zone_of(&self, name: &str) -> Result<String> {
        for candidate in crate::name::ancestors(name) {
            let soa_owner = match self.lookup(candidate, RecordType::SOA)? {
                Lookup::Records(records) => records
                    .iter()
                    .any(|r| matches!(r.data(), RData::SOA(_)))
                    .then(|| candidate.to_string()),
                Lookup::None { soa_owner } => soa_owner,
            };
            // The SOA owner must be `name` or one of its parents (a CNAME can lead elsewhere).
            if let Some(zone) = soa_owner
                && crate::name::host_in_zone(name, &zone).is_some()
                && zone.contains('.')
            {
                return Ok(zone);
            }
        }
        Err(Error::usage(format!(
            "could not find the DNS zone that holds {name} (no SOA record answered): check the \
             name, or give the zone with --zone"
        )))
    }
}

/// Read an answer to `fqdn`/`kind`: its records of that type, following CNAMEs in the answer
/// section; or that there are none, with the SOA owner of the authority section.
fn read(reply: &Message, fqdn: &str, kind: RecordType) -> Lookup {
    let mut owner = fqdn.to_ascii_lowercase();
    for _ in 0..=MAX_CNAMES {
        let at_owner: Vec<&Record> = reply
            .answers()
            .iter()
            .filter(|r| r.name().to_ascii().eq_ignore_ascii_case(&owner))
            .collect();
        let records: Vec<Record> = at_owner
            .iter()
            .filter(|r| r.record_type() == kind)
            .map(|r| (*r).clone())
            .collect();
        if !records.is_empty() {
            return Lookup::Records(records);
        }
        match at_owner.iter().find_map(|r| match r.data() {
            RData::CNAME(target) if kind != RecordType::CNAME => Some(target.0.to_ascii()),
            _ => None,
        }) {
            Some(target) => owner = target.to_ascii_lowercase(),
            None => break,
        }
    }
    let soa_owner = reply.name_servers().iter().find_map(|r| match r.data() {
        RData::SOA(_) => Some(
            r.name()
                .to_ascii()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
        ),
        _ => None,
    });
    Lookup::None { soa_owner }
}

/// `name` as a fully qualified DNS name (with the trailing dot), checked.
fn fqdn(name: &str) -> Result<String> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    hickory_proto::rr::Name::from_ascii(&fqdn).map_err(|_| {
        Error::usage(format!(
            "'{}' is not a valid DNS name",
            crate::out::printable(name, 80)
        ))
    })?;
    Ok(fqdn)
}

fn join(list: &[SocketAddr]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
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

    fn reply(records: &[Record], authority: &[Record], code: ResponseCode) -> Message {
        let mut m = Message::new();
        m.set_response_code(code);
        m.add_answers(records.iter().cloned());
        m.add_name_servers(authority.iter().cloned());
        m
    }

    fn name(s: &str) -> hickory_proto::rr::Name {
        hickory_proto::rr::Name::from_ascii(s).unwrap()
    }

    #[test]
    fn cnames_are_followed_and_negative_answers_name_their_zone() {
        use hickory_proto::rr::rdata::{A, CNAME, SOA};
        let chain = [
            Record::from_rdata(
                name("www.example.com."),
                60,
                RData::CNAME(CNAME(name("edge.cdn.test."))),
            ),
            Record::from_rdata(name("edge.cdn.test."), 60, RData::A(A::new(81, 2, 69, 1))),
            Record::from_rdata(name("other.test."), 60, RData::A(A::new(81, 2, 69, 2))),
        ];
        match read(
            &reply(&chain, &[], ResponseCode::NoError),
            "www.example.com.",
            RecordType::A,
        ) {
            Lookup::Records(r) => assert_eq!(r.len(), 1, "only the chain's end"),
            Lookup::None { .. } => panic!("the CNAME was not followed"),
        }
        let soa = Record::from_rdata(
            name("example.com."),
            60,
            RData::SOA(SOA::new(
                name("ns.example.com."),
                name("h.example.com."),
                1,
                1,
                1,
                1,
                60,
            )),
        );
        match read(
            &reply(&[], &[soa], ResponseCode::NXDomain),
            "home.example.com.",
            RecordType::SOA,
        ) {
            Lookup::None { soa_owner } => assert_eq!(soa_owner.as_deref(), Some("example.com")),
            Lookup::Records(_) => panic!("records out of nothing"),
        }
        // A loop of CNAMEs ends.
        let looped = [
            Record::from_rdata(name("a.test."), 60, RData::CNAME(CNAME(name("b.test.")))),
            Record::from_rdata(name("b.test."), 60, RData::CNAME(CNAME(name("a.test.")))),
        ];
        assert!(matches!(
            read(
                &reply(&looped, &[], ResponseCode::NoError),
                "a.test.",
                RecordType::A
            ),
            Lookup::None { .. }
        ));
    }

    /// idna_adapter is pinned to its ASCII-only stub (Cargo.toml): punycode names still work,
    /// and a resolv.conf's search domains (in punycode or in raw Unicode) never reach idna,
    /// because this resolver reads only its `nameserver` lines.
    #[test]
    fn ascii_only_idna_keeps_punycode_names() {
        assert_eq!(
            fqdn("home.xn--bcher-kva.example").unwrap(),
            "home.xn--bcher-kva.example."
        );
        for search in ["xn--bcher-kva.example", "bücher.example"] {
            let conf = format!("nameserver 192.0.2.53\nsearch {search}\n");
            assert_eq!(
                parse_resolv_conf(&conf),
                vec!["192.0.2.53:53".parse::<SocketAddr>().unwrap()],
                "{search}"
            );
        }
    }
}
