//! The RPC connection itself: unknown methods, concurrent calls, a closed connection, and what the
//! guest logs about calls and about the connection.

use std::time::{Duration, Instant};

use boxpark_e2e::host::mentions;
use boxpark_e2e::logs::Logs;
use boxpark_e2e::system::{live_in_group, read_pid, wait_group_gone};
use boxpark_e2e::{run_req, server_error, sh, within, InProcessGuest};
use boxpark_proto::api::{Empty, MkdirRequest, RunRequest};
use boxpark_proto::event::level;
use boxpark_proto::Error;

#[tokio::test]
async fn closing_the_connection_kills_a_running_command_and_frees_the_rpc_slot() {
    let g = InProcessGuest::start();
    let client = g.connect_rpc().await;
    let pidfile = g.path("pid");
    let req = sh(&format!(
        "echo $$ > {}; sleep 30 & sleep 30",
        pidfile.display()
    ));
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.run(&req).await })
    };
    let pgid = read_pid(&pidfile).await;
    assert!(live_in_group(pgid) > 0);
    // The host goes away: every clone of the client dropped closes the connection.
    call.abort();
    let _ = call.await;
    drop(client);
    wait_group_gone(pgid, Duration::from_secs(5)).await;

    // The next connection is the RPC connection again.
    let client = g.connect_rpc().await;
    let out = within(
        "Run on the new RPC connection",
        client.run(&run_req("echo", &["again"])),
    )
    .await
    .expect("new RPC connection");
    assert_eq!(out.Stdout, b"again\n");
}

#[tokio::test]
async fn unknown_method_keeps_the_connection_usable() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let r: Result<Empty, Error> =
        within("Guest.Nope", rpc.client().call("Guest.Nope", &Empty {})).await;
    assert_eq!(server_error(r), "rpc: can't find method Guest.Nope");
    let r: Result<Empty, Error> =
        within("Nope.Run", rpc.client().call("Nope.Run", &Empty {})).await;
    assert_eq!(server_error(r), "rpc: can't find service Nope.Run");
    let out = within("Run", rpc.run(&run_req("echo", &["still here"])))
        .await
        .expect("echo");
    assert_eq!(out.Stdout, b"still here\n");
}

#[tokio::test]
async fn calls_run_concurrently() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let slow = {
        let client = rpc.clone();
        tokio::spawn(async move { client.run(&sh("sleep 1; echo slow")).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    within(
        "Mkdir",
        rpc.mkdir(&MkdirRequest {
            Path: g.path_str("x"),
            Mode: 0,
        }),
    )
    .await
    .expect("mkdir");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "mkdir waited for run"
    );
    let out = within("the slow Run", slow)
        .await
        .expect("join")
        .expect("slow run");
    assert_eq!(out.Stdout, b"slow\n");
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_call_is_a_warning() {
    let (logs, _logging) = Logs::capture();
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;

    let file = g.path("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let below = file.join("sub");
    let err = within(
        "Mkdir below a file",
        rpc.mkdir(&MkdirRequest {
            Path: below.display().to_string(),
            Mode: 0,
        }),
    )
    .await
    .expect_err("Mkdir below a file fails");
    let text = err.to_string();
    assert_eq!(text, format!("mkdir {}: not a directory", file.display()));
    let log = logs
        .wait_for("a warning about the failed Mkdir", |l| {
            l.Level == level::WARN && mentions(l, "Guest.Mkdir")
        })
        .await;
    assert_eq!(log.Attrs.get("error"), Some(&text), "{log:?}");

    let err = within(
        "Run a missing program",
        rpc.run(&RunRequest {
            Command: "e2e-no-such-program".into(),
            ..RunRequest::default()
        }),
    )
    .await
    .expect_err("a missing program fails");
    assert_eq!(
        err.to_string(),
        "exec: \"e2e-no-such-program\": executable file not found in $PATH"
    );
    logs.wait_for("a warning about the failed Run", |l| {
        l.Level == level::WARN && mentions(l, "e2e-no-such-program")
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn opening_and_closing_the_rpc_connection_is_logged() {
    let (logs, _logging) = Logs::capture();
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    within("Run", rpc.run(&run_req("true", &[])))
        .await
        .expect("Run true");
    let opened = logs
        .wait_for("RPC connection opened", |l| {
            l.Message == "RPC connection opened"
        })
        .await;
    assert_eq!(opened.Level, level::INFO);
    rpc.client().close().expect("close");
    drop(rpc);
    let closed = logs
        .wait_for("RPC connection closed", |l| {
            l.Message == "RPC connection closed"
        })
        .await;
    assert_eq!(closed.Level, level::INFO);
    assert!(logs.warnings().is_empty(), "{}", logs.describe());
}
