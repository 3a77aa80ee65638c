//! The layout stays readable: the top-level modules of `src/` import each other without a
//! circle (so the layers in docs/architecture.md hold), and no file of `src/` is over 400
//! lines, and `unsafe` appears only in the Windows FFI module.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to: `plan` for `src/plan/decide.rs`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Which top-level modules each top-level module names (`crate::x`), outside unit tests.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.contains("tests") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let me = top_module(src, &file);
        let names = graph.entry(me.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let other = &rest[..end];
            if !other.is_empty() && other != me {
                names.insert(other.to_string());
            }
        }
    }
    graph
}

#[test]
fn the_modules_import_each_other_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = imports(&src);
    assert!(graph.len() > 10, "{graph:?}");
    // Take away, again and again, every module that imports none of those left: a circle is
    // what remains.
    let mut left = graph.clone();
    loop {
        let leaves: Vec<String> = left
            .iter()
            .filter(|(_, names)| names.iter().all(|n| !left.contains_key(n)))
            .map(|(m, _)| m.clone())
            .collect();
        if leaves.is_empty() {
            break;
        }
        for m in leaves {
            left.remove(&m);
        }
    }
    assert!(
        left.is_empty(),
        "these modules import each other in a circle: {left:?}"
    );
}

#[test]
fn no_file_in_src_is_over_400_lines() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > 400)
        .map(|(f, n)| format!("{} ({n} lines)", f.display()))
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}

#[test]
fn unsafe_code_is_only_in_the_windows_ffi_module() {
    // Cargo.toml denies unsafe code (it cannot forbid it, because the Windows port's Win32
    // calls need it): src/platform/windows/ffi/ is the one module that may allow it.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let elsewhere: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("platform/windows/ffi")))
        .filter(|f| {
            let code: String = std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            code.contains("unsafe")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(elsewhere.is_empty(), "unsafe outside ffi/: {elsewhere:?}");
    let ffi = std::fs::read_to_string(src.join("platform/windows/ffi/mod.rs")).unwrap();
    assert_eq!(ffi.matches("#![allow(\n    unsafe_code,").count(), 1);
    // Every unsafe block says why it is sound.
    for file in ["mod.rs", "adapters.rs"] {
        let code = std::fs::read_to_string(src.join("platform/windows/ffi").join(file)).unwrap();
        let blocks = code.matches("unsafe {").count();
        let reasons = code.matches("// SAFETY:").count();
        assert!(
            reasons >= blocks,
            "{file}: {blocks} unsafe blocks, {reasons} SAFETY comments"
        );
    }
}
