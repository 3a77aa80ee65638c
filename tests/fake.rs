//! The fake provider's own strictness, which every other test relies on: a request it does not
//! expect fails the test, and so does a route whose request count differs from its budget.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use support::provider::Route;
use support::world;

/// Whether the strict checks fail the test now.
fn fails(w: &support::World) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.assert_strict())).is_err()
}

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
    assert!(fails(&w), "an unexpected request must fail the test");
    w.provider().unexpected.clear();
    assert!(!fails(&w), "and nothing else did");
}

#[test]
fn every_route_has_a_budget_and_it_must_be_met_exactly() {
    let w = world("budgets");
    assert!(!fails(&w), "no request and no budget: nothing to fail");
    let echo = |n: usize| {
        for _ in 0..n {
            let reply = w.test_agent().get(&w.echo_url()).call().unwrap();
            assert_eq!(reply.status().as_u16(), 200);
        }
    };
    // A request to a route the test did not declare fails it (its budget is 0).
    echo(1);
    assert!(
        fails(&w),
        "an undeclared route's request must fail the test"
    );
    w.expect(Route::Echo, 1);
    assert!(!fails(&w), "declared now");
    // One more than declared fails it; so does a declared one that never came.
    echo(1);
    assert!(fails(&w), "a request over the budget must fail the test");
    w.expect(Route::Echo, 2);
    assert!(
        fails(&w),
        "a declared request that never came must fail the test"
    );
    echo(1);
    assert!(!fails(&w), "3 of 3");
    // A range (for runs killed at random points) holds both ways too.
    w.budget_between(Route::Echo, 4, 5);
    assert!(fails(&w), "3 is below 4 to 5");
    w.budget_between(Route::Echo, 1, 2);
    assert!(fails(&w), "3 is above 1 to 2");
    w.budget_between(Route::Echo, 2, 4);
    assert!(!fails(&w), "3 is within 2 to 4");
    // `budget` sets the total, `expect` adds to it.
    w.budget(Route::Echo, 3);
    assert!(!fails(&w));
    w.expect_all(&[(Route::Echo, 0), (Route::Apply, 0)]);
    assert!(!fails(&w));
}
