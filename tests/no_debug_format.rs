//! No text `ddns` shows a user goes through `Debug`: the router binaries are built with
//! `-Zfmt-debug=shallow` (packaging/build-all), where a derived `Debug` prints only a type or
//! variant name. This test reads the sources (outside their `#[cfg(test)]` parts) and fails on
//! any `{:?}`-style format. Messages that embed a library's error (rustls, hickory, serde_json)
//! are checked for real: `.ci/run` runs the binary-level tests against `dist/ddns-amd64` too.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_debug_formatting_outside_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 10, "{}", src.display());
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f, text)
        })
        .collect();
    // Test-only files are declared `#[cfg(test)] mod NAME;` in their parent.
    let test_only: Vec<String> = texts
        .iter()
        .flat_map(|(_, t)| t.split("#[cfg(test)]\nmod ").skip(1))
        .filter_map(|rest| rest.split_once(';').map(|(name, _)| name.to_string()))
        .filter(|name| !name.contains(char::is_whitespace))
        .collect();
    let mut found = Vec::new();
    for (file, text) in &texts {
        let stem = file.file_stem().unwrap().to_str().unwrap();
        if test_only.iter().any(|t| t == stem) {
            continue;
        }
        // A file's unit tests are its `#[cfg(test)] mod tests { ... }`, at the end.
        let shipped = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        for (n, line) in shipped.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains(":?}") || code.contains(":#?}") {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Debug formatting in shipped code (use Display):\n{}",
        found.join("\n")
    );
}
