//! The network names of proxy requests and `Listen` requests, parsed once into what they mean;
//! the handlers match on these, never on the strings.
//!
//! The names are Go's (`net.Dial`, `net.Listen`). Guest proxies take the contract's six names
//! exactly; `Listen` also takes Go's `tcp4`/`tcp6`/`udp4`/`udp6`.

use std::fmt;
use std::net::IpAddr;

/// Which IP versions a network allows: `tcp4`/`udp4` only IPv4, `tcp6`/`udp6` only IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Either.
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl Family {
    /// Whether `ip` belongs to the family.
    pub fn accepts(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// A byte-stream network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamNetwork {
    /// `tcp`, `tcp4`, `tcp6`.
    Tcp(Family),
    /// `unix`.
    Unix,
}

/// A datagram network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramNetwork {
    /// `udp`, `udp4`, `udp6`.
    Udp(Family),
    /// `unixgram`.
    Unixgram,
}

/// What a guest proxy connection asks for (`ProxyRequest.Network`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyNetwork {
    /// `tcp`, `unix`: spliced.
    Stream(StreamNetwork),
    /// `udp`, `unixgram`: gob `[]byte` datagrams.
    Datagram(DatagramNetwork),
    /// `file`: the file's bytes.
    File,
    /// `launch`: a process's output lines.
    Launch,
}

/// What a `Listen` request opens (`ListenRequest.Network`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenNetwork {
    /// `tcp`, `tcp4`, `tcp6`, `unix`.
    Stream(StreamNetwork),
    /// `udp`, `udp4`, `udp6`, `unixgram`.
    Datagram(DatagramNetwork),
}

/// A network name that the request's kind does not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownNetwork(pub String);

impl fmt::Display for UnknownNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown network {:?}", self.0)
    }
}

impl std::error::Error for UnknownNetwork {}

impl ProxyNetwork {
    /// Parses a `ProxyRequest.Network`.
    pub fn parse(name: &str) -> Result<ProxyNetwork, UnknownNetwork> {
        Ok(match name {
            "tcp" => ProxyNetwork::Stream(StreamNetwork::Tcp(Family::Any)),
            "unix" => ProxyNetwork::Stream(StreamNetwork::Unix),
            "udp" => ProxyNetwork::Datagram(DatagramNetwork::Udp(Family::Any)),
            "unixgram" => ProxyNetwork::Datagram(DatagramNetwork::Unixgram),
            "file" => ProxyNetwork::File,
            "launch" => ProxyNetwork::Launch,
            other => return Err(UnknownNetwork(other.to_owned())),
        })
    }
}

impl ListenNetwork {
    /// Parses a `ListenRequest.Network`.
    pub fn parse(name: &str) -> Result<ListenNetwork, UnknownNetwork> {
        use Family::{Any, V4, V6};
        Ok(match name {
            "tcp" => ListenNetwork::Stream(StreamNetwork::Tcp(Any)),
            "tcp4" => ListenNetwork::Stream(StreamNetwork::Tcp(V4)),
            "tcp6" => ListenNetwork::Stream(StreamNetwork::Tcp(V6)),
            "unix" => ListenNetwork::Stream(StreamNetwork::Unix),
            "udp" => ListenNetwork::Datagram(DatagramNetwork::Udp(Any)),
            "udp4" => ListenNetwork::Datagram(DatagramNetwork::Udp(V4)),
            "udp6" => ListenNetwork::Datagram(DatagramNetwork::Udp(V6)),
            "unixgram" => ListenNetwork::Datagram(DatagramNetwork::Unixgram),
            other => return Err(UnknownNetwork(other.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_networks_are_the_contracts_six() {
        for name in ["tcp", "unix", "udp", "unixgram", "file", "launch"] {
            assert!(ProxyNetwork::parse(name).is_ok(), "{name}");
        }
        for name in ["tcp4", "udp6", "", "TCP", "sctp", "unixpacket"] {
            assert_eq!(ProxyNetwork::parse(name), Err(UnknownNetwork(name.into())));
        }
    }

    #[test]
    fn listen_networks_with_families() {
        assert_eq!(
            ListenNetwork::parse("tcp6"),
            Ok(ListenNetwork::Stream(StreamNetwork::Tcp(Family::V6)))
        );
        assert_eq!(
            ListenNetwork::parse("udp4"),
            Ok(ListenNetwork::Datagram(DatagramNetwork::Udp(Family::V4)))
        );
        assert!(ListenNetwork::parse("file").is_err());
        assert!(ListenNetwork::parse("launch").is_err());
        assert!(Family::V4.accepts(&"10.0.0.1".parse().expect("ip")));
        assert!(!Family::V4.accepts(&"::1".parse().expect("ip")));
    }
}
