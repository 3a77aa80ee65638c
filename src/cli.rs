//! The command line: `ddns setup | update | check | remove | import-settings | service` (and
//! `rpcd` on Unix), as argh structures.

use argh::FromArgs;

/// Keep DNS records pointing at this network's public address, with Domain Connect.
#[derive(FromArgs, Debug)]
#[argh(
    error_code(0, "success; for check: every name is in sync"),
    error_code(1, "check only: an update is due"),
    error_code(
        2,
        "usage or configuration error (bad argument, name not set up, unusable state file)"
    ),
    error_code(
        3,
        "temporary failure (network, timeout, provider error, busy lock): try again later"
    ),
    error_code(
        4,
        "refused (by the provider, or a non-public address): a person must look"
    ),
    error_code(5, "the grant is gone: run `ddns setup NAME` again"),
    note = "Environment: DDNS_STATE (state file), DDNS_RESOLVER (DNS servers), DDNS_IP_SOURCES \
            (IP sources), SSL_CERT_FILE (CA certificates, PEM, instead of the built-in ones), \
            DDNS_SYSLOG_SOCKET (where --syslog sends), DDNS_PING (monitors to ping), \
            DDNS_ON_CHANGE (program to run on a change), DDNS_ON_CHANGE_DIRS (the only \
            directories it may be in), DDNS_VERIFY_TIMEOUT (how long update verifies an apply), \
            HTTPS_PROXY, ALL_PROXY, HTTP_PROXY and NO_PROXY."
)]
pub struct Cli {
    /// print the version and exit
    #[argh(switch)]
    pub version: bool,
    #[cfg_attr(
        not(windows),
        doc = "also send every output line to syslog (/dev/log, or DDNS_SYSLOG_SOCKET), tagged \
               with the program name: for cron and hotplug hooks, whose output is discarded"
    )]
    #[cfg_attr(
        windows,
        doc = "also write every output line to the Application event log (source ddns): for the \
               scheduled task, whose output is discarded"
    )]
    #[argh(switch)]
    pub syslog: bool,
    #[argh(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(FromArgs, Debug)]
#[argh(subcommand)]
pub enum Command {
    /// `ddns setup`
    Setup(SetupArgs),
    /// `ddns update`
    Update(UpdateArgs),
    /// `ddns check`
    Check(CheckArgs),
    /// `ddns remove`
    Remove(RemoveArgs),
    /// `ddns status`
    Status(StatusArgs),
    /// `ddns health`
    Health(HealthArgs),
    /// `ddns probe`
    Probe(ProbeArgs),
    /// `ddns import-settings` (Windows: where the original client's settings.txt is)
    #[cfg(windows)]
    ImportSettings(ImportArgs),
    /// `ddns service`
    Service(ServiceArgs),
    /// `ddns rpcd` (OpenWrt's router page; not on Windows)
    #[cfg(unix)]
    Rpcd(RpcdArgs),
}

/// Find the DNS provider of NAME, print the consent URL, take the code back, store the grant.
/// In two steps (for a web page or a script): --begin prints the URL and exits; --code
/// finishes it later.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "setup")]
pub struct SetupArgs {
    /// the name to keep up to date, e.g. home.example.com
    #[argh(positional)]
    pub name: String,
    /// the zone (domain) that holds NAME, when DNS cannot tell
    #[argh(option)]
    pub zone: Option<String>,
    /// start a consent and exit: store it as pending (for an hour) and print the URL to open
    #[argh(switch)]
    pub begin: bool,
    /// the code from the consent page, or the whole address it ended on; `-` (or none) reads
    /// it from stdin, out of the process list and the shell's history; finishes a pending
    /// consent when there is one
    #[argh(option)]
    pub code: Option<String>,
    /// print one JSON document (see docs/json.md)
    #[argh(switch)]
    pub json: bool,
    /// publish an A record (default: yes)
    #[argh(switch)]
    pub ipv4: bool,
    /// publish an AAAA record (default: when this machine has a global IPv6 route)
    #[argh(switch)]
    pub ipv6: bool,
    /// for a host behind this router: publish the detected IPv6 /64 prefix combined with this
    /// interface identifier, e.g. ::1234:5678:9abc:def0 (implies --ipv6)
    #[argh(option)]
    pub ipv6_suffix: Option<String>,
    #[cfg_attr(
        not(windows),
        doc = "the state file (default: DDNS_STATE, else /etc/ddns/state.json for root, else \
               ~/.local/state/ddns/state.json)"
    )]
    #[cfg_attr(
        windows,
        doc = "the state file (default: DDNS_STATE, else %ProgramData%\\ddns\\state.json when \
               elevated, else %LOCALAPPDATA%\\ddns\\state.json)"
    )]
    #[argh(option)]
    pub state: Option<String>,
    #[cfg_attr(
        not(windows),
        doc = "DNS servers to ask: IP, IP:PORT or [IPv6]:PORT, comma-separated (default: \
               DDNS_RESOLVER, else /etc/resolv.conf)"
    )]
    #[cfg_attr(
        windows,
        doc = "DNS servers to ask: IP, IP:PORT or [IPv6]:PORT, comma-separated (default: \
               DDNS_RESOLVER, else the network adapters' DNS servers)"
    )]
    #[argh(option)]
    pub resolver: Option<String>,
    /// also open the consent address in the browser (the address is printed all the same)
    #[argh(switch)]
    pub open: bool,
}

/// Detect the public address and publish it for every set-up name (or the names given) when it
/// changed; exits when done.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "update")]
pub struct UpdateArgs {
    /// names to update (default: all set up)
    #[argh(positional)]
    pub names: Vec<String>,
    /// send even when nothing changed, letting the provider overwrite conflicting records
    #[argh(switch)]
    pub force: bool,
    /// print one JSON document (see docs/json.md)
    #[argh(switch)]
    pub json: bool,
    /// keep running: update again every DURATION (e.g. 5m, 30s, 1h) until stopped, for
    /// containers and systems without cron
    #[argh(option)]
    pub every: Option<String>,
    /// after each run, tell a monitor: healthchecks:URL, uptimekuma:URL or a plain https URL
    /// fetched on success (repeatable; default: DDNS_PING, comma-separated)
    #[argh(option)]
    pub ping: Vec<String>,
    /// run this program (directly, no shell) after each record that changed and each name
    /// whose update failed, with DDNS_NAME, DDNS_RECORD, DDNS_OLD, DDNS_NEW, DDNS_STATUS,
    /// DDNS_CLASS and DDNS_MESSAGE set (default: DDNS_ON_CHANGE; empty: none)
    #[argh(option)]
    pub on_change: Option<String>,
    /// after an apply, ask the zone's name servers until they show it, for at most DURATION
    /// (default: DDNS_VERIFY_TIMEOUT, else 30s; 0: do not)
    #[argh(option)]
    pub verify_timeout: Option<String>,
    /// use this address instead of detecting one (repeatable: one IPv4, one IPv6); refused
    /// when it may not be published
    #[argh(option)]
    pub ip: Vec<String>,
    /// an address that may be the public one, e.g. a WAN interface's (repeatable): used when it
    /// may be published, else that family is detected as usual
    #[argh(option)]
    pub ip_hint: Vec<String>,
    /// where to learn the public address: [ipv4:|ipv6:] then https://URL,
    /// dns:opendns|cloudflare|google[@IP[:PORT]] or interface:NAME (repeatable, replaces the
    /// default list and DDNS_IP_SOURCES)
    #[argh(option)]
    pub ip_source: Vec<String>,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
    /// DNS servers to ask (see `ddns setup --help`)
    #[argh(option)]
    pub resolver: Option<String>,
}

/// Show, without changing anything, whether each name is current; exit 0 in sync, 1 update due.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "check")]
pub struct CheckArgs {
    /// names to check (default: all set up)
    #[argh(positional)]
    pub names: Vec<String>,
    /// print one JSON document
    #[argh(switch)]
    pub json: bool,
    /// where to learn the public address (see `ddns update --help`)
    #[argh(option)]
    pub ip_source: Vec<String>,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
    /// DNS servers to ask (see `ddns setup --help`)
    #[argh(option)]
    pub resolver: Option<String>,
}

/// Forget a name and its grant (its DNS record stays as it is).
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "remove")]
pub struct RemoveArgs {
    /// the name to forget
    #[argh(positional)]
    pub name: String,
    /// print one JSON document (see docs/json.md)
    #[argh(switch)]
    pub json: bool,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
}

/// Show what is stored and what the last update did, without a packet (for the router page and
/// scripts); exit 0.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "status")]
pub struct StatusArgs {
    /// names to show (default: all set up or waiting for consent)
    #[argh(positional)]
    pub names: Vec<String>,
    /// print one JSON document
    #[argh(switch)]
    pub json: bool,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
}

/// Exit 0 when every name's last update succeeded within the age, 1 otherwise, with one line
/// why (for a container HEALTHCHECK and monitoring); asks nothing on the network.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "health")]
pub struct HealthArgs {
    /// how old the last successful update may be (default 1h)
    #[argh(option)]
    pub max_age: Option<String>,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
}

/// Will dynamic DNS work for NAME? Checks the zone, its Domain Connect provider and template,
/// and this network's public addresses; sets nothing up, writes nothing. Exit 0 it will work,
/// 4 it will not, 3 it could not tell.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "probe")]
pub struct ProbeArgs {
    /// the name to check, e.g. home.example.com
    #[argh(positional)]
    pub name: String,
    /// the zone (domain) that holds NAME, when DNS cannot tell
    #[argh(option)]
    pub zone: Option<String>,
    /// print one JSON document
    #[argh(switch)]
    pub json: bool,
    /// where to learn the public address (see `ddns update --help`)
    #[argh(option)]
    pub ip_source: Vec<String>,
    /// DNS servers to ask (see `ddns setup --help`)
    #[argh(option)]
    pub resolver: Option<String>,
}

/// Set a name up from the original Windows client's settings.txt (DomainConnectDDNS-Windows),
/// keeping its grant: no new consent. Then stop and disable that client's service.
#[cfg(windows)]
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "import-settings")]
pub struct ImportArgs {
    /// the client's settings.txt (next to DomainConnectDDNSUpdate.exe)
    #[argh(positional)]
    pub path: String,
    /// the state file (see `ddns setup --help`)
    #[argh(option)]
    pub state: Option<String>,
    /// DNS servers to ask (see `ddns setup --help`)
    #[argh(option)]
    pub resolver: Option<String>,
}

/// Windows: have the Task Scheduler run `ddns update` as SYSTEM every 5 minutes, at start-up
/// and when a network connects: `service install [--every DURATION] [update options]`,
/// `service uninstall`, `service status`. Elsewhere: cron, a systemd timer or the OpenWrt
/// package.
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "service")]
pub struct ServiceArgs {
    /// install, uninstall or status; for install, then --every DURATION (whole minutes, default
    /// 5m) and the options each update takes, e.g. --ip-source interface:Ethernet
    #[argh(positional, greedy)]
    #[cfg_attr(
        not(windows),
        expect(
            dead_code,
            reason = "elsewhere `service` only says to use cron or systemd"
        )
    )]
    pub args: Vec<String>,
}

/// The router web page's backend (an rpcd exec plugin): `rpcd list`, or `rpcd call METHOD`
/// with the arguments as one JSON object on stdin; prints one JSON object.
#[cfg(unix)]
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "rpcd")]
pub struct RpcdArgs {
    /// list, or call and the method name
    #[argh(positional, greedy)]
    pub args: Vec<String>,
}
