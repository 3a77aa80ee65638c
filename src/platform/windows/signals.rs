//! Ctrl+C, Ctrl+Break and closing the console, held back while a token exchange is in flight:
//! the Windows twin of `unix/signals.rs` (why it matters is said there). A console control
//! handler (`SetConsoleCtrlHandler`), which Windows runs on a thread of its own, records the
//! event; while a hold is active it waits until the last hold ends and then lets Windows end
//! the process as it would have (exit status `0xC000013A`); `wait` (between the runs of
//! `update --every`) takes the event instead, and the loop ends cleanly.
//!
//! Limits, said in docs/windows.md: closing the console window (and logoff, shutdown) gives
//! the handler about 5 seconds before Windows kills the process, less than one HTTPS call may
//! take; the Task Scheduler's stop (`schtasks /End`, its time limit) terminates the process
//! outright, like SIGKILL.

use super::ffi;
use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

/// What asked the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl+C.
    CtrlC,
    /// Ctrl+Break.
    CtrlBreak,
    /// The console was closed, or the user logs off, or Windows shuts down.
    Close,
}

impl Stop {
    /// How the event is named in messages ("stopped by Ctrl+C").
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::CtrlC => "Ctrl+C",
            Stop::CtrlBreak => "Ctrl+Break",
            Stop::Close => "closing the console",
        }
    }
}

struct Shared {
    /// Holds active now.
    holds: usize,
    /// The first event that came.
    pending: Option<Stop>,
    /// `wait` took the event: the handler lets the process go on.
    taken: bool,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared {
    holds: 0,
    pending: None,
    taken: false,
});
static CHANGED: Condvar = Condvar::new();
static HANDLER: Once = Once::new();

fn shared() -> MutexGuard<'static, Shared> {
    SHARED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The console control handler: record the event, wait while it is held, then return FALSE
/// (Windows' default action: end the process) unless `wait` took it.
extern "system" fn handler(event: u32) -> i32 {
    let stop = match event {
        0 => Stop::CtrlC,
        1 => Stop::CtrlBreak,
        2 | 5 | 6 => Stop::Close,
        _ => return 0,
    };
    let mut s = shared();
    s.pending.get_or_insert(stop);
    CHANGED.notify_all();
    while s.holds > 0 && !s.taken {
        s = CHANGED.wait(s).unwrap_or_else(PoisonError::into_inner);
    }
    i32::from(s.taken)
}

/// While this lives, the stop events are held back.
#[must_use = "the stop events are held only while the guard lives"]
pub struct Held(());

/// Hold back Ctrl+C, Ctrl+Break and console close until the returned guard is dropped.
pub fn hold() -> Held {
    HANDLER.call_once(|| {
        let _ = ffi::set_console_handler(handler);
    });
    shared().holds += 1;
    Held(())
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut s = shared();
        s.holds = s.holds.saturating_sub(1);
        CHANGED.notify_all();
    }
}

/// Wait `duration`, or until a stop event arrives (or has arrived while held back); returns it
/// if one did, and the process then goes on to end cleanly.
pub fn wait(duration: Duration) -> Option<Stop> {
    let _held = hold();
    let deadline = Instant::now() + duration;
    let mut s = shared();
    loop {
        if let Some(stop) = s.pending {
            s.taken = true;
            CHANGED.notify_all();
            return Some(stop);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        s = CHANGED
            .wait_timeout(s, left.min(Duration::from_secs(86_400)))
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}
