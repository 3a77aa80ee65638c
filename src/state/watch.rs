//! What `ddns` remembers about a name's record between runs, to defend it (the `watch` object
//! of a name in the state file): a value the provider accepted but its name servers do not show
//! yet, another writer's value and when it undid ours, when the provider may be asked again,
//! and the last changes. `plan/watch.rs` decides how it changes; this is only its shape.

use crate::address::{Addresses, Family};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The last changes kept per family.
pub const HISTORY_PER_FAMILY: usize = 10;

/// A name's watch. Empty (the default) for a name with nothing to remember, and then not
/// written at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// Per family: a value sent and accepted but not seen at the zone's servers yet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unseen: BTreeMap<Family, Unseen>,
    /// Per family: a value someone else put in the record in place of ours.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub foreign: BTreeMap<Family, Foreign>,
    /// Unix time before which the provider must not be asked (its `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Failures in a row of the provider (5xx, network), and until when ddns waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    /// The last changes, oldest first, at most [`HISTORY_PER_FAMILY`] per family.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Change>,
}

impl Watch {
    /// Whether there is nothing to remember.
    pub fn is_empty(&self) -> bool {
        *self == Watch::default()
    }
}

/// A value the provider accepted but its name servers did not show within the verification's
/// time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unseen {
    /// The value sent.
    pub value: IpAddr,
    /// Unix time of the first apply of it that was not seen.
    pub since: u64,
    /// How many accepted applies of it were not seen (two at most: then ddns stops sending it).
    pub applies: u8,
    /// Unix time of the last of those applies.
    pub last_apply: u64,
}

/// A value another writer put in the record in place of what ddns published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Foreign {
    /// The other writer's value (`None`: it deleted the record).
    pub value: Option<IpAddr>,
    /// Unix times it was seen undoing an apply of ours, within the last 24 hours.
    pub undid: Vec<u64>,
    /// The time of the apply of ours the last of those undid (each apply is undone once).
    pub last_apply: u64,
}

/// The provider failed (5xx, no answer) this many times in a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// Failures in a row.
    pub failures: u32,
    /// Unix time before which ddns does not ask the provider again (unless the public address
    /// changes, or with `--force`).
    pub until: u64,
    /// What the failed request sent: a different public address is tried at once.
    pub tried: Addresses,
}

/// Why a record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// Published for the first time, or the public address changed.
    Changed,
    /// Put back after the record at the provider differed.
    Repaired,
    /// Sent with `--force`.
    Forced,
    /// A value sent earlier showed up at the zone's servers only later.
    SeenLate,
}

/// One change of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Unix time.
    pub at: u64,
    /// The record's family.
    pub family: Family,
    /// What it held before (as published by ddns), if anything.
    pub old: Option<IpAddr>,
    /// What it holds now.
    pub new: IpAddr,
    /// Why.
    pub why: Why,
}
