//! Bad inputs, one after the other on one guest: each is refused (an error reply or a closed
//! connection) with a warning on the event stream, and the guest goes on serving.

use boxpark_e2e::host::mentions;
use boxpark_e2e::{assert_closed, proxy_req, within, GuestProcess};
use boxpark_proto::api::{ListenRequest, RunRequest};
use boxpark_proto::event::level;
use boxpark_proto::host::GuestClient;
use boxpark_proto::proxy::ProxyRequest;
use tokio::io::AsyncWriteExt;

/// A gob message length of 2^64-1: `0xf8` says eight bytes of length follow.
const HUGE_LENGTH: [u8; 9] = [0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/// A `Run` answers as usual.
async fn still_serving(rpc: &GuestClient, what: &str) {
    let out = within(
        what,
        rpc.run(&RunRequest {
            Command: "echo".into(),
            Args: vec![what.into()],
            ..RunRequest::default()
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("Run after {what}: {e}"));
    assert_eq!(out.Stdout, format!("{what}\n").into_bytes());
}

/// Sends `req` on a new proxy connection and expects it closed, with a warning that mentions
/// `needle`.
async fn refused(g: &GuestProcess, req: &ProxyRequest, needle: &str) {
    let mark = g.events.mark();
    let conn = g.proxy(req).await;
    assert_closed(conn, &format!("{} {}", req.Network, req.Address)).await;
    let log = g
        .events
        .wait_log(mark, &format!("a warning mentioning {needle:?}"), |l| {
            l.Level == level::WARN && mentions(l, needle)
        })
        .await;
    assert_eq!(log.Message, "proxy request failed", "{log:?}");
    assert_eq!(log.Attrs.get("network"), Some(&req.Network), "{log:?}");
    assert_eq!(log.Attrs.get("address"), Some(&req.Address), "{log:?}");
}

/// Closes the RPC connection and waits until the guest has seen it go.
async fn close_rpc(g: &GuestProcess, rpc: GuestClient) {
    let mark = g.events.mark();
    rpc.client().close().expect("close");
    drop(rpc);
    g.events
        .wait_log(mark, "RPC connection closed", |l| {
            l.Message == "RPC connection closed"
        })
        .await;
}

#[tokio::test]
async fn bad_inputs_are_refused_and_the_guest_goes_on() {
    let mut g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    still_serving(&rpc, "start").await;

    // Garbage instead of a ProxyRequest.
    let mark = g.events.mark();
    let mut conn = g.connect().await;
    conn.write_all(b"\x05\xff\xfe\xfd\xfc\xfbGET / HTTP/1.1\r\n\r\n")
        .await
        .expect("write garbage");
    assert_closed(conn, "garbage").await;
    g.events
        .wait_log(mark, "bad ProxyRequest (garbage)", |l| {
            l.Level == level::WARN && l.Message == "proxy connection: bad ProxyRequest"
        })
        .await;
    still_serving(&rpc, "garbage").await;

    // A proxy connection whose first length prefix is huge.
    let mark = g.events.mark();
    let mut conn = g.connect().await;
    conn.write_all(&HUGE_LENGTH).await.expect("write");
    assert_closed(conn, "huge proxy length").await;
    g.events
        .wait_log(mark, "bad ProxyRequest (huge length)", |l| {
            l.Level == level::WARN && l.Message == "proxy connection: bad ProxyRequest"
        })
        .await;

    refused(&g, &proxy_req("sctp", "127.0.0.1:1"), "unknown network").await;
    still_serving(&rpc, "unknown network").await;

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    refused(
        &g,
        &proxy_req("tcp", &format!("127.0.0.1:{port}")),
        "refused",
    )
    .await;
    refused(
        &g,
        &proxy_req("unix", &g.path_str("nobody.sock")),
        "such file or directory",
    )
    .await;
    still_serving(&rpc, "unreachable").await;

    refused(
        &g,
        &proxy_req("file", &g.path_str("missing.txt")),
        "such file or directory",
    )
    .await;
    still_serving(&rpc, "missing file").await;

    refused(&g, &proxy_req("launch", "e2e-no-such-program"), "not found").await;
    refused(
        &g,
        &proxy_req("launch", "/nonexistent/e2e-prog"),
        "such file or directory",
    )
    .await;
    still_serving(&rpc, "missing program").await;

    // Failed calls: an error reply, a warning, and the connection stays usable.
    let mark = g.events.mark();
    let err = within(
        "Listen on an unknown network",
        rpc.listen(&ListenRequest {
            Network: "sctp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 0,
        }),
    )
    .await
    .expect_err("unknown network");
    assert_eq!(err.to_string(), "listen sctp: unknown network sctp");
    g.events
        .wait_log(mark, "a warning about Listen", |l| {
            l.Level == level::WARN && mentions(l, "Guest.Listen")
        })
        .await;
    still_serving(&rpc, "failed call").await;

    // The host closes the RPC connection and opens a new one.
    close_rpc(&g, rpc).await;
    let rpc = g.connect_rpc().await;
    still_serving(&rpc, "reconnected").await;
    close_rpc(&g, rpc).await;

    // A fresh RPC connection that starts with a huge length prefix: closed, with a warning.
    let mark = g.events.mark();
    let mut conn = g.connect().await;
    conn.write_all(&HUGE_LENGTH).await.expect("write");
    assert_closed(conn, "huge RPC length").await;
    g.events
        .wait_log(mark, "RPC connection failed", |l| {
            l.Level == level::WARN && l.Message == "RPC connection failed"
        })
        .await;
    g.events
        .wait_log(mark, "RPC connection closed", |l| {
            l.Message == "RPC connection closed"
        })
        .await;

    let rpc = g.connect_rpc().await;
    still_serving(&rpc, "after the huge length").await;

    assert!(g.alive(), "the guest still runs");
    let stderr = g.stderr();
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
}
