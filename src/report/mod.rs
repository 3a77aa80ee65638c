//! The one typed result of a run per name, and everything rendered from it. A [`Report`] holds
//! the name's status (first: the exit status derives from it, never the reverse), what was done
//! or is due per record, the errors, what is stored about it and, for `check`, what was
//! observed. The text lines (`text.rs`), the JSON documents (`json.rs`), the on-change
//! program's events and the health-check pings' lines are views of it; the router page reads
//! the JSON documents.

mod defend;
pub mod json;
pub mod summary;
mod text;

use crate::address::{Addresses, Family};
use crate::domainconnect::protocol::Template;
use crate::error::{Class, Code, Error};
use crate::plan::verify::Verified;
use crate::plan::{Action, Finished, Outcome, RecordChange};
use crate::state::{Entry, Pending, Watch};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A name's status after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The record holds the public address; nothing had to be sent.
    InSync,
    /// `update` sent the public address and the provider accepted it.
    Updated,
    /// `check`: `update` would send something.
    UpdateDue,
    /// Waiting for the owner's consent (`setup --begin` without `--code` yet): nothing is
    /// published for it.
    Pending,
    /// The provider no longer accepts the grant: `setup` must run again.
    GrantLost,
    /// Another client keeps setting the record: ddns stopped repairing it.
    Conflict,
    /// An apply is due, but ddns waits (the provider asked it to, or kept failing).
    Waiting,
    /// Something failed: see the errors.
    Error,
}

/// What is stored about a name, as reports show it: never a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The provider's name.
    pub provider: String,
    /// The template.
    pub template: Template,
    /// The families the name publishes.
    pub families: Vec<Family>,
    /// What was published before this run.
    pub published: Addresses,
    /// Unix time of the last apply.
    pub last_applied: Option<u64>,
    /// Unix time the access token expires, when known.
    pub access_expires_at: Option<u64>,
    /// Whether a refresh token is kept.
    pub has_refresh_token: bool,
    /// Unix time an update found the grant gone.
    pub grant_lost_at: Option<u64>,
}

impl Stored {
    /// What `entry` holds, without its secrets.
    pub fn of(entry: &Entry) -> Stored {
        Stored {
            provider: entry.setup.provider.name.clone(),
            template: entry.setup.template,
            families: entry.setup.published_families(),
            published: entry.published,
            last_applied: entry.last_applied,
            access_expires_at: entry.grant.access_expires_at,
            has_refresh_token: entry.grant.refresh_token.is_some(),
            grant_lost_at: entry.grant_lost_at,
        }
    }
}

/// A consent waiting to be finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingReport {
    /// The provider's name.
    pub provider: String,
    /// Unix time of `setup --begin`.
    pub started_at: u64,
    /// Unix time it expires.
    pub expires_at: u64,
    /// The template it will use.
    #[serde(skip)]
    pub template: Template,
}

impl PendingReport {
    /// What `p` holds, without its OAuth `state`.
    pub fn of(p: &Pending) -> PendingReport {
        PendingReport {
            provider: p.setup.provider.name.clone(),
            started_at: p.started_at,
            expires_at: p.expires_at(),
            template: p.setup.template,
        }
    }
}

/// One family of one name, as `check` observed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The public address detected now, the source that said it and how long it took (ms).
    pub public: Option<(IpAddr, String, u64)>,
    /// What the configured resolver answers (what the world sees, caches included); `None`
    /// when the lookup failed.
    pub dns: Option<Vec<IpAddr>>,
    /// What the zone's own servers answer, or why they could not be asked.
    pub authoritative: Option<Result<Vec<IpAddr>, String>>,
}

/// One name's result of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The name.
    pub name: String,
    /// Its status: decides the exit status.
    pub status: Status,
    /// How the decision ended.
    pub outcome: Outcome,
    /// Per published family: what was done (`update`) or is due (`check`).
    pub records: Vec<RecordChange>,
    /// Everything that went wrong for the name, most important first.
    pub errors: Vec<Error>,
    /// Warnings (`ddns: NAME: ...` lines that do not change the exit status).
    pub warnings: Vec<String>,
    /// Notes (plain lines on stderr).
    pub notes: Vec<String>,
    /// How the verification of the apply ended, if there was one.
    pub verified: Option<Verified>,
    /// The name's watch as the run leaves it.
    pub watch: Watch,
    /// The families it publishes that could not be detected this run.
    pub undetected: Vec<Family>,
    /// What is stored about it; `None` for a name that only waits for consent.
    pub stored: Option<Stored>,
    /// A consent waiting to be finished, if any.
    pub pending: Option<PendingReport>,
    /// What `check` observed per family (empty for `update`).
    pub seen: BTreeMap<Family, Seen>,
}

impl Report {
    /// The report of a set-up name. `marked_lost`: the stored mark of a lost grant decides the
    /// status (`check`, which asks the provider nothing); `update` goes by this run's errors.
    pub fn new(name: &str, entry: &Entry, finished: Finished, marked_lost: bool) -> Report {
        let mut errors = finished.errors;
        if let Outcome::Held(hold) = &finished.outcome {
            errors.insert(0, defend::held(name, hold));
        }
        let mut report = Report {
            name: name.to_string(),
            status: Status::Error,
            outcome: finished.outcome,
            records: finished.records,
            errors,
            warnings: Vec::new(),
            notes: Vec::new(),
            verified: None,
            watch: finished.watch,
            undetected: finished.undetected,
            stored: Some(Stored::of(entry)),
            pending: None,
            seen: BTreeMap::new(),
        };
        report.status = report.status_of(marked_lost && entry.grant_lost_at.is_some());
        report
    }

    /// The status the report's outcome and errors give (`lost`: a stored lost-grant mark).
    fn status_of(&self, lost: bool) -> Status {
        let coded = |codes: &[Code]| {
            let ours = |e: &Error| e.code.is_some_and(|c| codes.contains(&c));
            !self.errors.is_empty() && self.errors.iter().all(ours)
        };
        match &self.outcome {
            _ if lost || self.errors.iter().any(|e| e.class == Class::GrantLost) => {
                Status::GrantLost
            }
            _ if (self.errors.iter()).any(|e| e.code == Some(Code::Conflict)) => Status::Conflict,
            _ if coded(&[Code::RetryAfter, Code::Backoff]) => Status::Waiting,
            _ if !self.errors.is_empty() => Status::Error,
            Outcome::Current => Status::InSync,
            Outcome::Sent(_) => Status::Updated,
            Outcome::Due(_) => Status::UpdateDue,
            Outcome::NotSent | Outcome::Held(_) => Status::Error,
        }
    }

    /// Add how the verification of the apply ended (`watch`: the name's watch after it).
    pub fn verified(&mut self, verified: Verified, watch: Watch) {
        self.watch = watch;
        defend::verified(self, &verified);
        self.verified = Some(verified);
        self.status = self.status_of(false);
    }

    /// The report of a name that only waits for consent.
    pub fn waiting(name: &str, pending: &Pending) -> Report {
        Report {
            name: name.to_string(),
            status: Status::Pending,
            outcome: Outcome::NotSent,
            records: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            verified: None,
            watch: Watch::default(),
            undetected: Vec::new(),
            stored: None,
            pending: Some(PendingReport::of(pending)),
            seen: BTreeMap::new(),
        }
    }

    /// The exit status this name calls for: 0 in sync or updated, 1 due or pending, else the
    /// worst error's (at least 5 for a lost grant).
    pub fn exit(&self) -> u8 {
        let worst = self
            .errors
            .iter()
            .map(|e| e.class.exit_code())
            .max()
            .unwrap_or(0);
        match self.status {
            Status::InSync | Status::Updated => 0,
            Status::UpdateDue | Status::Pending => 1,
            Status::GrantLost => worst.max(Class::GrantLost.exit_code()),
            Status::Conflict | Status::Waiting | Status::Error => {
                worst.max(Class::Usage.exit_code())
            }
        }
    }

    /// The runs of the on-change program for this name: one per record that changed (first
    /// published, updated, or put back after it differed at the provider), and one if the
    /// name's update failed. Re-sending the same address (`--force`, keep-alive) is no change.
    pub fn hook_events(&self) -> Vec<HookEvent> {
        let text = |ip: Option<IpAddr>| ip.map(|i| i.to_string()).unwrap_or_default();
        let line = self.line();
        let mut events: Vec<HookEvent> = self
            .records
            .iter()
            .filter(|c| {
                matches!(c.action, Action::Published | Action::Updated)
                    || (c.action == Action::Resent && c.answered.is_some())
            })
            .map(|c| HookEvent {
                name: self.name.clone(),
                record: c.family.record().to_string(),
                old: text(c.old),
                new: text(c.new),
                status: 0,
                class: "ok",
                message: line.clone(),
            })
            .collect();
        if let (Some(worst), Some(stored)) =
            (self.errors.iter().max_by_key(|e| e.class), &self.stored)
        {
            let join = |parts: Vec<String>| parts.join(" ");
            events.push(HookEvent {
                name: self.name.clone(),
                record: join(stored.families.iter().map(|f| f.record().into()).collect()),
                old: join(
                    (stored.families.iter())
                        .filter_map(|f| stored.published.get(*f))
                        .map(|ip| ip.to_string())
                        .collect(),
                ),
                new: String::new(),
                status: worst.class.exit_code(),
                class: worst.class.key(),
                message: format!("{}: {}", self.name, worst.message),
            });
        }
        events
    }
}

/// One run of the on-change program: a record that changed, or a name whose update failed.
/// Its fields become the program's environment (`DDNS_NAME`, `DDNS_RECORD`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEvent {
    /// The name.
    pub name: String,
    /// `A` or `AAAA`; for a failure, every record of the name (`A AAAA`).
    pub record: String,
    /// The address before the run (for a failure: the published ones), or empty.
    pub old: String,
    /// The address after it, or empty (a failure).
    pub new: String,
    /// The exit status this name calls for (0 for a change).
    pub status: u8,
    /// The class of the failure, or `ok`.
    pub class: &'static str,
    /// The line shown for the name (its result line, or its first error line).
    pub message: String,
}

/// A whole `update` run: the notes of its observation, then each name's report with the lines
/// its on-change program printed.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Notes about the observation (an `--ip-hint` that could not be used).
    pub notes: Vec<String>,
    /// Each name's report, in order.
    pub names: Vec<Report>,
    /// Per name (same order), what its on-change program printed or why it failed.
    pub hook_lines: Vec<Vec<String>>,
}

impl RunReport {
    /// The run's exit status: the worst name's.
    pub fn exit(&self) -> u8 {
        self.names.iter().map(Report::exit).max().unwrap_or(0)
    }

    /// The run as the lines it printed, in order (the body of a health-check ping).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.notes.clone();
        for (i, report) in self.names.iter().enumerate() {
            if !report.records.is_empty() {
                lines.push(report.line());
            }
            lines.extend(report.error_lines().map(|l| format!("ddns: {l}")));
            lines.extend(report.warning_lines().map(|l| format!("ddns: {l}")));
            lines.extend(report.notes.iter().cloned());
            lines.extend(self.hook_lines.get(i).into_iter().flatten().cloned());
        }
        lines
    }
}
