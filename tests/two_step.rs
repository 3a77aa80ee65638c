//! The two-step setup a web page (or a script) drives: `setup --begin` stores a pending consent
//! and prints the URL, `setup --code` finishes it later without discovering again; `check`
//! lists pending names and `remove` drops them. And the JSON documents of `setup`, `update`
//! and `check`, which carry no secret.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::Value;
use support::provider::{Canned, Route};
use support::{NAME, Run, SETUP, World, world};

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
}

fn begin(w: &World, extra: &[&str]) -> Value {
    let mut args = vec!["setup", NAME, "--begin", "--json"];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert_eq!(r.code, Some(0), "{r:?}");
    w.assert_no_secrets(&r.stdout);
    json(&r)
}

#[test]
fn begin_then_finish_with_the_pasted_address() {
    let w = world("two-step");
    let b = begin(&w, &["--ipv4"]);
    assert_eq!(b["name"], NAME);
    assert_eq!(b["provider"], "Fake DNS");
    let url = b["url"].as_str().unwrap();
    assert!(url.starts_with(&format!(
        "https://ux.provider.test:{}/v2/domainTemplates/providers/domainconnect.org?",
        w.fake.port
    )));
    let expires = b["expires_at"].as_u64().unwrap();
    let pending = &w.state_json()["pending"][NAME];
    assert_eq!(pending["started_at"].as_u64().unwrap() + 3600, expires);
    assert_eq!(b.as_object().unwrap().len(), 4, "{b}");

    // Waiting: check lists it (exit 1), update has nothing to do for it.
    let c = w.run(&["check", "--json"]);
    assert_eq!(c.code, Some(1), "{c:?}");
    let doc = json(&c);
    assert_eq!(doc["names"][0]["status"], "pending");
    assert_eq!(doc["names"][0]["pending"]["provider"], "Fake DNS");
    let text = w.run(&["check"]);
    // (The times depend on how fast this machine is: only their words are checked.)
    assert!(
        text.stdout
            .starts_with("home.example.com: pending: waiting for consent at Fake DNS since ")
            && text
                .stdout
                .contains(" ago: finish with `ddns setup home.example.com --code CODE` within "),
        "{text:?}"
    );
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(2), "{u:?}");

    // The owner consents in a browser and pastes where the page ended: finished without
    // discovering again.
    let redirect = w.browse(url);
    let f = w.run(&["setup", NAME, "--code", &redirect, "--json"]);
    assert_eq!(f.code, Some(0), "{f:?}");
    assert_eq!(
        json(&f),
        serde_json::json!({"name": NAME, "provider": "Fake DNS", "template": "dynamicdns-v2", "records": ["A"], "replaced": false})
    );
    assert!(w.state_json().get("pending").is_none());

    let u = w.run(&["update", "--json"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    assert_eq!(
        json(&u),
        serde_json::json!({"names": [{"name": NAME, "status": "ok", "records": [{"record": "A", "old": null, "new": "81.2.69.142", "action": "published", "why": null}], "error": null, "errors": [], "warnings": [], "verified": null}], "exit": 0})
    );
    let c = w.run(&["check", "--json"]);
    assert_eq!(json(&c)["names"][0]["status"], "in-sync");
    for r in [&f, &u, &c] {
        w.assert_no_secrets(&format!("{}{}", r.stdout, r.stderr));
    }
    // One discovery (at --begin), the consent, one code exchange; the checks of a pending
    // name and the update with nothing set up asked nothing; then an update and a check.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
}

#[test]
fn a_wrong_paste_keeps_the_pending_consent() {
    let w = world("two-step-wrong");
    let b = begin(&w, &["--ipv4"]);
    let before = w.state_file();
    let foreign = "https://dynamicdns.domainconnect.org/ddnscode?code=abc&state=not-ours";
    let r = w.run(&["setup", NAME, "--code", foreign]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("belongs to a different setup attempt"),
        "{r:?}"
    );
    assert_eq!(w.state_file(), before, "the pending consent stays");
    let unknown = w.run(&["setup", NAME, "--code", "not-a-code-the-provider-issued"]);
    assert_eq!(unknown.code, Some(4), "{unknown:?}");
    assert_eq!(w.state_file(), before);
    // The right one still works.
    let redirect = w.browse(b["url"].as_str().unwrap());
    let f = w.run(&["setup", NAME, "--code", &redirect]);
    assert_eq!(f.code, Some(0), "{f:?}");
    assert_eq!(
        f.stdout,
        "home.example.com is set up with Fake DNS (dynamicdns-v2, A record); run `ddns update` to publish the address\n"
    );
    // The foreign paste was refused before any request; the unknown code by the provider.
    w.expect_all(&SETUP);
    w.expect(Route::TokenCode, 1);
}

#[test]
fn a_set_up_name_keeps_its_grant_until_the_new_consent_is_finished() {
    let w = world("two-step-reconnect");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    let b = begin(&w, &["--ipv4"]);
    // Meanwhile updates go on with the old grant, and check shows both.
    w.set_public_v4("81.2.69.170");
    let u = w.run(&["update"]);
    assert_eq!(u.code, Some(0), "{u:?}");
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    assert!(
        c.stdout
            .contains("a new consent at Fake DNS is waiting to be finished"),
        "{c:?}"
    );
    let redirect = w.browse(b["url"].as_str().unwrap());
    let f = w.run(&["setup", NAME, "--code", &redirect, "--json"]);
    assert_eq!(json(&f)["replaced"], true);
    // Two consents; the two updates and the check detected, the updates applied.
    w.expect_all(&SETUP);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 2)]);
}

#[test]
fn bad_combinations_are_refused_and_remove_drops_a_pending_consent() {
    let w = world("two-step-bad");
    let r = w.run(&["setup", NAME, "--begin", "--code", "x"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            Some(2),
            "ddns: --begin starts a consent and --code finishes it: give one of them\n"
        )
    );
    assert!(!w.state.exists());
    // Removing a name that is not set up creates nothing at all.
    let r = w.run(&["remove", NAME]);
    assert_eq!(r.code, Some(2));
    assert!(
        !w.state.parent().unwrap().exists(),
        "no state directory or lock file was created"
    );
    begin(&w, &["--ipv4"]);
    let r = w.run(&["setup", NAME, "--code", "abc", "--zone", "example.com"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = w.run(&["remove", NAME]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            Some(0),
            "home.example.com removed: its consent at Fake DNS was never finished, so nothing was granted\n"
        )
    );
    assert!(w.state_json().get("pending").is_none());
    let r = w.run(&["check"]);
    assert_eq!(r.code, Some(2), "nothing left: {r:?}");
    // Only --begin reached the provider.
    w.budgets(&[(Route::Settings, 1), (Route::Template, 1)]);
}

#[test]
fn an_expired_consent_says_so_and_a_code_then_works_as_without_one() {
    let w = world("two-step-expired");
    begin(&w, &["--ipv4"]);
    let mut state = w.state_json();
    state["pending"][NAME]["started_at"] =
        (state["pending"][NAME]["started_at"].as_u64().unwrap() - 7200).into();
    std::fs::write(&w.state, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(1));
    assert!(
        c.stdout.starts_with("home.example.com: pending: the consent started 2 h ago has expired: run `ddns setup home.example.com --begin` again\n"),
        "{c:?}"
    );
    let code = w.consent_code("home");
    let f = w.run(&["setup", NAME, "--code", &code, "--ipv4"]);
    assert_eq!(f.code, Some(0), "{f:?}");
    assert!(
        w.state_json().get("pending").is_none(),
        "expired ones are dropped"
    );
    // --begin discovered; the code then did a whole one-step setup, discovering again.
    w.budgets(&[(Route::Settings, 1), (Route::Template, 1)]);
    w.expect_all(&SETUP);
}

#[test]
fn json_documents_carry_errors_with_their_class() {
    let w = world("json-errors");
    let r = w.run(&["update", "--json"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        json(&r),
        serde_json::json!({"error": {"class": "usage", "code": "no-names", "message": format!("no name is set up in {}: run `ddns setup NAME` first", w.state.display())}})
    );
    assert!(r.stderr.starts_with("ddns: no name is set up"), "{r:?}");
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    w.set_public_v4("81.2.69.171");
    w.can(Route::Apply, Canned::new(500, "boom"));
    let r = w.run(&["update", "--json"]);
    assert_eq!(r.code, Some(3));
    let doc = json(&r);
    assert_eq!(doc["exit"], 3);
    assert_eq!(doc["names"][0]["status"], "error");
    assert_eq!(doc["names"][0]["records"], serde_json::json!([]));
    assert_eq!(
        doc["names"][0]["error"],
        serde_json::json!({"class": "transient", "message": "the provider could not complete the update (HTTP 500: boom): try again later"})
    );
    let bad = w.run(&["setup", NAME, "--code", "x y", "--json"]);
    assert_eq!(json(&bad)["error"]["class"], "usage");
    w.assert_no_secrets(&format!("{}{}", r.stdout, bad.stdout));
    // Two updates detected and applied (the second refused). The bad code was refused before
    // anything was asked of the provider.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 2)]);
}
