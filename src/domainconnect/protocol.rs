//! Domain Connect for dynamic DNS, as pure functions: discovery, consent and apply (tokens are
//! `oauth.rs`). Reference: `shared/domain-connect.md` (sections 1 to 4 are cited below).

use crate::address::{Addresses, Family};
use crate::error::{Error, Result};
use crate::url;
use serde::{Deserialize, Serialize};

/// The OAuth client id, also the template's provider id.
pub const CLIENT_ID: &str = "domainconnect.org";
/// The OAuth client secret: public on purpose, published by the template owner.
pub const CLIENT_SECRET: &str = "inconceivable";
/// The redirect URI registered with providers; its page shows the user the code.
pub const REDIRECT_URI: &str = "https://dynamicdns.domainconnect.org/ddnscode";
/// The JSON body of both token requests (section 3).
pub const TOKEN_BODY: &str = r#"{"client_id":"domainconnect.org","client_secret":"inconceivable"}"#;

/// The published dynamic DNS templates, preferred first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Template {
    /// `dynamicdns-v2`: groups `IPv4` (A) and `IPv6` (AAAA), ttl 60.
    #[serde(rename = "dynamicdns-v2")]
    V2,
    /// `dynamicdns`: the legacy template, one A record from `%IP%`, ttl 600.
    #[serde(rename = "dynamicdns")]
    V1,
}

impl Template {
    /// Preferred first (section 1, step 3).
    pub const PREFERENCE: [Template; 2] = [Template::V2, Template::V1];

    /// The service id.
    pub fn id(self) -> &'static str {
        match self {
            Template::V2 => "dynamicdns-v2",
            Template::V1 => "dynamicdns",
        }
    }

    /// Whether the template can carry this family (the legacy one has no AAAA record).
    pub fn carries(self, family: Family) -> bool {
        self == Template::V2 || family == Family::Ipv4
    }
}

/// `https://` URLs only: a provider URL that is not https is refused (tokens travel there).
fn require_https(what: &str, value: &str) -> Result<String> {
    let trimmed = value.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").ok_or_else(|| {
        Error::refused(format!(
            "the provider's {what} is not an https:// URL ('{}'): ddns only sends tokens over \
             verified TLS",
            crate::error::printable(value, 80)
        ))
    })?;
    let authority = rest.split('/').next().unwrap_or("");
    let bad = |c: char| c.is_whitespace() || c.is_control() || "?#@\\\"<>".contains(c);
    if authority.is_empty() || trimmed.contains(bad) {
        return Err(Error::refused(format!(
            "the provider's {what} is not a usable URL ('{}')",
            crate::error::printable(value, 80)
        )));
    }
    Ok(trimmed.to_string())
}

/// Read the `_domainconnect` TXT strings: the first non-empty one, a host with an optional port
/// and path (section 1, step 1). Returns the settings URL for `zone`.
pub fn settings_url(txt: &[String], zone: &str) -> Result<String> {
    let value = txt
        .iter()
        .map(|s| s.trim().trim_matches('"').trim())
        .find(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::refused(format!(
                "the _domainconnect.{zone} TXT record is empty: the DNS provider of {zone} does \
                 not support Domain Connect"
            ))
        })?;
    // The record names a host (and optional port and path), never a scheme: refuse
    // `http://...` rather than read it as a host called "http".
    if value.contains("://") {
        return Err(Error::refused(format!(
            "the _domainconnect.{zone} TXT record ('{}') is not a host name: the DNS \
             provider's Domain Connect record is broken",
            crate::error::printable(value, 80)
        )));
    }
    let base = require_https("_domainconnect record", &format!("https://{value}"))?;
    Ok(format!("{base}/v2/{zone}/settings"))
}

/// The provider's settings `ddns` uses (section 1, step 2), as discovered at setup and kept
/// in the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// `providerId`.
    pub id: String,
    /// `providerDisplayName`, else `providerName`: a name to show.
    pub name: String,
    /// `urlAPI`, https, without a trailing slash: tokens and applies go here.
    pub url_api: String,
    /// `urlAsyncUX`, https, without a trailing slash: the consent page.
    pub url_async_ux: String,
    /// Where this provider takes a token request's parameters, once a token request worked
    /// (`token.rs`); unknown until then, and for grants stored before this existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_form: Option<super::token::TokenForm>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsJson {
    provider_id: Option<String>,
    provider_name: Option<String>,
    provider_display_name: Option<String>,
    #[serde(rename = "urlAPI")]
    url_api: Option<String>,
    #[serde(rename = "urlAsyncUX")]
    url_async_ux: Option<String>,
}

/// Parse the settings JSON for `zone`.
pub fn parse_settings(body: &[u8], zone: &str) -> Result<Provider> {
    let json: SettingsJson = serde_json::from_slice(body).map_err(|_| {
        Error::refused(format!(
            "the Domain Connect settings for {zone} are not the JSON object the protocol \
             defines: the provider's service may be broken, try again later"
        ))
    })?;
    let provider_name = json
        .provider_display_name
        .or(json.provider_name)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "the DNS provider".to_string());
    let provider_name = crate::error::printable(&provider_name, 80);
    let url_api = json.url_api.ok_or_else(|| {
        Error::refused(format!(
            "the Domain Connect settings for {zone} have no urlAPI"
        ))
    })?;
    let url_async_ux = json.url_async_ux.ok_or_else(|| {
        Error::refused(format!(
            "{provider_name} offers no OAuth (asynchronous) Domain Connect flow for {zone}, so \
             dynamic DNS cannot work there"
        ))
    })?;
    Ok(Provider {
        id: json.provider_id.unwrap_or_default(),
        url_api: require_https("urlAPI", &url_api)?,
        url_async_ux: require_https("urlAsyncUX", &url_async_ux)?,
        name: provider_name,
        token_form: None,
    })
}

/// The template support check URL (section 1, step 3): 200 means supported.
pub fn template_url(url_api: &str, template: Template) -> String {
    format!(
        "{url_api}/v2/domainTemplates/providers/{CLIENT_ID}/services/{}",
        template.id()
    )
}

/// The consent URL the user opens in a browser (section 2), with the PKCE challenge (RFC 7636,
/// 4.3: S256) when there is one. OAuth servers ignore parameters they do not know (RFC 6749,
/// 3.1), so a provider without PKCE is not disturbed by it.
pub fn consent_url(
    url_async_ux: &str,
    template: Template,
    zone: &str,
    host: &str,
    state: &str,
    challenge: Option<&str>,
) -> String {
    let mut pairs = vec![
        ("client_id", CLIENT_ID),
        ("domain", zone),
        ("host", host),
        ("redirect_uri", REDIRECT_URI),
        ("scope", template.id()),
        ("state", state),
    ];
    if let Some(challenge) = challenge {
        pairs.extend([
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]);
    }
    match template {
        Template::V2 => pairs.extend([("IPv4", "0.0.0.0"), ("IPv6", "::")]),
        Template::V1 => pairs.push(("IP", "0.0.0.0")),
    }
    pairs.sort_unstable();
    format!(
        "{url_async_ux}/v2/domainTemplates/providers/{CLIENT_ID}?{}",
        url::query(&pairs)
    )
}

/// The apply URL (section 4): all families in one call, `groupId` naming those sent;
/// `force=1` (conflicting records are overwritten) only when asked.
pub fn apply_url(
    url_api: &str,
    template: Template,
    zone: &str,
    host: &str,
    addresses: &Addresses,
    force: bool,
) -> String {
    let v4 = addresses.ipv4.map(|a| a.to_string());
    let v6 = addresses.ipv6.map(|a| a.to_string());
    let mut pairs: Vec<(&str, &str)> = vec![("domain", zone), ("host", host)];
    let groups;
    match template {
        Template::V2 => {
            let mut names = Vec::new();
            if let Some(v4) = &v4 {
                pairs.push(("IPv4", v4));
                names.push("IPv4");
            }
            if let Some(v6) = &v6 {
                pairs.push(("IPv6", v6));
                names.push("IPv6");
            }
            groups = names.join(",");
            pairs.push(("groupId", &groups));
        }
        Template::V1 => {
            if let Some(v4) = &v4 {
                pairs.push(("IP", v4));
            }
        }
    }
    if force {
        pairs.push(("force", "1"));
    }
    format!(
        "{url_api}/v2/domainTemplates/providers/{CLIENT_ID}/services/{}/apply?{}",
        template.id(),
        url::query(&pairs)
    )
}

/// How an apply request ended (errors aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Any 2xx: accepted.
    Ok,
    /// 401: the access token was not accepted.
    Unauthorized,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_url_takes_first_string_and_keeps_port_and_path() {
        let txt = vec!["\"api.provider.test:8443/dc\"".to_string()];
        assert_eq!(
            settings_url(&txt, "example.com").unwrap(),
            "https://api.provider.test:8443/dc/v2/example.com/settings"
        );
        assert!(settings_url(&[String::new()], "example.com").is_err());
        assert!(settings_url(&["evil.test?x=1".into()], "example.com").is_err());
        assert!(settings_url(&["user@evil.test".into()], "example.com").is_err());
        let err = settings_url(&["http://dc.p.test".into()], "example.com").unwrap_err();
        assert!(err.message.contains("is not a host name"), "{err}");
    }

    #[test]
    fn settings_parse_requires_https_and_async_flow() {
        let good = br#"{"providerId":"p","providerName":"P","providerDisplayName":"Pretty P",
            "urlAPI":"https://api.p.test/","urlAsyncUX":"https://ux.p.test","width":750}"#;
        let s = parse_settings(good, "example.com").unwrap();
        assert_eq!(s.url_api, "https://api.p.test");
        assert_eq!(s.name, "Pretty P");
        let sync_only = br#"{"providerId":"cf","providerName":"CF","urlAPI":"https://a.test"}"#;
        let err = parse_settings(sync_only, "example.com").unwrap_err();
        assert!(err.message.contains("no OAuth"), "{err}");
        let http = br#"{"providerName":"P","urlAPI":"http://a.test","urlAsyncUX":"https://b"}"#;
        assert!(
            parse_settings(http, "example.com")
                .unwrap_err()
                .message
                .contains("https")
        );
        assert!(parse_settings(b"<html>", "example.com").is_err());
        assert!(parse_settings(b"[1,2]", "example.com").is_err());
    }

    #[test]
    fn consent_url_is_sorted_and_encoded() {
        let url = consent_url(
            "https://ux.p.test",
            Template::V2,
            "example.com",
            "home",
            "s1",
            None,
        );
        assert_eq!(
            url,
            "https://ux.p.test/v2/domainTemplates/providers/domainconnect.org?IPv4=0.0.0.0&\
             IPv6=%3A%3A&client_id=domainconnect.org&domain=example.com&host=home&\
             redirect_uri=https%3A%2F%2Fdynamicdns.domainconnect.org%2Fddnscode&\
             scope=dynamicdns-v2&state=s1"
        );
        let v1 = consent_url(
            "https://ux.p.test",
            Template::V1,
            "example.com",
            "",
            "s",
            None,
        );
        assert!(v1.contains("?IP=0.0.0.0&client_id") && v1.contains("scope=dynamicdns&"));
        let pkce = consent_url("https://u", Template::V2, "e.com", "h", "s", Some("C-_9"));
        assert!(pkce.contains("&client_id=domainconnect.org&code_challenge=C-_9&code_challenge_method=S256&domain="), "{pkce}");
    }

    #[test]
    fn apply_url_sends_every_family_in_one_call() {
        let both = Addresses {
            ipv4: Some("81.2.69.142".parse().unwrap()),
            ipv6: Some("2a00::1".parse().unwrap()),
        };
        assert_eq!(
            apply_url(
                "https://api.p.test",
                Template::V2,
                "example.com",
                "home",
                &both,
                false
            ),
            "https://api.p.test/v2/domainTemplates/providers/domainconnect.org/services/\
             dynamicdns-v2/apply?domain=example.com&host=home&IPv4=81.2.69.142&IPv6=2a00%3A%3A1&\
             groupId=IPv4%2CIPv6"
        );
        let v4 = Addresses { ipv6: None, ..both };
        assert!(
            apply_url("https://a", Template::V2, "e.com", "", &v4, false)
                .ends_with("host=&IPv4=81.2.69.142&groupId=IPv4")
        );
        assert!(
            apply_url("https://a", Template::V1, "e.com", "h", &both, false)
                .ends_with("services/dynamicdns/apply?domain=e.com&host=h&IP=81.2.69.142")
        );
        assert!(
            apply_url("https://a", Template::V2, "e.com", "h", &v4, true)
                .ends_with("&groupId=IPv4&force=1")
        );
    }
}
