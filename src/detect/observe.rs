//! What an `update` run learns about the public addresses, once for all its names: the
//! addresses given with `--ip`; else, for each family the names publish, a publishable
//! `--ip-hint` of that family, else detection. A detected address that would change a record
//! is confirmed by the next source first, so one flip-flopping source cannot flip the record.

use super::{Source, confirm, detect};
use crate::address::{Family, not_global};
use crate::net::Net;
use crate::plan::{Observed, would_change};
use crate::state::Entry;
use std::net::IpAddr;

/// Observe the public addresses `entries` need. Returns them with a note for each hint that
/// could not be used (printed as the run goes, and part of its report).
pub fn observe(
    net: &Net,
    sources: &[Source],
    entries: &[&Entry],
    given: &[IpAddr],
    hints: &[IpAddr],
) -> (Observed, Vec<String>) {
    let mut seen = Observed::default();
    let mut notes = Vec::new();
    if !given.is_empty() {
        for ip in given {
            seen.addresses.set(*ip);
        }
        return (seen, notes);
    }
    for family in Family::ALL {
        if !entries.iter().any(|e| e.publishes(family)) {
            continue;
        }
        let of_family: Vec<IpAddr> = hints
            .iter()
            .copied()
            .filter(|ip| Family::of(ip) == family)
            .collect();
        if let Some(hint) = of_family.iter().find(|ip| not_global(ip).is_none()) {
            seen.addresses.set(*hint);
            continue;
        }
        if let Some(first) = of_family.first() {
            let why = not_global(first).unwrap_or("not publishable");
            let note = format!(
                "--ip-hint {first} is {why}, so the public {} address is detected instead",
                family.label()
            );
            crate::out::note(&note);
            notes.push(note);
        }
        let found = detect(net, sources, family).and_then(|found| {
            if entries.iter().any(|e| would_change(e, found.ip)) {
                confirm(net, sources, &found)?;
            }
            Ok(found)
        });
        match found {
            Ok(found) => seen.addresses.set(found.ip),
            Err(e) => {
                seen.failures.insert(family, e);
            }
        }
    }
    (seen, notes)
}
