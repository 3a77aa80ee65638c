use super::*;
use crate::error::Error;

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
    let Finished {
        outcome,
        records,
        errors,
        ..
    } = run.finish();
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
    let published = a4("81.2.69.142");
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
    let send = a4("81.2.69.160");
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
    let published = a4("81.2.69.142");
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
    let published = a4("81.2.69.142");
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
