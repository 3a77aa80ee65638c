//! What depends on the operating system, behind small interfaces: stop signals held during
//! token exchanges (`signals.rs`), the system log (`syslog.rs`), and OpenWrt's crontab and
//! log reader for the router page's backend (`openwrt.rs`). A second operating system adds its
//! half here.

pub mod openwrt;
pub mod signals;
pub mod syslog;
