//! The Windows half of `platform/` (issue 23): the same functions as `../unix/`, over Win32
//! (`ffi.rs`, the one module where `unsafe` is allowed) and `std`.

mod ffi;
pub mod files;
pub mod process;
pub mod service;
pub mod signals;
pub mod syslog;

/// Whether `ddns` runs elevated (an administrator's elevated prompt, or SYSTEM, as the
/// scheduled task runs it): then its default state is `%ProgramData%\ddns\state.json`.
pub fn privileged() -> bool {
    ffi::elevated()
}

/// This machine's network adapters, for its DNS servers and `interface:NAME` sources.
pub fn adapters() -> std::io::Result<Vec<super::adapters::Adapter>> {
    ffi::adapters()
}
