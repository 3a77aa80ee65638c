//! Which on-change program `update` runs. `--on-change PATH` (or `DDNS_ON_CHANGE`) names it;
//! a program that cannot be run is a usage error, before any run. When `DDNS_ON_CHANGE_DIRS`
//! is set, the path came from a setting others may write (OpenWrt's hook and cron line pass
//! the `on_change` UCI option, which the router page can change): it must then be an absolute
//! path inside one of those directories, also once symlinks are resolved, and a program that
//! fails that or cannot be run is a warning: the update runs without it (issue 22, item 6).

use crate::error::Result;
use std::path::{Component, Path, PathBuf};

/// The program to run (if any) and the warnings to print at each run.
pub struct OnChange {
    /// The program, checked.
    pub program: Option<PathBuf>,
    /// Why the program given is not run, as lines for `ddns: `.
    pub warnings: Vec<String>,
}

/// Choose the on-change program from `given` (flag over environment; empty: none) under the
/// directories `dirs` lists (`DDNS_ON_CHANGE_DIRS`, colon-separated; unset: any path).
pub fn choose(given: Option<&str>, dirs: Option<&str>) -> Result<OnChange> {
    let Some(program) = given.filter(|p| !p.trim().is_empty()).map(PathBuf::from) else {
        return Ok(OnChange {
            program: None,
            warnings: Vec::new(),
        });
    };
    let Some(dirs) = dirs else {
        crate::notify::hook::check(&program)?;
        return Ok(OnChange {
            program: Some(program),
            warnings: Vec::new(),
        });
    };
    let dirs: Vec<PathBuf> = (dirs.split(':'))
        .map(PathBuf::from)
        .filter(|d| is_plain(d))
        .collect();
    let warning = if !is_plain(&program) || !inside(&program, &dirs) {
        Some(outside(&program, &dirs))
    } else if let Err(e) = crate::notify::hook::check(&program) {
        Some(format!("{}; until then updates run without it", e.message))
    } else {
        // A symlink in an allowed directory must not lead out of them.
        let real_dirs: Vec<PathBuf> = dirs.iter().filter_map(|d| d.canonicalize().ok()).collect();
        let real = program.canonicalize().ok();
        (!real.is_some_and(|r| inside(&r, &real_dirs))).then(|| outside(&program, &dirs))
    };
    Ok(match warning {
        Some(line) => OnChange {
            program: None,
            warnings: vec![line],
        },
        None => OnChange {
            program: Some(program),
            warnings: Vec::new(),
        },
    })
}

/// An absolute path of plain names: no `.` or `..` that could climb out of a directory.
fn is_plain(path: &Path) -> bool {
    path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

/// Whether `path` is below one of `dirs` (not one of them itself).
fn inside(path: &Path, dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|d| path != d && path.starts_with(d))
}

fn outside(program: &Path, dirs: &[PathBuf]) -> String {
    let dirs: Vec<String> = dirs.iter().map(|d| format!("{}/", d.display())).collect();
    let dirs = if dirs.is_empty() {
        "no directory".to_string()
    } else {
        dirs.join(" or ")
    };
    format!(
        "the on-change program {} is not in {dirs} (DDNS_ON_CHANGE_DIRS), so it is not run: \
         put it there and give its full path; until then updates run without it",
        crate::error::printable(&program.display().to_string(), 200)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_programs_inside_the_directories_run() {
        let base = std::env::temp_dir().join(format!("ddns-onchange-{}", std::process::id()));
        let allowed = base.join("etc-ddns");
        std::fs::create_dir_all(&allowed).unwrap();
        let good = allowed.join("on-change");
        std::fs::write(&good, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o755)).unwrap();
        let escape = allowed.join("reboot");
        std::os::unix::fs::symlink("/bin/true", &escape).unwrap();
        let dirs = format!("{}:/usr/share/ddns-dc", allowed.display());
        let run = |p: &str| choose(Some(p), Some(&dirs)).unwrap();

        let ok = run(good.to_str().unwrap());
        assert_eq!(ok.program.as_deref(), Some(good.as_path()));
        assert!(ok.warnings.is_empty());
        for bad in [
            "/sbin/reboot".to_string(),
            format!("{}/../../sbin/reboot", allowed.display()),
            "etc/ddns/on-change".to_string(),
            allowed.display().to_string(),
            escape.display().to_string(),
        ] {
            let chosen = run(&bad);
            assert!(chosen.program.is_none(), "{bad}");
            assert!(
                chosen.warnings[0].contains("is not in ")
                    && chosen.warnings[0].contains(" or /usr/share/ddns-dc/ (DDNS_ON_CHANGE_DIRS)"),
                "{bad}: {:?}",
                chosen.warnings
            );
        }
        let missing = run(&format!("{}/nope", allowed.display()));
        assert!(missing.program.is_none());
        assert!(
            missing.warnings[0].contains("cannot be found"),
            "{:?}",
            missing.warnings
        );
        // Without the directories: any path, and a bad one is a usage error.
        assert!(choose(Some("/sbin/nonexistent"), None).is_err());
        assert!(choose(Some(""), Some(&dirs)).unwrap().program.is_none());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
