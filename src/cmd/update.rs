//! `ddns update`: observe the public addresses once, then for each name drive the decision
//! (`plan::Run`): ask the zone's servers, refresh the token, apply, as it says. The state lock
//! is held while the names are decided and applied, so racing runs (cron and a WAN hook) apply
//! once; then each name's report is printed, the on-change program runs for what changed or
//! failed, and the monitors are pinged, all rendered from the reports. With `--every`, the
//! same run again and again in one process, the lock held only during each.

use crate::address::{Addresses, Family};
use crate::cli::UpdateArgs;
use crate::context::{self, Context, Env};
use crate::domainconnect::client;
use crate::error::{Class, Error, Result};
use crate::notify::ping::Monitor;
use crate::plan::{self, Applied, Authority, Mode, Observed, Step};
use crate::report::json::UpdateDoc;
use crate::report::{Report, RunReport, Status};
use crate::state::{Entry, Locked};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

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
        let given = (args.ip.iter())
            .map(|v| context::parse_given_ip(v))
            .collect::<Result<_>>()?;
        let hints = (args.ip_hint.iter())
            .map(|v| context::parse_ip("--ip-hint", v))
            .collect::<Result<_>>()?;
        let monitors = if args.ping.is_empty() {
            crate::notify::ping::parse(env.ping.as_deref().unwrap_or(""))?
        } else {
            crate::notify::ping::parse(&args.ping.join(","))?
        };
        let on_change = (args.on_change.as_deref())
            .or(env.on_change.as_deref())
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from);
        if let Some(program) = &on_change {
            crate::notify::hook::check(program)?;
        }
        let every = args.every.as_deref();
        Ok(Options {
            names: args.names.clone(),
            given,
            hints,
            force: args.force,
            json: args.json,
            every: every
                .map(|v| crate::clock::duration("--every", v, false))
                .transpose()?,
            monitors,
            on_change,
        })
    }
}

/// Run `update`: once (the default, for cron, hooks and CronJobs), or every `--every` until a
/// stop signal. Returns the exit status: 0, or the worst status of any name.
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

/// One run and everything rendered from its reports: the lines, the on-change program, the
/// JSON document and the health-check pings (which never change its status).
fn once(ctx: &Context, o: &Options) -> Result<u8> {
    let result = update(ctx, o).map(|mut run| {
        report(o, &mut run);
        run
    });
    let (status, lines) = match &result {
        Ok(run) => (run.exit(), run.lines()),
        Err(e) => (e.class.exit_code(), vec![format!("ddns: {}", e.message)]),
    };
    if !o.monitors.is_empty() {
        crate::notify::ping_all(&ctx.net, &o.monitors, status, &lines);
    }
    result.map(|run| run.exit())
}

/// Print each name's line and errors and run the on-change program for its events (after the
/// lock is released; what it prints joins the run's report), then print the JSON document.
fn report(o: &Options, run: &mut RunReport) {
    for report in &run.names {
        if !report.records.is_empty() {
            if o.json {
                crate::out::log_only(&report.line());
            } else {
                crate::out::say(&report.line());
            }
        }
        for line in report.error_lines() {
            crate::out::error(&line);
        }
        let mut printed = Vec::new();
        if let Some(program) = &o.on_change {
            for event in report.hook_events() {
                if let Err(e) = crate::notify::hook::run(program, &event, &mut printed) {
                    let line = format!("{}: {}", report.name, e.message);
                    crate::out::error(&line);
                    printed.push(format!("ddns: {line}"));
                }
            }
        }
        run.hook_lines.push(printed);
    }
    if o.json {
        let doc = UpdateDoc::new(&run.names);
        if o.every.is_some() {
            // One document a line, a run after another.
            crate::out::print_only(&serde_json::to_string(&doc).unwrap_or_else(|_| "null".into()));
        } else {
            crate::out::say_json(&doc);
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

/// Decide and apply every name under the lock; the reports of how it went.
fn update(ctx: &Context, o: &Options) -> Result<RunReport> {
    let mut locked = ctx.lock()?;
    let names = super::select(&locked.state, &o.names, &ctx.state_path, false)?;
    let now = crate::clock::now();
    let entries: Vec<&Entry> = names.iter().map(|n| &locked.state.names[n]).collect();
    let (observed, notes) =
        crate::detect::observe(&ctx.net, &ctx.sources, &entries, &o.given, &o.hints);
    let mut run = RunReport {
        notes,
        ..RunReport::default()
    };
    for name in &names {
        let report = update_one(ctx, &mut locked, name, &observed, now, o.force);
        run.names.push(report);
    }
    Ok(run)
}

/// Drive the decision for `name` and act on each step; the report of how it went.
fn update_one(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    observed: &Observed,
    now: u64,
    force: bool,
) -> Report {
    let entry = locked.state.names[name].clone();
    let mut decision = plan::Run::new(&entry, observed, now, Mode::Update { force });
    loop {
        match decision.next() {
            Step::AskAuthority => decision.authority(ask_authority(ctx, locked, name)),
            Step::Refresh => decision.refreshed(refresh(ctx, locked, name, now)),
            Step::Apply { send, reason } => {
                let result = apply(ctx, locked, name, &send, now, force);
                decision.applied(send, reason, result);
            }
            Step::Done => break,
        }
    }
    let report = Report::new(name, &entry, decision.finish(), false);
    if report.status == Status::GrantLost {
        mark_grant_lost(locked, name, now);
    }
    report
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

/// Send `send` for `name`; when the provider accepts it, record what was published.
fn apply(
    ctx: &Context,
    locked: &mut Locked,
    name: &str,
    send: &Addresses,
    now: u64,
    force: bool,
) -> Result<Applied> {
    let http = ctx.net.http()?;
    let entry = locked.entry_mut(name)?;
    let url = entry.setup.apply_url(send, force);
    let applied = client::apply(http, &url, &entry.grant.access_token)?;
    if applied == Applied::Ok {
        let e = locked.entry_mut(name)?;
        e.published = *send;
        e.last_applied = Some(now);
        locked.save()?;
    }
    Ok(applied)
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

/// Refresh the access token and save the state at once: a rotated refresh token must be on
/// disk before anything relies on it, so the stop signals are held back from the request to
/// the save (`platform/signals.rs`); one that arrived meanwhile stops the run right after the
/// save.
fn refresh(ctx: &Context, locked: &mut Locked, name: &str, now: u64) -> Result<()> {
    let http = ctx.net.http()?;
    let _held = crate::platform::signals::hold();
    let e = locked.entry_mut(name)?;
    let refresh_token = e.grant.refresh_token.clone().ok_or_else(|| {
        Error::grant_lost(
            "the access token expired and the provider issued no refresh token: run `ddns \
             setup` for this name again",
        )
    })?;
    let tokens = client::refresh(http, &e.setup.provider.url_api, &refresh_token)?;
    e.grant.access_token = tokens.access_token;
    e.grant.access_expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    if let Some(rotated) = tokens.refresh_token {
        e.grant.refresh_token = Some(rotated);
    }
    e.grant_lost_at = None;
    locked.save()?;
    Ok(())
}
