//! Smoke tests: the binary serves every part once (every method, every proxy network, the host
//! proxy), so that a wiring mistake in `main.rs` shows here. What each part does in detail is the
//! in-process suite's.

use boxpark_e2e::servers::{self, echo_reply, UnixgramEcho, BYE};
use boxpark_e2e::{
    exchange, launch_req, pattern, proxy_req, read_all, run_req, server_error, within, GuestProcess,
};
use boxpark_proto::api::{ListenRequest, MkdirRequest, MountRequest, WriteRequest};
use boxpark_proto::host::{read_datagram, write_datagram, GuestClient, LaunchReader};
use boxpark_proto::proxy::ProxyRequest;
use gob_codec::async_io::AsyncDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A guest with its RPC connection open, so that the next connections are proxy connections.
async fn guest() -> (GuestProcess, GuestClient) {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    // A call makes sure the guest has taken this connection as the RPC connection.
    within("Run true", rpc.run(&run_req("true", &[])))
        .await
        .expect("Run true");
    (g, rpc)
}

#[tokio::test]
async fn every_method() {
    let (g, rpc) = guest().await;
    let out = within("Run", rpc.run(&run_req("echo", &["hello"])))
        .await
        .expect("Run");
    assert_eq!(
        (out.ExitCode, out.Stdout.as_slice()),
        (0, b"hello\n".as_slice())
    );

    let dir = g.path_str("etc/app");
    within(
        "Mkdir",
        rpc.mkdir(&MkdirRequest {
            Path: dir.clone(),
            Mode: 0o750,
        }),
    )
    .await
    .expect("Mkdir");
    assert!(g.path("etc/app").is_dir());

    let file = format!("{dir}/conf");
    within(
        "Write",
        rpc.write(&WriteRequest {
            Path: file.clone(),
            Data: b"written".to_vec(),
            Mode: 0o600,
        }),
    )
    .await
    .expect("Write");
    assert_eq!(std::fs::read(&file).expect("read back"), b"written");

    // Mount's reply, without needing root: its error for a missing target.
    let missing = g.path_str("no-such-mountpoint");
    let r = within(
        "Mount",
        rpc.mount(&MountRequest {
            Source: "tmpfs".into(),
            Target: missing.clone(),
            FSType: "tmpfs".into(),
            ..MountRequest::default()
        }),
    )
    .await;
    assert_eq!(
        server_error(r),
        format!("mount tmpfs on {missing}: stat {missing}: no such file or directory")
    );

    let listened = within(
        "Listen",
        rpc.listen(&ListenRequest {
            Network: "tcp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 0,
        }),
    )
    .await
    .expect("Listen");
    assert!(
        listened.Address.starts_with("127.0.0.1:") && listened.Address != "127.0.0.1:0",
        "{}",
        listened.Address
    );
    // Shutdown: shutdown.rs.
}

#[tokio::test]
async fn every_proxy_network() {
    let (g, _rpc) = guest().await;

    let tcp = servers::tcp_echo().await;
    let unix = servers::unix_echo(&g.path("echo.sock"));
    for req in [
        proxy_req("tcp", &tcp.addr.to_string()),
        proxy_req("unix", &unix.addr.display().to_string()),
    ] {
        let data = pattern(64 << 10, 1);
        let got = exchange(g.proxy(&req).await, data.clone()).await;
        assert!(got == [data.as_slice(), BYE].concat(), "{}", req.Network);
    }

    let udp = servers::udp_echo().await;
    let unixgram = UnixgramEcho::start(&g.path("echo.dgram"));
    for req in [
        proxy_req("udp", &udp.addr.to_string()),
        proxy_req("unixgram", &unixgram.path.display().to_string()),
    ] {
        let (rd, mut wr) = g.proxy(&req).await.into_split();
        let mut dec = AsyncDecoder::new(BufReader::new(rd));
        within("write a datagram", write_datagram(&mut wr, b"ping"))
            .await
            .expect("write_datagram");
        let got = within("the echoed datagram", read_datagram(&mut dec))
            .await
            .expect("read_datagram");
        assert_eq!(got, Some(echo_reply(b"ping")), "{}", req.Network);
    }

    let path = g.path("data.bin");
    std::fs::write(&path, b"the file").expect("write the file");
    let mut conn = g
        .proxy(&proxy_req("file", &path.display().to_string()))
        .await;
    assert_eq!(read_all(&mut conn, "the file").await, b"the file");

    let launch = ProxyRequest {
        Env: vec!["E2E=from env".into()],
        ..launch_req("sh", &["-c", "echo \"$E2E\"; exit 7"])
    };
    let mut reader = LaunchReader::new(BufReader::new(g.proxy(&launch).await));
    let mut lines = Vec::new();
    while let Some(out) = within("launch output", reader.next())
        .await
        .expect("a LaunchOutput")
    {
        lines.extend(out.Lines);
    }
    assert_eq!(lines, ["from env"]);
    assert_eq!(reader.exit_code(), Some(7));
}

#[tokio::test]
async fn the_host_proxy() {
    let (g, rpc) = guest().await;
    let listened = within(
        "Listen tcp",
        rpc.listen(&ListenRequest {
            Network: "tcp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 0,
        }),
    )
    .await
    .expect("Listen tcp");
    let mut client = within("connect", TcpStream::connect(&listened.Address))
        .await
        .expect("connect to the guest's socket");
    let conn = g.host.next().await;
    assert_eq!(conn.req.Network, "tcp");
    assert_eq!(conn.req.LocalAddress, listened.Address);
    let mut host = conn.into_stream();
    client.write_all(b"from the client").await.expect("write");
    let mut got = [0u8; 15];
    within("the client's bytes at the host", host.read_exact(&mut got))
        .await
        .expect("read");
    assert_eq!(&got, b"from the client");
    host.write_all(b"from the host").await.expect("write");
    host.shutdown().await.expect("close");
    let mut got = Vec::new();
    within(
        "the host's bytes at the client",
        client.read_to_end(&mut got),
    )
    .await
    .expect("read");
    assert_eq!(got, b"from the host");
}
