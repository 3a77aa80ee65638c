//! `ddns update`: observe the public address(es) once, then for each name act on the decision
//! in `plan.rs`, refreshing the access token when needed. Holds the state lock for the whole
//! run, so racing runs (cron and a WAN hook) apply once.

use crate::address::{Addresses, Family};
use crate::cli::UpdateArgs;
use crate::context::{self, Context};
use crate::detect;
use crate::domainconnect::client::{self, Applied};
use crate::error::{Class, Error, Result};
use crate::plan::{self, Action, Authority, Decision, RecordChange};
use crate::state::Locked;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Run `update`. Returns the exit status: 0, or the worst error class of any name.
pub fn run(ctx: &Context, args: &UpdateArgs) -> Result<u8> {
    let given: Vec<IpAddr> = args
        .ip
        .iter()
        .map(|v| context::parse_given_ip(v))
        .collect::<Result<_>>()?;
    let hints: Vec<IpAddr> = args
        .ip_hint
        .iter()
        .map(|v| context::parse_ip("--ip-hint", v))
        .collect::<Result<_>>()?;
    let mut locked = ctx.lock()?;
    let names = super::select(&locked.state, &args.names, &ctx.state_path, false)?;
    let now = crate::clock::now();

    let observation = observe(ctx, &locked, &names, &given, &hints);
    let mut outcomes = Vec::new();
    for name in &names {
        let outcome = update_one(ctx, &mut locked, name, &observation, now, args.force);
        if !outcome.records.is_empty() && !args.json {
            crate::out::say(&outcome.line());
        }
        for e in &outcome.errors {
            crate::out::error(&format!("{name}: {}", e.message));
        }
        outcomes.push(outcome);
    }
    let worst = outcomes.iter().map(Outcome::exit).max().unwrap_or(0);
    if args.json {
        crate::out::say_json(&Document {
            names: outcomes.iter().map(Outcome::json).collect(),
            exit: worst,
        });
    }
    Ok(worst)
}

/// `update --json`.
#[derive(Serialize)]
struct Document<'a> {
    names: Vec<NameJson<'a>>,
    exit: u8,
}

/// One name in `update --json`.
#[derive(Serialize)]
struct NameJson<'a> {
    name: &'a str,
    status: &'static str,
    records: Vec<RecordJson>,
    /// The first error (the apply's, if it failed), else `null`.
    error: Option<&'a Error>,
    errors: &'a [Error],
}

/// One record in `update --json`.
#[derive(Serialize)]
struct RecordJson {
    record: &'static str,
    old: Option<IpAddr>,
    new: Option<IpAddr>,
    action: Action,
    why: Option<String>,
}

/// What this run learnt about the public addresses: one per family where it could, and why not
/// where it could not.
struct Observation {
    addresses: Addresses,
    failures: BTreeMap<Family, Error>,
    /// Whether the addresses came from `--ip` (then a family not given is not an error).
    given: bool,
}

/// The public addresses: those given with `--ip`; else for each family the names need, a
/// publishable `--ip-hint` of that family, else detection. A detected address that would
/// change a record is confirmed by the next source first.
fn observe(
    ctx: &Context,
    locked: &Locked,
    names: &[String],
    given: &[IpAddr],
    hints: &[IpAddr],
) -> Observation {
    let mut seen = Observation {
        addresses: Addresses::default(),
        failures: BTreeMap::new(),
        given: !given.is_empty(),
    };
    if seen.given {
        for ip in given {
            seen.addresses.set(*ip);
        }
        return seen;
    }
    let entries: Vec<_> = names.iter().map(|n| &locked.state.names[n]).collect();
    for family in Family::ALL {
        if !entries.iter().any(|e| e.publishes(family)) {
            continue;
        }
        let of_family: Vec<IpAddr> = hints
            .iter()
            .copied()
            .filter(|ip| Family::of(ip) == family)
            .collect();
        if let Some(hint) = of_family
            .iter()
            .find(|ip| crate::address::not_global(ip).is_none())
        {
            seen.addresses.set(*hint);
            continue;
        }
        if let Some(first) = of_family.first() {
            let why = crate::address::not_global(first).unwrap_or("not publishable");
            crate::out::note(&format!(
                "--ip-hint {first} is {why}, so the public {} address is detected instead",
                family.label()
            ));
        }
        let found = detect::detect(ctx, family).and_then(|found| {
            if entries.iter().any(|e| plan::would_change(e, found.ip)) {
                detect::confirm(ctx, &found)?;
            }
            Ok(found)
        });
        match found {
            Ok(found) => seen.addresses.set(found.ip),
            Err(e) => {
                seen.failures.insert(family, e);
            }
        }
    }
    seen
}

/// What happened to one name in this run.
struct Outcome {
    name: String,
    /// Per published family: old and new value and what was done.
    records: Vec<RecordChange>,
    /// Whether an apply was accepted.
    sent: bool,
    /// Everything that went wrong for this name, the apply's error first.
    errors: Vec<Error>,
}

impl Outcome {
    /// The exit status this name calls for.
    fn exit(&self) -> u8 {
        self.errors
            .iter()
            .map(|e| e.class.exit_code())
            .max()
            .unwrap_or(0)
    }

    fn json(&self) -> NameJson<'_> {
        NameJson {
            name: &self.name,
            status: if self.errors.is_empty() {
                "ok"
            } else {
                "error"
            },
            records: self
                .records
                .iter()
                .map(|r| RecordJson {
                    record: r.family.record(),
                    old: r.old,
                    new: r.new,
                    action: r.action,
                    why: why(r),
                })
                .collect(),
            error: self.errors.first(),
            errors: &self.errors,
        }
    }

    /// One line: `home.example.com A 81.2.69.142 unchanged`, `... A updated OLD -> NEW`, ...
    fn line(&self) -> String {
        let parts: Vec<String> = self.records.iter().map(describe).collect();
        format!("{} {}", self.name, parts.join(", "))
    }
}

/// Why a record was sent again: `--force`, `weekly keep-alive`, `DNS answered 81.2.69.99`.
fn why(change: &RecordChange) -> Option<String> {
    match (&change.action, &change.answered) {
        (Action::Resent, Some(answered)) => Some(format!("DNS answered {}", shown(answered))),
        (Action::Resent, None) => change.reason.map(|r| r.describe().to_string()),
        (Action::NotPublished, _) => Some("no address detected".into()),
        _ => None,
    }
}

/// One record's part of the line: `A 81.2.69.142 unchanged`, `A updated OLD -> NEW`, ...
fn describe(change: &RecordChange) -> String {
    let record = change.family.record();
    let new = change.new.map(|ip| ip.to_string()).unwrap_or_default();
    match (change.action, change.old) {
        (Action::NotPublished, _) => format!("{record} not published yet (no address detected)"),
        (Action::Updated, Some(old)) => format!("{record} updated {old} -> {new}"),
        (Action::Published | Action::Updated, _) => format!("{record} {new} published"),
        (Action::Resent, _) => format!(
            "{record} {new} re-sent ({})",
            why(change).unwrap_or_default()
        ),
        (Action::Unchanged, _) => format!("{record} {new} unchanged"),
    }
}

/// Addresses as a list for a line, or `no record`.
pub fn shown(addresses: &[IpAddr]) -> String {
    if addresses.is_empty() {
        return "no record".into();
    }
    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    list.join(" ")
}

fn update_one(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    seen: &Observation,
    now: u64,
    force: bool,
) -> Outcome {
    let entry = locked.state.names[name].clone();
    // A family that could not be detected is reported for every name that publishes it.
    let failures: Vec<Error> = Family::ALL
        .iter()
        .filter(|f| entry.publishes(**f))
        .filter_map(|f| seen.failures.get(f).cloned())
        .collect();
    let mut outcome = Outcome {
        name: name.to_string(),
        records: Vec::new(),
        sent: false,
        errors: Vec::new(),
    };
    let mut authority = Authority::new();
    let mut decision = plan::plan(&entry, &seen.addresses, now, force, &authority);
    if decision == Decision::Unchanged && plan::wants_authority(&entry, now) {
        authority = ask_authority(ctx, locked, name);
        decision = plan::plan(&entry, &seen.addresses, now, force, &authority);
    }
    match decision {
        Decision::Unchanged => {
            outcome.records = plan::changes(&entry, &entry.published, None, &authority, now);
        }
        Decision::NoAddress => {
            if failures.is_empty() {
                // Only with --ip: detection failures explain themselves.
                let wanted: Vec<&str> = entry
                    .families
                    .iter()
                    .filter(|f| entry.publishes(**f))
                    .map(|f| f.label())
                    .collect();
                outcome.errors.push(Error::usage(format!(
                    "nothing was sent: --ip gave no {} address and none was published before",
                    wanted.join(" or ")
                )));
            }
        }
        Decision::Apply { send, reason } => match apply(ctx, locked, name, &send, now, force) {
            Ok(()) => {
                outcome.sent = true;
                outcome.records = plan::changes(&entry, &send, Some(reason), &authority, now);
            }
            Err(e) => {
                if e.class == Class::GrantLost {
                    mark_grant_lost(locked, name, now);
                }
                outcome.errors.push(e);
            }
        },
    }
    outcome.errors.extend(failures);
    outcome
}

/// What the zone's servers answer for `name`'s published records. Servers not known yet (a
/// name set up by an older release) are looked up and saved once; when none of the stored
/// servers answers, they are looked up again (the provider may have renumbered them). Servers
/// that cannot be asked leave the answer empty: nothing is re-sent for that reason alone.
fn ask_authority(ctx: &Context, locked: &mut Locked, name: &str) -> Authority {
    let ask = |servers: &[IpAddr], entry: &crate::state::Entry| {
        let mut authority = Authority::new();
        for family in Family::ALL {
            if entry.publishes(family)
                && entry.published.get(family).is_some()
                && let Ok(answer) = crate::authority::ask(servers, name, family)
            {
                authority.insert(family, answer);
            }
        }
        authority
    };
    let entry = locked.state.names[name].clone();
    let mut authority = ask(&entry.nameservers, &entry);
    if authority.is_empty() {
        let learnt = ctx
            .dns()
            .and_then(|dns| dns.nameservers(&entry.zone))
            .unwrap_or_default();
        if !learnt.is_empty() && learnt != entry.nameservers {
            authority = ask(&learnt, &entry);
            if let Ok(e) = entry_mut(locked, name) {
                e.nameservers = learnt;
            }
            // A failed save only means they are looked up again next run.
            let _ = locked.save();
        }
    }
    authority
}

/// Send `send` for `name` (refreshing the access token first when it is about to expire, and
/// once after a 401), then record what was published.
fn apply(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    send: &Addresses,
    now: u64,
    force: bool,
) -> Result<()> {
    let http = ctx.http()?;
    if plan::needs_refresh(&locked.state.names[name].grant, now) {
        refresh(http, locked, name, now)?;
    }
    let mut refreshed_after_401 = false;
    loop {
        match client::apply(http, &locked.state.names[name], send, force)? {
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
    let e = entry_mut(locked, name)?;
    e.published = *send;
    e.last_applied = Some(now);
    locked.save()?;
    Ok(())
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

fn entry_mut<'a>(locked: &'a mut Locked, name: &str) -> Result<&'a mut crate::state::Entry> {
    locked
        .state
        .names
        .get_mut(name)
        .ok_or_else(|| Error::new(Class::Bug, "the entry vanished under lock"))
}

/// Refresh the access token and save the state at once: a rotated refresh token must be on
/// disk before anything relies on it, so the stop signals are held back from the request to
/// the save (`signals.rs`); one that arrived meanwhile stops the run right after the save.
fn refresh(http: &crate::http::Http, locked: &mut Locked, name: &str, now: u64) -> Result<()> {
    let _held = crate::signals::hold();
    let e = entry_mut(locked, name)?;
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
    e.grant_lost_at = None;
    locked.save()?;
    Ok(())
}
