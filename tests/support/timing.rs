//! How long the tests wait, as data in one place: the limits `ddns` documents (each test bounds
//! a run by the limit that applies to it), and one setting for how slow this machine may be.
//!
//! `DDNS_TEST_SLOWNESS` (a factor, default 1) stretches every allowance below except
//! [`Timing::at_once`]: set it to 2 or 3 on a loaded or emulated machine instead of editing
//! a test. A bound is always a documented limit plus an allowance, and a reply the fake holds
//! back is always longer than the bound it must outlast, so no test can pass by waiting long
//! enough.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Each HTTPS call `ddns` makes (docs/reliability.md, "Trust and timeouts").
pub const HTTP_CALL: Duration = Duration::from_secs(15);
/// All health-check pings of one run together.
pub const PINGS: Duration = Duration::from_secs(10);
/// The on-change program, per call.
pub const ON_CHANGE: Duration = Duration::from_secs(30);
/// `ddns rpcd` answers every call within this.
pub const RPCD_ANSWER: Duration = Duration::from_secs(12);

/// The allowances, scaled by `DDNS_TEST_SLOWNESS`.
#[derive(Debug)]
pub struct Timing {
    /// What "at once" may take: a stop between runs, a hook returning, nothing happening (a
    /// call that must not come). Below every interval the tests use (1 s), and never scaled:
    /// a slower bound could not tell "at once" from "at the next run".
    pub at_once: Duration,
    /// What "right after" may take: a run ending right after the save it was waiting for, a
    /// lock wait ending.
    pub soon: Duration,
    /// What a loaded machine may add to a documented limit: process start, a debug build's
    /// TLS handshakes, the scheduler.
    pub slack: Duration,
    /// How long the fake holds a reply back so that a test can act while a run waits for it.
    pub hold: Duration,
    /// How long a test waits for something that must happen (a line, a request, a file)
    /// before it fails.
    pub patience: Duration,
    /// How long a test waits for a container to start and run its first update.
    pub container_start: Duration,
    /// How often a waiting test looks.
    pub poll: Duration,
}

/// The timing for this run (`DDNS_TEST_SLOWNESS`, read once).
pub fn timing() -> &'static Timing {
    static TIMING: OnceLock<Timing> = OnceLock::new();
    TIMING.get_or_init(|| {
        let factor: u32 = std::env::var("DDNS_TEST_SLOWNESS").map_or(1, |v| {
            v.parse()
                .ok()
                .filter(|f| *f >= 1)
                .unwrap_or_else(|| panic!("DDNS_TEST_SLOWNESS '{v}' is not a whole factor >= 1"))
        });
        Timing {
            at_once: Duration::from_millis(900),
            soon: Duration::from_secs(2) * factor,
            slack: Duration::from_secs(5) * factor,
            hold: Duration::from_secs(3) * factor,
            patience: Duration::from_secs(10) * factor,
            container_start: Duration::from_secs(30) * factor,
            poll: Duration::from_millis(5),
        }
    })
}

/// The bound for a run whose own limit is `limit`: the limit plus the slack.
pub fn within(limit: Duration) -> Duration {
    limit + timing().slack
}

/// A delay longer than any run bounded by `limit` waits ([`within`] plus the slack again).
pub fn beyond(limit: Duration) -> Duration {
    within(limit) + timing().slack
}

/// Wait until `done()` holds, looking every [`Timing::poll`]; fail after `limit`, saying what
/// did not happen.
#[track_caller]
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let give_up = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < give_up,
            "{what}: not within {limit:?} (DDNS_TEST_SLOWNESS stretches the waits)"
        );
        std::thread::sleep(timing().poll);
    }
}

/// [`wait_for`] with the usual patience.
#[track_caller]
pub fn eventually(what: &str, done: impl FnMut() -> bool) {
    wait_for(what, timing().patience, done);
}
