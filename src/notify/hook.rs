//! The on-change program (`--on-change PATH`, `DDNS_ON_CHANGE`): run directly, with no shell
//! in between (so it works in a scratch image too, given a static program), after each record
//! that changed and each name whose update failed, with the facts in its environment. It has
//! [`LIMIT`] to finish; its output becomes ours (lines prefixed `on-change: `, also to syslog),
//! and its failure is reported but never changes the run's exit status.

use crate::error::{Error, Result};
use crate::report::HookEvent;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the program may run.
pub const LIMIT: Duration = Duration::from_secs(30);
/// At most this much of its output is passed on.
const OUTPUT_MAX: usize = 64 * 1024;

/// Check, before any run, that `program` is something that can be run.
pub fn check(program: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(program) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err(Error::usage(format!(
            "the on-change program {} is not an executable file: chmod +x it, or fix the path",
            program.display()
        ))),
        Err(e) => Err(Error::usage(format!(
            "the on-change program {} cannot be found ({e}): fix the path",
            program.display()
        ))),
    }
}

/// Run `program` for `event`, printing its output lines as notes and adding them to `printed`;
/// the error says why it failed, in one sentence.
pub fn run(program: &Path, event: &HookEvent, printed: &mut Vec<String>) -> Result<()> {
    let shown = program.display();
    let mut child = Command::new(program)
        .env("DDNS_NAME", &event.name)
        .env("DDNS_RECORD", &event.record)
        .env("DDNS_OLD", &event.old)
        .env("DDNS_NEW", &event.new)
        .env("DDNS_STATUS", event.status.to_string())
        .env("DDNS_CLASS", event.class)
        .env("DDNS_MESSAGE", &event.message)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::transient(format!("could not run the on-change program {shown} ({e})"))
        })?;
    let deadline = Instant::now() + LIMIT;
    let as_file = |fd: OwnedFd| File::from(fd);
    let mut out = child.stdout.take().map(OwnedFd::from).map(as_file);
    let mut err = child.stderr.take().map(OwnedFd::from).map(as_file);
    let mut pending = [Vec::new(), Vec::new()];
    let mut passed = 0usize;
    while out.is_some() || err.is_some() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        wait_readable(out.as_ref(), err.as_ref(), left);
        for (i, pipe) in [&mut out, &mut err].into_iter().enumerate() {
            if let Some(p) = pipe.as_mut()
                && let Some(chunk) = read_ready(p)
            {
                if chunk.is_empty() {
                    *pipe = None;
                } else {
                    pending[i].extend_from_slice(&chunk);
                    pass_on(&mut pending[i], &mut passed, false, printed);
                }
            }
        }
    }
    for buffer in &mut pending {
        pass_on(buffer, &mut passed, true, printed);
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => break None,
        }
    };
    match status {
        Some(s) if s.success() => Ok(()),
        Some(s) => Err(Error::transient(match s.code() {
            Some(code) => format!("the on-change program {shown} exited with status {code}"),
            None => format!("the on-change program {shown} was killed by a signal"),
        })),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(Error::transient(format!(
                "the on-change program {shown} did not finish within {} seconds and was \
                 stopped",
                LIMIT.as_secs()
            )))
        }
    }
}

/// Wait until one of the pipes has something to read (or is closed), at most `left`.
fn wait_readable(out: Option<&File>, err: Option<&File>, left: Duration) {
    let mut fds: Vec<PollFd> = [out, err]
        .into_iter()
        .flatten()
        .map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN))
        .collect();
    let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
    let _ = poll(&mut fds, timeout);
}

/// Read what a pipe has, if a read returns at once: `Some(empty)` at its end.
fn read_ready(pipe: &mut File) -> Option<Vec<u8>> {
    let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
    if !poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n > 0) {
        return None;
    }
    let mut buf = [0u8; 4096];
    match pipe.read(&mut buf) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(_) => Some(Vec::new()),
    }
}

/// Print the complete lines in `buffer` (all of it at the end) as our notes.
fn pass_on(buffer: &mut Vec<u8>, passed: &mut usize, end: bool, printed: &mut Vec<String>) {
    while let Some(at) = buffer.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = buffer.drain(..=at).collect();
        note(&line, passed, printed);
    }
    if end && !buffer.is_empty() {
        let line = std::mem::take(buffer);
        note(&line, passed, printed);
    }
}

fn note(line: &[u8], passed: &mut usize, printed: &mut Vec<String>) {
    if *passed >= OUTPUT_MAX {
        return;
    }
    *passed += line.len();
    let text = crate::error::printable(&String::from_utf8_lossy(line), 500);
    let note = format!("on-change: {text}");
    crate::out::note(&note);
    printed.push(note);
}
