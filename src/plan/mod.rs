//! The per-name decision, pure: from what is stored, what this run observed, what the zone's
//! servers answered (when asked) and the clock, [`Run::next`] says the next step (ask the
//! zone's servers, refresh the token, apply, done) and why. `update` and `check` drive the same
//! [`Run`]: `update` takes every step, `check` stops where `update` would apply ("update
//! due"). The subcommands only act on the steps and feed the results back; no other file
//! decides. [`Run::finish`] gives the run's typed result for the name (`report.rs`).

mod decide;
pub mod probe;
mod run;
pub mod verify;
pub mod watch;

pub use decide::{changes, decide, families, needs_refresh, wants_authority, would_change};
pub use run::{Finished, Run};

pub use crate::address::Answer;
use crate::address::{Addresses, Family};
pub use crate::domainconnect::protocol::Applied;
use crate::error::Error;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Apply even when nothing changed once the last apply is this old: IONOS lets refresh tokens
/// lapse after about 30 days unused (`shared/domain-connect.md`, section 3).
pub const KEEPALIVE_SECS: u64 = 7 * 24 * 3600;

/// The zone's servers are asked whether the record still holds what was published only once
/// the last apply is this old, and a difference is repaired only once the last apply is also
/// older than the record's TTL: providers take a while to publish a change, and a fresh apply
/// must never be repeated in a loop.
pub const SETTLE_SECS: u64 = 300;

/// Refresh an access token this close to its expiry.
pub const EXPIRY_MARGIN_SECS: u64 = 60;

/// What the zone's authoritative servers answered for a name, per family asked (a family that
/// was not asked, or whose servers could not be asked, is absent).
pub type Authority = BTreeMap<Family, Answer>;

/// What this run learnt about the public addresses: one per family where it could, and why
/// not where it could not.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The addresses found (detected, given with `--ip`, or a publishable `--ip-hint`).
    pub addresses: Addresses,
    /// Why a family could not be detected.
    pub failures: BTreeMap<Family, Error>,
}

/// Why an apply is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Nothing was published yet.
    First,
    /// An address changed.
    Changed,
    /// `--force`.
    Forced,
    /// The last apply is older than [`KEEPALIVE_SECS`].
    Keepalive,
    /// The zone's servers answer something else than what was published.
    Drift,
}

impl Reason {
    /// Why, in words: `--force`, `weekly keep-alive`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Reason::First => "nothing published yet",
            Reason::Changed => "the public address changed",
            Reason::Forced => "--force",
            Reason::Keepalive => "weekly keep-alive",
            Reason::Drift => "the record at the provider differs from what was published",
        }
    }
}

/// What happened (or, for `check`, would happen) to one record of a name in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Current: nothing sent for it (or sent again unchanged with its family's change).
    Unchanged,
    /// Published for the first time.
    Published,
    /// Changed from the old address to the new one.
    Updated,
    /// Sent again with the same address (`--force`, keep-alive, a record that differed).
    #[serde(rename = "re-sent")]
    Resent,
    /// No address to send: not detected this run and never published.
    NotPublished,
}

/// One record's old and new value and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordChange {
    /// The record's family (`A` or `AAAA`).
    pub family: Family,
    /// What was published before this run.
    pub old: Option<IpAddr>,
    /// What is published after it.
    pub new: Option<IpAddr>,
    /// What was done.
    pub action: Action,
    /// Why something was sent, when it was.
    pub reason: Option<Reason>,
    /// For a record re-sent because it differed: what the zone's servers answered.
    pub answered: Option<Vec<IpAddr>>,
}

/// What [`decide`] says for one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Everything published is current.
    Unchanged,
    /// Send these addresses, all families in one call.
    Apply {
        /// The addresses to send: the observed one, or the last published one for a family
        /// not detected this run.
        send: Addresses,
        /// Why.
        reason: Reason,
    },
    /// No configured family has an address to send (none detected, none published before).
    NoAddress,
}

/// The next thing to do for a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ask the zone's authoritative servers what the record holds, then [`Run::authority`].
    AskAuthority,
    /// Refresh the access token (about to expire, or refused with a 401), save the new tokens,
    /// then [`Run::refreshed`].
    Refresh,
    /// Send these addresses, then [`Run::applied`].
    Apply {
        /// What to send.
        send: Addresses,
        /// Why.
        reason: Reason,
    },
    /// Nothing more: [`Run::finish`].
    Done,
}

/// What the driver of a [`Run`] does with an apply: `update` sends it, `check` only says it
/// is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `update`: take every step (`force`: apply even when nothing changed).
    Update {
        /// `--force`.
        force: bool,
    },
    /// `check`: stop where `update` would refresh or apply.
    Check,
}

/// How a name's run ended, for its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Current,
    /// An apply was accepted (`update`).
    Sent(Reason),
    /// An apply is due (`check`).
    Due(Reason),
    /// Nothing to send, or the refresh or apply failed: see the errors.
    NotSent,
    /// An apply is due but held back (`watch::hold`): see the hold.
    Held(watch::Hold),
}

#[cfg(test)]
mod tests;
