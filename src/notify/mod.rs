//! Telling others about a run: health-check pings to monitors (`ping.rs`) and the on-change
//! program (`hook.rs`). Both are renderings of the run's reports; neither changes its status.

pub mod hook;
pub mod ping;

use crate::net::Net;
use ping::Monitor;
use std::time::{Duration, Instant};

/// Health-check pings take at most this long together.
const PING_BUDGET: Duration = Duration::from_secs(10);

/// Tell each monitor how the run went: its exit `status` and the `lines` it printed (rendered
/// from its reports, never a secret). A failed ping is one line; the run's status stays.
pub fn ping_all(net: &Net, monitors: &[Monitor], status: u8, lines: &[String]) {
    let deadline = Instant::now() + PING_BUDGET;
    for request in monitors.iter().filter_map(|m| ping::ping(m, status, lines)) {
        let host = crate::url::host(&request.url).to_string();
        let left = deadline.saturating_duration_since(Instant::now());
        let failure = if left.is_zero() {
            Some(format!(
                "no time was left of the {} seconds pings may take",
                PING_BUDGET.as_secs()
            ))
        } else {
            match (net.http())
                .map(|http| http.ping(request.method, &request.url, &request.body, left))
            {
                Ok(Ok(reply)) if (200..300).contains(&reply.status) => None,
                Ok(Ok(reply)) => Some(format!("it answered HTTP {}", reply.status)),
                Ok(Err(e)) => Some(e.error.message),
                Err(e) => Some(e.message),
            }
        };
        if let Some(why) = failure {
            crate::out::error(&format!(
                "the health-check ping to {host} failed ({why}); the update's own status is \
                 not affected"
            ));
        }
    }
}
