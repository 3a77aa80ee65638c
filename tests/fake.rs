//! The fake provider's own strictness, which every other test relies on: a request it does not
//! expect fails the test, and so does a route whose request count differs from its budget.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::Route;
use support::world;

#[test]
fn the_fake_provider_fails_a_test_on_a_request_it_did_not_expect() {
    let w = world("strict");
    let agent = w.test_agent();
    let url = format!(
        "https://{}:{}/nowhere",
        support::provider::API_HOST,
        w.fake.port
    );
    let reply = agent.get(&url).call().unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.assert_strict()));
    assert!(caught.is_err(), "an unexpected request must fail the test");
    w.provider().unexpected.clear();
    w.budget(Route::Echo, 1);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.assert_strict()));
    assert!(caught.is_err(), "a budget not met must fail the test");
    w.budget(Route::Echo, 0);
}
