//! The real binary against the fake provider: setup, update, check, remove.

mod support;

use support::World;

fn world(tag: &str) -> World {
    World::new(std::path::Path::new(env!("CARGO_BIN_EXE_ddns")), tag)
}

#[test]
fn setup_with_pasted_redirect_url_then_update_and_check() {
    let w = world("happy");
    let setup = w.setup(&["--ipv4"]);
    assert_eq!(setup.code, Some(0), "{setup:?}");
    assert!(setup.stdout.contains("home.example.com is set up with Fake DNS (dynamicdns-v2, A record)"), "{setup:?}");
    let up = w.run(&["update"]);
    assert_eq!(up.code, Some(0), "{up:?}");
    assert_eq!(up.stdout, "home.example.com A 81.2.69.142 published\n");
    let check = w.run(&["check"]);
    assert_eq!(check.code, Some(0), "{check:?}");
    w.assert_no_unexpected();
    for r in [&setup, &up, &check] {
        w.assert_no_secrets(&format!("{}{}", r.stdout, r.stderr));
    }
}

#[test]
fn zz_print() {
    let w = world("print");
    let s = w.setup(&["--ipv4", "--ipv6"]);
    println!("{}{}", s.stdout, s.stderr);
    let u = w.run(&["update"]);
    println!("{}{}", u.stdout, u.stderr);
    let c = w.run(&["check"]);
    println!("{:?}{}{}", c.code, c.stdout, c.stderr);
    let c = w.run(&["check", "--json"]);
    println!("{:?}{}{}", c.code, c.stdout, c.stderr);
    println!("{}", String::from_utf8_lossy(&w.state_bytes()));
}
