use super::decide::drifted;
use super::*;
use crate::domainconnect::protocol::Template;
use crate::error::Error;
use crate::state::{Grant, Provider, Setup};

const NOW: u64 = 1_800_000_000;

fn entry(families: &[Family], published: Addresses, last: Option<u64>) -> Entry {
    Entry {
        setup: Setup {
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
        },
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
        decide(&e, &seen, NOW, false, &Authority::new()),
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
        decide(
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
        decide(
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
        decide(&e, &seen, NOW, true, &Authority::new()),
        Decision::Apply {
            reason: Reason::Forced,
            ..
        }
    ));
    let old = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS));
    assert!(matches!(
        decide(&old, &seen, NOW, false, &Authority::new()),
        Decision::Apply {
            reason: Reason::Keepalive,
            ..
        }
    ));
    let almost = entry(&[Family::Ipv4], published, Some(NOW - KEEPALIVE_SECS + 1));
    assert_eq!(
        decide(&almost, &seen, NOW, false, &Authority::new()),
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
        decide(
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
        decide(&e, &only_v6, NOW, false, &Authority::new()),
        Decision::Apply {
            send: Addresses {
                ipv4: v4("81.2.69.142"),
                ipv6: v6("2a00::2")
            },
            reason: Reason::Changed
        }
    );
    assert_eq!(
        decide(&e, &Addresses::default(), NOW, false, &Authority::new()),
        Decision::Unchanged
    );
    let e4 = entry(&[Family::Ipv4], Addresses::default(), None);
    let both = Addresses {
        ipv4: v4("81.2.69.142"),
        ipv6: v6("2a00::2"),
    };
    assert!(matches!(
        decide(&e4, &both, NOW, false, &Authority::new()),
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
    e.setup.ipv6_suffix = crate::address::parse_suffix("::99");
    let same_prefix = Addresses {
        ipv4: None,
        ipv6: v6("2a00:1:2:3::1"),
    };
    assert_eq!(
        decide(&e, &same_prefix, NOW, false, &Authority::new()),
        Decision::Unchanged
    );
    let new_prefix = Addresses {
        ipv4: None,
        ipv6: v6("2a00:1:2:4::1"),
    };
    assert_eq!(
        decide(&e, &new_prefix, NOW, false, &Authority::new()),
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
        decide(
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
    e.setup.template = Template::V1;
    let both = Addresses {
        ipv4: v4("81.2.69.142"),
        ipv6: v6("2a00::2"),
    };
    assert!(matches!(
        decide(&e, &both, NOW, false, &Authority::new()),
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
    e.setup.ipv6_suffix = crate::address::parse_suffix("::99");
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
        decide(&e, &seen, NOW, false, &authority),
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
        decide(&fresh, &seen, NOW, false, &authority),
        Decision::Unchanged
    );
    // The settling time is the record's TTL when that is longer.
    authority.insert(Family::Ipv4, answered(&["81.2.69.99"], 7200));
    assert_eq!(
        decide(&e, &seen, NOW, false, &authority),
        Decision::Unchanged
    );
    // A deleted record is drift too; a correct one, or no answer at all, is not.
    authority.insert(Family::Ipv4, answered(&[], 0));
    assert_eq!(drifted(&e, &authority, NOW), vec![Family::Ipv4]);
    authority.insert(Family::Ipv4, answered(&["81.2.69.142"], 60));
    assert_eq!(
        decide(&e, &seen, NOW, false, &authority),
        Decision::Unchanged
    );
    assert_eq!(
        decide(&e, &seen, NOW, false, &Authority::new()),
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

/// The steps `update` takes for `entry`, answering each as given: the zone's servers with
/// `authority`, a refresh with `refresh`, and the applies with `applies` in turn.
fn drive(
    entry: &Entry,
    observed: &Observed,
    mode: Mode,
    authority: &Authority,
    refresh: &Result<(), Error>,
    applies: &[Result<Applied, Error>],
) -> (Vec<Step>, Outcome, Vec<RecordChange>, Vec<Error>) {
    let mut run = Run::new(entry, observed, NOW, mode);
    let mut steps = Vec::new();
    let mut applies = applies.iter();
    loop {
        let step = run.next();
        steps.push(step);
        match step {
            Step::AskAuthority => run.authority(authority.clone()),
            Step::Refresh => run.refreshed(refresh.clone()),
            Step::Apply { send, reason } => run.applied(
                send,
                reason,
                applies.next().expect("an apply answer").clone(),
            ),
            Step::Done => break,
        }
        assert!(steps.len() < 10, "no loop: {steps:?}");
    }
    let (outcome, records, errors) = run.finish();
    (steps, outcome, records, errors)
}

fn seen_v4(ip: &str) -> Observed {
    Observed {
        addresses: Addresses {
            ipv4: v4(ip),
            ipv6: None,
        },
        failures: BTreeMap::new(),
    }
}

#[test]
fn update_and_check_take_the_same_decision() {
    let published = Addresses {
        ipv4: v4("81.2.69.142"),
        ipv6: None,
    };
    let mut e = entry(&[Family::Ipv4], published, Some(NOW - 60));
    e.grant.access_expires_at = Some(NOW + 3600);
    let moved = seen_v4("81.2.69.160");
    let ok = Ok(());
    let (steps, outcome, records, errors) = drive(
        &e,
        &moved,
        Mode::Update { force: false },
        &Authority::new(),
        &ok,
        &[Ok(Applied::Ok)],
    );
    let send = Addresses {
        ipv4: v4("81.2.69.160"),
        ipv6: None,
    };
    assert_eq!(
        steps,
        vec![
            Step::Apply {
                send,
                reason: Reason::Changed
            },
            Step::Done
        ]
    );
    assert_eq!(outcome, Outcome::Sent(Reason::Changed));
    assert_eq!(records[0].action, Action::Updated);
    assert!(errors.is_empty());
    // check stops where update applies, with the same records.
    let (steps, outcome, due, _) = drive(&e, &moved, Mode::Check, &Authority::new(), &ok, &[]);
    assert_eq!(steps, vec![Step::Done]);
    assert_eq!(outcome, Outcome::Due(Reason::Changed));
    assert_eq!(due, records);
}

#[test]
fn the_zone_is_asked_only_when_nothing_else_is_due_and_the_last_apply_settled() {
    let published = Addresses {
        ipv4: v4("81.2.69.142"),
        ipv6: None,
    };
    let e = entry(&[Family::Ipv4], published, Some(NOW - 3600));
    let same = seen_v4("81.2.69.142");
    let mut changed = Authority::new();
    changed.insert(Family::Ipv4, answered(&["81.2.69.66"], 60));
    let (steps, outcome, records, _) = drive(
        &e,
        &same,
        Mode::Update { force: false },
        &changed,
        &Ok(()),
        &[Ok(Applied::Ok)],
    );
    // The token's expiry is unknown, so it is refreshed before the apply.
    assert_eq!(
        steps,
        vec![
            Step::AskAuthority,
            Step::Refresh,
            Step::Apply {
                send: published,
                reason: Reason::Drift
            },
            Step::Done
        ]
    );
    assert_eq!(outcome, Outcome::Sent(Reason::Drift));
    assert_eq!(
        records[0].answered,
        Some(vec!["81.2.69.66".parse().unwrap()])
    );
    // A fresh apply is not checked, and the same answer from a correct zone changes nothing.
    let fresh = entry(&[Family::Ipv4], published, Some(NOW - 60));
    let (steps, outcome, ..) = drive(&fresh, &same, Mode::Check, &changed, &Ok(()), &[]);
    assert_eq!((steps, outcome), (vec![Step::Done], Outcome::Current));
}

#[test]
fn a_401_is_refreshed_once_then_the_grant_is_lost() {
    let mut e = entry(&[Family::Ipv4], Addresses::default(), None);
    e.grant.access_expires_at = Some(NOW + 3600);
    let seen = seen_v4("81.2.69.142");
    let (steps, outcome, records, errors) = drive(
        &e,
        &seen,
        Mode::Update { force: false },
        &Authority::new(),
        &Ok(()),
        &[Ok(Applied::Unauthorized), Ok(Applied::Unauthorized)],
    );
    assert!(matches!(
        steps.as_slice(),
        [
            Step::Apply { .. },
            Step::Refresh,
            Step::Apply { .. },
            Step::Done
        ]
    ));
    assert_eq!(outcome, Outcome::NotSent);
    assert!(records.is_empty());
    assert_eq!(errors[0].class, crate::error::Class::GrantLost);
    // An expired token is refreshed first; a refused refresh ends the run with its error.
    e.grant.access_expires_at = Some(NOW);
    let lost = Err(Error::grant_lost("gone"));
    let (steps, _, _, errors) = drive(
        &e,
        &seen,
        Mode::Update { force: false },
        &Authority::new(),
        &lost,
        &[],
    );
    assert_eq!(steps, vec![Step::Refresh, Step::Done]);
    assert_eq!(errors, vec![Error::grant_lost("gone")]);
}

#[test]
fn detection_failures_are_the_names_errors_and_nothing_to_send_says_why() {
    let published = Addresses {
        ipv4: v4("81.2.69.142"),
        ipv6: None,
    };
    let e = entry(&Family::ALL, published, Some(NOW - 60));
    let mut seen = seen_v4("81.2.69.142");
    seen.failures
        .insert(Family::Ipv6, Error::transient("no IPv6"));
    let (_, outcome, records, errors) = drive(
        &e,
        &seen,
        Mode::Update { force: false },
        &Authority::new(),
        &Ok(()),
        &[],
    );
    assert_eq!(outcome, Outcome::Current);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].action, Action::NotPublished);
    assert_eq!(errors, vec![Error::transient("no IPv6")]);
    // --ip with only the other family, nothing published: one usage error.
    let e6 = entry(&[Family::Ipv6], Addresses::default(), None);
    let (steps, outcome, _, errors) = drive(
        &e6,
        &seen_v4("81.2.69.142"),
        Mode::Update { force: false },
        &Authority::new(),
        &Ok(()),
        &[],
    );
    assert_eq!((steps, outcome), (vec![Step::Done], Outcome::NotSent));
    assert_eq!(
        errors[0].message,
        "nothing was sent: --ip gave no IPv6 address and none was published before"
    );
}
