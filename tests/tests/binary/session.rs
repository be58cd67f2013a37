//! The typical session of the contract, on a test machine: the daemon's configuration with
//! `Mkdir` and `Write`, a `unixgram` notify socket with `Listen`, the daemon started by a `launch`
//! proxy connection (its lines in batches, `READY=1` through the notify socket), an HTTP round
//! trip to its API socket through a `unix` proxy connection, and the daemon stopped when the host
//! closes the launch connection.

use std::time::{Duration, Instant};

use boxpark_e2e::servers::{http_get, http_ping};
use boxpark_e2e::system::process_exists;
use boxpark_e2e::{proxy_req, within, within_for, GuestProcess};
use boxpark_proto::api::{ListenRequest, MkdirRequest, WriteRequest};
use boxpark_proto::host::LaunchReader;
use boxpark_proto::proxy::{batch, ProxyRequest};
use tokio::io::BufReader;

const NOTIFY_SEND: &str = env!("CARGO_BIN_EXE_notify_send");

#[tokio::test]
async fn typical_session() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;

    // The daemon's configuration.
    let etc = g.path_str("etc/docker");
    within(
        "Mkdir",
        rpc.mkdir(&MkdirRequest {
            Path: etc.clone(),
            Mode: 0o755,
        }),
    )
    .await
    .expect("Mkdir");
    let config = br#"{"log-driver":"json-file","storage-driver":"overlay2"}"#.to_vec();
    let config_path = format!("{etc}/daemon.json");
    within(
        "Write",
        rpc.write(&WriteRequest {
            Path: config_path.clone(),
            Data: config.clone(),
            Mode: 0o644,
        }),
    )
    .await
    .expect("Write");
    assert_eq!(std::fs::read(&config_path).expect("read back"), config);

    // The notify socket, to learn when the daemon is ready.
    let notify = g.path_str("notify");
    let listened = within(
        "Listen unixgram",
        rpc.listen(&ListenRequest {
            Network: "unixgram".into(),
            Address: notify.clone(),
            BufferSize: 4096,
        }),
    )
    .await
    .expect("Listen unixgram");
    assert_eq!(listened.Address, notify);

    // The daemon's API socket.
    let api = http_ping(&g.path("docker.sock"));

    // The daemon: its PID first, a start line, 100 log lines, READY=1, then it runs on.
    let script = format!(
        "echo $$; echo starting; i=0; while [ $i -lt 100 ]; do echo log$i; i=$((i+1)); done; \
         '{NOTIFY_SEND}' '{notify}' READY=1 || exit 9; echo ready; sleep 30"
    );
    let launch = ProxyRequest {
        Args: vec!["-c".into(), script],
        ..proxy_req("launch", "sh")
    };
    let conn = g.proxy(&launch).await;
    let mut reader = LaunchReader::new(BufReader::new(conn));
    let started = Instant::now();
    let (mut lines, mut batches) = (Vec::<String>::new(), 0);
    while !lines.iter().any(|l| l == "ready") {
        let out = within("the daemon's output", reader.next())
            .await
            .expect("a LaunchOutput")
            .expect("a batch");
        assert!(
            !out.Exited,
            "the daemon exited ({}): {lines:?}",
            out.ExitCode
        );
        assert_eq!(out.Stream, 1, "stderr: {:?}", out.Lines);
        assert!(
            out.Lines.len() <= batch::MAX_LINES,
            "{} lines",
            out.Lines.len()
        );
        batches += 1;
        lines.extend(out.Lines);
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(batches > 1, "{} lines in one batch", lines.len());
    let pid: i32 = lines[0].parse().expect("the daemon's pid first");
    assert_eq!(lines[1], "starting");
    let logs: Vec<String> = (0..100).map(|i| format!("log{i}")).collect();
    assert_eq!(lines[2..102], logs[..], "all 100 log lines, in order");
    assert_eq!(lines[102..], ["ready"]);
    assert!(process_exists(pid), "the daemon runs");

    // READY=1 reached the host from an unnamed sender.
    let mut ready = g.host.next().await;
    assert_eq!(ready.req.Network, "unixgram");
    assert_eq!(ready.req.ListenAddress, notify);
    assert_eq!(ready.req.LocalAddress, notify);
    assert_eq!(ready.req.RemoteAddress, "");
    assert_eq!(ready.datagram().await.expect("a datagram"), b"READY=1");

    // The Docker API through a unix proxy connection: two requests on one kept-alive connection.
    let mut conn = g
        .proxy(&proxy_req("unix", &api.addr.display().to_string()))
        .await;
    let mut buf = Vec::new();
    for close in [false, true] {
        let resp = http_get(&mut conn, &mut buf, "/_ping", close).await;
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        assert!(resp.headers.iter().any(|h| h == "Api-Version: 1.43"));
        assert_eq!(resp.body, b"OK");
    }
    drop(conn);

    // The host closes the launch connection: the daemon's process group is stopped.
    drop(reader);
    let closed = Instant::now();
    within_for(Duration::from_secs(7), "the daemon to be stopped", async {
        while process_exists(pid) || process_exists(-pid) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    eprintln!(
        "the daemon was gone {:?} after the hang-up",
        closed.elapsed()
    );
}
