//! `ddns service install [--every DURATION] [update options] | uninstall | status`: on
//! Windows, the scheduled task that runs `ddns --syslog update` as SYSTEM (the work is in
//! `platform/windows/service.rs` and `task_xml.rs`); elsewhere one line pointing at cron,
//! systemd timers and the OpenWrt package.

use crate::cli::ServiceArgs;
use crate::context::Env;
use crate::error::{Error, Result};

/// Run `service`.
#[cfg(not(windows))]
pub fn run(_args: &ServiceArgs, _env: &Env) -> Result<u8> {
    Err(Error::usage(
        "`ddns service` installs a Windows scheduled task; here run `ddns update` from cron or \
         a systemd timer, or install the OpenWrt package (see docs/usage.md)",
    ))
}

/// Run `service`.
#[cfg(windows)]
pub fn run(args: &ServiceArgs, env: &Env) -> Result<u8> {
    use crate::platform::service;
    match args.args.split_first() {
        Some((install, rest)) if install == "install" => self::install(rest, env),
        Some((uninstall, [])) if uninstall == "uninstall" => service::uninstall().map(|()| {
            crate::out::say("the ddns task is removed (the state file stays where it is)");
            0
        }),
        Some((status, [])) if status == "status" => Ok(match service::status() {
            Ok((program, arguments, every)) => {
                crate::out::say(&format!(
                    "the ddns task is installed: {program} {arguments}, every {every}, at \
                     start-up and when a network connects"
                ));
                0
            }
            Err(e) => {
                crate::out::say(&format!("no ddns task is installed ({})", e.message));
                1
            }
        }),
        _ => Err(Error::usage(
            "`ddns service` takes install [--every DURATION] [update options], uninstall or \
             status",
        )),
    }
}

/// `service install`: check the interval and the update options as `update` would (and a
/// state path the task can find), then register the task.
#[cfg(windows)]
fn install(rest: &[String], env: &Env) -> Result<u8> {
    use crate::task_xml::{self, Interval};
    use argh::FromArgs;
    let (every, mut update) = task_xml::take_every(rest).map_err(Error::usage)?;
    let every = match every {
        None => Interval::DEFAULT,
        Some(v) => Interval::from_secs(crate::clock::duration("--every", &v, false)?.as_secs())
            .ok_or_else(|| Error::usage("the task's --every takes whole minutes, 1m to 31d"))?,
    };
    let strs: Vec<&str> = update.iter().map(String::as_str).collect();
    let checked = crate::cli::UpdateArgs::from_args(&["ddns", "update"], &strs).map_err(|e| {
        Error::usage(format!(
            "the update options for the task are not valid: {}",
            e.output.trim().replace('\n', " ")
        ))
    })?;
    // Checked as `update` checks them, with what the task will see: none of this prompt's
    // environment but the state file (a DDNS_STATE becomes --state below).
    let task_env = Env {
        state: env.state.clone(),
        ..Env::default()
    };
    crate::context::Context::new(
        &task_env,
        checked.state.as_deref(),
        checked.resolver.as_deref(),
        &checked.ip_source,
    )?;
    super::update::check(&checked, &task_env)?;
    // The task starts in a folder of its own, where a relative path names another file.
    if let Some(given) = checked.state.as_deref().or(env.state.as_deref())
        && std::path::Path::new(given).is_relative()
    {
        return Err(Error::usage(format!(
            "the state file {} is a relative path, which the task, started in another folder, \
             would not find: give its full path",
            crate::error::printable(given, 200)
        )));
    }
    if let (None, Some(state)) = (&checked.state, &env.state) {
        update.extend(["--state".to_string(), state.clone()]);
    }
    let state = checked.state.clone().or(env.state.clone()).map_or_else(
        || crate::context::default_state_path(env),
        std::path::PathBuf::from,
    );
    let mut arguments = vec!["--syslog".to_string(), "update".to_string()];
    arguments.extend(update);
    let program = crate::platform::service::install(&arguments, every)?;
    crate::out::say(&format!(
        "the ddns task is installed: {program} {} runs as SYSTEM every {}, at start-up and \
         when a network connects; its lines go to the Application event log (source ddns)",
        task_xml::command_line(&arguments),
        every.human()
    ));
    if crate::state::read(&state).is_ok_and(|s| s.names.is_empty()) {
        crate::out::note(&format!(
            "no name is set up in {} yet: run `ddns setup NAME` in this elevated prompt",
            state.display()
        ));
    }
    Ok(0)
}
