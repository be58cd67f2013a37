//! No leaked file descriptors or processes: after many proxy connections (good and bad) and
//! calls, the guest holds the descriptors it held before and has no children left.

use std::time::Duration;

use boxpark_e2e::servers::{tcp_echo, unix_echo, BYE};
use boxpark_e2e::system::{children, fd_count};
use boxpark_e2e::{proxy_req, within, GuestProcess};
use boxpark_proto::api::RunRequest;
use boxpark_proto::host::LaunchReader;
use boxpark_proto::proxy::LaunchOutput;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_descriptor_or_process_leaks() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    let tcp = tcp_echo().await;
    let unix = unix_echo(&g.path("echo.sock"));
    let file = g.path("data.txt");
    std::fs::write(&file, b"some bytes").expect("write file");
    // Warm up every path once, so lazily opened descriptors (runtime, sockets) are counted in.
    rpc.run(&RunRequest {
        Command: "true".into(),
        ..RunRequest::default()
    })
    .await
    .expect("Run true");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = fd_count(g.pid());

    for round in 0..20 {
        for req in [
            proxy_req("tcp", &tcp.addr.to_string()),
            proxy_req("unix", &unix.addr.display().to_string()),
        ] {
            let mut conn = g.proxy(&req).await;
            within("echo write", conn.write_all(b"ping"))
                .await
                .expect("write");
            within("half-close", conn.shutdown())
                .await
                .expect("shutdown");
            let mut got = Vec::new();
            within("echo read", conn.read_to_end(&mut got))
                .await
                .expect("read");
            // The echo servers add their goodbye after the host's half-close.
            assert_eq!(
                got,
                [b"ping".as_slice(), BYE].concat(),
                "round {round} {}",
                req.Network
            );
        }
        let mut conn = g
            .proxy(&proxy_req("file", &file.display().to_string()))
            .await;
        let mut got = Vec::new();
        within("file read", conn.read_to_end(&mut got))
            .await
            .expect("read");
        assert_eq!(got, b"some bytes");

        let mut launch = proxy_req("launch", "sh");
        launch.Args = vec!["-c".into(), "echo out; echo err >&2".into()];
        let mut reader = LaunchReader::new(BufReader::new(g.proxy(&launch).await));
        // Into one batch, as a host reading a long output would.
        let mut batch = LaunchOutput::default();
        while within("launch output", reader.next_into(&mut batch))
            .await
            .expect("launch")
        {}
        assert_eq!(reader.exit_code(), Some(0));

        // A launch the host abandons, and requests that fail.
        let mut sleeper = proxy_req("launch", "sleep");
        sleeper.Args = vec!["300".into()];
        drop(g.proxy(&sleeper).await);
        for bad in [
            proxy_req("tcp", "127.0.0.1:1"),
            proxy_req("file", "/nonexistent/file"),
            proxy_req("launch", "no-such-program-anywhere"),
            proxy_req("carrier-pigeon", "x"),
        ] {
            let mut conn = g.proxy(&bad).await;
            let mut got = Vec::new();
            let _ = within("refused", conn.read_to_end(&mut got)).await;
        }
        rpc.run(&RunRequest {
            Command: "sh".into(),
            Args: vec!["-c".into(), "sleep 0.01".into()],
            ..RunRequest::default()
        })
        .await
        .expect("Run");
    }

    // The abandoned sleepers get SIGTERM at once; give the guest a moment to reap and close.
    let mut after = usize::MAX;
    let mut left = Vec::new();
    for _ in 0..100 {
        after = fd_count(g.pid());
        left = children(g.pid());
        if after <= before && left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        after <= before,
        "the guest held {before} descriptors before and {after} after"
    );
    assert!(left.is_empty(), "children left behind: {left:?}");
}
