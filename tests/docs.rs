//! The README and `docs/` say only what is so: every relative link leads to a file (and, with
//! `#anchor`, to a heading) that exists, every repository path they name exists, any `--help`
//! output they quote is exactly what the binary prints, and no figure is pinned to a commit
//! hash. The README stays a front door: at most 300 lines.
//!
//! A quoted `--help` is a fenced block whose first line is the command, `$ ddns ... --help`,
//! followed by its output.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file in docs/, in a stable order.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![top().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(top().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// One Markdown file, taken apart as far as these checks need.
#[derive(Default)]
struct Parsed {
    /// Targets of `[text](target)` and `![alt](target)`.
    links: Vec<String>,
    /// Contents of inline code spans.
    spans: Vec<String>,
    /// Fenced code blocks: their lines.
    blocks: Vec<Vec<String>>,
    /// GitHub's anchors for the headings, in order (duplicates get `-1`, `-2`, ...).
    anchors: Vec<String>,
}

/// GitHub's anchor for a heading: lower case, punctuation dropped (but `-` and `_`), each
/// space a `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut block: Option<Vec<String>> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match block.take() {
                Some(lines) => out.blocks.push(lines),
                None => block = Some(Vec::new()),
            }
            continue;
        }
        if let Some(lines) = block.as_mut() {
            lines.push(line.to_string());
            continue;
        }
        if let Some(heading) = line.trim_start_matches('#').strip_prefix(' ')
            && line.starts_with('#')
        {
            let base = slug(heading);
            let seen = out
                .anchors
                .iter()
                .filter(|a| {
                    **a == base
                        || a.strip_prefix(&format!("{base}-"))
                            .is_some_and(|n| n.parse::<u32>().is_ok())
                })
                .count();
            out.anchors.push(if seen == 0 {
                base
            } else {
                format!("{base}-{seen}")
            });
        }
        out.spans.extend(code_spans(line));
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.links.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    assert!(block.is_none(), "a fenced code block is never closed");
    out
}

/// The inline code spans of one line: text between matching runs of backticks.
fn code_spans(line: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let ticks = rest[open..].chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(ticks);
        let inner = &rest[open + ticks..];
        let Some(close) = inner.find(&fence) else {
            break;
        };
        spans.push(inner[..close].trim().to_string());
        rest = &inner[close + ticks..];
    }
    spans
}

/// Top-level entries of the repository whose paths the docs name (dist/ and target/ are build
/// output, not in the repository).
const TOP_DIRS: [&str; 8] = [
    "src/",
    "tests/",
    "packaging/",
    "openwrt/",
    "docs/",
    "examples/",
    "bench/",
    ".ci/",
];
const TOP_FILES: [&str; 6] = [
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "clippy.toml",
    "CHANGELOG.md",
    "README.md",
];

/// The repository paths named in code spans and code blocks.
fn repository_paths(parsed: &Parsed) -> Vec<String> {
    let lines = parsed.spans.iter().chain(parsed.blocks.iter().flatten());
    let mut out = Vec::new();
    for line in lines {
        for token in line.split(|c: char| c.is_whitespace() || ",;()\"'<>=|".contains(c)) {
            let token = token.trim_start_matches("./").trim_end_matches(['.', ':']);
            if TOP_DIRS.iter().any(|d| token.starts_with(d)) || TOP_FILES.contains(&token) {
                out.push(token.to_string());
            }
        }
    }
    out
}

/// What is wrong with the links and paths of the Markdown file at `file` (text `text`), and how
/// many links and paths were checked.
fn problems(file: &Path, text: &str) -> (Vec<String>, usize, usize) {
    let parsed = parse(text);
    let dir = file.parent().unwrap();
    let mut found = Vec::new();
    let mut links = 0;
    for link in &parsed.links {
        if link.starts_with("https://")
            || link.starts_with("http://")
            || link.starts_with("mailto:")
        {
            continue;
        }
        links += 1;
        let (target, anchor) = link.split_once('#').unwrap_or((link, ""));
        let anchors = if target.is_empty() {
            parsed.anchors.clone()
        } else {
            let path = dir.join(target);
            if !path.exists() {
                found.push(format!("{}: link to {link}: no such file", file.display()));
                continue;
            }
            let other = std::fs::read_to_string(&path).unwrap_or_default();
            parse(&other).anchors
        };
        if !anchor.is_empty() && !anchors.iter().any(|a| a == anchor) {
            found.push(format!(
                "{}: link to {link}: no heading with that anchor",
                file.display()
            ));
        }
    }
    let paths = repository_paths(&parsed);
    for path in &paths {
        if !top().join(path).exists() {
            found.push(format!(
                "{}: names {path}, which does not exist",
                file.display()
            ));
        }
    }
    (found, links, paths.len())
}

#[test]
fn every_relative_link_and_repository_path_exists() {
    let (mut all, mut links, mut paths) = (Vec::new(), 0, 0);
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let (found, l, p) = problems(&file, &text);
        all.extend(found);
        links += l;
        paths += p;
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
    // The checks ran on something: the README alone links to every file in docs/.
    assert!(
        links >= 20 && paths >= 40,
        "only {links} links and {paths} paths checked"
    );
}

#[test]
fn the_link_and_path_checks_catch_what_is_broken() {
    let text = "# Top\n\n## Second part\n\nSee [usage](usage.md), [here](#second-part), \
                [gone](no-such.md), [bad anchor](#third-part), [web](https://example.com/x) \
                and `src/no_such_file.rs`, `packaging/build-all`.\n\n```sh\ntests/no_such_test.rs --x\n```\n";
    let (found, links, paths) = problems(&top().join("docs/example.md"), text);
    assert_eq!((links, paths), (4, 3), "{found:?}");
    assert_eq!(found.len(), 4, "{found:#?}");
    for broken in [
        "no-such.md",
        "#third-part",
        "src/no_such_file.rs",
        "tests/no_such_test.rs",
    ] {
        assert!(
            found.iter().any(|f| f.contains(broken)),
            "{broken} not caught: {found:#?}"
        );
    }
    assert_eq!(slug("Keep running: `--every`"), "keep-running---every");
    assert_eq!(
        parse("# A\n## A\n```\n# not a heading\n```\n").anchors,
        ["a", "a-1"]
    );
}

/// Each quoted `--help` output: (the arguments after `ddns`, the quoted output).
fn quoted_help(parsed: &Parsed) -> Vec<(Vec<String>, String)> {
    parsed
        .blocks
        .iter()
        .filter_map(|lines| {
            let (command, output) = lines.split_first()?;
            let args = command.strip_prefix("$ ddns ")?;
            args.split_whitespace().any(|a| a == "--help").then(|| {
                (
                    args.split_whitespace().map(String::from).collect(),
                    output.join("\n"),
                )
            })
        })
        .collect()
}

#[test]
fn quoted_help_is_what_the_binary_prints() {
    let mut quoted = 0;
    for file in markdown_files() {
        let parsed = parse(&std::fs::read_to_string(&file).unwrap());
        for (args, want) in quoted_help(&parsed) {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddns"))
                .args(&args)
                .env_clear()
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "ddns {args:?}");
            let got = String::from_utf8(out.stdout).unwrap();
            assert!(
                got.trim_end() == want.trim_end(),
                "{}: the quoted `ddns {}` differs from what the binary prints:\n{got}",
                file.display(),
                args.join(" ")
            );
            quoted += 1;
        }
    }
    assert!(
        quoted >= 1,
        "no quoted --help found (docs/usage.md quotes `ddns --help`)"
    );
}

/// Figures name the command and the date that made them; a commit hash goes stale (and is
/// meaningless in a fresh clone of another branch). A hash of digits only cannot be told from
/// a number (a Unix time in an example), so only hex words with a letter and a digit count.
#[test]
fn no_commit_hashes_in_the_docs() {
    let mut found = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let hex = (7..=40).contains(&word.len())
                && word
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                && word.chars().any(|c| c.is_ascii_digit())
                && word.chars().any(|c| c.is_ascii_alphabetic());
            if hex {
                found.push(format!("{}: {word}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "commit hashes: {found:?}");
}

#[test]
fn the_readme_is_at_most_300_lines() {
    let lines = std::fs::read_to_string(top().join("README.md"))
        .unwrap()
        .lines()
        .count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines; move detail into docs/"
    );
}

const TABLE_START: &str = "<!-- The table below is generated by tests/docs.rs. -->";
const TABLE_END: &str = "<!-- End of the generated table. -->";

/// (file, test, what it needs) for every `#[ignore = "needs ..."]` test in tests/.
fn ignored_tests() -> Vec<(String, String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(top().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let mut reason: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(r) = line.strip_prefix("#[ignore") {
                let r = r
                    .trim_start_matches([' ', '='])
                    .trim_start_matches('"')
                    .trim_end_matches(']')
                    .trim_end_matches('"');
                let needs = r.strip_prefix("needs ").unwrap_or_else(|| {
                    panic!("{name}: an ignored test says what it needs: #[ignore = \"needs ...\"], not {line}")
                });
                reason = Some(needs.to_string());
            } else if let Some(f) = line.strip_prefix("fn ")
                && let Some(needs) = reason.take()
            {
                let function = f.split('(').next().unwrap().to_string();
                out.push((name.clone(), function, needs));
            }
        }
    }
    out
}

fn ignored_table() -> String {
    let mut out = String::from("| file | test | needs |\n|---|---|---|\n");
    for (file, test, needs) in ignored_tests() {
        writeln!(out, "| `tests/{file}` | `{test}` | {needs} |").unwrap();
    }
    out
}

#[test]
fn the_development_guide_lists_every_ignored_test() {
    let path = top().join("docs/development.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc
        .split_once(TABLE_START)
        .expect("the table's start marker");
    let (_, tail) = rest.split_once(TABLE_END).expect("the table's end marker");
    let want = format!(
        "{head}{TABLE_START}\n\n{}\n{TABLE_END}{tail}",
        ignored_table()
    );
    assert!(ignored_tests().len() >= 10, "{:?}", ignored_tests());
    if std::env::var_os("DDNS_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        doc == want,
        "docs/development.md's table of ignored tests is out of date: run \
         `DDNS_BLESS=1 cargo test --test docs` and review the diff"
    );
}

/// `.ci/run` runs the binary-level test files a second time against the router build
/// (`DDNS_TEST_BIN`); it names them one by one, so a new file (or a renamed one) must be added
/// there. Every test file that runs the binary under test through `support` (`world(`,
/// `published(`, `ddns_bin()`) is named, and every name is a test file.
#[test]
fn the_ci_second_pass_names_every_binary_level_test_file() {
    let ci = std::fs::read_to_string(top().join(".ci/run")).unwrap();
    // Every command of the second pass (the main list, and any test run on its own).
    let passes: Vec<&str> = ci
        .split("DDNS_TEST_BIN=$PWD/dist/ddns-amd64 cargo test")
        .skip(1)
        .map(|rest| rest.split("\n\n").next().unwrap_or(rest))
        .collect();
    assert!(!passes.is_empty(), ".ci/run's second pass");
    let named: Vec<&str> = passes
        .iter()
        .flat_map(|pass| {
            pass.split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|w| w[0] == "--test")
                .map(|w| w[1])
                .collect::<Vec<_>>()
        })
        .collect();
    let mut want = Vec::new();
    for e in std::fs::read_dir(top().join("tests")).unwrap() {
        let path = e.unwrap().path();
        // (This file names those calls only in the list above.)
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("docs.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let runs_the_binary = ["world(", "published(", "ddns_bin()"].iter().any(|call| {
            text.match_indices(call)
                .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        });
        if runs_the_binary {
            want.push(path.file_stem().unwrap().to_str().unwrap().to_string());
        }
    }
    want.sort();
    let mut got: Vec<String> = named.iter().map(ToString::to_string).collect();
    got.sort();
    assert_eq!(got, want, ".ci/run's second pass (--test NAME ...)");
}
