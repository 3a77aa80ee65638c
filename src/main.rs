//! `ddns`: parse the command line, run one subcommand, map the outcome to an exit status.
//! Exit statuses: 0 success, 1 check found an update due, 2 usage, 3 temporary failure,
//! 4 refused, 5 grant lost, 70 bug (see `error.rs` and the README).

mod address;
mod cli;
mod clock;
mod cmd;
mod context;
mod detect;
mod domainconnect;
mod error;
#[cfg(test)]
#[path = "../tests/unit/fuzz.rs"]
mod fuzz;
#[cfg(any(windows, test))]
mod import_settings;
mod name;
mod net;
mod notify;
mod out;
mod plan;
mod platform;
mod report;
mod state;
#[cfg(any(windows, test))]
mod task_xml;
mod url;

use argh::FromArgs;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    let cli = match cli::Cli::from_args(&["ddns"], strs.get(1..).unwrap_or_default()) {
        Ok(cli) => cli,
        Err(early) => {
            return match early.status {
                Ok(()) => {
                    out::say(early.output.trim_end());
                    ExitCode::SUCCESS
                }
                Err(()) => {
                    out::error(&format!(
                        "{}; see `ddns --help`",
                        early.output.trim_end().replace('\n', " ")
                    ));
                    ExitCode::from(error::Class::Usage.exit_code())
                }
            };
        }
    };
    let program = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map_or_else(|| "ddns".into(), |n| n.to_string_lossy().into_owned());
    match cmd::run(cli, &context::Env::from_process(), &program) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            out::error(&e.message);
            ExitCode::from(e.class.exit_code())
        }
    }
}
