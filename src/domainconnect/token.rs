//! The token requests, as pure functions (section 3 of `shared/domain-connect.md`; draft -02,
//! section 8.4.4): where their parameters go (the JSON body, or the query for a provider that
//! reads only that), PKCE (RFC 7636, S256) and the pinned token endpoints of known providers
//! (draft -02, section 11.1). Requests built here carry secrets: neither their URL nor their
//! body is ever shown.

use super::protocol::{CLIENT_ID, CLIENT_SECRET, Provider, REDIRECT_URI, TOKEN_BODY};
use crate::error::{Error, Result};
use crate::url;
use serde::{Deserialize, Serialize};

/// Where a provider takes a token request's parameters. Draft -02, 8.4.4: they "SHALL be
/// accepted via the query string or the body of the post", and "the body of the post is
/// application/json encoded"; secrets in a query string are "frowned upon given that various
/// systems often log URLs". The body is tried first; the query only for a provider that refused
/// the body ([`refuses_body`]), and the form that worked is remembered per provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenForm {
    /// Every parameter in the JSON body; nothing in the URL.
    Body,
    /// The parameters in the query, the client credentials in the JSON body (and, for a
    /// refresh, in the query too: GoDaddy needed them there).
    Query,
}

/// One token request: where to POST and the JSON body. Both may carry secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The token endpoint, with a query in [`TokenForm::Query`].
    pub url: String,
    /// The JSON body.
    pub body: String,
}

fn endpoint(url_api: &str) -> String {
    format!("{url_api}/v2/oauth/access_token")
}

/// A request with `params` (and the client credentials) in `form`.
fn request(url_api: &str, params: &[(&str, &str)], form: TokenForm) -> TokenRequest {
    match form {
        TokenForm::Body => {
            let mut body = serde_json::Map::new();
            for (k, v) in params
                .iter()
                .chain(&[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
            {
                body.insert((*k).to_string(), serde_json::Value::from(*v));
            }
            TokenRequest {
                url: endpoint(url_api),
                body: serde_json::Value::Object(body).to_string(),
            }
        }
        TokenForm::Query => TokenRequest {
            url: format!("{}?{}", endpoint(url_api), url::query(params)),
            body: TOKEN_BODY.to_string(),
        },
    }
}

/// The request that exchanges an authorization code for tokens, with the PKCE verifier when
/// the consent carried its challenge.
pub fn code_request(
    url_api: &str,
    code: &str,
    verifier: Option<&str>,
    form: TokenForm,
) -> TokenRequest {
    let mut params = vec![
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT_URI),
    ];
    params.extend(verifier.map(|v| ("code_verifier", v)));
    request(url_api, &params, form)
}

/// The request that refreshes the access token.
pub fn refresh_request(url_api: &str, refresh_token: &str, form: TokenForm) -> TokenRequest {
    let mut params = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("redirect_uri", REDIRECT_URI),
    ];
    if form == TokenForm::Query {
        params.extend([("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]);
    }
    request(url_api, &params, form)
}

/// Whether a provider whose form is not known yet refused a request with its parameters in the
/// body, so that the query is tried: a 400 or 401, unless it says `invalid_grant` (RFC 6749,
/// 5.2: the code or refresh token itself was refused, so the query would fare no better). A
/// provider that reads only the query sees no `grant_type` and answers `invalid_request` or
/// `unsupported_grant_type` (5.2), or, as GoDaddy does for a bad refresh token, plain text.
pub fn refuses_body(status: u16, body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct OAuthError {
        error: Option<String>,
    }
    let error = serde_json::from_slice::<OAuthError>(body)
        .ok()
        .and_then(|e| e.error);
    matches!(status, 400 | 401) && error.as_deref() != Some("invalid_grant")
}

/// The token endpoints (`urlAPI`) of the providers known to run the dynamic DNS templates, by
/// their `providerId` (compared without case): draft -02, 11.1 asks a client to keep "the
/// urlAPI endpoint for OAuth token requests as a stored, pre-registered value per DNS Provider,
/// rather than using the value returned during DNS Provider discovery", since a spoofed
/// `_domainconnect` record would otherwise receive the client secret and the code.
///
/// Where the values were found (no provider publishes them on a page of its own):
/// - IONOS: `https://api.domainconnect.ionos.com` in the test settings of the Domain Connect
///   PHP library (github.com/gaalferov/ext-domain-connect, tests/Services/BaseServiceTest.php,
///   providerName IONOS, urlAsyncUX https://domainconnect.ionos.com/async); its settings
///   endpoint answers at the same host (Domain-Connect/DomainConnectDDNS-Python issue #66). The
///   1&1 name it had before, `https://api.domainconnect.1and1.com`, is in the reference Python
///   library's tests (github.com/Domain-Connect/domainconnect_python,
///   tests/test_domainConnect.py, providerName 1and1).
/// - GoDaddy: `https://domainconnect.api.godaddy.com` in both of those test files (providerName
///   GoDaddy). GoDaddy's white-label "Secure Server" settings name another provider and are not
///   pinned.
///
/// The `providerId` values themselves are not published in either; the ones a provider has
/// used in its name (`IONOS`, `1and1`, `GoDaddy`, with and without their domain) are matched.
const PINNED: [(&[&str], &[&str]); 2] = [
    (
        &["ionos", "ionos.com", "1and1", "1and1.com", "1&1 ionos"],
        &[
            "https://api.domainconnect.ionos.com",
            "https://api.domainconnect.1and1.com",
        ],
    ),
    (
        &["godaddy", "godaddy.com"],
        &["https://domainconnect.api.godaddy.com"],
    ),
];

/// Refuse settings that name a provider of [`PINNED`] but send its tokens anywhere else.
pub fn check_pinned(provider: &Provider, zone: &str) -> Result<()> {
    let id = provider.id.trim().to_ascii_lowercase();
    let Some((_, endpoints)) = PINNED.iter().find(|(ids, _)| ids.contains(&id.as_str())) else {
        return Ok(());
    };
    if endpoints
        .iter()
        .any(|e| e.eq_ignore_ascii_case(&provider.url_api))
    {
        return Ok(());
    }
    Err(Error::refused(format!(
        "the Domain Connect settings for {zone} name the provider '{}' but give {} as its \
         urlAPI, not {}, so no token is sent there: check the _domainconnect record of {zone}",
        crate::error::printable(&provider.id, 40),
        crate::error::printable(&url::shown(&provider.url_api), 80),
        endpoints.join(" or ")
    )))
}

/// A PKCE code verifier (RFC 7636, 4.1): 32 random bytes in base64url, 43 characters.
pub fn pkce_verifier() -> Result<String> {
    let bytes: [u8; 32] = super::oauth::random_bytes()?;
    Ok(base64url(&bytes))
}

/// The S256 code challenge of `verifier` (RFC 7636, 4.2): base64url of its SHA-256.
pub fn pkce_challenge(verifier: &str) -> String {
    base64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

/// Base64url without padding (RFC 4648, 5), as RFC 7636 uses it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let bytes = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(
            base64url(&bytes),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        let v = pkce_verifier().unwrap();
        assert_eq!(v.len(), 43);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(v, pkce_verifier().unwrap());
    }

    #[test]
    fn the_body_form_puts_nothing_in_the_url() {
        let r = code_request("https://api.p.test", "c&d", Some("V"), TokenForm::Body);
        assert_eq!(r.url, "https://api.p.test/v2/oauth/access_token");
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"code": "c&d", "grant_type": "authorization_code",
                "redirect_uri": REDIRECT_URI, "code_verifier": "V",
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        );
        let r = refresh_request("https://api.p.test", "RT", TokenForm::Body);
        assert!(!r.url.contains('?'));
        assert!(r.body.contains(r#""refresh_token":"RT""#));
        assert!(
            !r.body
                .contains("client_id\":\"domainconnect.org\",\"client_id")
        );
    }

    #[test]
    fn the_query_form_is_the_old_request() {
        let r = code_request("https://api.p.test", "c&d=1", None, TokenForm::Query);
        assert!(r.url.ends_with(
            "access_token?code=c%26d%3D1&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fdynamicdns.domainconnect.org%2Fddnscode"
        ));
        assert_eq!(r.body, TOKEN_BODY);
        let r = refresh_request("https://api.p.test", "RT", TokenForm::Query);
        assert!(r.url.contains("grant_type=refresh_token&refresh_token=RT&"));
        assert!(
            r.url
                .ends_with("client_id=domainconnect.org&client_secret=inconceivable")
        );
    }

    #[test]
    fn known_providers_keep_their_token_endpoint() {
        let provider = |id: &str, url_api: &str| Provider {
            id: id.into(),
            name: "P".into(),
            url_api: url_api.into(),
            url_async_ux: "https://ux".into(),
            token_form: None,
        };
        let ok = [
            ("IONOS", "https://api.domainconnect.ionos.com"),
            ("1and1", "https://api.domainconnect.1and1.com"),
            ("GoDaddy", "https://domainconnect.api.godaddy.com"),
            ("fakedns", "https://anywhere.example"),
        ];
        for (id, url_api) in ok {
            assert!(
                check_pinned(&provider(id, url_api), "e.com").is_ok(),
                "{id}"
            );
        }
        let err =
            check_pinned(&provider("ionos", "https://evil.example:8443/x"), "e.com").unwrap_err();
        assert_eq!(err.class, crate::error::Class::Refused);
        assert_eq!(
            err.message,
            "the Domain Connect settings for e.com name the provider 'ionos' but give \
             https://evil.example:8443 as its urlAPI, not https://api.domainconnect.ionos.com \
             or https://api.domainconnect.1and1.com, so no token is sent there: check the \
             _domainconnect record of e.com"
        );
        assert!(check_pinned(&provider("godaddy.com", "https://api.godaddy.com"), "e").is_err());
    }

    #[test]
    fn a_refused_body_is_told_from_a_refused_grant() {
        let json = |e: &str| format!(r#"{{"error":"{e}","error_description":"x"}}"#);
        assert!(refuses_body(400, json("invalid_request").as_bytes()));
        assert!(refuses_body(400, json("unsupported_grant_type").as_bytes()));
        assert!(refuses_body(401, json("invalid_client").as_bytes()));
        assert!(refuses_body(400, b"Invalid refresh token"));
        assert!(!refuses_body(400, json("invalid_grant").as_bytes()));
        assert!(!refuses_body(500, json("invalid_request").as_bytes()));
        assert!(!refuses_body(403, b""));
    }
}
