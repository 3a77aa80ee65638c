//! What depends on the operating system, behind small interfaces, one half per system with the
//! same functions: the state file's directory, lock and atomic replace (`files`), stop signals
//! held during token exchanges (`signals`), the system log (`syslog`), the on-change program's
//! process group and pipes (`process`), and whether `ddns` runs privileged. The Unix half is in
//! `unix/`.
//! OpenWrt's crontab and log reader for the router page's backend are `openwrt.rs`.

pub mod openwrt;
#[cfg(unix)]
mod unix;

#[cfg(unix)]
pub use unix::{files, privileged, process, signals, syslog};
