//! What the zone's own (authoritative) name servers say a name's record holds: asked directly,
//! without recursion, so that no cache answers, and only an authoritative answer counts. This
//! is the record itself, which `update` compares with what it published (someone may have
//! edited it in the provider's control panel, another client may have overwritten it), and
//! what each server shows after an apply (`plan/verify.rs` decides when to ask).

use crate::address::{Answer, Family};
use crate::net::query::{self, Question};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{DNSClass, RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Time for one exchange with one authoritative server.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Servers tried per question: a run is never held up long by a zone whose servers are down.
const SERVERS_TRIED: usize = 2;

/// Ask the zone's servers for `name`'s record of `family`. The error says why they could not
/// be asked, as a clause: "192.0.2.53 did not answer (timed out)".
pub fn ask(servers: &[IpAddr], name: &str, family: Family) -> Result<Answer, String> {
    if servers.is_empty() {
        return Err("no name server of the zone is known".into());
    }
    let mut last = String::new();
    for server in servers.iter().take(SERVERS_TRIED) {
        match ask_one(*server, name, family) {
            Ok(answer) => return Ok(answer),
            Err(why) => last = why,
        }
    }
    Err(last)
}

/// Ask one of the zone's servers for `name`'s record of `family`; the error names the server.
pub fn ask_one(server: IpAddr, name: &str, family: Family) -> Result<Answer, String> {
    let kind = match family {
        Family::Ipv4 => RecordType::A,
        Family::Ipv6 => RecordType::AAAA,
    };
    let question = Question {
        name: format!("{name}."),
        kind,
        class: DNSClass::IN,
        recursion: false,
    };
    match query::ask(&question, SocketAddr::new(server, 53), TIMEOUT) {
        Ok(message) => {
            read(&message, &question.name, family).map_err(|why| format!("{server} {why}"))
        }
        Err(why) => Err(format!("{server} {why}")),
    }
}

/// Read an authoritative answer for `name` (fully qualified) and `family`.
fn read(
    message: &hickory_proto::op::Message,
    name: &str,
    family: Family,
) -> Result<Answer, String> {
    if !message.authoritative() {
        return Err("answered without authority (the zone's NS records may be stale)".into());
    }
    match message.response_code() {
        ResponseCode::NoError | ResponseCode::NXDomain => {}
        code => return Err(format!("answered {code}")),
    }
    let records: Vec<(IpAddr, u32)> = message
        .answers()
        .iter()
        .filter(|r| r.name().to_ascii().eq_ignore_ascii_case(name))
        .filter_map(|r| match r.data() {
            RData::A(a) if family == Family::Ipv4 => Some((IpAddr::V4(a.0), r.ttl())),
            RData::AAAA(a) if family == Family::Ipv6 => Some((IpAddr::V6(a.0), r.ttl())),
            _ => None,
        })
        .collect();
    let ttl = match records.iter().map(|(_, ttl)| *ttl).min() {
        Some(ttl) => ttl,
        None => message
            .name_servers()
            .iter()
            .find_map(|r| match r.data() {
                RData::SOA(soa) => Some(soa.minimum().min(r.ttl())),
                _ => None,
            })
            .unwrap_or(0),
    };
    let mut addresses: Vec<IpAddr> = records.into_iter().map(|(ip, _)| ip).collect();
    addresses.sort();
    addresses.dedup();
    Ok(Answer { addresses, ttl })
}
