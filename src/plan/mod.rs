//! The update decision, a pure function of what is stored, what was observed and the time:
//! whether to apply, with which addresses, and why; whether the zone's servers are worth asking
//! about the record; and whether the access token needs a refresh.

use crate::address::{Addresses, Family};
use crate::net::authority::Answer;
use crate::state::{Entry, Grant};
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

/// What the zone's authoritative servers answered for a name, per family asked (a family that
/// was not asked, or whose servers could not be asked, is absent).
pub type Authority = BTreeMap<Family, Answer>;

/// Refresh an access token this close to its expiry.
pub const EXPIRY_MARGIN_SECS: u64 = 60;

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

/// What happened to one record of a name in a run.
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

/// One record's old and new value and what was done, for the line `update` prints, its JSON
/// and the on-change hook.
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

/// The on-change program's runs for one name after an update: one per record that changed
/// (first published, updated, or put back after it differed at the provider), and one if the
/// name's update failed. Re-sending the same address (`--force`, keep-alive) is no change.
pub fn hook_events(
    entry: &Entry,
    name: &str,
    changes: &[RecordChange],
    errors: &[crate::error::Error],
    line: &str,
) -> Vec<HookEvent> {
    let text = |ip: Option<IpAddr>| ip.map(|i| i.to_string()).unwrap_or_default();
    let mut events: Vec<HookEvent> = changes
        .iter()
        .filter(|c| {
            matches!(c.action, Action::Published | Action::Updated)
                || (c.action == Action::Resent && c.answered.is_some())
        })
        .map(|c| HookEvent {
            name: name.to_string(),
            record: c.family.record().to_string(),
            old: text(c.old),
            new: text(c.new),
            status: 0,
            class: "ok",
            message: line.to_string(),
        })
        .collect();
    if let Some(worst) = errors.iter().max_by_key(|e| e.class) {
        let families: Vec<Family> = Family::ALL
            .into_iter()
            .filter(|f| entry.publishes(*f))
            .collect();
        let join = |parts: Vec<String>| parts.join(" ");
        events.push(HookEvent {
            name: name.to_string(),
            record: join(families.iter().map(|f| f.record().to_string()).collect()),
            old: join(
                families
                    .iter()
                    .filter_map(|f| entry.published.get(*f))
                    .map(|ip| ip.to_string())
                    .collect(),
            ),
            new: String::new(),
            status: worst.class.exit_code(),
            class: worst.class.key(),
            message: format!("{name}: {}", worst.message),
        });
    }
    events
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

/// What `update` must do for one name.
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

/// Decide what to do for `entry`, given the public addresses observed this run and what the
/// zone's servers answered (empty when they were not asked).
pub fn plan(
    entry: &Entry,
    observed: &Addresses,
    now: u64,
    force: bool,
    authority: &Authority,
) -> Decision {
    let observed_v6 = observed.ipv6.map(|a| {
        entry
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
    let ip = match (ip, entry.ipv6_suffix) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domainconnect::protocol::Template;
    use crate::state::Provider;

    const NOW: u64 = 1_800_000_000;

    fn entry(families: &[Family], published: Addresses, last: Option<u64>) -> Entry {
        Entry {
            zone: "example.com".into(),
            host: "home".into(),
            provider: Provider {
                id: "p".into(),
                name: "P".into(),
                url_api: "https://a".into(),
                url_async_ux: "https://b".into(),
            },
            template: Template::V2,
            families: families.to_vec(),
            ipv6_suffix: None,
            nameservers: Vec::new(),
            grant: Grant {
                access_token: "A".into(),
                access_expires_at: None,
                refresh_token: None,
            },
            published,
            last_applied: last,
            grant_lost_at: None,
        }
    }

    fn v4(s: &str) -> Option<std::net::Ipv4Addr> {
        s.parse().ok()
    }
    fn v6(s: &str) -> Option<std::net::Ipv6Addr> {
        s.parse().ok()
    }

    #[test]
    fn first_run_applies() {
        let e = entry(&[Family::Ipv4], Addresses::default(), None);
        let seen = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: None,
        };
        assert_eq!(
            plan(&e, &seen, NOW, false, &Authority::new()),
            Decision::Apply {
                send: Addresses {
                    ipv4: v4("81.2.69.142"),
                    ipv6: None
                },
                reason: Reason::First
            }
        );
    }

    #[test]
    fn same_address_is_unchanged_and_a_new_one_applies() {
        let e = entry(
            &[Family::Ipv4],
            Addresses {
                ipv4: v4("81.2.69.142"),
                ipv6: None,
            },
            Some(NOW - 60),
        );
        assert_eq!(
            plan(
                &e,
                &Addresses {
                    ipv4: v4("81.2.69.142"),
                    ipv6: None
                },
                NOW,
                false,
                &Authority::new()
            ),
            Decision::Unchanged
        );
        assert_eq!(
            plan(
                &e,
                &Addresses {
                    ipv4: v4("81.2.69.143"),
                    ipv6: None
                },
                NOW,
                false,
                &Authority::new()
            ),
            Decision::Apply {
                send: Addresses {
                    ipv4: v4("81.2.69.143"),
                    ipv6: None
                },
                reason: Reason::Changed
            }
        );
    }

    #[test]
    fn force_and_keepalive_apply_the_same_address() {
        let published = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: None,
        };
        let seen = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: None,
        };
        let e = entry(&[Family::Ipv4], published, Some(NOW - 60));
        assert!(matches!(
            plan(&e, &seen, NOW, true, &Authority::new()),
            Decision::Apply {
                reason: Reason::Forced,
                ..
            }
        ));
        let old = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS));
        assert!(matches!(
            plan(&old, &seen, NOW, false, &Authority::new()),
            Decision::Apply {
                reason: Reason::Keepalive,
                ..
            }
        ));
        let almost = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS + 1));
        assert_eq!(
            plan(&almost, &seen, NOW, false, &Authority::new()),
            Decision::Unchanged
        );
    }

    #[test]
    fn clock_before_last_apply_does_not_apply() {
        let published = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: None,
        };
        let e = entry(&[Family::Ipv4], published, Some(NOW));
        assert_eq!(
            plan(
                &e,
                &Addresses {
                    ipv4: v4("81.2.69.142"),
                    ipv6: None
                },
                0,
                false,
                &Authority::new()
            ),
            Decision::Unchanged
        );
    }

    #[test]
    fn an_undetected_family_keeps_its_last_value_and_unconfigured_is_never_sent() {
        let published = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: v6("2a00::1"),
        };
        let e = entry(&Family::ALL, published, Some(NOW - 60));
        let only_v6 = Addresses {
            ipv4: None,
            ipv6: v6("2a00::2"),
        };
        assert_eq!(
            plan(&e, &only_v6, NOW, false, &Authority::new()),
            Decision::Apply {
                send: Addresses {
                    ipv4: v4("81.2.69.142"),
                    ipv6: v6("2a00::2")
                },
                reason: Reason::Changed
            }
        );
        assert_eq!(
            plan(&e, &Addresses::default(), NOW, false, &Authority::new()),
            Decision::Unchanged
        );
        let e4 = entry(&[Family::Ipv4], Addresses::default(), None);
        let both = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: v6("2a00::2"),
        };
        assert!(matches!(
            plan(&e4, &both, NOW, false, &Authority::new()),
            Decision::Apply {
                send: Addresses { ipv6: None, .. },
                ..
            }
        ));
    }

    #[test]
    fn ipv6_suffix_is_combined_with_the_detected_prefix() {
        let mut e = entry(
            &[Family::Ipv6],
            Addresses {
                ipv4: None,
                ipv6: v6("2a00:1:2:3::99"),
            },
            Some(NOW - 60),
        );
        e.ipv6_suffix = crate::address::parse_suffix("::99");
        let same_prefix = Addresses {
            ipv4: None,
            ipv6: v6("2a00:1:2:3::1"),
        };
        assert_eq!(
            plan(&e, &same_prefix, NOW, false, &Authority::new()),
            Decision::Unchanged
        );
        let new_prefix = Addresses {
            ipv4: None,
            ipv6: v6("2a00:1:2:4::1"),
        };
        assert_eq!(
            plan(&e, &new_prefix, NOW, false, &Authority::new()),
            Decision::Apply {
                send: Addresses {
                    ipv4: None,
                    ipv6: v6("2a00:1:2:4::99")
                },
                reason: Reason::Changed
            }
        );
    }

    #[test]
    fn nothing_to_send_is_reported() {
        let e = entry(&[Family::Ipv4], Addresses::default(), None);
        assert_eq!(
            plan(
                &e,
                &Addresses {
                    ipv4: None,
                    ipv6: v6("2a00::1")
                },
                NOW,
                false,
                &Authority::new()
            ),
            Decision::NoAddress
        );
    }

    #[test]
    fn legacy_template_never_sends_ipv6() {
        let mut e = entry(&Family::ALL, Addresses::default(), None);
        e.template = Template::V1;
        let both = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: v6("2a00::2"),
        };
        assert!(matches!(
            plan(&e, &both, NOW, false, &Authority::new()),
            Decision::Apply {
                send: Addresses { ipv6: None, .. },
                ..
            }
        ));
    }

    #[test]
    fn would_change_applies_the_suffix_and_ignores_unpublished_families() {
        let mut e = entry(
            &[Family::Ipv6],
            Addresses {
                ipv4: None,
                ipv6: v6("2a00:1:2:3::99"),
            },
            Some(NOW),
        );
        e.ipv6_suffix = crate::address::parse_suffix("::99");
        assert!(!would_change(&e, "2a00:1:2:3::1".parse().unwrap()));
        assert!(would_change(&e, "2a00:1:2:4::1".parse().unwrap()));
        assert!(!would_change(&e, "81.2.69.142".parse().unwrap()));
    }

    fn answered(ips: &[&str], ttl: u32) -> Answer {
        Answer {
            addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
            ttl,
        }
    }

    #[test]
    fn a_record_changed_behind_our_back_is_resent_once_settled() {
        let published = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: None,
        };
        let seen = published;
        let mut authority = Authority::new();
        authority.insert(Family::Ipv4, answered(&["81.2.69.99"], 60));
        // An hour after the last apply: re-sent, and only A is marked re-sent.
        let e = entry(&[Family::Ipv4], published, Some(NOW - 3600));
        assert!(wants_authority(&e, NOW));
        assert_eq!(drifted(&e, &authority, NOW), vec![Family::Ipv4]);
        assert_eq!(
            plan(&e, &seen, NOW, false, &authority),
            Decision::Apply {
                send: published,
                reason: Reason::Drift
            }
        );
        let c = changes(&e, &published, Some(Reason::Drift), &authority, NOW);
        assert_eq!(c[0].action, Action::Resent);
        assert_eq!(c[0].answered, Some(vec!["81.2.69.99".parse().unwrap()]));
        // Right after an apply, a different (stale) answer is not a reason to apply again,
        // and the servers are not even asked.
        let fresh = entry(&[Family::Ipv4], published, Some(NOW - 60));
        assert!(!wants_authority(&fresh, NOW));
        assert_eq!(
            plan(&fresh, &seen, NOW, false, &authority),
            Decision::Unchanged
        );
        // The settling time is the record's TTL when that is longer.
        authority.insert(Family::Ipv4, answered(&["81.2.69.99"], 7200));
        assert_eq!(plan(&e, &seen, NOW, false, &authority), Decision::Unchanged);
        // A deleted record is drift too; a correct one, or no answer at all, is not.
        authority.insert(Family::Ipv4, answered(&[], 0));
        assert_eq!(drifted(&e, &authority, NOW), vec![Family::Ipv4]);
        authority.insert(Family::Ipv4, answered(&["81.2.69.142"], 60));
        assert_eq!(plan(&e, &seen, NOW, false, &authority), Decision::Unchanged);
        assert_eq!(
            plan(&e, &seen, NOW, false, &Authority::new()),
            Decision::Unchanged
        );
        // An extra address next to ours is drift: the record must hold exactly what we sent.
        authority.insert(Family::Ipv4, answered(&["81.2.69.142", "81.2.69.1"], 60));
        assert_eq!(drifted(&e, &authority, NOW), vec![Family::Ipv4]);
    }

    #[test]
    fn refresh_when_expiring_or_unknown() {
        let g = |at| Grant {
            access_token: "A".into(),
            access_expires_at: at,
            refresh_token: None,
        };
        assert!(needs_refresh(&g(None), NOW));
        assert!(needs_refresh(&g(Some(NOW)), NOW));
        assert!(needs_refresh(&g(Some(NOW + 60)), NOW));
        assert!(!needs_refresh(&g(Some(NOW + 61)), NOW));
    }
}
