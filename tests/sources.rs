//! Address detection end to end: DNS whoami sources first (no TLS at all on a no-op run),
//! HTTPS echo as fallback, hostile DNS replies, sources that disagree, a local interface's
//! address (in a network namespace, as root), and a fixed IPv6 suffix for a host behind the
//! router.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::dns::Fault;
use support::provider::Route;
use support::{NAME, SETUP, World, world};

fn https_requests(w: &World) -> usize {
    w.provider().log.len()
}

#[test]
fn noop_update_with_dns_source_makes_no_https_request() {
    for service in ["cloudflare", "opendns", "google"] {
        let w = world(&format!("dns-{service}"));
        let sources = format!("{},{}", w.dns_source(service, false), w.echo_url());
        let env = [("DDNS_IP_SOURCES", sources.as_str())];
        assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
        let first = w.run_env(&["update"], &env);
        assert_eq!(
            first.stdout, "home.example.com A 81.2.69.142 published\n",
            "{service}: {first:?}"
        );
        // The change was confirmed by the next source (the echo).
        assert_eq!(w.count(Route::Echo), 1, "{service}");
        let before = https_requests(&w);
        let queries = w.zones().whoami_queries();
        let noop = w.run_env(&["update"], &env);
        assert_eq!(
            (noop.code, noop.stdout.as_str()),
            (Some(0), "home.example.com A 81.2.69.142 unchanged\n"),
            "{service}"
        );
        assert_eq!(
            https_requests(&w),
            before,
            "{service}: a no-op run makes no HTTPS request"
        );
        assert_eq!(
            w.zones().whoami_queries(),
            queries + 1,
            "{service}: one UDP exchange"
        );
        let check = w.run_env(&["check"], &env);
        assert!(
            check
                .stdout
                .contains(&format!("(from {} in ", w.dns_source(service, false))),
            "{check:?}"
        );
        // Only the first update went beyond DNS: the echo's second opinion and the apply.
        w.expect_all(&SETUP);
        w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    }
}

#[test]
fn ipv6_is_asked_over_ipv6() {
    let w = world("dns6");
    w.require_ipv6();
    let sources = format!(
        "{},{}",
        w.dns_source("cloudflare", true),
        w.dns_source("opendns", false)
    );
    let env = [("DDNS_IP_SOURCES", sources.as_str())];
    assert_eq!(w.setup(&["--ipv6"]).code, Some(0));
    let u = w.run_env(&["update"], &env);
    assert_eq!(
        u.stdout, "home.example.com AAAA 2a02:898:0:20::1 published\n",
        "{u:?}"
    );
    // No IPv6 source but the first, so no second opinion: no echo, one apply.
    w.expect_all(&SETUP);
    w.expect(Route::Apply, 1);
}

#[test]
fn hostile_dns_replies_fall_back_to_the_next_source() {
    let w = world("hostile");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let sources = format!("{},{}", w.dns_source("cloudflare", false), w.echo_url());
    let env = [("DDNS_IP_SOURCES", sources.as_str())];
    for fault in [
        Fault::Garbage,
        Fault::ServFail,
        Fault::Empty,
        Fault::WrongFamily,
        Fault::WrongId,
    ] {
        w.zones().faults.push_back(fault);
        let echo_before = w.count(Route::Echo);
        let c = w.run_env(&["check"], &env);
        assert_eq!(c.code, Some(1), "{fault:?}: {c:?}");
        assert!(
            c.stdout
                .contains(&format!("public 81.2.69.142 (from {} in", w.echo_shown())),
            "{fault:?}: {c:?}"
        );
        assert_eq!(w.count(Route::Echo), echo_before + 1, "{fault:?}");
    }
    // A truncated reply is asked again over TCP and answered there.
    w.zones().faults.push_back(Fault::Truncated);
    let echo_before = w.count(Route::Echo);
    let c = w.run_env(&["check"], &env);
    assert!(
        c.stdout
            .contains(&format!("(from {} in", w.dns_source("cloudflare", false))),
        "{c:?}"
    );
    assert_eq!(w.count(Route::Echo), echo_before);
    assert!(w.zones().queries.iter().any(|q| q.2 == "tcp"));
    // Silence from the only source: a clear transient error within the time bound.
    w.zones().faults.push_back(Fault::Silent);
    let only_dns = w.dns_source("cloudflare", false);
    let c = w.run_env(&["check"], &[("DDNS_IP_SOURCES", only_dns.as_str())]);
    assert_eq!(c.code, Some(3), "{c:?}");
    assert!(
        c.stdout.contains(&format!(
            "error: could not detect the public IPv4 address: dns:cloudflare at {} did not answer",
            w.dns
        )),
        "{c:?}"
    );
    // The echo answered once for each of the five bad DNS replies.
    w.expect_all(&SETUP);
    w.expect(Route::Echo, 5);
}

#[test]
fn disagreeing_sources_publish_nothing() {
    let w = world("disagree");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    let sources = format!("{},{}", w.dns_source("opendns", false), w.echo_url());
    let env = [("DDNS_IP_SOURCES", sources.as_str())];
    w.zones().whoami_v4 = Some("81.2.69.99".parse().unwrap());
    let u = w.run_env(&["update"], &env);
    assert_eq!(u.code, Some(3), "{u:?}");
    // Regression: a false "no public address was detected" line came before the real cause.
    assert_eq!(
        u.stderr,
        format!(
            "ddns: home.example.com: the IP sources disagree: {} says 81.2.69.99, {} says 81.2.69.142; nothing was published for IPv4 this run\n",
            w.dns_source("opendns", false),
            w.echo_shown()
        )
    );
    assert_eq!(w.count(Route::Apply), 0);
    w.set_public_v4("81.2.69.99");
    let u = w.run_env(&["update"], &env);
    assert_eq!(u.code, Some(0), "{u:?}");
    // Each update asked the echo for its second opinion; the second, agreeing, applied.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
}

#[test]
fn ipv6_suffix_publishes_the_host_behind_the_router() {
    let w = world("suffix");
    w.require_ipv6();
    let s = w.setup(&["--ipv6-suffix", "::1234:5678:9abc:def0"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    assert!(s.stdout.contains("(dynamicdns-v2, AAAA record)"), "{s:?}");
    let u = w.run(&["update"]);
    assert_eq!(
        u.stdout, "home.example.com AAAA 2a02:898:0:20:1234:5678:9abc:def0 published\n",
        "{u:?}"
    );
    let bad = w.run(&["setup", NAME, "--ipv6-suffix", "2a02::1", "--code", "x"]);
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr
            .starts_with("ddns: --ipv6-suffix '2a02::1' is not an interface identifier"),
        "{bad:?}"
    );
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
}

/// A network namespace, deleted on drop.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

impl Netns {
    /// A fresh namespace (the test fails when one cannot be made here).
    fn new(tag: &str) -> Netns {
        let name = format!("ddns-{tag}-{}", std::process::id());
        let ok = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        support::require(ok, "a network namespace (ip netns add: root and iproute2)");
        Netns(name)
    }

    fn ip(&self, args: &str) {
        let status = std::process::Command::new("ip")
            .args(["netns", "exec", &self.0, "ip"])
            .args(args.split_whitespace())
            .status()
            .unwrap();
        assert!(status.success(), "ip {args}");
    }

    /// An interface `name` (a veth pair, both ends up) holding `addrs`.
    fn interface(&self, name: &str, addrs: &[&str]) {
        self.ip(&format!("link add {name} type veth peer name {name}p"));
        self.ip(&format!("link set {name}p up"));
        self.ip(&format!("link set {name} up"));
        for a in addrs {
            self.ip(&format!("addr add {a} dev {name} nodad"));
        }
    }
}

#[test]
#[ignore = "needs root and iproute2 (a network namespace)"]
fn interface_source_reads_the_wan_address() {
    support::require_root("ip netns add");
    let w = world("iface");
    let ns = Netns::new("iface");
    ns.interface("wan0", &["81.2.69.77/24", "2a02:898:0:30::7/64"]);
    ns.interface("lan0", &["100.64.3.4/10", "fd00::5/64"]);
    // The state is set up in the host namespace, where the fake provider is.
    assert_eq!(w.setup(&["--ipv4", "--ipv6"]).code, Some(0));
    let run = |source: &str| -> serde_json::Value {
        let out = std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.0,
                w.bin.to_str().unwrap(),
                "check",
                "--json",
                "--ip-source",
                source,
            ])
            .env_clear()
            .env("DDNS_STATE", &w.state)
            .env("DDNS_RESOLVER", "127.0.0.1:9")
            .output()
            .unwrap();
        let r: support::Run = out.into();
        serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{r:?}"))
    };
    let doc = run("interface:wan0");
    let families = &doc["names"][0]["families"];
    assert_eq!(families["ipv4"]["public"], "81.2.69.77", "{doc}");
    assert_eq!(families["ipv6"]["public"], "2a02:898:0:30::7", "{doc}");
    assert_eq!(families["ipv4"]["source"], "interface:wan0");
    let doc = run("interface:lan0");
    let errors = doc["names"][0]["errors"].to_string();
    assert!(errors.contains("interface lan0 says the public address is 100.64.3.4, which is a carrier-grade NAT address"), "{errors}");
    assert!(
        errors.contains(
            "interface lan0 says the public address is fd00::5, which is a unique local address"
        ),
        "{errors}"
    );
    // The checks ran in the namespace, away from the fake: only the setup reached it.
    w.expect_all(&SETUP);
}
