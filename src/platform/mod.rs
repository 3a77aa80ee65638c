//! What depends on the operating system, behind small interfaces, one half per system with the
//! same functions: the state file's directory, lock and atomic replace (`files`), stop signals
//! held during token exchanges (`signals`), the system log (`syslog`), the on-change program's
//! process group and pipes and opening a browser (`process`), and whether `ddns` runs
//! privileged; on Windows also the scheduled task (`service`). The Unix half is in `unix/`,
//! the Windows half in `windows/` (whose `ffi/` is the one module allowed `unsafe`), and the
//! pure parts they share are here: the network adapters Windows describes (`adapters.rs`) and
//! the judging of a Windows ACL (`sddl.rs`). OpenWrt's crontab and log reader for the router
//! page's backend are `openwrt.rs`.

#[cfg(any(windows, test))]
pub mod adapters;
#[cfg(unix)]
pub mod openwrt;
#[cfg(any(windows, test))]
pub mod sddl;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub use unix::{files, privileged, process, signals, syslog};
#[cfg(windows)]
pub use windows::{
    adapters as read_adapters, files, privileged, process, service, signals, syslog,
};
