//! The on-change program as a process on Unix (issue 22, item 7): started in a process group of
//! its own, so that at the deadline the whole group, children it started included, is killed
//! with SIGKILL; its two pipes read as they fill (`poll`).

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Instant;

/// Whether `meta` (of `path`) is something `Command` can run: a file with an execute bit.
pub fn is_executable(meta: &Metadata, _path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Have `command` start in a new process group (its pid is the group's id).
pub fn own_group(command: &mut Command) {
    command.process_group(0);
}

/// The process group of a started program.
pub struct Group(Pid);

impl Group {
    /// The group `child` leads (started after [`own_group`]).
    pub fn of(child: &Child) -> Group {
        Group(Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX)))
    }

    /// Kill every process in the group. Call it only while the leader is not reaped yet or a
    /// member still holds its pipes: then the group's id cannot have been reused.
    pub fn kill(&self) {
        let _ = killpg(self.0, Signal::SIGKILL);
    }
}

/// The program's standard output (0) and error (1), read as they fill.
pub struct Pipes([Option<File>; 2]);

impl Pipes {
    /// Take the piped stdout and stderr of `child`.
    pub fn of(child: &mut Child) -> Pipes {
        let as_file = |fd: OwnedFd| File::from(fd);
        Pipes([
            child.stdout.take().map(OwnedFd::from).map(as_file),
            child.stderr.take().map(OwnedFd::from).map(as_file),
        ])
    }

    /// Whether a pipe is still open (someone may still write to it).
    pub fn open(&self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    /// Wait until a pipe has something to read or `deadline`, and read what is there: (pipe,
    /// bytes) pairs; a pipe at its end is closed and gives nothing.
    pub fn read(&mut self, deadline: Instant) -> Vec<(usize, Vec<u8>)> {
        let left = deadline.saturating_duration_since(Instant::now());
        {
            let mut fds: Vec<PollFd> = (self.0.iter().flatten())
                .map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN))
                .collect();
            let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
            let _ = poll(&mut fds, timeout);
        }
        let mut got = Vec::new();
        for (i, pipe) in self.0.iter_mut().enumerate() {
            if let Some(p) = pipe.as_mut()
                && let Some(chunk) = read_ready(p)
            {
                if chunk.is_empty() {
                    *pipe = None;
                } else {
                    got.push((i, chunk));
                }
            }
        }
        got
    }
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

/// Open `url` in a browser, without waiting for it: `open` on macOS, `xdg-open` elsewhere,
/// when present (an error otherwise). Its output is discarded, so a text-mode browser cannot
/// take over the terminal setup reads the code from.
pub fn open_url(url: &str) -> std::io::Result<()> {
    use std::process::Stdio;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}
