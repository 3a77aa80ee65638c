//! What depends on the operating system, behind small interfaces: stop signals held during
//! token exchanges (`signals.rs`). A second operating system adds its half here.

pub mod signals;
