//! The fake world the tests (and `examples/demo.rs`) run the real `ddns` binary in: a test CA,
//! a fake DNS server and a fake Domain Connect provider on loopback. The binary reaches them only
//! through settings a user has too: `DDNS_STATE`, `DDNS_RESOLVER`, `DDNS_IP_SOURCES` and
//! `SSL_CERT_FILE`.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]

pub mod adb;
pub mod dns;
pub mod provider;
pub mod tar;
pub mod timing;
pub mod tls;

use provider::{Provider, Route};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};

/// The zone the fake provider hosts.
pub const ZONE: &str = "example.com";
/// The name the tests keep up to date.
pub const NAME: &str = "home.example.com";

/// Whether the tests run as root (chroot, network namespaces and mounts need it): the owner of
/// `/proc/self` is the effective user.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The requests of one interactive `setup` ([`World::setup`]) that succeeds: the provider's
/// settings, its dynamic DNS template, the consent page (the test's browser), the code
/// exchange.
pub const SETUP: [(Route, usize); 4] = [
    (Route::Settings, 1),
    (Route::Template, 1),
    (Route::Consent, 1),
    (Route::TokenCode, 1),
];

/// A world with `home.example.com` set up for IPv4 and published once. Its budgets count
/// those runs: [`SETUP`], then one echo and one apply; a test adds its own with
/// [`World::expect`].
pub fn published(tag: &str) -> World {
    let w = world(tag);
    let s = w.setup(&["--ipv4"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    w
}

/// `cmd` (which runs cargo, directly or from a script) without the variables cargo sets for a
/// test binary (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...): ring's build script tracks some of
/// them, so a nested cargo that sees them rebuilds ring and everything above it, and the next
/// `cargo test` rebuilds it all again (about 15 s of CPU each time).
pub fn outside_cargo_test(cmd: &mut Command) -> &mut Command {
    for (k, _) in std::env::vars_os() {
        let Some(k) = k.to_str() else { continue };
        if k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_MANIFEST_")
            || k.starts_with("CARGO_BIN_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&k)
        {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Fail the test unless `ok`, saying what it needs. A test that needs more than a toolchain
/// and loopback (root, podman, qemu, busybox, faketime, node, make, the `dist/` binaries) is
/// marked `#[ignore = "needs ..."]`, so a plain `cargo test` counts it as ignored, never as
/// passed. It runs only when asked (`cargo test -- --include-ignored`, as `.ci/run` does), and
/// there a missing requirement fails it: nothing is ever skipped while reported as passing.
#[track_caller]
pub fn require(ok: bool, what: &str) {
    assert!(
        ok,
        "this test needs {what}, which this machine lacks (docs/development.md lists what each \
         ignored test needs)"
    );
}

/// [`require`] root, for `why` (chroot, mounts, network namespaces, port 53).
#[track_caller]
pub fn require_root(why: &str) {
    require(is_root(), &format!("root ({why})"));
}

/// Whether `program --version` runs and succeeds.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// [`require`] `program` (found by `--version`); `install` says how to get it.
#[track_caller]
pub fn require_program(program: &str, install: &str) {
    require(have(program), &format!("{program} ({install})"));
}

/// A loopback address of its own for this world's authoritative name server, and whether the
/// fake DNS answers there on port 53 (binding port 53 needs root). Real authoritative servers
/// listen on port 53 only, so that is where `ddns` asks them; when nothing listens there, the
/// zone's servers cannot be asked, which `ddns` must survive.
fn authoritative_listener(
    zones: &Arc<Mutex<dns::Zones>>,
) -> (std::net::IpAddr, Option<std::net::IpAddr>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let pid = std::process::id();
    let mut first = None;
    for _ in 0..64 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let ip = std::net::Ipv4Addr::new(
            127,
            u8::try_from(pid % 200 + 20).expect("below 220"),
            u8::try_from((n / 250) % 256).expect("below 256"),
            u8::try_from(n % 250 + 2).expect("below 252"),
        );
        first.get_or_insert(std::net::IpAddr::V4(ip));
        let udp = std::net::UdpSocket::bind((ip, 53));
        let tcp = std::net::TcpListener::bind((ip, 53));
        match (udp, tcp) {
            (Ok(udp), Ok(tcp)) => {
                dns::start_on(Arc::clone(zones), tcp, udp, None);
                return (std::net::IpAddr::V4(ip), Some(std::net::IpAddr::V4(ip)));
            }
            (Err(e), _) | (_, Err(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                break;
            }
            _ => {}
        }
    }
    (first.expect("an address"), None)
}

/// The `ddns` binary the tests run: this test crate's build, or the one named by
/// `DDNS_TEST_BIN`. `.ci/run` runs the binary-level tests a second time against
/// `dist/ddns-amd64`, the router build (`-Zfmt-debug=shallow`, `-Cpanic=immediate-abort`,
/// size-tuned std), so every exact message and exit status they check holds in what ships.
pub fn ddns_bin() -> PathBuf {
    std::env::var_os("DDNS_TEST_BIN")
        .map(PathBuf::from)
        // Set by cargo for integration tests only (the examples share this module).
        .or_else(|| option_env!("CARGO_BIN_EXE_ddns").map(PathBuf::from))
        .expect("DDNS_TEST_BIN, or cargo's CARGO_BIN_EXE_ddns in a test")
}

/// A fresh world for the `ddns` binary under test ([`ddns_bin`]), with a scratch directory
/// named after `tag`.
pub fn world(tag: &str) -> World {
    World::new(&ddns_bin(), tag)
}

/// A fake world and a scratch directory for one test. Strict: when it is dropped, the test
/// fails if the fake saw a request it did not expect, or if any route's request count differs
/// from its budget. Every route's budget is 0 until the test declares another with
/// [`World::budget`] (or [`World::budgets`]): a request the test did not count on fails it, and
/// so does a counted one that never came.
pub struct World {
    /// The `ddns` binary under test.
    pub bin: PathBuf,
    /// Scratch directory (state file, CA file).
    pub dir: PathBuf,
    /// The state file the binary uses.
    pub state: PathBuf,
    /// The PEM file with the test CA.
    pub ca_file: PathBuf,
    /// The fake DNS server (the resolver the binary is told to use).
    pub dns: SocketAddr,
    /// Where the zone's authoritative server (`ns.example.com`, the same fake) answers on
    /// port 53, when this process may bind there (root); `None` otherwise.
    pub authoritative: Option<std::net::IpAddr>,
    /// The fake provider.
    pub fake: provider::Fake,
    /// The test PKI.
    pub pki: tls::TestPki,
    /// The state path as the binary is told it (differs from `state` inside a chroot).
    pub state_arg: PathBuf,
    /// `DDNS_RUN_DIR` as the binary sees it (where the last run is recorded).
    pub run_arg: PathBuf,
    /// The CA path as the binary is told it.
    pub ca_arg: PathBuf,
    /// A command the binary runs under (chroot, qemu), with its arguments.
    pub wrapper: Vec<String>,
    /// Request counts per route (lowest, highest), checked on drop; 0 for a route not named.
    budgets: Mutex<BTreeMap<Route, (usize, usize)>>,
}

/// A file as it is, to tell whether anything wrote it: its device and inode (`ddns` saves by
/// renaming a new file over the old, so every save changes the inode), its size and its bytes.
/// Equal states mean nothing was written, whatever the file system's timestamp resolution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileState {
    /// Device and inode.
    pub id: (u64, u64),
    /// Size in bytes.
    pub len: u64,
    /// Content.
    pub bytes: Vec<u8>,
}

impl FileState {
    /// The file at `path` as it is now.
    pub fn of(path: &Path) -> FileState {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        FileState {
            id: (meta.dev(), meta.ino()),
            len: meta.len(),
            bytes: std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        }
    }
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit status (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl World {
    /// Start a fresh world for the binary at `bin`, with a scratch directory named after `tag`.
    pub fn new(bin: &Path, tag: &str) -> World {
        Self::with_certificate(
            bin,
            tag,
            &[
                provider::DISCOVERY_HOST,
                provider::API_HOST,
                provider::UX_HOST,
                provider::ECHO_HOST,
                provider::MONITOR_HOST,
            ],
            tls::Flaw::None,
        )
    }

    /// A world whose server certificate names `names` and has `flaw`.
    pub fn with_certificate(bin: &Path, tag: &str, names: &[&str], flaw: tls::Flaw) -> World {
        let dir = std::env::temp_dir().join(format!("ddns-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let pki = tls::make_pki_with(names, flaw);
        let ca_file = dir.join("test-ca.pem");
        std::fs::write(&ca_file, &pki.ca_pem).expect("CA file");
        std::fs::create_dir_all(dir.join("run")).expect("run dir");
        let zones = Arc::new(Mutex::new(dns::Zones::default()));
        let fake = provider::start(ZONE, &pki.server, Arc::clone(&zones));
        let dns = dns::start(Arc::clone(&zones));
        let (nameserver, authoritative) = authoritative_listener(&zones);
        zones.lock().expect("zones").nameserver = Some(nameserver);
        World {
            bin: bin.to_path_buf(),
            state: dir.join("state/state.json"),
            state_arg: dir.join("state/state.json"),
            run_arg: dir.join("run"),
            ca_arg: ca_file.clone(),
            dir,
            ca_file,
            dns,
            authoritative,
            fake,
            pki,
            wrapper: Vec::new(),
            budgets: Mutex::new(BTreeMap::new()),
        }
    }

    /// Run the binary as `/ddns` inside `root` (an otherwise empty directory) through
    /// `wrapper` (e.g. chroot), with its state in `/data` and the test CA at `/ca.pem`.
    pub fn use_root(&mut self, root: &Path, wrapper: &[&str]) {
        std::fs::copy(&self.ca_file, root.join("ca.pem")).expect("CA into root");
        self.state = root.join("data/state.json");
        self.state_arg = PathBuf::from("/data/state.json");
        self.run_arg = PathBuf::from("/run");
        self.ca_arg = PathBuf::from("/ca.pem");
        self.wrapper = wrapper
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
    }

    /// The first runs of a `ddns` whose state is `/data/state.json` (an empty root made with
    /// [`World::use_root`], a router binary under qemu, the container image): `--version`, and
    /// `check` saying no name is set up there. `label` names the case in a failure.
    pub fn assert_starts_empty(&self, label: &str) {
        let v = self.run(&["--version"]);
        assert_eq!(
            (v.code, v.stdout.as_str()),
            (Some(0), concat!("ddns ", env!("CARGO_PKG_VERSION"), "\n")),
            "{label}: {v:?}"
        );
        let c = self.run(&["check"]);
        assert_eq!(
            (c.code, c.stderr.as_str()),
            (
                Some(2),
                "ddns: no name is set up in /data/state.json: run `ddns setup NAME` first\n"
            ),
            "{label}: {c:?}"
        );
    }

    /// Fail unless the fake also listens on `::1`: the IPv6 tests need an IPv6 loopback, as
    /// every Linux machine has unless IPv6 is switched off (then they fail, saying so).
    #[track_caller]
    pub fn require_ipv6(&self) {
        require(self.fake.ipv6, "an IPv6 loopback address (::1)");
    }

    /// A monitor URL at the fake (`path` after the host and port, e.g. `/hc/uuid`).
    pub fn monitor_url(&self, path: &str) -> String {
        format!(
            "https://{}:{}{path}",
            provider::MONITOR_HOST,
            self.fake.port
        )
    }

    /// The echo URL the binary is pointed at.
    pub fn echo_url(&self) -> String {
        format!("https://{}:{}/", provider::ECHO_HOST, self.fake.port)
    }

    /// The echo source as `ddns` names it in messages and JSON: scheme and host only.
    pub fn echo_shown(&self) -> String {
        format!("https://{}:{}", provider::ECHO_HOST, self.fake.port)
    }

    /// A command for the binary, with the user-facing settings pointing at the fake world and
    /// nothing inherited that could send it elsewhere (proxies).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest);
                c
            }
            None => Command::new(&self.bin),
        };
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("DDNS_STATE", &self.state_arg)
            .env("DDNS_RUN_DIR", &self.run_arg)
            .env("DDNS_RESOLVER", self.dns.to_string())
            .env("DDNS_IP_SOURCES", self.echo_url())
            .env("SSL_CERT_FILE", &self.ca_arg)
            // No verification after an apply unless a test asks for it (tests/verify.rs):
            // the zone's servers answer on port 53 only as root, and a verified update's line
            // says how soon the servers showed it.
            .env("DDNS_VERIFY_TIMEOUT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run the binary to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("run ddns").into()
    }

    /// Run the binary with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run ddns").into()
    }

    /// Wait until the fake provider has finished every connection it accepted: a request a
    /// killed client sent just before it died has then been handled (and a token rotated).
    pub fn provider_idle(&self) {
        timing::eventually("the fake provider finishing its connections", || {
            self.provider().open_connections == 0
        });
    }

    /// A DNS whoami source at the fake DNS server, over IPv4 (`v6` false) or IPv6.
    pub fn dns_source(&self, service: &str, v6: bool) -> String {
        if v6 {
            format!("dns:{service}@[::1]:{}", self.dns.port())
        } else {
            format!("dns:{service}@{}", self.dns)
        }
    }

    /// Set the public IPv4 address every fake source (echo and whoami) reports.
    pub fn set_public_v4(&self, ip: &str) {
        self.provider().public_v4 = ip.parse().expect("v4");
        self.zones().whoami_v4 = Some(ip.parse().expect("v4"));
    }

    /// Set the public IPv6 address every fake source (echo and whoami) reports.
    pub fn set_public_v6(&self, ip: &str) {
        self.provider().public_v6 = ip.parse().expect("v6");
        self.zones().whoami_v6 = Some(ip.parse().expect("v6"));
    }

    /// The fake provider's state.
    pub fn provider(&self) -> MutexGuard<'_, Provider> {
        self.fake.provider.lock().expect("provider")
    }

    /// The fake DNS server's records.
    pub fn zones(&self) -> MutexGuard<'_, dns::Zones> {
        self.fake.zones.lock().expect("zones")
    }

    /// Queue a canned reply for the next request to `route`.
    pub fn can(&self, route: Route, reply: provider::Canned) {
        self.provider().can(route, reply);
    }

    /// What the fake DNS answers for `name` (A and AAAA), as the provider last set it.
    pub fn dns_answers(&self, name: &str) -> Vec<std::net::IpAddr> {
        self.zones()
            .addresses
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// Declare that `route` must have received exactly `total` requests (since the world
    /// started) when the world is dropped. Every route not declared must receive none.
    pub fn budget(&self, route: Route, total: usize) {
        self.budget_between(route, total, total);
    }

    /// [`World::budget`] for several routes at once.
    pub fn budgets(&self, totals: &[(Route, usize)]) {
        for (route, total) in totals {
            self.budget(*route, *total);
        }
    }

    /// Declare `more` requests to `route` on top of its budget so far: what the runs that
    /// follow (or a helper's runs) send there.
    pub fn expect(&self, route: Route, more: usize) {
        let mut budgets = self.budgets.lock().expect("budgets");
        let (lowest, highest) = budgets.entry(route).or_insert((0, 0));
        *lowest += more;
        *highest += more;
    }

    /// [`World::expect`] for several routes at once.
    pub fn expect_all(&self, more: &[(Route, usize)]) {
        for (route, n) in more {
            self.expect(*route, *n);
        }
    }

    /// Declare that `route` must have received between `lowest` and `highest` requests: only
    /// for runs killed at random points, whose requests cannot be counted in advance.
    pub fn budget_between(&self, route: Route, lowest: usize, highest: usize) {
        assert!(lowest <= highest, "{route:?}: {lowest} > {highest}");
        self.budgets
            .lock()
            .expect("budgets")
            .insert(route, (lowest, highest));
    }

    /// Run the binary with `input` on stdin.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn ddns");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait ddns").into()
    }

    /// Play the user's browser: open the consent URL, return where the provider redirects.
    pub fn browse(&self, consent_url: &str) -> String {
        let agent = self.test_agent();
        let reply = agent.get(consent_url).call().expect("consent page");
        assert_eq!(reply.status().as_u16(), 302, "consent should redirect");
        reply
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_string()
    }

    /// Approve a consent request for `host` in the zone, as a user's browser would, and return
    /// the code the provider's redirect carries (for `setup --code`).
    pub fn consent_code(&self, host: &str) -> String {
        let url = format!(
            "https://{}:{}/v2/domainTemplates/providers/domainconnect.org?client_id=domainconnect.org\
             &domain={ZONE}&host={host}&redirect_uri=https%3A%2F%2Fdynamicdns.domainconnect.org%2Fddnscode\
             &scope=dynamicdns-v2",
            provider::UX_HOST,
            self.fake.port
        );
        let redirect = self.browse(&url);
        redirect
            .split("code=")
            .nth(1)
            .expect("a code in the redirect")
            .to_string()
    }

    /// A ureq agent for the test's own requests: trusts the test CA, sends every host to the
    /// fake's port on 127.0.0.1, follows no redirect.
    pub fn test_agent(&self) -> ureq::Agent {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&[Certificate::from_der(
                self.pki.ca_der.as_ref(),
            )
            .to_owned()]))
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .max_redirects(0)
            .http_status_as_error(false)
            .build();
        ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            Loopback(self.fake.port),
        )
    }

    /// Run `ddns setup NAME` interactively: read the consent URL it prints, open it, and paste
    /// the whole redirect address back on stdin.
    pub fn setup(&self, extra: &[&str]) -> Run {
        let mut args = vec!["setup", NAME];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn setup");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        {
            use std::io::Read;
            let mut byte = [0u8; 1];
            while !first.ends_with('\n') {
                if stdout.read(&mut byte).expect("read stdout") == 0 {
                    break;
                }
                first.push(char::from(byte[0]));
            }
        }
        let url = first.trim().to_string();
        let mut stdin = child.stdin.take().expect("stdin");
        if url.starts_with("https://") {
            let redirect = self.browse(&url);
            writeln!(stdin, "{redirect}").expect("paste");
        }
        drop(stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read stdout");
        let out = child.wait_with_output().expect("wait setup");
        let mut run: Run = out.into();
        run.stdout = format!("{first}{rest}");
        run
    }

    /// The state file as it is now ([`FileState`]): compare two to tell whether a run wrote it.
    pub fn state_file(&self) -> FileState {
        FileState::of(&self.state)
    }

    /// The state file, parsed, with the back-off a failed provider request stores taken out
    /// of `name`'s watch: what such a failure must otherwise leave as it was. Fails when there
    /// is no back-off.
    pub fn state_json_but_backoff(&self, name: &str) -> serde_json::Value {
        let mut state = self.state_json();
        let watch = state["names"][name]["watch"]
            .as_object_mut()
            .expect("a watch");
        assert!(watch.remove("backoff").is_some(), "a back-off is stored");
        if watch.is_empty() {
            state["names"][name]
                .as_object_mut()
                .expect("a name")
                .remove("watch");
        }
        state
    }

    /// Let the back-off stored for `name` end now, as if its time had passed.
    pub fn end_backoff(&self, name: &str) {
        let mut state = self.state_json();
        state["names"][name]["watch"]["backoff"]["until"] = 0.into();
        std::fs::write(
            &self.state,
            serde_json::to_vec_pretty(&state).expect("JSON"),
        )
        .expect("write state");
    }

    /// The state file's bytes.
    pub fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.state).expect("state file")
    }

    /// The state file, parsed.
    pub fn state_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.state_bytes()).expect("state JSON")
    }

    /// Assert no token or code the provider ever issued appears in `text`.
    pub fn assert_no_secrets(&self, text: &str) {
        let p = self.provider();
        for secret in &p.issued {
            assert!(
                !text.contains(secret.as_str()),
                "secret {secret} leaked into output:\n{text}"
            );
        }
        assert!(
            !text.contains("inconceivable"),
            "client secret in output:\n{text}"
        );
    }

    /// Assert no token or code the provider ever issued appears in the output of `runs`.
    pub fn assert_no_secrets_in(&self, runs: &[&Run]) {
        for r in runs {
            self.assert_no_secrets(&format!("{}{}", r.stdout, r.stderr));
        }
    }

    /// Requests `route` received so far.
    pub fn count(&self, route: Route) -> usize {
        self.provider().count(route)
    }

    /// The strict checks, also run on drop: no unexpected request, and every route's request
    /// count within its budget (0 for a route the test did not declare).
    pub fn assert_strict(&self) {
        let (unexpected, counts) = {
            let p = self.provider();
            let counts: BTreeMap<Route, usize> =
                provider::ROUTES.iter().map(|r| (*r, p.count(*r))).collect();
            (p.unexpected.clone(), counts)
        };
        let budgets = self.budgets.lock().expect("budgets").clone();
        assert!(
            unexpected.is_empty(),
            "the fake provider saw unexpected requests: {unexpected:#?}"
        );
        let mut wrong = Vec::new();
        for (route, count) in counts {
            let (lowest, highest) = budgets.get(&route).copied().unwrap_or((0, 0));
            if count < lowest || count > highest {
                let budget = match (budgets.contains_key(&route), lowest == highest) {
                    (false, _) => "none (the test did not declare this route)".to_string(),
                    (true, true) => lowest.to_string(),
                    (true, false) => format!("{lowest} to {highest}"),
                };
                wrong.push(format!("{route:?}: {count} requests, budget {budget}"));
            }
        }
        assert!(
            wrong.is_empty(),
            "the fake provider's request budgets were not met:\n{}",
            wrong.join("\n")
        );
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_strict();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Resolves every host to 127.0.0.1 on the fake's port.
#[derive(Debug)]
struct Loopback(u16);

impl ureq::unversioned::resolver::Resolver for Loopback {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let mut out = self.empty();
        out.push(SocketAddr::from(([127, 0, 0, 1], self.0)));
        Ok(out)
    }
}
