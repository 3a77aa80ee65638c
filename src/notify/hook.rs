//! The on-change program (`--on-change PATH`, `DDNS_ON_CHANGE`): run directly, with no shell
//! in between (so it works in a scratch image too, given a static program), after each record
//! that changed and each name whose update failed, with the facts in its environment. It has
//! [`LIMIT`] to finish; its output becomes ours (lines prefixed `on-change: `, also to syslog),
//! and its failure is reported but never changes the run's exit status.

use crate::error::{Error, Result};
use crate::platform::process::{self, Group, Pipes};
use crate::report::HookEvent;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the program may run.
pub const LIMIT: Duration = Duration::from_secs(30);
/// At most this much of its output is passed on.
const OUTPUT_MAX: usize = 64 * 1024;

/// Check, before any run, that `program` is something that can be run.
pub fn check(program: &Path) -> Result<()> {
    match std::fs::metadata(program) {
        Ok(m) if process::is_executable(&m, program) => Ok(()),
        #[cfg(not(windows))]
        Ok(_) => Err(Error::usage(format!(
            "the on-change program {} is not an executable file: chmod +x it, or fix the path",
            program.display()
        ))),
        #[cfg(windows)]
        Ok(_) => Err(Error::usage(format!(
            "the on-change program {} is not a program Windows runs: give an .exe, .bat or \
             .cmd file, or fix the path",
            program.display()
        ))),
        Err(e) => Err(Error::usage(format!(
            "the on-change program {} cannot be found ({e}): fix the path",
            program.display()
        ))),
    }
}

/// Run `program` for `event`, printing its output lines as notes and adding them to `printed`;
/// the error says why it failed, in one sentence. It runs in a process group of its own (a job
/// object on Windows): at the deadline the whole group is killed, so nothing it started is left
/// running. (`cmd/update` calls it after the state lock is released.)
pub fn run(program: &Path, event: &HookEvent, printed: &mut Vec<String>) -> Result<()> {
    let shown = program.display();
    let mut command = Command::new(program);
    command
        .env("DDNS_NAME", &event.name)
        .env("DDNS_RECORD", &event.record)
        .env("DDNS_OLD", &event.old)
        .env("DDNS_NEW", &event.new)
        .env("DDNS_STATUS", event.status.to_string())
        .env("DDNS_CLASS", event.class)
        .env("DDNS_MESSAGE", &event.message)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    process::own_group(&mut command);
    let mut child = command.spawn().map_err(|e| {
        Error::transient(format!("could not run the on-change program {shown} ({e})"))
    })?;
    let group = Group::of(&child);
    let deadline = Instant::now() + LIMIT;
    let mut pipes = Pipes::of(&mut child);
    let mut pending = [Vec::new(), Vec::new()];
    let mut passed = 0usize;
    while pipes.open() && Instant::now() < deadline {
        for (i, chunk) in pipes.read(deadline) {
            pending[i].extend_from_slice(&chunk);
            pass_on(&mut pending[i], &mut passed, false, printed);
        }
    }
    for buffer in &mut pending {
        pass_on(buffer, &mut passed, true, printed);
    }
    // `None`: stopped at the deadline.
    let status = if pipes.open() {
        // The deadline came while the program, or something it started, still held its
        // output: stop them all. (Its status is taken first, so a program that had finished
        // is not reported as stopped; a member holding the pipes keeps the group's id in use.)
        let finished = child.try_wait().ok().flatten();
        group.kill();
        finished
    } else {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                // Not reaped yet, so the group's id is still its own.
                _ => {
                    group.kill();
                    break None;
                }
            }
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
