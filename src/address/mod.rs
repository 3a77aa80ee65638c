//! IP addresses as `ddns` sees them: the two families, the pair of addresses a name has (one
//! type for what was observed, what is sent and what was published), and whether an address may
//! be published (only global unicast addresses may; the IANA special-purpose registries decide).

use crate::error::{Error, Result};
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

fn v4_in(ip: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v6_in(ip: Ipv6Addr, net: [u16; 8], bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

/// Why an IPv4 address is not a global unicast address, or `None` when it is one.
/// Ranges: IANA IPv4 Special-Purpose Address Registry, plus multicast and class E.
pub fn ipv4_not_global(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "a 'this network' address (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "a private address (10.0.0.0/8)"),
        (
            [100, 64, 0, 0],
            10,
            "a carrier-grade NAT address (100.64.0.0/10): your provider shares one public \
             address among customers, so no DNS record can reach this network over IPv4; \
             ask the provider for a public IPv4 address or use IPv6",
        ),
        ([127, 0, 0, 0], 8, "a loopback address (127.0.0.0/8)"),
        (
            [169, 254, 0, 0],
            16,
            "a link-local address (169.254.0.0/16)",
        ),
        ([172, 16, 0, 0], 12, "a private address (172.16.0.0/12)"),
        (
            [192, 0, 0, 0],
            24,
            "an IETF protocol assignment (192.0.0.0/24)",
        ),
        ([192, 0, 2, 0], 24, "a documentation address (192.0.2.0/24)"),
        ([192, 31, 196, 0], 24, "an AS112 address (192.31.196.0/24)"),
        ([192, 52, 193, 0], 24, "an AMT address (192.52.193.0/24)"),
        (
            [192, 88, 99, 0],
            24,
            "a 6to4 relay anycast address (192.88.99.0/24)",
        ),
        ([192, 168, 0, 0], 16, "a private address (192.168.0.0/16)"),
        (
            [192, 175, 48, 0],
            24,
            "a direct delegation AS112 address (192.175.48.0/24)",
        ),
        (
            [198, 18, 0, 0],
            15,
            "a benchmarking address (198.18.0.0/15)",
        ),
        (
            [198, 51, 100, 0],
            24,
            "a documentation address (198.51.100.0/24)",
        ),
        (
            [203, 0, 113, 0],
            24,
            "a documentation address (203.0.113.0/24)",
        ),
        ([224, 0, 0, 0], 4, "a multicast address (224.0.0.0/4)"),
        (
            [240, 0, 0, 0],
            4,
            "a reserved or broadcast address (240.0.0.0/4)",
        ),
    ];
    RANGES
        .iter()
        .find(|(net, bits, _)| v4_in(ip, *net, *bits))
        .map(|(_, _, why)| *why)
}

/// Why an IPv6 address is not a global unicast address, or `None` when it is one.
/// Only 2000::/3 is global unicast; inside it, the IANA IPv6 Special-Purpose Address Registry's
/// blocks that a host's own address can never be are refused too.
pub fn ipv6_not_global(ip: Ipv6Addr) -> Option<&'static str> {
    const INSIDE_2000: &[([u16; 8], u32, &str)] = &[
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            32,
            "a Teredo relay address (2001::/32)",
        ),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            "an IETF protocol assignment (2001::/23)",
        ),
        (
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
            32,
            "a documentation address (2001:db8::/32)",
        ),
        (
            [0x2002, 0, 0, 0, 0, 0, 0, 0],
            16,
            "a 6to4 address (2002::/16)",
        ),
        (
            [0x3fff, 0, 0, 0, 0, 0, 0, 0],
            20,
            "a documentation address (3fff::/20)",
        ),
    ];
    const OUTSIDE_2000: &[([u16; 8], u32, &str)] = &[
        (
            [0, 0, 0, 0, 0, 0, 0, 0],
            127,
            "the unspecified or loopback address",
        ),
        (
            [0, 0, 0, 0, 0, 0xffff, 0, 0],
            96,
            "an IPv4-mapped address (::ffff:0:0/96)",
        ),
        (
            [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
            96,
            "a NAT64 address (64:ff9b::/96)",
        ),
        (
            [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
            48,
            "a local NAT64 address (64:ff9b:1::/48)",
        ),
        (
            [0x100, 0, 0, 0, 0, 0, 0, 0],
            64,
            "a discard-only address (100::/64)",
        ),
        (
            [0x5f00, 0, 0, 0, 0, 0, 0, 0],
            16,
            "a segment routing address (5f00::/16)",
        ),
        (
            [0xfc00, 0, 0, 0, 0, 0, 0, 0],
            7,
            "a unique local address (fc00::/7, ULA)",
        ),
        (
            [0xfe80, 0, 0, 0, 0, 0, 0, 0],
            10,
            "a link-local address (fe80::/10)",
        ),
        (
            [0xff00, 0, 0, 0, 0, 0, 0, 0],
            8,
            "a multicast address (ff00::/8)",
        ),
    ];
    if v6_in(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        INSIDE_2000
            .iter()
            .find(|(net, bits, _)| v6_in(ip, *net, *bits))
            .map(|(_, _, why)| *why)
    } else {
        Some(
            OUTSIDE_2000
                .iter()
                .find(|(net, bits, _)| v6_in(ip, *net, *bits))
                .map_or(
                    "not a global unicast address (outside 2000::/3)",
                    |(_, _, why)| *why,
                ),
        )
    }
}

/// Why an address may not be published, or `None` when it may.
pub fn not_global(ip: &IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => ipv4_not_global(*v4),
        IpAddr::V6(v6) => ipv6_not_global(*v6),
    }
}

/// Check that an address may be published; `origin` names who said it (`the IP source X`,
/// `--ip`, `interface wan`).
pub fn require_global(ip: IpAddr, origin: &str) -> Result<IpAddr> {
    match not_global(&ip) {
        None => Ok(ip),
        Some(why) => Err(Error::refused(format!(
            "{origin} says the public address is {ip}, which is {why}; it was not published"
        ))),
    }
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

    fn v4(s: &str) -> Option<&'static str> {
        ipv4_not_global(s.parse().unwrap())
    }
    fn v6(s: &str) -> Option<&'static str> {
        ipv6_not_global(s.parse().unwrap())
    }

    #[test]
    fn ipv4_global_addresses_pass() {
        for ok in [
            "1.1.1.1",
            "8.8.8.8",
            "81.2.69.142",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "9.255.255.255",
            "11.0.0.0",
        ] {
            assert_eq!(v4(ok), None, "{ok}");
        }
    }

    #[test]
    fn ipv4_every_special_purpose_block_is_refused() {
        for (bad, word) in [
            ("0.1.2.3", "this network"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("169.254.1.1", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF"),
            ("192.0.2.1", "documentation"),
            ("192.31.196.1", "AS112"),
            ("192.52.193.1", "AMT"),
            ("192.88.99.1", "6to4"),
            ("192.168.1.1", "private"),
            ("192.175.48.1", "AS112"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.7", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.255", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            let why = v4(bad).unwrap_or_else(|| panic!("{bad} passed"));
            assert!(why.contains(word), "{bad}: {why}");
        }
    }

    #[test]
    fn ipv6_global_addresses_pass() {
        for ok in [
            "2a00:1450:4001::1",
            "2606:4700:4700::1111",
            "2001:200::1",
            "2003::1",
            "3ffe::1",
            "2c0f:f248::1",
        ] {
            assert_eq!(v6(ok), None, "{ok}");
        }
    }

    #[test]
    fn ipv6_every_special_purpose_block_is_refused() {
        for (bad, word) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:1.2.3.4", "IPv4-mapped"),
            ("64:ff9b::1.2.3.4", "NAT64"),
            ("64:ff9b:1::1", "NAT64"),
            ("100::1", "discard"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "IETF"),
            ("2001:10::1", "IETF"),
            ("2001:20::1", "IETF"),
            ("2001:db8::1", "documentation"),
            ("2002:c000:0204::1", "6to4"),
            ("3fff::1", "documentation"),
            ("5f00::1", "segment routing"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("4000::1", "outside 2000::/3"),
            ("::2", "outside"),
        ] {
            let why = v6(bad).unwrap_or_else(|| panic!("{bad} passed"));
            assert!(why.contains(word), "{bad}: {why}");
        }
    }

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
