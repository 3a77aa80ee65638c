//! Telling others about a run: health-check pings to monitors (`ping.rs`) and the on-change
//! program (`hook.rs`). Both are renderings of the run's reports; neither changes its status.

pub mod hook;
pub mod ping;
