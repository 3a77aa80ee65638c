//! A fake Domain Connect provider speaking real HTTPS on loopback: settings, template check,
//! consent (auto-approving with a redirect carrying the code), tokens (code and refresh grants,
//! with rotation and expiry), apply (updating the zone the fake DNS serves) and an IP echo.
//! Strict: it checks method, path, query and bearer token; anything else is recorded as
//! unexpected and answered 400. Each request is logged by route for budget assertions.

use super::dns::Zones;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Hostnames the fake answers for (all on one port, on 127.0.0.1 and ::1).
pub const DISCOVERY_HOST: &str = "dc.provider.test";
/// `urlAPI`'s host.
pub const API_HOST: &str = "api.provider.test";
/// `urlAsyncUX`'s host.
pub const UX_HOST: &str = "ux.provider.test";
/// The IP echo's host.
pub const ECHO_HOST: &str = "echo.provider.test";
/// A health-check monitor (Healthchecks, Uptime Kuma, a plain URL): every request is recorded.
pub const MONITOR_HOST: &str = "monitor.provider.test";
/// The echo hosts the Python peer hard-codes (served only inside the benchmark's namespace).
pub const IPIFY_V4: &str = "api.ipify.org";
/// See [`IPIFY_V4`].
pub const IPIFY_V6: &str = "api6.ipify.org";

/// How a canned reply is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// All at once.
    Normal,
    /// Headers, then the body one byte a second.
    Trickle,
    /// Headers without a length, then body bytes without end.
    Endless,
    /// Headers promising the body, half of it, then the connection is dropped.
    Reset,
    /// A 302 back to the same URL.
    RedirectLoop,
}

/// What the provider does with the records of an accepted apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    /// Publishes them at once (the fake DNS answers them).
    AtOnce,
    /// Publishes them this long after the apply.
    After(Duration),
    /// Accepts the apply and never publishes it (ddns-updater #553, inadyn #423).
    Never,
    /// Publishes them, and a second writer puts these addresses back right after each apply
    /// (another router, a copied VM, the provider's own DynDNS).
    Overwritten(Vec<IpAddr>),
}

/// A canned reply that replaces the normal one for the next request to a route.
#[derive(Debug, Clone)]
pub struct Canned {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering (to exercise client timeouts).
    pub delay: Duration,
    /// How it is delivered.
    pub mode: Mode,
    /// A `Retry-After` header, as sent.
    pub retry_after: Option<String>,
}

impl Canned {
    /// A reply with this status and body.
    pub fn new(status: u16, body: &str) -> Canned {
        Canned {
            status,
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
            mode: Mode::Normal,
            retry_after: None,
        }
    }

    /// A 429 asking the client to come back after `retry_after` (seconds, or an HTTP date).
    pub fn rate_limited(retry_after: &str) -> Canned {
        Canned {
            retry_after: Some(retry_after.to_string()),
            ..Canned::new(
                429,
                r#"{"error":"rate_limited","error_description":"slow down"}"#,
            )
        }
    }

    /// A reply with this status and body, `delay` late (a slow provider).
    pub fn late(status: u16, body: &str, delay: Duration) -> Canned {
        Canned {
            delay,
            ..Canned::new(status, body)
        }
    }

    /// A reply delivered in a hostile way.
    pub fn hostile(mode: Mode) -> Canned {
        Canned {
            mode,
            ..Canned::new(
                200,
                r#"{"access_token":"x","token_type":"bearer","ok":"yes"}"#,
            )
        }
    }
}

/// What a request was for. Anything the fake does not know is `Unexpected`, which fails the
/// test when its world is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// `GET https://DISCOVERY/v2/ZONE/settings`.
    Settings,
    /// `GET https://API/v2/domainTemplates/providers/domainconnect.org/services/ID`.
    Template,
    /// `GET https://UX/v2/domainTemplates/providers/domainconnect.org?...` (the user's browser).
    Consent,
    /// `POST https://API/v2/oauth/access_token?grant_type=authorization_code...`.
    TokenCode,
    /// `POST https://API/v2/oauth/access_token?grant_type=refresh_token...`.
    TokenRefresh,
    /// `POST https://API/v2/domainTemplates/providers/domainconnect.org/services/ID/apply?...`.
    Apply,
    /// `GET https://ECHO/`: the IP echo.
    Echo,
    /// Any request to `MONITOR_HOST`: a health-check ping.
    Ping,
    /// Anything else.
    Unexpected,
}

/// Every route a test can budget.
pub const ROUTES: [Route; 8] = [
    Route::Settings,
    Route::Template,
    Route::Consent,
    Route::TokenCode,
    Route::TokenRefresh,
    Route::Apply,
    Route::Echo,
    Route::Ping,
];

/// One logged request.
#[derive(Debug, Clone)]
pub struct Logged {
    /// What it was for.
    pub route: Route,
    /// Method and path with query.
    pub target: String,
    /// The Authorization header, if any.
    pub auth: Option<String>,
    /// When it arrived.
    pub at: SystemTime,
}

/// The provider's mutable world.
#[derive(Debug)]
pub struct Provider {
    /// The zone the provider hosts.
    pub zone: String,
    /// The port of the HTTPS listeners.
    pub port: u16,
    /// Templates the provider has onboarded.
    pub templates: BTreeSet<String>,
    /// Whether settings include urlAsyncUX.
    pub async_ux: bool,
    /// The IPv4 address the echo reports.
    pub public_v4: Ipv4Addr,
    /// The IPv6 address the echo reports.
    pub public_v6: Ipv6Addr,
    /// `expires_in` of issued access tokens.
    pub access_ttl: u64,
    /// Whether refreshes rotate the refresh token.
    pub rotate: bool,
    /// Strict rotation: a refresh token dies the moment its successor is issued (IONOS-style
    /// roll-over, allowed by the OAuth security BCP). Otherwise (grace) it lives until the
    /// successor is first used.
    pub strict: bool,
    /// How long token replies (code and refresh) wait after the tokens were issued: the window
    /// in which a stopped client loses them.
    pub token_delay: Duration,
    /// When each refresh rotated the refresh token (the provider's side of the window).
    pub rotated_at: Vec<SystemTime>,
    /// Connections accepted and still being served. A request can only arrive on one (after
    /// the TLS handshake, which needs the server), so at zero nothing a client sent is pending.
    pub open_connections: usize,
    /// Connections accepted since the start: each is one TLS handshake.
    pub connections: usize,
    /// Codes issued by consent and not yet used.
    pub codes: BTreeSet<String>,
    /// Valid access tokens and their expiry (unix seconds).
    pub access: BTreeMap<String, u64>,
    /// Valid refresh tokens.
    pub refresh: BTreeSet<String>,
    /// For each rotated refresh token, the one it replaced (valid until it is used).
    pub predecessor: BTreeMap<String, String>,
    /// Every token and code ever issued (to check nothing leaks into output).
    pub issued: Vec<String>,
    /// Canned replies per route, used before the normal behaviour.
    pub canned: BTreeMap<Route, VecDeque<Canned>>,
    /// Every request.
    pub log: Vec<Logged>,
    /// Requests that matched no route or broke the protocol.
    pub unexpected: Vec<String>,
    /// Every ping: method, path with query, body.
    pub pings: Vec<(String, String, String)>,
    /// Every apply's query, as pairs.
    pub applies: Vec<BTreeMap<String, String>>,
    /// The reply to a successful apply (202 with no body unless changed).
    pub apply_ok: (u16, String),
    /// What becomes of an accepted apply's records.
    pub publish: Publish,
    counter: u64,
}

impl Provider {
    fn new_token(&mut self, kind: &str) -> String {
        self.counter += 1;
        let token = format!("{kind}-{:08x}-{}", self.counter, std::process::id());
        self.issued.push(token.clone());
        token
    }

    /// How many requests a route received.
    pub fn count(&self, route: Route) -> usize {
        self.log.iter().filter(|l| l.route == route).count()
    }

    /// Queue a canned reply for a route.
    pub fn can(&mut self, route: Route, reply: Canned) {
        self.canned.entry(route).or_default().push_back(reply);
    }

    /// Make every access token expire now.
    pub fn expire_access_tokens(&mut self) {
        for at in self.access.values_mut() {
            *at = 0;
        }
    }

    /// Forget every grant (as when a refresh token lapses).
    pub fn revoke_all(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A running fake provider.
pub struct Fake {
    /// The provider state.
    pub provider: Arc<Mutex<Provider>>,
    /// The DNS zones (shared with the fake DNS server).
    pub zones: Arc<Mutex<Zones>>,
    /// The port of the HTTPS listeners.
    pub port: u16,
    /// Whether the ::1 listener is up.
    pub ipv6: bool,
}

/// Start HTTPS listeners on 127.0.0.1 and (when possible) ::1, on the same port.
pub fn start(zone: &str, server: &Arc<rustls::ServerConfig>, zones: Arc<Mutex<Zones>>) -> Fake {
    let mut bound = None;
    for _ in 0..20 {
        let v4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = v4.local_addr().expect("addr").port();
        match TcpListener::bind(("::1", port)) {
            Ok(v6) => {
                bound = Some((v4, Some(v6)));
                break;
            }
            Err(_) => bound = Some((v4, None)),
        }
    }
    let (v4, v6) = bound.expect("a port");
    start_on(zone, server, zones, v4, v6)
}

/// Start on listeners the caller bound (the benchmark binds port 443 in a network namespace).
pub fn start_on(
    zone: &str,
    server: &Arc<rustls::ServerConfig>,
    zones: Arc<Mutex<Zones>>,
    v4: TcpListener,
    v6: Option<TcpListener>,
) -> Fake {
    let port = v4.local_addr().expect("addr").port();
    let provider = Arc::new(Mutex::new(Provider {
        zone: zone.to_string(),
        port,
        templates: ["dynamicdns-v2".to_string(), "dynamicdns".to_string()].into(),
        async_ux: true,
        public_v4: "81.2.69.142".parse().expect("v4"),
        public_v6: "2a02:898:0:20::1".parse().expect("v6"),
        access_ttl: 3600,
        rotate: true,
        strict: false,
        token_delay: Duration::ZERO,
        rotated_at: Vec::new(),
        open_connections: 0,
        connections: 0,
        codes: BTreeSet::new(),
        access: BTreeMap::new(),
        refresh: BTreeSet::new(),
        predecessor: BTreeMap::new(),
        issued: Vec::new(),
        canned: BTreeMap::new(),
        log: Vec::new(),
        unexpected: Vec::new(),
        applies: Vec::new(),
        pings: Vec::new(),
        apply_ok: (202, String::new()),
        publish: Publish::AtOnce,
        counter: 0,
    }));
    {
        let mut z = zones.lock().expect("zones");
        z.whoami_v4 = Some("81.2.69.142".parse().expect("v4"));
        z.whoami_v6 = Some("2a02:898:0:20::1".parse().expect("v6"));
        z.apexes.push(zone.to_string());
        z.apexes.push("provider.test".to_string());
        z.apexes.push("ipify.org".to_string());
        z.txt.insert(
            format!("_domainconnect.{zone}"),
            vec![format!("{DISCOVERY_HOST}:{port}")],
        );
        for host in [
            DISCOVERY_HOST,
            API_HOST,
            UX_HOST,
            ECHO_HOST,
            MONITOR_HOST,
            IPIFY_V4,
            IPIFY_V6,
        ] {
            let mut ips = vec![IpAddr::V4(Ipv4Addr::LOCALHOST)];
            if v6.is_some() {
                ips.push(IpAddr::V6(Ipv6Addr::LOCALHOST));
            }
            z.addresses.insert(host.to_string(), ips);
        }
    }
    let ipv6 = v6.is_some();
    for listener in std::iter::once(v4).chain(v6) {
        let provider = Arc::clone(&provider);
        let zones = Arc::clone(&zones);
        let server = Arc::clone(server);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let provider = Arc::clone(&provider);
                let zones = Arc::clone(&zones);
                let server = Arc::clone(&server);
                {
                    let mut p = provider.lock().expect("provider");
                    p.open_connections += 1;
                    p.connections += 1;
                }
                std::thread::spawn(move || {
                    serve(stream, server, &provider, &zones);
                    provider.lock().expect("provider").open_connections -= 1;
                });
            }
        });
    }
    Fake {
        provider,
        zones,
        port,
        ipv6,
    }
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    raw_target: String,
    auth: Option<String>,
    body: Vec<u8>,
    host: String,
    peer: SocketAddr,
}

fn serve(
    stream: TcpStream,
    server: Arc<rustls::ServerConfig>,
    provider: &Mutex<Provider>,
    zones: &Mutex<Zones>,
) {
    let Ok(peer) = stream.peer_addr() else {
        return;
    };
    stream
        .set_read_timeout(Some(super::timing::timing().patience))
        .ok();
    let Ok(conn) = rustls::ServerConnection::new(server) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let Some(request) = read_request(&mut tls, peer) else {
        return;
    };
    let reply = respond(&request, provider, zones);
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    let reason = match reply.status {
        200 => "OK",
        202 => "Accepted",
        429 => "Too Many Requests",
        204 => "No Content",
        302 => "Found",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nConnection: close\r\n",
        reply.status
    );
    if let Some(loc) = &reply.location {
        head = format!("{head}Location: {loc}\r\n");
    }
    if let Some(after) = &reply.retry_after {
        head = format!("{head}Retry-After: {after}\r\n");
    }
    if reply.status != 204 && reply.mode != Mode::Endless {
        head = format!("{head}Content-Length: {}\r\n", reply.body.len());
    }
    head.push_str("\r\n");
    let _ = tls.write_all(head.as_bytes());
    match reply.mode {
        Mode::Normal | Mode::RedirectLoop => {
            let _ = tls.write_all(&reply.body);
        }
        Mode::Trickle => {
            for b in &reply.body {
                if tls.write_all(&[*b]).and_then(|()| tls.flush()).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Mode::Endless => {
            let chunk = [b'x'; 4096];
            // Bounded, so a broken client cannot keep this thread forever: 64 MiB at most.
            for _ in 0..16384 {
                if tls.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Mode::Reset => {
            let _ = tls.write_all(&reply.body[..reply.body.len() / 2]);
            let _ = tls.flush();
            let _ = tls.sock.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn read_request(tls: &mut impl Read, peer: SocketAddr) -> Option<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if tls.read(&mut byte).ok()? == 0 || buf.len() > 65536 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let raw_target = first.next()?.to_string();
    let mut auth = None;
    let mut length = 0usize;
    let mut host = String::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "authorization" => auth = Some(v.trim().to_string()),
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "host" => host = v.trim().to_string(),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length.min(65536)];
    tls.read_exact(&mut body).ok()?;
    let (path, query) = match raw_target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (raw_target.clone(), String::new()),
    };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    Some(Request {
        method,
        path,
        query,
        raw_target,
        auth,
        body,
        host,
        peer,
    })
}

/// Percent-decoding for the fake's own use (strict about `+`: the client must encode spaces).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).expect("two hex digits"));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    location: Option<String>,
    delay: Duration,
    mode: Mode,
    retry_after: Option<String>,
}

fn json(status: u16, body: String) -> Reply {
    Reply {
        status,
        body: body.into_bytes(),
        location: None,
        delay: Duration::ZERO,
        mode: Mode::Normal,
        retry_after: None,
    }
}

const REDIRECT: &str = "https://dynamicdns.domainconnect.org/ddnscode";
const TEMPLATE_PREFIX: &str = "/v2/domainTemplates/providers/domainconnect.org/services/";

fn route_of(r: &Request, zone: &str) -> Route {
    let host = r.host.split(':').next().unwrap_or("");
    match (r.method.as_str(), host, r.path.as_str()) {
        ("GET", DISCOVERY_HOST, p) if p == format!("/v2/{zone}/settings") => Route::Settings,
        ("GET", API_HOST, p) if p.starts_with(TEMPLATE_PREFIX) && !p.ends_with("/apply") => {
            Route::Template
        }
        ("GET", UX_HOST, "/v2/domainTemplates/providers/domainconnect.org") => Route::Consent,
        ("POST", API_HOST, "/v2/oauth/access_token") => {
            match r.query.get("grant_type").map(String::as_str) {
                Some("authorization_code") => Route::TokenCode,
                Some("refresh_token") => Route::TokenRefresh,
                _ => Route::Unexpected,
            }
        }
        ("POST", API_HOST, p) if p.starts_with(TEMPLATE_PREFIX) && p.ends_with("/apply") => {
            Route::Apply
        }
        ("GET", ECHO_HOST | IPIFY_V4 | IPIFY_V6, "/") => Route::Echo,
        ("GET" | "POST", MONITOR_HOST, _) => Route::Ping,
        _ => Route::Unexpected,
    }
}

fn respond(r: &Request, provider: &Mutex<Provider>, zones: &Mutex<Zones>) -> Reply {
    let mut p = provider.lock().expect("provider");
    let route = route_of(r, &p.zone);
    p.log.push(Logged {
        route,
        target: format!("{} {}", r.method, r.raw_target),
        auth: r.auth.clone(),
        at: SystemTime::now(),
    });
    if route == Route::Ping {
        p.pings.push((
            r.method.clone(),
            r.raw_target.clone(),
            String::from_utf8_lossy(&r.body).into_owned(),
        ));
    }
    if route == Route::Unexpected {
        p.unexpected
            .push(format!("{} {} (host {})", r.method, r.raw_target, r.host));
        return json(400, r#"{"error":"unexpected request"}"#.into());
    }
    if let Some(canned) = p.canned.get_mut(&route).and_then(VecDeque::pop_front) {
        let location = (canned.mode == Mode::RedirectLoop)
            .then(|| format!("https://{}{}", r.host, r.raw_target));
        let status = if location.is_some() {
            302
        } else {
            canned.status
        };
        return Reply {
            status,
            body: canned.body,
            location,
            delay: canned.delay,
            mode: canned.mode,
            retry_after: canned.retry_after,
        };
    }
    let fail = |p: &mut Provider, why: &str| {
        p.unexpected
            .push(format!("{route:?}: {why}: {} {}", r.method, r.raw_target));
        json(
            400,
            format!(r#"{{"error":"invalid_request","error_description":"{why}"}}"#),
        )
    };
    let port = p.port;
    match route {
        Route::Settings => {
            let ux = if p.async_ux {
                format!(r#","urlAsyncUX":"https://{UX_HOST}:{port}""#)
            } else {
                String::new()
            };
            json(
                200,
                format!(
                    r#"{{"providerId":"fakedns","providerName":"FakeDNS","providerDisplayName":"Fake DNS","urlSyncUX":"https://{UX_HOST}:{port}","urlAPI":"https://{API_HOST}:{port}"{ux},"width":750,"height":750,"urlControlPanel":"https://{UX_HOST}:{port}/%domain%","nameServers":["ns.{}"]}}"#,
                    p.zone
                ),
            )
        }
        Route::Template => {
            let id = r.path.trim_start_matches(TEMPLATE_PREFIX).to_string();
            if p.templates.contains(&id) {
                json(200, "{}".into())
            } else {
                json(404, "{}".into())
            }
        }
        Route::Consent => {
            let q = &r.query;
            let ok = q.get("client_id").map(String::as_str) == Some("domainconnect.org")
                && q.get("domain") == Some(&p.zone)
                && q.get("redirect_uri").map(String::as_str) == Some(REDIRECT)
                && q.get("scope").is_some_and(|s| p.templates.contains(s))
                && q.contains_key("host");
            if !ok {
                return fail(&mut p, "bad consent parameters");
            }
            let code = p.new_token("code");
            p.codes.insert(code.clone());
            let mut location = format!("{REDIRECT}?code={code}");
            if let Some(state) = q.get("state") {
                location = format!("{location}&state={state}");
            }
            Reply {
                status: 302,
                body: Vec::new(),
                location: Some(location),
                delay: Duration::ZERO,
                mode: Mode::Normal,
                retry_after: None,
            }
        }
        Route::TokenCode | Route::TokenRefresh => {
            let creds: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            if creds["client_id"] != "domainconnect.org"
                || creds["client_secret"] != "inconceivable"
            {
                return fail(&mut p, "bad client credentials in body");
            }
            if r.query.get("redirect_uri").map(String::as_str) != Some(REDIRECT) {
                return fail(&mut p, "bad redirect_uri");
            }
            if route == Route::TokenCode {
                let code = r.query.get("code").cloned().unwrap_or_default();
                if !p.codes.remove(&code) {
                    return json(
                        400,
                        r#"{"error":"invalid_grant","error_description":"unknown code"}"#.into(),
                    );
                }
            } else {
                if r.query.get("client_secret").map(String::as_str) != Some("inconceivable") {
                    return fail(&mut p, "no client credentials in query");
                }
                let rt = r.query.get("refresh_token").cloned().unwrap_or_default();
                if !p.refresh.contains(&rt) {
                    return json(400, r#"{"error":"invalid_grant","error_description":"refresh token unknown or expired"}"#.into());
                }
                // Rotation with a grace of one: the token this one replaced dies now that
                // its successor is in use (a client killed before saving a new token can
                // still use the old one).
                if let Some(previous) = p.predecessor.remove(&rt) {
                    p.refresh.remove(&previous);
                }
            }
            let access = p.new_token("at");
            let ttl = p.access_ttl;
            p.access.insert(access.clone(), now() + ttl);
            let refresh = if route == Route::TokenCode || p.rotate {
                let rt = p.new_token("rt");
                p.refresh.insert(rt.clone());
                if let Some(used) = r.query.get("refresh_token") {
                    if p.strict {
                        p.refresh.remove(used);
                    } else {
                        p.predecessor.insert(rt.clone(), used.clone());
                    }
                    p.rotated_at.push(SystemTime::now());
                }
                format!(r#","refresh_token":"{rt}""#)
            } else {
                String::new()
            };
            let mut reply = json(
                200,
                format!(
                    r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{ttl}{refresh}}}"#
                ),
            );
            reply.delay = p.token_delay;
            reply
        }
        Route::Apply => {
            let token = r
                .auth
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "))
                .unwrap_or("");
            match p.access.get(token) {
                Some(exp) if *exp > now() => {}
                _ => return json(401, r#"{"error":"invalid_token"}"#.into()),
            }
            let template = r
                .path
                .trim_start_matches(TEMPLATE_PREFIX)
                .trim_end_matches("/apply")
                .to_string();
            if !p.templates.contains(&template) || r.query.get("domain") != Some(&p.zone) {
                return fail(&mut p, "bad template or domain");
            }
            let host = r.query.get("host").cloned().unwrap_or_default();
            let fqdn = if host.is_empty() {
                p.zone.clone()
            } else {
                format!("{host}.{}", p.zone)
            };
            let mut ips: Vec<IpAddr> = Vec::new();
            let groups: Vec<String> = r
                .query
                .get("groupId")
                .map(|g| g.split(',').map(String::from).collect())
                .unwrap_or_default();
            for (key, group) in [("IPv4", "IPv4"), ("IPv6", "IPv6"), ("IP", "")] {
                if let Some(v) = r.query.get(key) {
                    match v.parse::<IpAddr>() {
                        Ok(ip) if group.is_empty() || groups.iter().any(|g| g == group) => {
                            ips.push(ip);
                        }
                        _ => return fail(&mut p, "bad address or group"),
                    }
                }
            }
            p.applies.push(r.query.clone());
            let mut zones = zones.lock().expect("zones");
            match &p.publish {
                Publish::AtOnce => {
                    zones.addresses.insert(fqdn, ips);
                }
                Publish::After(delay) => {
                    let at = std::time::Instant::now() + *delay;
                    zones.publish_later.push((at, fqdn, ips));
                }
                Publish::Never => {}
                Publish::Overwritten(theirs) => {
                    zones.addresses.insert(fqdn, theirs.clone());
                }
            }
            json(p.apply_ok.0, p.apply_ok.1.clone())
        }
        Route::Echo => {
            let ip = match r.peer.ip() {
                IpAddr::V4(_) => p.public_v4.to_string(),
                IpAddr::V6(_) => p.public_v6.to_string(),
            };
            // ipify's JSON form, which the Python peer asks for.
            if r.query.get("format").map(String::as_str) == Some("json") {
                json(200, format!(r#"{{"ip":"{ip}"}}"#))
            } else {
                json(200, format!("{ip}\n"))
            }
        }
        Route::Ping => json(200, "OK".into()),
        Route::Unexpected => fail(&mut p, "no route"),
    }
}
