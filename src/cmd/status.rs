//! `ddns status` and `ddns health`: what is stored and what the last update did (the last-run
//! file, `state/lastrun.rs`), without a packet and without writing. `status` shows it (the
//! router page refreshes with it); `health` judges it for a container's HEALTHCHECK.

use crate::cli::{HealthArgs, StatusArgs};
use crate::context::Context;
use crate::error::Result;
use crate::report::PendingReport;
use crate::report::summary::{self, Summary};
use crate::state::lastrun::{self, LastRun, NameRun};
use crate::state::{Backoff, Change, Foreign, Unseen};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How old the last successful update may be for `health`, by default.
const MAX_AGE: &str = "1h";

/// `status --json`.
#[derive(Serialize)]
struct Document<'a> {
    names: Vec<NameStatus<'a>>,
    /// When the last update ran and how it ended (`null`: none recorded since the system
    /// started, or no place to record it).
    last_run: Option<RunJson<'a>>,
}

#[derive(Serialize)]
struct RunJson<'a> {
    at: u64,
    exit: u8,
    error: Option<&'a str>,
}

/// One name in `status --json`.
#[derive(Serialize)]
struct NameStatus<'a> {
    name: &'a str,
    #[serde(flatten)]
    summary: Summary,
    provider: &'a str,
    template: &'static str,
    /// Per family: what this client last published.
    published: BTreeMap<&'static str, Option<IpAddr>>,
    last_applied: Option<u64>,
    last_run: Option<&'a NameRun>,
    pending: Option<PendingReport>,
    history: &'a [Change],
    unseen: Option<&'a BTreeMap<crate::address::Family, Unseen>>,
    foreign: Option<&'a BTreeMap<crate::address::Family, Foreign>>,
    retry_after: Option<u64>,
    backoff: Option<&'a Backoff>,
}

/// Run `status`: exit 0 (a usage error aside).
pub fn status(ctx: &Context, args: &StatusArgs) -> Result<u8> {
    let state = crate::state::read(&ctx.state_path)?;
    let names = super::select(&state, &args.names, &ctx.state_path, true)?;
    let last = ctx.run_file.as_deref().and_then(lastrun::read);
    let now = crate::clock::now();
    let names: Vec<NameStatus> = (names.iter())
        .map(|name| {
            let entry = state.names.get(name);
            let pending = state.pending.get(name);
            let run = last.as_ref().and_then(|l| l.names.get(name));
            let setup = entry.map(|e| &e.setup).or(pending.map(|p| &p.setup));
            NameStatus {
                name,
                summary: summary::offline(name, entry, pending, run, now),
                provider: setup.map_or("", |s| s.provider.name.as_str()),
                template: setup.map_or("", |s| s.template.id()),
                published: published(setup, entry),
                last_applied: entry.and_then(|e| e.last_applied),
                last_run: run,
                pending: pending.map(PendingReport::of),
                history: entry.map_or(&[], |e| &e.watch.history),
                unseen: entry.map(|e| &e.watch.unseen),
                foreign: entry.map(|e| &e.watch.foreign),
                retry_after: entry.and_then(|e| e.watch.retry_after),
                backoff: entry.and_then(|e| e.watch.backoff.as_ref()),
            }
        })
        .collect();
    if args.json {
        crate::out::say_json(&Document {
            names,
            last_run: last.as_ref().map(|l| RunJson {
                at: l.at,
                exit: l.exit,
                error: l.error.as_deref(),
            }),
        });
    } else {
        for n in &names {
            let when = n.last_run.map_or_else(String::new, |r| {
                format!(" ({} ago)", crate::clock::ago(now.saturating_sub(r.at)))
            });
            let text = if n.summary.text.is_empty() {
                String::new()
            } else {
                format!(": {}", n.summary.text)
            };
            crate::out::say(&format!("{}: {}{text}{when}", n.name, n.summary.status));
        }
    }
    Ok(0)
}

/// Per family the name publishes: what this client last published.
fn published(
    setup: Option<&crate::state::Setup>,
    entry: Option<&crate::state::Entry>,
) -> BTreeMap<&'static str, Option<IpAddr>> {
    let mut out = BTreeMap::new();
    for f in setup
        .map(crate::state::Setup::published_families)
        .unwrap_or_default()
    {
        out.insert(f.key(), entry.and_then(|e| e.published.get(f)));
    }
    out
}

/// Run `health`: 0 when every set-up name's last update succeeded within `--max-age`, else 1;
/// one line either way.
pub fn health(ctx: &Context, args: &HealthArgs) -> Result<u8> {
    let max_age = crate::clock::duration(
        "--max-age",
        args.max_age.as_deref().unwrap_or(MAX_AGE),
        false,
    )?
    .as_secs();
    let state = crate::state::read(&ctx.state_path)?;
    let last = ctx.run_file.as_deref().and_then(lastrun::read);
    let now = crate::clock::now();
    let recorded = match ctx.run_file.as_deref().and_then(std::path::Path::parent) {
        Some(dir) if dir.is_dir() => Ok(()),
        Some(dir) => Err(dir.display().to_string()),
        None => Err(String::new()),
    };
    let verdict = judge(&state, last.as_ref(), recorded, max_age, now);
    match verdict {
        Ok(line) => {
            crate::out::say(&line);
            Ok(0)
        }
        Err(line) => {
            crate::out::say(&line);
            Ok(1)
        }
    }
}

/// The health verdict, as the line to print: `Ok` healthy, `Err` not.
/// `recorded`: whether runs can be recorded (`Err`: the directory that is missing, empty when
/// there is none at all).
fn judge(
    state: &crate::state::State,
    last: Option<&LastRun>,
    recorded: std::result::Result<(), String>,
    max_age: u64,
    now: u64,
) -> std::result::Result<String, String> {
    let age = crate::clock::span(max_age);
    if state.names.is_empty() {
        return Err("unhealthy: no name is set up yet".into());
    }
    let Some(last) = last else {
        return Err(match recorded {
            Ok(()) => "unhealthy: no update has run since the system started".into(),
            Err(dir) if dir.is_empty() => "unhealthy: the last update cannot be known: set \
                 DDNS_RUN_DIR to a writable RAM directory (XDG_RUNTIME_DIR for a user)"
                .into(),
            Err(dir) => format!(
                "unhealthy: the last update cannot be known: {dir} does not exist; create it \
                 (a writable RAM directory) or set DDNS_RUN_DIR"
            ),
        });
    };
    if let Some(error) = &last.error {
        return Err(format!("unhealthy: the last update failed: {error}"));
    }
    for name in state.names.keys() {
        let Some(run) = last.names.get(name) else {
            return Err(format!(
                "unhealthy: {name} has not been updated since the system started"
            ));
        };
        if run.exit != 0 {
            return Err(format!("unhealthy: {name}: {}", run.text));
        }
        if now.saturating_sub(run.at) > max_age {
            return Err(format!(
                "unhealthy: {name} was last updated {} ago, longer than {age}",
                crate::clock::ago(now.saturating_sub(run.at))
            ));
        }
    }
    Ok(format!(
        "healthy: every name was updated within {age} (the last run {} ago)",
        crate::clock::ago(now.saturating_sub(last.at))
    ))
}
