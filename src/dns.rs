//! The one DNS stack of `ddns`: a hickory resolver driven by a current-thread tokio runtime
//! (no worker threads, nothing from libc's resolver or NSS). It finds zone apexes and
//! `_domainconnect` records, answers `check`'s record lookups, and resolves every hostname ureq
//! connects to.

use crate::address::Family;
use crate::error::{Error, Result};
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Time for one query attempt.
const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts per query.
const ATTEMPTS: usize = 2;

/// Where queries go when `/etc/resolv.conf` cannot be read (e.g. an empty container root):
/// Cloudflare's and Google's public resolvers.
const FALLBACK_RESOLVERS: &[&str] = &["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"];

/// A resolver and the runtime that drives it.
pub struct Dns {
    runtime: tokio::runtime::Runtime,
    resolver: TokioResolver,
    /// How the resolver was chosen, for messages.
    pub source: String,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dns({})", self.source)
    }
}

/// Parse the resolver setting: comma-separated `IP`, `IP:PORT` or `[IPv6]:PORT` (port 53 when
/// none is given).
pub fn parse_resolvers(setting: &str) -> Result<Vec<SocketAddr>> {
    let bad = |item: &str| {
        Error::usage(format!(
            "'{}' is not a resolver address: use IP, IP:PORT or [IPv6]:PORT, comma-separated",
            crate::name::shown(item)
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

impl Dns {
    /// A resolver using `servers` (UDP with TCP fallback), or the system's `/etc/resolv.conf`
    /// when `None`, or public resolvers when that cannot be read.
    pub fn new(servers: Option<&[SocketAddr]>) -> Result<Dns> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::transient(format!("could not start the DNS runtime ({e})")))?;
        let (config, mut opts, source) = match servers {
            Some(list) => (
                config_for(list),
                ResolverOpts::default(),
                format!("resolver {}", join(list)),
            ),
            None => match hickory_resolver::system_conf::read_system_conf() {
                Ok((config, opts)) if !config.name_servers().is_empty() => (
                    config,
                    opts,
                    "the resolvers in /etc/resolv.conf".to_string(),
                ),
                _ => {
                    let list: Vec<SocketAddr> = FALLBACK_RESOLVERS
                        .iter()
                        .filter_map(|s| s.parse::<IpAddr>().ok())
                        .map(|ip| SocketAddr::new(ip, 53))
                        .collect();
                    (
                        config_for(&list),
                        ResolverOpts::default(),
                        "public resolvers (no usable /etc/resolv.conf)".to_string(),
                    )
                }
            },
        };
        opts.timeout = QUERY_TIMEOUT;
        opts.attempts = ATTEMPTS;
        opts.ndots = 0;
        opts.cache_size = 64;
        opts.use_hosts_file = ResolveHosts::Always;
        opts.try_tcp_on_error = true;
        let resolver = {
            let _guard = runtime.enter();
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(opts)
                .build()
        };
        Ok(Dns {
            runtime,
            resolver,
            source,
        })
    }

    fn run<T>(&self, fut: impl std::future::Future<Output = T>) -> Option<T> {
        // Bound every lookup, whatever the resolver's own retries add up to.
        let bound = QUERY_TIMEOUT * (ATTEMPTS as u32 + 1);
        self.runtime
            .block_on(async { tokio::time::timeout(bound, fut).await.ok() })
    }

    fn lookup(&self, name: &str, kind: RecordType) -> Result<Vec<RData>, LookupError> {
        let fqdn = fqdn(name).map_err(LookupError::Other)?;
        match self.run(self.resolver.lookup(fqdn, kind)) {
            None => Err(LookupError::Other(self.timeout_error(name))),
            Some(Ok(lookup)) => Ok(lookup.record_iter().map(|r| r.data().clone()).collect()),
            Some(Err(e)) if e.is_no_records_found() => Err(LookupError::NoRecords(e)),
            Some(Err(e)) => Err(LookupError::Other(self.error(name, &e))),
        }
    }

    fn timeout_error(&self, name: &str) -> Error {
        Error::transient(format!(
            "DNS lookup of {name} timed out ({}): check the network or the resolver setting",
            self.source
        ))
    }

    fn error(&self, name: &str, e: &ResolveError) -> Error {
        Error::transient(format!(
            "DNS lookup of {name} failed ({e}; {}): check the network or the resolver setting",
            self.source
        ))
    }

    /// The addresses of `host`, of one family or (with `None`) either.
    pub fn lookup_ip(&self, host: &str, family: Option<Family>) -> Result<Vec<IpAddr>> {
        let kinds: &[RecordType] = match family {
            Some(Family::Ipv4) => &[RecordType::A],
            Some(Family::Ipv6) => &[RecordType::AAAA],
            None => &[RecordType::A, RecordType::AAAA],
        };
        let mut out = Vec::new();
        let mut first_error = None;
        for kind in kinds {
            match self.lookup(host, *kind) {
                Ok(records) => out.extend(records.into_iter().filter_map(|r| match r {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })),
                Err(LookupError::NoRecords(_)) => {}
                Err(LookupError::Other(e)) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if out.is_empty() {
            return Err(first_error.unwrap_or_else(|| {
                let what = family.map_or("address", |f| match f {
                    Family::Ipv4 => "IPv4 address",
                    Family::Ipv6 => "IPv6 address",
                });
                Error::transient(format!("{host} has no {what} in DNS"))
            }));
        }
        Ok(out)
    }

    /// The strings of `name`'s TXT records (each record's strings joined); empty when none.
    pub fn txt(&self, name: &str) -> Result<Vec<String>> {
        match self.lookup(name, RecordType::TXT) {
            Ok(records) => Ok(records
                .into_iter()
                .filter_map(|r| match r {
                    RData::TXT(txt) => Some(
                        txt.iter()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(LookupError::NoRecords(_)) => Ok(Vec::new()),
            Err(LookupError::Other(e)) => Err(e),
        }
    }

    /// The zone apex that holds `name`: the owner of the SOA record that answers for it (in the
    /// answer when `name` is an apex, in the authority section of the negative answer when it
    /// is not). Falls back to asking each parent in turn.
    pub fn zone_of(&self, name: &str) -> Result<String> {
        for candidate in crate::name::ancestors(name) {
            let soa_owner = match self.lookup(candidate, RecordType::SOA) {
                Ok(records) => records
                    .iter()
                    .any(|r| matches!(r, RData::SOA(_)))
                    .then(|| candidate.to_string()),
                Err(LookupError::NoRecords(e)) => e.into_soa().map(|soa| {
                    soa.name()
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_ascii_lowercase()
                }),
                Err(LookupError::Other(e)) => return Err(e),
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

enum LookupError {
    NoRecords(ResolveError),
    Other(Error),
}

fn fqdn(name: &str) -> Result<Name> {
    Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).map_err(|_| {
        Error::usage(format!(
            "'{}' is not a valid DNS name",
            crate::name::shown(name)
        ))
    })
}

fn config_for(servers: &[SocketAddr]) -> ResolverConfig {
    let mut config = ResolverConfig::new();
    for addr in servers {
        config.add_name_server(NameServerConfig::new(*addr, Protocol::Udp));
        config.add_name_server(NameServerConfig::new(*addr, Protocol::Tcp));
    }
    config
}

fn join(list: &[SocketAddr]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// ureq's resolver hook: every hostname ureq connects to is resolved by [`Dns`], honouring the
/// request's address family (an IPv6 echo request must go over IPv6).
#[derive(Debug)]
pub struct UreqResolver(pub std::sync::Arc<Dns>);

impl ureq::unversioned::resolver::Resolver for UreqResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        let family = match config.ip_family() {
            ureq::config::IpFamily::Ipv4Only => Some(Family::Ipv4),
            ureq::config::IpFamily::Ipv6Only => Some(Family::Ipv6),
            _ => None,
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let ips = match literal.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self.0.lookup_ip(host, family).map_err(|e| {
                ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::NotFound, e.message))
            })?,
        };
        let mut out = self.empty();
        for ip in ips
            .into_iter()
            .filter(|ip| family.is_none_or(|f| Family::of(ip) == f))
            .take(16)
        {
            out.push(SocketAddr::new(ip, port));
        }
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
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

    /// idna_adapter is pinned to its ASCII-only stub (Cargo.toml): punycode names and a
    /// resolv.conf with a punycode search domain still work.
    #[test]
    fn ascii_only_idna_keeps_punycode_names() {
        assert_eq!(
            fqdn("home.xn--bcher-kva.example").unwrap().to_ascii(),
            "home.xn--bcher-kva.example."
        );
        let conf = "nameserver 192.0.2.53\nsearch xn--bcher-kva.example\n";
        let (config, _) = hickory_resolver::system_conf::parse_resolv_conf(conf).unwrap();
        assert_eq!(config.name_servers().len(), 2);
    }
}
