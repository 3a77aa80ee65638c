//! `ddns probe NAME`: will dynamic DNS work for NAME? It asks what `setup` would (the zone, its
//! `_domainconnect` record, the provider's settings and template) and what `update` would (the
//! public addresses, this router's WAN address, an IPv6 route), starts no consent and writes
//! nothing; `plan/probe.rs` judges.

use crate::address::Family;
use crate::cli::ProbeArgs;
use crate::context::Context;
use crate::error::Result;
use crate::plan::probe::{Findings, Ipv4Reach, Judged, Verdict, Zone, judge};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};

/// `probe --json`.
#[derive(Serialize)]
struct Document<'a> {
    name: &'a str,
    zone: Option<&'a str>,
    provider: Option<&'a str>,
    template: Option<&'static str>,
    verdict: Verdict,
    code: &'static str,
    text: &'a str,
    next: &'a str,
    /// The records `setup` should publish.
    families: Vec<&'static str>,
    ipv4: Ipv4Json,
    ipv6: Ipv6Json,
    exit: u8,
}

#[derive(Serialize)]
struct Ipv4Json {
    public: Option<IpAddr>,
    wan: Option<Ipv4Addr>,
    reach: Ipv4Reach,
}

#[derive(Serialize)]
struct Ipv6Json {
    route: bool,
    public: Option<IpAddr>,
}

/// Run `probe`: exit 0 it will work, 4 it will not, 3 it could not tell.
pub fn run(ctx: &Context, args: &ProbeArgs) -> Result<u8> {
    let name = crate::name::normalise(&args.name)?;
    let dns = ctx.net.dns();
    // The zone as `setup` would find it (a name outside a given --zone is refused alike).
    let zone = super::zone_and_host(dns, &name, args.zone.as_deref()).map(|(zone, _)| {
        let provider = (ctx.net.http())
            .and_then(|http| crate::domainconnect::client::discover(dns, http, &zone));
        Zone {
            name: zone,
            provider,
        }
    });
    let detect = |family| crate::detect::detect(&ctx.net, &ctx.sources, family).map(|d| d.ip);
    let ipv6_route = crate::detect::has_global_ipv6();
    let findings = Findings {
        zone,
        public_v4: detect(Family::Ipv4),
        wan_v4: crate::detect::wan_ipv4(),
        ipv6_route,
        public_v6: ipv6_route.then(|| detect(Family::Ipv6)),
    };
    let judged = judge(&name, &findings);
    if args.json {
        crate::out::say_json(&document(&name, &findings, &judged));
    } else {
        for line in lines(&name, &findings, &judged) {
            crate::out::say(&line);
        }
    }
    Ok(judged.verdict.exit())
}

fn document<'a>(name: &'a str, f: &'a Findings, j: &'a Judged) -> Document<'a> {
    let zone = f.zone.as_ref().ok();
    let found = zone.and_then(|z| z.provider.as_ref().ok());
    Document {
        name,
        zone: zone.map(|z| z.name.as_str()),
        provider: found.map(|(p, _)| p.name.as_str()),
        template: found.map(|(_, t)| t.id()),
        verdict: j.verdict,
        code: j.code,
        text: &j.text,
        next: &j.next,
        families: j.families.iter().map(|f| f.key()).collect(),
        ipv4: Ipv4Json {
            public: f.public_v4.as_ref().ok().copied(),
            wan: f.wan_v4,
            reach: j.ipv4,
        },
        ipv6: Ipv6Json {
            route: f.ipv6_route,
            public: f.public_v6.as_ref().and_then(|r| r.as_ref().ok()).copied(),
        },
        exit: j.verdict.exit(),
    }
}

fn lines(name: &str, f: &Findings, j: &Judged) -> Vec<String> {
    let shown = |r: Option<&std::result::Result<IpAddr, crate::error::Error>>| match r {
        Some(Ok(ip)) => ip.to_string(),
        Some(Err(e)) => format!("unknown ({})", e.message),
        None => "no global route".into(),
    };
    let mut out = vec![format!("{name}: {}", j.text)];
    if let Ok(zone) = &f.zone {
        out.push(format!("  zone {}", zone.name));
    }
    let wan = f
        .wan_v4
        .map_or_else(String::new, |w| format!(", WAN address {w}"));
    out.push(format!("  IPv4 {}{wan}", shown(Some(&f.public_v4))));
    out.push(format!("  IPv6 {}", shown(f.public_v6.as_ref())));
    out.push(format!("next: {}", j.next));
    out
}
