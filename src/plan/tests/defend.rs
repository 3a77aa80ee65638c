use super::*;
use crate::error::{Class, Error};
use crate::plan::verify::{Verification, Verified};
use crate::plan::watch::{self, Hold};
use std::time::Duration;

fn ip(s: &str) -> std::net::IpAddr {
    s.parse().unwrap()
}

#[test]
fn backoff_doubles_from_five_minutes_to_an_hour() {
    let secs: Vec<u64> = (1..=6).map(watch::backoff_secs).collect();
    assert_eq!(secs, vec![300, 600, 1200, 2400, 3600, 3600]);
    assert_eq!(watch::backoff_secs(u32::MAX), 3600);
}

#[test]
fn failures_start_a_backoff_or_keep_a_retry_after_and_success_ends_both() {
    let mut w = Watch::default();
    let send = a4("81.2.69.160");
    watch::failed(&mut w, &send, &Error::transient("503"), NOW, 0);
    watch::failed(&mut w, &send, &Error::transient("503"), NOW, 10);
    let b = w.backoff.clone().unwrap();
    assert_eq!((b.failures, b.until, b.tried), (2, NOW + 660, send));
    // A refusal is no outage: no back-off for it.
    watch::failed(&mut w, &send, &Error::refused("409"), NOW, 0);
    assert_eq!(w.backoff.as_ref().unwrap().failures, 2);
    let mut limited = Error::transient("429");
    limited.retry_after = Some(10 * 24 * 3600);
    watch::failed(&mut w, &send, &limited, NOW, 0);
    assert_eq!(w.retry_after, Some(NOW + watch::RETRY_AFTER_MAX_SECS));
    watch::succeeded(&mut w, &[], Reason::Changed, NOW);
    assert_eq!((w.backoff, w.retry_after), (None, None));
}

#[test]
fn holds_keep_a_window_a_backoff_a_conflict_and_an_unpublished_value() {
    let send = a4("81.2.69.160");
    let none = Authority::new();
    let mut w = Watch {
        retry_after: Some(NOW + 60),
        ..Watch::default()
    };
    // A Retry-After window holds everything, --force and a new address included.
    for reason in [Reason::Changed, Reason::Forced, Reason::Drift] {
        assert_eq!(
            watch::hold(&w, &send, reason, &none, NOW),
            Some(Hold::RetryAfter(NOW + 60))
        );
    }
    assert_eq!(
        watch::hold(&w, &send, Reason::Changed, &none, NOW + 60),
        None
    );
    // A back-off holds what failed, not a new address, not --force.
    w.retry_after = None;
    watch::failed(&mut w, &send, &Error::transient("503"), NOW, 0);
    assert!(matches!(
        watch::hold(&w, &send, Reason::Changed, &none, NOW + 1),
        Some(Hold::Backoff(_))
    ));
    assert_eq!(
        watch::hold(&w, &a4("81.2.69.161"), Reason::Changed, &none, NOW + 1),
        None
    );
    assert_eq!(watch::hold(&w, &send, Reason::Forced, &none, NOW + 1), None);
    assert_eq!(
        watch::hold(&w, &send, Reason::Changed, &none, NOW + 300),
        None
    );
    // Three undos within a day hold repairs and keep-alives only.
    w.backoff = None;
    let e = entry(&[Family::Ipv4], send, Some(NOW));
    for (i, at) in [NOW, NOW + 1, NOW + 2].into_iter().enumerate() {
        let mut applied = e.clone();
        applied.last_applied = Some(NOW + u64::try_from(i).unwrap() * 10);
        watch::undone(&mut w, &applied, Family::Ipv4, Some(ip("81.2.69.66")), at);
    }
    assert!(matches!(
        watch::hold(&w, &send, Reason::Drift, &none, NOW + 3),
        Some(Hold::Conflict { .. })
    ));
    assert_eq!(
        watch::hold(&w, &send, Reason::Changed, &none, NOW + 3),
        None
    );
    // A day later they no longer count.
    assert_eq!(
        watch::hold(&w, &send, Reason::Drift, &none, NOW + 25 * 3600),
        None
    );
    // Two applies never seen hold a third of the same value.
    w.foreign.clear();
    watch::not_seen(&mut w, Family::Ipv4, ip("81.2.69.160"), NOW, NOW);
    assert_eq!(watch::hold(&w, &send, Reason::Drift, &none, NOW), None);
    watch::not_seen(&mut w, Family::Ipv4, ip("81.2.69.160"), NOW, NOW);
    assert_eq!(w.unseen[&Family::Ipv4].applies, 1, "one apply counts once");
    watch::not_seen(
        &mut w,
        Family::Ipv4,
        ip("81.2.69.160"),
        NOW + 600,
        NOW + 600,
    );
    assert!(matches!(
        watch::hold(&w, &send, Reason::Keepalive, &none, NOW + 601),
        Some(Hold::Unpublished { .. })
    ));
    assert_eq!(
        watch::hold(&w, &a4("81.2.69.161"), Reason::Changed, &none, NOW + 601),
        None
    );
}

#[test]
fn the_zone_teaches_a_late_value_an_undo_and_a_provider_that_did_not_publish() {
    let e = entry(&[Family::Ipv4], a4("81.2.69.160"), Some(NOW - 3600));
    let mut w = Watch::default();
    watch::not_seen(
        &mut w,
        Family::Ipv4,
        ip("81.2.69.160"),
        NOW - 3600,
        NOW - 3600,
    );
    let mut at_zone = Authority::new();
    at_zone.insert(Family::Ipv4, answered(&["81.2.69.160"], 60));
    watch::learn(&mut w, &e, &at_zone, NOW);
    assert!(w.unseen.is_empty());
    assert_eq!(w.history.last().unwrap().why, crate::state::Why::SeenLate);
    // Another value, once settled, is an undo; the value ddns replaced is the provider's.
    at_zone.insert(Family::Ipv4, answered(&["81.2.69.66"], 60));
    watch::learn(&mut w, &e, &at_zone, NOW);
    assert_eq!(w.foreign[&Family::Ipv4].undid, vec![NOW]);
    watch::learn(&mut w, &e, &at_zone, NOW + 60);
    assert_eq!(w.foreign[&Family::Ipv4].undid.len(), 1, "the same apply");
    let mut v = Watch::default();
    let changed = [RecordChange {
        family: Family::Ipv4,
        old: v4("81.2.69.142").map(Into::into),
        new: v4("81.2.69.160").map(Into::into),
        action: Action::Updated,
        reason: Some(Reason::Changed),
        answered: None,
    }];
    watch::succeeded(&mut v, &changed, Reason::Changed, NOW - 3600);
    at_zone.insert(Family::Ipv4, answered(&["81.2.69.142"], 60));
    watch::learn(&mut v, &e, &at_zone, NOW);
    assert!(v.foreign.is_empty());
    assert_eq!(v.unseen[&Family::Ipv4].applies, 1);
}

#[test]
fn history_keeps_ten_changes_per_family() {
    let mut w = Watch::default();
    for n in 0..15u8 {
        let change = RecordChange {
            family: Family::Ipv4,
            old: Some(ip(&format!("81.2.69.{n}"))),
            new: Some(ip(&format!("81.2.69.{}", n + 1))),
            action: Action::Updated,
            reason: Some(Reason::Changed),
            answered: None,
        };
        watch::succeeded(&mut w, &[change], Reason::Changed, NOW + u64::from(n));
    }
    assert_eq!(w.history.len(), 10);
    assert_eq!(w.history[0].new, ip("81.2.69.6"));
    assert_eq!(w.history[9].new, ip("81.2.69.15"));
}

fn sent(new: &str, old: &str) -> Vec<RecordChange> {
    vec![RecordChange {
        family: Family::Ipv4,
        old: Some(ip(old)),
        new: Some(ip(new)),
        action: Action::Updated,
        reason: Some(Reason::Changed),
        answered: None,
    }]
}

#[test]
fn verification_asks_at_once_then_after_2_4_8_16_seconds_within_the_budget() {
    let servers = [ip("192.0.2.53"), ip("192.0.2.54")];
    let records = sent("81.2.69.160", "81.2.69.142");
    let mut v = Verification::new(
        &records,
        &Watch::default(),
        &servers,
        Duration::from_secs(30),
    )
    .unwrap();
    let mut times = Vec::new();
    while let Some((at, pending)) = v.next() {
        times.push(at.as_secs());
        // One server shows it from 6 s on, the other never does.
        let heard = pending
            .into_iter()
            .map(|(f, s)| {
                let shows = s == servers[0] && at.as_secs() >= 6;
                (
                    (f, s),
                    Ok(vec![ip(if shows { "81.2.69.160" } else { "81.2.69.142" })]),
                )
            })
            .collect();
        v.record(at, heard);
    }
    assert_eq!(
        times,
        vec![0, 2, 6, 14, 30],
        "at most five questions a server"
    );
    assert!(matches!(
        v.finish(),
        Verified::NotSeen {
            shown: 1,
            servers: 2,
            ..
        }
    ));
    // A zero budget verifies nothing; a short one stops at its end.
    assert!(Verification::new(&records, &Watch::default(), &servers, Duration::ZERO).is_none());
    let mut v = Verification::new(
        &records,
        &Watch::default(),
        &servers,
        Duration::from_secs(3),
    )
    .unwrap();
    let mut times = Vec::new();
    while let Some((at, pending)) = v.next() {
        times.push(at.as_secs());
        let heard = pending.into_iter().map(|k| (k, Ok(vec![]))).collect();
        v.record(at, heard);
    }
    assert_eq!(times, vec![0, 2, 3]);
}

#[test]
fn verification_ends_early_when_seen_undone_or_unreachable() {
    let servers = [ip("192.0.2.53")];
    let records = sent("81.2.69.160", "81.2.69.142");
    let budget = Duration::from_secs(30);
    let run = |answer: Result<Vec<std::net::IpAddr>, String>| {
        let mut v = Verification::new(&records, &Watch::default(), &servers, budget).unwrap();
        let mut rounds = 0;
        while let Some((at, pending)) = v.next() {
            rounds += 1;
            v.record(
                at,
                pending.into_iter().map(|k| (k, answer.clone())).collect(),
            );
        }
        (rounds, v.finish())
    };
    assert!(matches!(
        run(Ok(vec![ip("81.2.69.160")])),
        (1, Verified::Seen { servers: 1, .. })
    ));
    assert_eq!(
        run(Ok(vec![ip("81.2.69.66")])),
        (
            1,
            Verified::Undone {
                family: Family::Ipv4,
                value: Some(ip("81.2.69.66"))
            }
        )
    );
    assert!(matches!(
        run(Err("timed out".into())),
        (1, Verified::Unreachable(_))
    ));
    // The value it replaced is the provider being slow, not another writer: asked on.
    assert!(matches!(
        run(Ok(vec![ip("81.2.69.142")])),
        (5, Verified::NotSeen { .. })
    ));
    // No server known: nothing asked.
    let v = Verification::new(&records, &Watch::default(), &[], budget).unwrap();
    assert!(v.next().is_none());
    assert!(matches!(v.finish(), Verified::Unreachable(_)));
}

#[test]
fn a_run_held_back_takes_no_step_and_says_why() {
    let mut e = entry(&[Family::Ipv4], a4("81.2.69.142"), Some(NOW - 60));
    e.watch.retry_after = Some(NOW + 60);
    let seen = Observed {
        addresses: a4("81.2.69.160"),
        failures: BTreeMap::new(),
    };
    let run = Run::new(&e, &seen, NOW, Mode::Update { force: true });
    assert_eq!(run.next(), Step::Done);
    let finished = run.finish();
    assert_eq!(finished.outcome, Outcome::Held(Hold::RetryAfter(NOW + 60)));
    assert_eq!(finished.watch, e.watch, "nothing new to remember");
    // A failed apply starts a back-off in the watch the run leaves.
    e.watch.retry_after = None;
    e.grant.access_expires_at = Some(NOW + 3600);
    let mut run = Run::new(&e, &seen, NOW, Mode::Update { force: false });
    let Step::Apply { send, reason } = run.next() else {
        panic!("an apply is due")
    };
    run.applied(send, reason, Err(Error::transient("503")));
    let finished = run.finish();
    assert_eq!(finished.watch.backoff.unwrap().failures, 1);
    assert_eq!(finished.errors[0].class, Class::Transient);
}

/// The hold, `status` and the page's arguments count a second writer's undos alike: only those
/// within the window, so a stale one neither makes a conflict nor swells its count.
#[test]
fn a_conflict_counts_only_recent_undos_everywhere() {
    use crate::report::summary::offline;
    let day = watch::CONFLICT_WINDOW_SECS;
    let mut e = entry(&[Family::Ipv4], a4("81.2.69.142"), Some(NOW - 60));
    let foreign = |undid: Vec<u64>| crate::state::Foreign {
        value: Some(ip("81.2.69.66")),
        undid,
        last_apply: NOW - 60,
    };
    // Three undos, one of them older than the window: no conflict.
    e.watch.foreign.insert(
        Family::Ipv4,
        foreign(vec![NOW - day - 10, NOW - 600, NOW - 60]),
    );
    assert!(watch::conflict(&e.watch, NOW).is_none());
    let s = offline("home.example.com", Some(&e), None, None, NOW);
    assert_ne!(s.status, "conflict");
    assert!(!s.args.contains_key("times"), "{:?}", s.args);
    // Four, three of them recent: a conflict of three since the first recent one.
    e.watch.foreign.insert(
        Family::Ipv4,
        foreign(vec![NOW - day - 10, NOW - 900, NOW - 600, NOW - 60]),
    );
    let (family, _, undid) = watch::conflict(&e.watch, NOW).unwrap();
    assert_eq!(
        (family, undid),
        (Family::Ipv4, vec![NOW - 900, NOW - 600, NOW - 60])
    );
    let s = offline("home.example.com", Some(&e), None, None, NOW);
    assert_eq!((s.status, s.code.as_str()), ("conflict", "conflict"));
    assert_eq!(
        (&s.args["times"], &s.args["since"], &s.args["value"]),
        (
            &serde_json::json!(3),
            &serde_json::json!(NOW - 900),
            &serde_json::json!("81.2.69.66")
        )
    );
}
