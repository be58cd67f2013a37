//! The three rtnetlink requests of boot (a link up, an IPv4 address, a default route), written
//! over a `NETLINK_ROUTE` socket by hand.
//!
//! The `rtnetlink` crate did this before. Its message types cover every link kind, tc filter and
//! SR-IOV attribute, and LTO cannot drop their parsers, because the kind of a kernel reply is only
//! known at run time: 1.3 MB of a 3.9 MB static guest at opt-level 3. These requests need one
//! header, one fixed struct each, and a few attributes; each reply is an ack or an errno.
//!
//! The format (netlink(7), rtnetlink(7)), in native byte order:
//! - the header, `nlmsghdr`: length of the whole message (u32), type (u16), flags (u16),
//!   sequence number (u32), port (u32; 0 is the kernel);
//! - the request's fixed struct (`ifinfomsg`, `ifaddrmsg` or `rtmsg`);
//! - attributes, `rtattr`: length (u16, 4 + payload), type (u16), payload, padded to 4 bytes.
//!
//! A request with `NLM_F_ACK` gets an `NLMSG_ERROR` message with the same sequence number: an
//! i32 that is 0 or a negated errno, then the request's header.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{
    recv, sendto, setsockopt, socket, sockopt, AddressFamily, MsgFlags, NetlinkAddr, SockFlag,
    SockProtocol, SockType,
};
use nix::sys::time::{TimeVal, TimeValLike};

use super::error::os;

const HEADER_LEN: usize = 16;

const NLMSG_ERROR: u16 = 2;
const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const RTM_NEWROUTE: u16 = 24;

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_CREATE: u16 = 0x400;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;

const AF_INET: u8 = libc::AF_INET as u8;
const IFF_UP: u32 = libc::IFF_UP as u32;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_STATIC: u8 = 4;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RTN_UNICAST: u8 = 1;

/// How long the kernel may take to answer one request (it answers at once; this only bounds a
/// kernel that does not).
const ANSWER_TIMEOUT_SECONDS: i64 = 5;

/// One request, built up after its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    bytes: Vec<u8>,
}

impl Request {
    fn new(kind: u16, flags: u16, fixed: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&0u32.to_ne_bytes()); // length, set by `finish`
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(&(flags | NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        bytes.extend_from_slice(&0u32.to_ne_bytes()); // sequence number, set by `finish`
        bytes.extend_from_slice(&0u32.to_ne_bytes()); // port: the kernel fills in ours
        bytes.extend_from_slice(fixed);
        Request { bytes }
    }

    fn attribute(mut self, kind: u16, payload: &[u8]) -> Self {
        // Every payload here is 4 bytes, so no attribute needs padding.
        let len = (4 + payload.len()) as u16;
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(payload);
        self
    }

    /// `ip link set <index> up`.
    pub fn link_up(index: u32) -> Self {
        // ifinfomsg: family, pad, type (u16), index (i32), flags, change mask.
        let mut fixed = [0u8; 16];
        fixed[4..8].copy_from_slice(&index.to_ne_bytes());
        fixed[8..12].copy_from_slice(&IFF_UP.to_ne_bytes());
        fixed[12..16].copy_from_slice(&IFF_UP.to_ne_bytes());
        Request::new(RTM_NEWLINK, 0, &fixed)
    }

    /// `ip address replace <address>/<prefix> broadcast + dev <index>`.
    pub fn add_address(index: u32, address: Ipv4Addr, prefix: u8) -> Self {
        // ifaddrmsg: family, prefix length, flags, scope, index (u32).
        let mut fixed = [AF_INET, prefix, 0, RT_SCOPE_UNIVERSE, 0, 0, 0, 0];
        fixed[4..8].copy_from_slice(&index.to_ne_bytes());
        let request = Request::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &fixed)
            .attribute(IFA_ADDRESS, &address.octets())
            .attribute(IFA_LOCAL, &address.octets());
        // /31 and /32 have no broadcast address (RFC 3021).
        if prefix < 31 {
            let broadcast = Ipv4Addr::from(u32::from(address) | u32::MAX >> prefix);
            request.attribute(IFA_BROADCAST, &broadcast.octets())
        } else {
            request
        }
    }

    /// `ip route replace default via <gateway> dev <index>`.
    pub fn default_route(index: u32, gateway: Ipv4Addr) -> Self {
        // rtmsg: family, destination and source prefix lengths, tos, table, protocol, scope,
        // type, flags (u32).
        let fixed = [
            AF_INET,
            0,
            0,
            0,
            RT_TABLE_MAIN,
            RTPROT_STATIC,
            RT_SCOPE_UNIVERSE,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        Request::new(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &fixed)
            .attribute(RTA_GATEWAY, &gateway.octets())
            .attribute(RTA_OIF, &index.to_ne_bytes())
    }

    /// The bytes to send, with the length and sequence number filled in.
    pub fn finish(mut self, seq: u32) -> Vec<u8> {
        let len = self.bytes.len() as u32;
        self.bytes[0..4].copy_from_slice(&len.to_ne_bytes());
        self.bytes[8..12].copy_from_slice(&seq.to_ne_bytes());
        self.bytes
    }
}

/// The answer to request `seq` among the messages of one datagram: `None` when none of them is,
/// `Some(Err)` with the kernel's errno when it refused.
pub fn answer(datagram: &[u8], seq: u32) -> Option<io::Result<()>> {
    let mut rest = datagram;
    while rest.len() >= HEADER_LEN {
        let u32_at =
            |at: usize| u32::from_ne_bytes([rest[at], rest[at + 1], rest[at + 2], rest[at + 3]]);
        let len = u32_at(0) as usize;
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        if len < HEADER_LEN || len > rest.len() {
            return Some(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a reply of {} bytes says it has {len}", rest.len()),
            )));
        }
        if kind == NLMSG_ERROR && u32_at(8) == seq {
            return Some(match rest.get(HEADER_LEN..HEADER_LEN + 4) {
                Some(&[a, b, c, d]) => match i32::from_ne_bytes([a, b, c, d]) {
                    0 => Ok(()),
                    errno => Err(io::Error::from_raw_os_error(errno.saturating_neg())),
                },
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "an error reply without its error number",
                )),
            });
        }
        // Messages are aligned to 4 bytes.
        let next = len.next_multiple_of(4).min(rest.len());
        rest = &rest[next..];
    }
    None
}

/// A `NETLINK_ROUTE` socket that sends one request at a time and waits for its answer.
pub struct RouteSocket {
    fd: OwnedFd,
    seq: u32,
}

impl RouteSocket {
    /// Opens the socket.
    pub fn open() -> io::Result<Self> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )
        .map_err(os)?;
        setsockopt(
            &fd,
            sockopt::ReceiveTimeout,
            &TimeVal::seconds(ANSWER_TIMEOUT_SECONDS),
        )
        .map_err(os)?;
        Ok(RouteSocket { fd, seq: 0 })
    }

    /// Sends `request` and returns the kernel's answer. Blocks only as long as the kernel takes
    /// to apply the request, which it does before it answers.
    pub fn send(&mut self, request: Request) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let bytes = request.finish(self.seq);
        let kernel = NetlinkAddr::new(0, 0);
        sendto(self.fd.as_raw_fd(), &bytes, &kernel, MsgFlags::empty()).map_err(os)?;
        let mut datagram = [0u8; 4096];
        loop {
            let n = recv(self.fd.as_raw_fd(), &mut datagram, MsgFlags::empty()).map_err(|e| {
                if e == nix::Error::EAGAIN {
                    io::Error::new(io::ErrorKind::TimedOut, "the kernel did not answer")
                } else {
                    os(e)
                }
            })?;
            // Anything else on the socket (an answer to an earlier request that timed out)
            // is skipped.
            if let Some(answer) = answer(&datagram[..n], self.seq) {
                return answer;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::NetlinkMessage;
    use netlink_packet_route::address::{AddressAttribute, AddressMessage};
    use netlink_packet_route::link::{LinkFlags, LinkMessage};
    use netlink_packet_route::route::{
        RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope,
        RouteType,
    };
    use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

    fn ack(seq: u32, errno: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&77u32.to_ne_bytes());
        m.extend_from_slice(&errno.to_ne_bytes());
        m.extend_from_slice(&[0u8; 16]); // the request's header
        m
    }

    #[test]
    fn an_answer_is_the_error_message_of_its_sequence_number() {
        assert!(matches!(answer(&ack(3, 0), 3), Some(Ok(()))));
        let refused = answer(&ack(3, -libc::EEXIST), 3);
        let e = refused.and_then(Result::err).map(|e| e.raw_os_error());
        assert_eq!(e, Some(Some(libc::EEXIST)));
        assert!(answer(&ack(2, 0), 3).is_none(), "another request's answer");
        let two = [ack(2, -libc::EPERM), ack(3, 0)].concat();
        assert!(matches!(answer(&two, 3), Some(Ok(()))));
        assert!(answer(&[], 3).is_none());
    }

    #[test]
    fn a_malformed_answer_is_an_error_not_a_panic() {
        let mut short = ack(3, 0);
        short.truncate(18);
        short[0..4].copy_from_slice(&18u32.to_ne_bytes());
        let e = answer(&short, 3).and_then(Result::err).map(|e| e.kind());
        assert_eq!(e, Some(io::ErrorKind::InvalidData));
        let mut long = ack(3, 0);
        long[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(matches!(answer(&long, 3), Some(Err(_))));
        let mut zero = ack(3, 0);
        zero[0..4].copy_from_slice(&0u32.to_ne_bytes());
        assert!(matches!(answer(&zero, 3), Some(Err(_))), "no endless loop");
        assert!(
            answer(&ack(3, 0)[..10], 3).is_none(),
            "shorter than a header"
        );
    }

    /// The bytes that netlink-packet-route (what `rtnetlink` sends) writes for `message`.
    fn library_bytes(message: RouteNetlinkMessage, flags: u16, seq: u32) -> Vec<u8> {
        let mut m = NetlinkMessage::from(message);
        m.header.flags = flags;
        m.header.sequence_number = seq;
        m.finalize();
        let mut bytes = vec![0; m.header.length as usize];
        m.serialize(&mut bytes);
        bytes
    }

    #[test]
    fn requests_are_the_bytes_netlink_packet_route_writes() {
        use netlink_packet_core::{NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE, NLM_F_REQUEST};
        let (request, replace) = (NLM_F_REQUEST | NLM_F_ACK, NLM_F_CREATE | NLM_F_REPLACE);

        let mut link = LinkMessage::default();
        link.header.index = 3;
        link.header.flags = LinkFlags::Up;
        link.header.change_mask = LinkFlags::Up;
        let want = library_bytes(RouteNetlinkMessage::NewLink(link), request, 7);
        assert_eq!(Request::link_up(3).finish(7), want);

        let a = Ipv4Addr::new(10, 0, 2, 15);
        for (prefix, broadcast) in [
            (24, Some(Ipv4Addr::new(10, 0, 2, 255))),
            (0, Some(Ipv4Addr::BROADCAST)),
            (31, None),
            (32, None),
        ] {
            let mut address = AddressMessage::default();
            address.header.family = AddressFamily::Inet;
            address.header.prefix_len = prefix;
            address.header.index = 2;
            address.attributes = vec![
                AddressAttribute::Address(a.into()),
                AddressAttribute::Local(a.into()),
            ];
            address
                .attributes
                .extend(broadcast.map(AddressAttribute::Broadcast));
            let want = library_bytes(
                RouteNetlinkMessage::NewAddress(address),
                request | replace,
                8,
            );
            assert_eq!(
                Request::add_address(2, a, prefix).finish(8),
                want,
                "/{prefix}"
            );
        }

        let mut route = RouteMessage::default();
        route.header.address_family = AddressFamily::Inet;
        route.header.table = RouteHeader::RT_TABLE_MAIN;
        route.header.protocol = RouteProtocol::Static;
        route.header.scope = RouteScope::Universe;
        route.header.kind = RouteType::Unicast;
        route.attributes = vec![
            RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(10, 0, 2, 2))),
            RouteAttribute::Oif(2),
        ];
        let want = library_bytes(RouteNetlinkMessage::NewRoute(route), request | replace, 9);
        assert_eq!(
            Request::default_route(2, Ipv4Addr::new(10, 0, 2, 2)).finish(9),
            want
        );
    }
}
