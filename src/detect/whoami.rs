//! "What is my address?" over DNS: services that answer a fixed name with the querier's own
//! address. The questions and the reading of the answer are pure; the exchange (UDP to the
//! service's server over the family being detected, TCP when truncated) is `query.rs`'s.

use crate::address::Family;
use crate::error::{Error, Result};
use crate::net::query::{self, Question};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// A DNS "what is my address" service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// OpenDNS: `myip.opendns.com` A/AAAA, asked at OpenDNS's resolvers.
    OpenDns,
    /// Cloudflare: `whoami.cloudflare` TXT, class CH, asked at 1.1.1.1.
    Cloudflare,
    /// Google: `o-o.myaddr.l.google.com` TXT, asked at Google's authoritative servers.
    Google,
}

impl Service {
    /// The name in the source grammar (`dns:NAME`).
    pub fn id(self) -> &'static str {
        match self {
            Service::OpenDns => "opendns",
            Service::Cloudflare => "cloudflare",
            Service::Google => "google",
        }
    }

    /// Parse a service name.
    pub fn from_id(id: &str) -> Option<Service> {
        [Service::OpenDns, Service::Cloudflare, Service::Google]
            .into_iter()
            .find(|s| s.id() == id)
    }

    fn question(self, family: Family) -> Question {
        let (name, kind, class) = match (self, family) {
            (Service::OpenDns, Family::Ipv4) => ("myip.opendns.com.", RecordType::A, DNSClass::IN),
            (Service::OpenDns, Family::Ipv6) => {
                ("myip.opendns.com.", RecordType::AAAA, DNSClass::IN)
            }
            (Service::Cloudflare, _) => ("whoami.cloudflare.", RecordType::TXT, DNSClass::CH),
            (Service::Google, _) => ("o-o.myaddr.l.google.com.", RecordType::TXT, DNSClass::IN),
        };
        Question {
            name: name.to_string(),
            kind,
            class,
            // OpenDNS answers at its resolvers; Cloudflare and Google answer authoritatively.
            recursion: self == Service::OpenDns,
        }
    }

    /// The service's own servers for a family, in order.
    pub fn servers(self, family: Family) -> &'static [&'static str] {
        match (self, family) {
            (Service::OpenDns, Family::Ipv4) => &["208.67.222.222", "208.67.220.220"],
            (Service::OpenDns, Family::Ipv6) => &["2620:119:35::35", "2620:119:53::53"],
            (Service::Cloudflare, Family::Ipv4) => &["1.1.1.1", "1.0.0.1"],
            (Service::Cloudflare, Family::Ipv6) => {
                &["2606:4700:4700::1111", "2606:4700:4700::1001"]
            }
            (Service::Google, Family::Ipv4) => &["216.239.32.10", "216.239.34.10"],
            (Service::Google, Family::Ipv6) => &["2001:4860:4802:32::a", "2001:4860:4802:34::a"],
        }
    }
}

/// The query message for `service` and `family`, with message id `id`.
#[cfg(test)]
pub fn build_query(service: Service, family: Family, id: u16) -> Vec<u8> {
    service.question(family).to_bytes(id)
}

/// What a reply said.
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// The address.
    Address(IpAddr),
    /// Truncated: ask again over TCP.
    Truncated,
}

/// Check a reply against the query (id, question) and read the address of `family` from it:
/// the pure half of [`ask`], for the tests and the fuzz loop.
#[cfg(test)]
pub fn parse_reply(service: Service, family: Family, id: u16, bytes: &[u8]) -> Result<Reply> {
    let bad = |why: &str| Error::transient(format!("dns:{} {why}", service.id()));
    match query::check(&service.question(family), id, bytes).map_err(bad)? {
        query::Checked::NotOurs => Err(bad("answered a different question")),
        query::Checked::Truncated => Ok(Reply::Truncated),
        query::Checked::Reply(message) => address_in(service, family, &message).map(Reply::Address),
    }
}

/// The address of `family` in a reply to `service`'s question.
fn address_in(service: Service, family: Family, message: &Message) -> Result<IpAddr> {
    let bad = |why: &str| Error::transient(format!("dns:{} {why}", service.id()));
    if message.response_code() != ResponseCode::NoError {
        return Err(bad(&format!("answered {}", message.response_code())));
    }
    let name = service.question(family).name;
    let found = message
        .answers()
        .iter()
        .filter(|r| r.name().to_ascii().eq_ignore_ascii_case(&name))
        .flat_map(|r| match r.data() {
            RData::A(a) => vec![IpAddr::V4(a.0)],
            RData::AAAA(a) => vec![IpAddr::V6(a.0)],
            RData::TXT(txt) => txt
                .iter()
                .filter_map(|s| std::str::from_utf8(s).ok()?.trim().parse().ok())
                .collect(),
            _ => Vec::new(),
        })
        .find(|ip| Family::of(ip) == family);
    found.ok_or_else(|| bad(&format!("gave no {} address", family.label())))
}

/// Ask `server` once (UDP, then TCP if truncated) within `timeout` per exchange.
pub fn ask(
    service: Service,
    family: Family,
    server: SocketAddr,
    timeout: Duration,
) -> Result<IpAddr> {
    let message = query::ask(&service.question(family), server, timeout)
        .map_err(|why| Error::transient(format!("dns:{} at {server} {why}", service.id())))?;
    address_in(service, family, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Cloudflare query, field by field.
    #[test]
    fn cloudflare_query_bytes() {
        let q = build_query(Service::Cloudflare, Family::Ipv4, 0x1234);
        assert_eq!(
            &q[..12],
            &[
                0x12, 0x34, // id
                0x00, 0x00, // flags: query, no recursion desired
                0x00, 0x01, // one question
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // no answer, authority, additional
            ]
        );
        assert_eq!(&q[12..], b"\x06whoami\x0acloudflare\x00\x00\x10\x00\x03"); // TXT, class CH
    }

    /// The OpenDNS query asks for AAAA over IPv6, recursion desired.
    #[test]
    fn opendns_query_bytes() {
        let q = build_query(Service::OpenDns, Family::Ipv6, 1);
        assert_eq!(&q[2..4], &[0x01, 0x00]); // RD
        assert_eq!(&q[12..], b"\x04myip\x07opendns\x03com\x00\x00\x1c\x00\x01"); // AAAA, IN
    }

    fn reply(question: &[u8], id: u16, flags: [u8; 2], answers: &[&[u8]]) -> Vec<u8> {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(&flags);
        m.extend_from_slice(&[0, 1, 0, u8::try_from(answers.len()).unwrap(), 0, 0, 0, 0]);
        m.extend_from_slice(question);
        for a in answers {
            m.extend_from_slice(a);
        }
        m
    }

    const CF_Q: &[u8] = b"\x06whoami\x0acloudflare\x00\x00\x10\x00\x03";
    /// An answer: name pointer to offset 12, TXT, CH, ttl 0, rdata "81.2.69.142".
    const CF_A: &[u8] = b"\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x0c\x0b81.2.69.142";

    #[test]
    fn cloudflare_reply_is_read() {
        let r = reply(CF_Q, 7, [0x84, 0x00], &[CF_A]);
        assert_eq!(
            parse_reply(Service::Cloudflare, Family::Ipv4, 7, &r).unwrap(),
            Reply::Address("81.2.69.142".parse().unwrap())
        );
    }

    #[test]
    fn hostile_replies_are_refused() {
        let good = reply(CF_Q, 7, [0x84, 0x00], &[CF_A]);
        // Wrong id.
        assert!(parse_reply(Service::Cloudflare, Family::Ipv4, 8, &good).is_err());
        // Wrong family: an IPv4 answer to an IPv6 question.
        assert!(parse_reply(Service::Cloudflare, Family::Ipv6, 7, &good).is_err());
        // Garbage, empty, cut short.
        for bytes in [&b"garbage"[..], b"", &good[..good.len() - 3]] {
            assert!(parse_reply(Service::Cloudflare, Family::Ipv4, 7, bytes).is_err());
        }
        // SERVFAIL.
        let servfail = reply(CF_Q, 7, [0x84, 0x02], &[]);
        let err = parse_reply(Service::Cloudflare, Family::Ipv4, 7, &servfail).unwrap_err();
        assert!(
            err.message
                .starts_with("dns:cloudflare answered Server Failure"),
            "{err}"
        );
        // No answer.
        let empty = reply(CF_Q, 7, [0x84, 0x00], &[]);
        assert!(parse_reply(Service::Cloudflare, Family::Ipv4, 7, &empty).is_err());
        // A text that is not an address.
        let text: &[u8] = b"\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x06\x05hello";
        assert!(
            parse_reply(
                Service::Cloudflare,
                Family::Ipv4,
                7,
                &reply(CF_Q, 7, [0x84, 0x00], &[text])
            )
            .is_err()
        );
        // A query (not a response).
        let query = reply(CF_Q, 7, [0x00, 0x00], &[CF_A]);
        assert!(parse_reply(Service::Cloudflare, Family::Ipv4, 7, &query).is_err());
    }

    #[test]
    fn truncated_reply_asks_for_tcp() {
        let r = reply(CF_Q, 7, [0x86, 0x00], &[]);
        assert_eq!(
            parse_reply(Service::Cloudflare, Family::Ipv4, 7, &r).unwrap(),
            Reply::Truncated
        );
    }

    #[test]
    fn service_names_round_trip() {
        for s in ["opendns", "cloudflare", "google"] {
            assert_eq!(Service::from_id(s).unwrap().id(), s);
        }
        assert_eq!(Service::from_id("nope"), None);
    }
}
