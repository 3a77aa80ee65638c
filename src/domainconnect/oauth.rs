//! OAuth for Domain Connect, as pure functions (section 3 of `shared/domain-connect.md`): the
//! code the user pastes back and the token reply (the requests are `token.rs`). They carry
//! secrets: no code or token handled here is ever shown.

use crate::error::{Error, Result};
use crate::url;
use serde::Deserialize;

/// Read the authorization code from what the user pasted: the bare code, or the whole redirect
/// URL (then `code`, `state`, `error` and `error_description` are read from it). When
/// `expected_state` is given (a consent is waiting), a pasted address or query must carry that
/// state: one without it cannot be told from another attempt's (issue 22). A bare code has no
/// state to carry; PKCE ties it to the consent instead.
pub fn parse_code_reply(input: &str, expected_state: Option<&str>) -> Result<String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Error::usage(
            "no code was given: paste the code the consent page showed, or the whole address \
             of that page",
        ));
    }
    let looks_like_reply = input.contains("://") || input.contains('?') || input.contains('=');
    if !looks_like_reply {
        if input.len() > 2048 || !input.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::usage(
                "that does not look like a code: paste the code the consent page showed, or the \
                 whole address of that page",
            ));
        }
        return Ok(input.to_string());
    }
    let pairs = url::query_pairs(input);
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let Some(error) = get("error") {
        let description = get("error_description").unwrap_or("no description given");
        return Err(Error::refused(format!(
            "the provider did not grant access ({}: {}): run setup again and approve the request",
            crate::error::printable(error, 80),
            crate::error::printable(description, 80)
        )));
    }
    match (expected_state, get("state")) {
        (Some(expected), Some(got)) if expected != got => {
            return Err(Error::usage(
                "the pasted address belongs to a different setup attempt (its state does not \
                 match): open the consent URL printed above and paste the address it leads to",
            ));
        }
        (Some(_), None) if get("error").is_none() => {
            return Err(Error::usage(
                "the pasted address has no state, so it cannot be matched to this setup \
                 attempt: paste the whole address the consent page ended on, or just the code \
                 it shows",
            ));
        }
        _ => {}
    }
    match get("code") {
        Some(code) if !code.is_empty() && code.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(code.to_string())
        }
        _ => Err(Error::usage(
            "the pasted address has no code in it: paste the address of the page the consent \
             flow ended on, or just the code it shows",
        )),
    }
}

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::transient(format!("could not get random bytes ({e})")))?;
    Ok(bytes)
}

/// A random OAuth `state` value, 128 bits in hex.
pub fn random_state() -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes: [u8; 16] = random_bytes()?;
    Ok(bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect())
}

/// A token reply (section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The bearer token for applies.
    pub access_token: String,
    /// Seconds until the access token expires, when the provider said.
    pub expires_in: Option<u64>,
    /// A new refresh token, when the provider rotated it.
    pub refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct TokensJson {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
}

/// A token lifetime in whole seconds: an integer, a float (`3600.0`, as Python, Java and .NET
/// backends send it) or either as a string; anything negative, not finite or absurd is unknown.
fn lifetime(value: &serde_json::Value) -> Option<u64> {
    let seconds = match value {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(whole) => return Some(whole).filter(|s| *s <= MAX_LIFETIME),
            None => n.as_f64()?,
        },
        // Digits, and an optional fraction, which is dropped (no float parser for this).
        serde_json::Value::String(s) => {
            let s = s.trim();
            let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
            let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || !digits(fraction) || whole.len() > 12 {
                return None;
            }
            return whole.parse().ok().filter(|s| *s <= MAX_LIFETIME);
        }
        _ => return None,
    };
    #[expect(
        clippy::cast_precision_loss,
        reason = "a bound to compare a float with, exact in f64"
    )]
    let max = MAX_LIFETIME as f64;
    (seconds.is_finite() && (0.0..=max).contains(&seconds)).then(|| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked above: finite, non-negative and below 2^53"
        )]
        let whole = seconds.floor() as u64;
        whole
    })
}

/// Ten years: longer than any access token lives.
const MAX_LIFETIME: u64 = 315_360_000;

/// Parse a 2xx token reply. `token_type` must be bearer (any case) when present.
pub fn parse_tokens(body: &[u8]) -> Result<Tokens> {
    let bad = || {
        Error::transient(
            "the provider's token reply is not the JSON the protocol defines: try again later",
        )
    };
    let json: TokensJson = serde_json::from_slice(body).map_err(|_| bad())?;
    if let Some(kind) = &json.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(Error::refused(format!(
            "the provider issued a '{}' token, but Domain Connect uses bearer tokens",
            crate::error::printable(kind, 80)
        )));
    }
    let token_ok =
        |t: &String| !t.is_empty() && t.len() <= 8192 && t.bytes().all(|b| b.is_ascii_graphic());
    let access_token = json.access_token.filter(token_ok).ok_or_else(bad)?;
    let refresh_token = json.refresh_token.filter(|t| !t.is_empty());
    if refresh_token.as_ref().is_some_and(|t| !token_ok(t)) {
        return Err(bad());
    }
    let expires_in = json.expires_in.as_ref().and_then(lifetime);
    Ok(Tokens {
        access_token,
        expires_in,
        refresh_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_reply_accepts_bare_code_or_redirect_url() {
        assert_eq!(
            parse_code_reply("  abc123 \n", Some("s")).unwrap(),
            "abc123"
        );
        let url = "https://dynamicdns.domainconnect.org/ddnscode?code=a%2Bb&state=s1";
        assert_eq!(parse_code_reply(url, Some("s1")).unwrap(), "a+b");
        assert_eq!(parse_code_reply(url, None).unwrap(), "a+b");
        assert_eq!(parse_code_reply("code=x", None).unwrap(), "x");
        assert_eq!(
            parse_code_reply("code=x&state=s1", Some("s1")).unwrap(),
            "x"
        );
    }

    #[test]
    fn a_waiting_consent_wants_its_state_back() {
        // Regression (issue 22): an address without a state was taken for any consent.
        for stateless in [
            "code=x",
            "https://dynamicdns.domainconnect.org/ddnscode?code=x",
        ] {
            let err = parse_code_reply(stateless, Some("s1")).unwrap_err();
            assert!(err.message.contains("has no state"), "{err}");
            assert_eq!(err.class, crate::error::Class::Usage);
        }
        let denied = "https://x/ddnscode?error=access_denied";
        assert_eq!(
            parse_code_reply(denied, Some("s1")).unwrap_err().class,
            crate::error::Class::Refused
        );
        assert_eq!(
            parse_code_reply("bare-code", Some("s1")).unwrap(),
            "bare-code"
        );
        assert!(parse_code_reply("a\0b", Some("s1")).is_err());
    }

    #[test]
    fn code_reply_errors_are_clear() {
        let denied =
            "https://x/ddnscode?error=access_denied&error_description=User+said+no&state=s";
        let err = parse_code_reply(denied, Some("s")).unwrap_err();
        assert!(err.message.contains("access_denied: User said no"), "{err}");
        let err = parse_code_reply("https://x/ddnscode?code=c&state=other", Some("s")).unwrap_err();
        assert!(err.message.contains("state"));
        assert!(parse_code_reply("https://x/ddnscode?state=s", Some("s")).is_err());
        assert!(parse_code_reply("", None).is_err());
        assert!(parse_code_reply("two words", None).is_err());
    }

    #[test]
    fn tokens_parse_tolerates_provider_variants() {
        let t = parse_tokens(
            br#"{"access_token":"A","token_type":"Bearer","expires_in":3600,"refresh_token":"R"}"#,
        )
        .unwrap();
        assert_eq!(
            t,
            Tokens {
                access_token: "A".into(),
                expires_in: Some(3600),
                refresh_token: Some("R".into())
            }
        );
        let t = parse_tokens(br#"{"access_token":"A","token_type":"bearer","expires_in":"60"}"#)
            .unwrap();
        assert_eq!((t.expires_in, t.refresh_token), (Some(60), None));
        assert!(parse_tokens(br#"{"access_token":"A","token_type":"mac"}"#).is_err());
        // Regression: a float lifetime (Python, Java and .NET backends) was "unknown", so every
        // update refreshed (and rotated) the token needlessly.
        for (sent, read) in [
            ("3600.0", Some(3600)),
            ("3599.9", Some(3599)),
            ("\"3600.0\"", Some(3600)),
            ("1e3", Some(1000)),
            ("0", Some(0)),
            ("-1", None),
            ("-0.5", None),
            ("1e300", None),
            ("null", None),
            ("true", None),
        ] {
            let body = format!(r#"{{"access_token":"A","expires_in":{sent}}}"#);
            assert_eq!(
                parse_tokens(body.as_bytes()).unwrap().expires_in,
                read,
                "{sent}"
            );
        }
        assert!(parse_tokens(br#"{"token_type":"bearer"}"#).is_err());
        assert!(parse_tokens(br#"{"access_token":"a b"}"#).is_err());
        assert!(parse_tokens(b"not json").is_err());
    }
}
