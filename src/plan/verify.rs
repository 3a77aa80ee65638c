//! Verification after an accepted apply (Domain Connect draft -02, section 8.5: check the
//! authoritative servers, retry until the records are seen or a timeout): the zone's name
//! servers are asked at once, then after 2, 4, 8 and 16 more seconds (the last round within
//! the budget), each server until it shows every value sent. At most five questions per server
//! and record, all over UDP: no TLS. Pure: the driver waits, asks and reports each round.

use super::{Action, RecordChange};
use crate::address::Family;
use crate::state::{Entry, Watch};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

/// The pause before each round of questions.
const STEPS: [u64; 5] = [0, 2, 4, 8, 16];

/// What one server answered for one record: its addresses, or why it could not be asked.
pub type Heard = Result<Vec<IpAddr>, String>;

/// How a verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Every server shows every value sent, `after` the apply.
    Seen {
        /// How many servers.
        servers: usize,
        /// How long after the apply.
        after: Duration,
    },
    /// No server could be asked (the last reason).
    Unreachable(String),
    /// Within the budget, not every server showed it.
    NotSeen {
        /// Servers that show every value.
        shown: usize,
        /// Servers asked.
        servers: usize,
        /// How long was waited.
        after: Duration,
        /// Per record not shown: the value sent and what a server answers instead.
        answered: BTreeMap<Family, (IpAddr, Vec<IpAddr>)>,
    },
    /// Every server that answered shows another value than the one sent and the one it
    /// replaced: another writer undid the apply at once.
    Undone {
        /// The record.
        family: Family,
        /// The other writer's value.
        value: Option<IpAddr>,
    },
}

/// The verification of one name's apply.
#[derive(Debug)]
pub struct Verification {
    /// Per record sent: the new value and the one it replaced.
    sent: Vec<(Family, IpAddr, Option<IpAddr>)>,
    servers: Vec<IpAddr>,
    budget: Duration,
    /// The rounds asked so far, and when the last one was.
    rounds: usize,
    last_at: Duration,
    heard: BTreeMap<(Family, IpAddr), Heard>,
}

impl Verification {
    /// The verification of an apply that made `records` (`watch`: the name's, for what a value
    /// sent again replaced), at the zone's `servers`, within `budget`; `None` when there is
    /// nothing to verify (a zero budget, nothing sent).
    pub fn new(
        records: &[RecordChange],
        watch: &Watch,
        servers: &[IpAddr],
        budget: Duration,
    ) -> Option<Verification> {
        // For a value sent again, what it replaced is what its last change replaced.
        let replaced = |r: &RecordChange| match r.old {
            old if old != r.new => old,
            _ => super::watch::replaced(watch, r.family),
        };
        let sent: Vec<_> = (records.iter())
            .filter(|r| r.action != Action::NotPublished)
            .filter_map(|r| Some((r.family, r.new?, replaced(r))))
            .collect();
        (!budget.is_zero() && !sent.is_empty()).then(|| Verification {
            sent,
            servers: servers.to_vec(),
            budget,
            rounds: 0,
            last_at: Duration::ZERO,
            heard: BTreeMap::new(),
        })
    }

    fn shows(&self, family: Family, server: IpAddr, value: IpAddr) -> bool {
        matches!(self.heard.get(&(family, server)), Some(Ok(a)) if a == &[value])
    }

    /// The next round: when to ask (time since the apply) and which record at which server;
    /// `None` when done.
    pub fn next(&self) -> Option<(Duration, Vec<(Family, IpAddr)>)> {
        if self.rounds >= STEPS.len() || self.servers.is_empty() || self.finished_early() {
            return None;
        }
        let at = Duration::from_secs(STEPS[..=self.rounds].iter().sum::<u64>()).min(self.budget);
        if self.rounds > 0 && at <= self.last_at {
            return None;
        }
        let pending: Vec<(Family, IpAddr)> = (self.sent.iter())
            .flat_map(|(f, value, _)| {
                (self.servers.iter())
                    .filter(move |s| !self.shows(*f, **s, *value))
                    .map(move |s| (*f, *s))
            })
            .collect();
        (!pending.is_empty()).then_some((at, pending))
    }

    /// Nothing more to learn: no server could be asked in the first round, or the record was
    /// undone everywhere.
    fn finished_early(&self) -> bool {
        self.rounds > 0 && (self.heard.values().all(Result::is_err) || self.undone().is_some())
    }

    /// A record every answering server shows with a value neither sent nor replaced.
    fn undone(&self) -> Option<(Family, Option<IpAddr>)> {
        self.sent.iter().find_map(|(family, value, old)| {
            let answers: Vec<&Vec<IpAddr>> = (self.servers.iter())
                .filter_map(|s| self.heard.get(&(*family, *s))?.as_ref().ok())
                .collect();
            // (No record at all may be the provider between removing and adding: not seen yet.)
            let foreign = |a: &&Vec<IpAddr>| {
                a.first()
                    .is_some_and(|x| x != value && Some(x) != old.as_ref())
            };
            (!answers.is_empty() && answers.iter().all(foreign))
                .then(|| (*family, answers[0].first().copied()))
        })
    }

    /// What the servers answered in the round asked at `at`.
    pub fn record(&mut self, at: Duration, heard: Vec<((Family, IpAddr), Heard)>) {
        self.rounds += 1;
        self.last_at = at;
        for (key, answer) in heard {
            // A server that answered once keeps its answer when a later question fails.
            if answer.is_ok() || !matches!(self.heard.get(&key), Some(Ok(_))) {
                self.heard.insert(key, answer);
            }
        }
    }

    /// How it ended.
    pub fn finish(&self) -> Verified {
        let shown = (self.servers.iter())
            .filter(|s| self.sent.iter().all(|(f, v, _)| self.shows(*f, **s, *v)))
            .count();
        if shown == self.servers.len() && shown > 0 {
            return Verified::Seen {
                servers: shown,
                after: self.last_at,
            };
        }
        if self.heard.values().all(Result::is_err) {
            let why = self.heard.values().find_map(|h| h.clone().err());
            return Verified::Unreachable(
                why.unwrap_or_else(|| "no name server of the zone is known".into()),
            );
        }
        if let Some((family, value)) = self.undone() {
            return Verified::Undone { family, value };
        }
        let mut answered = BTreeMap::new();
        for (f, v, _) in &self.sent {
            let other = (self.servers.iter())
                .filter_map(|s| self.heard.get(&(*f, *s))?.as_ref().ok())
                .find(|a| *a != &[*v]);
            if let Some(other) = other {
                answered.insert(*f, (*v, other.clone()));
            }
        }
        Verified::NotSeen {
            shown,
            servers: self.servers.len(),
            after: self.last_at,
            answered,
        }
    }
}

/// Remember how the verification of an apply at `applied` ended: a value seen needs no
/// watching; one not seen is watched (`watch::not_seen`); an undo counts toward a conflict.
pub fn remember(watch: &mut Watch, entry: &Entry, verified: &Verified, applied: u64, now: u64) {
    match verified {
        Verified::Seen { .. } => {
            for family in Family::ALL {
                if (watch.unseen.get(&family))
                    .is_some_and(|u| entry.published.get(family) == Some(u.value))
                {
                    watch.unseen.remove(&family);
                }
            }
        }
        Verified::Unreachable(_) => {}
        Verified::NotSeen { answered, .. } => {
            for (family, (value, _)) in answered {
                super::watch::not_seen(watch, *family, *value, applied, now);
            }
        }
        Verified::Undone { family, value } => {
            super::watch::undone(watch, entry, *family, *value, now);
        }
    }
}
