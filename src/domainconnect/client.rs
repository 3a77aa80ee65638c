//! The Domain Connect calls, over `http.rs`: discovery (setup only), token exchange and
//! refresh, and apply. Request and reply formats live in `protocol.rs`; this file decides what
//! each status means.

use crate::domainconnect::oauth::{self, Tokens};
use crate::domainconnect::protocol::{self, Applied, Provider, Template};
use crate::domainconnect::reply;
use crate::domainconnect::token::{self, TokenForm};
use crate::error::{Code, Error, Result};
use crate::net::dns::Dns;
use crate::net::http::{CallError, Http, Reply};

/// The provider's settings for `zone` (its `_domainconnect` TXT record, then the settings
/// request), without looking for a template: what `import-settings` (Windows) needs.
pub fn settings(dns: &Dns, http: &Http, zone: &str) -> Result<Provider> {
    let txt = dns.txt(&format!("_domainconnect.{zone}"))?;
    if txt.is_empty() {
        return Err(Error::refused(format!(
            "{zone} has no _domainconnect TXT record, so its DNS provider does not support \
             Domain Connect (or {zone} is not the zone: give it with --zone)"
        )));
    }
    let url = protocol::settings_url(&txt, zone)?;
    let reply = http.get(&url, None)?;
    match reply.status {
        200 => {}
        404 => {
            return Err(Error::refused(format!(
                "the Domain Connect service at {} does not host {zone} (HTTP 404)",
                crate::url::host(&url)
            )));
        }
        status => {
            return Err(status_error(
                status,
                &reply,
                &format!("the settings request for {zone}"),
                &[],
            ));
        }
    }
    let settings = protocol::parse_settings(&reply.body, zone)?;
    token::check_pinned(&settings, zone)?;
    Ok(settings)
}

/// Discover the provider of `zone` and the template it supports (section 1).
pub fn discover(dns: &Dns, http: &Http, zone: &str) -> Result<(Provider, Template)> {
    let settings = settings(dns, http, zone)?;
    for template in Template::PREFERENCE {
        let reply = http.get(&protocol::template_url(&settings.url_api, template), None)?;
        match reply.status {
            200..=299 => return Ok((settings, template)),
            404 | 400 | 401 | 403 => {}
            status => return Err(status_error(status, &reply, "the template check", &[])),
        }
    }
    Err(Error::refused(format!(
        "{} supports Domain Connect but has not onboarded the dynamic DNS templates \
         (dynamicdns-v2, dynamicdns) for {zone}: ask them to",
        settings.name
    )))
}

/// An error for an unexpected status: 5xx and 429 are transient, anything else is a refusal.
/// `request` is a noun phrase: "the code exchange", "the update"; `secrets` are scrubbed from
/// the provider's message.
fn status_error(status: u16, reply: &Reply, request: &str, secrets: &[&str]) -> Error {
    let message = reply::provider_message(&reply.body, secrets);
    if status >= 500 || status == 429 {
        let mut error = Error::transient(format!(
            "the provider could not complete {request} (HTTP {status}: {message}): try again \
             later"
        ));
        // A 429, or a 503 that says when to come back (RFC 9110, 15.6.4).
        if status == 429 || status == 503 {
            error.retry_after = reply.retry_after;
        }
        error
    } else {
        Error::refused(format!(
            "the provider refused {request} (HTTP {status}: {message})"
        ))
    }
}

/// Replace every secret in an error's message (the provider's text is scrubbed before it is
/// cut, in `reply.rs`; this catches what other paths quote, such as a token type).
fn scrub(mut error: Error, secrets: &[&str]) -> Error {
    error.message = reply::scrub(error.message, secrets);
    error
}

/// A failed request's error, marked `not-sent` when nothing reached the provider (no back-off
/// is needed for a request the provider never saw).
fn not_sent(e: CallError) -> Error {
    if e.maybe_sent {
        e.error
    } else {
        e.error.with_code(Code::NotSent)
    }
}

/// POST a token request in the provider's `form`, or, while it is not known, in the body first
/// and then, if the provider refused that ([`token::refuses_body`]), in the query: the reply
/// and the form it answered.
fn token_call(
    http: &Http,
    form: Option<TokenForm>,
    build: impl Fn(TokenForm) -> token::TokenRequest,
) -> Result<(Reply, TokenForm), CallError> {
    let first = form.unwrap_or(TokenForm::Body);
    let request = build(first);
    let reply = http.post_json(&request.url, &request.body, None)?;
    if form.is_none() && token::refuses_body(reply.status, &reply.body) {
        let request = build(TokenForm::Query);
        // The provider has seen the first request, whatever becomes of this one.
        let reply = (http.post_json(&request.url, &request.body, None)).map_err(|e| CallError {
            maybe_sent: true,
            ..e
        })?;
        return Ok((reply, TokenForm::Query));
    }
    Ok((reply, first))
}

/// Exchange an authorization code for tokens (section 3), with the PKCE verifier when the
/// consent carried its challenge: the tokens and the form the provider took them in.
pub fn exchange_code(
    http: &Http,
    provider: &Provider,
    code: &str,
    verifier: Option<&str>,
) -> Result<(Tokens, TokenForm)> {
    let secrets = [code, verifier.unwrap_or_default()];
    let (reply, form) = token_call(http, provider.token_form, |form| {
        token::code_request(&provider.url_api, code, verifier, form)
    })?;
    let result = match reply.status {
        200..=299 => oauth::parse_tokens(&reply.body).map(|t| (t, form)),
        400 | 401 => Err(Error::refused(format!(
            "the provider did not accept the code ({}): it may be mistyped, used already or \
             expired; run setup again and paste the new code",
            reply::provider_message(&reply.body, &secrets)
        ))),
        status => Err(status_error(status, &reply, "the code exchange", &secrets)),
    };
    result.map_err(|e| scrub(e, &secrets))
}

/// Refresh the access token (section 3): the tokens and the form the provider took them in.
/// Any 400 or 401 means the grant is gone. `secrets` (every token of the entry) are scrubbed
/// from every message.
pub fn refresh(
    http: &Http,
    provider: &Provider,
    refresh_token: &str,
    secrets: &[&str],
) -> Result<(Tokens, TokenForm)> {
    let (reply, form) = token_call(http, provider.token_form, |form| {
        token::refresh_request(&provider.url_api, refresh_token, form)
    })
    .map_err(not_sent)?;
    let result = match reply.status {
        200..=299 => oauth::parse_tokens(&reply.body).map(|t| (t, form)),
        400 | 401 => Err(Error::grant_lost(format!(
            "the provider no longer accepts this name's grant ({}): run `ddns setup` for it again",
            reply::provider_message(&reply.body, secrets)
        ))),
        status => Err(status_error(status, &reply, "the token refresh", secrets)),
    };
    result.map_err(|e| scrub(e, secrets))
}

/// Apply a template: POST its `url` (`protocol::apply_url`) with the access token (section 4);
/// `secrets` (every token of the entry) are scrubbed from every message.
pub fn apply(http: &Http, url: &str, access_token: &str, secrets: &[&str]) -> Result<Applied> {
    let reply = http.post_json(url, "", Some(access_token)).map_err(|e| {
        if e.maybe_sent {
            // The request may have reached the provider before the connection failed.
            Error::new(
                e.error.class,
                format!("could not confirm the update: {}", e.error.message),
            )
        } else {
            not_sent(CallError {
                error: Error::new(
                    e.error.class,
                    format!("the update was not sent: {}", e.error.message),
                ),
                maybe_sent: false,
            })
        }
    })?;
    let result = match reply.status {
        200..=299 => Ok(Applied::Ok),
        401 => Ok(Applied::Unauthorized),
        409 => Err(Error::refused(format!(
            "the provider refused the update because other records conflict ({}): remove them \
             at the provider, or run `ddns update --force` to let the template overwrite them",
            reply::provider_message(&reply.body, secrets)
        ))
        .with_code(Code::RecordsConflict)),
        status => Err(status_error(status, &reply, "the update", secrets)),
    };
    result.map_err(|e| scrub(e, secrets))
}
