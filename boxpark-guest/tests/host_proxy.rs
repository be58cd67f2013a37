//! `Guest.Listen` and host port 2, against a fake host on `<UDS>_2`: tcp, unix, udp and unixgram
//! sockets, their `ConnectionRequest`s, bytes and datagrams both ways, and the errors.
#![allow(non_snake_case, clippy::unwrap_used)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boxpark_guest::transport::HybridTransport;
use boxpark_guest::{Config, Guest, Shutdown};
use boxpark_proto::api::ListenRequest;
use boxpark_proto::proxy::{datagram, ConnectionRequest};
use gob_codec::async_io::AsyncDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use tracing_subscriber::layer::SubscriberExt;

/// Longest wait for any one step.
const STEP: Duration = Duration::from_secs(10);
/// How long to watch for something that must not happen.
const QUIET: Duration = Duration::from_millis(300);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// A guest (not serving RPC: `listen` is called directly) and the path of its host port 2.
struct Env {
    dir: tempfile::TempDir,
    guest: Arc<Guest>,
    host_port_2: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("guest.sock");
    let transport = HybridTransport::bind(&uds).unwrap();
    let host_port_2 = transport.host_path(2);
    let guest = Guest::new(transport, Config::default(), Shutdown::new());
    Env {
        dir,
        guest,
        host_port_2,
    }
}

impl Env {
    async fn listen(&self, network: &str, address: &str, buffer: i64) -> Result<String, String> {
        let req = ListenRequest {
            Network: network.into(),
            Address: address.into(),
            BufferSize: buffer,
        };
        boxpark_guest::rpc::listen::listen(&self.guest, req)
            .await
            .map(|r| r.Address)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn host(&self) -> UnixListener {
        UnixListener::bind(&self.host_port_2).unwrap()
    }
}

/// Accepts a host-port-2 connection and reads its `ConnectionRequest`; the decoder goes on.
async fn accept(host: &UnixListener) -> (ConnectionRequest, AsyncDecoder<UnixStream>) {
    let (conn, _) = within("the guest dials host port 2", host.accept())
        .await
        .unwrap();
    let mut dec = AsyncDecoder::new(conn);
    let req = within("ConnectionRequest", dec.decode()).await.unwrap();
    (req, dec)
}

async fn next_datagram(dec: &mut AsyncDecoder<UnixStream>) -> Vec<u8> {
    within("a datagram from the guest", dec.decode())
        .await
        .unwrap()
}

async fn reply(dec: &mut AsyncDecoder<UnixStream>, data: &[u8]) {
    let mut frame = Vec::new();
    datagram::encode(&mut frame, data);
    dec.get_mut().write_all(&frame).await.unwrap();
}

/// Bytes both ways, each direction half-closed in turn.
async fn exchange<C>(client: &mut C, host: &mut UnixStream)
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    client.write_all(b"ping from the client").await.unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    within("client bytes at the host", host.read_to_end(&mut got))
        .await
        .unwrap();
    assert_eq!(got, b"ping from the client");
    host.write_all(b"pong from the host").await.unwrap();
    host.shutdown().await.unwrap();
    let mut got = Vec::new();
    within("host bytes at the client", client.read_to_end(&mut got))
        .await
        .unwrap();
    assert_eq!(got, b"pong from the host");
}

#[tokio::test]
async fn tcp_connection_reaches_the_host() {
    let env = env();
    let host = env.host();
    let address = env.listen("tcp", "127.0.0.1:0", 0).await.unwrap();
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert_ne!(address, "127.0.0.1:0");

    let mut client = TcpStream::connect(&address).await.unwrap();
    let (req, dec) = accept(&host).await;
    assert_eq!(
        req,
        ConnectionRequest {
            Network: "tcp".into(),
            ListenAddress: "127.0.0.1:0".into(),
            LocalAddress: address.clone(),
            RemoteAddress: client.local_addr().unwrap().to_string(),
        }
    );
    let mut host_conn = dec.into_inner();
    exchange(&mut client, &mut host_conn).await;

    // A second client gets its own host connection.
    let client2 = TcpStream::connect(&address).await.unwrap();
    let (req2, _) = accept(&host).await;
    assert_eq!(
        req2.RemoteAddress,
        client2.local_addr().unwrap().to_string()
    );

    // The same address again is in use; close_all frees it.
    let err = env.listen("tcp", &address, 0).await.unwrap_err();
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
    let env = env();
    let host = env.host();
    let path = env.path("app.sock");
    let address = path.display().to_string();
    assert_eq!(env.listen("unix", &address, 0).await.unwrap(), address);

    let mut client = UnixStream::connect(&path).await.unwrap();
    let (req, dec) = accept(&host).await;
    assert_eq!(
        req,
        ConnectionRequest {
            Network: "unix".into(),
            ListenAddress: address.clone(),
            LocalAddress: address.clone(),
            RemoteAddress: String::new(),
        }
    );
    exchange(&mut client, &mut dec.into_inner()).await;

    // Like Go's net.Listen, an existing path is in use.
    assert_eq!(
        env.listen("unix", &address, 0).await.unwrap_err(),
        format!("listen unix {address}: bind: address already in use")
    );
    assert_eq!(env.guest.listeners.len(), 1);
    env.guest.listeners.close_all();
    assert!(!path.exists(), "close_all removes the socket file");
}

#[tokio::test]
async fn udp_peers_get_their_own_host_connections() {
    let env = env();
    let host = env.host();
    let address = env.listen("udp", "127.0.0.1:0", 2048).await.unwrap();
    assert!(address.starts_with("127.0.0.1:"), "{address}");

    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.send_to(b"from a", &address).await.unwrap();
    let (req_a, mut dec_a) = accept(&host).await;
    b.send_to(b"from b", &address).await.unwrap();
    let (req_b, mut dec_b) = accept(&host).await;
    for (req, peer) in [(&req_a, &a), (&req_b, &b)] {
        assert_eq!(
            req,
            &ConnectionRequest {
                Network: "udp".into(),
                ListenAddress: "127.0.0.1:0".into(),
                LocalAddress: address.clone(),
                RemoteAddress: peer.local_addr().unwrap().to_string(),
            }
        );
    }
    assert_eq!(next_datagram(&mut dec_a).await, b"from a");
    assert_eq!(next_datagram(&mut dec_b).await, b"from b");

    // A peer's later datagrams use its session; nothing new is dialed.
    a.send_to(b"again from a", &address).await.unwrap();
    assert_eq!(next_datagram(&mut dec_a).await, b"again from a");
    assert!(tokio::time::timeout(QUIET, host.accept()).await.is_err());

    // Replies reach the right peer, from the listening socket.
    reply(&mut dec_b, b"to b").await;
    reply(&mut dec_a, b"to a").await;
    let mut buf = [0u8; 64];
    let (n, from) = within("reply to a", a.recv_from(&mut buf)).await.unwrap();
    assert_eq!(
        (&buf[..n], from.to_string()),
        (&b"to a"[..], address.clone())
    );
    let (n, from) = within("reply to b", b.recv_from(&mut buf)).await.unwrap();
    assert_eq!(
        (&buf[..n], from.to_string()),
        (&b"to b"[..], address.clone())
    );

    // When the host closes a session, the peer's next datagram opens a new one.
    drop(dec_a);
    tokio::time::sleep(QUIET).await;
    a.send_to(b"after close", &address).await.unwrap();
    let (req, mut dec) = accept(&host).await;
    assert_eq!(req, req_a);
    assert_eq!(next_datagram(&mut dec).await, b"after close");
}

#[tokio::test]
async fn unixgram_named_and_unnamed_peers() {
    let env = env();
    let host = env.host();
    let notify = env.path("notify");
    let address = notify.display().to_string();
    assert_eq!(
        env.listen("unixgram", &address, 4096).await.unwrap(),
        address
    );

    // A named peer can be answered.
    let named_path = env.path("client");
    let named = UnixDatagram::bind(&named_path).unwrap();
    named.send_to(b"hello", &notify).await.unwrap();
    let (req, mut dec) = accept(&host).await;
    assert_eq!(
        req,
        ConnectionRequest {
            Network: "unixgram".into(),
            ListenAddress: address.clone(),
            LocalAddress: address.clone(),
            RemoteAddress: named_path.display().to_string(),
        }
    );
    assert_eq!(next_datagram(&mut dec).await, b"hello");
    reply(&mut dec, b"ack").await;
    let mut buf = [0u8; 64];
    let n = within("reply to the named peer", named.recv(&mut buf))
        .await
        .unwrap();
    assert_eq!(&buf[..n], b"ack");

    // Unnamed peers (as systemd-notify sends) share one session with RemoteAddress "".
    let unnamed = UnixDatagram::unbound().unwrap();
    unnamed.send_to(b"READY=1", &notify).await.unwrap();
    let (req, mut shared) = accept(&host).await;
    assert_eq!(req.RemoteAddress, "");
    assert_eq!(req.LocalAddress, address);
    assert_eq!(next_datagram(&mut shared).await, b"READY=1");
    let other = UnixDatagram::unbound().unwrap();
    other.send_to(b"STATUS=up", &notify).await.unwrap();
    assert_eq!(next_datagram(&mut shared).await, b"STATUS=up");
    // A reply on it goes nowhere, and the session stays usable.
    reply(&mut shared, b"unanswerable").await;
    unnamed.send_to(b"WATCHDOG=1", &notify).await.unwrap();
    assert_eq!(next_datagram(&mut shared).await, b"WATCHDOG=1");
    assert!(tokio::time::timeout(QUIET, host.accept()).await.is_err());

    env.guest.listeners.close_all();
    assert!(!notify.exists());
}

#[tokio::test]
async fn listen_errors_read_like_go() {
    let env = env();
    let err = |network: &str, address: &str, buffer: i64| {
        let (network, address) = (network.to_owned(), address.to_owned());
        let env = &env;
        async move { env.listen(&network, &address, buffer).await.unwrap_err() }
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
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
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

/// Warning messages logged on this thread (tests run on a current-thread runtime).
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message<'a>(&'a mut String);
        impl tracing::field::Visit for Message<'_> {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    *self.0 = format!("{v:?}");
                }
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut m = String::new();
            event.record(&mut Message(&mut m));
            self.0.lock().unwrap().push(m);
        }
    }
}

impl Warnings {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[tokio::test]
async fn host_port_2_missing_is_logged_and_the_socket_keeps_serving() {
    let warnings = Warnings::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let env = env();
    let address = env.listen("tcp", "127.0.0.1:0", 0).await.unwrap();
    let udp = env.listen("udp", "127.0.0.1:0", 512).await.unwrap();

    // No host on port 2: the connection is closed, and a warning says why.
    let mut client = TcpStream::connect(&address).await.unwrap();
    let mut buf = Vec::new();
    let _ = within(
        "the guest drops the connection",
        client.read_to_end(&mut buf),
    )
    .await;
    assert!(buf.is_empty());
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    peer.send_to(b"lost", &udp).await.unwrap();
    within("both warnings", async {
        loop {
            let w = warnings.0.lock().unwrap().clone();
            if w.len() >= 2 {
                return;
            }
            drop(w);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let mut w = warnings.take();
    w.sort();
    assert_eq!(
        w,
        [
            "host proxy: cannot reach host port 2; connection dropped",
            "host proxy: cannot reach host port 2; datagrams dropped",
        ]
    );

    // Once the host listens, both sockets forward again.
    let host = env.host();
    let mut client = TcpStream::connect(&address).await.unwrap();
    let (req, dec) = accept(&host).await;
    assert_eq!(req.LocalAddress, address);
    exchange(&mut client, &mut dec.into_inner()).await;
    peer.send_to(b"found", &udp).await.unwrap();
    let (req, mut dec) = accept(&host).await;
    assert_eq!(req.RemoteAddress, peer.local_addr().unwrap().to_string());
    assert_eq!(next_datagram(&mut dec).await, b"found");
    assert!(warnings.take().is_empty());
}

#[tokio::test]
async fn listen_after_shutdown_fails() {
    let env = env();
    let path: &Path = &env.path("late.sock");
    env.guest.listeners.close_all();
    let err = env
        .listen("unix", &path.display().to_string(), 0)
        .await
        .unwrap_err();
    assert_eq!(err, "listen unix: the guest is shutting down");
    assert!(!path.exists());
}
