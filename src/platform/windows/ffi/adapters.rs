//! This machine's network adapters, read with `GetAdaptersAddresses` into plain data
//! (`platform/adapters.rs`). Part of the FFI module: `unsafe` is allowed here for the same
//! reason, each block with its SAFETY comment.

use super::from_wide;
use crate::platform::adapters::{Adapter, Dad, Unicast};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ptr::null;
use windows_sys::Win32::Foundation::{ERROR_BUFFER_OVERFLOW, ERROR_NO_DATA};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_MULTICAST, GetAdaptersAddresses, IP_ADAPTER_ADDRESSES_LH,
};
use windows_sys::Win32::NetworkManagement::Ndis::IfOperStatusUp;
use windows_sys::Win32::Networking::WinSock::{
    AF_INET, AF_INET6, AF_UNSPEC, IpDadStateDeprecated, IpDadStateDuplicate, IpDadStatePreferred,
    IpDadStateTentative, IpSuffixOriginRandom, SOCKET_ADDRESS,
};

/// This machine's network adapters (`GetAdaptersAddresses`, IPv4 and IPv6, no anycast or
/// multicast addresses).
pub fn adapters() -> io::Result<Vec<Adapter>> {
    let mut size: u32 = 16 * 1024;
    for _ in 0..4 {
        // u64 units: the list holds pointers and 64-bit fields, so it must be 8-aligned.
        let mut buffer = vec![0u64; (size as usize).div_ceil(8)];
        let head = buffer.as_mut_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
        // SAFETY: the buffer is 8-aligned and at least `size` bytes long.
        let error = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST,
                null(),
                head,
                &raw mut size,
            )
        };
        match error {
            // SAFETY: on success the buffer holds a linked list of adapters whose pointers all
            // point into the buffer, which outlives the walk.
            0 => return Ok(unsafe { walk(head) }),
            ERROR_BUFFER_OVERFLOW => {}
            ERROR_NO_DATA => return Ok(Vec::new()),
            e => {
                return Err(io::Error::from_raw_os_error(
                    i32::try_from(e).unwrap_or(i32::MAX),
                ));
            }
        }
    }
    Err(io::Error::other("the adapter list kept growing"))
}

/// Copy the adapter list at `p` into plain data.
///
/// # Safety
/// `p` is null or the head of a list `GetAdaptersAddresses` filled, still alive.
#[allow(
    non_upper_case_globals,
    reason = "windows-sys names the NL_DAD_STATE values as Windows does"
)]
unsafe fn walk(mut p: *const IP_ADAPTER_ADDRESSES_LH) -> Vec<Adapter> {
    let mut out = Vec::new();
    while !p.is_null() {
        // SAFETY: a node of the list (the caller's promise).
        let a = unsafe { &*p };
        let mut dns = Vec::new();
        let mut server = a.FirstDnsServerAddress;
        while !server.is_null() {
            // SAFETY: a node of the adapter's DNS server list.
            let s = unsafe { &*server };
            // SAFETY: its address points into the same buffer.
            dns.extend(unsafe { socket_ip(&s.Address) });
            server = s.Next;
        }
        let mut unicast = Vec::new();
        let mut u = a.FirstUnicastAddress;
        while !u.is_null() {
            // SAFETY: a node of the adapter's unicast address list.
            let x = unsafe { &*u };
            // SAFETY: its address points into the same buffer.
            if let Some(ip) = unsafe { socket_ip(&x.Address) } {
                unicast.push(Unicast {
                    ip,
                    prefix: x.OnLinkPrefixLength,
                    random: x.SuffixOrigin == IpSuffixOriginRandom,
                    dad: match x.DadState {
                        IpDadStateTentative => Dad::Tentative,
                        IpDadStateDuplicate => Dad::Duplicate,
                        IpDadStateDeprecated => Dad::Deprecated,
                        IpDadStatePreferred => Dad::Preferred,
                        _ => Dad::Invalid,
                    },
                });
            }
            u = x.Next;
        }
        let guid = if a.AdapterName.is_null() {
            String::new()
        } else {
            // SAFETY: AdapterName is a NUL-terminated ANSI string in the buffer.
            unsafe { std::ffi::CStr::from_ptr(a.AdapterName.cast()) }
                .to_string_lossy()
                .into_owned()
        };
        out.push(Adapter {
            guid,
            // SAFETY: FriendlyName is a NUL-terminated UTF-16 string in the buffer.
            name: unsafe { from_wide(a.FriendlyName) },
            up: a.OperStatus == IfOperStatusUp,
            dns,
            unicast,
        });
        p = a.Next;
    }
    out
}

/// The IP address of a `SOCKET_ADDRESS`.
///
/// # Safety
/// Its `lpSockaddr` is null or points to `iSockaddrLength` readable bytes.
unsafe fn socket_ip(address: &SOCKET_ADDRESS) -> Option<IpAddr> {
    let len = usize::try_from(address.iSockaddrLength).ok()?;
    if address.lpSockaddr.is_null() || len < 2 {
        return None;
    }
    // SAFETY: the caller's promise.
    let bytes = unsafe { std::slice::from_raw_parts(address.lpSockaddr.cast::<u8>(), len) };
    sockaddr_ip(bytes)
}

/// The address in a `SOCKADDR_IN` (family, port, 4 bytes) or `SOCKADDR_IN6` (family, port,
/// flow info, 16 bytes, scope) as bytes.
fn sockaddr_ip(bytes: &[u8]) -> Option<IpAddr> {
    let family = u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]);
    if family == AF_INET {
        let b: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
        Some(IpAddr::V4(Ipv4Addr::from(b)))
    } else if family == AF_INET6 {
        let b: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(b)))
    } else {
        None
    }
}
