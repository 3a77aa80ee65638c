//! [`Run`]: the decision for one name, driven step by step (see `plan/mod.rs`).

use super::watch::{self, Hold};
use super::{
    Applied, Authority, Decision, Mode, Observed, Outcome, Reason, RecordChange, Step, changes,
    decide, needs_refresh, wants_authority,
};
use crate::address::Addresses;
use crate::error::Error;
use crate::state::{Entry, Watch};

/// The decision for one name.
#[derive(Debug)]
pub struct Run<'a> {
    entry: &'a Entry,
    observed: &'a Observed,
    now: u64,
    mode: Mode,
    /// Extra back-off, in percent (random under `--every`, so that many clients spread out).
    jitter: u64,
    authority: Option<Authority>,
    /// A refresh worked this run.
    refreshed: bool,
    /// The last apply was answered 401 and no refresh has followed it yet.
    unauthorized: bool,
    /// A refresh followed a 401 this run.
    refreshed_after_401: bool,
    /// The apply was accepted.
    sent: Option<(Addresses, Reason)>,
    /// What ended the run early: a failed refresh or apply, or a local failure after it.
    failed: Option<Error>,
    /// The name's watch, as this run leaves it.
    watch: Watch,
}

/// How a name's run ended: what `Run::finish` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// How the decision ended.
    pub outcome: Outcome,
    /// Per published family: what was done (`update`) or is due (`check`).
    pub records: Vec<RecordChange>,
    /// The refresh's or apply's error first, then the detection failures of the families the
    /// name publishes (`update`; `check` reports those with its own lookups).
    pub errors: Vec<Error>,
    /// The name's watch as the run leaves it (`update` saves it when it changed).
    pub watch: Watch,
    /// The families the name publishes that could not be detected this run.
    pub undetected: Vec<crate::address::Family>,
}

impl<'a> Run<'a> {
    /// Start the decision for `entry` (as stored before this run) with what was observed.
    pub fn new(entry: &'a Entry, observed: &'a Observed, now: u64, mode: Mode) -> Run<'a> {
        Run {
            entry,
            observed,
            now,
            mode,
            jitter: 0,
            authority: None,
            refreshed: false,
            unauthorized: false,
            refreshed_after_401: false,
            sent: None,
            failed: None,
            watch: entry.watch.clone(),
        }
    }

    /// Lengthen a back-off this run starts by `percent` (under `--every`).
    #[must_use]
    pub fn with_jitter(mut self, percent: u64) -> Self {
        self.jitter = percent;
        self
    }

    /// What the zone's servers answered (empty when they could not be asked), and what that
    /// teaches the watch.
    pub fn authority(&mut self, authority: Authority) {
        watch::learn(&mut self.watch, self.entry, &authority, self.now);
        self.authority = Some(authority);
    }

    /// The decision with what is known now.
    fn decision(&self) -> Decision {
        let force = matches!(self.mode, Mode::Update { force: true });
        let none = Authority::new();
        let authority = self.authority.as_ref().unwrap_or(&none);
        decide(
            self.entry,
            &self.observed.addresses,
            self.now,
            force,
            authority,
        )
    }

    /// Why the apply that is due is held back, if it is.
    fn held(&self, send: &Addresses, reason: Reason) -> Option<Hold> {
        let none = Authority::new();
        let authority = self.authority.as_ref().unwrap_or(&none);
        watch::hold(&self.watch, send, reason, authority, self.now)
    }

    /// The next step.
    pub fn next(&self) -> Step {
        if self.failed.is_some() || self.sent.is_some() {
            return Step::Done;
        }
        match (self.decision(), self.mode) {
            (Decision::Unchanged, _)
                if self.authority.is_none() && wants_authority(self.entry, self.now) =>
            {
                Step::AskAuthority
            }
            (Decision::Unchanged | Decision::NoAddress, _) | (_, Mode::Check) => Step::Done,
            (Decision::Apply { send, reason }, _) if self.held(&send, reason).is_some() => {
                Step::Done
            }
            (Decision::Apply { .. }, Mode::Update { .. })
                if (self.unauthorized && !self.refreshed_after_401)
                    || (!self.refreshed && needs_refresh(&self.entry.grant, self.now)) =>
            {
                Step::Refresh
            }
            (Decision::Apply { send, reason }, Mode::Update { .. }) => Step::Apply { send, reason },
        }
    }

    /// How the provider answered the refresh (its new tokens already saved when it worked).
    pub fn refreshed(&mut self, result: Result<(), Error>) {
        match result {
            Ok(()) => {
                self.refreshed = true;
                if self.unauthorized {
                    self.refreshed_after_401 = true;
                    self.unauthorized = false;
                }
            }
            Err(e) => {
                if let Decision::Apply { send, .. } = self.decision() {
                    watch::failed(&mut self.watch, &send, &e, self.now, self.jitter);
                }
                self.failed = Some(e);
            }
        }
    }

    /// How the provider answered the apply of `send` for `reason`.
    pub fn applied(&mut self, send: Addresses, reason: Reason, result: Result<Applied, Error>) {
        match result {
            Ok(Applied::Ok) => {
                let records = self.records(&send, Some(reason));
                watch::succeeded(&mut self.watch, &records, reason, self.now);
                self.sent = Some((send, reason));
            }
            Ok(Applied::Unauthorized) if !self.refreshed_after_401 => self.unauthorized = true,
            Ok(Applied::Unauthorized) => {
                self.failed = Some(Error::grant_lost(
                    "the provider rejected a freshly refreshed access token: run `ddns setup` \
                     for this name again",
                ));
            }
            Err(e) => {
                watch::failed(&mut self.watch, &send, &e, self.now, self.jitter);
                self.failed = Some(e);
            }
        }
    }

    /// A failure of our own after a step (the state could not be saved): it ends the run, and
    /// is no failure of the provider's.
    pub fn failed(&mut self, error: Error) {
        self.failed = Some(error);
    }

    /// The watch as the run leaves it so far.
    pub fn watch(&self) -> &Watch {
        &self.watch
    }

    fn records(&self, send: &Addresses, reason: Option<Reason>) -> Vec<RecordChange> {
        let authority = self.authority.clone().unwrap_or_default();
        changes(self.entry, send, reason, &authority, self.now)
    }

    /// How the run ended for this name.
    pub fn finish(self) -> Finished {
        let entry = self.entry;
        let mut errors: Vec<Error> = self.failed.iter().cloned().collect();
        let (outcome, records) = match (self.sent, self.decision()) {
            (Some((send, reason)), _) => (Outcome::Sent(reason), self.records(&send, Some(reason))),
            (None, _) if self.failed.is_some() => (Outcome::NotSent, Vec::new()),
            (None, Decision::Unchanged) => (Outcome::Current, self.records(&entry.published, None)),
            (None, Decision::Apply { send, reason }) => match self.held(&send, reason) {
                Some(hold) => (Outcome::Held(hold), Vec::new()),
                None => (Outcome::Due(reason), self.records(&send, Some(reason))),
            },
            (None, Decision::NoAddress) => {
                if self.observed.failures.is_empty() && self.mode != Mode::Check {
                    // Only with --ip: detection failures explain themselves.
                    let wanted: Vec<&str> = (entry.setup.published_families().iter())
                        .map(|f| f.label())
                        .collect();
                    errors.push(Error::usage(format!(
                        "nothing was sent: --ip gave no {} address and none was published before",
                        wanted.join(" or ")
                    )));
                }
                (Outcome::NotSent, Vec::new())
            }
        };
        if self.mode != Mode::Check {
            errors.extend(
                (entry.setup.published_families().iter())
                    .filter_map(|f| self.observed.failures.get(f).cloned()),
            );
        }
        let undetected = (entry.setup.published_families().into_iter())
            .filter(|f| self.observed.failures.contains_key(f))
            .collect();
        Finished {
            outcome,
            records,
            errors,
            watch: self.watch,
            undetected,
        }
    }
}
