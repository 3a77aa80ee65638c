//! ddns
mod address;
mod dns;
mod error;
mod name;
mod plan;
mod protocol;
mod state;
mod url;
fn main() {}
