//! `ddns setup NAME`: discover the provider, have the user consent, exchange the code for
//! tokens and store the grant. In one step (print the consent URL, read the code on stdin or
//! take it from `--code`), or in two (for a web page, which cannot hold a process open while
//! the user approves in another tab): `--begin` discovers and stores a pending consent, and
//! `--code` finishes it without discovering again. The consent carries a PKCE challenge (RFC
//! 7636) whose verifier goes with the code exchange; `--code -` reads the code from stdin.

use crate::address::Family;
use crate::cli::SetupArgs;
use crate::clock::now;
use crate::context::Context;
use crate::domainconnect::client;
use crate::domainconnect::oauth;
use crate::domainconnect::protocol;
use crate::domainconnect::token;
use crate::error::{Error, Result};
use crate::plan;
use crate::state::{Entry, Grant, Locked, Pending, Setup};
use crate::{name, out};
use serde::Serialize;
use std::io::BufRead;

/// Run `setup`.
pub fn run(ctx: &Context, args: &SetupArgs) -> Result<()> {
    let name = name::normalise(&args.name)?;
    // Before any request: a refused state directory must not cost a consent.
    crate::state::check_dir(&ctx.state_path)?;
    if args.begin && args.code.is_some() {
        return Err(Error::usage(
            "--begin starts a consent and --code finishes it: give one of them",
        ));
    }
    if args.begin {
        return begin(ctx, args, &name);
    }
    // `--code -`: one line from stdin, which no other user can read (a command line is in
    // /proc/PID/cmdline for everyone, and in the shell's history).
    let given = match args.code.as_deref() {
        Some("-") => Some(read_line()?),
        other => other.map(str::to_string),
    };
    if let Some(code) = &given {
        let state = crate::state::read(&ctx.state_path)?;
        if let Some(pending) = state.pending.get(&name).filter(|p| now() < p.expires_at()) {
            if args.zone.is_some() || args.ipv4 || args.ipv6 || args.ipv6_suffix.is_some() {
                return Err(Error::usage(format!(
                    "{name} has a consent waiting to be finished, started with its own \
                     --zone, --ipv4, --ipv6 and --ipv6-suffix: finish it with only --code, or \
                     start again with `ddns setup {name} --begin`"
                )));
            }
            let code = oauth::parse_code_reply(code, Some(&pending.state))?;
            return finish(ctx, args, &name, pending.clone(), &code);
        }
    }
    // A code given with --code is read before anything is asked of the network.
    let parsed = (given.as_deref())
        .map(|code| oauth::parse_code_reply(code, None))
        .transpose()?;
    let mut pending = discover(ctx, args, &name)?;
    let code = match parsed {
        Some(code) => {
            // A code from a consent this run did not start: its challenge is not ours.
            pending.verifier = None;
            code
        }
        None => {
            out::note(&format!(
                "{name} is hosted by {}. Open this address in a browser, sign in and approve \
                 the request:",
                pending.setup.provider.name
            ));
            out::say(&consent_url(&pending));
            open(args, &consent_url(&pending));
            out::note(
                "Then paste the code the page shows (or the whole address it ended on) here:",
            );
            oauth::parse_code_reply(&read_line()?, Some(&pending.state))?
        }
    };
    finish(ctx, args, &name, pending, &code)
}

/// `setup --begin --json`.
#[derive(Serialize)]
struct Begun<'a> {
    name: &'a str,
    provider: &'a str,
    url: &'a str,
    expires_at: u64,
}

/// Discover the provider and store a pending consent for `name` (replacing any earlier one;
/// a name already set up keeps its grant until the new consent is finished).
fn begin(ctx: &Context, args: &SetupArgs, name: &str) -> Result<()> {
    let pending = discover(ctx, args, name)?;
    let url = consent_url(&pending);
    let mut locked = ctx.lock()?;
    forget_expired(&mut locked, now());
    locked
        .state
        .pending
        .insert(name.to_string(), pending.clone());
    locked.save()?;
    if args.json {
        out::say_json(&Begun {
            name,
            provider: &pending.setup.provider.name,
            url: &url,
            expires_at: pending.expires_at(),
        });
    } else {
        out::note(&format!(
            "{name} is hosted by {}. Open this address in a browser, sign in and approve the \
             request (within an hour):",
            pending.setup.provider.name
        ));
        out::say(&url);
        open(args, &url);
        out::note(&format!(
            "Then finish with: ddns setup {name} --code CODE (the code the page shows, or the \
             whole address it ended on)"
        ));
    }
    Ok(())
}

/// With `--open`, open the consent address in the browser too; when that fails, a note says so
/// (the address is printed anyway).
fn open(args: &SetupArgs, url: &str) {
    if args.open
        && let Err(e) = crate::platform::process::open_url(url)
    {
        out::note(&format!(
            "could not open a browser ({e}): open the address above yourself"
        ));
    }
}

/// Pending consents older than [`crate::state::PENDING_SECS`] are dropped at the next write.
fn forget_expired(locked: &mut Locked, now: u64) {
    locked.state.pending.retain(|_, p| now < p.expires_at());
}

/// Everything a consent for `name` needs: the zone, the provider and its template, the
/// families, and a fresh random OAuth `state`.
fn discover(ctx: &Context, args: &SetupArgs, name: &str) -> Result<Pending> {
    let dns = ctx.net.dns();
    let (zone, host) = super::zone_and_host(dns, name, args.zone.as_deref())?;
    let ipv6_suffix = match &args.ipv6_suffix {
        Some(v) => Some(crate::address::parse_suffix(v).ok_or_else(|| {
            Error::usage(format!(
                "--ipv6-suffix '{}' is not an interface identifier: give the host's lower 64 \
                 bits, such as ::1234:5678:9abc:def0",
                crate::error::printable(v, 80)
            ))
        })?),
        None => None,
    };
    let (provider, template) = client::discover(dns, ctx.net.http()?, &zone)?;
    let ipv6 = args.ipv6 || args.ipv6_suffix.is_some();
    let default_v6 = !args.ipv4 && !ipv6 && crate::detect::has_global_ipv6();
    let families = plan::families(template, args.ipv4, ipv6, default_v6)?;
    // For comparing the record with what was published later; learnt again by `update` when
    // this fails now.
    let nameservers = dns.nameservers(&zone).unwrap_or_default();
    Ok(Pending {
        setup: Setup {
            zone,
            host,
            provider,
            template,
            families,
            ipv6_suffix,
            nameservers,
        },
        state: oauth::random_state()?,
        started_at: now(),
        verifier: Some(token::pkce_verifier()?),
    })
}

fn consent_url(p: &Pending) -> String {
    let s = &p.setup;
    let challenge = p.verifier.as_deref().map(token::pkce_challenge);
    protocol::consent_url(
        &s.provider.url_async_ux,
        s.template,
        &s.zone,
        &s.host,
        &p.state,
        challenge.as_deref(),
    )
}

/// `setup --json` when a grant was stored.
#[derive(Serialize)]
struct Finished<'a> {
    name: &'a str,
    provider: &'a str,
    template: &'static str,
    records: Vec<&'static str>,
    replaced: bool,
}

/// Exchange `code` for tokens and store the grant for `name`, replacing its earlier one and
/// its pending consent. The stop signals are held back from the request to the save: a code
/// works once, so losing the reply would mean consenting again.
fn finish(ctx: &Context, args: &SetupArgs, name: &str, p: Pending, code: &str) -> Result<()> {
    let http = ctx.net.http()?;
    let mut locked = ctx.lock()?;
    let held = crate::platform::signals::hold();
    let (tokens, form) =
        client::exchange_code(http, &p.setup.provider, code, p.verifier.as_deref())?;
    let now = now();
    let mut setup = p.setup;
    setup.provider.token_form = Some(form);
    let url_api = setup.provider.url_api.clone();
    let entry = Entry::new(
        setup,
        Grant {
            access_token: tokens.access_token,
            access_expires_at: tokens.expires_in.map(|s| now.saturating_add(s)),
            refresh_token: tokens.refresh_token,
        },
    );
    let provider_name = entry.setup.provider.name.clone();
    let template = entry.setup.template;
    let records: Vec<&'static str> = (entry.setup.published_families().into_iter())
        .map(Family::record)
        .collect();
    forget_expired(&mut locked, now);
    locked.state.pending.remove(name);
    let replaced = locked.state.names.insert(name.to_string(), entry).is_some();
    locked.state.learn_token_form(&url_api, form);
    locked.save()?;
    drop(held);
    if let Some(path) = &ctx.run_file {
        // A new grant: the last run of the old one says nothing about it.
        crate::state::lastrun::forget(path, name);
    }
    if args.json {
        out::say_json(&Finished {
            name,
            provider: &provider_name,
            template: template.id(),
            records,
            replaced,
        });
    } else {
        out::say(&format!(
            "{name} is set up with {provider_name} ({}, {} record{}){}; run `ddns update` to \
             publish the address",
            template.id(),
            records.join(" and "),
            if records.len() > 1 { "s" } else { "" },
            if replaced {
                ", replacing its earlier grant"
            } else {
                ""
            }
        ));
    }
    Ok(())
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
