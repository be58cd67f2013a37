//! Proxy connections of the stream, datagram and file networks, and the requests the guest
//! refuses. (`launch` is in `launch.rs`.)

use boxpark_e2e::logs::Logs;
use boxpark_e2e::servers::{self, echo_reply, UnixgramEcho, BYE};
use boxpark_e2e::{
    assert_closed, connect, exchange, launch_req, pattern, proxy_req, read_all, within,
    InProcessGuest,
};
use boxpark_proto::event::level;
use boxpark_proto::proxy::{datagram, ProxyRequest};
use gob_codec::async_io::AsyncDecoder;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixStream};

fn with_bye(data: &[u8]) -> Vec<u8> {
    [data, BYE].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_splices_both_ways_and_passes_half_close_on() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let echo = servers::tcp_echo().await;
    let conn = g.proxy(&proxy_req("tcp", &echo.addr.to_string())).await;
    let data = pattern(1 << 20, 1);
    let got = exchange(conn, data.clone()).await;
    assert_eq!(got.len(), data.len() + BYE.len());
    assert!(got == with_bye(&data), "echo differs");
    echo.wait_completed(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_splices_both_ways_and_passes_half_close_on() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let echo = servers::unix_echo(&g.path("echo.sock"));
    let conn = g
        .proxy(&proxy_req("unix", &echo.addr.display().to_string()))
        .await;
    let data = pattern(300 << 10, 2);
    let got = exchange(conn, data.clone()).await;
    assert!(got == with_bye(&data), "echo differs");
    echo.wait_completed(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_in_the_same_write_as_the_request_are_not_lost() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let echo = servers::tcp_echo().await;
    let mut conn = connect(g.uds()).await;
    let mut first = gob_codec::to_vec(&proxy_req("tcp", &echo.addr.to_string())).expect("encode");
    first.extend_from_slice(b"right after the request");
    conn.write_all(&first).await.expect("write");
    conn.shutdown().await.expect("half-close");
    let got = read_all(&mut conn, "the echo").await;
    assert_eq!(got, b"right after the requestbye");
    echo.wait_completed(1).await;
}

/// Writes each datagram as a gob `[]byte`, then reads one reply per datagram; then closes.
async fn datagram_round_trip(conn: UnixStream, sizes: &[usize]) {
    let (rd, mut wr) = conn.into_split();
    let mut dec = AsyncDecoder::new(rd);
    for (i, &n) in sizes.iter().enumerate() {
        let data = pattern(n, i as u64 + 10);
        let mut frame = Vec::new();
        datagram::encode(&mut frame, &data);
        wr.write_all(&frame).await.expect("write a datagram");
        let reply: Vec<u8> = within("the echoed datagram", dec.decode())
            .await
            .expect("decode the reply");
        assert!(
            reply == echo_reply(&data),
            "datagram {i} ({n} bytes) came back different"
        );
    }
    // The host closes its side: the guest closes the connection.
    wr.shutdown().await.expect("shutdown");
    let end = within("the end of the datagram stream", dec.decode::<Vec<u8>>()).await;
    assert!(end.as_ref().is_err_and(|e| e.is_eof()), "{end:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_datagrams_both_ways() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let echo = servers::udp_echo().await;
    let conn = g.proxy(&proxy_req("udp", &echo.addr.to_string())).await;
    datagram_round_trip(conn, &[5, 0, 1, 1400, 60_000]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unixgram_datagrams_both_ways() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let echo = UnixgramEcho::start(&g.path("echo.dgram"));
    let conn = g
        .proxy(&proxy_req("unixgram", &echo.path.display().to_string()))
        .await;
    let sizes = [5, 0, 1, 1400, 60_000];
    datagram_round_trip(conn, &sizes).await;
    let (answered, from_abstract) = echo.answered();
    assert_eq!(answered, sizes.len());
    assert_eq!(
        from_abstract, answered,
        "the guest's socket should have an abstract name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_is_sent_whole() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    for (name, len) in [("empty", 0usize), ("small", 100), ("large", 8 << 20)] {
        let path = g.path(name);
        let data = pattern(len, len as u64);
        std::fs::write(&path, &data).expect("write the file");
        let mut conn = g
            .proxy(&proxy_req("file", &path.display().to_string()))
            .await;
        let got = read_all(&mut conn, name).await;
        assert_eq!(got.len(), data.len(), "{name}");
        assert!(got == data, "{name}: content differs");
    }
}

// One thread, so that the guest's tasks log to this thread's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn bad_requests_close_the_connection_and_the_guest_goes_on() {
    let (logs, _logging) = Logs::capture();
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address")
        .to_string();
    let missing = g.path_str("missing");
    let good = g.path("good");
    std::fs::write(&good, b"still serving").expect("write");

    // Not gob: a length of 255 with too few bytes before the end of stream.
    let mut conn = connect(g.uds()).await;
    conn.write_all(b"\xff\xffnot gob").await.expect("write");
    conn.shutdown().await.expect("half-close");
    assert_closed(conn, "garbage").await;
    // A message length far over the limit: refused at once, without an end of stream.
    let mut conn = connect(g.uds()).await;
    conn.write_all(b"\xf8\x7f\xff\xff\xff\xff\xff\xff\xff")
        .await
        .expect("write");
    assert_closed(conn, "huge message").await;

    let bad = [
        proxy_req("gopher", "somewhere"),
        proxy_req("tcp", &closed_port),
        proxy_req("tcp", "not an address"),
        proxy_req("unix", &missing),
        proxy_req("unixgram", &missing),
        proxy_req("file", &missing),
        proxy_req("file", &g.dir().display().to_string()),
        launch_req("no-such-program-boxpark", &[]),
        launch_req(&missing, &[]),
        ProxyRequest {
            Dir: missing.clone(),
            ..launch_req("true", &[])
        },
    ];
    for r in &bad {
        let conn = g.proxy(r).await;
        assert_closed(conn, &format!("{} {}", r.Network, r.Address)).await;
        let mut conn = g
            .proxy(&proxy_req("file", &good.display().to_string()))
            .await;
        assert_eq!(read_all(&mut conn, "the good file").await, b"still serving");
    }

    let warnings = logs.warnings();
    assert_eq!(
        warnings
            .iter()
            .filter(|l| l.Message == "proxy connection: bad ProxyRequest")
            .count(),
        2,
        "{}",
        logs.describe()
    );
    for r in &bad {
        let named = warnings.iter().any(|l| {
            l.Level == level::WARN
                && l.Attrs.get("network") == Some(&r.Network)
                && l.Attrs.get("address") == Some(&r.Address)
        });
        assert!(
            named,
            "no warning with network {:?} and address {:?} in:\n{}",
            r.Network,
            r.Address,
            logs.describe()
        );
    }
}
