//! Which addresses may be published: global unicast only. The IANA IPv4 and IPv6
//! Special-Purpose Address Registries (plus multicast and the reserved blocks) decide; the
//! reason a block is refused is what the user reads.

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// Whether `ip` is in the carrier-grade NAT block (100.64.0.0/10, RFC 6598).
pub fn is_cgnat(ip: Ipv4Addr) -> bool {
    v4_in(ip, [100, 64, 0, 0], 10)
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
        ))
        .with_code(crate::error::Code::AddressRefused)),
    }
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
