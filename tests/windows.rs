//! The Windows build and the Task Scheduler task, under Debian's Wine (8.0, 64-bit loader
//! `/usr/lib/wine/wine64`). One `WINEPREFIX` is made per test run (about 10 s and 700 MB, in
//! cargo's target tmp directory; those of finished runs are removed by the next); Wine's own
//! messages are silenced with `WINEDEBUG=-all`.
//!
//! Wine 8.0 lacks `bcryptprimitives.dll`, which every Rust program since 1.78 imports, so the
//! prefix gets the stand-in built here from `tests/windows/bcryptprimitives.c` with zig (the zig
//! `packaging/build-all` installs), only when the prefix has none. It is test scaffolding; every
//! Windows 10 and 11 has the real DLL.
//!
//! These tests are ignored by default because they need what a plain `cargo test` machine lacks;
//! `.ci/run` installs it and runs them with `--ignored`. Run by hand, a missing piece fails the
//! test with what to install, never a silent pass.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

#[allow(
    dead_code,
    reason = "the task filler is shared with the binary, which uses other parts of it"
)]
#[path = "../src/task_xml.rs"]
mod task_xml;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const WINE: &str = "/usr/lib/wine/wine64";

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The Windows binary `packaging/build-all windows-amd64` makes.
fn exe() -> PathBuf {
    let exe = top().join("dist/ddns-windows-amd64.exe");
    assert!(
        exe.exists(),
        "no {}: run `packaging/build-all windows-amd64` first",
        exe.display()
    );
    exe
}

/// zig: `python-zig` from the virtualenv `packaging/build-all` makes (`$DDNS_TOOLS` or
/// `target/tools`), else `zig` on the PATH.
fn zig() -> Command {
    let tools =
        std::env::var_os("DDNS_TOOLS").map_or_else(|| top().join("target/tools"), PathBuf::from);
    let python_zig = tools.join("venv/bin/python-zig");
    if python_zig.exists() {
        return Command::new(python_zig);
    }
    Command::new("zig")
}

/// A Linux path as the Windows program sees it (Wine maps `/` to drive Z:).
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// This test run's directory: its prefix and the files it hands to Wine. The directories of
/// earlier runs whose process is gone are removed when it is made.
fn run_dir() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        for entry in std::fs::read_dir(tmp()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("wine-run-")
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = tmp().join(format!("wine-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// The prefix of this test run, made once.
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        assert!(
            Path::new(WINE).exists(),
            "no {WINE}: install Debian's wine64 package (apt-get install wine64)"
        );
        let dir = run_dir().join("prefix");
        let boot = Command::new(WINE)
            .args(["wineboot", "-i"])
            .env("WINEPREFIX", &dir)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installers: nothing here needs .NET or a browser engine.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(boot.status.success(), "wineboot failed: {boot:?}");
        dir
    })
}

/// The prefix, with a `bcryptprimitives.dll` for Rust programs.
fn prefix_for_rust() -> &'static Path {
    static READY: OnceLock<()> = OnceLock::new();
    let dir = prefix();
    READY.get_or_init(|| {
        let target = dir.join("drive_c/windows/system32/bcryptprimitives.dll");
        if target.exists() {
            return;
        }
        let built = run_dir().join("bcryptprimitives.dll");
        let out = zig()
            .args([
                "cc",
                "-target",
                "x86_64-windows-gnu",
                "-shared",
                "-Os",
                "-s",
                "-o",
            ])
            .arg(&built)
            .arg(top().join("tests/windows/bcryptprimitives.c"))
            .arg("-ladvapi32")
            .output()
            .unwrap_or_else(|e| {
                panic!("could not run zig ({e}): run packaging/build-all, which installs it")
            });
        assert!(out.status.success(), "zig cc failed: {out:?}");
        std::fs::copy(&built, &target).unwrap();
    });
    dir
}

/// Run a Windows program in the prefix.
fn wine(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(WINE)
        .arg(program)
        .args(args)
        .env("WINEPREFIX", dir)
        .env("WINEDEBUG", "-all")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
#[ignore = "needs wine64, zig and dist/ddns-windows-amd64.exe (packaging/build-all windows-amd64, once the Windows port compiles)"]
fn the_windows_binary_runs_under_wine() {
    let exe = exe();
    let dir = prefix_for_rust();
    let exe = windows_path(&exe);
    let v = wine(dir, &exe, &["--version"]);
    assert_eq!(
        (v.status.code(), text(&v.stdout), text(&v.stderr)),
        (
            Some(0),
            format!("ddns {}\n", env!("CARGO_PKG_VERSION")),
            String::new()
        )
    );
    // A usage error: the documented status and one line on stderr.
    let bad = wine(dir, &exe, &["frobnicate"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert_eq!(
        text(&bad.stderr),
        "ddns: Unrecognized argument: frobnicate; see `ddns --help`\n"
    );
}

#[test]
#[ignore = "needs wine64 (Debian's wine64 package)"]
fn wine_schtasks_accepts_the_task_and_refuses_a_broken_one() {
    let dir = prefix();
    let pid = std::process::id();
    let xml = task_xml::fill(
        r"C:\Program Files\ddns\ddns.exe",
        "--syslog update",
        task_xml::Interval::DEFAULT,
    )
    .unwrap();
    let register = |name: &str, xml: &str| {
        let file = run_dir().join(format!("{name}.xml"));
        std::fs::write(&file, task_xml::for_schtasks(xml)).unwrap();
        let file = windows_path(&file);
        wine(
            dir,
            "schtasks",
            &["/create", "/xml", &file, "/tn", name, "/f"],
        )
    };
    let stored = |name: &str| dir.join("drive_c/windows/system32/tasks").join(name);

    let name = format!("ddns-test-{pid}");
    let created = register(&name, &xml);
    assert_eq!(created.status.code(), Some(0), "{created:?}");
    // Wine keeps the registration info and the settings (its trigger, principal and action
    // parsers are stubs: see packaging/windows/README.md).
    let kept = std::fs::read_to_string(stored(&name)).unwrap();
    for line in [
        "<Description>Keeps DNS records pointing at this network's public address",
        "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
        "<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
        "<StartWhenAvailable>true</StartWhenAvailable>",
        "<Hidden>true</Hidden>",
        "<ExecutionTimeLimit>PT10M</ExecutionTimeLimit>",
    ] {
        assert!(
            kept.contains(line),
            "{line} is not in the stored task:\n{kept}"
        );
    }

    // The acceptance means something: a document Wine cannot read is refused, nothing stored.
    let broken_name = format!("ddns-broken-{pid}");
    let broken = register(&broken_name, &xml.replacen("</Settings>", "</Setting>", 1));
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(!stored(&broken_name).exists());
    let not_bool = register(
        &broken_name,
        &xml.replacen("<Hidden>true", "<Hidden>yes", 1),
    );
    assert_eq!(not_bool.status.code(), Some(1), "{not_bool:?}");

    let deleted = wine(dir, "schtasks", &["/delete", "/tn", &name, "/f"]);
    assert_eq!(deleted.status.code(), Some(0), "{deleted:?}");
    assert!(!stored(&name).exists());
}
