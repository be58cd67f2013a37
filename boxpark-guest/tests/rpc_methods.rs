//! The `Guest` methods through the real RPC path: `boxpark_guest::run` on a hybrid transport in a
//! temporary directory, a host that connects with `CONNECT 1`, and boxpark-proto's `GuestClient`.
//!
//! Every wait is bounded. Mount tests mount only tmpfs under a temporary directory, and unmount it;
//! they need root and say so when skipped.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boxpark_guest::transport::HybridTransport;
use boxpark_guest::{events, reaper, Config, PowerAction, Shutdown};
use boxpark_proto::api::{
    Empty, MkdirRequest, MountRequest, RunRequest, RunResponse, ShutdownRequest, WriteRequest,
};
use boxpark_proto::host::{connect_hybrid, GuestClient};
use boxpark_proto::ports::GUEST_API_PORT;
use boxpark_proto::Error;
use tokio::task::JoinHandle;

/// Longest any single step may take.
const STEP: Duration = Duration::from_secs(20);

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "bp-rpc-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn join_str(&self, name: &str) -> String {
        self.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A guest serving on `<dir>/guest.sock`, and a host connected to it.
struct Harness {
    dir: TempDir,
    sock: PathBuf,
    guest: JoinHandle<PowerAction>,
    client: Option<GuestClient>,
}

impl Harness {
    async fn start() -> Harness {
        let dir = TempDir::new();
        let sock = dir.join("guest.sock");
        let transport = HybridTransport::bind(&sock).expect("bind the hybrid transport");
        let config = Config {
            pid1: false,
            ..Config::default()
        };
        let guest = tokio::spawn(boxpark_guest::run(
            transport,
            config,
            Shutdown::new(),
            events::EventQueue::new(64),
        ));
        let client = GuestClient::new(connect(&sock).await);
        Harness {
            dir,
            sock,
            guest,
            client: Some(client),
        }
    }

    fn client(&self) -> &GuestClient {
        self.client
            .as_ref()
            .expect("the harness's client was taken")
    }

    async fn run(&self, req: RunRequest) -> Result<RunResponse, Error> {
        bounded(self.client().run(&req)).await
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.guest.abort();
    }
}

async fn connect(sock: &Path) -> tokio::net::UnixStream {
    bounded(connect_hybrid(sock, GUEST_API_PORT))
        .await
        .expect("CONNECT 1")
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f)
        .await
        .expect("step took too long")
}

fn cmd(command: &str, args: &[&str]) -> RunRequest {
    RunRequest {
        Command: command.into(),
        Args: args.iter().map(|s| s.to_string()).collect(),
        ..RunRequest::default()
    }
}

fn sh(script: &str) -> RunRequest {
    cmd("sh", &["-c", script])
}

fn server_error<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Server(text)) => text,
        other => panic!("expected a server error, got {other:?}"),
    }
}

/// Live (non-zombie) processes in process group `pgid`.
fn live_in_group(pgid: i32) -> usize {
    reaper::processes()
        .iter()
        .filter(|p| p.pgrp == pgid && p.state != 'Z')
        .count()
}

async fn wait_group_gone(pgid: i32, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let n = live_in_group(pgid);
        if n == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} processes still alive in group {pgid}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn read_pid(file: &Path) -> i32 {
    bounded(async {
        loop {
            if let Ok(s) = std::fs::read_to_string(file) {
                if let Ok(pid) = s.trim().parse() {
                    return pid;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------- Run

#[tokio::test]
async fn run_output_and_exit_codes() {
    let h = Harness::start().await;
    let out = h.run(cmd("echo", &["hello", "world"])).await.expect("echo");
    assert_eq!(out.ExitCode, 0);
    assert_eq!(out.Stdout, b"hello world\n");
    assert!(out.Stderr.is_empty());

    let out = h
        .run(sh("echo out; echo err >&2; exit 3"))
        .await
        .expect("sh");
    assert_eq!(out.ExitCode, 3);
    assert_eq!(out.Stdout, b"out\n");
    assert_eq!(out.Stderr, b"err\n");

    let out = h.run(sh("kill -9 $$")).await.expect("killed sh");
    assert_eq!(out.ExitCode, -1, "ended by a signal");

    let out = h
        .run(cmd("/bin/sh", &["-c", "exit 0"]))
        .await
        .expect("path");
    assert_eq!(out.ExitCode, 0);
}

#[tokio::test]
async fn run_stdin_round_trip_larger_than_a_pipe() {
    let h = Harness::start().await;
    // 1 MiB: far more than a pipe holds, so stdin must be written while stdout is read.
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let out = h
        .run(RunRequest {
            Stdin: data.clone(),
            ..cmd("cat", &[])
        })
        .await
        .expect("cat");
    assert_eq!(out.ExitCode, 0);
    assert!(
        out.Stdout == data,
        "cat returned {} bytes",
        out.Stdout.len()
    );

    // A program that does not read its input is not an error.
    let out = h
        .run(RunRequest {
            Stdin: data,
            ..sh("exit 0")
        })
        .await
        .expect("unread stdin");
    assert_eq!(out.ExitCode, 0);

    // No Stdin: the program reads EOF at once.
    let out = h.run(cmd("cat", &[])).await.expect("cat without input");
    assert!(out.Stdout.is_empty());
}

#[tokio::test]
async fn run_environment_given_or_inherited() {
    let h = Harness::start().await;
    let out = h
        .run(RunRequest {
            Env: vec!["A=1".into(), "B=two words".into(), "A=3".into()],
            ..cmd("/usr/bin/env", &[])
        })
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
    let out = h
        .run(sh("printf '%s|%s' \"$PATH\" \"$PWD\""))
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
    let h = Harness::start().await;
    let out = h.run(cmd("pwd", &[])).await.expect("pwd");
    assert_eq!(out.Stdout, b"/\n", "empty Dir means /");

    let dir = h.dir.path().canonicalize().expect("canonical temp dir");
    let out = h
        .run(RunRequest {
            Dir: dir.display().to_string(),
            ..cmd("pwd", &["-P"])
        })
        .await
        .expect("pwd in dir");
    assert_eq!(out.Stdout, format!("{}\n", dir.display()).as_bytes());

    let missing = h.dir.join_str("missing");
    let e = server_error(
        h.run(RunRequest {
            Dir: missing.clone(),
            ..cmd("pwd", &[])
        })
        .await,
    );
    assert_eq!(e, format!("chdir {missing}: no such file or directory"));
}

#[tokio::test]
async fn run_missing_program() {
    let h = Harness::start().await;
    let e = server_error(h.run(cmd("nope-no-such-program", &[])).await);
    assert_eq!(
        e,
        "exec: \"nope-no-such-program\": executable file not found in $PATH"
    );
    let missing = h.dir.join_str("nope");
    let e = server_error(h.run(cmd(&missing, &[])).await);
    assert_eq!(e, format!("fork/exec {missing}: no such file or directory"));
    // The connection is still good.
    assert_eq!(h.run(cmd("true", &[])).await.expect("true").ExitCode, 0);
}

#[tokio::test]
async fn run_timeout_kills_the_whole_group() {
    let h = Harness::start().await;
    let pidfile = h.dir.join("pid");
    let started = Instant::now();
    let e = server_error(
        h.run(RunRequest {
            Timeout: 300_000_000,
            ..sh(&format!(
                "echo $$ > {}; sleep 30 & sleep 30",
                pidfile.display()
            ))
        })
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
    let out = h
        .run(RunRequest {
            Timeout: 10_000_000_000,
            ..cmd("echo", &["in time"])
        })
        .await
        .expect("in time");
    assert_eq!(out.Stdout, b"in time\n");
}

#[tokio::test]
async fn run_output_beyond_the_limit_fails() {
    let h = Harness::start().await;
    let limit = boxpark_guest::rpc::run::MAX_OUTPUT;
    let e = server_error(h.run(sh(&format!("head -c {} /dev/zero", limit + 1))).await);
    assert_eq!(
        e,
        format!("command output too large: stdout exceeds {limit} bytes")
    );
    // Exactly the limit is fine, and goes through the RPC connection.
    let out = h
        .run(sh(&format!("head -c {limit} /dev/zero >&2")))
        .await
        .expect("at the limit");
    assert_eq!(out.Stderr.len(), limit);
}

#[tokio::test]
async fn closing_the_connection_kills_a_running_command_and_frees_the_rpc_slot() {
    let mut h = Harness::start().await;
    let pidfile = h.dir.join("pid");
    let client = h.client.take().expect("client");
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
    let client = GuestClient::new(connect(&h.sock).await);
    let out = bounded(client.run(&cmd("echo", &["again"])))
        .await
        .expect("new RPC connection");
    assert_eq!(out.Stdout, b"again\n");
}

// -------------------------------------------------------------------------------------- Write

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

async fn write(h: &Harness, path: &str, data: &[u8], mode: u32) -> Result<(), Error> {
    bounded(h.client().write(&WriteRequest {
        Path: path.into(),
        Data: data.to_vec(),
        Mode: mode,
    }))
    .await
}

#[tokio::test]
async fn write_new_and_replaced_files_atomically() {
    let h = Harness::start().await;
    let files = TempDir::new();
    let path = files.join("config.json");
    let p = files.join_str("config.json");

    write(&h, &p, b"first", 0).await.expect("new file");
    assert_eq!(std::fs::read(&path).expect("read"), b"first");
    assert_eq!(mode_of(&path), 0o644, "Mode 0 means 0644");
    let first_inode = std::fs::metadata(&path).expect("stat").ino();

    write(&h, &p, b"second, longer", 0o600)
        .await
        .expect("replace");
    assert_eq!(std::fs::read(&path).expect("read"), b"second, longer");
    assert_eq!(mode_of(&path), 0o600, "Mode honoured");
    assert_ne!(
        std::fs::metadata(&path).expect("stat").ino(),
        first_inode,
        "replaced by rename, not rewritten in place"
    );
    write(&h, &p, b"", 0o640).await.expect("empty");
    assert_eq!(std::fs::read(&path).expect("read"), b"");
    assert_eq!(mode_of(&path), 0o640);
    assert_eq!(
        names_in(files.path()),
        vec!["config.json"],
        "no temporary files left"
    );

    // Failures leave nothing behind either.
    let e = server_error(write(&h, &files.join_str("missing/x"), b"x", 0).await);
    assert_eq!(
        e,
        format!(
            "open {}: no such file or directory",
            files.join_str("missing/x")
        )
    );
    let e = server_error(write(&h, &files.path().display().to_string(), b"x", 0).await);
    assert!(e.ends_with(": is a directory"), "{e}");
    assert_eq!(names_in(files.path()), vec!["config.json"]);
}

#[tokio::test]
async fn write_through_a_symlink_replaces_its_target() {
    let h = Harness::start().await;
    let files = TempDir::new();
    std::fs::create_dir(files.join("real")).expect("mkdir");
    let target = files.join("real/file");
    std::fs::write(&target, b"old").expect("write target");
    let link = files.join("link");
    std::os::unix::fs::symlink("real/file", &link).expect("symlink");

    write(&h, &files.join_str("link"), b"new", 0o600)
        .await
        .expect("write through link");
    assert!(std::fs::symlink_metadata(&link)
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).expect("read"), b"new");
    assert_eq!(mode_of(&target), 0o600);
    assert_eq!(names_in(&files.join("real")), vec!["file"]);
    assert_eq!(names_in(files.path()), vec!["link", "real"]);

    // A dangling link creates its target.
    std::os::unix::fs::symlink("real/created", files.join("dangling")).expect("symlink");
    write(&h, &files.join_str("dangling"), b"made", 0)
        .await
        .expect("dangling");
    assert_eq!(
        std::fs::read(files.join("real/created")).expect("read"),
        b"made"
    );
}

#[tokio::test]
async fn write_special_files_in_place() {
    let h = Harness::start().await;
    write(&h, "/dev/null", b"discarded", 0)
        .await
        .expect("/dev/null");
    assert!(std::fs::metadata("/dev/null")
        .expect("stat")
        .file_type()
        .is_char_device());

    let files = TempDir::new();
    let fifo = files.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo))
    };
    write(&h, &files.join_str("fifo"), b"through the fifo", 0)
        .await
        .expect("fifo");
    let got = bounded(tokio::task::spawn_blocking(move || reader.join()))
        .await
        .expect("join")
        .expect("reader thread")
        .expect("read fifo");
    assert_eq!(got, b"through the fifo");
    assert!(std::fs::metadata(&fifo)
        .expect("stat")
        .file_type()
        .is_fifo());
    assert_eq!(names_in(files.path()), vec!["fifo"]);
}

// -------------------------------------------------------------------------------------- Mkdir

async fn mkdir(h: &Harness, path: &str, mode: u32) -> Result<(), Error> {
    bounded(h.client().mkdir(&MkdirRequest {
        Path: path.into(),
        Mode: mode,
    }))
    .await
}

#[tokio::test]
async fn mkdir_nested_existing_and_blocked() {
    let h = Harness::start().await;
    let d = TempDir::new();
    mkdir(&h, &d.join_str("a/b/c"), 0o700)
        .await
        .expect("nested");
    for p in ["a", "a/b", "a/b/c"] {
        assert!(d.join(p).is_dir(), "{p}");
        assert_eq!(mode_of(&d.join(p)), 0o700, "{p}");
    }
    mkdir(&h, &d.join_str("a/b/c"), 0o755)
        .await
        .expect("existing");
    assert_eq!(
        mode_of(&d.join("a/b/c")),
        0o700,
        "an existing directory keeps its mode"
    );
    mkdir(&h, &d.join_str("a/b/c/"), 0)
        .await
        .expect("trailing slash");

    mkdir(&h, &d.join_str("default"), 0)
        .await
        .expect("default mode");
    assert_eq!(mode_of(&d.join("default")), 0o755, "Mode 0 means 0755");

    std::fs::write(d.join("file"), b"x").expect("file");
    let e = server_error(mkdir(&h, &d.join_str("file"), 0).await);
    assert_eq!(e, format!("mkdir {}: not a directory", d.join_str("file")));
    let e = server_error(mkdir(&h, &d.join_str("file/sub"), 0).await);
    assert_eq!(e, format!("mkdir {}: not a directory", d.join_str("file")));
}

// -------------------------------------------------------------------------------------- Mount

/// Unmounts when dropped, so a failing test leaves no mount behind.
struct Unmount(String);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = boxpark_guest::sys::unmount(&self.0);
    }
}

/// `MS_*` flags as `MountRequest.Flags` (`c_ulong` is narrower on 32-bit targets).
#[allow(clippy::unnecessary_cast)]
fn ms_flags(f: libc::c_ulong) -> u64 {
    f as u64
}

fn is_mount_point(p: &str) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(p))
}

#[tokio::test]
async fn mount_needs_an_existing_target() {
    let h = Harness::start().await;
    let missing = h.dir.join_str("no-such-dir");
    let e = server_error(
        bounded(h.client().mount(&MountRequest {
            Source: "tmpfs".into(),
            Target: missing.clone(),
            FSType: "tmpfs".into(),
            ..MountRequest::default()
        }))
        .await,
    );
    assert_eq!(
        e,
        format!("mount tmpfs on {missing}: stat {missing}: no such file or directory")
    );
}

#[tokio::test]
async fn mount_tmpfs_under_a_temp_dir() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped mount_tmpfs_under_a_temp_dir: mounting needs root");
        return;
    }
    let h = Harness::start().await;
    let mnt = TempDir::new();
    let target = mnt.path().canonicalize().expect("canonical");
    let target = target.display().to_string();
    bounded(h.client().mount(&MountRequest {
        Source: "boxpark-test".into(),
        Target: target.clone(),
        FSType: "tmpfs".into(),
        Flags: ms_flags(libc::MS_NOSUID | libc::MS_NODEV),
        Data: "size=1m,mode=0700".into(),
    }))
    .await
    .expect("mount tmpfs");
    let _unmount = Unmount(target.clone());
    assert!(is_mount_point(&target));
    assert_eq!(mode_of(Path::new(&target)), 0o700, "Data reached tmpfs");
    write(&h, &format!("{target}/f"), b"on tmpfs", 0)
        .await
        .expect("write on tmpfs");

    // Flags reach mount(2): a read-only remount refuses writes.
    bounded(h.client().mount(&MountRequest {
        Source: "boxpark-test".into(),
        Target: target.clone(),
        FSType: "tmpfs".into(),
        Flags: ms_flags(libc::MS_REMOUNT | libc::MS_RDONLY),
        ..MountRequest::default()
    }))
    .await
    .expect("remount read-only");
    let e = server_error(write(&h, &format!("{target}/g"), b"x", 0).await);
    assert!(e.ends_with("read-only file system"), "{e}");

    // mount(2)'s own errors.
    let e = server_error(
        bounded(h.client().mount(&MountRequest {
            Source: "x".into(),
            Target: target.clone(),
            FSType: "no-such-fs-type".into(),
            ..MountRequest::default()
        }))
        .await,
    );
    assert_eq!(e, format!("mount x on {target}: no such device"));

    drop(_unmount);
    assert!(!is_mount_point(&target), "unmounted");
}

// ----------------------------------------------------------------------------------- Shutdown

/// A guest run the way `main.rs` runs it: on a runtime of its own that is dropped as soon as
/// `run` returns, which ends every task as the process's exit would. A reply that was not yet
/// written by then is lost.
fn guest_like_main(sock: PathBuf) -> std::thread::JoinHandle<PowerAction> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("guest runtime");
        let action = rt.block_on(async move {
            let transport = HybridTransport::bind(&sock).expect("bind");
            let config = Config {
                pid1: false,
                ..Config::default()
            };
            boxpark_guest::run(
                transport,
                config,
                Shutdown::new(),
                events::EventQueue::new(64),
            )
            .await
        });
        drop(rt);
        action
    })
}

async fn shutdown_returns(reboot: bool, want: PowerAction) {
    let dir = TempDir::new();
    let sock = dir.join("guest.sock");
    let guest = guest_like_main(sock.clone());
    let conn = bounded(async {
        loop {
            match connect_hybrid(&sock, GUEST_API_PORT).await {
                Ok(c) => return c,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await;
    let client = GuestClient::new(conn);
    bounded(client.shutdown(&ShutdownRequest { Reboot: reboot }))
        .await
        .expect("the reply is written before the guest stops");
    let action = bounded(tokio::task::spawn_blocking(move || guest.join()))
        .await
        .expect("join")
        .expect("guest thread");
    assert_eq!(action, want);
    // The RPC connection was closed after the reply.
    let r = bounded(client.run(&cmd("true", &[]))).await;
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
    let mut h = Harness::start().await;
    let pidfile = h.dir.join("pid");
    let client = h.client().clone();
    let req = sh(&format!("echo $$ > {}; sleep 30", pidfile.display()));
    let running = tokio::spawn(async move { client.run(&req).await });
    let pgid = read_pid(&pidfile).await;
    let started = Instant::now();
    bounded(h.client().shutdown(&ShutdownRequest { Reboot: false }))
        .await
        .expect("shutdown reply");
    let action = bounded(&mut h.guest).await.expect("run ended");
    assert_eq!(action, PowerAction::PowerOff);
    assert!(started.elapsed() < Duration::from_secs(5));
    let r = bounded(running).await.expect("join");
    assert_eq!(
        server_error(r),
        "command killed: the RPC connection is closing"
    );
    wait_group_gone(pgid, Duration::from_secs(5)).await;
}

// --------------------------------------------------------------------------------- Other calls

#[tokio::test]
async fn unknown_method_keeps_the_connection_usable() {
    let h = Harness::start().await;
    let r: Result<Empty, Error> = bounded(h.client().client().call("Guest.Nope", &Empty {})).await;
    assert_eq!(server_error(r), "rpc: can't find method Guest.Nope");
    let r: Result<Empty, Error> = bounded(h.client().client().call("Nope.Run", &Empty {})).await;
    assert_eq!(server_error(r), "rpc: can't find service Nope.Run");
    let out = h.run(cmd("echo", &["still here"])).await.expect("echo");
    assert_eq!(out.Stdout, b"still here\n");
}

#[tokio::test]
async fn calls_run_concurrently() {
    let h = Harness::start().await;
    let d = TempDir::new();
    let slow = {
        let client = h.client().clone();
        tokio::spawn(async move { client.run(&sh("sleep 1; echo slow")).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    mkdir(&h, &d.join_str("x"), 0).await.expect("mkdir");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "mkdir waited for run"
    );
    let out = bounded(slow).await.expect("join").expect("slow run");
    assert_eq!(out.Stdout, b"slow\n");
}
