//! `Guest.Shutdown`: the reply is written before `run` returns its action, and running commands
//! are killed.

use std::time::{Duration, Instant};

use boxpark_e2e::system::{read_pid, wait_group_gone};
use boxpark_e2e::{
    connect_when_listening, guest_on_own_runtime, run_req, server_error, sh, within, InProcessGuest,
};
use boxpark_guest::events::EventQueue;
use boxpark_guest::{PowerAction, Shutdown};
use boxpark_proto::api::ShutdownRequest;
use boxpark_proto::host::GuestClient;

async fn shutdown_returns(reboot: bool, want: PowerAction) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sock = dir.path().join("guest.sock");
    let guest = guest_on_own_runtime(sock.clone(), Shutdown::new(), EventQueue::new(64));
    let client = GuestClient::new(connect_when_listening(&sock).await);
    within(
        "Shutdown",
        client.shutdown(&ShutdownRequest { Reboot: reboot }),
    )
    .await
    .expect("the reply is written before the guest stops");
    let action = within(
        "the guest's thread",
        tokio::task::spawn_blocking(move || guest.join()),
    )
    .await
    .expect("join")
    .expect("guest thread");
    assert_eq!(action, want);
    // The RPC connection was closed after the reply.
    let r = within("Run after Shutdown", client.run(&run_req("true", &[]))).await;
    assert!(matches!(&r, Err(e) if e.is_connection_error()), "{r:?}");
}

#[tokio::test]
async fn shutdown_reboot_replies_then_run_returns_reboot() {
    shutdown_returns(true, PowerAction::Reboot).await;
}

#[tokio::test]
async fn shutdown_power_off_replies_then_run_returns_power_off() {
    // Several times: a reply written after the runtime is gone would be lost now and then.
    for _ in 0..20 {
        shutdown_returns(false, PowerAction::PowerOff).await;
    }
}

#[tokio::test]
async fn shutdown_kills_running_commands_and_still_replies() {
    let mut g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let pidfile = g.path("pid");
    let client = rpc.clone();
    let req = sh(&format!("echo $$ > {}; sleep 30", pidfile.display()));
    let running = tokio::spawn(async move { client.run(&req).await });
    let pgid = read_pid(&pidfile).await;
    let started = Instant::now();
    within("Shutdown", rpc.shutdown(&ShutdownRequest { Reboot: false }))
        .await
        .expect("shutdown reply");
    assert_eq!(g.stopped().await, PowerAction::PowerOff);
    assert!(started.elapsed() < Duration::from_secs(5));
    let r = within("the running call", running).await.expect("join");
    assert_eq!(
        server_error(r),
        "command killed: the RPC connection is closing"
    );
    wait_group_gone(pgid, Duration::from_secs(5)).await;
}
