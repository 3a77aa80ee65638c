//! Stop signals held back while a token exchange is in flight. Many providers revoke a refresh
//! token the moment they issue its successor, and an authorization code works once: a run
//! stopped between the provider's reply and the save of the new tokens loses the grant, and a
//! person must consent again. So SIGTERM, SIGINT and SIGHUP (what procd, systemd, `timeout`,
//! a second ifup and Ctrl-C send) are blocked from just before the request until the tokens
//! are saved or the exchange has failed; a signal that arrived meanwhile then takes effect at
//! once, with its default action, before anything else happens. The hold lasts at most one
//! HTTPS call (15 s) and one save. SIGKILL and power loss cannot be held: see
//! docs/reliability.md.
//!
//! `ddns` is single-threaded (its DNS resolver blocks on the calling thread), so the calling
//! thread's mask is the process's: no other thread can take the signal meanwhile.

use crate::error::{Class, Error};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};

/// The signals held back: the polite stops.
pub const STOPS: [Signal; 3] = [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP];

/// The set of [`STOPS`].
pub fn stops() -> SigSet {
    let mut set = SigSet::empty();
    for signal in STOPS {
        set.add(signal);
    }
    set
}

/// While this lives, the stop signals are held back; dropping it restores the previous mask,
/// so a signal that arrived meanwhile is delivered right then.
#[must_use = "the signals are held only while the guard lives"]
pub struct Held(Option<SigSet>);

/// Hold back the stop signals until the returned guard is dropped. If the mask cannot be
/// changed (it always can on Linux), nothing is held and the run goes on as before.
pub fn hold() -> Held {
    Held(stops().thread_swap_mask(SigmaskHow::SIG_BLOCK).ok())
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            let _ = previous.thread_set_mask();
        }
    }
}

/// Wait `duration`, or until a stop signal arrives (or has arrived while held back); returns the
/// signal if one did. Between the runs of `update --every`, a stop ends the loop at once and
/// cleanly: the signal is taken from a signalfd while blocked, so it is not acted on with its
/// default action.
pub fn wait(duration: std::time::Duration) -> Option<Signal> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::signalfd::{SfdFlags, SignalFd};
    use std::os::fd::AsFd;
    use std::time::Instant;
    let held = hold();
    let Ok(fd) = SignalFd::with_flags(&stops(), SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
    else {
        drop(held);
        std::thread::sleep(duration);
        return None;
    };
    let deadline = Instant::now() + duration;
    loop {
        if let Ok(Some(info)) = fd.read_signal() {
            return Signal::try_from(i32::try_from(info.ssi_signo).unwrap_or(0)).ok();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        // poll takes at most i32::MAX ms; wake up at least once a day and look again.
        let step = PollTimeout::try_from(left.min(std::time::Duration::from_secs(86_400)))
            .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        // EINTR (another signal) just means: look again.
        let _ = poll(&mut fds, step);
    }
}

/// The error for a run that a signal ended. A crash signal is a bug in ddns: the router builds
/// end a panic with a trap and no message (`-Cpanic=immediate-abort`), so this is all the page
/// can say. Any other signal came from outside, such as the kernel stopping a process when
/// memory runs out. `None` when it exited on its own.
pub fn ended_by(what: &str, status: std::process::ExitStatus) -> Option<Error> {
    use std::os::unix::process::ExitStatusExt;
    let signal = status.signal()?;
    let known = Signal::try_from(signal).ok();
    let name = known.map_or_else(|| format!("signal {signal}"), |s| s.as_str().to_string());
    Some(match known {
        Some(
            Signal::SIGILL
            | Signal::SIGTRAP
            | Signal::SIGABRT
            | Signal::SIGBUS
            | Signal::SIGFPE
            | Signal::SIGSEGV,
        ) => Error::new(
            Class::Bug,
            format!(
                "ddns {what} crashed ({name}), a bug in ddns: please report it with the output \
                 of `ddns --version`"
            ),
        ),
        _ => Error::transient(format!(
            "ddns {what} was stopped by {name} (the router may be short of memory): try again"
        )),
    })
}
