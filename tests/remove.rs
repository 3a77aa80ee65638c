//! `ddns remove` end to end: the name and its grant are forgotten, and removing it again is a
//! usage error.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::{NAME, published};

#[test]
fn remove_forgets_the_name() {
    let w = published("remove");
    let r = w.run(&["remove", NAME]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.starts_with("home.example.com removed:"), "{r:?}");
    assert!(w.state_json()["names"].as_object().unwrap().is_empty());
    let again = w.run(&["remove", NAME]);
    assert_eq!(again.code, Some(2));
}
