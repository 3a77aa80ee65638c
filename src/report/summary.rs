//! A name's state in a few words for programs (the router page, the last-run file): its status,
//! a stable code with its arguments (the page turns each code into its own translated sentence
//! naming its buttons), and the same in one English sentence for a code the reader does not
//! know. `status` and `health` build it from what is stored, with no packet (`offline`).

use super::{Report, Status};
use crate::error::{Class, Code};
use crate::plan::watch::conflict;
use crate::state::lastrun::NameRun;
use crate::state::{Entry, Pending, Watch};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A name's state, in a few words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The status (`in-sync`, `updated`, `update-due`, `pending`, `grant-lost`, `conflict`,
    /// `waiting`, `error`, or `unknown` when nothing says).
    pub status: &'static str,
    /// A stable code: the status, or what it is about (`partial`, `not-detected`, ...).
    pub code: String,
    /// The code's arguments.
    pub args: BTreeMap<String, Value>,
    /// One sentence.
    pub text: String,
}

/// The JSON name of a status or an error code.
fn key(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => "error".into(),
    }
}

fn args(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    // Inserted one by one: collecting into a map sorts, in code of its own per type.
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        out.insert((*k).to_string(), v.clone());
    }
    out
}

impl Report {
    /// The report in a few words.
    pub fn summary(&self, now: u64) -> Summary {
        let status = match self.status {
            Status::InSync => "in-sync",
            Status::Updated => "updated",
            Status::UpdateDue => "update-due",
            Status::Pending => "pending",
            Status::GrantLost => "grant-lost",
            Status::Conflict => "conflict",
            Status::Waiting => "waiting",
            Status::Error => "error",
        };
        let text = match self.status {
            Status::InSync | Status::Updated if !self.records.is_empty() => self.line(),
            _ => self.reason(now).unwrap_or_else(|| self.line()),
        };
        let first = self.errors.first();
        let (code, args) = match self.status {
            Status::Pending => match &self.pending {
                Some(p) if now >= p.expires_at => ("pending-expired".into(), BTreeMap::new()),
                Some(p) => (
                    "pending".into(),
                    args(&[
                        ("provider", json!(p.provider)),
                        ("expires_at", json!(p.expires_at)),
                    ]),
                ),
                None => ("pending".into(), BTreeMap::new()),
            },
            Status::GrantLost => (
                "grant-lost".into(),
                args(&[(
                    "since",
                    json!(self.stored.as_ref().and_then(|s| s.grant_lost_at)),
                )]),
            ),
            Status::UpdateDue => ("update-due".into(), BTreeMap::new()),
            Status::Error if self.partial() => {
                let failed = (self.errors.iter())
                    .find(|e| e.code == Some(Code::NotDetected))
                    .map(|e| e.message.clone());
                let records: Vec<&str> = self.undetected.iter().map(|f| f.record()).collect();
                let pairs = [("why", json!(failed)), ("record", json!(records.join(" ")))];
                ("partial".into(), args(&pairs))
            }
            Status::Conflict | Status::Waiting | Status::Error => (
                first.and_then(|e| e.code).map_or_else(
                    || match first.map(|e| e.class) {
                        Some(Class::GrantLost) => "grant-lost".into(),
                        _ => status.to_string(),
                    },
                    key,
                ),
                watch_args(&self.watch, now),
            ),
            Status::InSync | Status::Updated => (status.to_string(), BTreeMap::new()),
        };
        Summary {
            status,
            code,
            args,
            text,
        }
    }

    /// A name whose published family went through while another could not be detected (a
    /// router without a public IPv6 address for a name set up with AAAA): a warning for the
    /// page, though its exit status stays that of the failure.
    fn partial(&self) -> bool {
        use crate::plan::Action;
        let published = (self.records.iter()).any(|r| {
            matches!(
                r.action,
                Action::Published | Action::Updated | Action::Unchanged
            )
        });
        published
            && !self.errors.is_empty()
            && (self.errors.iter()).all(|e| e.code == Some(Code::NotDetected))
    }
}

/// The arguments of a defence code: the other writer's value, the window's end.
fn watch_args(w: &Watch, now: u64) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some((family, f, undid)) = conflict(w, now) {
        out.insert("record".into(), json!(family.record()));
        out.insert("value".into(), json!(f.value));
        out.insert("times".into(), json!(undid.len()));
        out.insert("since".into(), json!(undid.first()));
    }
    if let Some(until) = w.retry_after {
        out.insert("until".into(), json!(until));
    }
    if let Some(b) = &w.backoff {
        out.insert("until".into(), json!(b.until));
        out.insert("failures".into(), json!(b.failures));
    }
    out
}

/// A name's state from what is stored and its last run alone, with no packet: a pending
/// consent, a lost grant, a conflict and a pause are stored; anything else is what the last run
/// said (`unknown` when none is recorded since the system started).
pub fn offline(
    name: &str,
    entry: Option<&Entry>,
    pending: Option<&Pending>,
    last: Option<&NameRun>,
    now: u64,
) -> Summary {
    let Some(entry) = entry else {
        let report = pending.map(|p| Report::waiting(name, p));
        return report.map_or_else(
            || Summary {
                status: "unknown",
                code: "unknown".into(),
                args: BTreeMap::new(),
                text: String::new(),
            },
            |r| r.summary(now),
        );
    };
    let w = &entry.watch;
    let stored = |status: &'static str, code: &str, text: String| Summary {
        status,
        code: code.into(),
        args: watch_args(w, now),
        text,
    };
    if let Some(at) = entry.grant_lost_at {
        return Summary {
            status: "grant-lost",
            code: "grant-lost".into(),
            args: args(&[("since", json!(at))]),
            text: format!(
                "the provider stopped accepting this name's grant {} ago: run `ddns setup {name}` \
                 again",
                crate::clock::ago(now.saturating_sub(at))
            ),
        };
    }
    if let Some((family, f, _)) = conflict(w, now) {
        let value = f
            .value
            .map_or_else(|| "no record".into(), |v| v.to_string());
        return stored(
            "conflict",
            "conflict",
            format!(
                "another client keeps setting {name} {} to {value}; ddns stopped repairing it",
                family.record()
            ),
        );
    }
    if let Some(until) = w.retry_after.filter(|u| *u > now) {
        return stored(
            "waiting",
            "retry-after",
            format!(
                "the provider asked for a pause until {}",
                crate::clock::utc(until)
            ),
        );
    }
    match last {
        Some(run) => Summary {
            status: match run.status.as_str() {
                "in-sync" => "in-sync",
                "updated" => "updated",
                "update-due" => "update-due",
                "grant-lost" => "grant-lost",
                "conflict" => "conflict",
                "waiting" => "waiting",
                _ => "error",
            },
            code: run.code.clone(),
            args: run.args.clone(),
            text: run.text.clone(),
        },
        None => Summary {
            status: "unknown",
            code: "not-run".into(),
            args: BTreeMap::new(),
            text: "no update has run since the system started".into(),
        },
    }
}
