//! Addresses for `Guest.Listen` as Go's `net.Listen` reads them, and errors worded as Go's.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

pub use crate::network::Family;

/// Where to bind an IP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// No host: every interface, on this port.
    Unspecified(u16),
    /// One address.
    Addr(SocketAddr),
}

/// Go's `net.SplitHostPort`, with its error texts.
pub fn split_host_port(hostport: &str) -> Result<(&str, &str), String> {
    let err = |why: &str| format!("address {hostport}: {why}");
    let Some(colon) = hostport.rfind(':') else {
        return Err(err("missing port in address"));
    };
    let host = if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return Err(err("missing ']' in address"));
        };
        if end + 1 == hostport.len() {
            return Err(err("missing port in address"));
        }
        if end + 1 != colon {
            return Err(if hostport.as_bytes().get(end + 1) == Some(&b':') {
                err("too many colons in address")
            } else {
                err("missing port in address")
            });
        }
        &hostport[1..end]
    } else {
        let host = &hostport[..colon];
        if host.contains(':') {
            return Err(err("too many colons in address"));
        }
        host
    };
    if host.contains(['[', ']']) || hostport[colon + 1..].contains(['[', ']']) {
        return Err(err("unexpected '[' or ']' in address"));
    }
    Ok((host, &hostport[colon + 1..]))
}

/// A port as Go's `parsePort` reads a number: empty is 0; service names are not looked up.
pub fn parse_port(port: &str) -> Result<u16, String> {
    if port.is_empty() {
        return Ok(0);
    }
    let digits = port.strip_prefix(['+', '-']).unwrap_or(port);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("address {port}: unknown port"));
    }
    if port.starts_with('-') {
        return Err(format!("address {port}: invalid port"));
    }
    digits
        .parse::<u16>()
        .map_err(|_| format!("address {port}: invalid port"))
}

/// Resolves `host:port` for `listen <network>`; a host name's first address of the right family
/// is used, IPv4 before IPv6.
pub async fn resolve(network: &str, address: &str, family: Family) -> Result<Bind, String> {
    let fail = |e: String| format!("listen {network}: {e}");
    let (host, port) = split_host_port(address).map_err(fail)?;
    let port = parse_port(port).map_err(fail)?;
    if host.is_empty() {
        return Ok(Bind::Unspecified(port));
    }
    let no_suitable = || fail(format!("address {host}: no suitable address found"));
    if let Ok(ip) = host.parse::<IpAddr>() {
        if !family.accepts(&ip) {
            return Err(no_suitable());
        }
        return Ok(Bind::Addr(SocketAddr::new(ip, port)));
    }
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| fail(format!("lookup {host}: {}", error_text(&e))))?
        .filter(|a| family.accepts(&a.ip()))
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| found.first())
        .map(|a| Bind::Addr(*a))
        .ok_or_else(no_suitable)
}

/// Binds with `bind_at`; with no host, on `[::]` (dual-stack) or, when the guest has no IPv6, on
/// `0.0.0.0`. Errors read `listen tcp 127.0.0.1:80: bind: address already in use`.
pub async fn bind_ip<T, F, Fut>(
    network: &str,
    bind: Bind,
    family: Family,
    bind_at: F,
) -> Result<T, String>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let v4 = |port| SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port);
    let v6 = |port| SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
    match bind {
        Bind::Addr(a) => bind_at(a)
            .await
            .map_err(|e| op_error(network, &go_socket_addr(&a), "bind", &e)),
        Bind::Unspecified(port) => {
            let bound = match family {
                Family::V4 => bind_at(v4(port)).await,
                Family::V6 => bind_at(v6(port)).await,
                Family::Any => match bind_at(v6(port)).await {
                    Err(e) if no_ipv6(&e) => bind_at(v4(port)).await,
                    r => r,
                },
            };
            bound.map_err(|e| op_error(network, &format!(":{port}"), "bind", &e))
        }
    }
}

fn no_ipv6(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EAFNOSUPPORT | libc::EADDRNOTAVAIL | libc::EPROTONOSUPPORT)
    )
}

/// A unix socket path for `listen <network>`: not empty, not an abstract name.
pub fn unix_path(network: &str, address: &str) -> Result<PathBuf, String> {
    if address.is_empty() {
        return Err(format!("listen {network}: missing address"));
    }
    if address.starts_with('@') {
        return Err(format!(
            "listen {network} {address}: abstract socket names are not supported"
        ));
    }
    Ok(PathBuf::from(address))
}

/// A unix peer's address: its path, or `""` for an unnamed (or abstract) peer.
pub fn unix_peer(peer: &tokio::net::unix::SocketAddr) -> String {
    peer.as_pathname()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// A socket address as Go prints it: IPv4-mapped IPv6 addresses as plain IPv4.
pub fn go_socket_addr(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()).to_string(),
            None => a.to_string(),
        },
        SocketAddr::V4(_) => a.to_string(),
    }
}

/// Go's `*net.OpError` text: `listen <network> <addr>: <syscall>: <errno text>`.
pub fn op_error(network: &str, addr: &str, syscall: &str, e: &io::Error) -> String {
    format!("listen {network} {addr}: {syscall}: {}", error_text(e))
}

/// An I/O error as Go words it: the C library's text with a lowercase first letter.
pub fn error_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => {
            let desc = nix::errno::Errno::from_raw(n).desc();
            let mut chars = desc.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => e.to_string(),
            }
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn split_host_port_as_go() {
        let ok = [
            ("127.0.0.1:80", ("127.0.0.1", "80")),
            (":8080", ("", "8080")),
            ("[::1]:0", ("::1", "0")),
            ("localhost:", ("localhost", "")),
        ];
        for (input, want) in ok {
            assert_eq!(split_host_port(input), Ok(want), "{input}");
        }
        let bad = [
            ("127.0.0.1", "address 127.0.0.1: missing port in address"),
            ("::1:80", "address ::1:80: too many colons in address"),
            ("[::1]", "address [::1]: missing port in address"),
            ("[::1", "address [::1: missing ']' in address"),
            ("[::1]x:80", "address [::1]x:80: missing port in address"),
        ];
        for (input, want) in bad {
            assert_eq!(split_host_port(input), Err(want.to_owned()), "{input}");
        }
    }

    #[test]
    fn ports_as_go() {
        assert_eq!(parse_port(""), Ok(0));
        assert_eq!(parse_port("65535"), Ok(65535));
        assert_eq!(
            parse_port("99999"),
            Err("address 99999: invalid port".into())
        );
        assert_eq!(parse_port("-1"), Err("address -1: invalid port".into()));
        assert_eq!(parse_port("http"), Err("address http: unknown port".into()));
    }

    #[test]
    fn errors_as_go() {
        let e = io::Error::from_raw_os_error(libc::EADDRINUSE);
        assert_eq!(
            op_error("tcp", "127.0.0.1:80", "bind", &e),
            "listen tcp 127.0.0.1:80: bind: address already in use"
        );
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5".parse().unwrap();
        assert_eq!(go_socket_addr(&mapped), "127.0.0.1:5");
    }
}
