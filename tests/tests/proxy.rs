//! Every proxy network through `send_proxy_request`, against targets the test runs.
#![allow(non_snake_case)]

use boxpark_e2e::servers::{self, echo_reply, UnixgramEcho, BYE};
use boxpark_e2e::{pattern, proxy_req, within, GuestProcess};
use boxpark_proto::host::{read_datagram, write_datagram, GuestClient, LaunchReader};
use boxpark_proto::proxy::{batch, ProxyRequest};
use gob_codec::async_io::AsyncDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// A guest with its RPC connection open, so that the next connections are proxy connections.
async fn guest() -> (GuestProcess, GuestClient) {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    // A call makes sure the guest has taken this connection as the RPC connection.
    within(
        "Run true",
        rpc.run(&boxpark_proto::api::RunRequest {
            Command: "true".into(),
            ..Default::default()
        }),
    )
    .await
    .expect("Run true");
    (g, rpc)
}

/// Writes `data` and half-closes, while reading everything that comes back.
async fn exchange(conn: UnixStream, data: Vec<u8>) -> Vec<u8> {
    let (mut rd, mut wr) = conn.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(&data).await.expect("write");
        wr.shutdown().await.expect("half-close");
        wr
    });
    let mut got = Vec::new();
    within("the echo", rd.read_to_end(&mut got))
        .await
        .expect("read");
    let _wr = within("the writer", writer).await.expect("writer");
    got
}

#[tokio::test]
async fn tcp_bytes_both_ways_with_half_close() {
    let (g, _rpc) = guest().await;
    let echo = servers::tcp_echo().await;
    let conn = g.proxy(&proxy_req("tcp", &echo.addr.to_string())).await;
    let data = pattern(512 << 10, 1);
    let got = exchange(conn, data.clone()).await;
    assert_eq!(got.len(), data.len() + BYE.len());
    assert!(got[..data.len()] == data[..], "the echo differs");
    assert_eq!(&got[data.len()..], BYE, "written after the half-close");
}

#[tokio::test]
async fn unix_bytes_both_ways_with_half_close() {
    let (g, _rpc) = guest().await;
    let echo = servers::unix_echo(&g.path("echo.sock"));
    let conn = g
        .proxy(&proxy_req("unix", &echo.addr.display().to_string()))
        .await;
    let data = pattern(300 << 10, 2);
    let got = exchange(conn, data.clone()).await;
    assert_eq!(got.len(), data.len() + BYE.len());
    assert!(got[..data.len()] == data[..], "the echo differs");
    assert_eq!(&got[data.len()..], BYE);
}

/// Sends datagrams of several sizes and expects each echo back, in order.
async fn datagrams_both_ways(g: &GuestProcess, req: &ProxyRequest) {
    let conn = g.proxy(req).await;
    let (rd, mut wr) = conn.into_split();
    let mut dec = AsyncDecoder::new(BufReader::new(rd));
    for (i, len) in [0usize, 1, 5, 1400, 60_000].into_iter().enumerate() {
        let data = pattern(len, i as u64 + 10);
        within("write a datagram", write_datagram(&mut wr, &data))
            .await
            .expect("write_datagram");
        let got = within("the echoed datagram", read_datagram(&mut dec))
            .await
            .expect("read_datagram")
            .expect("a datagram, not the end");
        assert!(got == echo_reply(&data), "datagram {i} ({len} bytes)");
    }
    // The host closes: the guest ends the connection too.
    wr.shutdown().await.expect("shutdown");
    let end = within("the end of the datagram stream", read_datagram(&mut dec))
        .await
        .expect("clean end");
    assert_eq!(end, None);
}

#[tokio::test]
async fn udp_datagrams_both_ways() {
    let (g, _rpc) = guest().await;
    let echo = servers::udp_echo().await;
    datagrams_both_ways(&g, &proxy_req("udp", &echo.addr.to_string())).await;
}

#[tokio::test]
async fn unixgram_datagrams_both_ways() {
    let (g, _rpc) = guest().await;
    let echo = UnixgramEcho::start(&g.path("echo.dgram"));
    datagrams_both_ways(&g, &proxy_req("unixgram", &echo.path.display().to_string())).await;
}

#[tokio::test]
async fn file_content() {
    let (g, _rpc) = guest().await;
    let path = g.path("data.bin");
    let data = pattern(1 << 20, 4);
    std::fs::write(&path, &data).expect("write the file");
    let mut conn = g
        .proxy(&proxy_req("file", &path.display().to_string()))
        .await;
    let mut got = Vec::new();
    within("the file", conn.read_to_end(&mut got))
        .await
        .expect("read");
    assert!(
        got == data,
        "{} bytes, not the file's {}",
        got.len(),
        data.len()
    );
}

#[tokio::test]
async fn launch_lines_stderr_and_exit_code() {
    let (g, _rpc) = guest().await;
    let script = "i=0; while [ $i -lt 150 ]; do echo out$i; i=$((i+1)); done; \
                  echo err1 >&2; echo err2 >&2; pwd; echo \"$E2E\"; printf partial; exit 7";
    let req = ProxyRequest {
        Args: vec!["-c".into(), script.into()],
        Env: vec!["E2E=from env".into()],
        Dir: g.dir().display().to_string(),
        ..proxy_req("launch", "sh")
    };
    let conn = g.proxy(&req).await;
    let mut reader = LaunchReader::new(BufReader::new(conn));
    let (mut stdout, mut stderr, mut batches) = (Vec::new(), Vec::new(), 0);
    let last = loop {
        let out = within("launch output", reader.next())
            .await
            .expect("a LaunchOutput")
            .expect("output until Exited");
        if out.Exited {
            break out;
        }
        assert!(
            out.Lines.len() <= batch::MAX_LINES,
            "{} lines",
            out.Lines.len()
        );
        assert!(!out.Lines.is_empty(), "an empty batch");
        match out.Stream {
            1 => {
                batches += 1;
                stdout.extend(out.Lines);
            }
            2 => stderr.extend(out.Lines),
            s => panic!("stream {s}"),
        }
    };
    assert_eq!((last.Stream, last.ExitCode), (0, 7));
    assert!(last.Lines.is_empty(), "{:?}", last.Lines);
    assert_eq!(reader.exit_code(), Some(7));
    assert!(within("nothing after Exited", reader.next())
        .await
        .expect("ok")
        .is_none());

    let mut want: Vec<String> = (0..150).map(|i| format!("out{i}")).collect();
    want.push(g.dir().display().to_string());
    want.push("from env".into());
    want.push("partial".into());
    assert_eq!(stdout, want);
    assert_eq!(stderr, ["err1", "err2"]);
    assert!(batches >= 3, "150 lines in {batches} batches");
}
