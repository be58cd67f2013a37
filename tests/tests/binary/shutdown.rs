//! How the process ends: after the `Shutdown` reply, and on SIGTERM or SIGINT, with exit status 0
//! and what it launched stopped.

use std::time::Duration;

use boxpark_e2e::system::running;
use boxpark_e2e::{launch_req, run_req, within, within_for, GuestProcess};
use boxpark_proto::api::ShutdownRequest;
use boxpark_proto::host::LaunchReader;
use nix::sys::signal::Signal;
use tokio::io::BufReader;

#[tokio::test]
async fn shutdown_replies_then_the_process_exits_0() {
    let mut g = GuestProcess::start().await;
    // Not PID 1, so Shutdown only makes the process exit: it never powers anything off.
    assert_ne!(g.pid(), 1);
    let rpc = g.connect_rpc().await;
    within("Shutdown", rpc.shutdown(&ShutdownRequest { Reboot: false }))
        .await
        .expect("the Shutdown reply");
    let status = g.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(!g.stderr().contains("panicked"));
}

#[tokio::test]
async fn a_termination_signal_stops_the_guest_and_what_it_launched() {
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let mut g = GuestProcess::start().await;
        let rpc = g.connect_rpc().await;
        // Wait until the guest has taken that connection as the RPC connection.
        within("Run true", rpc.run(&run_req("true", &[])))
            .await
            .expect("Run true");
        // A launched shell and its background child, which print their pids.
        let launch = launch_req("sh", &["-c", "sleep 300 & echo $!; echo $$; wait"]);
        let mut reader = LaunchReader::new(BufReader::new(g.proxy(&launch).await));
        let mut lines = Vec::new();
        while lines.len() < 2 {
            let out = within("the pids", reader.next())
                .await
                .expect("a LaunchOutput")
                .expect("output before Exited");
            lines.extend(out.Lines);
        }
        let pids: Vec<i32> = lines.iter().map(|l| l.parse().expect("a pid")).collect();
        assert!(pids.iter().all(|&p| running(p)), "{pids:?} should run");

        g.signal(signal);
        let status = g.wait_exit(Duration::from_secs(10)).await;
        assert_eq!(status.code(), Some(0), "{signal}: {status}");
        within_for(
            Duration::from_secs(10),
            "the launched processes to be stopped",
            async {
                while pids.iter().any(|&p| running(p)) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        )
        .await;
        assert!(!g.stderr().contains("panicked"), "{signal}");
    }
}
