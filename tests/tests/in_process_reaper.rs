//! In-process suite (see `in_process/main.rs`), in a test process of its own: the zombie reaper,
//! for real, without being PID 1. This test process makes itself a child subreaper (prctl), so
//! orphans of the processes it starts are re-parented to it as they would be to PID 1. Its own
//! registered children must keep their exit statuses meanwhile. Everything here runs in this test
//! binary's own process, so the subreaper setting affects no other test.

use std::time::{Duration, Instant};

use boxpark_e2e::within_for;
use boxpark_guest::reaper::{self, ChildRegistry};
use tokio::process::Command;

fn zombie_children() -> Vec<i32> {
    let me = std::process::id() as i32;
    reaper::processes()
        .into_iter()
        .filter(|p| p.ppid == me && p.state == 'Z')
        .map(|p| p.pid)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orphans_are_reaped_and_registered_children_keep_their_status() {
    nix::sys::prctl::set_child_subreaper(true).expect("prctl(PR_SET_CHILD_SUBREAPER)");
    let registry: &'static ChildRegistry = reaper::children();
    let reaper = reaper::start_reaper(registry).expect("start the reaper");

    let test = async {
        // Orphan makers: each leaves two background sleeps that are re-parented to us.
        for _ in 0..5 {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", "sleep 0.2 & sleep 0.3 & exit 0"]);
            let mut child = registry.spawn(&mut cmd).expect("spawn sh");
            let status = child.wait().await.expect("wait for sh");
            assert!(status.success());
        }
        // Meanwhile and after, many registered children exit at once; none loses its status.
        let mut tasks = Vec::new();
        for i in 0..64 {
            tasks.push(tokio::spawn(async move {
                let code = i % 7 + 1;
                let mut cmd = Command::new("sh");
                cmd.args(["-c", &format!("sleep 0.{}; exit {code}", i % 5)]);
                let mut child = registry.spawn(&mut cmd).expect("spawn sh");
                let status = child
                    .wait()
                    .await
                    .expect("exit status taken by someone else");
                assert_eq!(status.code(), Some(code), "child {i}");
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert!(registry.is_empty(), "every child unregistered");
        // The orphans have exited by now (0.3 s); the reaper must have collected them.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let zombies = zombie_children();
            let orphans_alive = reaper::processes()
                .iter()
                .filter(|p| p.ppid == std::process::id() as i32 && p.state != 'Z')
                .count();
            if zombies.is_empty() && orphans_alive == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "zombies {zombies:?}, {orphans_alive} children still running"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    within_for(Duration::from_secs(60), "the whole test", test).await;
    reaper.abort();
}
