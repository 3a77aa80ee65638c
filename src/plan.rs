//! The update decision, a pure function of what is stored, what was observed and the time:
//! whether to apply, with which addresses, and why. Also whether the access token needs a refresh.

use crate::address::{Addresses, Family};
use crate::state::{Entry, Grant};
use serde::Serialize;
use std::net::IpAddr;

/// Apply even when nothing changed once the last apply is this old: IONOS lets refresh tokens
/// lapse after about 30 days unused (`shared/domain-connect.md`, section 3).
pub const KEEPALIVE_SECS: u64 = 7 * 24 * 3600;

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
}

impl Reason {
    /// Why, in words: `--force`, `weekly keep-alive`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Reason::First => "nothing published yet",
            Reason::Changed => "the public address changed",
            Reason::Forced => "--force",
            Reason::Keepalive => "weekly keep-alive",
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
    /// Sent again with the same address (`--force`, keep-alive).
    Resent,
    /// No address to send: not detected this run and never published.
    NotPublished,
}

/// One record's old and new value and what was done, for the line `update` prints, its JSON
/// and the on-change hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

/// The change to each record of `entry` when `sent` was applied for `reason` (`None`: nothing
/// was sent, so every record keeps its value).
pub fn changes(entry: &Entry, sent: &Addresses, reason: Option<Reason>) -> Vec<RecordChange> {
    Family::ALL
        .into_iter()
        .filter(|f| entry.publishes(*f))
        .map(|family| {
            let old = entry.published.get(family);
            let new = sent.get(family);
            let action = match (old, new, reason) {
                (_, None, _) => Action::NotPublished,
                (Some(o), Some(n), Some(_)) if o != n => Action::Updated,
                (None, Some(_), Some(_)) => Action::Published,
                (_, Some(_), Some(Reason::Forced | Reason::Keepalive)) => Action::Resent,
                (_, Some(_), _) => Action::Unchanged,
            };
            RecordChange {
                family,
                old,
                new,
                action,
                reason: reason.filter(|_| action != Action::Unchanged),
            }
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

/// Decide what to do for `entry`.
pub fn plan(entry: &Entry, observed: &Addresses, now: u64, force: bool) -> Decision {
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
            grant: Grant {
                access_token: "A".into(),
                access_expires_at: None,
                refresh_token: None,
            },
            published,
            last_applied: last,
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
            plan(&e, &seen, NOW, false),
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
                false
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
                false
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
            plan(&e, &seen, NOW, true),
            Decision::Apply {
                reason: Reason::Forced,
                ..
            }
        ));
        let old = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS));
        assert!(matches!(
            plan(&old, &seen, NOW, false),
            Decision::Apply {
                reason: Reason::Keepalive,
                ..
            }
        ));
        let almost = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS + 1));
        assert_eq!(plan(&almost, &seen, NOW, false), Decision::Unchanged);
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
                false
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
            plan(&e, &only_v6, NOW, false),
            Decision::Apply {
                send: Addresses {
                    ipv4: v4("81.2.69.142"),
                    ipv6: v6("2a00::2")
                },
                reason: Reason::Changed
            }
        );
        assert_eq!(
            plan(&e, &Addresses::default(), NOW, false),
            Decision::Unchanged
        );
        let e4 = entry(&[Family::Ipv4], Addresses::default(), None);
        let both = Addresses {
            ipv4: v4("81.2.69.142"),
            ipv6: v6("2a00::2"),
        };
        assert!(matches!(
            plan(&e4, &both, NOW, false),
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
        assert_eq!(plan(&e, &same_prefix, NOW, false), Decision::Unchanged);
        let new_prefix = Addresses {
            ipv4: None,
            ipv6: v6("2a00:1:2:4::1"),
        };
        assert_eq!(
            plan(&e, &new_prefix, NOW, false),
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
                false
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
            plan(&e, &both, NOW, false),
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
