//! One file per subcommand: each acts on what the pure core decides and prints what it
//! reports. This file dispatches and holds what they share.

mod check;
#[cfg(windows)]
mod import;
mod probe;
mod remove;
#[cfg(unix)]
mod rpcd;
mod service;
mod setup;
mod status;
mod update;

use crate::cli::{Cli, Command};
use crate::context::{Context, Env};
use crate::error::{Code, Error, Result};
use crate::state::State;

/// The zone's name servers: those stored at setup, or (for a name set up before they were
/// stored) looked up now, none when they cannot be; only `update`'s own asking saves them.
fn zone_servers(ctx: &Context, setup: &crate::state::Setup) -> Vec<std::net::IpAddr> {
    if setup.nameservers.is_empty() {
        (ctx.net.dns().nameservers(&setup.zone)).unwrap_or_default()
    } else {
        setup.nameservers.clone()
    }
}

/// The zone that holds `name` (`zone` as given, else the one DNS answers for) and `name`'s
/// host within it: `setup` and `probe` find them alike.
fn zone_and_host(
    dns: &crate::net::dns::Dns,
    name: &str,
    zone: Option<&str>,
) -> Result<(String, String)> {
    let zone = match zone {
        Some(z) => crate::name::normalise(z)?,
        None => dns.zone_of(name)?,
    };
    let host = crate::name::host_in_zone(name, &zone).ok_or_else(|| {
        Error::usage(format!(
            "{name} is not inside the zone {zone}: check --zone"
        ))
    })?;
    Ok((zone, host))
}

/// Run the parsed command line; `Ok` carries the exit status when the command chose one.
/// `program` is the name the binary was started as (the syslog tag).
pub fn run(cli: Cli, env: &Env, program: &str) -> Result<u8> {
    if cli.syslog {
        crate::platform::syslog::enable(
            env.syslog_socket.as_deref().unwrap_or("/dev/log"),
            program,
        );
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
        Some(Command::Setup(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &[])?;
            setup::run(&ctx, &a).map(|()| 0)
        }),
        Some(Command::Update(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &a.ip_source)?;
            update::run(&ctx, &a, env)
        }),
        Some(Command::Check(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &a.ip_source)?;
            check::run(&ctx, &a)
        }),
        #[cfg(windows)]
        Some(Command::ImportSettings(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), a.resolver.as_deref(), &[])?;
            import::run(&ctx, &a).map(|()| 0)
        }
        Some(Command::Service(a)) => service::run(&a, env),
        #[cfg(unix)]
        Some(Command::Rpcd(a)) => {
            rpcd::run(&a.args);
            Ok(0)
        }
        Some(Command::Status(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, a.state.as_deref(), None, &[])?;
            status::status(&ctx, &a)
        }),
        Some(Command::Health(a)) => {
            let ctx = Context::new(env, a.state.as_deref(), None, &[])?;
            status::health(&ctx, &a)
        }
        Some(Command::Probe(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, None, a.resolver.as_deref(), &a.ip_source)?;
            probe::run(&ctx, &a)
        }),
        Some(Command::Remove(a)) => json_errors(a.json, || {
            let ctx = Context::new(env, a.state.as_deref(), None, &[])?;
            remove::run(&ctx, &a).map(|()| 0)
        }),
    }
}

/// With `--json`, an error that ends the whole command is also printed as the one JSON
/// document, `{"error": {"class": ..., "message": ...}}`; the `ddns: ` line still goes to
/// stderr and the exit status is the same.
fn json_errors(json: bool, run: impl FnOnce() -> Result<u8>) -> Result<u8> {
    let result = run();
    if json && let Err(e) = &result {
        #[derive(serde::Serialize)]
        struct Failed<'a> {
            error: &'a Error,
        }
        crate::out::say_json(&Failed { error: e });
    }
    result
}

/// The names a command acts on: those given (each must be set up, or with `pending_too`
/// waiting for consent), or all of them.
fn select(
    state: &State,
    given: &[String],
    path: &std::path::Path,
    pending_too: bool,
) -> Result<Vec<String>> {
    let known =
        |n: &str| state.names.contains_key(n) || (pending_too && state.pending.contains_key(n));
    if state.names.is_empty() && (!pending_too || state.pending.is_empty()) {
        return Err(Error::usage(format!(
            "no name is set up in {}: run `ddns setup NAME` first",
            path.display()
        ))
        .with_code(Code::NoNames));
    }
    if given.is_empty() {
        let mut all: Vec<String> = state.names.keys().cloned().collect();
        if pending_too {
            all.extend(
                state
                    .pending
                    .keys()
                    .filter(|n| !state.names.contains_key(*n))
                    .cloned(),
            );
            all.sort();
        }
        return Ok(all);
    }
    given
        .iter()
        .map(|g| {
            let name = crate::name::normalise(g)?;
            if known(&name) {
                Ok(name)
            } else if state.pending.contains_key(&name) {
                Err(Error::usage(format!(
                    "{name} is waiting for consent: finish it with `ddns setup {name} --code \
                     CODE`"
                )))
            } else {
                Err(Error::usage(format!(
                    "{name} is not set up in {}: run `ddns setup {name}` first",
                    path.display()
                )))
            }
        })
        .collect()
}
