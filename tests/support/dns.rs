//! A fake DNS server on a loopback UDP port: answers from a shared table, with an SOA in the
//! authority section of negative answers, like a real authoritative server or resolver.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The records the fake DNS serves, by lower-case name without the trailing dot.
#[derive(Default, Debug, Clone)]
pub struct Zones {
    /// Zone apexes served (an SOA is answered for each, and in negative answers below it).
    pub apexes: Vec<String>,
    /// A and AAAA records.
    pub addresses: BTreeMap<String, Vec<IpAddr>>,
    /// TXT records.
    pub txt: BTreeMap<String, Vec<String>>,
    /// Every query seen: (name, type).
    pub queries: Vec<(String, String)>,
}

fn name(s: &str) -> Name {
    Name::from_ascii(format!("{s}.")).expect("name")
}

fn soa(apex: &str) -> Record {
    Record::from_rdata(
        name(apex),
        60,
        RData::SOA(SOA::new(
            name(&format!("ns.{apex}")),
            name(&format!("hostmaster.{apex}")),
            1,
            3600,
            600,
            86400,
            60,
        )),
    )
}

/// Build the answer to one query message.
pub fn answer(zones: &Mutex<Zones>, query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let q = request.queries().first()?.clone();
    let qname = q
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut zones = zones.lock().expect("zones");
    zones
        .queries
        .push((qname.clone(), q.query_type().to_string()));
    let mut reply = Message::new();
    reply
        .set_id(request.id())
        .set_message_type(MessageType::Response)
        .set_op_code(request.op_code())
        .set_recursion_desired(request.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true)
        .add_query(q.clone());
    let apex = zones
        .apexes
        .iter()
        .filter(|a| qname == **a || qname.ends_with(&format!(".{a}")))
        .max_by_key(|a| a.len())
        .cloned();
    let Some(apex) = apex else {
        reply.set_response_code(ResponseCode::Refused);
        return reply.to_vec().ok();
    };
    let mut answers: Vec<Record> = Vec::new();
    match q.query_type() {
        RecordType::SOA if qname == apex => answers.push(soa(&apex)),
        RecordType::A | RecordType::AAAA => {
            for ip in zones.addresses.get(&qname).into_iter().flatten() {
                match (ip, q.query_type()) {
                    (IpAddr::V4(v4), RecordType::A) => {
                        answers.push(Record::from_rdata(name(&qname), 60, RData::A(A(*v4))))
                    }
                    (IpAddr::V6(v6), RecordType::AAAA) => {
                        answers.push(Record::from_rdata(name(&qname), 60, RData::AAAA(AAAA(*v6))))
                    }
                    _ => {}
                }
            }
        }
        RecordType::TXT => {
            for t in zones.txt.get(&qname).into_iter().flatten() {
                answers.push(Record::from_rdata(
                    name(&qname),
                    60,
                    RData::TXT(TXT::new(vec![t.clone()])),
                ));
            }
        }
        _ => {}
    }
    let exists =
        qname == apex || zones.addresses.contains_key(&qname) || zones.txt.contains_key(&qname);
    if answers.is_empty() {
        if !exists {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        reply.add_name_server(soa(&apex));
    } else {
        reply.add_answers(answers);
    }
    reply.to_vec().ok()
}

/// Start the server on 127.0.0.1; it runs until the process exits.
pub fn start(zones: Arc<Mutex<Zones>>) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind DNS");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .ok();
    let addr = socket.local_addr().expect("DNS addr");
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                continue;
            };
            if let Some(reply) = answer(&zones, &buf[..n]) {
                let _ = socket.send_to(&reply, peer);
            }
        }
    });
    addr
}
