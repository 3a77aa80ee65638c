//! The OpenWrt shell hooks run by busybox's ash in a chroot, as the router runs them: the WAN
//! hotplug hook (sourced like hotplug-call does, with stub OpenWrt libraries driven by
//! environment variables and a stub `ddns-dc` that records its arguments), the package's
//! postinst, the on_change example (stub `logger` and `wget`), the rpcd plugin wrapper of
//! luci-app-ddns-dc (run like rpcd runs it, with JSON on stdin) and that package's install step.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::timing::{eventually, timing};

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A chroot with busybox as /bin/sh, stub OpenWrt libraries driven by environment variables,
/// the real hook, and a stub ddns-dc that records each argument as `[ARG]`, one run a line
/// (after sleeping DDNS_STUB_SLEEP seconds).
struct Router {
    root: PathBuf,
}

const FUNCTIONS_SH: &str = r#"
config_load() { [ "$1" = ddns-dc ] || echo "config_load $1" >> /calls; }
config_get() {
    eval "ddns_stub_v=\${UCI_${2}_${3}-}"
    [ -n "$ddns_stub_v" ] || ddns_stub_v="$4"
    eval "$1=\"\$ddns_stub_v\""
}
config_get_bool() {
    config_get "$@"
    eval "case \"\$$1\" in 1|on|true|yes|enabled) $1=1 ;; *) $1=0 ;; esac"
}
default_postinst() { echo "default_postinst $*" >> /calls; }
default_prerm() { echo "default_prerm $*" >> /calls; }
"#;

/// network.sh's list functions: NET_<iface>_v4 / NET_<iface>_v6 hold space-separated addresses.
const NETWORK_SH: &str = r#"
network_get_ipaddrs() { eval "$1=\${NET_${2}_v4-}"; eval "[ -n \"\${NET_${2}_v4-}\" ]"; }
network_get_ipaddrs6() { eval "$1=\${NET_${2}_v6-}"; eval "[ -n \"\${NET_${2}_v6-}\" ]"; }
"#;

const STUB_DDNS: &str = "#!/bin/sh\nsleep \"${DDNS_STUB_SLEEP:-0}\"\n\
    echo \"${DDNS_ON_CHANGE_DIRS-unset}\" >> /dirs\n\
    for a in \"$@\"; do printf '[%s]' \"$a\"; done >> /calls\necho >> /calls\n";

/// OpenWrt's `uci -q get ddns-dc.hook.OPTION`, from the same UCI_hook_OPTION variables.
const STUB_UCI: &str = "#!/bin/sh\n[ \"$1 $2\" = \"-q get\" ] || exit 1\n\
    eval \"printf '%s\\n' \\\"\\${UCI_hook_${3##*.}-}\\\"\"\n";

impl Router {
    /// A router root with a static busybox; the test fails without root or busybox-static.
    fn new(tag: &str) -> Router {
        support::require_root("chroot");
        let busybox = ["/bin/busybox", "/usr/bin/busybox"]
            .iter()
            .map(Path::new)
            .find(|p| p.exists());
        support::require(
            busybox.is_some(),
            "busybox (apt-get install busybox-static)",
        );
        let busybox = busybox.unwrap();
        let ldd = Command::new("ldd")
            .arg(busybox)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        support::require(
            !ldd.contains("=>"),
            &format!(
                "a static busybox, not {} (apt-get install busybox-static)",
                busybox.display()
            ),
        );
        let root = std::env::temp_dir().join(format!("ddns-owhook-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in [
            "bin",
            "dev",
            "lib/functions",
            "usr/bin",
            "etc/hotplug.d/iface",
            "etc/init.d",
            "usr/libexec/rpcd",
            "tmp",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let null = root.join("dev/null");
        let made = Command::new("mknod")
            .arg(&null)
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mknod /dev/null");
        std::fs::set_permissions(&null, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
        for applet in ["sh", "sleep", "echo", "cat", "printf", "rm", "ls"] {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
        }
        let r = Router { root };
        r.write("lib/functions.sh", FUNCTIONS_SH, 0o644);
        r.write("lib/functions/network.sh", NETWORK_SH, 0o644);
        r.write("usr/bin/ddns-dc", STUB_DDNS, 0o755);
        r.write("bin/uci", STUB_UCI, 0o755);
        r.copy(
            "openwrt/files/ddns-dc.hotplug",
            "etc/hotplug.d/iface/96-ddns-dc",
            0o644,
        );
        r.copy("openwrt/files/postinst", "postinst", 0o755);
        r
    }

    fn write(&self, path: &str, text: &str, mode: u32) {
        let p = self.root.join(path);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn copy(&self, from: &str, to: &str, mode: u32) {
        let text = std::fs::read_to_string(top().join(from)).unwrap();
        self.write(to, &text, mode);
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.root.join("calls")).unwrap_or_default()
    }

    /// Run `args` in the chroot with only `env` (and PATH), `input` on stdin.
    fn run(&self, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
        let mut cmd = Command::new("chroot");
        cmd.arg(&self.root).args(args);
        cmd.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Source the hook as hotplug-call does (in a subshell) with this environment; returns how
    /// long it took and what the stub recorded once it had time to run (`expect_call`: wait for
    /// a line, else a short while to see that none comes).
    fn hotplug(&self, env: &[(&str, &str)], expect_call: bool) -> (Duration, String) {
        let _ = std::fs::remove_file(self.root.join("calls"));
        let started = Instant::now();
        let out = self.run(
            &[
                "/bin/sh",
                "-c",
                "( . /etc/hotplug.d/iface/96-ddns-dc ); echo hook-returned",
            ],
            env,
            "",
        );
        let took = started.elapsed();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("hook-returned"),
            "{out:?}"
        );
        if expect_call {
            eventually("the stub ddns-dc's call", || self.calls().ends_with('\n'));
        } else {
            // Long enough for a call that should not come.
            std::thread::sleep(timing().at_once);
        }
        (took, self.calls())
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `[ARG]` per argument, as the stub records them.
fn recorded(args: &[&str]) -> String {
    let mut s: String = args.iter().map(|a| "[".to_string() + a + "]").collect();
    s.push('\n');
    s
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn hotplug_hook_returns_at_once_and_the_update_runs_in_the_background() {
    let r = Router::new("bg");
    let stub_sleep = timing().soon.as_secs().to_string();
    let (took, calls) = r.hotplug(
        &[
            ("ACTION", "ifup"),
            ("INTERFACE", "wan"),
            ("NET_wan_v4", "81.2.69.142"),
            // The update takes longer than "at once".
            ("DDNS_STUB_SLEEP", &stub_sleep),
        ],
        true,
    );
    assert!(took < timing().at_once, "the hook returned after {took:?}");
    assert_eq!(
        calls,
        recorded(&["--syslog", "update", "--ip-hint", "81.2.69.142"])
    );
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn hotplug_hook_passes_every_address_as_a_hint_and_decides_nothing() {
    let r = Router::new("hints");
    let up = |iface: &str, v4: &str, v6: &str| -> String {
        let (v4k, v6k) = (format!("NET_{iface}_v4"), format!("NET_{iface}_v6"));
        let mut env = vec![("ACTION", "ifup"), ("INTERFACE", iface)];
        if !v4.is_empty() {
            env.push((&v4k, v4));
        }
        if !v6.is_empty() {
            env.push((&v6k, v6));
        }
        r.hotplug(&env, true).1
    };
    // One address: passed whatever it is; the binary decides whether it may be published
    // (private, carrier NAT, documentation, 6to4, benchmarking and reserved ranges included).
    for addr in [
        "81.2.69.142",
        "192.168.0.7",
        "10.0.0.1",
        "100.72.1.1",
        "192.0.0.9",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "198.18.0.1",
        "240.0.0.1",
    ] {
        assert_eq!(
            up("wan", addr, ""),
            recorded(&["--syslog", "update", "--ip-hint", addr]),
            "{addr}"
        );
    }
    for addr in [
        "2a02:898:0:20::1",
        "2001:db8::1",
        "2002:c000:204::1",
        "3fff::1",
        "fd00::1",
    ] {
        assert_eq!(
            up("wan6", "", addr),
            recorded(&["--syslog", "update", "--ip-hint", addr]),
            "{addr}"
        );
    }
    // Several addresses of both families: all of them, IPv4 first.
    assert_eq!(
        up("wan", "81.2.69.142 100.64.0.9", "2a02:898:0:20::1 fd00::1"),
        recorded(&[
            "--syslog",
            "update",
            "--ip-hint",
            "81.2.69.142",
            "--ip-hint",
            "100.64.0.9",
            "--ip-hint",
            "2a02:898:0:20::1",
            "--ip-hint",
            "fd00::1",
        ])
    );
    // No address: no hint.
    assert_eq!(up("wan", "", ""), recorded(&["--syslog", "update"]));
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn hotplug_hook_settings_and_events() {
    // Each case: the hook's environment, and the arguments ddns-dc gets (None: not run).
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a [&'a str]>);
    let r = Router::new("settings");
    let cases: &[Case] = &[
        (
            &[
                ("ACTION", "ifupdate"),
                ("INTERFACE", "wan6"),
                ("NET_wan6_v6", "2a02:898:0:20::1"),
            ],
            Some(&["--syslog", "update", "--ip-hint", "2a02:898:0:20::1"]),
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_name", "home.example.com"),
            ],
            Some(&["--syslog", "update", "--", "home.example.com"]),
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("NET_wan_v4", "81.2.69.142"),
                ("UCI_hook_on_change", "/etc/ddns/on-change"),
                ("UCI_hook_name", "home.example.com"),
            ],
            Some(&[
                "--syslog",
                "update",
                "--ip-hint",
                "81.2.69.142",
                "--on-change",
                "/etc/ddns/on-change",
                "--",
                "home.example.com",
            ]),
        ),
        (
            // The list of names (config_get joins it with blanks): each one argument after
            // `--`, never globbed (there are files in the hook's directory).
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_name", "home.example.com * --force"),
            ],
            Some(&[
                "--syslog",
                "update",
                "--",
                "home.example.com",
                "*",
                "--force",
            ]),
        ),
        (
            // The free-form `args` of the previous release is no longer read.
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_args", "--force *"),
            ],
            Some(&["--syslog", "update"]),
        ),
        (
            // A path with a space stays one argument.
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_on_change", "/etc/ddns/my hook"),
            ],
            Some(&["--syslog", "update", "--on-change", "/etc/ddns/my hook"]),
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wanb"),
                ("UCI_hook_interface", "wanb"),
            ],
            Some(&["--syslog", "update"]),
        ),
        (&[("ACTION", "ifdown"), ("INTERFACE", "wan")], None),
        (&[("ACTION", "ifup-failed"), ("INTERFACE", "wan")], None),
        (&[("ACTION", "ifup"), ("INTERFACE", "lan")], None),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_enabled", "0"),
            ],
            None,
        ),
    ];
    for (env, expected) in cases {
        let _ = std::fs::remove_file(r.root.join("dirs"));
        let (took, calls) = r.hotplug(env, expected.is_some());
        assert!(
            took < timing().at_once,
            "{env:?}: the hook returned after {took:?}"
        );
        assert_eq!(calls, expected.map(recorded).unwrap_or_default(), "{env:?}");
        if expected.is_some() {
            // The on_change program runs only from the package's directories (issue 22).
            assert_eq!(
                std::fs::read_to_string(r.root.join("dirs")).unwrap(),
                "/etc/ddns:/usr/share/ddns-dc\n",
                "{env:?}"
            );
        }
    }
}

/// The cron line of openwrt/files/crontab.example (which the router page's `schedule` writes
/// too), run as busybox crond runs it (`/bin/sh -c`) with a stub `uci`: the names of the UCI
/// list, each one argument after `--` and never globbed, the on_change program as one
/// argument, and the directories it may come from.
#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn cron_line_passes_the_names_and_the_program_and_globs_nothing() {
    let r = Router::new("cron");
    let example = std::fs::read_to_string(top().join("openwrt/files/crontab.example")).unwrap();
    let line = example.lines().find(|l| !l.starts_with('#')).unwrap();
    let command = line.splitn(6, ' ').nth(5).unwrap();
    let out = r.run(
        &["/bin/sh", "-c", &format!("cd / && {command}")],
        &[
            ("UCI_hook_name", "home.example.com *"),
            ("UCI_hook_on_change", "/etc/ddns/my hook"),
        ],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r.calls(),
        recorded(&[
            "--syslog",
            "update",
            "--on-change",
            "/etc/ddns/my hook",
            "--",
            "home.example.com",
            "*",
        ])
    );
    assert_eq!(
        std::fs::read_to_string(r.root.join("dirs")).unwrap(),
        "/etc/ddns:/usr/share/ddns-dc\n"
    );
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn postinst_calls_default_postinst() {
    let r = Router::new("postinst");
    let out = r.run(&["/bin/sh", "/postinst"], &[("IPKG_INSTROOT", "")], "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(r.calls(), "default_postinst /postinst\n");
    let out = r.run(&["/bin/sh", "/postinst"], &[("IPKG_NO_SCRIPT", "1")], "");
    assert!(out.status.success());
    assert_eq!(r.calls().lines().count(), 1, "IPKG_NO_SCRIPT=1 skips it");
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn on_change_example_logs_and_posts_without_printing_the_address() {
    let r = Router::new("onchange");
    let record = "#!/bin/sh\nprintf '%s' \"$(basename \"$0\")\" >> /calls\n\
        for a in \"$@\"; do printf ' [%s]' \"$a\"; done >> /calls\necho >> /calls\n";
    r.write("usr/bin/logger", record, 0o755);
    r.write(
        "usr/bin/wget",
        &format!("{record}exit \"${{WGET_EXIT:-0}}\"\n"),
        0o755,
    );
    std::os::unix::fs::symlink("busybox", r.root.join("bin/basename")).unwrap();
    let example = std::fs::read_to_string(top().join("openwrt/files/on-change.example")).unwrap();
    assert!(example.contains("\nURL=\"\"\n"), "URL is set at the top");
    r.write("log-only", &example, 0o755);
    let secret_url = "https://ntfy.example/topic-s3cret";
    r.write(
        "notify",
        &example.replace("\nURL=\"\"\n", &format!("\nURL=\"{secret_url}\"\n")),
        0o755,
    );
    let changed = [
        ("DDNS_NAME", "home.example.com"),
        ("DDNS_RECORD", "A"),
        ("DDNS_OLD", "81.2.69.142"),
        ("DDNS_NEW", "81.2.69.160"),
        ("DDNS_STATUS", "ok"),
        ("DDNS_MESSAGE", ""),
    ];
    let line = "home.example.com A 81.2.69.142 -> 81.2.69.160: ok";

    let out = r.run(&["/log-only"], &changed, "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r.calls(),
        format!("logger [-t] [ddns-dc-on-change] [{line}]\n")
    );

    let _ = std::fs::remove_file(r.root.join("calls"));
    let out = r.run(&["/notify"], &changed, "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r.calls(),
        format!(
            "logger [-t] [ddns-dc-on-change] [{line}]\n\
             wget [-q] [-O] [/dev/null] [--post-data={line}] [{secret_url}]\n"
        )
    );

    // A failed update with no new address; a failed notification is logged without the URL.
    let _ = std::fs::remove_file(r.root.join("calls"));
    let failed = [
        ("DDNS_NAME", "home.example.com"),
        ("DDNS_STATUS", "error"),
        ("DDNS_MESSAGE", "the provider refused the update"),
        ("WGET_EXIT", "1"),
    ];
    let out = r.run(&["/notify"], &failed, "");
    let calls = r.calls();
    let line = "home.example.com ? none -> none: error (the provider refused the update)";
    assert!(
        calls.starts_with(&format!("logger [-t] [ddns-dc-on-change] [{line}]\n")),
        "{calls}"
    );
    assert!(calls.ends_with(
        "logger [-t] [ddns-dc-on-change] [could not send the notification for home.example.com]\n"
    ));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!printed.contains("s3cret"), "{printed}");
    assert_eq!(
        calls.matches("s3cret").count(),
        1,
        "the address only reaches wget: {calls}"
    );
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn rpcd_plugin_wrapper_passes_arguments_and_stdin_through() {
    let r = Router::new("rpcd");
    r.copy(
        "openwrt/luci-app-ddns-dc/root/usr/libexec/rpcd/ddns-dc",
        "usr/libexec/rpcd/ddns-dc",
        0o755,
    );
    let wrapper = std::fs::read_to_string(
        top().join("openwrt/luci-app-ddns-dc/root/usr/libexec/rpcd/ddns-dc"),
    )
    .unwrap();
    assert_eq!(wrapper, "#!/bin/sh\nexec /usr/bin/ddns-dc rpcd \"$@\"\n");
    r.write(
        "usr/bin/ddns-dc",
        "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\necho\ncat\n",
        0o755,
    );
    // rpcd executes the plugin itself (no shell of its own): `NAME list` with stdin on
    // /dev/null, `NAME call METHOD` with the arguments as JSON on stdin.
    let out = r.run(&["/usr/libexec/rpcd/ddns-dc", "list"], &[], "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[rpcd][list]\n");
    let input = r#"{"name":"home.example.com","force":false,"ubus_rpc_session":"0123"}"#;
    let out = r.run(&["/usr/libexec/rpcd/ddns-dc", "call", "update"], &[], input);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("[rpcd][call][update]\n{input}")
    );
    let out = r.run(
        &["/usr/libexec/rpcd/ddns-dc", "call", "odd name", "*"],
        &[],
        "{}",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[rpcd][call][odd name][*]\n{}"
    );
}

#[test]
#[ignore = "needs root and busybox-static (a chroot with busybox ash)"]
fn luci_app_install_step_clears_luci_caches_and_reloads_rpcd() {
    let r = Router::new("lucipost");
    r.copy("packaging/openwrt/luci-postinst-pkg", "postinst-pkg", 0o755);
    r.write(
        "etc/init.d/rpcd",
        "#!/bin/sh\necho \"rpcd $*\" >> /calls\n",
        0o755,
    );
    let fill = |r: &Router| {
        std::fs::write(r.root.join("tmp/luci-indexcache.abc"), "x").unwrap();
        std::fs::create_dir_all(r.root.join("tmp/luci-modulecache")).unwrap();
        std::fs::write(r.root.join("tmp/luci-modulecache/m"), "x").unwrap();
    };
    // In an image build (IPKG_INSTROOT set) it does nothing.
    fill(&r);
    let out = r.run(
        &["/bin/sh", "/postinst-pkg"],
        &[("IPKG_INSTROOT", "/img")],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    assert!(r.root.join("tmp/luci-indexcache.abc").exists());
    assert_eq!(r.calls(), "");
    // On the router: caches gone, rpcd reloaded (it reads the new plugin and ACL).
    let out = r.run(&["/bin/sh", "/postinst-pkg"], &[], "");
    assert!(out.status.success(), "{out:?}");
    assert!(!r.root.join("tmp/luci-indexcache.abc").exists());
    assert!(!r.root.join("tmp/luci-modulecache").exists());
    assert_eq!(r.calls(), "rpcd reload\n");
}
