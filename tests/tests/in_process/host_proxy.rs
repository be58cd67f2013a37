//! `Guest.Listen` and host port 2, against a fake host on `<UDS>_2`: tcp, unix, udp and unixgram
//! sockets, their `ConnectionRequest`s, bytes and datagrams both ways, and the errors. Most tests
//! call the handler directly on a [`BareGuest`], whose listeners they can look at; one goes
//! through the RPC connection.

use std::os::unix::fs::FileTypeExt;
use std::time::Duration;

use boxpark_e2e::logs::Logs;
use boxpark_e2e::{server_error, within, BareGuest, InProcessGuest};
use boxpark_proto::api::ListenRequest;
use boxpark_proto::proxy::ConnectionRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket, UnixDatagram, UnixStream};

/// How long to watch for something that must not happen.
const QUIET: Duration = Duration::from_millis(300);

/// Bytes both ways, each direction half-closed in turn.
async fn exchange<C>(client: &mut C, host: &mut UnixStream)
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    client
        .write_all(b"ping from the client")
        .await
        .expect("write");
    client.shutdown().await.expect("half-close");
    let mut got = Vec::new();
    within("client bytes at the host", host.read_to_end(&mut got))
        .await
        .expect("read");
    assert_eq!(got, b"ping from the client");
    host.write_all(b"pong from the host").await.expect("write");
    host.shutdown().await.expect("half-close");
    let mut got = Vec::new();
    within("host bytes at the client", client.read_to_end(&mut got))
        .await
        .expect("read");
    assert_eq!(got, b"pong from the host");
}

fn local_addr(s: &TcpStream) -> String {
    s.local_addr().expect("local address").to_string()
}

#[tokio::test]
async fn tcp_connection_reaches_the_host() {
    let env = BareGuest::new();
    let host = env.host();
    let address = env.listen("tcp", "127.0.0.1:0", 0).await.expect("listen");
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert_ne!(address, "127.0.0.1:0");

    let mut client = TcpStream::connect(&address).await.expect("connect");
    let conn = host.next().await;
    assert_eq!(
        conn.req,
        ConnectionRequest {
            Network: "tcp".into(),
            ListenAddress: "127.0.0.1:0".into(),
            LocalAddress: address.clone(),
            RemoteAddress: local_addr(&client),
        }
    );
    exchange(&mut client, &mut conn.into_stream()).await;

    // A second client gets its own host connection.
    let client2 = TcpStream::connect(&address).await.expect("connect");
    let conn2 = host.next().await;
    assert_eq!(conn2.req.RemoteAddress, local_addr(&client2));

    // The same address again is in use; close_all frees it.
    let err = env.listen("tcp", &address, 0).await.expect_err("an error");
    assert_eq!(
        err,
        format!("listen tcp {address}: bind: address already in use")
    );
    env.guest.listeners.close_all();
    within("the closed socket refuses", async {
        while TcpStream::connect(&address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(env.listen("tcp", "127.0.0.1:0", 0).await.is_err());
}

#[tokio::test]
async fn unix_connection_reaches_the_host() {
    let env = BareGuest::new();
    let host = env.host();
    let path = env.path("app.sock");
    let address = path.display().to_string();
    assert_eq!(
        env.listen("unix", &address, 0).await.expect("listen"),
        address
    );

    let mut client = UnixStream::connect(&path).await.expect("connect");
    let conn = host.next().await;
    assert_eq!(
        conn.req,
        ConnectionRequest {
            Network: "unix".into(),
            ListenAddress: address.clone(),
            LocalAddress: address.clone(),
            RemoteAddress: String::new(),
        }
    );
    exchange(&mut client, &mut conn.into_stream()).await;

    // Like Go's net.Listen, an existing path is in use.
    assert_eq!(
        env.listen("unix", &address, 0).await.expect_err("an error"),
        format!("listen unix {address}: bind: address already in use")
    );
    assert_eq!(env.guest.listeners.len(), 1);
    env.guest.listeners.close_all();
    assert!(!path.exists(), "close_all removes the socket file");
}

#[tokio::test]
async fn udp_peers_get_their_own_host_connections() {
    let env = BareGuest::new();
    let host = env.host();
    let address = env
        .listen("udp", "127.0.0.1:0", 2048)
        .await
        .expect("listen");
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert_ne!(address, "127.0.0.1:0", "the real port");

    let a = UdpSocket::bind("127.0.0.1:0").await.expect("bind a");
    let b = UdpSocket::bind("127.0.0.1:0").await.expect("bind b");
    a.send_to(b"from a", &address).await.expect("send");
    let mut conn_a = host.next().await;
    b.send_to(b"from b", &address).await.expect("send");
    let mut conn_b = host.next().await;
    for (req, peer) in [(&conn_a.req, &a), (&conn_b.req, &b)] {
        assert_eq!(
            req,
            &ConnectionRequest {
                Network: "udp".into(),
                ListenAddress: "127.0.0.1:0".into(),
                LocalAddress: address.clone(),
                RemoteAddress: peer.local_addr().expect("address").to_string(),
            }
        );
    }
    assert_eq!(conn_a.datagram().await.expect("a datagram"), b"from a");
    assert_eq!(conn_b.datagram().await.expect("a datagram"), b"from b");

    // A peer's later datagrams use its session; nothing new is dialed.
    a.send_to(b"again from a", &address).await.expect("send");
    assert_eq!(
        conn_a.datagram().await.expect("a datagram"),
        b"again from a"
    );
    assert!(host.next_within(QUIET).await.is_none());

    // Replies reach the right peer, from the listening socket.
    conn_b.send_datagram(b"to b").await;
    conn_a.send_datagram(b"to a").await;
    let mut buf = [0u8; 64];
    let (n, from) = within("reply to a", a.recv_from(&mut buf))
        .await
        .expect("recv");
    assert_eq!(
        (&buf[..n], from.to_string()),
        (&b"to a"[..], address.clone())
    );
    let (n, from) = within("reply to b", b.recv_from(&mut buf))
        .await
        .expect("recv");
    assert_eq!(
        (&buf[..n], from.to_string()),
        (&b"to b"[..], address.clone())
    );

    // When the host closes a session, the peer's next datagram opens a new one.
    let req_a = conn_a.req.clone();
    drop(conn_a);
    tokio::time::sleep(QUIET).await;
    a.send_to(b"after close", &address).await.expect("send");
    let mut conn = host.next().await;
    assert_eq!(conn.req, req_a);
    assert_eq!(conn.datagram().await.expect("a datagram"), b"after close");
}

#[tokio::test]
async fn unixgram_named_and_unnamed_peers() {
    let env = BareGuest::new();
    let host = env.host();
    let notify = env.path("notify");
    let address = notify.display().to_string();
    assert_eq!(
        env.listen("unixgram", &address, 4096)
            .await
            .expect("listen"),
        address
    );

    // A named peer can be answered.
    let named_path = env.path("client");
    let named = UnixDatagram::bind(&named_path).expect("bind");
    named.send_to(b"hello", &notify).await.expect("send");
    let mut conn = host.next().await;
    assert_eq!(
        conn.req,
        ConnectionRequest {
            Network: "unixgram".into(),
            ListenAddress: address.clone(),
            LocalAddress: address.clone(),
            RemoteAddress: named_path.display().to_string(),
        }
    );
    assert_eq!(conn.datagram().await.expect("a datagram"), b"hello");
    conn.send_datagram(b"ack").await;
    let mut buf = [0u8; 64];
    let n = within("reply to the named peer", named.recv(&mut buf))
        .await
        .expect("recv");
    assert_eq!(&buf[..n], b"ack");

    // Unnamed peers (as systemd-notify sends) share one session with RemoteAddress "".
    let unnamed = UnixDatagram::unbound().expect("socket");
    unnamed.send_to(b"READY=1", &notify).await.expect("send");
    let mut shared = host.next().await;
    assert_eq!(shared.req.RemoteAddress, "");
    assert_eq!(shared.req.LocalAddress, address);
    assert_eq!(shared.datagram().await.expect("a datagram"), b"READY=1");
    let other = UnixDatagram::unbound().expect("socket");
    other.send_to(b"STATUS=up", &notify).await.expect("send");
    assert_eq!(shared.datagram().await.expect("a datagram"), b"STATUS=up");
    // A reply on it goes nowhere, and the session stays usable.
    shared.send_datagram(b"unanswerable").await;
    unnamed.send_to(b"WATCHDOG=1", &notify).await.expect("send");
    assert_eq!(shared.datagram().await.expect("a datagram"), b"WATCHDOG=1");
    assert!(host.next_within(QUIET).await.is_none());

    env.guest.listeners.close_all();
    assert!(!notify.exists());
}

#[tokio::test]
async fn listen_errors_read_like_go() {
    let env = BareGuest::new();
    let err = |network: &str, address: &str, buffer: i64| {
        let (network, address) = (network.to_owned(), address.to_owned());
        let env = &env;
        async move {
            env.listen(&network, &address, buffer)
                .await
                .expect_err("an error")
        }
    };
    assert_eq!(
        err("udp", "127.0.0.1:0", 0).await,
        "listen udp 127.0.0.1:0: BufferSize must be greater than 0 for datagram sockets (got 0)"
    );
    assert!(err("unixgram", &env.path("g").display().to_string(), -1)
        .await
        .contains("BufferSize must be greater than 0"));
    assert_eq!(
        err("sctp", "127.0.0.1:0", 0).await,
        "listen sctp: unknown network sctp"
    );
    assert_eq!(
        err("tcp", "127.0.0.1:99999", 0).await,
        "listen tcp: address 99999: invalid port"
    );
    assert_eq!(
        err("tcp", "127.0.0.1", 0).await,
        "listen tcp: address 127.0.0.1: missing port in address"
    );
    assert_eq!(
        err("tcp6", "127.0.0.1:0", 0).await,
        "listen tcp6: address 127.0.0.1: no suitable address found"
    );
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("address").to_string();
    assert_eq!(
        err("udp", &taken, 1500).await,
        format!("listen udp {taken}: bind: address already in use")
    );
    let missing_dir = env.path("no/such/dir/sock").display().to_string();
    assert_eq!(
        err("unix", &missing_dir, 0).await,
        format!("listen unix {missing_dir}: bind: no such file or directory")
    );
    assert!(env.guest.listeners.is_empty());
}

/// `Guest.Listen` through the RPC connection: the bound address of each network, and the errors
/// as replies.
#[tokio::test]
async fn listen_through_rpc_returns_the_bound_addresses() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let listen = |network: &str, address: &str, buffer: i64| ListenRequest {
        Network: network.into(),
        Address: address.into(),
        BufferSize: buffer,
    };

    for network in ["tcp", "udp"] {
        let got = within(network, rpc.listen(&listen(network, "127.0.0.1:0", 2048)))
            .await
            .unwrap_or_else(|e| panic!("Listen {network}: {e}"));
        let addr: std::net::SocketAddr = got.Address.parse().expect("host:port");
        assert_eq!(addr.ip().to_string(), "127.0.0.1", "{network}");
        assert_ne!(addr.port(), 0, "{network}: the real port");
    }

    for (network, name) in [("unix", "l.sock"), ("unixgram", "l.dgram")] {
        let path = g.path_str(name);
        let got = within(network, rpc.listen(&listen(network, &path, 2048)))
            .await
            .unwrap_or_else(|e| panic!("Listen {network}: {e}"));
        assert_eq!(got.Address, path);
        let ft = std::fs::metadata(&path).expect("socket file").file_type();
        assert!(ft.is_socket(), "{path} is a socket");
    }

    let r = within("Listen sctp", rpc.listen(&listen("sctp", "127.0.0.1:0", 0))).await;
    assert_eq!(server_error(r), "listen sctp: unknown network sctp");
    let r = within(
        "Listen udp without a buffer",
        rpc.listen(&listen("udp", "127.0.0.1:0", 0)),
    )
    .await;
    assert_eq!(
        server_error(r),
        "listen udp 127.0.0.1:0: BufferSize must be greater than 0 for datagram sockets (got 0)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn host_port_2_missing_is_logged_and_the_socket_keeps_serving() {
    let (logs, _logging) = Logs::capture();
    let env = BareGuest::new();
    let address = env.listen("tcp", "127.0.0.1:0", 0).await.expect("listen");
    let udp = env.listen("udp", "127.0.0.1:0", 512).await.expect("listen");
    logs.clear();

    // No host on port 2: the connection is closed, and a warning says why.
    let mut client = TcpStream::connect(&address).await.expect("connect");
    let mut buf = Vec::new();
    let _ = within(
        "the guest drops the connection",
        client.read_to_end(&mut buf),
    )
    .await;
    assert!(buf.is_empty());
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    peer.send_to(b"lost", &udp).await.expect("send");
    within("both warnings", async {
        while logs.warnings().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let mut w = logs.warning_messages();
    w.sort();
    assert_eq!(
        w,
        [
            "host proxy: cannot reach host port 2; connection dropped",
            "host proxy: cannot reach host port 2; datagrams dropped",
        ]
    );
    logs.clear();

    // Once the host listens, both sockets forward again.
    let host = env.host();
    let mut client = TcpStream::connect(&address).await.expect("connect");
    let conn = host.next().await;
    assert_eq!(conn.req.LocalAddress, address);
    exchange(&mut client, &mut conn.into_stream()).await;
    peer.send_to(b"found", &udp).await.expect("send");
    let mut conn = host.next().await;
    assert_eq!(
        conn.req.RemoteAddress,
        peer.local_addr().expect("address").to_string()
    );
    assert_eq!(conn.datagram().await.expect("a datagram"), b"found");
    assert!(logs.warnings().is_empty(), "{}", logs.describe());
}

#[tokio::test]
async fn listen_after_shutdown_fails() {
    let env = BareGuest::new();
    let path = env.path("late.sock");
    env.guest.listeners.close_all();
    let err = env
        .listen("unix", &path.display().to_string(), 0)
        .await
        .expect_err("an error");
    assert_eq!(err, "listen unix: the guest is shutting down");
    assert!(!path.exists());
}
