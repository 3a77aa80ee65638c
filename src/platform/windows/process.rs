//! The on-change program as a process on Windows, the twin of `unix/process.rs`: it runs
//! without a console window of its own, in a job object, so that at the deadline the job, and
//! everything the program started, is terminated; its two pipes are read by a thread each.
//! (It is put into the job just after it starts: what it starts in its first instants may
//! escape.) A `.bat` or `.cmd` runs through `cmd.exe` (std quotes its arguments).

use super::ffi::Job;
use std::fs::Metadata;
use std::io::Read;
use std::os::windows::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Instant;

/// `CREATE_NO_WINDOW`: a console program gets no console window (the task runs hidden).
const CREATE_NO_WINDOW: u32 = 0x0800_0000;

/// Whether `meta` (of `path`) is something `Command` can run: a file whose extension is one
/// of `PATHEXT`'s (`.COM;.EXE;.BAT;.CMD` when it is not set).
pub fn is_executable(meta: &Metadata, path: &Path) -> bool {
    let pathext = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".into());
    let Some(ext) = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_uppercase())
    else {
        return false;
    };
    meta.is_file()
        && pathext
            .split(';')
            .any(|p| p.trim().trim_start_matches('.').eq_ignore_ascii_case(&ext))
}

/// Have `command` start without a console window.
pub fn own_group(command: &mut Command) {
    command.creation_flags(CREATE_NO_WINDOW);
}

/// The job a started program was put into (none when Windows refused one).
pub struct Group(Option<Job>);

impl Group {
    /// A job holding `child`.
    pub fn of(child: &Child) -> Group {
        Group(Job::new().filter(|job| job.assign(child)))
    }

    /// Terminate every process in the job.
    pub fn kill(&self) {
        if let Some(job) = &self.0 {
            job.terminate(1);
        }
    }
}

/// The program's standard output (0) and error (1), read by a thread each.
pub struct Pipes {
    chunks: Receiver<(usize, Vec<u8>)>,
    open: [bool; 2],
}

impl Pipes {
    /// Take the piped stdout and stderr of `child`.
    pub fn of(child: &mut Child) -> Pipes {
        let (send, chunks) = channel();
        let mut open = [false; 2];
        let pipes: [Option<Box<dyn Read + Send>>; 2] = [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ];
        for (i, pipe) in pipes.into_iter().enumerate() {
            let Some(mut pipe) = pipe else { continue };
            open[i] = true;
            let send = send.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    let n = pipe.read(&mut buf).unwrap_or(0);
                    if send.send((i, buf[..n].to_vec())).is_err() || n == 0 {
                        break;
                    }
                }
            });
        }
        Pipes { chunks, open }
    }

    /// Whether a pipe is still open.
    pub fn open(&self) -> bool {
        self.open.iter().any(|o| *o)
    }

    /// Wait for output until `deadline`: (pipe, bytes) pairs; a pipe at its end gives nothing
    /// and is closed.
    pub fn read(&mut self, deadline: Instant) -> Vec<(usize, Vec<u8>)> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut got = Vec::new();
        let mut next = self.chunks.recv_timeout(left);
        loop {
            match next {
                Ok((i, chunk)) if chunk.is_empty() => self.open[i] = false,
                Ok(pair) => got.push(pair),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    self.open = [false; 2];
                    break;
                }
            }
            next = self
                .chunks
                .try_recv()
                .map_err(|_| RecvTimeoutError::Timeout);
        }
        got
    }
}

/// Open `url` in the default browser (`rundll32 url.dll,FileProtocolHandler URL`: no shell in
/// between, so the `&`s of the address stay), without waiting for it.
pub fn open_url(url: &str) -> std::io::Result<()> {
    Command::new("rundll32.exe")
        .args(["url.dll,FileProtocolHandler", url])
        .spawn()
        .map(drop)
}
