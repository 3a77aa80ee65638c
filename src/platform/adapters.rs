//! What Windows says about a network adapter (`GetAdaptersAddresses`), as plain data: the
//! Windows half reads it (`windows/ffi.rs`), and pure code turns it into DNS servers
//! (`net/resolv.rs`) and an interface's addresses (`detect/adapters.rs`). Built on every system
//! so that those conversions are unit-tested everywhere.

use std::net::IpAddr;

/// One network adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// `AdapterName`: the adapter's GUID, `{...}`.
    pub guid: String,
    /// `FriendlyName`: what Settings shows, such as `Ethernet` or `Wi-Fi`.
    pub name: String,
    /// Whether it is up (`OperStatus` is `IfOperStatusUp`).
    pub up: bool,
    /// Its DNS servers, in order.
    pub dns: Vec<IpAddr>,
    /// Its unicast addresses.
    pub unicast: Vec<Unicast>,
}

/// One unicast address of an adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unicast {
    /// The address.
    pub ip: IpAddr,
    /// `OnLinkPrefixLength`.
    pub prefix: u8,
    /// `SuffixOrigin` is `IpSuffixOriginRandom`: an IPv6 privacy (temporary) address.
    pub random: bool,
    /// `DadState`.
    pub dad: Dad,
}

/// Duplicate address detection's state of an address (`NL_DAD_STATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dad {
    /// `IpDadStateInvalid`.
    Invalid,
    /// `IpDadStateTentative`.
    Tentative,
    /// `IpDadStateDuplicate`.
    Duplicate,
    /// `IpDadStateDeprecated`: its preferred lifetime is over.
    Deprecated,
    /// `IpDadStatePreferred`: usable.
    Preferred,
}
