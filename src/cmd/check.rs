//! `ddns check`: read-only status for monitoring. For each name: what was published, the
//! current public address, what DNS answers, and the grant's state. Writes nothing and
//! refreshes nothing. Exit 0 in sync, 1 an update is due, 2 or more an error.
//!
//! One [`NameReport`] per name is built first; the text and the JSON (`--json`, an interface
//! documented in the README) are both rendered from it.

use crate::address::{Addresses, Family};
use crate::cli::CheckArgs;
use crate::context::Context;
use crate::detect::{self, Detection};
use crate::error::{Class, Result};
use crate::plan::{self, Authority, Decision, Reason};
use crate::state::{Entry, Pending};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Run `check`. Returns the exit status.
pub fn run(ctx: &Context, args: &CheckArgs) -> Result<u8> {
    let state = crate::state::read(&ctx.state_path)?;
    let names = super::select(&state, &args.names, &ctx.state_path, true)?;
    let now = crate::clock::now();

    let mut detections: BTreeMap<Family, Result<Detection>> = BTreeMap::new();
    for family in Family::ALL {
        if names
            .iter()
            .any(|n| state.names.get(n).is_some_and(|e| e.publishes(family)))
        {
            detections.insert(family, detect::detect(ctx, family));
        }
    }
    let mut observed = Addresses::default();
    for found in detections.values().flatten() {
        observed.set(found.ip);
    }

    let reports: Vec<NameReport> = names
        .iter()
        .map(|name| {
            let pending = state.pending.get(name);
            match state.names.get(name) {
                Some(entry) => {
                    let mut r = report(ctx, name, entry, &detections, &observed, now);
                    r.pending = pending.map(PendingReport::of);
                    r
                }
                None => pending.map_or_else(|| unreachable_name(name), |p| waiting(name, p, now)),
            }
        })
        .collect();
    let worst = reports.iter().map(|r| r.exit).max().unwrap_or(0);
    if args.json {
        crate::out::say_json(&Document {
            names: &reports,
            exit: worst,
        });
    } else {
        for r in &reports {
            for line in r.lines(now) {
                crate::out::say(&line);
            }
        }
    }
    Ok(worst)
}

/// `check --json`.
#[derive(Serialize)]
struct Document<'a> {
    names: &'a [NameReport],
    exit: u8,
}

/// A name's state, as `check` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// DNS holds what was published, and that is the public address.
    InSync,
    /// `update` would send something.
    UpdateDue,
    /// Waiting for the owner's consent (`setup --begin` without `--code` yet): nothing is
    /// published for it.
    Pending,
    /// The provider no longer accepts the grant: `setup` must run again.
    GrantLost,
    /// Something failed: see the errors.
    Error,
}

/// A consent waiting to be finished.
#[derive(Debug, Serialize)]
pub struct PendingReport {
    provider: String,
    started_at: u64,
    expires_at: u64,
}

impl PendingReport {
    fn of(p: &Pending) -> PendingReport {
        PendingReport {
            provider: p.provider.name.clone(),
            started_at: p.started_at,
            expires_at: p.expires_at(),
        }
    }
}

/// The report of a name that only waits for consent.
fn waiting(name: &str, p: &Pending, now: u64) -> NameReport {
    let reason = if now < p.expires_at() {
        format!(
            "waiting for consent at {} since {} ago: finish with `ddns setup {name} --code \
             CODE` within {}",
            p.provider.name,
            crate::clock::ago(now.saturating_sub(p.started_at)),
            crate::clock::ago(p.expires_at() - now)
        )
    } else {
        format!(
            "the consent started {} ago has expired: run `ddns setup {name} --begin` again",
            crate::clock::ago(now.saturating_sub(p.started_at))
        )
    };
    NameReport {
        name: name.to_string(),
        status: Status::Pending,
        exit: 1,
        reason: Some(reason),
        due: None,
        errors: Vec::new(),
        provider: p.provider.name.clone(),
        template: p.template.id(),
        families: BTreeMap::new(),
        last_applied: None,
        access_token_expires_at: None,
        has_refresh_token: false,
        pending: Some(PendingReport::of(p)),
    }
}

/// `select` only returns known names; this keeps `check` total anyway.
fn unreachable_name(name: &str) -> NameReport {
    NameReport {
        name: name.to_string(),
        status: Status::Error,
        exit: Class::Bug.exit_code(),
        reason: Some("the name vanished from the state file".into()),
        due: None,
        errors: Vec::new(),
        provider: String::new(),
        template: "",
        families: BTreeMap::new(),
        last_applied: None,
        access_token_expires_at: None,
        has_refresh_token: false,
        pending: None,
    }
}

/// One family of one name.
#[derive(Debug, Serialize)]
struct FamilyReport {
    published: Option<IpAddr>,
    public: Option<IpAddr>,
    source: Option<String>,
    millis: Option<u64>,
    /// What the configured resolver answers (what the world sees, caches included).
    dns: Vec<IpAddr>,
    #[serde(skip)]
    dns_failed: bool,
    /// What the zone's own servers answer (the record itself); `None` when they could not be
    /// asked, and then `authoritative_error` says why ("192.0.2.53 did not answer (...)").
    authoritative: Option<Vec<IpAddr>>,
    authoritative_error: Option<String>,
}

/// Everything `check` says about one name.
#[derive(Debug, Serialize)]
pub struct NameReport {
    name: String,
    status: Status,
    exit: u8,
    /// Why an update is due, or what failed (one line); `None` in sync.
    reason: Option<String>,
    /// Why an update is due (kept from the first release; same as `reason` then).
    due: Option<String>,
    errors: Vec<String>,
    provider: String,
    template: &'static str,
    families: BTreeMap<&'static str, FamilyReport>,
    last_applied: Option<u64>,
    access_token_expires_at: Option<u64>,
    has_refresh_token: bool,
    /// A new consent waiting to be finished (a set-up name keeps its grant until then).
    pending: Option<PendingReport>,
}

fn report(
    ctx: &Context,
    name: &str,
    entry: &Entry,
    detections: &BTreeMap<Family, Result<Detection>>,
    observed: &Addresses,
    now: u64,
) -> NameReport {
    let mut exit = 0u8;
    let mut errors: Vec<String> = Vec::new();
    let mut families = BTreeMap::new();
    let mut authority = Authority::new();
    // The stored servers, or (for a name set up before they were stored) looked up now; check
    // writes nothing, so `update` is what saves them.
    let servers = if entry.nameservers.is_empty() {
        ctx.dns().nameservers(&entry.zone).unwrap_or_default()
    } else {
        entry.nameservers.clone()
    };
    for family in Family::ALL.into_iter().filter(|f| entry.publishes(*f)) {
        let (public, source, millis) = match detections.get(&family) {
            Some(Ok(d)) => (Some(d.ip), Some(d.source.clone()), Some(d.millis)),
            Some(Err(e)) => {
                exit = exit.max(e.class.exit_code());
                errors.push(e.message.clone());
                (None, None, None)
            }
            None => (None, None, None),
        };
        let (dns, dns_failed) = match ctx.dns().lookup_ip(name, Some(family)) {
            Ok(answers) => (answers, false),
            Err(e) => {
                exit = exit.max(e.class.exit_code());
                errors.push(e.message);
                (Vec::new(), true)
            }
        };
        let (authoritative, authoritative_error) =
            match crate::net::authority::ask(&servers, name, family) {
                Ok(answer) => {
                    let addresses = answer.addresses.clone();
                    authority.insert(family, answer);
                    (Some(addresses), None)
                }
                Err(why) => (None, Some(why)),
            };
        families.insert(
            family.key(),
            FamilyReport {
                published: entry.published.get(family),
                public,
                source,
                millis,
                dns,
                dns_failed,
                authoritative,
                authoritative_error,
            },
        );
    }
    // The same decision `update` makes: "update due" exactly when it would send.
    let due = match plan::plan(entry, observed, now, false, &authority) {
        Decision::Apply {
            reason: Reason::Drift,
            ..
        } => {
            let what: Vec<String> = plan::drifted(entry, &authority, now)
                .into_iter()
                .map(|f| {
                    format!(
                        "the zone's servers answer {} for {}, not the published {}",
                        super::update::shown(&authority[&f].addresses),
                        f.record(),
                        entry
                            .published
                            .get(f)
                            .map(|ip| ip.to_string())
                            .unwrap_or_default()
                    )
                })
                .collect();
            Some(what.join("; "))
        }
        Decision::Apply { reason, .. } => Some(reason.describe().to_string()),
        Decision::NoAddress => {
            exit = exit.max(Class::Transient.exit_code());
            None
        }
        Decision::Unchanged => None,
    };
    if due.is_some() {
        exit = exit.max(1);
    }
    let (status, reason) = match (entry.grant_lost_at, exit) {
        (Some(at), _) => {
            exit = exit.max(Class::GrantLost.exit_code());
            (
                Status::GrantLost,
                Some(format!(
                    "the provider stopped accepting this name's grant {} ago: run `ddns setup \
                     {name}` again",
                    crate::clock::ago(now.saturating_sub(at))
                )),
            )
        }
        (None, 0) => (Status::InSync, None),
        (None, 1) => (Status::UpdateDue, due.clone()),
        (None, _) => (Status::Error, Some(errors.join("; "))),
    };
    NameReport {
        name: name.to_string(),
        status,
        exit,
        reason,
        due: due.filter(|_| status == Status::UpdateDue),
        errors,
        provider: entry.provider.name.clone(),
        template: entry.template.id(),
        families,
        last_applied: entry.last_applied,
        access_token_expires_at: entry.grant.access_expires_at,
        has_refresh_token: entry.grant.refresh_token.is_some(),
        pending: None,
    }
}

impl NameReport {
    /// The report as text: a status line, one line per family, one for the provider and grant.
    fn lines(&self, now: u64) -> Vec<String> {
        let why = self.reason.as_deref().unwrap_or("");
        let status = match self.status {
            Status::InSync => "in sync".to_string(),
            Status::UpdateDue => format!("update due: {why}"),
            Status::Pending => format!("pending: {why}"),
            Status::GrantLost => format!("grant lost: {why}"),
            Status::Error => format!("error: {why}"),
        };
        let mut lines = vec![format!("{}: {status}", self.name)];
        if self.status == Status::Pending {
            return lines;
        }
        let show = |ip: Option<IpAddr>| ip.map_or_else(|| "none".to_string(), |i| i.to_string());
        for (key, f) in &self.families {
            let record = Family::from_key(key).map_or("?", Family::record);
            let source = match (&f.source, f.millis) {
                (Some(s), Some(ms)) => format!(" (from {s} in {ms} ms)"),
                _ => String::new(),
            };
            let dns = if f.dns_failed {
                "DNS lookup failed".to_string()
            } else {
                format!("DNS answers {}", super::update::shown(&f.dns))
            };
            let zone = match (&f.authoritative, &f.authoritative_error) {
                (Some(answer), _) => {
                    format!(", the zone's servers {}", super::update::shown(answer))
                }
                (None, Some(why)) => format!(", the zone's servers could not be asked ({why})"),
                (None, None) => String::new(),
            };
            lines.push(format!(
                "  {record:<4} published {}, public {}{source}, {dns}{zone}",
                show(f.published),
                show(f.public),
            ));
        }
        let token = match self.access_token_expires_at {
            _ if self.status == Status::GrantLost => "grant refused by the provider".to_string(),
            Some(at) if at > now => format!("access token valid for {} min", (at - now) / 60),
            Some(_) => "access token expired (renewed at the next update)".to_string(),
            None => "access token lifetime unknown".to_string(),
        };
        let refresh = if self.status == Status::GrantLost {
            "setup needed"
        } else if self.has_refresh_token {
            "refresh token kept"
        } else {
            "no refresh token (setup again when the access token expires)"
        };
        let last = self.last_applied.map_or_else(
            || "never updated".to_string(),
            |at| {
                format!(
                    "last update {} ago",
                    crate::clock::ago(now.saturating_sub(at))
                )
            },
        );
        lines.push(format!(
            "  provider {} ({}), {last}, {token}, {refresh}",
            self.provider, self.template
        ));
        if let Some(p) = &self.pending {
            lines.push(format!(
                "  a new consent at {} is waiting to be finished (started {} ago); the grant \
                 above stays until then",
                p.provider,
                crate::clock::ago(now.saturating_sub(p.started_at))
            ));
        }
        lines
    }
}
