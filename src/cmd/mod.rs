//! One file per subcommand, orchestration only; this file dispatches and holds what they share.

mod check;
mod remove;
mod setup;
mod update;

use crate::cli::{Cli, Command};
use crate::context::{Context, Env};
use crate::error::{Error, Result};
use crate::state::State;

/// Run the parsed command line; `Ok` carries the exit status when the command chose one.
/// `program` is the name the binary was started as (the syslog tag).
pub fn run(cli: Cli, env: &Env, program: &str) -> Result<u8> {
    if cli.syslog {
        crate::out::enable_syslog(env.syslog_socket.as_deref().unwrap_or("/dev/log"), program);
    }
    if cli.version {
        crate::out::say(concat!("ddns ", env!("CARGO_PKG_VERSION")));
        return Ok(0);
    }
    match cli.command {
        None => Err(Error::usage(
            "no command given: use `ddns setup NAME`, `ddns update`, `ddns check` or \
             `ddns remove NAME` (see `ddns --help`)",
        )),
        Some(Command::Setup(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &[])?;
            setup::run(&ctx, &a).map(|()| 0)
        }
        Some(Command::Update(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &a.ip_source)?;
            update::run(&ctx, &a)
        }
        Some(Command::Check(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &a.ip_source)?;
            check::run(&ctx, &a)
        }
        Some(Command::Remove(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), None, &[])?;
            remove::run(&ctx, &a).map(|()| 0)
        }
    }
}

/// The names a command acts on: those given (each must be set up), or all set up.
fn select(state: &State, given: &[String], path: &std::path::Path) -> Result<Vec<String>> {
    if state.names.is_empty() {
        return Err(Error::usage(format!(
            "no name is set up in {}: run `ddns setup NAME` first",
            path.display()
        )));
    }
    if given.is_empty() {
        return Ok(state.names.keys().cloned().collect());
    }
    given
        .iter()
        .map(|g| {
            let name = crate::name::normalise(g)?;
            if state.names.contains_key(&name) {
                Ok(name)
            } else {
                Err(Error::usage(format!(
                    "{name} is not set up in {}: run `ddns setup {name}` first",
                    path.display()
                )))
            }
        })
        .collect()
}
