//! `ddns update`: observe the public addresses once, then for each name drive the decision
//! (`plan::Run`): ask the zone's servers, refresh the token, apply, as it says. The state lock
//! is held while the names are decided and applied, so racing runs (cron and a WAN hook) apply
//! once; then each name's report is printed, the on-change program runs for what changed or
//! failed, and the monitors are pinged, all rendered from the reports. With `--every`, the
//! same run again and again in one process, the lock held only during each.

mod drive;
mod on_change;

use crate::cli::UpdateArgs;
use crate::context::{self, Context, Env};
use crate::error::{Class, Result};
use crate::notify::ping::Monitor;
use crate::report::RunReport;
use crate::report::json::UpdateDoc;
use drive::update;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long an apply is verified at the zone's servers by default (Domain Connect draft -02,
/// section 8.5).
const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the command line and the environment ask of `update`, checked before any run.
struct Options {
    names: Vec<String>,
    given: Vec<IpAddr>,
    hints: Vec<IpAddr>,
    force: bool,
    json: bool,
    every: Option<Duration>,
    monitors: Vec<Monitor>,
    on_change: Option<PathBuf>,
    /// Why the on-change program given is not run (`on_change.rs`): printed at each run.
    warnings: Vec<String>,
    /// How long to verify an apply at the zone's servers (zero: not at all).
    verify: Duration,
    /// Extra back-off in percent: random under `--every`, so that many clients spread out.
    jitter: u64,
}

impl Options {
    fn new(args: &UpdateArgs, env: &Env) -> Result<Options> {
        let given = (args.ip.iter())
            .map(|v| context::parse_given_ip(v))
            .collect::<Result<_>>()?;
        let hints = (args.ip_hint.iter())
            .map(|v| context::parse_ip("--ip-hint", v))
            .collect::<Result<_>>()?;
        let monitors = if args.ping.is_empty() {
            crate::notify::ping::parse(env.ping.as_deref().unwrap_or(""))?
        } else {
            crate::notify::ping::parse(&args.ping.join(","))?
        };
        let on_change = on_change::choose(
            args.on_change.as_deref().or(env.on_change.as_deref()),
            env.on_change_dirs.as_deref(),
        )?;
        let every = args.every.as_deref();
        let verify = (args.verify_timeout.as_deref())
            .or(env.verify_timeout.as_deref())
            .map_or(Ok(VERIFY_TIMEOUT), |v| {
                crate::clock::duration("--verify-timeout", v, true)
            })?;
        let jitter = if every.is_some() {
            let mut byte = [0u8; 1];
            getrandom::getrandom(&mut byte).map_or(0, |()| u64::from(byte[0] % 11))
        } else {
            0
        };
        Ok(Options {
            names: args.names.clone(),
            given,
            hints,
            force: args.force,
            json: args.json,
            every: every
                .map(|v| crate::clock::duration("--every", v, false))
                .transpose()?,
            monitors,
            on_change: on_change.program,
            warnings: on_change.warnings,
            verify,
            jitter,
        })
    }
}

/// Check `args` as a run would with `env`, and run nothing: `service install` checks the
/// task's options so, before the task fails on them every few minutes.
#[cfg(windows)]
pub fn check(args: &UpdateArgs, env: &Env) -> Result<()> {
    Options::new(args, env).map(|_| ())
}

/// Run `update`: once (the default, for cron, hooks and CronJobs), or every `--every` until a
/// stop signal. Returns the exit status: 0, or the worst status of any name.
pub fn run(ctx: &Context, args: &UpdateArgs, env: &Env) -> Result<u8> {
    let options = Options::new(args, env)?;
    match options.every {
        None => once(ctx, &options),
        Some(interval) => {
            // Held back for the whole loop: see `every`.
            let _held = crate::platform::signals::hold();
            every(ctx, &options, interval)
        }
    }
}

/// One run and everything rendered from its reports: the lines, the on-change program, the
/// JSON document and the health-check pings (which never change its status).
fn once(ctx: &Context, o: &Options) -> Result<u8> {
    for line in &o.warnings {
        crate::out::error(line);
    }
    let result = update(ctx, o).map(|mut run| {
        report(o, &mut run);
        run
    });
    let (status, mut lines) = match &result {
        Ok(run) => (run.exit(), run.lines()),
        Err(e) => (e.class.exit_code(), vec![format!("ddns: {}", e.message)]),
    };
    record(ctx, &result, status);
    lines.splice(0..0, o.warnings.iter().map(|w| format!("ddns: {w}")));
    if !o.monitors.is_empty() {
        crate::notify::ping_all(&ctx.net, &o.monitors, status, &lines);
    }
    result.map(|run| run.exit())
}

/// Keep how the run ended in the last-run file (`state/lastrun.rs`), for `status` and
/// `health`. A file that cannot be written only means they do not know.
fn record(ctx: &Context, result: &Result<RunReport>, exit: u8) {
    use crate::state::lastrun::{self, NameRun};
    let Some(path) = &ctx.run_file else { return };
    let now = crate::clock::now();
    let mut last = lastrun::read(path).unwrap_or_default();
    last.at = now;
    last.exit = exit;
    last.error = result.as_ref().err().map(|e| e.message.clone());
    for report in result.iter().flat_map(|run| &run.names) {
        let summary = report.summary(now);
        last.names.insert(
            report.name.clone(),
            NameRun {
                at: now,
                status: summary.status.to_string(),
                exit: report.exit(),
                code: summary.code,
                args: summary.args,
                text: summary.text,
            },
        );
    }
    let _ = lastrun::write(path, &last);
}

/// Print each name's line and errors and run the on-change program for its events (after the
/// lock is released; what it prints joins the run's report), then print the JSON document.
fn report(o: &Options, run: &mut RunReport) {
    for report in &run.names {
        if !report.records.is_empty() {
            if o.json {
                crate::out::log_only(&report.line());
            } else {
                crate::out::say(&report.line());
            }
        }
        for line in report.error_lines().chain(report.warning_lines()) {
            crate::out::error(&line);
        }
        for note in &report.notes {
            crate::out::note(note);
        }
        let mut printed = Vec::new();
        if let Some(program) = &o.on_change {
            for event in report.hook_events() {
                if let Err(e) = crate::notify::hook::run(program, &event, &mut printed) {
                    let line = format!("{}: {}", report.name, e.message);
                    crate::out::error(&line);
                    printed.push(format!("ddns: {line}"));
                }
            }
        }
        run.hook_lines.push(printed);
    }
    if o.json {
        let doc = UpdateDoc::new(&run.names);
        if o.every.is_some() {
            // One document a line, a run after another.
            crate::out::print_only(&serde_json::to_string(&doc).unwrap_or_else(|_| "null".into()));
        } else {
            crate::out::say_json(&doc);
        }
    }
}

/// Update every `interval` until SIGTERM, SIGINT or SIGHUP, which end it with status 0: at once
/// between runs, and right after the run during one (the signals stay held back for the whole
/// loop, so a stop never cuts a run short, and works as a container's PID 1, where the kernel
/// would drop a signal left to its default action). The lock is held only during a run;
/// a failing run does not end the loop, only an error no later run can fix (a bad state file,
/// a bad argument) does, with its status.
fn every(ctx: &Context, o: &Options, interval: Duration) -> Result<u8> {
    let shown = crate::clock::ago(interval.as_secs()).replace("0 s", "under a second");
    let mut waiting_said = false;
    loop {
        let set_up = crate::state::read(&ctx.state_path).map(|s| !s.names.is_empty());
        if matches!(set_up, Ok(false)) {
            // Set up from another container sharing the volume, say: look again next time.
            if !waiting_said {
                crate::out::note(&format!(
                    "no name is set up in {} yet: updates start once `ddns setup NAME` has run",
                    ctx.state_path.display()
                ));
                waiting_said = true;
            }
        } else {
            waiting_said = false;
            let status = match once(ctx, o) {
                Ok(status) => status,
                Err(e) if e.class == Class::Usage => return Err(e),
                Err(e) => {
                    crate::out::error(&e.message);
                    e.class.exit_code()
                }
            };
            crate::out::note(&format!(
                "update finished with status {status}; the next one in {shown}"
            ));
        }
        if let Some(signal) = crate::platform::signals::wait(interval) {
            crate::out::note(&format!("stopped by {}", signal.as_str()));
            return Ok(0);
        }
    }
}
