//! The sentences of the record's defence: why a due apply was held back (a `Retry-After`
//! window, a back-off, a second writer, a provider that never publishes), and how the
//! verification of an apply ended.

use super::Report;
use super::text::shown;
use crate::clock::utc;
use crate::error::{Code, Error};
use crate::plan::verify::Verified;
use crate::plan::watch::{CONFLICT_UNDOS, Hold, UNSEEN_APPLIES};

/// The error of an apply that is due but held back.
pub fn held(name: &str, hold: &Hold) -> Error {
    match hold {
        Hold::RetryAfter(until) => Error::transient(format!(
            "the update was not sent: the provider asked for a pause until {} (HTTP 429): ddns \
             tries again then",
            utc(*until)
        ))
        .with_code(Code::RetryAfter),
        Hold::Backoff(b) => Error::transient(format!(
            "the update was not sent: {}, so ddns waits until {}: it tries again then, or at \
             once when the public address changes",
            if b.failures == 1 {
                "the last try failed".to_string()
            } else {
                format!("the last {} tries failed", b.failures)
            },
            utc(b.until)
        ))
        .with_code(Code::Backoff),
        Hold::Conflict {
            family,
            value,
            undid,
        } => conflict(name, family.record(), *value, undid),
        Hold::Unpublished {
            family,
            value,
            answered,
            since,
        } => Error::refused(format!(
            "the provider accepts the update but its name servers still answer {} for {}, not \
             {value} (sent {UNSEEN_APPLIES} times since {}): ask the provider; ddns sends it \
             again when the public address changes, or with `ddns update --force {name}`",
            shown(answered),
            family.record(),
            utc(*since)
        ))
        .with_code(Code::NotPublished),
    }
}

/// The error of a second writer that undid our value [`CONFLICT_UNDOS`] times.
fn conflict(name: &str, record: &str, value: Option<std::net::IpAddr>, undid: &[u64]) -> Error {
    let what = value.map_or_else(
        || format!("deleting {name} {record}"),
        |v| format!("setting {name} {record} to {v}"),
    );
    Error::refused(format!(
        "another client keeps {what} ({} times since {}); ddns stopped repairing it: `ddns \
         update --force {name}` takes over",
        undid.len(),
        utc(undid.first().copied().unwrap_or_default())
    ))
    .with_code(Code::Conflict)
}

/// Add what the verification's end means to the report: a note (the zone's servers could not
/// be asked), a warning (not seen yet, undone once), or an error (not seen twice: the provider
/// does not publish; undone too often: a conflict).
pub fn verified(report: &mut Report, verified: &Verified) {
    let name = report.name.clone();
    match verified {
        Verified::Seen { .. } => {}
        Verified::Unreachable(why) => report.notes.push(format!(
            "the name servers of {name}'s zone could not be asked ({why}), so the update was \
             not verified"
        )),
        Verified::NotSeen {
            shown: visible,
            servers,
            after,
            answered,
        } => {
            // Each record not shown: a warning, or the error of a value never published.
            for (family, (value, other)) in answered {
                match report.watch.unseen.get(family) {
                    Some(u) if u.applies >= UNSEEN_APPLIES => report.errors.insert(
                        0,
                        held(
                            &name,
                            &Hold::Unpublished {
                                family: *family,
                                value: *value,
                                answered: other.clone(),
                                since: u.since,
                            },
                        ),
                    ),
                    _ => report.warnings.push(format!(
                        "the provider accepted the update, but after {} s its name servers \
                         still answer {} for {} ({visible} of {servers} show {value}): ddns \
                         looks again at the next run",
                        after.as_secs(),
                        shown(other),
                        family.record()
                    )),
                }
            }
        }
        Verified::Undone { family, value } => {
            let undid = (report.watch.foreign.get(family))
                .map(|f| f.undid.clone())
                .unwrap_or_default();
            let record = family.record();
            if undid.len() >= CONFLICT_UNDOS {
                report
                    .errors
                    .insert(0, conflict(&name, record, *value, &undid));
            } else {
                let what = value.map_or_else(|| "no record".to_string(), |v| v.to_string());
                report.warnings.push(format!(
                    "another client set {record} to {what} right after this update ({} of {} \
                     times since {}): ddns puts it back at a later run, and stops if it keeps \
                     happening",
                    undid.len(),
                    CONFLICT_UNDOS,
                    utc(undid.first().copied().unwrap_or_default())
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Family;
    use std::collections::BTreeMap;
    use std::time::Duration;

    /// A and AAAA both unseen at the end of a verification: one warning for each record.
    #[test]
    fn every_record_not_seen_is_reported() {
        let mut report = Report {
            name: "home.example.com".into(),
            status: super::super::Status::Updated,
            outcome: crate::plan::Outcome::NotSent,
            records: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            verified: None,
            watch: crate::state::Watch::default(),
            undetected: Vec::new(),
            stored: None,
            pending: None,
            seen: BTreeMap::new(),
        };
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let answered = BTreeMap::from([
            (Family::Ipv4, (ip("81.2.69.160"), vec![ip("81.2.69.142")])),
            (Family::Ipv6, (ip("2a02:898::2"), vec![ip("2a02:898::1")])),
        ]);
        verified(
            &mut report,
            &Verified::NotSeen {
                shown: 0,
                servers: 1,
                after: Duration::from_secs(30),
                answered,
            },
        );
        assert_eq!(report.warnings.len(), 2, "{:#?}", report.warnings);
        assert!(
            report.warnings[0].contains(" for A ("),
            "{}",
            report.warnings[0]
        );
        assert!(
            report.warnings[1].contains(" for AAAA ("),
            "{}",
            report.warnings[1]
        );
    }
}
