//! The original Windows client's `settings.txt` (Domain-Connect/DomainConnectDDNS-Windows), read
//! into what `ddns import-settings` needs to set the name up with the same grant. Pure: bytes in,
//! a typed value or one sentence out; the caller reads the file and writes the state. The format
//! and every field are described in `docs/windows-import.md`.

use crate::address::Family;
use crate::domainconnect::protocol::Template;
use crate::error::{Error, Result};
use crate::state::{Entry, Grant, Provider, Setup};
use serde_json::{Map, Value};
use std::net::IpAddr;
use std::path::Path;

/// A file larger than this is not the client's: refuse it unread. The client writes about 250
/// bytes plus its two tokens (a few hundred bytes each with the providers we know); the limit
/// leaves room for tokens of several kilobytes.
pub const MAX_BYTES: usize = 64 * 1024;

/// A token longer than this is not one (it would travel in a header or a query string).
const MAX_TOKEN: usize = 4096;

/// The keys the client writes; a JSON object with none of them is some other program's file.
const KEYS: [&str; 8] = [
    "domain_name",
    "host",
    "provider_name",
    "urlAPI",
    "access_token",
    "refresh_token",
    "iat",
    "expires_in",
];

/// What a `settings.txt` holds, checked. Its `Debug` shows no token (see [`Grant`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The full name, normalised: `host.zone`, or the zone at the apex.
    pub name: String,
    /// `domain_name`, normalised: the zone the provider hosts.
    pub zone: String,
    /// `host`: the label(s) inside the zone, `""` at the apex.
    pub host: String,
    /// `provider_name`: the provider's `providerName` at setup time.
    pub provider_name: String,
    /// `urlAPI` without a trailing `/`: where tokens and applies go. The file has no provider
    /// id and no `urlAsyncUX`; the import finds them by discovery.
    pub url_api: String,
    /// Always the legacy `dynamicdns`: the client asked consent for that template only.
    pub template: Template,
    /// Always IPv4 only: the client never published anything else.
    pub families: Vec<Family>,
    /// The tokens; the access token expires at `iat + expires_in` when both are in the file.
    pub grant: Grant,
}

impl Imported {
    /// The state entry for this name, with `provider` as discovery found it (the file has no
    /// provider id and no consent address) and the zone's name servers. The provider must
    /// still send tokens where the file does: the grant belongs to that `urlAPI`.
    pub fn into_entry(self, provider: Provider, nameservers: Vec<IpAddr>) -> Result<Entry> {
        if provider.url_api != self.url_api {
            return Err(Error::refused(format!(
                "the provider's settings for {} now name {} for tokens and updates, but the \
                 Windows client's file names {}: nothing was imported, because the grant \
                 belongs there; set the name up with `ddns setup {}`",
                self.zone, provider.url_api, self.url_api, self.name
            )));
        }
        Ok(Entry::new(
            Setup {
                zone: self.zone,
                host: self.host,
                provider,
                template: self.template,
                families: self.families,
                ipv6_suffix: None,
                nameservers,
            },
            self.grant,
        ))
    }
}

/// Read a `settings.txt`'s bytes; `path` only names the file in messages.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Imported> {
    let shown = path.display();
    let not_settings = |detail: &str| {
        Error::usage(format!(
            "{shown} is not the Windows client's settings.txt ({detail}): give the settings.txt \
             from the folder of DomainConnectDDNSUpdate.exe"
        ))
    };
    if bytes.len() > MAX_BYTES {
        return Err(not_settings(&format!(
            "it has over {MAX_BYTES} bytes, and the client's file has a few hundred"
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::usage(format!(
            "{shown} is empty (the Windows client may have been stopped while writing it): run \
             `ddns setup` for the name instead"
        )));
    }
    let text = decode(bytes)
        .filter(|t| !t.contains('\0'))
        .ok_or_else(|| not_settings("it is neither UTF-8 nor UTF-16 text"))?;
    // (from_slice: the same parser the state file uses, so no second copy of it is linked.)
    let value: Value = serde_json::from_slice(text.as_bytes()).map_err(|e| {
        if e.is_eof() {
            Error::usage(format!(
                "{shown} is cut short (the Windows client may have been stopped while writing \
                 it): run `ddns setup` for the name instead"
            ))
        } else {
            not_settings(&format!("not JSON: {e}"))
        }
    })?;
    let Value::Object(map) = value else {
        return Err(not_settings("it is JSON, but not one object"));
    };
    if map.contains_key("version") && map.contains_key("names") {
        return Err(not_settings("it is a ddns state file"));
    }
    if !KEYS.iter().any(|k| map.contains_key(*k)) {
        return Err(not_settings(
            "it has none of the client's keys, such as domain_name",
        ));
    }

    let domain = text_field(&map, "domain_name", &shown)?;
    let zone = crate::name::normalise(&domain).map_err(|e| {
        Error::usage(format!(
            "the domain_name in {shown} cannot be used ({}): run `ddns setup` for the name \
             instead",
            e.message
        ))
    })?;
    // The client writes `host` always, "" at the apex; its service runs without it too.
    let host = match map.get("host") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(h)) => h.trim().to_ascii_lowercase(),
        Some(_) => return Err(unusable(&shown, "host")),
    };
    let full = if host.is_empty() {
        zone.clone()
    } else {
        format!("{host}.{zone}")
    };
    let name = crate::name::normalise(&full)
        .ok()
        .filter(|n| crate::name::host_in_zone(n, &zone).as_deref() == Some(host.as_str()))
        .ok_or_else(|| {
            Error::usage(format!(
                "the host in {shown} ('{}') does not make a valid name in {zone}: run `ddns \
                 setup` for the name instead",
                crate::error::printable(&host, 64)
            ))
        })?;

    if !map.contains_key("access_token") && !map.contains_key("refresh_token") {
        return Err(Error::usage(format!(
            "{shown} has no tokens for {name}: the Windows client's setup was not finished \
             (no code was pasted): run `ddns setup {name}` instead"
        )));
    }
    let provider_name = text_field(&map, "provider_name", &shown)?;
    let url_api = https_url(&text_field(&map, "urlAPI", &shown)?, &shown)?;
    let access_token = token(&map, "access_token", &shown, &name)?;
    let refresh_token = token(&map, "refresh_token", &shown, &name)?;
    let issued = seconds(&map, "iat", &shown)?;
    let lifetime = seconds(&map, "expires_in", &shown)?;
    let access_expires_at = match (issued, lifetime) {
        (Some(iat), Some(expires_in)) if iat > 0 => Some(iat.saturating_add(expires_in)),
        _ => None,
    };
    Ok(Imported {
        name,
        zone,
        host,
        provider_name: provider_name.trim().to_string(),
        url_api,
        template: Template::V1,
        families: vec![Family::Ipv4],
        grant: Grant {
            access_token,
            access_expires_at,
            refresh_token: Some(refresh_token),
        },
    })
}

/// The text as the client's `File.ReadAllText` reads it: UTF-8, with or without a byte-order
/// mark, or UTF-16 (little or big endian) after its byte-order mark.
fn decode(bytes: &[u8]) -> Option<String> {
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        if !rest.len().is_multiple_of(2) {
            return None;
        }
        let units = rest.chunks_exact(2).map(|c| unit([c[0], c[1]]));
        char::decode_utf16(units)
            .collect::<std::result::Result<String, _>>()
            .ok()
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8(rest.to_vec()).ok()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes)
    } else {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

/// The error for a field that is missing, empty or of the wrong type. Names the field, never
/// its value.
fn unusable(shown: &std::path::Display<'_>, key: &str) -> Error {
    Error::usage(format!(
        "{shown} has no usable {key} (missing, empty or not a string), which the Windows client \
         needs too: run `ddns setup` for the name instead"
    ))
}

/// A non-empty string field.
fn text_field(
    map: &Map<String, Value>,
    key: &str,
    shown: &std::path::Display<'_>,
) -> Result<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(unusable(shown, key)),
    }
}

/// `urlAPI`, which tokens will be sent to: `https://` and a host, visible ASCII only.
fn https_url(value: &str, shown: &std::path::Display<'_>) -> Result<String> {
    let trimmed = value.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let visible = trimmed.bytes().all(|b| b.is_ascii_graphic());
    let odd = trimmed.contains(['@', '?', '#', '\\']);
    if host.is_empty() || !visible || odd || trimmed.len() > 2048 {
        return Err(Error::usage(format!(
            "the urlAPI in {shown} ('{}') is not an https:// URL of a host: ddns only sends \
             tokens over verified TLS: run `ddns setup` for the name instead",
            crate::error::printable(value, 80)
        )));
    }
    Ok(trimmed.to_string())
}

/// A token: 1 to [`MAX_TOKEN`] visible ASCII characters (it goes into a header or a query).
/// The message never shows it.
fn token(
    map: &Map<String, Value>,
    key: &str,
    shown: &std::path::Display<'_>,
    name: &str,
) -> Result<String> {
    let value = match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(Error::usage(format!(
                "{shown} has no usable {key} (missing, empty or not a string), so its grant \
                 cannot be used: run `ddns setup {name}` instead"
            )));
        }
    };
    if value.len() > MAX_TOKEN || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::usage(format!(
            "the {key} in {shown} cannot be a token (it is longer than {MAX_TOKEN} characters, \
             or has spaces or control characters; it is not shown): run `ddns setup {name}` \
             instead"
        )));
    }
    Ok(value.clone())
}

/// `iat` or `expires_in`: a whole, non-negative number of seconds, or absent.
fn seconds(
    map: &Map<String, Value>,
    key: &str,
    shown: &std::path::Display<'_>,
) -> Result<Option<u64>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(_) => Err(Error::usage(format!(
            "the {key} in {shown} is not a whole number of seconds, as the Windows client wrote \
             it: run `ddns setup` for the name instead"
        ))),
    }
}

#[cfg(test)]
mod tests;
