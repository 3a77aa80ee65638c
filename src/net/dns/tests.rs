use super::*;

fn reply(records: &[Record], authority: &[Record], code: ResponseCode) -> Message {
    let mut m = Message::new();
    m.set_response_code(code);
    m.add_answers(records.iter().cloned());
    m.add_name_servers(authority.iter().cloned());
    m
}

fn name(s: &str) -> hickory_proto::rr::Name {
    hickory_proto::rr::Name::from_ascii(s).unwrap()
}

#[test]
fn cnames_are_followed_and_negative_answers_name_their_zone() {
    use hickory_proto::rr::rdata::{A, CNAME, SOA};
    let chain = [
        Record::from_rdata(
            name("www.example.com."),
            60,
            RData::CNAME(CNAME(name("edge.cdn.test."))),
        ),
        Record::from_rdata(name("edge.cdn.test."), 60, RData::A(A::new(81, 2, 69, 1))),
        Record::from_rdata(name("other.test."), 60, RData::A(A::new(81, 2, 69, 2))),
    ];
    match read(
        &reply(&chain, &[], ResponseCode::NoError),
        "www.example.com.",
        RecordType::A,
    ) {
        Lookup::Records(r) => assert_eq!(r.len(), 1, "only the chain's end"),
        Lookup::None { .. } => panic!("the CNAME was not followed"),
    }
    let soa = Record::from_rdata(
        name("example.com."),
        60,
        RData::SOA(SOA::new(
            name("ns.example.com."),
            name("h.example.com."),
            1,
            1,
            1,
            1,
            60,
        )),
    );
    match read(
        &reply(&[], &[soa], ResponseCode::NXDomain),
        "home.example.com.",
        RecordType::SOA,
    ) {
        Lookup::None { soa_owner } => assert_eq!(soa_owner.as_deref(), Some("example.com")),
        Lookup::Records(_) => panic!("records out of nothing"),
    }
    // A loop of CNAMEs ends.
    let looped = [
        Record::from_rdata(name("a.test."), 60, RData::CNAME(CNAME(name("b.test.")))),
        Record::from_rdata(name("b.test."), 60, RData::CNAME(CNAME(name("a.test.")))),
    ];
    assert!(matches!(
        read(
            &reply(&looped, &[], ResponseCode::NoError),
            "a.test.",
            RecordType::A
        ),
        Lookup::None { .. }
    ));
}

/// idna_adapter is pinned to its ASCII-only stub (Cargo.toml): punycode names still work,
/// and a resolv.conf's search domains (in punycode or in raw Unicode) never reach idna,
/// because this resolver reads only its `nameserver` lines.
#[test]
fn ascii_only_idna_keeps_punycode_names() {
    assert_eq!(
        fqdn("home.xn--bcher-kva.example").unwrap(),
        "home.xn--bcher-kva.example."
    );
    for search in ["xn--bcher-kva.example", "bücher.example"] {
        let conf = format!("nameserver 192.0.2.53\nsearch {search}\n");
        assert_eq!(
            resolv::parse_resolv_conf(&conf),
            vec!["192.0.2.53:53".parse::<SocketAddr>().unwrap()],
            "{search}"
        );
    }
}
