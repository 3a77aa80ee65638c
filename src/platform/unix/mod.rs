//! The Unix half of `platform/` (Linux, OpenWrt, macOS builds): each module has a Windows twin
//! in `../windows/` with the same functions.

pub mod files;
pub mod process;
pub mod signals;
pub mod syslog;

/// Whether `ddns` runs as root (the effective user), for the default state path.
pub fn privileged() -> bool {
    nix::unistd::geteuid().is_root()
}
