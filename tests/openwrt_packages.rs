//! The OpenWrt packages, byte by byte: the .ipk and .apk of `ddns-dc`, `luci-app-ddns-dc` and
//! `luci-i18n-ddns-dc-LANG` built by `packaging/openwrt-packages` from the test binary and the
//! app's .po files (outer gzip'd tar, member order,
//! GNU headers, owners, modes, control fields, dependencies, scripts, file lists,
//! reproducibility), and the one source of truth: `openwrt/files.list` is what both the SDK
//! recipe (run here by GNU make with stub OpenWrt includes) and the packages install, the LuCI
//! packages hold exactly the LuCI recipe's tree, and every version is Cargo.toml's (luci.mk's
//! PKG_PO_VERSION for the translations).

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::adb;
use support::tar::{Member, gunzip, member, untar};

const EPOCH: u64 = 1_790_000_000;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ddns-owpkg-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn version() -> String {
    format!("{}-r1", env!("CARGO_PKG_VERSION"))
}

/// Build every package for x86_64 from the test binary into `out`.
fn build(out: &Path) {
    let bin = env!("CARGO_BIN_EXE_ddns");
    // The script runs cargo (examples/mkapk.rs, examples/po2lmo.rs).
    let status =
        support::outside_cargo_test(&mut Command::new(top().join("packaging/openwrt-packages")))
            .arg(out)
            .arg(format!("{bin}=x86_64"))
            .env("SOURCE_DATE_EPOCH", EPOCH.to_string())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
    assert!(status.success());
}

/// The package `file` from both builds in `dir/a` and `dir/b`, after checking they are the
/// same bytes.
fn reproducible(dir: &Path, file: &str) -> Vec<u8> {
    let a = std::fs::read(dir.join("a").join(file)).unwrap();
    assert!(
        a == std::fs::read(dir.join("b").join(file)).unwrap(),
        "{file}: two builds are byte-identical"
    );
    a
}

/// One line of openwrt/files.list.
#[derive(Debug)]
struct Entry {
    mode: u32,
    dest: String,
    source: String,
    conffile: bool,
}

fn files_list() -> Vec<Entry> {
    std::fs::read_to_string(top().join("openwrt/files.list"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert!(w.len() == 3 || (w.len() == 4 && w[3] == "conffile"), "{l}");
            Entry {
                mode: u32::from_str_radix(w[0], 8).unwrap(),
                dest: w[1].to_string(),
                source: w[2].to_string(),
                conffile: w.len() == 4,
            }
        })
        .collect()
}

/// The files a package must hold (path -> mode, content), for ddns-dc from files.list.
fn ddns_dc_files() -> BTreeMap<String, (u32, Vec<u8>)> {
    files_list()
        .into_iter()
        .map(|e| {
            let content = if e.source == "@binary" {
                std::fs::read(env!("CARGO_BIN_EXE_ddns")).unwrap()
            } else {
                std::fs::read(top().join("openwrt").join(&e.source)).unwrap()
            };
            (e.dest, (e.mode, content))
        })
        .collect()
}

/// The files of luci-app-ddns-dc, as luci.mk installs its recipe's tree: htdocs/ under /www,
/// root/ under /, executables 0755 and the rest 0644.
fn luci_files() -> BTreeMap<String, (u32, Vec<u8>)> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, (u32, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = format!("{prefix}/{}", e.file_name().to_str().unwrap());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &path, out);
            } else {
                let exec = e.metadata().unwrap().permissions().mode() & 0o111 != 0;
                let content = std::fs::read(e.path()).unwrap();
                out.insert(path, (if exec { 0o755 } else { 0o644 }, content));
            }
        }
    }
    let recipe = top().join("openwrt/luci-app-ddns-dc");
    let mut out = BTreeMap::new();
    walk(&recipe.join("htdocs"), "/www", &mut out);
    walk(&recipe.join("root"), "", &mut out);
    out
}

/// The data tar's listing a package of `files` must have: every directory (0755, `./x/`) and
/// file in tar's depth-first sorted order.
fn tar_listing(files: &BTreeMap<String, (u32, Vec<u8>)>) -> Vec<(String, u32)> {
    let mut entries: BTreeMap<Vec<String>, (String, u32)> = BTreeMap::new();
    entries.insert(Vec::new(), ("./".to_string(), 0o755));
    for (path, (mode, _)) in files {
        let parts: Vec<String> = path[1..].split('/').map(str::to_string).collect();
        for i in 1..parts.len() {
            let dir = parts[..i].to_vec();
            let name = format!("./{}/", dir.join("/"));
            entries.insert(dir, (name, 0o755));
        }
        entries.insert(parts, (format!(".{path}"), *mode));
    }
    entries.into_values().collect()
}

fn check_member_common(m: &Member) {
    assert_eq!(m.magic, b"ustar  \0", "{}: GNU tar header", m.name);
    assert_ne!(m.kind, b'x', "{}: no PAX headers", m.name);
    assert_ne!(m.kind, b'g', "{}: no PAX headers", m.name);
    assert_eq!((m.uid, m.gid), (0, 0), "{}: owner 0:0", m.name);
    assert_eq!(m.mtime, EPOCH, "{}: fixed mtime", m.name);
    if m.kind == b'5' {
        assert!(m.name.ends_with('/'), "{}: directory ends with /", m.name);
        assert_eq!(m.mode, 0o755, "{}: directory mode", m.name);
    }
}

/// An .ipk opened: (data members, control members, control text).
fn open_ipk(ipk: &[u8]) -> (Vec<Member>, Vec<Member>, String) {
    let outer = untar(&gunzip(ipk));
    let names: Vec<&str> = outer.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["./debian-binary", "./data.tar.gz", "./control.tar.gz"]
    );
    outer.iter().for_each(check_member_common);
    assert_eq!(outer[0].data, b"2.0\n");
    let data_tar = gunzip(&outer[1].data);
    let data = untar(&data_tar);
    data.iter().for_each(check_member_common);
    let control = untar(&gunzip(&outer[2].data));
    control.iter().for_each(check_member_common);
    let text = String::from_utf8(member(&control, "./control").data.clone()).unwrap();
    let size: usize = control_field(&text, "Installed-Size").parse().unwrap();
    assert!(
        size <= data_tar.len() && size + 20 * 512 >= data_tar.len(),
        "Installed-Size {size} vs data tar {}",
        data_tar.len()
    );
    (data, control, text)
}

/// Each item on a line of its own.
fn lines<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string() + "\n").collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}")).unwrap();
        s
    })
}

fn control_field(text: &str, k: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{k}: ")))
        .unwrap_or_else(|| panic!("{k} in {text}"))
        .to_string()
}

fn check_data(data: &[Member], files: &BTreeMap<String, (u32, Vec<u8>)>) {
    let listing: Vec<(String, u32)> = data.iter().map(|m| (m.name.clone(), m.mode)).collect();
    assert_eq!(listing, tar_listing(files));
    for (path, (_, content)) in files {
        assert!(
            member(data, &format!(".{path}")).data == *content,
            "{path}: content"
        );
    }
}

/// The .apk holds `files` plus OpenWrt's `lib/apk/packages/NAME.list` (the payload's files,
/// sorted) and, when there are any, `NAME.conffiles` and `NAME.conffiles_static` (each with
/// its SHA-256).
fn check_apk_files(
    pkg: &adb::Package,
    name: &str,
    files: &BTreeMap<String, (u32, Vec<u8>)>,
    conffiles: &[&str],
) {
    let list_path = format!("/lib/apk/packages/{name}.list");
    let conffiles_path = format!("/lib/apk/packages/{name}.conffiles");
    let static_path = format!("/lib/apk/packages/{name}.conffiles_static");
    let mut expected: BTreeMap<String, u64> = files
        .iter()
        .map(|(p, (m, _))| (p.clone(), u64::from(*m)))
        .collect();
    expected.insert(list_path.clone(), 0o644);
    if !conffiles.is_empty() {
        expected.insert(conffiles_path.clone(), 0o644);
        expected.insert(static_path.clone(), 0o644);
    }
    let got: BTreeMap<String, u64> = pkg.files.iter().map(|f| (f.path.clone(), f.mode)).collect();
    assert_eq!(got, expected);
    for (path, (_, content)) in files {
        assert!(pkg.file(path).data == *content, "{path}: content");
    }
    let list = lines(files.keys());
    assert_eq!(
        String::from_utf8(pkg.file(&list_path).data.clone()).unwrap(),
        list
    );
    if !conffiles.is_empty() {
        let text = lines(conffiles);
        assert_eq!(
            String::from_utf8(pkg.file(&conffiles_path).data.clone()).unwrap(),
            text
        );
        let sums = lines(conffiles.iter().map(|p| {
            let sum = ring::digest::digest(&ring::digest::SHA256, &files[*p].1);
            format!("{p} {}", hex(sum.as_ref()))
        }));
        assert_eq!(
            String::from_utf8(pkg.file(&static_path).data.clone()).unwrap(),
            sums
        );
    }
}

/// OpenWrt's apk scripts (include/package-pack.mk): apk runs a script from a file descriptor,
/// so `$0` does not name the package; they set `$pkgname` for default_postinst/default_prerm,
/// then run the package's own step (`own`); post-upgrade is post-install with PKG_UPGRADE=1.
fn check_apk_scripts(pkg: &adb::Package, name: &str, own: &str) {
    let head = "#!/bin/sh\n[ \"${IPKG_NO_SCRIPT}\" = \"1\" ] && exit 0\n\
        [ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n\
        . ${IPKG_INSTROOT}/lib/functions.sh\n";
    let post = pkg.script(adb::SCRIPT_POSTINST);
    assert_eq!(
        post,
        format!(
            "{head}export root=\"${{IPKG_INSTROOT}}\"\nexport pkgname=\"{name}\"\n\
             add_group_and_user\ndefault_postinst\n{own}"
        )
    );
    assert_eq!(
        pkg.script(adb::SCRIPT_POSTUPGRADE),
        format!(
            "#!/bin/sh\nexport PKG_UPGRADE=1\n{}",
            &post["#!/bin/sh\n".len()..]
        )
    );
    assert_eq!(
        pkg.script(adb::SCRIPT_PREDEINST),
        format!(
            "#!/bin/sh\n[ -s ${{IPKG_INSTROOT}}/lib/functions.sh ] || exit 0\n\
             . ${{IPKG_INSTROOT}}/lib/functions.sh\n\
             export root=\"${{IPKG_INSTROOT}}\"\nexport pkgname=\"{name}\"\ndefault_prerm\n"
        )
    );
}

/// The files under `dir` (path below `prefix` -> mode, content); every directory is 0755.
fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, (u32, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = format!("{prefix}/{}", e.file_name().to_str().unwrap());
        let mode = e.metadata().unwrap().permissions().mode() & 0o7777;
        if e.file_type().unwrap().is_dir() {
            assert_eq!(mode, 0o755, "{path}");
            read_tree(&e.path(), &path, out);
        } else {
            out.insert(path, (mode, std::fs::read(e.path()).unwrap()));
        }
    }
}

#[test]
fn sdk_recipes_carry_cargo_version() {
    for recipe in ["openwrt/Makefile", "openwrt/luci-app-ddns-dc/Makefile"] {
        let text = std::fs::read_to_string(top().join(recipe)).unwrap();
        let line = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}:=")))
                .unwrap_or_else(|| panic!("{recipe}: no {k}:="))
                .to_string()
        };
        assert_eq!(
            line("PKG_VERSION"),
            env!("CARGO_PKG_VERSION"),
            "{recipe}: set PKG_VERSION to Cargo.toml's version"
        );
        assert_eq!(line("PKG_RELEASE"), "1", "{recipe}: -r1 like the packages");
    }
    let luci = std::fs::read_to_string(top().join("openwrt/luci-app-ddns-dc/Makefile")).unwrap();
    for line in [
        "LUCI_DEPENDS:=+ddns-dc +luci-base",
        "LUCI_PKGARCH:=all",
        "include ../../luci.mk",
    ] {
        assert!(luci.lines().any(|l| l == line), "luci recipe: {line}");
    }
}

/// The ddns-dc recipe's install step, run with GNU make and stub OpenWrt includes, installs
/// exactly `openwrt/files.list` (modes, contents, conffiles) and the version.
#[test]
#[ignore = "needs GNU make"]
fn sdk_recipe_installs_files_list() {
    support::require_program("make", "apt-get install make");
    let dir = scratch("sdk");
    let feed = dir.join("feed/net/ddns-dc");
    std::fs::create_dir_all(feed.join("files")).unwrap();
    std::fs::create_dir_all(dir.join("feed/lang/rust")).unwrap();
    std::fs::create_dir_all(dir.join("top/include")).unwrap();
    std::fs::create_dir_all(dir.join("build/bin")).unwrap();
    std::fs::copy(top().join("openwrt/Makefile"), feed.join("Makefile")).unwrap();
    std::fs::copy(top().join("openwrt/files.list"), feed.join("files.list")).unwrap();
    for e in std::fs::read_dir(top().join("openwrt/files")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), feed.join("files").join(e.file_name())).unwrap();
    }
    std::fs::copy(env!("CARGO_BIN_EXE_ddns"), dir.join("build/bin/ddns")).unwrap();
    // What the recipe uses from OpenWrt's rules.mk, package.mk and the feed's rust-package.mk;
    // BuildPackage runs the install step into DESTDIR and writes out the conffiles and version.
    std::fs::write(
        dir.join("top/rules.mk"),
        "empty:=\nspace:=$(empty) $(empty)\nINCLUDE_DIR:=$(TOPDIR)/include\nINSTALL_DIR:=install -d -m0755\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("top/include/package.mk"),
        "define BuildPackage\ninstall:\n\t$$(call Package/$(1)/install,$$(DESTDIR))\n\t\
         $$(file >$$(DESTDIR).conffiles,$$(Package/$(1)/conffiles))\n\t\
         $$(file >$$(DESTDIR).version,$$(PKG_VERSION))\nendef\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("feed/lang/rust/rust-package.mk"),
        "RUST_ARCH_DEPENDS:=@(x86_64)\ndefine RustBinPackage\nendef\n",
    )
    .unwrap();
    let dest = dir.join("root");
    let out = Command::new("make")
        .arg("-C")
        .arg(&feed)
        .arg(format!("TOPDIR={}", dir.join("top").display()))
        .arg(format!("PKG_INSTALL_DIR={}", dir.join("build").display()))
        .arg(format!("DESTDIR={}", dest.display()))
        .arg("install")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let mut installed = BTreeMap::new();
    read_tree(&dest, "", &mut installed);
    let expected = ddns_dc_files();
    let modes = |m: &BTreeMap<String, (u32, Vec<u8>)>| -> Vec<(String, u32)> {
        m.iter().map(|(p, (mode, _))| (p.clone(), *mode)).collect()
    };
    assert_eq!(
        modes(&installed),
        modes(&expected),
        "the recipe installs files.list"
    );
    assert!(installed == expected, "same contents");
    let conffiles = lines(files_list().iter().filter(|e| e.conffile).map(|e| &e.dest));
    assert_eq!(
        std::fs::read_to_string(dir.join("root.conffiles")).unwrap(),
        conffiles,
        "conffiles, one a line"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("root.version")).unwrap(),
        format!("{}\n", env!("CARGO_PKG_VERSION"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_list_names_the_expected_files() {
    let listing: Vec<(String, u32, bool)> = files_list()
        .into_iter()
        .map(|e| (e.dest, e.mode, e.conffile))
        .collect();
    let expected = [
        ("/usr/bin/ddns-dc", 0o755, false),
        ("/etc/config/ddns-dc", 0o600, true),
        ("/etc/hotplug.d/iface/96-ddns-dc", 0o644, false),
        ("/lib/upgrade/keep.d/ddns-dc", 0o644, false),
        ("/usr/share/ddns-dc/crontab.example", 0o644, false),
        ("/usr/share/ddns-dc/on-change.example", 0o755, false),
    ];
    let expected: Vec<(String, u32, bool)> = expected
        .iter()
        .map(|(p, m, c)| ((*p).to_string(), *m, *c))
        .collect();
    assert_eq!(listing, expected);
    let files = ddns_dc_files();
    assert_eq!(
        files["/lib/upgrade/keep.d/ddns-dc"].1, b"/etc/ddns/\n",
        "the state directory survives firmware upgrades"
    );
    assert!(
        !files.keys().any(|p| p.starts_with("/etc/init.d")),
        "no init script"
    );
}

/// Every package built twice (reproducible), then each checked.
#[test]
fn packages_are_what_opkg_and_apk_expect_and_reproducible() {
    let dir = scratch("build");
    build(&dir.join("a"));
    build(&dir.join("b"));
    ddns_dc_ipk(&dir);
    ddns_dc_apk(&dir);
    luci_app_packages(&dir);
    luci_i18n_packages(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn ddns_dc_ipk(dir: &Path) {
    let ipk = reproducible(dir, &format!("ddns-dc_{}_x86_64.ipk", version()));
    let (data, control, text) = open_ipk(&ipk);
    check_data(&data, &ddns_dc_files());

    let names: Vec<&str> = control.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["./", "./conffiles", "./control", "./postinst", "./prerm"]
    );
    assert_eq!(control_field(&text, "Package"), "ddns-dc");
    assert_eq!(control_field(&text, "Version"), version());
    assert_eq!(control_field(&text, "Architecture"), "x86_64");
    assert_eq!(control_field(&text, "SourceDateEpoch"), EPOCH.to_string());
    check_feed_fields(&text);
    assert!(!text.contains("Depends"), "no dependencies");
    assert!(
        text.contains("Description: Dynamic DNS client using Domain Connect\n "),
        "{text}"
    );
    assert_eq!(
        member(&control, "./conffiles").data,
        b"/etc/config/ddns-dc\n"
    );
    let (postinst, prerm) = (member(&control, "./postinst"), member(&control, "./prerm"));
    assert_eq!((postinst.mode, prerm.mode), (0o755, 0o755));
    let postinst = String::from_utf8(postinst.data.clone()).unwrap();
    assert!(postinst.contains("default_postinst $0 $@") && postinst.contains("IPKG_NO_SCRIPT"));
}

fn ddns_dc_apk(dir: &Path) {
    let packed = reproducible(dir, &format!("ddns-dc_{}_x86_64.apk", version()));
    let pkg = adb::parse(&packed, EPOCH);
    assert_eq!(pkg.info_text(adb::PI_NAME), "ddns-dc");
    assert_eq!(pkg.info_text(adb::PI_VERSION), version());
    assert_eq!(pkg.info_text(adb::PI_ARCH), "x86_64");
    assert_eq!(pkg.info_text(adb::PI_ORIGIN), "ddns-dc");
    assert_eq!(pkg.info_text(adb::PI_MAINTAINER), MAINTAINER);
    assert!(pkg.depends().is_empty(), "no dependencies");
    check_apk_files(&pkg, "ddns-dc", &ddns_dc_files(), &["/etc/config/ddns-dc"]);
    check_apk_scripts(&pkg, "ddns-dc", "");
}

/// luci-app-ddns-dc holds exactly the LuCI recipe's tree.
fn luci_app_packages(dir: &Path) {
    let files = luci_files();
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "/usr/libexec/rpcd/ddns-dc",
            "/usr/share/luci/menu.d/luci-app-ddns-dc.json",
            "/usr/share/rpcd/acl.d/luci-app-ddns-dc.json",
            "/www/luci-static/resources/view/ddns-dc.js",
            "/www/luci-static/resources/view/status/include/70_ddns-dc.js",
        ]
    );
    assert_eq!(
        files["/usr/libexec/rpcd/ddns-dc"].0, 0o755,
        "the rpcd plugin is executable"
    );

    let ipk = reproducible(dir, &format!("luci-app-ddns-dc_{}_all.ipk", version()));
    let (data, control, text) = open_ipk(&ipk);
    check_data(&data, &files);
    let names: Vec<&str> = control.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["./", "./control", "./postinst", "./postinst-pkg", "./prerm"],
        "no conffiles; OpenWrt's postinst runs postinst-pkg"
    );
    assert_eq!(control_field(&text, "Package"), "luci-app-ddns-dc");
    assert_eq!(control_field(&text, "Version"), version());
    assert_eq!(control_field(&text, "Architecture"), "all");
    assert_eq!(control_field(&text, "Depends"), "ddns-dc, luci-base");
    assert_eq!(control_field(&text, "Section"), "luci");
    check_feed_fields(&text);
    let postinst_pkg = String::from_utf8(member(&control, "./postinst-pkg").data.clone()).unwrap();
    assert_eq!(
        postinst_pkg,
        std::fs::read_to_string(top().join("packaging/openwrt/luci-postinst-pkg")).unwrap()
    );
    for m in ["./postinst", "./postinst-pkg", "./prerm"] {
        assert_eq!(member(&control, m).mode, 0o755, "{m}");
    }

    let packed = reproducible(dir, &format!("luci-app-ddns-dc_{}_all.apk", version()));
    let pkg = adb::parse(&packed, EPOCH);
    assert_eq!(pkg.info_text(adb::PI_NAME), "luci-app-ddns-dc");
    assert_eq!(pkg.info_text(adb::PI_VERSION), version());
    assert_eq!(pkg.info_text(adb::PI_ARCH), "noarch", "apk's name for all");
    assert_eq!(pkg.depends(), ["ddns-dc", "luci-base"]);
    assert_eq!(pkg.info_text(adb::PI_ORIGIN), "luci-app-ddns-dc");
    check_apk_files(&pkg, "luci-app-ddns-dc", &files, &[]);
    let own = std::fs::read_to_string(top().join("packaging/openwrt/luci-postinst-pkg")).unwrap();
    let own = lines(own.lines().filter(|l| !l.starts_with('#')));
    check_apk_scripts(&pkg, "luci-app-ddns-dc", &own);
}

/// The translations shipped: po/ directory, luci.mk's package suffix (LUCI_LC_ALIAS) and
/// language name (LUCI_LANG).
const LANGUAGES: &[(&str, &str, &str)] = &[
    ("de", "de", "Deutsch (German)"),
    ("es", "es", "Español (Spanish)"),
    ("zh_Hans", "zh-cn", "简体中文 (Simplified Chinese)"),
];

/// UTC calendar date of a Unix time: (year, month, day, day of the year).
fn utc_date(secs: u64) -> (u64, u64, u64, u64) {
    let days = secs / 86_400;
    let (mut year, mut left) = (1970, days);
    let leap = |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    while left >= if leap(year) { 366 } else { 365 } {
        left -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let doy = left + 1;
    let months = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 1;
    for m in months {
        if left < m {
            break;
        }
        left -= m;
        month += 1;
    }
    (year, month, left + 1, doy)
}

/// luci.mk's PKG_PO_VERSION for the app's po/: with git, the last commit touching it as
/// YY.DDD.SSSSS~HASH; without, 0.YYMMDD.SSSSS (of SOURCE_DATE_EPOCH here).
fn po_version() -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(top().join("openwrt/luci-app-ddns-dc"))
        .args(["log", "-1", "--format=%ct %h", "--abbrev=7", "--", "po"])
        .output();
    let text = out
        .map(|o| String::from_utf8(o.stdout).unwrap())
        .unwrap_or_default();
    match text.split_whitespace().collect::<Vec<_>>()[..] {
        [secs, hash] => {
            let secs: u64 = secs.parse().unwrap();
            let (y, _, _, doy) = utc_date(secs);
            format!("{:02}.{doy:03}.{:05}~{hash}", y % 100, secs % 86_400)
        }
        _ => {
            let (y, m, d, _) = utc_date(EPOCH);
            format!("0.{:02}{m:02}{d:02}.{:05}", y % 100, EPOCH % 86_400)
        }
    }
}

/// luci-i18n-ddns-dc-LANG as luci.mk's LuciTranslation builds them: the .lmo that po2lmo makes
/// of po/LANG/ddns-dc.po and the uci-defaults line adding the language to LuCI's list,
/// depending on the app, architecture all, OpenWrt's generic install scripts only (their
/// default_postinst runs the uci-defaults script), PKG_PO_VERSION.
fn luci_i18n_packages(dir: &Path) {
    let version = po_version();
    let scratch = scratch("lmo");
    for (lang, code, title) in LANGUAGES {
        let name = format!("luci-i18n-ddns-dc-{code}");
        let po = top().join(format!("openwrt/luci-app-ddns-dc/po/{lang}/ddns-dc.po"));
        let lmo = scratch.join(format!("{code}.lmo"));
        let out = support::outside_cargo_test(&mut Command::new(env!("CARGO")))
            .args(["run", "--quiet", "--locked", "--example", "po2lmo", "--"])
            .arg(&po)
            .arg(&lmo)
            .current_dir(top())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let mut files = BTreeMap::new();
        files.insert(
            format!("/etc/uci-defaults/{name}"),
            (
                0o644,
                format!(
                    "uci set luci.languages.{}='{title}'; uci commit luci\n",
                    code.replace('-', "_")
                )
                .into_bytes(),
            ),
        );
        files.insert(
            format!("/usr/lib/lua/luci/i18n/ddns-dc.{code}.lmo"),
            (0o644, std::fs::read(&lmo).unwrap()),
        );

        let ipk = reproducible(dir, &format!("{name}_{version}_all.ipk"));
        let (data, control, text) = open_ipk(&ipk);
        check_data(&data, &files);
        let names: Vec<&str> = control.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["./", "./control", "./postinst", "./prerm"],
            "{name}: no conffiles, no install step of its own"
        );
        assert_eq!(control_field(&text, "Package"), name);
        assert_eq!(control_field(&text, "Version"), version);
        assert_eq!(control_field(&text, "Architecture"), "all");
        assert_eq!(control_field(&text, "Depends"), "luci-app-ddns-dc");
        assert_eq!(control_field(&text, "Section"), "luci");
        assert_eq!(control_field(&text, "SourceName"), "luci-app-ddns-dc");
        check_feed_fields(&text);
        assert_eq!(
            control_field(&text, "Description"),
            format!("Translation for luci-app-ddns-dc - {title}")
        );
        for m in ["./postinst", "./prerm"] {
            assert_eq!(member(&control, m).mode, 0o755, "{m}");
        }

        let packed = reproducible(dir, &format!("{name}_{version}_all.apk"));
        let pkg = adb::parse(&packed, EPOCH);
        assert_eq!(pkg.info_text(adb::PI_NAME), name);
        assert_eq!(pkg.info_text(adb::PI_VERSION), version);
        assert_eq!(pkg.info_text(adb::PI_ARCH), "noarch");
        assert_eq!(pkg.info_text(adb::PI_ORIGIN), "luci-app-ddns-dc");
        assert_eq!(pkg.depends(), ["luci-app-ddns-dc"]);
        check_apk_files(&pkg, &name, &files, &[]);
        check_apk_scripts(&pkg, &name, "");
    }
    let built: Vec<String> = std::fs::read_dir(dir.join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("luci-i18n-"))
        .collect();
    assert_eq!(
        built.len(),
        2 * LANGUAGES.len(),
        "one .ipk and one .apk per language: {built:?}"
    );
    std::fs::remove_dir_all(&scratch).unwrap();
}

/// `openwrt/test.sh` as the packages feed's CI runs it after installing a package
/// (`sh test.sh PKG_NAME PKG_VERSION`, the version without its release), here with the binary
/// under test installed as `ddns-dc` on PATH: it passes for the package's version, fails for
/// another one and when ddns-dc is missing, and passes for the packages without a program.
#[test]
fn feed_test_script_checks_the_installed_binarys_version() {
    feed_test_script_under(&["sh"], "feedtest");
}

/// The same under busybox's sh, the router's shell.
#[test]
#[ignore = "needs busybox (Debian's busybox-static)"]
fn feed_test_script_under_busybox_sh() {
    support::require(
        Path::new("/bin/busybox").is_file(),
        "/bin/busybox (apt-get install busybox-static)",
    );
    feed_test_script_under(&["/bin/busybox", "sh"], "feedtest-busybox");
}

fn feed_test_script_under(shell: &[&str], tag: &str) {
    let dir = scratch(tag);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(support::ddns_bin(), bin.join("ddns-dc")).unwrap();
    let script = top().join("openwrt/test.sh");
    assert_eq!(
        std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let shells = [shell
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<String>>()];
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let run = |shell: &[String], path: &str, args: &[&str]| {
        Command::new(&shell[0])
            .args(&shell[1..])
            .arg(&script)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .output()
            .unwrap()
    };
    let version = env!("CARGO_PKG_VERSION");
    for shell in &shells {
        let ok = run(shell, &path, &["ddns-dc", version]);
        assert!(ok.status.success(), "{shell:?}: {ok:?}");
        assert_eq!(
            String::from_utf8_lossy(&ok.stdout),
            format!("ddns {version}\n")
        );

        let other = run(shell, &path, &["ddns-dc", "0.1"]);
        assert_eq!(other.status.code(), Some(1), "{shell:?}: {other:?}");
        assert_eq!(
            String::from_utf8_lossy(&other.stdout),
            format!("ddns-dc --version printed 'ddns {version}', not version 0.1\n")
        );

        let missing = run(shell, "/usr/bin:/bin", &["ddns-dc", version]);
        assert_eq!(missing.status.code(), Some(1), "{shell:?}: {missing:?}");
        assert!(String::from_utf8_lossy(&missing.stdout).starts_with("ddns-dc --version failed: "));

        for other_pkg in ["luci-app-ddns-dc", "luci-i18n-ddns-dc-de"] {
            let out = run(shell, "/usr/bin:/bin", &[other_pkg, version]);
            assert!(
                out.status.success() && out.stdout.is_empty(),
                "{other_pkg}: {out:?}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What the feeds ask of a recipe: a maintainer in `Name <email>` form, the license as the
/// crate declares it, the license texts named by PKG_LICENSE_FILES present where the recipe
/// is built from (the source tree for ddns-dc, the recipe directory for the LuCI app); the
/// packages' fields say the same (`check_feed_fields`).
#[test]
fn recipes_name_maintainer_license_and_license_files() {
    let maintainer = MAINTAINER;
    for (recipe, tree) in [
        ("openwrt/Makefile", top()),
        (
            "openwrt/luci-app-ddns-dc/Makefile",
            top().join("openwrt/luci-app-ddns-dc"),
        ),
    ] {
        let text = std::fs::read_to_string(top().join(recipe)).unwrap();
        let line = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}:=")))
                .unwrap_or_else(|| panic!("{recipe}: no {k}:="))
                .to_string()
        };
        assert_eq!(line("PKG_MAINTAINER"), maintainer, "{recipe}");
        assert_eq!(line("PKG_LICENSE"), env!("CARGO_PKG_LICENSE"), "{recipe}");
        assert_eq!(
            line("PKG_LICENSE_FILES"),
            "LICENSE-APACHE LICENSE-MIT",
            "{recipe}"
        );
        for f in ["LICENSE-APACHE", "LICENSE-MIT"] {
            assert_eq!(
                std::fs::read(tree.join(f)).unwrap_or_default(),
                std::fs::read(top().join(f)).unwrap(),
                "{recipe}: {f} is the repository's"
            );
        }
    }
    let apache = std::fs::read_to_string(top().join("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License\n                        Version 2.0, January 2004"));
    let mit = std::fs::read_to_string(top().join("LICENSE-MIT")).unwrap();
    assert!(mit.starts_with("MIT License\n\nCopyright (c) "));
}

/// The maintainer of every recipe and package.
const MAINTAINER: &str = "ddns developers <ddns@users.noreply.github.com>";

/// The control fields the feeds' recipes put into every package: maintainer and license.
fn check_feed_fields(text: &str) {
    assert_eq!(control_field(text, "Maintainer"), MAINTAINER);
    assert_eq!(control_field(text, "License"), env!("CARGO_PKG_LICENSE"));
    assert_eq!(
        control_field(text, "LicenseFiles"),
        "LICENSE-APACHE LICENSE-MIT"
    );
}

/// The budgets `docs/size.md` states, on what ships: every binary of `packaging/build-all` at
/// most 2,000,000 bytes, and every `ddns-dc` package made from the router binaries at most
/// 1,000,000 (the smallest routers' flash); a binary that grew past them fails here, not on a
/// router.
#[test]
#[ignore = "needs the dist/ binaries of packaging/build-all"]
fn shipped_binaries_and_packages_fit_their_budgets() {
    const BINARY: u64 = 2_000_000;
    const PACKAGE: u64 = 1_000_000;
    let dist = top().join("dist");
    let routers = [
        ("amd64", "x86_64"),
        ("arm64", "aarch64_generic"),
        ("arm", "arm_cortex-a7_neon-vfpv4"),
        ("mipsle", "mipsel_24kc"),
        ("mips", "mips_24kc"),
    ];
    let mut script = Command::new(top().join("packaging/openwrt-packages"));
    let out = scratch("budgets");
    script.arg(&out);
    let mut over = Vec::new();
    for file in routers
        .iter()
        .map(|(arch, _)| format!("ddns-{arch}"))
        .chain(["ddns-windows-amd64.exe".to_string()])
    {
        let path = dist.join(&file);
        support::require(
            path.exists(),
            &format!("{} (run packaging/build-all)", path.display()),
        );
        let size = std::fs::metadata(&path).unwrap().len();
        if size > BINARY {
            over.push(format!("{file}: {size} bytes (at most {BINARY})"));
        }
    }
    for (arch, openwrt) in routers {
        script.arg(format!(
            "{}={openwrt}",
            dist.join(format!("ddns-{arch}")).display()
        ));
    }
    let status = support::outside_cargo_test(&mut script)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut packages = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.starts_with("ddns-dc_") {
            packages += 1;
            let size = entry.metadata().unwrap().len();
            if size > PACKAGE {
                over.push(format!("{name}: {size} bytes (at most {PACKAGE})"));
            }
        }
    }
    // An .ipk and an .apk for each of the five.
    assert_eq!(packages, 10, "packages made in {}", out.display());
    assert!(over.is_empty(), "over budget:\n{}", over.join("\n"));
    std::fs::remove_dir_all(&out).unwrap();
}
