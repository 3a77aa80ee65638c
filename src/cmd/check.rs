//! `ddns check`: read-only status for monitoring. It detects the public addresses, asks the
//! configured resolver and the zone's own servers what each record holds, and runs the same
//! decision as `update` (`plan::Run` in check mode: "update due" exactly when `update` would
//! send). It writes nothing and refreshes nothing. Exit 0 in sync, 1 an update is due, 2 or
//! more an error; text and `--json` are both rendered from the reports.

use crate::address::Family;
use crate::cli::CheckArgs;
use crate::context::Context;
use crate::detect::{self, Detection};
use crate::error::Result;
use crate::plan::{self, Authority, Mode, Observed};
use crate::report::json::CheckDoc;
use crate::report::{PendingReport, Report, Seen};
use crate::state::Entry;
use std::collections::BTreeMap;

/// Run `check`. Returns the exit status.
pub fn run(ctx: &Context, args: &CheckArgs) -> Result<u8> {
    let state = crate::state::read(&ctx.state_path)?;
    let names = super::select(&state, &args.names, &ctx.state_path, true)?;
    let now = crate::clock::now();

    let mut detections: BTreeMap<Family, Detection> = BTreeMap::new();
    let mut observed = Observed::default();
    for family in Family::ALL {
        let wanted = |n: &String| state.names.get(n).is_some_and(|e| e.publishes(family));
        if names.iter().any(wanted) {
            match detect::detect(&ctx.net, &ctx.sources, family) {
                Ok(found) => {
                    observed.addresses.set(found.ip);
                    detections.insert(family, found);
                }
                Err(e) => {
                    observed.failures.insert(family, e);
                }
            }
        }
    }

    let mut reports = Vec::new();
    for name in &names {
        let pending = state.pending.get(name);
        match (state.names.get(name), pending) {
            (Some(entry), _) => {
                let mut r = check_one(ctx, name, entry, &detections, &observed, now);
                r.pending = pending.map(PendingReport::of);
                reports.push(r);
            }
            (None, Some(p)) => reports.push(Report::waiting(name, p)),
            (None, None) => {}
        }
    }
    let worst = reports.iter().map(Report::exit).max().unwrap_or(0);
    if args.json {
        crate::out::say_json(&CheckDoc::new(&reports, now));
    } else {
        for line in reports.iter().flat_map(|r| r.check_lines(now)) {
            crate::out::say(&line);
        }
    }
    Ok(worst)
}

/// Observe one set-up name's records and decide as `update` would.
fn check_one(
    ctx: &Context,
    name: &str,
    entry: &Entry,
    detections: &BTreeMap<Family, Detection>,
    observed: &Observed,
    now: u64,
) -> Report {
    let servers = super::zone_servers(ctx, &entry.setup);
    let mut authority = Authority::new();
    let mut seen = BTreeMap::new();
    // Per family: why it could not be detected, then why DNS could not be asked.
    let mut errors = Vec::new();
    for family in entry.setup.published_families() {
        errors.extend(observed.failures.get(&family).cloned());
        let dns = match ctx.net.dns().lookup_ip(name, Some(family)) {
            Ok(answers) => Some(answers),
            Err(e) => {
                errors.push(e.into());
                None
            }
        };
        let answer = crate::net::authority::ask(&servers, name, family);
        let authoritative = Some(
            answer
                .as_ref()
                .map(|a| a.addresses.clone())
                .map_err(String::clone),
        );
        if let Ok(answer) = answer {
            authority.insert(family, answer);
        }
        let public = (detections.get(&family)).map(|d| (d.ip, d.source.clone(), d.millis));
        seen.insert(
            family,
            Seen {
                public,
                dns,
                authoritative,
            },
        );
    }
    let mut decision = plan::Run::new(entry, observed, now, Mode::Check);
    decision.authority(authority);
    // In check mode the decision reports no detection failure: they are listed above, each
    // with its family's lookup.
    let mut finished = decision.finish();
    finished.errors.extend(errors);
    let mut report = Report::new(name, entry, finished, true);
    report.seen = seen;
    report
}
