//! `plan/probe.rs`: the verdict for each shape of findings, without a network.

use crate::address::Family;
use crate::domainconnect::protocol::{Provider, Template};
use crate::error::{Class, Code, Error};
use crate::plan::probe::{Findings, Ipv4Reach, Verdict, Zone, judge};
use std::net::{IpAddr, Ipv4Addr};

const NAME: &str = "home.example.com";

fn provider(template: Template) -> (Provider, Template) {
    (
        Provider {
            id: "fake".into(),
            name: "Fake DNS".into(),
            url_api: "https://api.example.net".into(),
            url_async_ux: "https://dcc.example.net".into(),
            token_form: None,
        },
        template,
    )
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A zone with the V2 template, a public IPv4 address equal to the WAN one, no IPv6 route.
fn found() -> Findings {
    Findings {
        zone: Ok(Zone {
            name: "example.com".into(),
            provider: Ok(provider(Template::V2)),
        }),
        public_v4: Ok(ip("81.2.69.142")),
        wan_v4: Some(Ipv4Addr::new(81, 2, 69, 142)),
        ipv6_route: false,
        public_v6: None,
    }
}

fn with_v6(mut f: Findings) -> Findings {
    f.ipv6_route = true;
    f.public_v6 = Some(Ok(ip("2a02:898:0:20::1")));
    f
}

/// What is judged, the findings, and the verdict, code, IPv4 position and records expected.
type Case = (
    &'static str,
    Findings,
    Verdict,
    &'static str,
    Ipv4Reach,
    Vec<Family>,
);

#[test]
fn each_ipv4_position_and_ipv6_gives_its_verdict() {
    let cgnat_wan = |mut f: Findings| {
        f.wan_v4 = Some(Ipv4Addr::new(100, 64, 1, 2));
        f
    };
    let private_wan = |mut f: Findings| {
        f.wan_v4 = Some(Ipv4Addr::new(192, 168, 1, 2));
        f
    };
    let no_wan = |mut f: Findings| {
        f.wan_v4 = None;
        f
    };
    let no_v4 = |mut f: Findings| {
        f.public_v4 = Err(Error::transient("no source answered"));
        f
    };
    let cases: Vec<Case> = vec![
        (
            "direct",
            found(),
            Verdict::Works,
            "works",
            Ipv4Reach::Direct,
            vec![Family::Ipv4],
        ),
        (
            "direct, IPv6",
            with_v6(found()),
            Verdict::Works,
            "works",
            Ipv4Reach::Direct,
            vec![Family::Ipv4, Family::Ipv6],
        ),
        (
            "behind a router",
            private_wan(found()),
            Verdict::Works,
            "works",
            Ipv4Reach::Nat,
            vec![Family::Ipv4],
        ),
        (
            "not a router",
            no_wan(found()),
            Verdict::Works,
            "works",
            Ipv4Reach::Public,
            vec![Family::Ipv4],
        ),
        (
            "CGNAT with IPv6",
            cgnat_wan(with_v6(found())),
            Verdict::Works,
            "works-ipv6-only",
            Ipv4Reach::Cgnat,
            vec![Family::Ipv6],
        ),
        (
            "CGNAT without IPv6",
            cgnat_wan(found()),
            Verdict::DoesNotWork,
            "cgnat-no-ipv6",
            Ipv4Reach::Cgnat,
            vec![],
        ),
        (
            "no IPv4 detected, IPv6",
            no_v4(with_v6(found())),
            Verdict::Works,
            "works-ipv6-only",
            Ipv4Reach::Unknown,
            vec![Family::Ipv6],
        ),
        (
            "nothing detected",
            no_v4(found()),
            Verdict::Unknown,
            "unknown",
            Ipv4Reach::Unknown,
            vec![],
        ),
    ];
    for (what, findings, verdict, code, ipv4, families) in cases {
        let j = judge(NAME, &findings);
        assert_eq!(
            (j.verdict, j.code, j.ipv4, &j.families),
            (verdict, code, ipv4, &families),
            "{what}: {j:?}"
        );
    }
}

#[test]
fn the_next_step_is_a_whole_command() {
    let j = judge(NAME, &found());
    assert_eq!(j.next, "set it up: `ddns setup home.example.com`");
    let mut cgnat = with_v6(found());
    cgnat.wan_v4 = Some(Ipv4Addr::new(100, 64, 1, 2));
    let j = judge(NAME, &cgnat);
    assert_eq!(j.next, "set it up: `ddns setup home.example.com --ipv6`");
}

#[test]
fn the_legacy_template_publishes_no_aaaa() {
    let mut f = with_v6(found());
    f.zone.as_mut().unwrap().provider = Ok(provider(Template::V1));
    assert_eq!(judge(NAME, &f).families, vec![Family::Ipv4]);
}

#[test]
fn zone_and_provider_failures_say_whether_it_can_work() {
    let zone_err = |e: Error| Findings {
        zone: Err(e),
        ..found()
    };
    let provider_err = |e: Error| {
        let mut f = found();
        f.zone.as_mut().unwrap().provider = Err(e);
        f
    };
    let cases = [
        (
            "no zone",
            zone_err(Error::usage("no SOA")),
            Verdict::DoesNotWork,
            "no-zone",
        ),
        (
            "DNS down",
            zone_err(Error::transient("timed out")),
            Verdict::Unknown,
            "unknown",
        ),
        (
            "no Domain Connect",
            provider_err(Error::new(Class::Refused, "no _domainconnect record")),
            Verdict::DoesNotWork,
            "provider-unsupported",
        ),
        (
            "provider down",
            provider_err(Error::transient("HTTP 503")),
            Verdict::Unknown,
            "unknown",
        ),
    ];
    for (what, findings, verdict, code) in cases {
        let j = judge(NAME, &findings);
        assert_eq!((j.verdict, j.code), (verdict, code), "{what}: {j:?}");
        assert_eq!(j.verdict.exit(), [0, 4, 3][verdict as usize], "{what}");
    }
}

#[test]
fn a_refused_public_address_counts_as_carrier_grade_nat() {
    let mut f = found();
    f.wan_v4 = None;
    f.public_v4 = Err(Error::usage("100.64.0.9 is CGNAT").with_code(Code::AddressRefused));
    assert_eq!(judge(NAME, &f).ipv4, Ipv4Reach::Cgnat);
}
