//! Every Win32 call `ddns` makes, each behind a safe function. This is the one module where
//! `unsafe` is allowed (Cargo.toml denies it everywhere else); each `unsafe` block says why it
//! is sound. Strings cross as NUL-terminated UTF-16; what Windows allocates is freed here. The
//! network adapters' list is `adapters.rs`.

#![allow(
    unsafe_code,
    reason = "the Win32 calls of the Windows port (issue 23), each wrapped in a safe function"
)]

mod adapters;
pub use adapters::adapters;

use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::ptr::{null, null_mut};
use windows_sys::Win32::Foundation::{BOOL, CloseHandle, HANDLE, LocalFree, PSID};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW, SDDL_REVISION_1,
    SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    DACL_SECURITY_INFORMATION, GetTokenInformation, OWNER_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_ELEVATION, TOKEN_QUERY, TOKEN_USER,
    TokenElevation, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateDirectoryW, MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, MoveFileExW,
};
use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
use windows_sys::Win32::System::EventLog::{RegisterEventSourceW, ReportEventW};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, TerminateJobObject,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `s` as a NUL-terminated UTF-16 string.
fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// The NUL-terminated UTF-16 string at `p` (empty for a null pointer).
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string that stays valid meanwhile.
unsafe fn from_wide(p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut len = 0;
    // SAFETY: the string is NUL-terminated (the caller's promise), so every unit up to the NUL
    // is readable.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were just read.
    String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len) })
}

/// This process's access token, closed when dropped.
struct Token(HANDLE);

impl Token {
    fn open() -> Option<Token> {
        let mut token: HANDLE = 0;
        // SAFETY: GetCurrentProcess returns a pseudo handle that needs no closing; `token` is
        // a valid place for the handle.
        let ok = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw mut token) };
        (ok != 0).then_some(Token(token))
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by `open` and is closed once, here.
        unsafe { CloseHandle(self.0) };
    }
}

/// Whether this process runs elevated (an administrator's elevated prompt, or SYSTEM).
pub fn elevated() -> bool {
    let Some(token) = Token::open() else {
        return false;
    };
    let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
    let mut len = 0u32;
    // SAFETY: the buffer is a TOKEN_ELEVATION and its size is given.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenElevation,
            (&raw mut elevation).cast(),
            u32::try_from(size_of::<TOKEN_ELEVATION>()).unwrap_or(0),
            &raw mut len,
        )
    };
    ok != 0 && elevation.TokenIsElevated != 0
}

/// The user this process runs as, as an SID string (`S-1-5-21-...`).
pub fn user_sid() -> Option<String> {
    let token = Token::open()?;
    let mut len = 0u32;
    // SAFETY: a null buffer of size 0 only asks for the size needed, written to `len`.
    unsafe { GetTokenInformation(token.0, TokenUser, null_mut(), 0, &raw mut len) };
    if len == 0 {
        return None;
    }
    // u64 units: TOKEN_USER holds pointers, so the buffer must be pointer-aligned.
    let mut buffer = vec![0u64; (len as usize).div_ceil(8)];
    // SAFETY: the buffer has at least `len` bytes, as asked.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            len,
            &raw mut len,
        )
    };
    if ok == 0 {
        return None;
    }
    // SAFETY: on success the buffer starts with a TOKEN_USER, whose SID points into the buffer,
    // which lives until the end of this function.
    let sid: PSID = unsafe { (*buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    let mut text: *mut u16 = null_mut();
    // SAFETY: `sid` is the valid SID above; `text` receives a LocalAlloc'd string.
    if unsafe { ConvertSidToStringSidW(sid, &raw mut text) } == 0 {
        return None;
    }
    // SAFETY: `text` is the NUL-terminated string just made; it is freed once, after reading.
    let out = unsafe { from_wide(text) };
    // SAFETY: as above.
    unsafe { LocalFree(text.cast()) };
    Some(out)
}

/// Create the directory `path` with the security descriptor `sddl` (an SDDL string).
pub fn create_dir_with(path: &Path, sddl: &str) -> io::Result<()> {
    let sddl = wide(OsStr::new(sddl));
    let mut descriptor: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `sddl` is NUL-terminated; `descriptor` receives a LocalAlloc'd descriptor.
    let ok = unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &raw mut descriptor,
            null_mut(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    let attributes = SECURITY_ATTRIBUTES {
        nLength: u32::try_from(size_of::<SECURITY_ATTRIBUTES>()).unwrap_or(0),
        lpSecurityDescriptor: descriptor,
        bInheritHandle: 0,
    };
    let path = wide(path.as_os_str());
    // SAFETY: `path` is NUL-terminated and `attributes` points to the valid descriptor.
    let made = unsafe { CreateDirectoryW(path.as_ptr(), &raw const attributes) };
    let error = io::Error::last_os_error();
    // SAFETY: the descriptor was allocated above and is freed once, after its last use.
    unsafe { LocalFree(descriptor) };
    if made == 0 { Err(error) } else { Ok(()) }
}

/// The owner and the DACL of the file or directory `path`, as an SDDL string (`O:...D:...`).
pub fn sddl_of(path: &Path) -> io::Result<String> {
    let path = wide(path.as_os_str());
    let what = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    let mut descriptor: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `path` is NUL-terminated; the owner, group, DACL and SACL pointers are not
    // wanted (null), the whole descriptor is, in `descriptor` (LocalAlloc'd).
    let error = unsafe {
        GetNamedSecurityInfoW(
            path.as_ptr(),
            SE_FILE_OBJECT,
            what,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &raw mut descriptor,
        )
    };
    if error != 0 {
        return Err(io::Error::from_raw_os_error(
            i32::try_from(error).unwrap_or(i32::MAX),
        ));
    }
    let mut text: *mut u16 = null_mut();
    // SAFETY: `descriptor` is the valid descriptor above; `text` receives a LocalAlloc'd
    // string.
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            descriptor,
            SDDL_REVISION_1,
            what,
            &raw mut text,
            null_mut(),
        )
    };
    let error = io::Error::last_os_error();
    let out = if ok == 0 {
        Err(error)
    } else {
        // SAFETY: `text` is the NUL-terminated string just made, freed once after reading.
        let s = unsafe { from_wide(text) };
        // SAFETY: as above.
        unsafe { LocalFree(text.cast()) };
        Ok(s)
    };
    // SAFETY: the descriptor was allocated by GetNamedSecurityInfoW and is freed once.
    unsafe { LocalFree(descriptor) };
    out
}

/// Replace `to` with `from` atomically (`MoveFileExW` with `MOVEFILE_REPLACE_EXISTING`), and
/// return only once the move is on disk (`MOVEFILE_WRITE_THROUGH`).
pub fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    let (from, to) = (wide(from.as_os_str()), wide(to.as_os_str()));
    let flags = MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH;
    // SAFETY: both paths are NUL-terminated.
    if unsafe { MoveFileExW(from.as_ptr(), to.as_ptr(), flags) } == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Have `handler` called (on a thread of its own) for Ctrl+C, Ctrl+Break and console close.
pub fn set_console_handler(handler: unsafe extern "system" fn(u32) -> BOOL) -> bool {
    // SAFETY: the handler is a function that lives as long as the program.
    unsafe { SetConsoleCtrlHandler(Some(handler), 1) != 0 }
}

/// An Event Log source handle for `name` in the Application log (0 when none).
pub fn event_source(name: &str) -> isize {
    let name = wide(OsStr::new(name));
    // SAFETY: a null server name is the local machine; `name` is NUL-terminated.
    unsafe { RegisterEventSourceW(null(), name.as_ptr()) }
}

/// Write `text` to the Event Log through `source` as event 1 of type `kind` (error, warning
/// or information), with the text as its one insertion string.
pub fn report_event(source: isize, kind: u16, text: &str) {
    let text = wide(OsStr::new(text));
    let strings = [text.as_ptr()];
    // SAFETY: `source` came from RegisterEventSourceW; one string is passed, NUL-terminated;
    // no user SID and no raw data.
    unsafe {
        ReportEventW(
            source,
            kind,
            0,
            1,
            null_mut(),
            1,
            0,
            strings.as_ptr(),
            null(),
        )
    };
}

/// A job object: processes assigned to it, and what they start, are terminated together.
pub struct Job(HANDLE);

// SAFETY: a job handle may be used and closed from any thread.
unsafe impl Send for Job {}

impl Job {
    /// A new, unnamed job, if Windows gives one.
    pub fn new() -> Option<Job> {
        // SAFETY: default security and no name.
        let job = unsafe { CreateJobObjectW(null(), null()) };
        (job != 0).then_some(Job(job))
    }

    /// Put `child` into the job (what it starts afterwards joins the job too).
    pub fn assign(&self, child: &std::process::Child) -> bool {
        let process = child.as_raw_handle() as HANDLE;
        // SAFETY: both handles are open: the job's by `new`, the process's by `Child`.
        unsafe { AssignProcessToJobObject(self.0, process) != 0 }
    }

    /// Terminate every process in the job, with exit status `code`.
    pub fn terminate(&self, code: u32) {
        // SAFETY: the job handle is open.
        unsafe { TerminateJobObject(self.0, code) };
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by `new` and is closed once, here. Closing does not
        // end the processes in it.
        unsafe { CloseHandle(self.0) };
    }
}
