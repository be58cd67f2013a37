//! `Guest.Run`: output and exit codes, stdin, environment, working directory, errors, timeouts and
//! the output limit.

use std::time::{Duration, Instant};

use boxpark_e2e::system::{read_pid, wait_group_gone};
use boxpark_e2e::{run_req, server_error, sh, within, InProcessGuest};
use boxpark_proto::api::{RunRequest, RunResponse};
use boxpark_proto::host::GuestClient;
use boxpark_proto::Error;

async fn run(rpc: &GuestClient, req: RunRequest) -> Result<RunResponse, Error> {
    within("Run", rpc.run(&req)).await
}

#[tokio::test]
async fn run_output_and_exit_codes() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let out = run(&rpc, run_req("echo", &["hello", "world"]))
        .await
        .expect("echo");
    assert_eq!(out.ExitCode, 0);
    assert_eq!(out.Stdout, b"hello world\n");
    assert!(out.Stderr.is_empty());

    let out = run(&rpc, sh("echo out; echo err >&2; exit 3"))
        .await
        .expect("sh");
    assert_eq!(out.ExitCode, 3);
    assert_eq!(out.Stdout, b"out\n");
    assert_eq!(out.Stderr, b"err\n");

    let out = run(&rpc, sh("kill -9 $$")).await.expect("killed sh");
    assert_eq!(out.ExitCode, -1, "ended by a signal");

    let out = run(&rpc, run_req("/bin/sh", &["-c", "exit 0"]))
        .await
        .expect("path");
    assert_eq!(out.ExitCode, 0);
}

#[tokio::test]
async fn run_stdin_round_trip_larger_than_a_pipe() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    // 1 MiB: far more than a pipe holds, so stdin must be written while stdout is read.
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let out = run(
        &rpc,
        RunRequest {
            Stdin: data.clone(),
            ..run_req("cat", &[])
        },
    )
    .await
    .expect("cat");
    assert_eq!(out.ExitCode, 0);
    assert!(
        out.Stdout == data,
        "cat returned {} bytes",
        out.Stdout.len()
    );

    // A program that does not read its input is not an error.
    let out = run(
        &rpc,
        RunRequest {
            Stdin: data,
            ..sh("exit 0")
        },
    )
    .await
    .expect("unread stdin");
    assert_eq!(out.ExitCode, 0);

    // No Stdin: the program reads EOF at once.
    let out = run(&rpc, run_req("cat", &[]))
        .await
        .expect("cat without input");
    assert!(out.Stdout.is_empty());
}

#[tokio::test]
async fn run_environment_given_or_inherited() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let out = run(
        &rpc,
        RunRequest {
            Env: vec!["A=1".into(), "B=two words".into(), "A=3".into()],
            ..run_req("/usr/bin/env", &[])
        },
    )
    .await
    .expect("env");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.Stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        vec!["A=3", "B=two words"],
        "exactly the given variables"
    );

    let path = std::env::var("PATH").unwrap_or_default();
    let out = run(&rpc, sh("printf '%s|%s' \"$PATH\" \"$PWD\""))
        .await
        .expect("inherited env");
    assert_eq!(
        String::from_utf8_lossy(&out.Stdout),
        format!("{path}|/"),
        "the guest's environment, and PWD as Go sets it"
    );
}

#[tokio::test]
async fn run_working_directory() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let out = run(&rpc, run_req("pwd", &[])).await.expect("pwd");
    assert_eq!(out.Stdout, b"/\n", "empty Dir means /");

    let dir = g.dir().canonicalize().expect("canonical temp dir");
    let out = run(
        &rpc,
        RunRequest {
            Dir: dir.display().to_string(),
            ..run_req("pwd", &["-P"])
        },
    )
    .await
    .expect("pwd in dir");
    assert_eq!(out.Stdout, format!("{}\n", dir.display()).as_bytes());

    let missing = g.path_str("missing");
    let e = server_error(
        run(
            &rpc,
            RunRequest {
                Dir: missing.clone(),
                ..run_req("pwd", &[])
            },
        )
        .await,
    );
    assert_eq!(e, format!("chdir {missing}: no such file or directory"));
}

#[tokio::test]
async fn run_missing_program() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let e = server_error(run(&rpc, run_req("nope-no-such-program", &[])).await);
    assert_eq!(
        e,
        "exec: \"nope-no-such-program\": executable file not found in $PATH"
    );
    let missing = g.path_str("nope");
    let e = server_error(run(&rpc, run_req(&missing, &[])).await);
    assert_eq!(e, format!("fork/exec {missing}: no such file or directory"));
    // The connection is still good.
    let out = run(&rpc, run_req("true", &[])).await.expect("true");
    assert_eq!(out.ExitCode, 0);
}

#[tokio::test]
async fn run_timeout_kills_the_whole_group() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let pidfile = g.path("pid");
    let started = Instant::now();
    let e = server_error(
        run(
            &rpc,
            RunRequest {
                Timeout: 300_000_000,
                ..sh(&format!(
                    "echo $$ > {}; sleep 30 & sleep 30",
                    pidfile.display()
                ))
            },
        )
        .await,
    );
    assert_eq!(e, "command timed out after 300ms");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let pgid = read_pid(&pidfile).await;
    wait_group_gone(pgid, Duration::from_secs(5)).await;

    // A timeout that does not expire changes nothing.
    let out = run(
        &rpc,
        RunRequest {
            Timeout: 10_000_000_000,
            ..run_req("echo", &["in time"])
        },
    )
    .await
    .expect("in time");
    assert_eq!(out.Stdout, b"in time\n");
}

#[tokio::test]
async fn run_output_beyond_the_limit_fails() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let limit = boxpark_guest::rpc::run::MAX_OUTPUT;
    let e = server_error(run(&rpc, sh(&format!("head -c {} /dev/zero", limit + 1))).await);
    assert_eq!(
        e,
        format!("command output too large: stdout exceeds {limit} bytes")
    );
    // Exactly the limit is fine, and goes through the RPC connection.
    let out = run(&rpc, sh(&format!("head -c {limit} /dev/zero >&2")))
        .await
        .expect("at the limit");
    assert_eq!(out.Stderr.len(), limit);
}
