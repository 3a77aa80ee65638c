//! A fake DNS server on loopback (UDP on 127.0.0.1 and ::1, TCP on 127.0.0.1, one port):
//! answers from a shared table, with an SOA in the authority section of negative answers like a
//! real authoritative server, and plays the whoami services (OpenDNS, Cloudflare, Google),
//! reporting the public address set for the querier's family. Faults can be scripted.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, NS, SOA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};

/// A scripted fault for the next whoami query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Bytes that are not DNS.
    Garbage,
    /// SERVFAIL.
    ServFail,
    /// No answer records.
    Empty,
    /// An answer of the other family.
    WrongFamily,
    /// The TC bit over UDP (the full answer comes over TCP).
    Truncated,
    /// A reply with another message id (must be ignored), then nothing.
    WrongId,
    /// No reply at all.
    Silent,
}

/// The records the fake DNS serves, by lower-case name without the trailing dot.
#[derive(Default, Debug, Clone)]
pub struct Zones {
    /// Zone apexes served (an SOA is answered for each, and in negative answers below it).
    pub apexes: Vec<String>,
    /// A and AAAA records.
    pub addresses: BTreeMap<String, Vec<IpAddr>>,
    /// TXT records.
    pub txt: BTreeMap<String, Vec<String>>,
    /// The address whoami queries over IPv4 report.
    pub whoami_v4: Option<Ipv4Addr>,
    /// The address whoami queries over IPv6 report.
    pub whoami_v6: Option<Ipv6Addr>,
    /// Faults for the next whoami queries, in order.
    pub faults: VecDeque<Fault>,
    /// Every query seen: (name, type, transport).
    pub queries: Vec<(String, String, &'static str)>,
    /// The address of `ns.APEX`, each apex's one name server (its NS record), where the
    /// world's authoritative listener answers on port 53.
    pub nameserver: Option<IpAddr>,
    /// Records the provider accepted but publishes later: from then on, name, addresses.
    pub publish_later: Vec<(std::time::Instant, String, Vec<IpAddr>)>,
}

impl Zones {
    /// Publish what is due of [`Zones::publish_later`].
    pub fn publish_due(&mut self) {
        let now = std::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.publish_later)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        self.publish_later = later;
        for (_, name, ips) in due {
            self.addresses.insert(name, ips);
        }
    }

    /// How many queries for `name` (any type) were seen.
    pub fn queries_for(&self, name: &str) -> usize {
        self.queries.iter().filter(|q| q.0 == name).count()
    }

    /// How many whoami queries were seen.
    pub fn whoami_queries(&self) -> usize {
        self.queries
            .iter()
            .filter(|q| WHOAMI.contains(&q.0.as_str()))
            .count()
    }
}

const WHOAMI: [&str; 3] = [
    "whoami.cloudflare",
    "myip.opendns.com",
    "o-o.myaddr.l.google.com",
];

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

/// Build the answer to one query from `peer`, over UDP (`tcp` false) or TCP.
pub fn answer(zones: &Mutex<Zones>, query: &[u8], peer: IpAddr, tcp: bool) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let q = request.queries().first()?.clone();
    let qname = q
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut zones = zones.lock().expect("zones");
    zones.publish_due();
    zones.queries.push((
        qname.clone(),
        q.query_type().to_string(),
        if tcp { "tcp" } else { "udp" },
    ));
    let mut reply = Message::new();
    reply
        .set_id(request.id())
        .set_message_type(MessageType::Response)
        .set_op_code(request.op_code())
        .set_recursion_desired(request.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true)
        .add_query(q.clone());

    if WHOAMI.contains(&qname.as_str()) {
        let fault = if tcp { None } else { zones.faults.pop_front() };
        let public: Option<IpAddr> = match peer {
            IpAddr::V4(_) => zones.whoami_v4.map(IpAddr::V4),
            IpAddr::V6(_) => zones.whoami_v6.map(IpAddr::V6),
        };
        let other: Option<IpAddr> = match peer {
            IpAddr::V4(_) => zones.whoami_v6.map(IpAddr::V6),
            IpAddr::V6(_) => zones.whoami_v4.map(IpAddr::V4),
        };
        let shown = if fault == Some(Fault::WrongFamily) {
            other
        } else {
            public
        };
        match fault {
            Some(Fault::Garbage) => return Some(b"\x00\x01garbage".to_vec()),
            Some(Fault::Silent) => return None,
            Some(Fault::ServFail) => {
                reply.set_response_code(ResponseCode::ServFail);
                return reply.to_vec().ok();
            }
            Some(Fault::Truncated) => {
                reply.set_truncated(true);
                return reply.to_vec().ok();
            }
            Some(Fault::WrongId) => {
                reply.set_id(request.id().wrapping_add(1));
            }
            Some(Fault::Empty) => return reply.to_vec().ok(),
            _ => {}
        }
        let Some(ip) = shown else {
            return reply.to_vec().ok();
        };
        let rdata = match (qname.as_str(), ip) {
            ("myip.opendns.com", IpAddr::V4(v4)) => RData::A(A(v4)),
            ("myip.opendns.com", IpAddr::V6(v6)) => RData::AAAA(AAAA(v6)),
            _ => RData::TXT(TXT::new(vec![ip.to_string()])),
        };
        let mut record = Record::from_rdata(q.name().clone(), 0, rdata);
        if q.query_class() == DNSClass::CH {
            record.set_dns_class(DNSClass::CH);
        }
        reply.add_answer(record);
        return reply.to_vec().ok();
    }

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
    let ns_name = format!("ns.{apex}");
    let nameserver = zones.nameserver;
    match q.query_type() {
        RecordType::SOA if qname == apex => answers.push(soa(&apex)),
        RecordType::NS if qname == apex && nameserver.is_some() => {
            answers.push(Record::from_rdata(
                name(&apex),
                3600,
                RData::NS(NS(name(&ns_name))),
            ));
        }
        RecordType::A if qname == ns_name && nameserver.is_some_and(|n| n.is_ipv4()) => {
            if let Some(IpAddr::V4(v4)) = nameserver {
                answers.push(Record::from_rdata(name(&qname), 3600, RData::A(A(v4))));
            }
        }
        RecordType::A | RecordType::AAAA => {
            for ip in zones.addresses.get(&qname).into_iter().flatten() {
                match (ip, q.query_type()) {
                    (IpAddr::V4(v4), RecordType::A) => {
                        answers.push(Record::from_rdata(name(&qname), 60, RData::A(A(*v4))));
                    }
                    (IpAddr::V6(v6), RecordType::AAAA) => {
                        answers.push(Record::from_rdata(name(&qname), 60, RData::AAAA(AAAA(*v6))));
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
    let exists = qname == apex
        || (qname == ns_name && nameserver.is_some())
        || zones.addresses.contains_key(&qname)
        || zones.txt.contains_key(&qname);
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

fn serve_udp(socket: UdpSocket, zones: Arc<Mutex<Zones>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                continue;
            };
            if let Some(reply) = answer(&zones, &buf[..n], peer.ip(), false) {
                let _ = socket.send_to(&reply, peer);
            }
        }
    });
}

/// Start the server; it runs until the process exits. Returns its IPv4 address; the same port
/// answers on [::1] (UDP) when the machine has IPv6 loopback.
pub fn start(zones: Arc<Mutex<Zones>>) -> SocketAddr {
    let (tcp, udp) = loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind DNS TCP");
        let port = tcp.local_addr().expect("addr").port();
        if let Ok(udp) = UdpSocket::bind(("127.0.0.1", port)) {
            break (tcp, udp);
        }
    };
    let addr = udp.local_addr().expect("DNS addr");
    let udp6 = UdpSocket::bind(("::1", addr.port())).ok();
    start_on(zones, tcp, udp, udp6);
    addr
}

/// Serve on sockets the caller bound (the benchmark binds port 53 on every address).
pub fn start_on(
    zones: Arc<Mutex<Zones>>,
    tcp: TcpListener,
    udp: UdpSocket,
    udp6: Option<UdpSocket>,
) {
    if let Some(udp6) = udp6 {
        serve_udp(udp6, Arc::clone(&zones));
    }
    serve_udp(udp, Arc::clone(&zones));
    std::thread::spawn(move || {
        for mut stream in tcp.incoming().flatten() {
            let zones = Arc::clone(&zones);
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(super::timing::timing().patience))
                    .ok();
                let peer = stream
                    .peer_addr()
                    .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.ip());
                let mut len = [0u8; 2];
                if stream.read_exact(&mut len).is_err() {
                    return;
                }
                let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if stream.read_exact(&mut query).is_err() {
                    return;
                }
                if let Some(reply) = answer(&zones, &query, peer, true) {
                    let len = u16::try_from(reply.len()).unwrap_or(0).to_be_bytes();
                    let _ = stream.write_all(&[&len[..], &reply].concat());
                }
            });
        }
    });
}
