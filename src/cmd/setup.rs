//! `ddns setup NAME`: discover the provider, print the consent URL, take the code back,
//! exchange it for tokens and store the grant.

use crate::address::Addresses;
use crate::address::Family;
use crate::cli::SetupArgs;
use crate::clock::now;
use crate::context::{Context, LOCK_WAIT};
use crate::domainconnect::client;
use crate::domainconnect::protocol::{self, Template};
use crate::error::{Error, Result};
use crate::state::{Entry, Grant, Provider};
use crate::{name, out};
use std::io::BufRead;

/// Run `setup`.
pub fn run(ctx: &Context, args: &SetupArgs) -> Result<()> {
    let name = name::normalise(&args.name)?;
    let dns = ctx.dns()?;
    let zone = match &args.zone {
        Some(z) => name::normalise(z)?,
        None => dns.zone_of(&name)?,
    };
    let host = name::host_in_zone(&name, &zone).ok_or_else(|| {
        Error::usage(format!(
            "{name} is not inside the zone {zone}: check --zone"
        ))
    })?;
    let http = ctx.http()?;
    let (settings, template) = client::discover(dns, http, &zone)?;
    let ipv6_suffix = match &args.ipv6_suffix {
        Some(v) => Some(crate::address::parse_suffix(v).ok_or_else(|| {
            Error::usage(format!(
                "--ipv6-suffix '{}' is not an interface identifier: give the host's lower 64 \
                 bits, such as ::1234:5678:9abc:def0",
                crate::out::printable(v, 80)
            ))
        })?),
        None => None,
    };
    let families = families(args, template)?;
    // For comparing the record with what was published later; learnt again by `update` when
    // this fails now.
    let nameservers = dns.nameservers(&zone).unwrap_or_default();

    let code = match &args.code {
        Some(code) => protocol::parse_code_reply(code, None)?,
        None => {
            let state = random_state()?;
            out::note(&format!(
                "{name} is hosted by {}. Open this address in a browser, sign in and approve \
                 the request:",
                settings.provider_name
            ));
            out::say(&protocol::consent_url(
                &settings.url_async_ux,
                template,
                &zone,
                &host,
                &state,
            ));
            out::note(
                "Then paste the code the page shows (or the whole address it ended on) here:",
            );
            protocol::parse_code_reply(&read_line()?, Some(&state))?
        }
    };
    let tokens = client::exchange_code(http, &settings.url_api, &code)?;

    let now = now();
    let entry = Entry {
        zone,
        host,
        provider: Provider {
            id: settings.provider_id,
            name: settings.provider_name,
            url_api: settings.url_api,
            url_async_ux: settings.url_async_ux,
        },
        template,
        families: families.clone(),
        ipv6_suffix,
        nameservers,
        grant: Grant {
            access_token: tokens.access_token,
            access_expires_at: tokens.expires_in.map(|s| now.saturating_add(s)),
            refresh_token: tokens.refresh_token,
        },
        published: Addresses::default(),
        last_applied: None,
    };
    let provider_name = entry.provider.name.clone();
    let mut locked = crate::state::lock(&ctx.state_path, LOCK_WAIT)?;
    let replaced = locked.state.names.insert(name.clone(), entry).is_some();
    locked.save()?;
    let records: Vec<&str> = families.iter().map(|f| f.record()).collect();
    out::say(&format!(
        "{name} is set up with {provider_name} ({}, {} record{}){}; run `ddns update` to publish \
         the address",
        template.id(),
        records.join(" and "),
        if records.len() > 1 { "s" } else { "" },
        if replaced {
            ", replacing its earlier grant"
        } else {
            ""
        }
    ));
    Ok(())
}

/// The families to publish: as asked, else IPv4 always and IPv6 when this machine has a global
/// IPv6 route. The legacy template carries IPv4 only.
fn families(args: &SetupArgs, template: Template) -> Result<Vec<Family>> {
    let ipv6 = args.ipv6 || args.ipv6_suffix.is_some();
    if ipv6 && !template.carries(Family::Ipv6) {
        return Err(Error::refused(
            "the provider supports only the legacy dynamicdns template, which has no AAAA \
             record: set up without --ipv6",
        ));
    }
    let mut families = Vec::new();
    if args.ipv4 || !ipv6 {
        families.push(Family::Ipv4);
    }
    let default_v6 = !args.ipv4 && !ipv6 && has_global_ipv6();
    if (ipv6 || default_v6) && template.carries(Family::Ipv6) {
        families.push(Family::Ipv6);
    }
    Ok(families)
}

/// Whether the kernel would route to the global IPv6 internet from a global address (a UDP
/// connect sends nothing).
fn has_global_ipv6() -> bool {
    let Ok(socket) = std::net::UdpSocket::bind("[::]:0") else {
        return false;
    };
    socket.connect("[2001:4860:4860::8888]:53").is_ok()
        && socket
            .local_addr()
            .is_ok_and(|a| crate::address::not_global(&a.ip()).is_none())
}

/// A random OAuth `state` value, 128 bits in hex.
fn random_state() -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::transient(format!("could not get random bytes ({e})")))?;
    Ok(bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect())
}

/// One line from stdin, at most 4 KiB.
fn read_line() -> Result<String> {
    let mut line = String::new();
    let stdin = std::io::stdin();
    let mut limited = std::io::Read::take(stdin.lock(), 4096);
    std::io::BufReader::new(&mut limited)
        .read_line(&mut line)
        .map_err(|e| Error::usage(format!("could not read the code from standard input ({e})")))?;
    if line.trim().is_empty() {
        return Err(Error::usage(
            "no code was given on standard input: run setup again and paste the code, or pass \
             it with --code",
        ));
    }
    Ok(line)
}
