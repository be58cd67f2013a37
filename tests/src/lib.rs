//! The one harness of Boxpark's end-to-end Rust tests. Two suites use it, each owning its part of
//! the guest's behaviour (the third, the cross-language contract, is `interop-go/e2e`):
//!
//! - `tests/in_process/` (with `in_process_reaper.rs` and `in_process_reconnect.rs`, which need a
//!   process of their own): what each method and each proxy network does, with the guest library
//!   run in the test process ([`InProcessGuest`], [`BareGuest`], [`guest_on_own_runtime`]).
//! - `tests/binary/`: what needs the real `boxpark-guest` process (command line, start-up, the
//!   handshake on a real socket, exit status, signals, leaks, staying up after bad input, stderr),
//!   plus one smoke test that the binary serves every part ([`GuestProcess`]).
//!
//! Both talk to the guest as a host does: through `<tempdir>/...sock` with the hybrid transport's
//! `CONNECT <port>` handshake ([`connect`]), with boxpark-proto's host client. The pieces:
//!
//! - [`host`]: the fake host's ports, host port 1 ([`EventHost`], or [`EventPort`] read step by
//!   step) and host port 2 ([`ProxyHost`]).
//! - [`servers`]: the targets the tests run themselves: echo servers for every proxy network and a
//!   minimal HTTP/1.1 server on a Unix socket (the stand-in for `/var/run/docker.sock`).
//! - [`logs`]: what the guest logged on the test's thread, for in-process tests.
//! - [`system`]: files, mounts and processes as the tests check them.
//!
//! Every wait is bounded ([`within`]); nothing here opens an `AF_VSOCK` socket.

pub mod host;
pub mod in_process;
pub mod logs;
pub mod process;
pub mod servers;
pub mod system;

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use boxpark_proto::api::RunRequest;
use boxpark_proto::host::{connect_hybrid, send_proxy_request, GuestClient};
use boxpark_proto::ports::GUEST_API_PORT;
use boxpark_proto::proxy::ProxyRequest;
use boxpark_proto::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

pub use host::{Event, EventHost, EventPort, HostConn, ProxyHost};
pub use in_process::{guest_on_own_runtime, BareGuest, InProcessGuest};
pub use process::{guest_binary, GuestProcess};

/// The longest any single step of a test may take.
pub const STEP: Duration = Duration::from_secs(20);

/// Awaits `f` for at most [`STEP`]; panics naming `what` when it takes longer.
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    within_for(STEP, what, f).await
}

/// Awaits `f` for at most `limit`; panics naming `what` when it takes longer.
pub async fn within_for<T>(limit: Duration, what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {limit:?}: {what}"),
    }
}

/// `<UDS>_<port>`: where a hybrid guest dials host port `port`.
pub fn host_path(uds: &Path, port: u32) -> PathBuf {
    let mut p = uds.as_os_str().to_owned();
    p.push(format!("_{port}"));
    PathBuf::from(p)
}

/// A new connection to guest port 1 of the guest on `uds` (after the handshake).
pub async fn connect(uds: &Path) -> UnixStream {
    within("hybrid handshake", connect_hybrid(uds, GUEST_API_PORT))
        .await
        .expect("connect to guest port 1")
}

/// A new connection to guest port 1, retried until the guest listens on `uds` (it binds its socket
/// on a thread of its own).
pub async fn connect_when_listening(uds: &Path) -> UnixStream {
    within("the guest's socket", async {
        loop {
            match connect_hybrid(uds, GUEST_API_PORT).await {
                Ok(conn) => return conn,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await
}

/// A new connection used as the RPC connection: only while none is open.
pub async fn connect_rpc(uds: &Path) -> GuestClient {
    GuestClient::new(connect(uds).await)
}

/// A new proxy connection that has sent `req` (an RPC connection must be open).
pub async fn proxy(uds: &Path, req: &ProxyRequest) -> UnixStream {
    let conn = connect(uds).await;
    within("sending a ProxyRequest", send_proxy_request(conn, req))
        .await
        .expect("send ProxyRequest")
}

/// A proxy request for `network` and `address`.
pub fn proxy_req(network: &str, address: &str) -> ProxyRequest {
    ProxyRequest {
        Network: network.into(),
        Address: address.into(),
        LocalAddress: "e2e-host".into(),
        ..ProxyRequest::default()
    }
}

/// A `launch` proxy request for `program` with `args`.
pub fn launch_req(program: &str, args: &[&str]) -> ProxyRequest {
    ProxyRequest {
        Args: args.iter().map(|a| a.to_string()).collect(),
        ..proxy_req("launch", program)
    }
}

/// A `Run` of `command` with `args`.
pub fn run_req(command: &str, args: &[&str]) -> RunRequest {
    RunRequest {
        Command: command.into(),
        Args: args.iter().map(|a| a.to_string()).collect(),
        ..RunRequest::default()
    }
}

/// A `Run` of `sh -c script`.
pub fn sh(script: &str) -> RunRequest {
    run_req("sh", &["-c", script])
}

/// The text of a call's error reply; panics on anything else.
pub fn server_error<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Server(text)) => text,
        other => panic!("expected an error reply, got {other:?}"),
    }
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Reads `conn` to its end: the bytes. A reset counts as an end (a Unix socket closed with unread
/// data resets its peer).
pub async fn read_all(conn: &mut UnixStream, what: &str) -> Vec<u8> {
    let mut got = Vec::new();
    match within(what, conn.read_to_end(&mut got)).await {
        Ok(_) => got,
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => got,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// The guest closes `conn` without writing anything (a reset counts as closed).
pub async fn assert_closed(mut conn: UnixStream, what: &str) {
    let got = read_all(&mut conn, what).await;
    assert!(
        got.is_empty(),
        "{what}: the guest wrote {} bytes",
        got.len()
    );
}

/// Writes `data` and half-closes, while reading everything that comes back.
pub async fn exchange(conn: UnixStream, data: Vec<u8>) -> Vec<u8> {
    let (mut rd, mut wr) = conn.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(&data).await.expect("write");
        wr.shutdown().await.expect("half-close");
        wr
    });
    let mut got = Vec::new();
    within("what comes back", rd.read_to_end(&mut got))
        .await
        .expect("read");
    let _wr = within("the writer", writer).await.expect("writer");
    got
}
