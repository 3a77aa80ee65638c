//! `ddns service` on Windows (issue 23): the Task Scheduler task, registered from the one
//! template (`task_xml.rs`) with `schtasks.exe /Create /XML`, and the Event Log source `ddns`
//! (`reg.exe`), both as child processes. The task runs as SYSTEM in session 0, where no
//! window shows: the documented way to run a console program unseen (`Hidden` only hides the
//! task in the Task Scheduler's list).

use super::ffi;
use crate::error::{Error, Result};
use crate::platform::sddl::{self, Finding};
use crate::task_xml::{self, Interval};
use std::path::Path;
use std::process::Command;

/// The task's name (and path, `\ddns`).
const TASK: &str = "ddns";
/// Where the Event Log finds the source's message file.
const SOURCE: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\ddns";

/// Register the task: this `ddns.exe`, run with `arguments` every `every`. Returns the
/// program's path.
pub fn install(arguments: &[String], every: Interval) -> Result<String> {
    if !super::privileged() {
        return Err(Error::usage(
            "`ddns service install` registers a task that runs as SYSTEM, which needs an \
             elevated prompt: open one (Run as administrator) and run it again",
        ));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::transient(format!("could not tell where ddns.exe is ({e})")))?;
    check_program_dir(&exe)?;
    let command = exe.display().to_string();
    let xml =
        task_xml::fill(&command, &task_xml::command_line(arguments), every).ok_or_else(|| {
            Error::usage("an update option for the task has a control character: remove it")
        })?;
    let file = std::env::temp_dir().join(format!("ddns-task-{}.xml", std::process::id()));
    std::fs::write(&file, task_xml::for_schtasks(&xml))
        .map_err(|e| Error::transient(format!("could not write {} ({e})", file.display())))?;
    let file_arg = file.display().to_string();
    let created = run(
        "schtasks.exe",
        &["/Create", "/XML", &file_arg, "/TN", TASK, "/F"],
    );
    let _ = std::fs::remove_file(&file);
    created?;
    // EventCreate.exe's message table has each of its ids 1 to 1000 as the insertion string.
    let message_file = r"%SystemRoot%\System32\EventCreate.exe";
    let _ = run(
        "reg.exe",
        &[
            "add",
            SOURCE,
            "/v",
            "EventMessageFile",
            "/t",
            "REG_EXPAND_SZ",
            "/d",
            message_file,
            "/f",
        ],
    );
    let _ = run(
        "reg.exe",
        &[
            "add",
            SOURCE,
            "/v",
            "TypesSupported",
            "/t",
            "REG_DWORD",
            "/d",
            "7",
            "/f",
        ],
    );
    Ok(command)
}

/// Remove the task and the Event Log source.
pub fn uninstall() -> Result<()> {
    run("schtasks.exe", &["/Delete", "/TN", TASK, "/F"]).map_err(|e| {
        Error::usage(format!(
            "no ddns task could be removed ({}): `ddns service status` shows whether one is \
             installed",
            e.message
        ))
    })?;
    let _ = run("reg.exe", &["delete", SOURCE, "/f"]);
    Ok(())
}

/// The task as Windows has it: (program, arguments, interval), or the error saying why not.
pub fn status() -> Result<(String, String, String)> {
    let xml = run("schtasks.exe", &["/Query", "/TN", TASK, "/XML"])?;
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = xml.find(&open)? + open.len();
        let end = start + xml[start..].find(&format!("</{name}>"))?;
        Some(task_xml::unescape(&xml[start..end]))
    };
    match (field("Command"), field("Arguments"), field("Interval")) {
        (Some(c), Some(a), Some(i)) => Ok((c, a, i)),
        _ => Err(Error::transient(
            "schtasks did not show the ddns task's program and interval: open the Task \
             Scheduler (View, Show Hidden Tasks) to see it",
        )),
    }
}

/// A task that runs as SYSTEM must not run a program that others can replace: its folder may
/// be changed only by SYSTEM, Administrators and TrustedInstaller (as `C:\Program Files` is).
fn check_program_dir(exe: &Path) -> Result<()> {
    let dir = exe.parent().unwrap_or(Path::new("."));
    let refuse = |who: &str| {
        Error::usage(format!(
            "ddns.exe is in {}, which {who} can change: a task that runs as SYSTEM must not run \
             a program others can replace; copy ddns.exe to a folder only administrators can \
             change, such as C:\\Program Files\\ddns, and run `service install` from there",
            dir.display()
        ))
    };
    let acl = ffi::sddl_of(dir).map_err(|e| {
        Error::transient(format!(
            "could not read the permissions of {} ({e})",
            dir.display()
        ))
    })?;
    match sddl::judge(&acl, None) {
        Ok(()) | Err(Finding::Reader(_)) => Ok(()),
        Err(Finding::Owner(who) | Finding::Writer(who)) => Err(refuse(&who)),
        Err(Finding::NoDacl) => Err(refuse("everyone")),
    }
}

/// Run a Windows tool; its standard output, or an error with what it said.
fn run(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| Error::transient(format!("could not run {program} ({e})")))?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    if out.status.success() {
        return Ok(text(&out.stdout));
    }
    let said = [text(&out.stderr), text(&out.stdout)]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(|t| format!(": {}", crate::error::printable(&t, 300)))
        .unwrap_or_default();
    Err(Error::transient(format!(
        "{program} {} failed ({}){said}",
        args.first().unwrap_or(&""),
        out.status
    )))
}
