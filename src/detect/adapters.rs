//! Windows' network adapters as the facts `ifaddr::pick` and `ifaddr::stable_instead_of` take:
//! each IPv4 address with a directly connected route of its prefix, each IPv6 address with the
//! Linux flags its state maps to (a random suffix is a temporary address; duplicate address
//! detection's states tentative, deprecated, duplicate). Each adapter is named by its name
//! (`Ethernet`), or by its GUID when that is what `interface:NAME` asked for. Pure.

use super::ifaddr::{Addr6, DADFAILED, DEPRECATED, Route, TEMPORARY, TENTATIVE};
use crate::platform::adapters::{Adapter, Dad};
use std::net::{IpAddr, Ipv4Addr};

/// The local IPv4 addresses, their routes and the IPv6 addresses of `adapters`; an adapter
/// whose GUID is `wanted` is named by it.
pub fn interfaces(adapters: &[Adapter], wanted: &str) -> (Vec<Ipv4Addr>, Vec<Route>, Vec<Addr6>) {
    let (mut v4, mut routes, mut v6) = (Vec::new(), Vec::new(), Vec::new());
    for adapter in adapters {
        let device = if adapter.guid.eq_ignore_ascii_case(wanted) {
            wanted
        } else {
            &adapter.name
        };
        for u in &adapter.unicast {
            match u.ip {
                IpAddr::V4(ip) => {
                    let mask = u32::MAX
                        .checked_shl(32 - u32::from(u.prefix.min(32)))
                        .unwrap_or(0);
                    if !v4.contains(&ip) {
                        v4.push(ip);
                    }
                    routes.push(Route {
                        device: device.to_string(),
                        dest: u32::from(ip) & mask,
                        gateway: 0,
                        mask,
                    });
                }
                IpAddr::V6(ip) => v6.push(Addr6 {
                    ip,
                    prefix: u.prefix,
                    flags: flags(u.random, u.dad),
                    device: device.to_string(),
                }),
            }
        }
    }
    (v4, routes, v6)
}

/// The Linux address flags an address's state maps to.
fn flags(random: bool, dad: Dad) -> u32 {
    let state = match dad {
        Dad::Preferred => 0,
        Dad::Deprecated => DEPRECATED,
        Dad::Tentative => TENTATIVE,
        Dad::Duplicate | Dad::Invalid => DADFAILED,
    };
    state | if random { TEMPORARY } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Family;
    use crate::detect::ifaddr::{pick, stable_instead_of};
    use crate::platform::adapters::Unicast;

    fn unicast(ip: &str, prefix: u8, random: bool, dad: Dad) -> Unicast {
        Unicast {
            ip: ip.parse().unwrap(),
            prefix,
            random,
            dad,
        }
    }

    /// As Wine listed a Linux host's interfaces, plus a home PC's Ethernet with a privacy
    /// address and a deprecated one.
    fn adapters() -> Vec<Adapter> {
        vec![
            Adapter {
                guid: "{6F1C-ETH}".into(),
                name: "Ethernet".into(),
                up: true,
                dns: Vec::new(),
                unicast: vec![
                    unicast("192.168.1.20", 24, false, Dad::Preferred),
                    unicast("81.2.69.142", 28, false, Dad::Preferred),
                    unicast("2a02:123::3c4d:5e6f:7081:9293", 64, true, Dad::Preferred),
                    unicast("2a02:123::aaaa", 64, false, Dad::Deprecated),
                    unicast("2a02:123::211:2233:4455:6677", 64, false, Dad::Preferred),
                    unicast("fe80::211:2233:4455:6677", 64, false, Dad::Preferred),
                ],
            },
            Adapter {
                guid: "{LOOPBACK}".into(),
                name: "Loopback Pseudo-Interface 1".into(),
                up: true,
                dns: Vec::new(),
                unicast: vec![unicast("127.0.0.1", 8, false, Dad::Preferred)],
            },
        ]
    }

    #[test]
    fn an_adapter_is_found_by_name_or_guid_and_its_addresses_judged() {
        for device in ["Ethernet", "{6f1c-eth}"] {
            let (v4, routes, v6) = interfaces(&adapters(), device);
            assert_eq!(
                pick(device, Family::Ipv4, &v4, &routes, &v6).unwrap(),
                "81.2.69.142".parse::<IpAddr>().unwrap()
            );
            assert_eq!(
                pick(device, Family::Ipv6, &v4, &routes, &v6).unwrap(),
                "2a02:123::211:2233:4455:6677".parse::<IpAddr>().unwrap(),
                "not the temporary, not the deprecated one"
            );
        }
        let (v4, routes, v6) = interfaces(&adapters(), "Ethernet");
        let lo = pick(
            "Loopback Pseudo-Interface 1",
            Family::Ipv4,
            &v4,
            &routes,
            &v6,
        );
        assert!(lo.unwrap_err().message.contains("loopback"));
        assert!(pick("Wi-Fi", Family::Ipv4, &v4, &routes, &v6).is_err());
        assert_eq!(
            stable_instead_of("2a02:123::3c4d:5e6f:7081:9293".parse().unwrap(), &v6),
            Some("2a02:123::211:2233:4455:6677".parse().unwrap())
        );
        assert_eq!(flags(true, Dad::Tentative), TEMPORARY | TENTATIVE);
        assert_eq!(flags(false, Dad::Duplicate), DADFAILED);
        assert_eq!(flags(false, Dad::Invalid), DADFAILED);
    }
}
