//! One `update` run: every name decided and applied under the state lock (`plan::Run` drives
//! the steps), then what was applied verified at the zone's servers without the lock, and
//! what the verification found kept.

use super::Options;
use crate::address::{Addresses, Family};
use crate::context::Context;
use crate::domainconnect::client;
use crate::domainconnect::oauth::Tokens;
use crate::domainconnect::token::TokenForm;
use crate::error::{Error, Result};
use crate::plan::verify::{Verification, Verified};
use crate::plan::{self, Applied, Authority, Mode, Observed, Step};
use crate::report::{Report, RunReport, Status};
use crate::state::{Entry, Locked};
use std::net::IpAddr;
use std::time::Instant;

/// Decide and apply every name under the lock, then verify what was applied (without the
/// lock) and remember what the verification found; the reports of how it went.
pub fn update(ctx: &Context, o: &Options) -> Result<RunReport> {
    let mut locked = ctx.lock()?;
    let names = crate::cmd::select(&locked.state, &o.names, &ctx.state_path, false)?;
    let now = crate::clock::now();
    let entries: Vec<&Entry> = names.iter().map(|n| &locked.state.names[n]).collect();
    let (observed, notes) =
        crate::detect::observe(&ctx.net, &ctx.sources, &entries, &o.given, &o.hints);
    let mut run = RunReport {
        notes,
        ..RunReport::default()
    };
    let mut applied = Vec::new();
    for name in &names {
        let (report, sent) = update_one(ctx, &mut locked, name, &observed, now, o);
        applied.push(sent);
        run.names.push(report);
    }
    drop(locked);
    let mut lessons = Vec::new();
    for (report, sent) in run.names.iter_mut().zip(applied) {
        let Some((entry, at)) = sent else { continue };
        let servers = crate::cmd::zone_servers(ctx, &entry.setup);
        let Some(v) = Verification::new(&report.records, &report.watch, &servers, o.verify) else {
            continue;
        };
        let verified = verify(&report.name, v, at);
        let mut watch = report.watch.clone();
        let now = crate::clock::now();
        plan::verify::remember(
            &mut watch,
            &entry,
            &verified,
            entry.last_applied.unwrap_or(now),
            now,
        );
        if watch != report.watch {
            lessons.push((report.name.clone(), entry, verified.clone(), now));
        }
        report.verified(verified, watch);
    }
    // What the verification found is kept for the next runs: take the lock again. Like every
    // save after a step, a busy lock or a failed save loses only this lesson (the next run
    // learns it again), never the run's report of what was published.
    if !lessons.is_empty()
        && let Ok(mut locked) = ctx.lock()
    {
        for (name, entry, verified, now) in &lessons {
            if let Ok(e) = locked.entry_mut(name) {
                let applied = entry.last_applied.unwrap_or(*now);
                plan::verify::remember(&mut e.watch, entry, verified, applied, *now);
            }
        }
        let _ = locked.save();
    }
    Ok(run)
}

/// Ask the zone's servers, round by round as `verification` says, whether they show what was
/// applied at `applied`.
fn verify(name: &str, mut verification: Verification, applied: Instant) -> Verified {
    while let Some((at, pending)) = verification.next() {
        std::thread::sleep(at.saturating_sub(applied.elapsed()));
        let heard = (pending.into_iter())
            .map(|(family, server)| {
                let answer = crate::net::authority::ask_one(server, name, family);
                ((family, server), answer.map(|a| a.addresses))
            })
            .collect();
        verification.record(applied.elapsed(), heard);
    }
    verification.finish()
}

/// Drive the decision for `name` and act on each step; the report of how it went, and when an
/// apply was accepted, the entry as saved then and when.
fn update_one(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    observed: &Observed,
    now: u64,
    o: &Options,
) -> (Report, Option<(Entry, Instant)>) {
    let entry = locked.state.names[name].clone();
    let mode = Mode::Update { force: o.force };
    let mut decision = plan::Run::new(&entry, observed, now, mode).with_jitter(o.jitter);
    let mut sent = None;
    loop {
        match decision.next() {
            Step::AskAuthority => decision.authority(ask_authority(ctx, locked, name)),
            Step::Refresh => {
                // Held back from the request until the new tokens are saved: see `refresh`.
                let _held = crate::platform::signals::hold();
                match refresh(ctx, locked, name) {
                    Ok(Ok((tokens, form))) => match save_tokens(locked, name, tokens, form, now) {
                        Ok(()) => decision.refreshed(Ok(())),
                        Err(e) => decision.failed(e),
                    },
                    Ok(Err(e)) => decision.refreshed(Err(e)),
                    Err(e) => decision.failed(e),
                }
            }
            Step::Apply { send, reason } => {
                let answer = apply(ctx, locked, name, &send, o.force);
                let accepted = matches!(answer, Ok(Applied::Ok));
                decision.applied(send, reason, answer);
                if accepted {
                    match saved(locked, name, &send, now, decision.watch()) {
                        Ok(entry) => sent = Some((entry, Instant::now())),
                        Err(e) => decision.failed(e),
                    }
                }
            }
            Step::Done => break,
        }
    }
    let finished = decision.finish();
    if let Ok(e) = locked.entry_mut(name)
        && e.watch != finished.watch
    {
        // A failure starting, a window stored, an undo counted. If this cannot be saved, the
        // next run only learns it again.
        e.watch = finished.watch.clone();
        let _ = locked.save();
    }
    let report = Report::new(name, &entry, finished, false);
    if report.status == Status::GrantLost {
        mark_grant_lost(locked, name, now);
    }
    (report, sent)
}

/// What the zone's servers answer for `name`'s published records. Servers not known yet (a
/// name set up by an older release) are looked up and saved once; when none of the stored
/// servers answers, they are looked up again (the provider may have renumbered them). Servers
/// that cannot be asked leave the answer empty: nothing is re-sent for that reason alone.
fn ask_authority(ctx: &Context, locked: &mut Locked, name: &str) -> Authority {
    let ask = |servers: &[IpAddr], entry: &Entry| {
        let mut authority = Authority::new();
        for family in Family::ALL {
            if entry.publishes(family)
                && entry.published.get(family).is_some()
                && let Ok(answer) = crate::net::authority::ask(servers, name, family)
            {
                authority.insert(family, answer);
            }
        }
        authority
    };
    let entry = locked.state.names[name].clone();
    let mut authority = ask(&entry.setup.nameservers, &entry);
    if authority.is_empty() {
        let learnt = ctx
            .net
            .dns()
            .nameservers(&entry.setup.zone)
            .unwrap_or_default();
        if !learnt.is_empty() && learnt != entry.setup.nameservers {
            authority = ask(&learnt, &entry);
            if let Ok(e) = locked.entry_mut(name) {
                e.setup.nameservers = learnt;
            }
            // A failed save only means they are looked up again next run.
            let _ = locked.save();
        }
    }
    authority
}

/// Send `send` for `name`: the provider's answer.
fn apply(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    send: &Addresses,
    force: bool,
) -> Result<Applied> {
    let http = ctx.net.http()?;
    let entry = locked.entry_mut(name)?;
    let url = entry.setup.apply_url(send, force);
    client::apply(
        http,
        &url,
        &entry.grant.access_token,
        &entry.grant.secrets(),
    )
}

/// Save what the provider accepted (and the watch as the decision left it); the entry as saved.
fn saved(
    locked: &mut Locked,
    name: &str,
    send: &Addresses,
    now: u64,
    watch: &crate::state::Watch,
) -> Result<Entry> {
    let e = locked.entry_mut(name)?;
    e.published = *send;
    e.last_applied = Some(now);
    e.watch = watch.clone();
    let entry = e.clone();
    locked.save()?;
    Ok(entry)
}

/// Remember that the provider refused this name's grant, so `check` (and the router's page)
/// can say so without asking; later runs keep trying, and `setup` replaces the grant.
fn mark_grant_lost(locked: &mut Locked, name: &str, now: u64) {
    if let Some(e) = locked.state.names.get_mut(name)
        && e.grant_lost_at.is_none()
    {
        e.grant_lost_at = Some(now);
        // If this cannot be saved, check only learns it from the next update.
        let _ = locked.save();
    }
}

/// Ask the provider for a new access token: `Err` for a failure of our own before the request
/// (no refresh token, no HTTPS client), `Ok(Err)` for the provider's. The stop signals are held
/// back from the request until the new tokens are saved (`platform/signals.rs`): a rotated
/// refresh token must be on disk before anything relies on it.
fn refresh(ctx: &Context, locked: &mut Locked, name: &str) -> Result<Result<(Tokens, TokenForm)>> {
    let http = ctx.net.http()?;
    let e = locked.entry_mut(name)?;
    let refresh_token = e.grant.refresh_token.clone().ok_or_else(|| {
        Error::grant_lost(
            "the access token expired and the provider issued no refresh token: run `ddns \
             setup` for this name again",
        )
    })?;
    Ok(client::refresh(
        http,
        &e.setup.provider,
        &refresh_token,
        &e.grant.secrets(),
    ))
}

/// Save refreshed tokens at once (the caller holds the stop signals back until then; one that
/// arrived meanwhile stops the run right after the save), and the form the provider took the
/// request in.
fn save_tokens(
    locked: &mut Locked,
    name: &str,
    tokens: Tokens,
    form: TokenForm,
    now: u64,
) -> Result<()> {
    let url_api = locked.entry_mut(name)?.setup.provider.url_api.clone();
    locked.state.learn_token_form(&url_api, form);
    let e = locked.entry_mut(name)?;
    e.grant.access_token = tokens.access_token;
    e.grant.access_expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    if let Some(rotated) = tokens.refresh_token {
        e.grant.refresh_token = Some(rotated);
    }
    e.grant_lost_at = None;
    locked.save()?;
    Ok(())
}
