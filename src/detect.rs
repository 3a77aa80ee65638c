//! Public address detection: the IP sources (a small grammar shared by `--ip-source`,
//! `DDNS_IP_SOURCES` and the README), tried in order per family, each forced onto its family's
//! sockets, with every answer checked to be a global unicast address.

use crate::address::{self, Family};
use crate::error::{Error, Result};
use crate::http::Http;
use std::net::IpAddr;
use std::time::Instant;

/// The default sources: three independent HTTPS echo services per family.
pub const DEFAULT_SOURCES: &str = "ipv4:https://api.ipify.org,ipv6:https://api6.ipify.org,\
ipv4:https://ipv4.icanhazip.com,ipv6:https://ipv6.icanhazip.com,\
ipv4:https://v4.ident.me,ipv6:https://v6.ident.me";

/// One IP source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The family it is asked for; `None` for both (the request is forced onto each family's
    /// sockets in turn).
    pub family: Option<Family>,
    /// An HTTPS echo service: its reply body is the caller's address.
    pub url: String,
}

impl Source {
    fn serves(&self, family: Family) -> bool {
        self.family.is_none_or(|f| f == family)
    }
}

/// Parse a comma-separated source list. Each entry is `[ipv4:|ipv6:]https://URL`.
pub fn parse_sources(list: &str) -> Result<Vec<Source>> {
    let sources: Vec<Source> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (family, rest) = if let Some(r) = entry.strip_prefix("ipv4:") {
                (Some(Family::Ipv4), r)
            } else if let Some(r) = entry.strip_prefix("ipv6:") {
                (Some(Family::Ipv6), r)
            } else {
                (None, entry)
            };
            let ok = rest.starts_with("https://")
                && rest.len() > "https://".len()
                && !rest.contains(|c: char| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(Error::usage(format!(
                    "'{}' is not an IP source: use [ipv4:|ipv6:]https://URL, comma-separated",
                    crate::name::shown(entry)
                )));
            }
            Ok(Source {
                family,
                url: rest.to_string(),
            })
        })
        .collect::<Result<_>>()?;
    if sources.is_empty() {
        return Err(Error::usage("the IP source list is empty"));
    }
    Ok(sources)
}

/// A detected address and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The address.
    pub ip: IpAddr,
    /// The source that said it.
    pub source: String,
    /// How long that source took, in milliseconds.
    pub millis: u64,
}

/// Check that an address may be published; `origin` names who said it.
pub fn require_global(ip: IpAddr, origin: &str) -> Result<IpAddr> {
    match address::not_global(&ip) {
        None => Ok(ip),
        Some(why) => Err(Error::refused(format!(
            "{origin} says the public address is {ip}, which is {why}; it was not published"
        ))),
    }
}

/// Detect the public address of one family: the first source that answers with an address
/// wins. A non-global answer stops the search with a refusal naming the source.
pub fn detect(http: &Http, sources: &[Source], family: Family) -> Result<Detection> {
    let mut failures = Vec::new();
    for source in sources.iter().filter(|s| s.serves(family)) {
        let started = Instant::now();
        let host = crate::http::host_of(&source.url);
        let answer = http.get(&source.url, Some(family)).and_then(|reply| {
            if reply.status != 200 {
                return Err(Error::transient(format!(
                    "{host} answered HTTP {}",
                    reply.status
                )));
            }
            let text = String::from_utf8_lossy(&reply.body);
            match address::parse_echo(&text) {
                Some(ip) if Family::of(&ip) == family => Ok(ip),
                Some(ip) => Err(Error::transient(format!(
                    "{host} answered {ip} when asked over {}",
                    family.label()
                ))),
                None => Err(Error::transient(format!(
                    "{host} did not answer with an address"
                ))),
            }
        });
        match answer {
            Ok(ip) => {
                let ip = require_global(ip, &format!("the IP source {}", source.url))?;
                return Ok(Detection {
                    ip,
                    source: source.url.clone(),
                    millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
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
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sources_parse_with_three_per_family() {
        let list = parse_sources(DEFAULT_SOURCES).unwrap();
        assert_eq!(list.iter().filter(|s| s.serves(Family::Ipv4)).count(), 3);
        assert_eq!(list.iter().filter(|s| s.serves(Family::Ipv6)).count(), 3);
        assert_eq!(list[0].url, "https://api.ipify.org");
    }

    #[test]
    fn grammar_accepts_family_prefixes_and_refuses_the_rest() {
        let list = parse_sources(" https://echo.test:8443/ip , ipv6:https://e6.test ").unwrap();
        assert_eq!(
            list[0],
            Source {
                family: None,
                url: "https://echo.test:8443/ip".into()
            }
        );
        assert_eq!(list[1].family, Some(Family::Ipv6));
        for bad in [
            "http://x.test",
            "ipv5:https://x",
            "https://",
            "",
            " , ",
            "https://a b",
        ] {
            assert!(parse_sources(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn non_global_answers_are_refused_naming_the_source() {
        let err = require_global(
            "192.168.1.2".parse().unwrap(),
            "the IP source https://e.test",
        )
        .unwrap_err();
        assert_eq!(err.class, crate::error::Class::Refused);
        assert!(err.message.starts_with("the IP source https://e.test says the public address is 192.168.1.2, which is a private address"));
        assert!(require_global("81.2.69.142".parse().unwrap(), "x").is_ok());
    }
}
