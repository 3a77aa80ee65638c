//! luci-app-ddns-dc checked against itself and the backend contract: the view compiled by a
//! real JavaScript engine (node) the way LuCI's loader wraps it, its `rpc.declare` calls
//! recorded by running its factory with stubs, and those checked against the ACL, the menu and
//! the methods of `ddns-dc rpcd list` (`CONTRACT`); the menu's view, ACL group and UCI config
//! exist; every JSON file parses.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// What `ddns-dc rpcd list` answers: each method with an example of its arguments. The view
/// may call only these, with only these arguments.
const CONTRACT: &str = r#"{"status":{},"log":{},"begin":{"name":"str","zone":"str","ipv6":false,"ipv6_suffix":"str"},"finish":{"name":"str","code":"str"},"update":{"name":"str","force":false},"remove":{"name":"str"},"schedule":{"minutes":0}}"#;

/// The methods that only read; the rest change something and need the ACL's write grant.
const READ_METHODS: &[&str] = &["status", "log"];

fn app() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openwrt/luci-app-ddns-dc")
}

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(app().join(path)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const VIEW: &str = "htdocs/luci-static/resources/view/ddns-dc.js";

/// Compile the view as LuCI's loader does (the `'require x'` strings at the top become the
/// factory's parameters after window, document and L) and run the factory with stubs that
/// record `rpc.declare` and `view.extend`. Prints {requires, declares, members}.
const LOADER: &str = r"
const fs = require('fs'), vm = require('vm');
const source = fs.readFileSync(process.argv[1], 'utf8');
const requires = [];
const re = /^\s*(?:\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*'([^']*)';/;
let rest = source, m;
while ((m = re.exec(rest)) !== null) {
	const r = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/.exec(m[1]);
	if (r) requires.push(r[2] || r[1].replace(/[^a-zA-Z0-9_]/g, '_'));
	else if (m[1] !== 'use strict') break;
	rest = rest.slice(m[0].length);
}
const wrapped = '(function(window, document, L' + requires.map(r => ', ' + r).join('') +
	') { ' + source + ' })\n\n//# sourceURL=ddns-dc.js\n';
const factory = new vm.Script(wrapped, { filename: 'ddns-dc.js' }).runInThisContext();
const declares = [];
let extended = null;
const stubs = {
	view: { extend: o => (extended = o) },
	rpc: { declare: o => { declares.push(o); return function() {}; } },
};
const args = [{}, {}, {}].concat(requires.map(r => stubs[r] || {}));
const result = factory.apply(null, args);
if (result !== extended) throw new Error('the factory must return view.extend(...)');
const members = {};
for (const k of Object.keys(extended)) members[k] = extended[k] === null ? 'null' : typeof extended[k];
console.log(JSON.stringify({ requires, declares, members }));
";

fn run_view() -> Option<Value> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        support::skip("no node (apt-get install nodejs)");
        return None;
    }
    let out = Command::new("node")
        .args(["-e", LOADER])
        .arg(app().join(VIEW))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the view does not load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn view_compiles_and_calls_only_contract_methods_the_acl_grants() {
    let Some(view) = run_view() else { return };
    let contract: Value = serde_json::from_str(CONTRACT).unwrap();
    let contract = contract.as_object().unwrap();

    let requires = strings(&view["requires"]);
    for r in ["view", "rpc", "ui", "form", "uci", "poll"] {
        assert!(requires.contains(r), "'require {r}'");
    }
    for (member, kind) in [
        ("load", "function"),
        ("render", "function"),
        ("handleSaveApply", "function"),
        ("handleSave", "function"),
        ("handleReset", "function"),
    ] {
        assert_eq!(view["members"][member], kind, "view.extend({{ {member} }})");
    }

    let acl = json("root/usr/share/rpcd/acl.d/luci-app-ddns-dc.json");
    let group = &acl["luci-app-ddns-dc"];
    let read = strings(&group["read"]["ubus"]["ddns-dc"]);
    let write = strings(&group["write"]["ubus"]["ddns-dc"]);
    assert_eq!(
        group["read"]["ubus"].as_object().unwrap().len(),
        1,
        "only the ddns-dc object"
    );
    assert_eq!(group["write"]["ubus"].as_object().unwrap().len(), 1);
    assert_eq!(
        strings(&group["read"]["uci"]),
        ["ddns-dc".to_string()].into()
    );
    assert_eq!(
        strings(&group["write"]["uci"]),
        ["ddns-dc".to_string()].into()
    );

    let mut declared = BTreeSet::new();
    for d in view["declares"].as_array().unwrap() {
        let method = d["method"].as_str().unwrap();
        assert_eq!(d["object"], "ddns-dc", "{d}");
        assert_eq!(d["reject"], true, "{method}: reject: true");
        let args = contract
            .get(method)
            .unwrap_or_else(|| panic!("{method} is not a backend method"))
            .as_object()
            .unwrap();
        for p in d["params"].as_array().map_or(&[][..], Vec::as_slice) {
            let p = p.as_str().unwrap();
            assert!(args.contains_key(p), "{method}: no argument {p}");
        }
        if READ_METHODS.contains(&method) {
            assert!(read.contains(method), "ACL read grants {method}");
        } else {
            assert!(write.contains(method), "ACL write grants {method}");
        }
        assert!(
            declared.insert(method.to_string()),
            "{method} declared twice"
        );
    }
    let all: BTreeSet<String> = contract.keys().cloned().collect();
    assert_eq!(declared, all, "the view uses every backend method");
    let granted: BTreeSet<String> = read.union(&write).cloned().collect();
    assert_eq!(granted, all, "the ACL grants nothing else");
    let read_set: BTreeSet<String> = READ_METHODS.iter().map(ToString::to_string).collect();
    assert_eq!(read, read_set, "reading grants only the read methods");
}

#[test]
fn menu_points_at_the_view_with_an_existing_acl_group_and_config() {
    let menu = json("root/usr/share/luci/menu.d/luci-app-ddns-dc.json");
    let menu = menu.as_object().unwrap();
    assert_eq!(menu.keys().collect::<Vec<_>>(), ["admin/services/ddns-dc"]);
    let entry = &menu["admin/services/ddns-dc"];
    assert_eq!(entry["title"], "Dynamic DNS (Domain Connect)");
    assert_eq!(entry["action"]["type"], "view");
    let path = entry["action"]["path"].as_str().unwrap();
    assert!(
        app()
            .join(format!("htdocs/luci-static/resources/view/{path}.js"))
            .is_file(),
        "view {path}"
    );
    let acl = json("root/usr/share/rpcd/acl.d/luci-app-ddns-dc.json");
    for group in entry["depends"]["acl"].as_array().unwrap() {
        assert!(
            acl.get(group.as_str().unwrap()).is_some(),
            "ACL group {group} is defined (else the page answers 403)"
        );
    }
    let uci = entry["depends"]["uci"].as_object().unwrap();
    assert_eq!(uci.keys().collect::<Vec<_>>(), ["ddns-dc"]);
    let config = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openwrt/files/ddns-dc.config"),
    )
    .unwrap();
    assert!(
        config.lines().any(|l| l == "config hook 'hook'"),
        "the menu's uci dependency needs a section in /etc/config/ddns-dc"
    );
}

#[test]
fn view_edits_only_options_the_config_has_and_never_touches_a_token() {
    let source = std::fs::read_to_string(app().join(VIEW)).unwrap();
    assert!(
        source.contains("new form.Map('ddns-dc'"),
        "the ddns-dc config"
    );
    assert!(
        source.contains("form.NamedSection, 'hook', 'hook'"),
        "section hook"
    );
    let config = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openwrt/files/ddns-dc.config"),
    )
    .unwrap();
    let mut options = Vec::new();
    for part in source.split("s.option(form.").skip(1) {
        let name = part.split('\'').nth(1).unwrap();
        options.push(name.to_string());
        if !name.starts_with('_') {
            assert!(
                config.contains(&format!("option {name} "))
                    || config.contains(&format!("list {name} ")),
                "{name} is in /etc/config/ddns-dc"
            );
        }
    }
    assert_eq!(
        options,
        ["enabled", "interface", "args", "on_change", "_schedule"]
    );
    // The backend sends no token; the view's code reads only these token facts.
    let mut code = String::new();
    for (i, part) in source.split("/*").enumerate() {
        code.push_str(if i == 0 {
            part
        } else {
            part.split_once("*/").unwrap().1
        });
    }
    let rest = code
        .replace("access_token_expires_at", "")
        .replace("has_refresh_token", "");
    assert!(
        !rest.to_lowercase().contains("token"),
        "the view refers to a token"
    );
}

/// The backend offers exactly the contract the view is written against: `ddns rpcd list` is
/// what rpcd registers as the ubus object's methods.
#[test]
fn the_backend_lists_exactly_the_contract() {
    let out = Command::new(env!("CARGO_BIN_EXE_ddns"))
        .args(["rpcd", "list"])
        .env_clear()
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let contract: Value = serde_json::from_str(CONTRACT).unwrap();
    assert_eq!(listed, contract);
}

/// Run `cargo run --example NAME -- ARGS` (the build tools of `examples/`) in `dir`.
fn example(name: &str, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--locked",
            "--example",
            name,
            "--manifest-path",
        ])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ddns-luci-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A catalog with each kind of entry po2lmo knows: the header's plural rule, a plain
/// translation, one identical to its msgid and one empty (both left out), a context, two plural
/// forms, escapes over two lines, and non-ASCII bytes (hashed as C's signed char).
const PO2LMO_INPUT: &str = r#"msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=n != 1;\n"

msgid "Remove"
msgstr "Entfernen"

msgid "Same"
msgstr "Same"

msgid "Untranslated"
msgstr ""

msgctxt "verb"
msgid "Update"
msgstr "Aktualisieren"

msgid "%d name"
msgid_plural "%d names"
msgstr[0] "%d Name"
msgstr[1] "%d Namen"

msgid "Say \"hi\""
msgstr "Sag \"hallo\"\n"
"zu \\ mir"

msgid "ä"
msgstr "中"
"#;

/// What LuCI's own po2lmo (modules/luci-base/src/po2lmo.c at LuCI commit daf2e0b, built
/// outside this repository) writes for `PO2LMO_INPUT`: the strings in input order, each padded
/// to 4 bytes, then the index sorted by key hash, then the index's offset (all big-endian).
fn po2lmo_output() -> Vec<u8> {
    let strings: [&[u8]; 8] = [
        b"nplurals=2; plural=n != 1;\0\0", // 0x00: the header's Plural-Forms
        b"Entfernen\0\0\0",                // 0x1c: key "Remove"
        b"Aktualisieren\0\0\0",            // 0x28: key "verb\x01Update" (context)
        b"%d Name\0",                      // 0x38: key "%d name\x020" (plural form 0)
        b"%d Namen",                       // 0x40: key "%d name\x021"
        // 0x48: \" and \\ unescaped, \n kept as a backslash and an n, the lines joined
        b"Sag \"hallo\"\\nzu \\ mir\0\0\0",
        "中".as_bytes(), // 0x60: key "ä" (UTF-8 bytes, hashed as they are)
        b"\0",
    ];
    // key_id (sfh_hash of the key), val_id (number of plural forms), offset, length
    let index: [[u32; 4]; 7] = [
        [0, 0, 0x00, 26],
        [0x3014_ea19, 2, 0x38, 7],
        [0x745f_a400, 1, 0x48, 21],
        [0x7cb2_d8c0, 1, 0x1c, 9],
        [0x7f00_815f, 1, 0x28, 13],
        [0xaaed_0581, 1, 0x60, 3],
        [0xabd4_e22f, 2, 0x40, 8],
    ];
    let mut out = strings.concat();
    for v in index.iter().flatten().chain([&0x64]) {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out
}

/// examples/po2lmo.rs writes the same bytes as LuCI's po2lmo, and, like it, no file at all for
/// a catalog without translations.
#[test]
fn po2lmo_writes_what_lucis_po2lmo_writes() {
    let dir = scratch("po2lmo");
    std::fs::write(dir.join("in.po"), PO2LMO_INPUT).unwrap();
    let out = example("po2lmo", &dir, &["in.po", "out.lmo"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(dir.join("out.lmo")).unwrap(), po2lmo_output());

    std::fs::write(
        dir.join("empty.po"),
        "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\"\n\nmsgid \"x\"\nmsgstr \"\"\n",
    )
    .unwrap();
    let out = example("po2lmo", &dir, &["empty.po", "empty.lmo"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!dir.join("empty.lmo").exists(), "no catalog, no file");

    let out = example("po2lmo", &dir, &["missing.po", "x.lmo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: "));
    std::fs::remove_dir_all(&dir).unwrap();
}
