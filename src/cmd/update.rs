//! `ddns update`: detect the public address(es) once, then for each name apply the template
//! when the decision in `plan.rs` says so, refreshing the access token when needed. Holds the
//! state lock for the whole run, so racing runs (cron and a WAN hook) apply once.

use crate::address::Family;
use crate::cli::UpdateArgs;
use crate::client::{self, Applied};
use crate::context::{self, Context, LOCK_WAIT, now};
use crate::detect;
use crate::error::{Error, Result};
use crate::plan::{self, Decision, Observed, Reason};
use crate::protocol::Addresses;
use crate::state::{Entry, Locked};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Run `update`. Returns the exit status: 0, or the worst error class of any name.
pub fn run(ctx: &Context, args: &UpdateArgs) -> Result<u8> {
    let given: Vec<IpAddr> = args
        .ip
        .iter()
        .map(|v| context::parse_given_ip(v))
        .collect::<Result<_>>()?;
    let mut locked = crate::state::lock(&ctx.state_path, LOCK_WAIT)?;
    let names = super::select(&locked.state, &args.names, &ctx.state_path)?;
    let now = now();

    let needed: Vec<Family> = Family::ALL
        .into_iter()
        .filter(|f| {
            names.iter().any(|n| {
                let e = &locked.state.names[n];
                e.publishes(*f)
            })
        })
        .collect();
    let entries: Vec<&Entry> = names.iter().map(|n| &locked.state.names[n]).collect();
    let (observed, failures) = observe(ctx, &given, &needed, &entries);

    let mut worst = 0;
    for name in &names {
        let entry = locked.state.names[name].clone();
        let mut errors: Vec<&Error> = entry
            .families
            .iter()
            .filter_map(|f| failures.get(f))
            .collect();
        match update_one(ctx, &mut locked, name, &entry, &observed, now, args.force) {
            Ok(line) => crate::out::say(&line),
            Err(e) => {
                crate::out::error(&format!("{name}: {}", e.message));
                worst = worst.max(e.class.exit_code());
            }
        }
        errors.dedup();
        for e in errors {
            crate::out::error(&format!("{name}: {}", e.message));
            worst = worst.max(e.class.exit_code());
        }
    }
    Ok(worst)
}

/// The public addresses: those given with `--ip`, else detected for each needed family. A
/// detected address that would change a record is confirmed by the next source first.
/// Failures are kept per family; the other families go on.
fn observe(
    ctx: &Context,
    given: &[IpAddr],
    needed: &[Family],
    entries: &[&Entry],
) -> (Observed, BTreeMap<Family, Error>) {
    let mut observed = Observed::default();
    let mut failures = BTreeMap::new();
    let mut record = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => observed.ipv4 = Some(v4),
        IpAddr::V6(v6) => observed.ipv6 = Some(v6),
    };
    if !given.is_empty() {
        given.iter().copied().for_each(&mut record);
        return (observed, failures);
    }
    for family in needed {
        let found = detect::detect(ctx, &ctx.sources, *family).and_then(|found| {
            if entries.iter().any(|e| would_change(e, found.ip)) {
                detect::confirm(ctx, &ctx.sources, &found)?;
            }
            Ok(found)
        });
        match found {
            Ok(found) => record(found.ip),
            Err(e) => {
                failures.insert(*family, e);
            }
        }
    }
    (observed, failures)
}

/// Whether publishing `ip` would change `entry`'s record of that family.
fn would_change(entry: &Entry, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => entry.publishes(Family::Ipv4) && entry.published.ipv4 != Some(v4),
        IpAddr::V6(v6) => {
            let v6 = entry
                .ipv6_suffix
                .map_or(v6, |s| crate::address::with_suffix(v6, s));
            entry.publishes(Family::Ipv6) && entry.published.ipv6 != Some(v6)
        }
    }
}

fn update_one(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    entry: &Entry,
    observed: &Observed,
    now: u64,
    force: bool,
) -> Result<String> {
    let (send, reason) = match plan::plan(entry, observed, now, force) {
        Decision::Unchanged => return Ok(summary(name, entry, &current(entry), None)),
        Decision::NoAddress => {
            return Err(Error::transient(
                "no public address was detected and none was published before, so nothing was \
                 sent",
            ));
        }
        Decision::Apply { send, reason } => (send, reason),
    };
    let http = ctx.http()?;
    if plan::needs_refresh(&entry.grant, now) {
        refresh(http, locked, name, now)?;
    }
    let mut refreshed_after_401 = false;
    loop {
        match client::apply(http, &locked.state.names[name], &send, force)? {
            Applied::Ok => break,
            Applied::Unauthorized if !refreshed_after_401 => {
                refresh(http, locked, name, now)?;
                refreshed_after_401 = true;
            }
            Applied::Unauthorized => {
                return Err(Error::grant_lost(
                    "the provider rejected a freshly refreshed access token: run `ddns setup` \
                     for this name again",
                ));
            }
        }
    }
    let e = locked
        .state
        .names
        .get_mut(name)
        .ok_or_else(|| Error::new(crate::error::Class::Bug, "the entry vanished under lock"))?;
    e.published.ipv4 = send.ipv4;
    e.published.ipv6 = send.ipv6;
    e.last_applied = Some(now);
    locked.save()?;
    Ok(summary(name, entry, &send, Some(reason)))
}

/// Refresh the access token and save the state at once: a rotated refresh token must be on
/// disk before anything relies on it.
fn refresh(http: &crate::http::Http, locked: &mut Locked, name: &str, now: u64) -> Result<()> {
    let e = locked
        .state
        .names
        .get_mut(name)
        .ok_or_else(|| Error::new(crate::error::Class::Bug, "the entry vanished under lock"))?;
    let refresh_token = e.grant.refresh_token.clone().ok_or_else(|| {
        Error::grant_lost(
            "the access token expired and the provider issued no refresh token: run `ddns \
             setup` for this name again",
        )
    })?;
    let tokens = client::refresh(http, &e.provider.url_api, &refresh_token)?;
    e.grant.access_token = tokens.access_token;
    e.grant.access_expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    if let Some(rotated) = tokens.refresh_token {
        e.grant.refresh_token = Some(rotated);
    }
    locked.save()?;
    Ok(())
}

fn current(entry: &Entry) -> Addresses {
    Addresses {
        ipv4: entry.published.ipv4,
        ipv6: entry.published.ipv6,
    }
}

/// One line: `home.example.com A 81.2.69.142 unchanged`, `... A updated OLD -> NEW`, ...
fn summary(name: &str, before: &Entry, sent: &Addresses, reason: Option<Reason>) -> String {
    let mut parts = Vec::new();
    for family in &before.families {
        let (old, new): (Option<IpAddr>, Option<IpAddr>) = match family {
            Family::Ipv4 => (
                before.published.ipv4.map(IpAddr::V4),
                sent.ipv4.map(IpAddr::V4),
            ),
            Family::Ipv6 => (
                before.published.ipv6.map(IpAddr::V6),
                sent.ipv6.map(IpAddr::V6),
            ),
        };
        let record = family.record();
        parts.push(match (old, new, reason) {
            (_, None, _) => format!("{record} not published yet (no address detected)"),
            (Some(o), Some(n), Some(_)) if o != n => format!("{record} updated {o} -> {n}"),
            (None, Some(n), Some(_)) => format!("{record} {n} published"),
            (_, Some(n), Some(Reason::Forced)) => format!("{record} {n} re-sent (--force)"),
            (_, Some(n), Some(Reason::Keepalive)) => {
                format!("{record} {n} re-sent (weekly keep-alive)")
            }
            (_, Some(n), _) => format!("{record} {n} unchanged"),
        });
    }
    format!("{name} {}", parts.join(", "))
}
