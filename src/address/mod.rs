//! IP addresses as `ddns` sees them: the two families, the pair of addresses a name has (one
//! type for what was observed, what is sent and what was published), and whether an address may
//! be published (only global unicast addresses may; the IANA special-purpose registries
//! decide, in `special.rs`).

mod special;

pub use special::{ipv4_not_global, ipv6_not_global, is_cgnat, not_global, require_global};

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address family, and the DNS record type that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4, published as an `A` record.
    Ipv4,
    /// IPv6, published as an `AAAA` record.
    Ipv6,
}

impl Family {
    /// Both families, IPv4 first.
    pub const ALL: [Family; 2] = [Family::Ipv4, Family::Ipv6];

    /// The DNS record type: `A` or `AAAA`.
    pub fn record(self) -> &'static str {
        match self {
            Family::Ipv4 => "A",
            Family::Ipv6 => "AAAA",
        }
    }

    /// `IPv4` or `IPv6`, as people (and the template's group ids) write it.
    pub fn label(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }

    /// `ipv4` or `ipv6`: the key in JSON documents and the state file.
    pub fn key(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }

    /// The family of an address.
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }
}

/// One address per family, either of which may be missing: what a run observed, what an apply
/// sends, what was last published. Serialised as `{"ipv4": ..., "ipv6": ...}` (the state file's
/// `published` object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addresses {
    /// The IPv4 address (an `A` record's value).
    pub ipv4: Option<Ipv4Addr>,
    /// The IPv6 address (an `AAAA` record's value).
    pub ipv6: Option<Ipv6Addr>,
}

impl Addresses {
    /// The address of `family`, if any.
    pub fn get(&self, family: Family) -> Option<IpAddr> {
        match family {
            Family::Ipv4 => self.ipv4.map(IpAddr::V4),
            Family::Ipv6 => self.ipv6.map(IpAddr::V6),
        }
    }

    /// Set the address of `ip`'s family.
    pub fn set(&mut self, ip: IpAddr) {
        match ip {
            IpAddr::V4(v4) => self.ipv4 = Some(v4),
            IpAddr::V6(v6) => self.ipv6 = Some(v6),
        }
    }

    /// Whether neither family has an address.
    pub fn is_empty(&self) -> bool {
        self.ipv4.is_none() && self.ipv6.is_none()
    }
}

/// The record of one family as the zone's authoritative servers answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The addresses in the record; empty when the name has none of this family.
    pub addresses: Vec<IpAddr>,
    /// Its time to live in seconds (for no record: the zone's negative TTL, or 0).
    pub ttl: u32,
}

/// The address made of `prefix_from`'s upper 64 bits (the delegated /64 prefix) and
/// `suffix`'s lower 64 bits (a host's fixed interface identifier).
pub fn with_suffix(prefix_from: Ipv6Addr, suffix: Ipv6Addr) -> Ipv6Addr {
    const LOW: u128 = u64::MAX as u128;
    Ipv6Addr::from((u128::from(prefix_from) & !LOW) | (u128::from(suffix) & LOW))
}

/// Check an `--ipv6-suffix` value: an interface identifier such as `::1234:5678:9abc:def0`
/// (upper 64 bits zero, lower 64 bits not).
pub fn parse_suffix(value: &str) -> Option<Ipv6Addr> {
    let ip: Ipv6Addr = value.trim().parse().ok()?;
    let bits = u128::from(ip);
    (bits >> 64 == 0 && bits != 0).then_some(ip)
}

/// Read an address from an IP echo service's reply: the first line, trimmed, must be an address.
pub fn parse_echo(body: &str) -> Option<IpAddr> {
    body.lines().next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_get_and_set_by_family() {
        let mut a = Addresses::default();
        assert!(a.is_empty());
        a.set("81.2.69.142".parse().unwrap());
        a.set("2a00::1".parse().unwrap());
        assert_eq!(a.get(Family::Ipv4), Some("81.2.69.142".parse().unwrap()));
        assert_eq!(a.get(Family::Ipv6), Some("2a00::1".parse().unwrap()));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"ipv4":"81.2.69.142","ipv6":"2a00::1"}"#
        );
    }

    #[test]
    fn suffix_combines_with_the_prefix() {
        let suffix = parse_suffix("::1234:5678:9abc:def0").unwrap();
        let router: Ipv6Addr = "2a02:123:4:5::1".parse().unwrap();
        assert_eq!(
            with_suffix(router, suffix),
            "2a02:123:4:5:1234:5678:9abc:def0"
                .parse::<Ipv6Addr>()
                .unwrap()
        );
        assert_eq!(parse_suffix("2a02::1"), None);
        assert_eq!(parse_suffix("::"), None);
        assert_eq!(parse_suffix("x"), None);
    }

    #[test]
    fn echo_replies_are_read_strictly() {
        assert_eq!(
            parse_echo("81.2.69.142\n"),
            Some("81.2.69.142".parse().unwrap())
        );
        assert_eq!(
            parse_echo("  2a00::1 \r\nx"),
            Some("2a00::1".parse().unwrap())
        );
        assert_eq!(parse_echo("<html>"), None);
        assert_eq!(parse_echo(""), None);
    }
}
