//! The decision itself, as functions of what is stored, what was observed and the time:
//! whether to apply, with which addresses and why ([`decide`]), what each record then becomes
//! ([`changes`]), whether the zone's servers are worth asking and what they show
//! ([`wants_authority`], [`drifted`]), and whether the access token needs a refresh.

use super::{
    Action, Authority, Decision, EXPIRY_MARGIN_SECS, KEEPALIVE_SECS, Reason, RecordChange,
    SETTLE_SECS,
};
use crate::address::{Addresses, Family};
use crate::domainconnect::protocol::Template;
use crate::error::{Error, Result};
use crate::state::{Entry, Grant};
use std::net::IpAddr;

/// The change to each record of `entry` when `sent` was applied for `reason` (`None`: nothing
/// was sent, so every record keeps its value); `authority` says which records had drifted.
pub fn changes(
    entry: &Entry,
    sent: &Addresses,
    reason: Option<Reason>,
    authority: &Authority,
    now: u64,
) -> Vec<RecordChange> {
    let drifted = drifted(entry, authority, now);
    Family::ALL
        .into_iter()
        .filter(|f| entry.publishes(*f))
        .map(|family| {
            let old = entry.published.get(family);
            let new = sent.get(family);
            let was_drifted = reason == Some(Reason::Drift) && drifted.contains(&family);
            let action = match (old, new, reason) {
                (_, None, _) => Action::NotPublished,
                (Some(o), Some(n), Some(_)) if o != n => Action::Updated,
                (None, Some(_), Some(_)) => Action::Published,
                (_, Some(_), Some(Reason::Forced | Reason::Keepalive)) => Action::Resent,
                (_, Some(_), Some(Reason::Drift)) if was_drifted => Action::Resent,
                (_, Some(_), _) => Action::Unchanged,
            };
            RecordChange {
                family,
                old,
                new,
                action,
                reason: reason.filter(|_| action != Action::Unchanged),
                answered: was_drifted
                    .then(|| authority.get(&family).map(|a| a.addresses.clone()))
                    .flatten(),
            }
        })
        .collect()
}

/// Whether the zone's servers are worth asking about `entry`'s records: something was
/// published, and not so recently that the provider may still be publishing it.
pub fn wants_authority(entry: &Entry, now: u64) -> bool {
    !entry.published.is_empty()
        && entry
            .last_applied
            .is_some_and(|at| now.saturating_sub(at) >= SETTLE_SECS)
}

/// The families whose record at the zone's servers is not exactly what was published, once
/// the last apply is older than [`SETTLE_SECS`] and the answer's TTL.
pub fn drifted(entry: &Entry, authority: &Authority, now: u64) -> Vec<Family> {
    Family::ALL
        .into_iter()
        .filter(|f| entry.publishes(*f))
        .filter(|family| {
            let (Some(published), Some(answer)) =
                (entry.published.get(*family), authority.get(family))
            else {
                return false;
            };
            let settle = SETTLE_SECS.max(u64::from(answer.ttl));
            let settled = entry
                .last_applied
                .is_some_and(|at| now.saturating_sub(at) >= settle);
            settled && answer.addresses != [published]
        })
        .collect()
}

/// Decide what to do for `entry`, given the public addresses observed this run and what the
/// zone's servers answered (empty when they were not asked).
pub fn decide(
    entry: &Entry,
    observed: &Addresses,
    now: u64,
    force: bool,
    authority: &Authority,
) -> Decision {
    let observed_v6 = observed.ipv6.map(|a| {
        entry
            .setup
            .ipv6_suffix
            .map_or(a, |s| crate::address::with_suffix(a, s))
    });
    let send = Addresses {
        ipv4: entry
            .publishes(Family::Ipv4)
            .then(|| observed.ipv4.or(entry.published.ipv4))
            .flatten(),
        ipv6: entry
            .publishes(Family::Ipv6)
            .then(|| observed_v6.or(entry.published.ipv6))
            .flatten(),
    };
    if send.is_empty() {
        return Decision::NoAddress;
    }
    let changed = send.ipv4 != entry.published.ipv4 || send.ipv6 != entry.published.ipv6;
    let reason = match entry.last_applied {
        None => Some(Reason::First),
        Some(_) if changed => Some(Reason::Changed),
        Some(_) if force => Some(Reason::Forced),
        Some(_) if !drifted(entry, authority, now).is_empty() => Some(Reason::Drift),
        // A clock behind the last apply (router before NTP) is not a reason to apply.
        Some(at) if now.saturating_sub(at) >= KEEPALIVE_SECS => Some(Reason::Keepalive),
        Some(_) => None,
    };
    match reason {
        Some(reason) => Decision::Apply { send, reason },
        None => Decision::Unchanged,
    }
}

/// Whether publishing `ip` would change `entry`'s record of that family (with the name's IPv6
/// suffix applied): the question that decides whether a detection needs a second opinion.
pub fn would_change(entry: &Entry, ip: IpAddr) -> bool {
    let family = Family::of(&ip);
    let ip = match (ip, entry.setup.ipv6_suffix) {
        (IpAddr::V6(v6), Some(suffix)) => IpAddr::V6(crate::address::with_suffix(v6, suffix)),
        _ => ip,
    };
    entry.publishes(family) && entry.published.get(family) != Some(ip)
}

/// Whether the access token must be refreshed before use: expired, within a minute of expiry,
/// or of unknown lifetime. A clock that jumped back only makes a token look fresher; a 401
/// then triggers the refresh.
pub fn needs_refresh(grant: &Grant, now: u64) -> bool {
    match grant.access_expires_at {
        Some(at) => now.saturating_add(EXPIRY_MARGIN_SECS) >= at,
        None => true,
    }
}

/// The families to publish: as asked (`ipv4`, `ipv6`), else IPv4 always and IPv6 when
/// `default_v6` (neither was asked for and this machine has a global IPv6 route). The legacy
/// template carries IPv4 only.
pub fn families(
    template: Template,
    ipv4: bool,
    ipv6: bool,
    default_v6: bool,
) -> Result<Vec<Family>> {
    if ipv6 && !template.carries(Family::Ipv6) {
        return Err(Error::refused(
            "the provider supports only the legacy dynamicdns template, which has no AAAA \
             record: set up without --ipv6",
        ));
    }
    let mut families = Vec::new();
    if ipv4 || !ipv6 {
        families.push(Family::Ipv4);
    }
    if (ipv6 || default_v6) && template.carries(Family::Ipv6) {
        families.push(Family::Ipv6);
    }
    Ok(families)
}
