//! Will dynamic DNS work for a name? A pure verdict from what `ddns probe` found: the zone, its
//! Domain Connect provider and template, the public IPv4 address against this router's WAN
//! address (behind carrier-grade NAT no record can reach it over IPv4), and IPv6. One verdict,
//! the records to publish, and the next step.

use crate::address::{Family, not_global};
use crate::domainconnect::protocol::{Provider, Template};
use crate::error::{Class, Error};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};

/// What `probe` found.
#[derive(Debug)]
pub struct Findings {
    /// The zone that holds the name, and what it says of its provider.
    pub zone: Result<Zone, Error>,
    /// The public IPv4 address, as the IP sources say.
    pub public_v4: Result<IpAddr, Error>,
    /// This machine's WAN IPv4 address (that of its default route), if it has one.
    pub wan_v4: Option<Ipv4Addr>,
    /// Whether it has a global IPv6 route.
    pub ipv6_route: bool,
    /// The public IPv6 address, when it has a route.
    pub public_v6: Option<Result<IpAddr, Error>>,
}

/// The zone that holds the name.
#[derive(Debug)]
pub struct Zone {
    /// Its name.
    pub name: String,
    /// Its provider and template.
    pub provider: Result<(Provider, Template), Error>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// It will work (exit 0).
    Works,
    /// It will not (exit 4).
    DoesNotWork,
    /// It could not tell (exit 3).
    Unknown,
}

impl Verdict {
    /// The exit status.
    pub fn exit(self) -> u8 {
        match self {
            Verdict::Works => 0,
            Verdict::DoesNotWork => 4,
            Verdict::Unknown => 3,
        }
    }
}

/// Where the public IPv4 address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ipv4Reach {
    /// The WAN address is the public one.
    Direct,
    /// Behind another router (a private WAN address): its port forwarding decides.
    Nat,
    /// Behind carrier-grade NAT: no record can reach this network over IPv4.
    Cgnat,
    /// The public address is known, the WAN address not (not a router).
    Public,
    /// Not known.
    Unknown,
}

/// The verdict, with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judged {
    /// The verdict.
    pub verdict: Verdict,
    /// A stable code: `works`, `works-ipv6-only`, `cgnat-no-ipv6`, `provider-unsupported`,
    /// `no-zone`, `unknown`.
    pub code: &'static str,
    /// Where IPv4 stands.
    pub ipv4: Ipv4Reach,
    /// The records to publish.
    pub families: Vec<Family>,
    /// The verdict in one sentence.
    pub text: String,
    /// What to do next.
    pub next: String,
}

/// Where the public IPv4 address stands, from the public and the WAN address.
pub fn ipv4_reach(public: &Result<IpAddr, Error>, wan: Option<Ipv4Addr>) -> Ipv4Reach {
    match (public, wan) {
        (_, Some(w)) if crate::address::is_cgnat(w) => Ipv4Reach::Cgnat,
        (Ok(IpAddr::V4(p)), Some(w)) if *p == w => Ipv4Reach::Direct,
        (Ok(IpAddr::V4(_)), Some(w)) if not_global(&IpAddr::V4(w)).is_some() => Ipv4Reach::Nat,
        (Ok(_), _) => Ipv4Reach::Public,
        (Err(e), _) if e.code == Some(crate::error::Code::AddressRefused) => Ipv4Reach::Cgnat,
        (Err(_), _) => Ipv4Reach::Unknown,
    }
}

/// Judge what `probe` found for `name`.
pub fn judge(name: &str, f: &Findings) -> Judged {
    let unknown = |text: String| Judged {
        verdict: Verdict::Unknown,
        code: "unknown",
        ipv4: Ipv4Reach::Unknown,
        families: Vec::new(),
        text,
        next: "try again when the network works".into(),
    };
    let Zone {
        name: zone,
        provider,
    } = match &f.zone {
        Ok(zone) => zone,
        Err(e) if e.class == Class::Transient => return unknown(e.message.clone()),
        Err(e) => {
            return Judged {
                code: "no-zone",
                verdict: Verdict::DoesNotWork,
                next: "check the name, or give its zone".into(),
                ..unknown(e.message.clone())
            };
        }
    };
    let (provider, template) = match provider {
        Ok(found) => found,
        Err(e) if e.class == Class::Transient => return unknown(e.message.clone()),
        Err(e) => {
            return Judged {
                code: "provider-unsupported",
                verdict: Verdict::DoesNotWork,
                next: format!(
                    "dynamic DNS with Domain Connect needs a provider that supports it for {zone}"
                ),
                ..unknown(e.message.clone())
            };
        }
    };
    let ipv4 = ipv4_reach(&f.public_v4, f.wan_v4);
    let v4 = matches!(ipv4, Ipv4Reach::Direct | Ipv4Reach::Nat | Ipv4Reach::Public);
    let v6 = f.ipv6_route && matches!(f.public_v6, Some(Ok(_))) && template.carries(Family::Ipv6);
    let families: Vec<Family> = [(v4, Family::Ipv4), (v6, Family::Ipv6)]
        .into_iter()
        .filter_map(|(ok, family)| ok.then_some(family))
        .collect();
    let with = format!("{} ({})", provider.name, template.id());
    let records: Vec<&str> = families.iter().map(|f| f.record()).collect();
    let setup = format!(
        "set it up: `ddns setup {name}{}`",
        if v4 { "" } else { " --ipv6" }
    );
    let (verdict, code, text, next) = match (v4, v6, ipv4) {
        (true, _, Ipv4Reach::Nat) => (
            Verdict::Works,
            "works",
            format!(
                "can be kept up to date with {with}, publishing {}; this router is behind \
                 another router, whose port forwarding decides what the address reaches",
                records.join(" and ")
            ),
            setup,
        ),
        (true, _, _) => (
            Verdict::Works,
            "works",
            format!(
                "can be kept up to date with {with}, publishing {}",
                records.join(" and ")
            ),
            setup,
        ),
        (false, true, Ipv4Reach::Cgnat) => (
            Verdict::Works,
            "works-ipv6-only",
            format!(
                "IPv4 is behind carrier-grade NAT: publish AAAA only; it can be kept up to date \
                 with {with}"
            ),
            setup,
        ),
        (false, false, Ipv4Reach::Cgnat) => (
            Verdict::DoesNotWork,
            "cgnat-no-ipv6",
            "IPv4 is behind carrier-grade NAT and there is no public IPv6 address, so no DNS \
             record can reach this network"
                .into(),
            "ask the ISP for a public IPv4 address or for IPv6".into(),
        ),
        (false, true, _) => (
            Verdict::Works,
            "works-ipv6-only",
            format!(
                "the public IPv4 address could not be detected; {name} can be kept up to date with {with} over IPv6"
            ),
            setup,
        ),
        (false, false, _) => {
            return unknown(format!(
                "{with} supports dynamic DNS for {zone}, but no public address of this network could be detected"
            ));
        }
    };
    Judged {
        verdict,
        code,
        ipv4,
        families,
        text,
        next,
    }
}
