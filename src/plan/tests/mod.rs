//! Tests of the decision: `decide.rs` the function, `run.rs` the steps a run takes,
//! `defend.rs` the record's defence (holds, the watch, verification), `probe.rs` the
//! verdict of `ddns probe`.

mod decide;
mod defend;
mod probe;
mod run;

use super::*;
use crate::domainconnect::protocol::Template;
use crate::state::{Entry, Grant, Provider, Setup, Watch};

pub const NOW: u64 = 1_800_000_000;

pub fn entry(families: &[Family], published: Addresses, last: Option<u64>) -> Entry {
    Entry {
        setup: Setup {
            zone: "example.com".into(),
            host: "home".into(),
            provider: Provider {
                id: "p".into(),
                name: "P".into(),
                url_api: "https://a".into(),
                url_async_ux: "https://b".into(),
                token_form: None,
            },
            template: Template::V2,
            families: families.to_vec(),
            ipv6_suffix: None,
            nameservers: Vec::new(),
        },
        grant: Grant {
            access_token: "A".into(),
            access_expires_at: None,
            refresh_token: None,
        },
        published,
        last_applied: last,
        grant_lost_at: None,
        watch: Watch::default(),
    }
}

pub fn a4(s: &str) -> Addresses {
    Addresses {
        ipv4: v4(s),
        ipv6: None,
    }
}
pub fn a6(s: &str) -> Addresses {
    Addresses {
        ipv4: None,
        ipv6: v6(s),
    }
}
pub fn v4(s: &str) -> Option<std::net::Ipv4Addr> {
    s.parse().ok()
}
pub fn v6(s: &str) -> Option<std::net::Ipv6Addr> {
    s.parse().ok()
}

pub fn answered(ips: &[&str], ttl: u32) -> Answer {
    Answer {
        addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
        ttl,
    }
}
