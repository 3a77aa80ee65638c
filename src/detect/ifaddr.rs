//! A local interface's addresses, read from `/proc/net` (no libc, no netlink): IPv6 with its
//! flags from `if_inet6`, IPv4 from the local entries of `fib_trie` mapped to the interface of
//! their most specific directly connected route in `route`. Parsers are pure; `read` does I/O.
//! On Windows the same facts come from the network adapters (`adapters.rs`).

use crate::address::{self, Family};
use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `IFA_F_TEMPORARY`: a privacy address that changes daily; never published.
pub(super) const TEMPORARY: u32 = 0x01;
/// `IFA_F_DADFAILED`.
pub(super) const DADFAILED: u32 = 0x08;
/// `IFA_F_DEPRECATED`: its preferred lifetime is over.
pub(super) const DEPRECATED: u32 = 0x20;
/// `IFA_F_TENTATIVE`: duplicate address detection is not done.
pub(super) const TENTATIVE: u32 = 0x40;

/// One IPv6 address of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr6 {
    /// The address.
    pub ip: Ipv6Addr,
    /// Prefix length.
    pub prefix: u8,
    /// `IFA_F_*` flags.
    pub flags: u32,
    /// Interface name.
    pub device: String,
}

impl Addr6 {
    /// Global unicast, neither temporary, deprecated, tentative nor failed.
    pub fn usable(&self) -> bool {
        self.flags & (TEMPORARY | DEPRECATED | TENTATIVE | DADFAILED) == 0
            && address::ipv6_not_global(self.ip).is_none()
    }
}

/// Parse `/proc/net/if_inet6`: `ADDR IFINDEX PREFIX SCOPE FLAGS NAME`, all hex but the name.
#[cfg(any(not(windows), test))]
pub fn parse_if_inet6(text: &str) -> Vec<Addr6> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() != 6 || f[0].len() != 32 {
                return None;
            }
            let ip = Ipv6Addr::from(u128::from_str_radix(f[0], 16).ok()?);
            Some(Addr6 {
                ip,
                prefix: u8::from_str_radix(f[2], 16).ok()?,
                flags: u32::from_str_radix(f[4], 16).ok()?,
                device: f[5].to_string(),
            })
        })
        .collect()
}

/// The local IPv4 addresses in `/proc/net/fib_trie` (the `/32 host LOCAL` leaves).
#[cfg(any(not(windows), test))]
pub fn parse_fib_trie(text: &str) -> Vec<Ipv4Addr> {
    let mut last: Option<Ipv4Addr> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = last
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// One row of `/proc/net/route`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Interface.
    pub device: String,
    /// Destination network.
    pub dest: u32,
    /// Gateway (0 for a directly connected route).
    pub gateway: u32,
    /// Netmask.
    pub mask: u32,
}

/// Parse `/proc/net/route`. The kernel prints each network-order address as a native integer,
/// so the native bytes of the parsed number are the address bytes, on either endianness.
#[cfg(any(not(windows), test))]
pub fn parse_route(text: &str) -> Vec<Route> {
    let hex = |s: &str| {
        u32::from_str_radix(s, 16)
            .ok()
            .map(|v| u32::from_be_bytes(v.to_ne_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            Some(Route {
                device: f[0].to_string(),
                dest: hex(f[1])?,
                gateway: hex(f[2])?,
                mask: hex(f[7])?,
            })
        })
        .collect()
}

/// The interface a local IPv4 address belongs to: that of the most specific directly connected
/// route containing it.
pub fn device_of(ip: Ipv4Addr, routes: &[Route]) -> Option<&str> {
    let ip = u32::from(ip);
    routes
        .iter()
        .filter(|r| r.gateway == 0 && ip & r.mask == r.dest & r.mask)
        .max_by_key(|r| r.mask.count_ones())
        .map(|r| r.device.as_str())
}

/// Pick the address of `family` to publish from interface `device`.
pub fn pick(
    device: &str,
    family: Family,
    v4_local: &[Ipv4Addr],
    routes: &[Route],
    v6: &[Addr6],
) -> Result<IpAddr> {
    let origin = format!("interface {device}");
    match family {
        Family::Ipv4 => {
            let mine: Vec<Ipv4Addr> = v4_local
                .iter()
                .copied()
                .filter(|a| device_of(*a, routes) == Some(device))
                .collect();
            if let Some(a) = mine
                .iter()
                .find(|a| address::ipv4_not_global(**a).is_none())
            {
                return Ok(IpAddr::V4(*a));
            }
            match mine.first() {
                Some(a) => address::require_global(IpAddr::V4(*a), &origin),
                None => Err(Error::transient(format!("{origin} has no IPv4 address"))),
            }
        }
        Family::Ipv6 => {
            let mine: Vec<&Addr6> = v6.iter().filter(|a| a.device == device).collect();
            if let Some(a) = mine.iter().find(|a| a.usable()) {
                return Ok(IpAddr::V6(a.ip));
            }
            // Every interface has a link-local address: report another non-global one (a
            // ULA, say) only when the interface has no global address at all.
            let has_global = mine
                .iter()
                .any(|a| address::ipv6_not_global(a.ip).is_none());
            match mine
                .iter()
                .find(|a| !a.ip.is_unicast_link_local() && address::ipv6_not_global(a.ip).is_some())
            {
                Some(a) if !has_global => address::require_global(IpAddr::V6(a.ip), &origin),
                _ => Err(Error::transient(format!(
                    "{origin} has no global IPv6 address that is neither temporary nor deprecated"
                ))),
            }
        }
    }
}

/// When `detected` is one of this machine's temporary (privacy) addresses, a stable address of
/// the same interface and /64 prefix to publish instead.
pub fn stable_instead_of(detected: Ipv6Addr, v6: &[Addr6]) -> Option<Ipv6Addr> {
    let me = v6
        .iter()
        .find(|a| a.ip == detected && a.flags & TEMPORARY != 0)?;
    let prefix = |ip: Ipv6Addr| u128::from(ip) >> 64;
    v6.iter()
        .find(|a| a.device == me.device && prefix(a.ip) == prefix(detected) && a.usable())
        .map(|a| a.ip)
}

/// Read `/proc/net` (of this process's network namespace).
#[cfg(not(windows))]
pub fn read(_name: &str) -> Result<(Vec<Ipv4Addr>, Vec<Route>, Vec<Addr6>)> {
    let get = |p: &str| {
        std::fs::read_to_string(p).map_err(|e| {
            Error::usage(format!(
                "could not read {p} ({e}): interface sources need Linux's /proc"
            ))
        })
    };
    Ok((
        parse_fib_trie(&get("/proc/net/fib_trie")?),
        parse_route(&get("/proc/net/route")?),
        local_v6(),
    ))
}

/// Read the network adapters, for the adapter `name` (its name, such as `Ethernet`, or its GUID).
#[cfg(windows)]
pub fn read(name: &str) -> Result<(Vec<Ipv4Addr>, Vec<Route>, Vec<Addr6>)> {
    let adapters = crate::platform::read_adapters()
        .map_err(|e| Error::transient(format!("could not list the network adapters ({e})")))?;
    Ok(super::adapters::interfaces(&adapters, name))
}

/// This machine's IPv6 addresses with their flags (none when they cannot be read).
pub fn local_v6() -> Vec<Addr6> {
    #[cfg(not(windows))]
    let v6 = parse_if_inet6(&std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default());
    #[cfg(windows)]
    let v6 = crate::platform::read_adapters()
        .map(|a| super::adapters::interfaces(&a, "").2)
        .unwrap_or_default();
    v6
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From a router: a stable address, a temporary one, a deprecated one, a ULA, link-local.
    const IF_INET6: &str = "\
2a020123000000000211223344556677 03 40 00 00     eth1
2a020123000000003c4d5e6f70819293 03 40 00 01     eth1
2a02012300000000aaaaaaaaaaaaaaaa 03 40 00 20     eth1
fd000000000000000000000000000001 04 40 00 80   br-lan
fe800000000000000211223344556677 03 40 20 80     eth1
00000000000000000000000000000001 01 80 10 80       lo
";

    #[test]
    fn if_inet6_flags_decide() {
        let all = parse_if_inet6(IF_INET6);
        assert_eq!(all.len(), 6);
        assert_eq!(all[1].flags, TEMPORARY);
        let got = pick("eth1", Family::Ipv6, &[], &[], &all).unwrap();
        assert_eq!(
            got,
            "2a02:123::211:2233:4455:6677".parse::<IpAddr>().unwrap()
        );
        let mut ula_after_link_local = all.clone();
        ula_after_link_local.insert(
            0,
            Addr6 {
                ip: "fe80::1".parse().unwrap(),
                prefix: 64,
                flags: 0x80,
                device: "br-lan".into(),
            },
        );
        let err = pick("br-lan", Family::Ipv6, &[], &[], &ula_after_link_local).unwrap_err();
        assert!(err.message.contains("unique local"), "{err}");
        assert!(pick("wan9", Family::Ipv6, &[], &[], &all).is_err());
        let temp: Ipv6Addr = "2a02:123::3c4d:5e6f:7081:9293".parse().unwrap();
        assert_eq!(
            stable_instead_of(temp, &all),
            Some("2a02:123::211:2233:4455:6677".parse().unwrap())
        );
        assert_eq!(
            stable_instead_of("2a02:123::211:2233:4455:6677".parse().unwrap(), &all),
            None
        );
    }

    const FIB_TRIE: &str = "\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 81.2.69.0/24 2 0 2
        |-- 81.2.69.0
           /24 link UNICAST
        |-- 81.2.69.142
           /32 host LOCAL
     |-- 100.64.0.7
        /32 host LOCAL
     |-- 192.168.1.1
        /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 81.2.69.142
        /32 host LOCAL
     |-- 127.0.0.1
        /32 host LOCAL
";

    const ROUTE: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t01450251\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth1\t00450251\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
br-lan\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
pppoe\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0
";

    #[test]
    #[cfg(target_endian = "little")] // the fixture was printed by a little-endian kernel
    fn ipv4_addresses_map_to_their_interface() {
        let local = parse_fib_trie(FIB_TRIE);
        assert_eq!(local.len(), 4);
        let routes = parse_route(ROUTE);
        assert_eq!(
            routes[1],
            Route {
                device: "eth1".into(),
                dest: u32::from(Ipv4Addr::new(81, 2, 69, 0)),
                gateway: 0,
                mask: 0xffff_ff00
            }
        );
        assert_eq!(
            pick("eth1", Family::Ipv4, &local, &routes, &[]).unwrap(),
            IpAddr::V4(Ipv4Addr::new(81, 2, 69, 142))
        );
        // A point-to-point link's address falls to its gateway-less default route.
        let err = pick("pppoe", Family::Ipv4, &local, &routes, &[]).unwrap_err();
        assert!(err.message.contains("carrier-grade NAT"), "{err}");
        assert!(
            pick("br-lan", Family::Ipv4, &local, &routes, &[])
                .unwrap_err()
                .message
                .contains("private")
        );
        assert!(
            pick("nope", Family::Ipv4, &local, &routes, &[])
                .unwrap_err()
                .message
                .contains("has no IPv4")
        );
    }
}
