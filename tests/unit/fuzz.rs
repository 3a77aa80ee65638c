//! Hostile input for every parser, as a deterministic fuzz loop run with the unit tests
//! (`DDNS_FUZZ_ROUNDS` raises the count for a soak): random bytes and mutations of valid
//! samples must never panic, and values put into URLs must come back out unchanged, never
//! adding a parameter.

use crate::detect::{self, ifaddr, whoami};
use crate::domainconnect::token::{self, TokenForm};
use crate::domainconnect::{oauth, protocol, reply};
use crate::net::resolv;
use crate::{address, name, state, url};

/// xorshift64*: small, deterministic, good enough to shake parsers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    /// Random bytes, biased towards the characters parsers care about.
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        const SPICY: &[u8] = b"{}[]\":,.%&=?#/@\\ \n\r\t\x00'-_:0123456789abcdefxyzABC+\xff\xc3";
        let len = self.below(max + 1);
        (0..len)
            .map(|_| {
                if self.next().is_multiple_of(3) {
                    u8::try_from(self.next() & 0xff).unwrap_or(0)
                } else {
                    SPICY[self.below(SPICY.len())]
                }
            })
            .collect()
    }

    /// A valid sample with a few bytes flipped, inserted or deleted.
    fn mutate(&mut self, sample: &[u8]) -> Vec<u8> {
        let mut v = sample.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(v.len() + 1);
            match self.below(3) {
                0 if at < v.len() => v[at] = u8::try_from(self.next() & 0xff).unwrap_or(0),
                1 => v.insert(at, u8::try_from(self.next() & 0xff).unwrap_or(0)),
                _ if at < v.len() => {
                    v.remove(at);
                }
                _ => {}
            }
        }
        v
    }
}

fn rounds() -> usize {
    std::env::var("DDNS_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

const SETTINGS: &[u8] = br#"{"providerId":"p","providerName":"P","urlAPI":"https://api.p.test","urlAsyncUX":"https://ux.p.test"}"#;
const TOKENS: &[u8] =
    br#"{"access_token":"A","token_type":"bearer","expires_in":3600,"refresh_token":"R"}"#;
const REDIRECT: &[u8] = b"https://dynamicdns.domainconnect.org/ddnscode?code=abc&state=s1";
const ERROR: &[u8] =
    br#"{"code":"C","message":"m","records":[{"type":"A","host":"h","data":"d"}]}"#;
const SOURCES: &[u8] = b"dns:cloudflare@127.0.0.1:53,ipv4:https://e.test,interface:eth0";

#[test]
fn parsers_survive_random_and_mutated_input() {
    let mut rng = Rng(0x00dd_5eed_1234_5678);
    // A version 2 file: mutations reach the upgrade to the newest version too.
    let valid_state = include_bytes!("../fixtures/state-v2.json").to_vec();
    let path = std::path::Path::new("/s.json");
    for i in 0..rounds() {
        let pick = |rng: &mut Rng, sample: &[u8]| {
            if i % 2 == 0 {
                rng.bytes(200)
            } else {
                rng.mutate(sample)
            }
        };
        let b = pick(&mut rng, SETTINGS);
        let _ = protocol::parse_settings(&b, "example.com");
        let b = pick(&mut rng, TOKENS);
        if let Ok(t) = oauth::parse_tokens(&b) {
            assert!(t.access_token.bytes().all(|c| c.is_ascii_graphic()));
        }
        let b = pick(&mut rng, ERROR);
        let m = reply::provider_message(&b, &["access-token-1"]);
        assert!(
            m.len() <= 303 && m.bytes().all(|c| c == b' ' || c.is_ascii_graphic()),
            "{m:?}"
        );
        assert!(!m.contains("access-token-1"), "{m:?}");
        let s = String::from_utf8_lossy(&pick(&mut rng, REDIRECT)).into_owned();
        if let Ok(code) = oauth::parse_code_reply(&s, Some("s1")) {
            assert!(!code.is_empty() && code.bytes().all(|c| c.is_ascii_graphic()));
        }
        let _ = url::query_pairs(&s);
        let _ = url::decode(&s);
        let _ = protocol::settings_url(std::slice::from_ref(&s), "example.com");
        let _ = state::State::parse(&pick(&mut rng, &valid_state), path);
        let s = String::from_utf8_lossy(&pick(&mut rng, SOURCES)).into_owned();
        let _ = detect::parse_sources(&s);
        let _ = resolv::parse_resolvers(&s);
        let _ = address::parse_echo(&s);
        let _ = address::parse_suffix(&s);
        let _ = ifaddr::parse_if_inet6(&s);
        let _ = ifaddr::parse_fib_trie(&s);
        let _ = ifaddr::parse_route(&s);
        let reply = pick(
            &mut rng,
            &whoami::build_query(whoami::Service::Cloudflare, address::Family::Ipv4, 7),
        );
        let _ = whoami::parse_reply(
            whoami::Service::Cloudflare,
            address::Family::Ipv4,
            7,
            &reply,
        );
        if let Ok(n) = name::normalise(&s) {
            assert!(
                n.len() <= 253
                    && n.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
            );
        }
    }
    assert!(
        state::State::parse(&valid_state, path).is_ok(),
        "the sample itself is valid"
    );
}

#[test]
fn values_in_urls_never_add_parameters() {
    let mut rng = Rng(42);
    for _ in 0..rounds() {
        let zone = String::from_utf8_lossy(&rng.bytes(40)).into_owned();
        let host = String::from_utf8_lossy(&rng.bytes(40)).into_owned();
        let state = String::from_utf8_lossy(&rng.bytes(40)).into_owned();
        let consent = protocol::consent_url(
            "https://ux.p.test",
            protocol::Template::V2,
            &zone,
            &host,
            &state,
            Some(&state),
        );
        let pairs = url::query_pairs(&consent);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "IPv4",
                "IPv6",
                "client_id",
                "code_challenge",
                "code_challenge_method",
                "domain",
                "host",
                "redirect_uri",
                "scope",
                "state"
            ]
        );
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        // Lossy UTF-8 conversion aside, every value comes back exactly.
        assert_eq!(get("domain").as_deref(), Some(zone.as_str()));
        assert_eq!(get("host").as_deref(), Some(host.as_str()));
        assert_eq!(get("state").as_deref(), Some(state.as_str()));
        let code = String::from_utf8_lossy(&rng.bytes(40)).into_owned();
        let query = token::code_request("https://api.p.test", &code, None, TokenForm::Query);
        let pairs = url::query_pairs(&query.url);
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[0], ("code".to_string(), code.clone()));
        let body = token::code_request("https://api.p.test", &code, Some(&state), TokenForm::Body);
        assert!(!body.url.contains('?'));
        let json: serde_json::Value = serde_json::from_str(&body.body).unwrap();
        assert_eq!(json["code"].as_str(), Some(code.as_str()));
        assert_eq!(json["code_verifier"].as_str(), Some(state.as_str()));
        assert_eq!(json.as_object().unwrap().len(), 6);
    }
}
