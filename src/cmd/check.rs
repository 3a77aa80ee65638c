//! `ddns check`: read-only status for monitoring. For each name: what was published, the
//! current public address, what DNS answers, and the grant's state. Writes nothing and
//! refreshes nothing. Exit 0 in sync, 1 an update is due, 2 or more an error.

use crate::address::Family;
use crate::cli::CheckArgs;
use crate::context::{Context, now};
use crate::detect::{self, Detection};
use crate::error::Result;
use crate::plan::{self, Decision, Observed, Reason};
use crate::state::Entry;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Run `check`. Returns the exit status.
pub fn run(ctx: &Context, args: &CheckArgs) -> Result<u8> {
    let state = crate::state::read(&ctx.state_path)?;
    let names = super::select(&state, &args.names, &ctx.state_path)?;
    let now = now();

    let mut detections: BTreeMap<Family, Result<Detection>> = BTreeMap::new();
    for family in Family::ALL {
        if names.iter().any(|n| state.names[n].publishes(family)) {
            let found = detect::detect(ctx, &ctx.sources, family);
            detections.insert(family, found);
        }
    }
    let mut observed = Observed::default();
    for found in detections.values().flatten() {
        match found.ip {
            IpAddr::V4(v4) => observed.ipv4 = Some(v4),
            IpAddr::V6(v6) => observed.ipv6 = Some(v6),
        }
    }

    let mut worst = 0u8;
    let mut reports = Vec::new();
    for name in &names {
        let report = check_one(ctx, name, &state.names[name], &detections, &observed, now);
        worst = worst.max(report.exit);
        reports.push(report);
    }
    if args.json {
        let doc = json!({
            "names": reports.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
            "exit": worst,
        });
        crate::out::say(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for report in &reports {
            for line in &report.lines {
                crate::out::say(line);
            }
        }
    }
    Ok(worst)
}

struct Report {
    exit: u8,
    lines: Vec<String>,
    json: Value,
}

fn check_one(
    ctx: &Context,
    name: &str,
    entry: &Entry,
    detections: &BTreeMap<Family, Result<Detection>>,
    observed: &Observed,
    now: u64,
) -> Report {
    let mut exit = 0u8;
    let mut problems: Vec<String> = Vec::new();
    let mut family_lines = Vec::new();
    let mut families_json = serde_json::Map::new();
    let mut dns_behind = false;

    for family in entry
        .families
        .iter()
        .filter(|f| entry.template.carries(**f))
    {
        let published: Option<IpAddr> = match family {
            Family::Ipv4 => entry.published.ipv4.map(IpAddr::V4),
            Family::Ipv6 => entry.published.ipv6.map(IpAddr::V6),
        };
        let (public, source, millis) = match detections.get(family) {
            Some(Ok(d)) => (Some(d.ip), Some(d.source.clone()), Some(d.millis)),
            Some(Err(e)) => {
                exit = exit.max(e.class.exit_code());
                problems.push(e.message.clone());
                (None, None, None)
            }
            None => (None, None, None),
        };
        let answers = ctx
            .dns()
            .and_then(|dns| dns.lookup_ip(name, Some(*family)))
            .unwrap_or_default();
        if let Some(p) = published
            && !answers.contains(&p)
        {
            dns_behind = true;
        }
        let show = |ip: Option<IpAddr>| ip.map_or_else(|| "none".to_string(), |i| i.to_string());
        let dns_shown = if answers.is_empty() {
            "no record".to_string()
        } else {
            answers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let source_shown = match (&source, millis) {
            (Some(s), Some(ms)) => format!(" (from {s} in {ms} ms)"),
            _ => String::new(),
        };
        family_lines.push(format!(
            "  {:<4} published {}, public {}{source_shown}, DNS answers {dns_shown}",
            family.record(),
            show(published),
            show(public),
        ));
        families_json.insert(
            family.label().to_ascii_lowercase(),
            json!({
                "published": published,
                "public": public,
                "source": source,
                "millis": millis,
                "dns": answers,
            }),
        );
    }

    let decision = plan::plan(entry, observed, now, false);
    let due = match decision {
        Decision::Apply { reason, .. } => Some(match reason {
            Reason::First => "nothing published yet",
            Reason::Changed => "the public address changed",
            Reason::Keepalive => "the weekly keep-alive is due",
            Reason::Forced => "forced",
        }),
        Decision::NoAddress => {
            exit = exit.max(crate::error::Class::Transient.exit_code());
            None
        }
        Decision::Unchanged if dns_behind => Some(
            "DNS does not answer the published address (wait a minute; if it lasts, run `ddns update --force`)",
        ),
        Decision::Unchanged => None,
    };
    if due.is_some() {
        exit = exit.max(1);
    }
    let status = match (exit, due) {
        (0, _) => "in sync".to_string(),
        (1, Some(why)) => format!("update due: {why}"),
        _ => format!("error: {}", problems.join("; ")),
    };

    let token = match entry.grant.access_expires_at {
        Some(at) if at > now => format!("access token valid for {} min", (at - now) / 60),
        Some(_) => "access token expired (renewed at the next update)".to_string(),
        None => "access token lifetime unknown".to_string(),
    };
    let refresh = if entry.grant.refresh_token.is_some() {
        "refresh token kept"
    } else {
        "no refresh token (setup again when the access token expires)"
    };
    let last = entry.last_applied.map_or_else(
        || "never updated".to_string(),
        |at| format!("last update {} ago", ago(now.saturating_sub(at))),
    );
    let mut lines = vec![format!("{name}: {status}")];
    lines.extend(family_lines);
    lines.push(format!(
        "  provider {} ({}), {last}, {token}, {refresh}",
        entry.provider.name,
        entry.template.id()
    ));
    let json = json!({
        "name": name,
        "status": match exit { 0 => "in-sync", 1 => "update-due", _ => "error" },
        "exit": exit,
        "due": due,
        "errors": problems,
        "provider": entry.provider.name,
        "template": entry.template.id(),
        "families": families_json,
        "last_applied": entry.last_applied,
        "access_token_expires_at": entry.grant.access_expires_at,
        "has_refresh_token": entry.grant.refresh_token.is_some(),
    });
    Report { exit, lines, json }
}

fn ago(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86400),
    }
}
