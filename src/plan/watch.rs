//! Defending the record, as pure functions of the name's watch (`state::Watch`), what the zone's
//! servers answer and the clock: what their answers teach (a value seen late, another writer
//! undoing ours), why an apply that is due is held back ([`hold`]: a `Retry-After` window, a
//! back-off, a second writer, a provider that never publishes), and how a failure, a success
//! and a change are remembered.

use super::decide::drifted;
use super::{Action, Authority, Reason, RecordChange};
use crate::address::{Addresses, Family};
use crate::error::{Class, Error};
use crate::state::{Backoff, Change, Entry, Foreign, HISTORY_PER_FAMILY, Unseen, Watch, Why};
use std::net::IpAddr;

/// Undos of one foreign value count toward a conflict for this long.
pub const CONFLICT_WINDOW_SECS: u64 = 24 * 3600;
/// This many undos of one foreign value within the window make a conflict: ddns stops
/// repairing the record.
pub const CONFLICT_UNDOS: usize = 3;
/// The first back-off after a failure of the provider; it doubles up to [`BACKOFF_MAX_SECS`].
pub const BACKOFF_FIRST_SECS: u64 = 300;
/// The longest back-off.
pub const BACKOFF_MAX_SECS: u64 = 3600;
/// A `Retry-After` longer than this is taken as this.
pub const RETRY_AFTER_MAX_SECS: u64 = 24 * 3600;
/// Accepted applies of one value its name servers never showed, after which ddns stops sending
/// it (until the public address changes, or `--force`).
pub const UNSEEN_APPLIES: u8 = 2;

/// Why an apply that is due is not sent this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The provider asked ddns to wait until then (`Retry-After`).
    RetryAfter(u64),
    /// The provider failed this many times in a row; ddns waits until then.
    Backoff(Backoff),
    /// Another writer keeps setting this value: ddns stopped repairing the record.
    Conflict {
        /// The record.
        family: Family,
        /// Its value (`None`: deleted).
        value: Option<IpAddr>,
        /// When it undid ours, within the window.
        undid: Vec<u64>,
    },
    /// The provider accepted this value twice, and its name servers still answer `answered`.
    Unpublished {
        /// The record.
        family: Family,
        /// What was sent.
        value: IpAddr,
        /// What the zone's servers answer.
        answered: Vec<IpAddr>,
        /// Since when it was not seen.
        since: u64,
    },
}

/// The back-off after `failures` failures in a row: 5 minutes, doubling, at most an hour.
pub fn backoff_secs(failures: u32) -> u64 {
    let doublings = failures.saturating_sub(1).min(16);
    BACKOFF_FIRST_SECS
        .saturating_mul(1 << doublings)
        .min(BACKOFF_MAX_SECS)
}

/// What the zone's answers (asked before deciding) teach: a value sent earlier that shows up
/// now was seen late; our value back in place ends a conflict; a record that differs from what
/// was published (once settled) was undone by another writer, or (when it still holds the
/// value ddns replaced last) not published by the provider.
pub fn learn(watch: &mut Watch, entry: &Entry, authority: &Authority, now: u64) {
    let drifted = drifted(entry, authority, now);
    for (family, answer) in authority {
        if let Some(unseen) = watch.unseen.get(family)
            && answer.addresses == [unseen.value]
        {
            let value = unseen.value;
            watch.unseen.remove(family);
            remember(watch, *family, None, value, Why::SeenLate, now);
        }
        let published = entry.published.get(*family);
        if published.is_some_and(|p| answer.addresses == [p]) {
            watch.foreign.remove(family);
        } else if drifted.contains(family) {
            let value = answer.addresses.first().copied();
            if value.is_some() && value == replaced(watch, *family) {
                // The provider still serves what ddns replaced: not another writer.
                if let (Some(sent), Some(at)) = (published, entry.last_applied) {
                    not_seen(watch, *family, sent, at, now);
                }
            } else if !watch.unseen.contains_key(family) {
                undone(watch, entry, *family, value, now);
            }
        }
    }
}

/// The value ddns's last change of `family` replaced (a value sent again replaced nothing).
pub fn replaced(watch: &Watch, family: Family) -> Option<IpAddr> {
    (watch.history.iter().rev())
        .find(|c| c.family == family && c.why != Why::SeenLate && c.old != Some(c.new))
        .and_then(|c| c.old)
}

/// Another writer's `value` is in the record in place of ours: one more undo, unless the apply
/// of ours it undid was counted already.
pub fn undone(watch: &mut Watch, entry: &Entry, family: Family, value: Option<IpAddr>, now: u64) {
    let applied = entry.last_applied.unwrap_or_default();
    let foreign = watch
        .foreign
        .entry(family)
        .or_insert_with(|| crate::state::Foreign {
            value,
            undid: Vec::new(),
            last_apply: 0,
        });
    if foreign.value != value {
        foreign.value = value;
        foreign.undid.clear();
    }
    foreign
        .undid
        .retain(|at| now.saturating_sub(*at) < CONFLICT_WINDOW_SECS);
    if foreign.undid.is_empty() || applied != foreign.last_apply {
        foreign.undid.push(now);
        foreign.last_apply = applied;
    }
}

/// The provider accepted `value` for `family` in an apply at `applied`, but its name servers do
/// not show it: one more such apply (each apply counts once).
pub fn not_seen(watch: &mut Watch, family: Family, value: IpAddr, applied: u64, now: u64) {
    let fresh = Unseen {
        value,
        since: now,
        applies: 0,
        last_apply: 0,
    };
    let unseen = watch.unseen.entry(family).or_insert_with(|| fresh.clone());
    if unseen.value != value {
        *unseen = fresh;
    }
    if unseen.applies == 0 || applied > unseen.last_apply {
        unseen.applies = unseen.applies.saturating_add(1);
        unseen.last_apply = applied;
    }
}

/// Why an apply of `send` for `reason` is held back, if it is. A `Retry-After` window holds
/// every apply; a back-off holds one that sends what already failed (a new public address, or
/// `--force`, goes at once); a conflict and a value the provider never published hold a
/// repair or a keep-alive, never a new address or `--force`.
pub fn hold(
    watch: &Watch,
    send: &Addresses,
    reason: Reason,
    authority: &Authority,
    now: u64,
) -> Option<Hold> {
    if let Some(until) = watch.retry_after.filter(|u| *u > now) {
        return Some(Hold::RetryAfter(until));
    }
    if let Some(b) = &watch.backoff
        && b.until > now
        && b.tried == *send
        && reason != Reason::Forced
    {
        return Some(Hold::Backoff(b.clone()));
    }
    if !matches!(reason, Reason::Drift | Reason::Keepalive) {
        return None;
    }
    if let Some((family, foreign, undid)) = conflict(watch, now) {
        return Some(Hold::Conflict {
            family,
            value: foreign.value,
            undid,
        });
    }
    for (family, unseen) in &watch.unseen {
        if unseen.applies >= UNSEEN_APPLIES && send.get(*family) == Some(unseen.value) {
            return Some(Hold::Unpublished {
                family: *family,
                value: unseen.value,
                answered: (authority.get(family))
                    .map(|a| a.addresses.clone())
                    .unwrap_or_default(),
                since: unseen.since,
            });
        }
    }
    None
}

/// The record another writer keeps undoing, if any: one whose value undid ours at least
/// [`CONFLICT_UNDOS`] times within [`CONFLICT_WINDOW_SECS`] of `now`, with those undos. The
/// hold, the status and the page's arguments all count them here.
pub fn conflict(watch: &Watch, now: u64) -> Option<(Family, &Foreign, Vec<u64>)> {
    watch.foreign.iter().find_map(|(family, foreign)| {
        let recent: Vec<u64> = (foreign.undid.iter().copied())
            .filter(|at| now.saturating_sub(*at) < CONFLICT_WINDOW_SECS)
            .collect();
        (recent.len() >= CONFLICT_UNDOS).then_some((*family, foreign, recent))
    })
}

/// A request to the provider failed with `error`: a `Retry-After` is kept, and a temporary
/// failure the provider saw (5xx, a timeout after the request went out) starts or lengthens a
/// back-off (`jitter_percent` more, under `--every`).
pub fn failed(watch: &mut Watch, send: &Addresses, error: &Error, now: u64, jitter_percent: u64) {
    if let Some(secs) = error.retry_after {
        watch.retry_after = Some(now.saturating_add(secs.min(RETRY_AFTER_MAX_SECS)));
        return;
    }
    // A refusal is no outage; a request that never reached the provider asked nothing of it.
    if error.class != Class::Transient || error.code == Some(crate::error::Code::NotSent) {
        return;
    }
    let failures = watch.backoff.as_ref().map_or(0, |b| b.failures) + 1;
    let secs = backoff_secs(failures);
    watch.backoff = Some(Backoff {
        failures,
        until: now.saturating_add(secs + secs * jitter_percent.min(50) / 100),
        tried: *send,
    });
}

/// The provider accepted an apply: no more waiting; a new public address or `--force` starts
/// the defence afresh; the changes join the history.
pub fn succeeded(watch: &mut Watch, records: &[RecordChange], reason: Reason, now: u64) {
    watch.backoff = None;
    watch.retry_after = None;
    if matches!(reason, Reason::First | Reason::Changed | Reason::Forced) {
        watch.foreign.clear();
    }
    for r in records {
        let why = match (r.action, r.reason) {
            (Action::Published | Action::Updated, _) => Why::Changed,
            (Action::Resent, Some(Reason::Drift)) if r.answered.is_some() => Why::Repaired,
            (Action::Resent, Some(Reason::Forced)) => Why::Forced,
            _ => continue,
        };
        if let Some(new) = r.new {
            if watch.unseen.get(&r.family).is_some_and(|u| u.value != new) {
                watch.unseen.remove(&r.family);
            }
            remember(watch, r.family, r.old, new, why, now);
        }
    }
}

/// Add a change to the history, keeping the newest [`HISTORY_PER_FAMILY`] of its family.
fn remember(
    watch: &mut Watch,
    family: Family,
    old: Option<IpAddr>,
    new: IpAddr,
    why: Why,
    at: u64,
) {
    watch.history.push(Change {
        at,
        family,
        old,
        new,
        why,
    });
    let of_family = watch.history.iter().filter(|c| c.family == family).count();
    if of_family > HISTORY_PER_FAMILY {
        let mut drop = of_family - HISTORY_PER_FAMILY;
        watch.history.retain(|c| {
            let gone = drop > 0 && c.family == family;
            drop -= usize::from(gone);
            !gone
        });
    }
}
