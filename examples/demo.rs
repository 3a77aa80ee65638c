//! A tour of `ddns` on a machine with no domain and no internet: starts the test suite's fake
//! Domain Connect provider and DNS server on loopback, builds the real `ddns` binary and drives
//! it through setup, update and check, printing what a user would see.
//!
//! Run with `cargo run --example demo`. The shipped binary carries none of this code: the
//! binary is pointed at the fake world only through `DDNS_STATE`, `DDNS_RESOLVER`,
//! `DDNS_IP_SOURCES` and `SSL_CERT_FILE`, as a user could do.

#![allow(
    clippy::unwrap_used,
    reason = "a demo that cannot run should stop loudly"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use support::provider::Route;
use support::{NAME, Run, World};

fn main() {
    let bin = build_ddns();
    let w = World::new(&bin, "demo");
    println!(
        "A fake DNS provider (\"Fake DNS\") now hosts example.com on 127.0.0.1:{},",
        w.fake.port
    );
    println!(
        "with a fake DNS server on {} and a test CA in {}.",
        w.dns,
        w.ca_file.display()
    );
    println!("ddns is pointed at them with these settings:");
    println!("  DDNS_STATE={}", w.state.display());
    println!("  DDNS_RESOLVER={}", w.dns);
    println!("  DDNS_IP_SOURCES={}", w.echo_url());
    println!("  SSL_CERT_FILE={}", w.ca_file.display());
    println!("  DDNS_RUN_DIR={}", w.run_arg.display());

    step(
        "ddns probe home.example.com",
        "(will it work with this domain? nothing is set up or written yet)",
    );
    let probe = w.run(&["probe", NAME]);
    show(&probe);
    // The probe asks the echo for IPv6 too where this machine has a global IPv6 route.
    let v6 = !probe.stdout.contains("IPv6 no global route");

    step(
        "ddns setup home.example.com --ipv4",
        "(ddns prints a consent URL; the demo plays the browser, approves, and pastes the address the page ended on)",
    );
    show(&w.setup(&["--ipv4"]));

    step("ddns update", "");
    show(&w.run(&["update"]));

    step("ddns check", "");
    show(&w.run(&["check"]));

    step(
        "ddns update",
        "(nothing changed: no request to the provider, no write to the state file)",
    );
    let before = w.state_file();
    show(&w.run(&["update"]));
    let after = w.state_file();
    println!(
        "  [state file written: {}]",
        if before == after { "no" } else { "yes" }
    );

    w.set_public_v4("81.2.69.160");
    step(
        "ddns check",
        "(the ISP handed out a new address: an update is due, exit status 1)",
    );
    show(&w.run(&["check"]));

    step("ddns update", "");
    show(&w.run(&["update"]));

    step("ddns check --json", "");
    show(&w.run(&["check", "--json"]));

    step(
        "ddns status",
        "(what the last update did, read from the state and a file in RAM: no packet)",
    );
    show(&w.run(&["status"]));

    step("ddns health", "(for a container's HEALTHCHECK)");
    show(&w.run(&["health"]));

    // The fake is strict, as in the tests: these are the requests the tour makes (a probe's
    // discovery and detection; a setup; three updates and three checks that each detect; two
    // of the updates apply).
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Settings, 1), (Route::Template, 1)]);
    w.expect_all(&[(Route::Echo, 7 + usize::from(v6)), (Route::Apply, 2)]);
    let p = w.provider();
    println!(
        "\nThe fake provider saw: settings {}, template {}, consent {}, token {}, refresh {}, apply {}, echo {}.",
        p.count(Route::Settings),
        p.count(Route::Template),
        p.count(Route::Consent),
        p.count(Route::TokenCode),
        p.count(Route::TokenRefresh),
        p.count(Route::Apply),
        p.count(Route::Echo)
    );
    println!(
        "Its zone now answers {NAME} A {:?}.",
        w.zones().addresses.get(NAME)
    );
}

fn step(command: &str, note: &str) {
    println!("\n$ {command}");
    if !note.is_empty() {
        println!("  {note}");
    }
}

fn show(run: &Run) {
    for line in run.stdout.lines() {
        println!("{line}");
    }
    for line in run.stderr.lines() {
        println!("{line}");
    }
    println!(
        "  [exit status {}]",
        run.code.map_or("killed".to_string(), |c| c.to_string())
    );
}

/// Build the real binary with the same profile as this example, and return its path.
fn build_ddns() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|p| p.parent()).unwrap().to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["build", "--quiet", "--bin", "ddns"]);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "building ddns failed");
    profile_dir.join("ddns")
}
