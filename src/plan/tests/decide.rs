use super::*;
use crate::plan::decide::drifted;

#[test]
fn first_run_applies() {
    let e = entry(&[Family::Ipv4], Addresses::default(), None);
    let seen = a4("81.2.69.142");
    assert_eq!(
        decide(&e, &seen, NOW, false, &Authority::new()),
        Decision::Apply {
            send: a4("81.2.69.142"),
            reason: Reason::First
        }
    );
}

#[test]
fn same_address_is_unchanged_and_a_new_one_applies() {
    let e = entry(&[Family::Ipv4], a4("81.2.69.142"), Some(NOW - 60));
    assert_eq!(
        decide(&e, &a4("81.2.69.142"), NOW, false, &Authority::new()),
        Decision::Unchanged
    );
    assert_eq!(
        decide(&e, &a4("81.2.69.143"), NOW, false, &Authority::new()),
        Decision::Apply {
            send: a4("81.2.69.143"),
            reason: Reason::Changed
        }
    );
}

#[test]
fn force_and_keepalive_apply_the_same_address() {
    let published = a4("81.2.69.142");
    let seen = a4("81.2.69.142");
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
    let published = a4("81.2.69.142");
    let e = entry(&[Family::Ipv4], published, Some(NOW));
    assert_eq!(
        decide(&e, &a4("81.2.69.142"), 0, false, &Authority::new()),
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
    let only_v6 = a6("2a00::2");
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
    let mut e = entry(&[Family::Ipv6], a6("2a00:1:2:3::99"), Some(NOW - 60));
    e.setup.ipv6_suffix = crate::address::parse_suffix("::99");
    let same_prefix = a6("2a00:1:2:3::1");
    assert_eq!(
        decide(&e, &same_prefix, NOW, false, &Authority::new()),
        Decision::Unchanged
    );
    let new_prefix = a6("2a00:1:2:4::1");
    assert_eq!(
        decide(&e, &new_prefix, NOW, false, &Authority::new()),
        Decision::Apply {
            send: a6("2a00:1:2:4::99"),
            reason: Reason::Changed
        }
    );
}

#[test]
fn nothing_to_send_is_reported() {
    let e = entry(&[Family::Ipv4], Addresses::default(), None);
    assert_eq!(
        decide(&e, &a6("2a00::1"), NOW, false, &Authority::new()),
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
    let mut e = entry(&[Family::Ipv6], a6("2a00:1:2:3::99"), Some(NOW));
    e.setup.ipv6_suffix = crate::address::parse_suffix("::99");
    assert!(!would_change(&e, "2a00:1:2:3::1".parse().unwrap()));
    assert!(would_change(&e, "2a00:1:2:4::1".parse().unwrap()));
    assert!(!would_change(&e, "81.2.69.142".parse().unwrap()));
}

#[test]
fn a_record_changed_behind_our_back_is_resent_once_settled() {
    let published = a4("81.2.69.142");
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

#[test]
fn families_follow_the_flags_then_the_route_and_the_template() {
    use Family::{Ipv4, Ipv6};
    let f = |t, v4, v6, route| families(t, v4, v6, route).map_err(|e| e.class);

    assert_eq!(f(Template::V2, false, false, false), Ok(vec![Ipv4]));
    assert_eq!(f(Template::V2, false, false, true), Ok(vec![Ipv4, Ipv6]));
    assert_eq!(f(Template::V2, false, true, false), Ok(vec![Ipv6]));
    assert_eq!(f(Template::V2, true, true, false), Ok(vec![Ipv4, Ipv6]));
    assert_eq!(f(Template::V1, false, false, true), Ok(vec![Ipv4]));
    assert_eq!(
        f(Template::V1, false, true, false),
        Err(crate::error::Class::Refused)
    );
}
