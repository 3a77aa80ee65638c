//! Reports as the JSON documents of `update --json` and `check --json`: an interface (the
//! router page and users' scripts read them; fields are only ever added; documented in
//! docs/json.md). Neither carries a token, a code or a secret.

use super::{PendingReport, Report, Status, text};
use crate::address::Family;
use crate::error::{Code, Error};
use crate::plan::Action;
use crate::plan::verify::Verified;
use crate::state::{Backoff, Change, Foreign, Unseen};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// `update --json`.
#[derive(Serialize)]
pub struct UpdateDoc<'a> {
    names: Vec<UpdateName<'a>>,
    exit: u8,
}

/// One name in `update --json`.
#[derive(Serialize)]
struct UpdateName<'a> {
    name: &'a str,
    /// `ok`, or `error` when anything failed.
    status: &'static str,
    records: Vec<RecordJson>,
    /// The first error (the apply's, if it failed), else `null`.
    error: Option<&'a Error>,
    errors: &'a [Error],
    /// Lines that do not change the exit status (an apply not seen yet, undone once).
    warnings: &'a [String],
    /// How the verification of an apply ended, or `null` when there was none.
    verified: Option<VerifiedJson>,
}

/// `verified` in `update --json`.
#[derive(Serialize)]
struct VerifiedJson {
    /// `seen`, `not-seen`, `undone` or `unreachable`.
    result: &'static str,
    /// Name servers that show every value sent, of how many.
    visible: usize,
    servers: usize,
    /// How long after the apply the last question was asked.
    after_ms: u64,
}

impl VerifiedJson {
    fn of(v: &Verified) -> VerifiedJson {
        let ms = |d: &std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        match v {
            Verified::Seen { servers, after } => VerifiedJson {
                result: "seen",
                visible: *servers,
                servers: *servers,
                after_ms: ms(after),
            },
            Verified::NotSeen {
                shown,
                servers,
                after,
                ..
            } => VerifiedJson {
                result: "not-seen",
                visible: *shown,
                servers: *servers,
                after_ms: ms(after),
            },
            Verified::Undone { .. } => VerifiedJson {
                result: "undone",
                visible: 0,
                servers: 0,
                after_ms: 0,
            },
            Verified::Unreachable(_) => VerifiedJson {
                result: "unreachable",
                visible: 0,
                servers: 0,
                after_ms: 0,
            },
        }
    }
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

impl<'a> UpdateDoc<'a> {
    /// The document of an update of `reports`.
    pub fn new(reports: &'a [Report]) -> UpdateDoc<'a> {
        UpdateDoc {
            names: reports
                .iter()
                .map(|r| UpdateName {
                    name: &r.name,
                    status: if r.errors.is_empty() { "ok" } else { "error" },
                    records: (r.records.iter())
                        .map(|c| RecordJson {
                            record: c.family.record(),
                            old: c.old,
                            new: c.new,
                            action: c.action,
                            why: text::why(c),
                        })
                        .collect(),
                    error: r.errors.first(),
                    errors: &r.errors,
                    warnings: &r.warnings,
                    verified: r.verified.as_ref().map(VerifiedJson::of),
                })
                .collect(),
            exit: reports.iter().map(Report::exit).max().unwrap_or(0),
        }
    }
}

/// `check --json`.
#[derive(Serialize)]
pub struct CheckDoc<'a> {
    names: Vec<CheckName<'a>>,
    exit: u8,
}

/// Everything `check --json` says about one name.
#[derive(Serialize)]
struct CheckName<'a> {
    name: &'a str,
    status: Status,
    exit: u8,
    /// Why the name has its status (one sentence); `None` in sync.
    reason: Option<String>,
    /// Why an update is due (kept from the first release; same as `reason` then).
    due: Option<String>,
    errors: Vec<&'a str>,
    provider: &'a str,
    template: &'static str,
    families: BTreeMap<&'static str, FamilyJson>,
    last_applied: Option<u64>,
    access_token_expires_at: Option<u64>,
    has_refresh_token: bool,
    /// A new consent waiting to be finished (a set-up name keeps its grant until then).
    pending: Option<&'a PendingReport>,
    /// A stable code per error (`null` where it has none), in the order of `errors`.
    codes: Vec<Option<Code>>,
    /// The last changes of the records, oldest first (at most 10 per family).
    history: &'a [Change],
    /// Per family: a value the provider accepted but its name servers do not show yet.
    unseen: &'a BTreeMap<Family, Unseen>,
    /// Per family: another writer's value in the record, and when it undid ours.
    foreign: &'a BTreeMap<Family, Foreign>,
    /// Until when the provider asked ddns to wait (`Retry-After`), Unix time.
    retry_after: Option<u64>,
    /// The provider's failures in a row, and until when ddns waits.
    backoff: Option<&'a Backoff>,
}

/// One family of one name in `check --json`.
#[derive(Serialize)]
struct FamilyJson {
    published: Option<IpAddr>,
    public: Option<IpAddr>,
    source: Option<String>,
    millis: Option<u64>,
    /// What the configured resolver answers (what the world sees, caches included).
    dns: Vec<IpAddr>,
    /// What the zone's own servers answer (the record itself); `None` when they could not be
    /// asked, and then `authoritative_error` says why.
    authoritative: Option<Vec<IpAddr>>,
    authoritative_error: Option<String>,
}

impl<'a> CheckDoc<'a> {
    /// The document of a check of `reports` at `now`.
    pub fn new(reports: &'a [Report], now: u64) -> CheckDoc<'a> {
        CheckDoc {
            names: reports.iter().map(|r| CheckName::new(r, now)).collect(),
            exit: reports.iter().map(Report::exit).max().unwrap_or(0),
        }
    }
}

impl<'a> CheckName<'a> {
    fn new(r: &'a Report, now: u64) -> CheckName<'a> {
        let reason = r.reason(now);
        let stored = r.stored.as_ref();
        let families = (r.seen.iter())
            .map(|(family, seen)| {
                let (authoritative, authoritative_error) = match &seen.authoritative {
                    Some(Ok(a)) => (Some(a.clone()), None),
                    Some(Err(why)) => (None, Some(why.clone())),
                    None => (None, None),
                };
                let json = FamilyJson {
                    published: stored.and_then(|s| s.published.get(*family)),
                    public: seen.public.as_ref().map(|p| p.0),
                    source: seen.public.as_ref().map(|p| p.1.clone()),
                    millis: seen.public.as_ref().map(|p| p.2),
                    dns: seen.dns.clone().unwrap_or_default(),
                    authoritative,
                    authoritative_error,
                };
                (family.key(), json)
            })
            .collect();
        CheckName {
            name: &r.name,
            status: r.status,
            exit: r.exit(),
            due: reason.clone().filter(|_| r.status == Status::UpdateDue),
            reason,
            errors: r.errors.iter().map(|e| e.message.as_str()).collect(),
            provider: stored.map_or_else(
                || r.pending.as_ref().map_or("", |p| p.provider.as_str()),
                |s| s.provider.as_str(),
            ),
            template: stored
                .map(|s| s.template)
                .or(r.pending.as_ref().map(|p| p.template))
                .map_or("", |t| t.id()),
            families,
            last_applied: stored.and_then(|s| s.last_applied),
            access_token_expires_at: stored.and_then(|s| s.access_expires_at),
            has_refresh_token: stored.is_some_and(|s| s.has_refresh_token),
            pending: r.pending.as_ref(),
            codes: r.errors.iter().map(|e| e.code).collect(),
            history: &r.watch.history,
            unseen: &r.watch.unseen,
            foreign: &r.watch.foreign,
            retry_after: r.watch.retry_after,
            backoff: r.watch.backoff.as_ref(),
        }
    }
}
