//! `ddns update`: observe the public address(es) once, then for each name act on the decision
//! in `plan.rs`, refreshing the access token when needed; run the on-change program for what
//! changed or failed, and ping the monitors. Holds the state lock for the whole run, so racing
//! runs (cron and a WAN hook) apply once. With `--every`, the same run again and again in one
//! process, the lock held only during each.

use crate::address::{Addresses, Family};
use crate::cli::UpdateArgs;
use crate::context::{self, Context, Env};
use crate::detect;
use crate::domainconnect::client::{self, Applied};
use crate::error::{Class, Error, Result};
use crate::notify::ping::Monitor;
use crate::plan::{self, Action, Authority, Decision, RecordChange};
use crate::state::Locked;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the command line and the environment ask of `update`, checked before any run.
struct Options {
    names: Vec<String>,
    given: Vec<IpAddr>,
    hints: Vec<IpAddr>,
    force: bool,
    json: bool,
    every: Option<Duration>,
    monitors: Vec<Monitor>,
    on_change: Option<PathBuf>,
}

impl Options {
    fn new(args: &UpdateArgs, env: &Env) -> Result<Options> {
        let given = args
            .ip
            .iter()
            .map(|v| context::parse_given_ip(v))
            .collect::<Result<_>>()?;
        let hints = args
            .ip_hint
            .iter()
            .map(|v| context::parse_ip("--ip-hint", v))
            .collect::<Result<_>>()?;
        let monitors = if args.ping.is_empty() {
            crate::notify::ping::parse(env.ping.as_deref().unwrap_or(""))?
        } else {
            crate::notify::ping::parse(&args.ping.join(","))?
        };
        let on_change = args
            .on_change
            .as_deref()
            .or(env.on_change.as_deref())
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from);
        if let Some(program) = &on_change {
            crate::notify::hook::check(program)?;
        }
        Ok(Options {
            names: args.names.clone(),
            given,
            hints,
            force: args.force,
            json: args.json,
            every: args.every.as_deref().map(interval).transpose()?,
            monitors,
            on_change,
        })
    }
}

/// An `--every` value: a number and a unit, `ms`, `s`, `m` or `h` (`30s`, `5m`, `1h`).
fn interval(value: &str) -> Result<Duration> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let scale = match unit {
        "ms" => Some(Duration::from_millis(1)),
        "s" => Some(Duration::from_secs(1)),
        "m" | "min" => Some(Duration::from_secs(60)),
        "h" => Some(Duration::from_secs(3600)),
        _ => None,
    };
    match (number.parse::<u32>().ok().filter(|n| *n > 0), scale) {
        (Some(n), Some(scale)) if n <= 100_000 => Ok(scale * n),
        _ => Err(Error::usage(format!(
            "--every '{}' is not a duration: give a number and a unit, such as 30s, 5m or 1h",
            crate::out::printable(value, 40)
        ))),
    }
}

/// Run `update`: once (the default, for cron, hooks and CronJobs), or every `--every` until a
/// stop signal. Returns the exit status: 0, or the worst error class of any name.
pub fn run(ctx: &Context, args: &UpdateArgs, env: &Env) -> Result<u8> {
    let options = Options::new(args, env)?;
    match options.every {
        None => once(ctx, &options),
        Some(interval) => {
            // Held back for the whole loop: see `every`.
            let _held = crate::platform::signals::hold();
            every(ctx, &options, interval)
        }
    }
}

/// One run, then the health-check pings (which never change its status).
fn once(ctx: &Context, o: &Options) -> Result<u8> {
    if o.monitors.is_empty() {
        return update(ctx, o);
    }
    crate::out::record();
    let result = update(ctx, o);
    let mut lines = crate::out::recorded();
    let status = match &result {
        Ok(status) => *status,
        Err(e) => {
            lines.push(format!("ddns: {}", e.message));
            e.class.exit_code()
        }
    };
    ping(ctx, &o.monitors, status, &lines);
    result
}

/// Health-check pings take at most this long together.
const PING_BUDGET: Duration = Duration::from_secs(10);

/// Tell each monitor how the run went. A failed ping is one line; the run's status stays.
fn ping(ctx: &Context, monitors: &[Monitor], status: u8, lines: &[String]) {
    let deadline = Instant::now() + PING_BUDGET;
    for request in monitors
        .iter()
        .filter_map(|m| crate::notify::ping::ping(m, status, lines))
    {
        let host = crate::net::http::host_of(&request.url).to_string();
        let left = deadline.saturating_duration_since(Instant::now());
        let failure = if left.is_zero() {
            Some(format!(
                "no time was left of the {} seconds pings may take",
                PING_BUDGET.as_secs()
            ))
        } else {
            match ctx.http().map(|http| http.ping(&request, left)) {
                Ok(Ok(reply)) if (200..300).contains(&reply.status) => None,
                Ok(Ok(reply)) => Some(format!("it answered HTTP {}", reply.status)),
                Ok(Err(e)) => Some(e.error.message),
                Err(e) => Some(e.message),
            }
        };
        if let Some(why) = failure {
            crate::out::error(&format!(
                "the health-check ping to {host} failed ({why}); the update's own status is \
                 not affected"
            ));
        }
    }
}

/// Update every `interval` until SIGTERM, SIGINT or SIGHUP, which end it with status 0: at once
/// between runs, and right after the run during one (the signals stay held back for the whole
/// loop, so a stop never cuts a run short, and works as a container's PID 1, where the kernel
/// would drop a signal left to its default action). The lock is held only during a run;
/// a failing run does not end the loop, only an error no later run can fix (a bad state file,
/// a bad argument) does, with its status.
fn every(ctx: &Context, o: &Options, interval: Duration) -> Result<u8> {
    let shown = crate::clock::ago(interval.as_secs()).replace("0 s", "under a second");
    let mut waiting_said = false;
    loop {
        let set_up = crate::state::read(&ctx.state_path).map(|s| !s.names.is_empty());
        if matches!(set_up, Ok(false)) {
            // Set up from another container sharing the volume, say: look again next time.
            if !waiting_said {
                crate::out::note(&format!(
                    "no name is set up in {} yet: updates start once `ddns setup NAME` has run",
                    ctx.state_path.display()
                ));
                waiting_said = true;
            }
        } else {
            waiting_said = false;
            let status = match once(ctx, o) {
                Ok(status) => status,
                Err(e) if e.class == Class::Usage => return Err(e),
                Err(e) => {
                    crate::out::error(&e.message);
                    e.class.exit_code()
                }
            };
            crate::out::note(&format!(
                "update finished with status {status}; the next one in {shown}"
            ));
        }
        if let Some(signal) = crate::platform::signals::wait(interval) {
            crate::out::note(&format!("stopped by {}", signal.as_str()));
            return Ok(0);
        }
    }
}

/// One update of the names.
fn update(ctx: &Context, o: &Options) -> Result<u8> {
    let mut locked = ctx.lock()?;
    let names = super::select(&locked.state, &o.names, &ctx.state_path, false)?;
    let now = crate::clock::now();

    let observation = observe(ctx, &locked, &names, &o.given, &o.hints);
    let mut outcomes = Vec::new();
    for name in &names {
        let outcome = update_one(ctx, &mut locked, name, &observation, now, o.force);
        let line = outcome.line();
        if !outcome.records.is_empty() {
            if o.json {
                crate::out::log_only(&line);
            } else {
                crate::out::say(&line);
            }
        }
        for e in &outcome.errors {
            crate::out::error(&format!("{name}: {}", e.message));
        }
        if let Some(program) = &o.on_change {
            let events = plan::hook_events(
                &outcome.before,
                name,
                &outcome.records,
                &outcome.errors,
                &line,
            );
            for event in events {
                if let Err(e) = crate::notify::hook::run(program, &event) {
                    crate::out::error(&format!("{name}: {}", e.message));
                }
            }
        }
        outcomes.push(outcome);
    }
    drop(locked);
    let worst = outcomes.iter().map(Outcome::exit).max().unwrap_or(0);
    if o.json {
        let doc = Document {
            names: outcomes.iter().map(Outcome::json).collect(),
            exit: worst,
        };
        if o.every.is_some() {
            // One document a line, a run after another.
            crate::out::print_only(&serde_json::to_string(&doc).unwrap_or_else(|_| "null".into()));
        } else {
            crate::out::say_json(&doc);
        }
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
    /// The name's entry before this run.
    before: crate::state::Entry,
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
        before: entry.clone(),
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
                && let Ok(answer) = crate::net::authority::ask(servers, name, family)
            {
                authority.insert(family, answer);
            }
        }
        authority
    };
    let entry = locked.state.names[name].clone();
    let mut authority = ask(&entry.nameservers, &entry);
    if authority.is_empty() {
        let learnt = ctx.dns().nameservers(&entry.zone).unwrap_or_default();
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
fn refresh(http: &crate::net::http::Http, locked: &mut Locked, name: &str, now: u64) -> Result<()> {
    let _held = crate::platform::signals::hold();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_need_a_unit() {
        assert_eq!(interval("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(interval(" 30s ").unwrap(), Duration::from_secs(30));
        assert_eq!(interval("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(interval("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["5", "m", "0s", "-5m", "5 m", "5d", "1.5m", "", "99999999h"] {
            assert!(interval(bad).is_err(), "{bad}");
        }
    }
}
