//! The one DNS stack of `ddns`: a small blocking stub resolver on hickory-proto's wire format
//! (nothing from libc's resolver or NSS). It asks the configured recursive resolvers (or those
//! in `/etc/resolv.conf`, or public ones) over UDP, over TCP when a reply is truncated, checking
//! each reply's id and question (`query.rs`); tries every server in turn, twice, within a time
//! bound; follows CNAMEs; and reads `/etc/hosts` first for addresses. It finds zone apexes,
//! `_domainconnect` records and a zone's name servers, answers `check`'s record lookups, and
//! resolves every hostname ureq connects to (`http.rs`).
//!
//! It replaced hickory-resolver, which needs an async runtime (tokio), a cache (moka) and more:
//! 413 KB of x86_64 code for what a stub resolver of one-shot runs needs (docs/development.md, Dependencies).

use crate::address::Family;
use crate::error::Error;
use crate::net::query::{self, Question};
use crate::net::resolv;
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

/// Why a lookup failed: the resolver's own error, turned into the one error type of `ddns` at
/// its edge (`From<DnsError> for Error`). It also travels through ureq when a host to connect
/// to does not resolve (`net/http.rs`), and is recognised there by its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsError {
    /// No server answered the question (`last`: what the last one did; `source`: which
    /// servers were asked).
    NoAnswer {
        /// The name asked about.
        name: String,
        /// What the last server did, as a clause.
        last: String,
        /// How the servers were chosen.
        source: String,
    },
    /// The name is not a valid DNS name.
    BadName(String),
    /// No SOA record answered for the name or its parents.
    NoZone(String),
    /// The host has no address (of the family asked for).
    NoAddress(String, Option<Family>),
}

impl From<DnsError> for Error {
    fn from(e: DnsError) -> Error {
        match e {
            DnsError::NoAnswer { name, last, source } => Error::transient(format!(
                "DNS lookup of {name} failed ({last}; {source}): check the network or the \
                 resolver setting"
            )),
            DnsError::BadName(name) => Error::usage(format!(
                "'{}' is not a valid DNS name",
                crate::error::printable(&name, 80)
            )),
            DnsError::NoZone(name) => Error::usage(format!(
                "could not find the DNS zone that holds {name} (no SOA record answered): check \
                 the name, or give the zone with --zone"
            )),
            DnsError::NoAddress(host, family) => {
                let what = family.map_or("address", |f| match f {
                    Family::Ipv4 => "IPv4 address",
                    Family::Ipv6 => "IPv6 address",
                });
                Error::transient(format!("{host} has no {what} in DNS"))
            }
        }
    }
}

impl std::fmt::Display for DnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Error::from(self.clone()).message)
    }
}

impl std::error::Error for DnsError {}

/// A lookup's result.
type Result<T> = std::result::Result<T, DnsError>;

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
            None => resolv::system(),
        };
        Dns {
            servers,
            hosts: resolv::hosts(),
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
        Err(DnsError::NoAnswer {
            name: name.to_string(),
            last,
            source: self.source.clone(),
        })
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
        Err(DnsError::NoZone(name.to_string()))
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
    hickory_proto::rr::Name::from_ascii(&fqdn).map_err(|_| DnsError::BadName(name.into()))?;
    Ok(fqdn)
}

fn join(list: &[SocketAddr]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;
