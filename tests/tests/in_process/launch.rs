//! `launch` proxy connections: lines in batches, the exit code, and the process group stopped when
//! the host hangs up.

use std::time::{Duration, Instant};

use boxpark_e2e::system::running;
use boxpark_e2e::{launch_req, within, within_for, InProcessGuest};
use boxpark_proto::proxy::{batch, LaunchOutput, ProxyRequest};
use gob_codec::async_io::AsyncDecoder;
use tokio::net::UnixStream;

/// Reads `LaunchOutput`s up to the one with `Exited`, and checks the stream ends after it.
async fn launch_outputs(conn: UnixStream) -> Vec<LaunchOutput> {
    let mut dec = AsyncDecoder::new(conn);
    let mut all = Vec::new();
    loop {
        let msg: LaunchOutput = within("a LaunchOutput", dec.decode())
            .await
            .expect("decode a LaunchOutput");
        let exited = msg.Exited;
        all.push(msg);
        if exited {
            break;
        }
    }
    let end = within("the end after Exited", dec.decode::<LaunchOutput>()).await;
    assert!(end.as_ref().is_err_and(|e| e.is_eof()), "{end:?}");
    all
}

/// The lines of `stream`, in order, after checking each batch's limits.
fn lines_of(outputs: &[LaunchOutput], stream: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for o in outputs.iter().filter(|o| o.Stream == stream) {
        assert!(!o.Exited);
        assert!(!o.Lines.is_empty(), "empty batch");
        assert!(
            o.Lines.len() <= batch::MAX_LINES,
            "batch of {}",
            o.Lines.len()
        );
        let bytes: usize = o.Lines.iter().map(String::len).sum();
        assert!(
            o.Lines.len() == 1 || bytes <= batch::MAX_BYTES,
            "batch of {bytes} bytes"
        );
        lines.extend(o.Lines.iter().cloned());
    }
    lines
}

fn final_message(outputs: &[LaunchOutput]) -> &LaunchOutput {
    let last = outputs.last().expect("at least the final message");
    assert!(
        last.Exited && last.Stream == 0 && last.Lines.is_empty(),
        "{last:?}"
    );
    assert_eq!(outputs.iter().filter(|o| o.Exited).count(), 1);
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sends_lines_in_batches_and_the_exit_code() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let script =
        "for i in $(seq 1 200); do echo line$i; done; echo err1 >&2; echo err2 >&2; exit 7";
    let conn = g.proxy(&launch_req("sh", &["-c", script])).await;
    let outputs = launch_outputs(conn).await;
    let want: Vec<String> = (1..=200).map(|i| format!("line{i}")).collect();
    assert_eq!(lines_of(&outputs, 1), want);
    assert_eq!(lines_of(&outputs, 2), vec!["err1", "err2"]);
    assert!(outputs.iter().all(|o| matches!(o.Stream, 0..=2)));
    assert_eq!(final_message(&outputs).ExitCode, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_lines_partial_crlf_invalid_utf8_env_and_dir() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let dir = g.dir().to_string_lossy().into_owned();
    let req = ProxyRequest {
        Env: vec!["FOO=bar baz".into(), "PATH=/usr/bin:/bin".into()],
        Dir: dir.clone(),
        ..launch_req(
            "sh",
            &["-c", r#"echo "$FOO"; pwd; printf 'crlf\r\n\377x\n\nlast'"#],
        )
    };
    let outputs = launch_outputs(g.proxy(&req).await).await;
    assert_eq!(
        lines_of(&outputs, 1),
        vec!["bar baz", &dir, "crlf", "\u{FFFD}x", "", "last"]
    );
    assert!(lines_of(&outputs, 2).is_empty());
    assert_eq!(final_message(&outputs).ExitCode, 0);

    // Dir empty means "/"; an empty Env keeps the guest's environment (PATH finds the program).
    let outputs = launch_outputs(g.proxy(&launch_req("pwd", &[])).await).await;
    assert_eq!(lines_of(&outputs, 1), vec!["/"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_splits_long_lines() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let script = "head -c 150000 /dev/zero | tr '\\0' a; echo; echo short";
    let outputs = launch_outputs(g.proxy(&launch_req("sh", &["-c", script])).await).await;
    let lines = lines_of(&outputs, 1);
    let lens: Vec<usize> = lines.iter().map(String::len).collect();
    assert_eq!(lens, vec![65536, 65536, 150000 - 2 * 65536, 5]);
    assert!(lines[..3].iter().all(|l| l.bytes().all(|b| b == b'a')));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_batches_hold_at_most_64_KiB() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    // 40 lines of 2000 bytes: 32 fit in 64 KiB, the 33rd would not.
    let script = "l=$(head -c 2000 /dev/zero | tr '\\0' b); for i in $(seq 1 40); do echo $l; done";
    let outputs = launch_outputs(g.proxy(&launch_req("sh", &["-c", script])).await).await;
    assert_eq!(lines_of(&outputs, 1).len(), 40);
    let most = outputs.iter().map(|o| o.Lines.len()).max().unwrap_or(0);
    // 32 unless a stall let the 100 ms timer cut the batch earlier; never more.
    assert!(
        most <= 32,
        "{:?}",
        outputs.iter().map(|o| o.Lines.len()).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sends_a_batch_100_ms_after_its_first_line() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let conn = g
        .proxy(&launch_req("sh", &["-c", "echo a; sleep 1; echo b"]))
        .await;
    let started = Instant::now();
    let mut dec = AsyncDecoder::new(conn);
    let first: LaunchOutput = within("the first batch", dec.decode())
        .await
        .expect("decode");
    let took = started.elapsed();
    assert_eq!((first.Stream, first.Lines), (1, vec!["a".to_string()]));
    assert!(
        took < Duration::from_millis(800),
        "first batch after {took:?}"
    );
    let second: LaunchOutput = within("the second batch", dec.decode())
        .await
        .expect("decode");
    assert_eq!((second.Stream, second.Lines), (1, vec!["b".to_string()]));
    let last: LaunchOutput = within("the final message", dec.decode())
        .await
        .expect("decode");
    assert!(last.Exited && last.ExitCode == 0, "{last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_exit_code_is_minus_one_on_a_signal() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let outputs = launch_outputs(g.proxy(&launch_req("sh", &["-c", "kill -9 $$"])).await).await;
    assert_eq!(final_message(&outputs).ExitCode, -1);
}

/// Starts `script`, which prints a pid per line before anything else (`pids` lines), hangs up once
/// they arrived, and returns how long the processes took to be gone after the hang-up. The
/// launched process itself must be gone for kill(pid, 0) too: the guest reaps it.
async fn hang_up_on(g: &InProcessGuest, script: &str, pids: usize, limit: Duration) -> Duration {
    let conn = g.proxy(&launch_req("sh", &["-c", script])).await;
    let mut dec = AsyncDecoder::new(conn);
    let mut lines = Vec::new();
    while lines.len() < pids {
        let out: LaunchOutput = within("the pids", dec.decode()).await.expect("decode");
        assert_eq!(out.Stream, 1, "{out:?}");
        lines.extend(out.Lines);
    }
    let pids: Vec<i32> = lines[..pids]
        .iter()
        .map(|l| l.parse().expect("a pid"))
        .collect();
    assert!(pids.iter().all(|&p| running(p)), "processes should run");
    drop(dec); // the host hangs up
    let hung_up = Instant::now();
    within_for(limit, "the processes to be gone", async {
        while pids.iter().any(|&p| running(p)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let took = hung_up.elapsed();
    // The launched shell is the guest's child: reaped, so not even a zombie answers.
    let shell = nix::unistd::Pid::from_raw(pids[pids.len() - 1]);
    within("the shell to be reaped", async {
        while nix::sys::signal::kill(shell, None).is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_host_hang_up_terminates_the_process_group() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    // A background child in the same group, then the shell's own pid.
    let script = "sleep 300 & echo $!; echo $$; wait";
    let took = hang_up_on(&g, script, 2, Duration::from_secs(3)).await;
    assert!(took < Duration::from_secs(3));
    // The guest goes on serving.
    let outputs = launch_outputs(g.proxy(&launch_req("true", &[])).await).await;
    assert_eq!(final_message(&outputs).ExitCode, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sigkill_follows_an_ignored_sigterm() {
    let (g, _rpc) = InProcessGuest::start_for_proxies().await;
    let script = "trap '' TERM; sleep 300 & echo $!; echo $$; wait";
    let took = hang_up_on(&g, script, 2, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_secs(4),
        "gone after {took:?}: SIGTERM should be ignored"
    );
}
