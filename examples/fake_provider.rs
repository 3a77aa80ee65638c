//! The test suite's fake Domain Connect provider and DNS server as a standalone process, for
//! the benchmark (`bench/run`), which starts it inside a private network namespace on the
//! standard ports so both `ddns` and the Python peer use it unmodified. It also answers for
//! `api.ipify.org` / `api6.ipify.org` (the peer's hard-coded IP echo) and, on every local
//! address, as the DNS whoami services.
//!
//! Usage: fake_provider CA_PEM_OUT [HTTPS_PORT DNS_PORT CONTROL_PORT]  (default 443 53 9999)
//! Control (TCP on 127.0.0.1, one command a line): `code` issues an authorization code,
//! `ip A.B.C.D` sets the public IPv4 address, `revoke` makes every grant lapse, `apply-200`
//! makes applies answer 200 `{}`,
//! `counts` prints `https=N dns=N applies=N`.

#![allow(
    clippy::unwrap_used,
    reason = "a test tool that cannot start should stop loudly"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use support::{dns, provider, tls};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ca_out = args
        .get(1)
        .expect("usage: fake_provider CA_PEM_OUT [HTTPS DNS CONTROL]");
    let port = |i: usize, default: u16| args.get(i).map_or(default, |p| p.parse().unwrap());
    let (https, dns_port, control) = (port(2, 443), port(3, 53), port(4, 9999));
    let pki = tls::make_pki(&[
        provider::DISCOVERY_HOST,
        provider::API_HOST,
        provider::UX_HOST,
        provider::ECHO_HOST,
        provider::IPIFY_V4,
        provider::IPIFY_V6,
    ]);
    std::fs::write(ca_out, &pki.ca_pem).unwrap();
    let zones = Arc::new(Mutex::new(dns::Zones {
        nameserver: Some(std::net::Ipv4Addr::LOCALHOST.into()),
        ..dns::Zones::default()
    }));
    let v4 = TcpListener::bind(("0.0.0.0", https)).unwrap();
    // Also on ::1 where there is one, so IPv6 detection (the echo asked over IPv6) works.
    let v6 = TcpListener::bind(("::1", https)).ok();
    let fake = provider::start_on(support::ZONE, &pki.server, Arc::clone(&zones), v4, v6);
    dns::start_on(
        Arc::clone(&zones),
        TcpListener::bind(("0.0.0.0", dns_port)).unwrap(),
        UdpSocket::bind(("0.0.0.0", dns_port)).unwrap(),
        UdpSocket::bind(("::1", dns_port)).ok(),
    );
    let listener = TcpListener::bind(("127.0.0.1", control)).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    for stream in listener.incoming().flatten() {
        let mut out = stream.try_clone().unwrap();
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut p = fake.provider.lock().unwrap();
            let reply = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["code"] => {
                    p.issued.push(String::new());
                    let code = format!("code-bench-{}", p.issued.len());
                    p.codes.insert(code.clone());
                    code
                }
                ["ip", ip] => {
                    p.public_v4 = ip.parse().unwrap();
                    zones.lock().unwrap().whoami_v4 = Some(ip.parse().unwrap());
                    "ok".to_string()
                }
                ["revoke"] => {
                    // Every grant lapses (a lost grant, for the router page's walk-through).
                    p.revoke_all();
                    p.expire_access_tokens();
                    "ok".to_string()
                }
                ["apply-200"] => {
                    // The peer rejects an empty 202 (a bug): answer 200 {} for both clients.
                    p.apply_ok = (200, "{}".to_string());
                    "ok".to_string()
                }
                ["counts"] => format!(
                    "https={} tls={} dns={} applies={}",
                    p.log.len(),
                    p.connections,
                    zones.lock().unwrap().queries.len(),
                    p.applies.len()
                ),
                _ => "?".to_string(),
            };
            if writeln!(out, "{reply}").is_err() {
                break;
            }
        }
    }
}
