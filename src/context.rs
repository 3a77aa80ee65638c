//! What every subcommand needs, resolved once from flags and the environment (flag, then
//! environment, then default): the state path, the resolver, the IP sources, the trust store
//! and the lock wait. The network clients are built on first use (`net::Net`).

use crate::detect::{self, Source};
use crate::error::{Error, Result};
use crate::net::{Net, resolv};
use std::path::PathBuf;
use std::time::Duration;

/// How long a run waits for another run's lock on the state file.
pub const LOCK_WAIT: Duration = Duration::from_secs(90);

/// The environment variables `ddns` reads, as data (tests and `main` fill it).
#[derive(Debug, Default, Clone)]
pub struct Env {
    /// `DDNS_STATE`.
    pub state: Option<String>,
    /// `DDNS_RESOLVER`.
    pub resolver: Option<String>,
    /// `DDNS_IP_SOURCES`.
    pub ip_sources: Option<String>,
    /// `SSL_CERT_FILE`.
    pub ssl_cert_file: Option<String>,
    /// `XDG_STATE_HOME`.
    pub xdg_state_home: Option<String>,
    /// `HOME`.
    pub home: Option<String>,
    /// `ProgramData` (Windows).
    pub program_data: Option<String>,
    /// `LOCALAPPDATA` (Windows).
    pub local_app_data: Option<String>,
    /// `DDNS_SYSLOG_SOCKET`: where `--syslog` sends (default `/dev/log`).
    pub syslog_socket: Option<String>,
    /// `DDNS_PING`: monitors to ping after each update, comma-separated.
    pub ping: Option<String>,
    /// `DDNS_ON_CHANGE`: the program to run on a change.
    pub on_change: Option<String>,
    /// `DDNS_ON_CHANGE_DIRS`: the directories (colon-separated) an on-change program must be
    /// in; set by OpenWrt's hook and cron line, whose program comes from a UCI option.
    pub on_change_dirs: Option<String>,
    /// `DDNS_VERIFY_TIMEOUT`: how long `update` verifies an apply.
    pub verify_timeout: Option<String>,
    /// `DDNS_RUN_DIR`: where the last run is recorded (a RAM file system).
    pub run_dir: Option<String>,
    /// `XDG_RUNTIME_DIR`.
    pub xdg_runtime_dir: Option<String>,
    /// `DDNS_LOCK_WAIT`: seconds to wait for the state lock instead of [`LOCK_WAIT`]. For the
    /// tests, which cannot wait 90 seconds; documented as such, not as a setting.
    pub lock_wait: Option<String>,
    /// Whether the process runs as root (on Windows: elevated, or as SYSTEM).
    pub is_root: bool,
}

impl Env {
    /// Read the real environment.
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            state: var("DDNS_STATE"),
            resolver: var("DDNS_RESOLVER"),
            ip_sources: var("DDNS_IP_SOURCES"),
            ssl_cert_file: var("SSL_CERT_FILE"),
            xdg_state_home: var("XDG_STATE_HOME"),
            home: var("HOME"),
            program_data: var("ProgramData"),
            local_app_data: var("LOCALAPPDATA"),
            syslog_socket: var("DDNS_SYSLOG_SOCKET"),
            lock_wait: var("DDNS_LOCK_WAIT"),
            ping: var("DDNS_PING"),
            on_change: var("DDNS_ON_CHANGE"),
            on_change_dirs: var("DDNS_ON_CHANGE_DIRS"),
            verify_timeout: var("DDNS_VERIFY_TIMEOUT"),
            run_dir: var("DDNS_RUN_DIR"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
            is_root: crate::platform::privileged(),
        }
    }
}

/// The default state path: `/etc/ddns/state.json` for root, else
/// `$XDG_STATE_HOME/ddns/state.json` or `~/.local/state/ddns/state.json`. On Windows
/// `%ProgramData%\ddns\state.json` for an elevated run (an administrator's, or SYSTEM's, as the
/// scheduled task runs), else `%LOCALAPPDATA%\ddns\state.json`.
pub fn default_state_path(env: &Env) -> PathBuf {
    state_path_for(env, cfg!(windows))
}

fn state_path_for(env: &Env, windows: bool) -> PathBuf {
    if windows {
        let system = env.program_data.as_deref().unwrap_or("C:\\ProgramData");
        let base = match &env.local_app_data {
            Some(user) if !env.is_root => user.as_str(),
            _ => system,
        };
        return PathBuf::from(base).join("ddns").join("state.json");
    }
    if env.is_root {
        return PathBuf::from("/etc/ddns/state.json");
    }
    match (&env.xdg_state_home, &env.home) {
        (Some(xdg), _) => PathBuf::from(xdg).join("ddns/state.json"),
        (None, Some(home)) => PathBuf::from(home).join(".local/state/ddns/state.json"),
        (None, None) => PathBuf::from("/etc/ddns/state.json"),
    }
}

/// Where the last run of the state file at `state` is recorded: a file in `DDNS_RUN_DIR`, else
/// `/var/run` for root (a RAM file system, on OpenWrt too), else `$XDG_RUNTIME_DIR`; `None`
/// when there is none (the last run is then not recorded). On Windows, which has no RAM file
/// system to spare a flash chip, it is the state file's own directory (already guarded). Its
/// name carries a hash of the state path, so that two state files never share it.
pub fn run_file(env: &Env, state: &std::path::Path) -> Option<PathBuf> {
    let dir = match (&env.run_dir, env.is_root, &env.xdg_runtime_dir) {
        (Some(dir), _, _) => PathBuf::from(dir),
        _ if cfg!(windows) => state.parent()?.to_path_buf(),
        (None, false, Some(dir)) => PathBuf::from(dir),
        (None, true, _) => PathBuf::from("/var/run"),
        (None, false, None) => return None,
    };
    // FNV-1a, 64 bits: stable across runs and releases (std's hasher is not).
    let state = std::path::absolute(state).unwrap_or_else(|_| state.to_path_buf());
    let hash = (state.as_os_str().as_encoded_bytes().iter())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    Some(dir.join(format!("ddns-last-run-{hash:016x}.json")))
}

/// The settings of one run, and its network clients.
pub struct Context {
    /// The state file.
    pub state_path: PathBuf,
    /// Where the last run is recorded, if anywhere (`run_file`).
    pub run_file: Option<PathBuf>,
    /// The IP sources, in order.
    pub sources: Vec<Source>,
    lock_wait: Duration,
    /// The DNS and HTTPS clients, built on first use.
    pub net: Net,
}

impl Context {
    /// Resolve flags over environment over defaults.
    pub fn new(
        env: &Env,
        state: Option<&str>,
        resolver: Option<&str>,
        ip_sources: &[String],
    ) -> Result<Context> {
        let state_path = state
            .or(env.state.as_deref())
            .map_or_else(|| default_state_path(env), PathBuf::from);
        let resolvers = resolver
            .or(env.resolver.as_deref())
            .map(resolv::parse_resolvers)
            .transpose()?;
        let sources = if ip_sources.is_empty() {
            detect::parse_sources(env.ip_sources.as_deref().unwrap_or(detect::DEFAULT_SOURCES))?
        } else {
            detect::parse_sources(&ip_sources.join(","))?
        };
        let lock_wait = match &env.lock_wait {
            Some(secs) => Duration::from_secs(secs.trim().parse().map_err(|_| {
                Error::usage(format!(
                    "DDNS_LOCK_WAIT '{}' is not a number of seconds",
                    crate::error::printable(secs, 80)
                ))
            })?),
            None => LOCK_WAIT,
        };
        Ok(Context {
            run_file: run_file(env, &state_path),
            state_path,
            sources,
            lock_wait,
            net: Net::new(resolvers, env.ssl_cert_file.clone()),
        })
    }

    /// Lock the state file and load it (see `state::lock`).
    pub fn lock(&self) -> Result<crate::state::Locked> {
        crate::state::lock(&self.state_path, self.lock_wait)
    }
}

/// Parse the address given with `flag`.
pub fn parse_ip(flag: &str, value: &str) -> Result<std::net::IpAddr> {
    value.trim().parse().map_err(|_| {
        Error::usage(format!(
            "{flag} '{}' is not an IP address",
            crate::error::printable(value, 80)
        ))
    })
}

/// Check a `--ip` value: an address, global unicast.
pub fn parse_given_ip(value: &str) -> Result<std::net::IpAddr> {
    crate::address::require_global(parse_ip("--ip", value)?, "--ip")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn state_path_defaults() {
        let mut env = Env {
            home: Some("/home/u".into()),
            program_data: Some("C:\\ProgramData".into()),
            local_app_data: Some("C:\\Users\\u\\AppData\\Local".into()),
            ..Env::default()
        };
        let windows = |env: &Env| state_path_for(env, true);
        assert_eq!(
            windows(&env),
            Path::new("C:\\Users\\u\\AppData\\Local")
                .join("ddns")
                .join("state.json")
        );
        assert_eq!(
            state_path_for(&env, false),
            PathBuf::from("/home/u/.local/state/ddns/state.json")
        );
        env.xdg_state_home = Some("/x".into());
        assert_eq!(
            state_path_for(&env, false),
            PathBuf::from("/x/ddns/state.json")
        );
        env.is_root = true;
        assert_eq!(
            state_path_for(&env, false),
            PathBuf::from("/etc/ddns/state.json")
        );
        assert_eq!(
            windows(&env),
            Path::new("C:\\ProgramData").join("ddns").join("state.json")
        );
    }

    #[test]
    fn flags_override_environment() {
        let env = Env {
            state: Some("/nonexistent-ddns-test/env/state.json".into()),
            ip_sources: Some("https://env.test".into()),
            ..Env::default()
        };
        let ctx = Context::new(&env, None, None, &[]).unwrap();
        assert_eq!(
            ctx.state_path,
            PathBuf::from("/nonexistent-ddns-test/env/state.json")
        );
        assert_eq!(ctx.sources[0].label(), "https://env.test");
        let ctx = Context::new(
            &env,
            Some("/nonexistent-ddns-test/flag.json"),
            Some("127.0.0.1:53"),
            &["https://f.test".into()],
        )
        .unwrap();
        assert_eq!(
            ctx.state_path,
            PathBuf::from("/nonexistent-ddns-test/flag.json")
        );
        assert_eq!(ctx.sources[0].label(), "https://f.test");
        assert!(Context::new(&env, None, Some("nonsense"), &[]).is_err());
    }

    #[test]
    fn given_ip_must_be_global() {
        assert!(parse_given_ip("81.2.69.142").is_ok());
        assert!(
            parse_given_ip("10.0.0.1")
                .unwrap_err()
                .message
                .contains("--ip says")
        );
        assert!(parse_given_ip("x").is_err());
    }
}
