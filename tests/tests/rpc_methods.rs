//! Every `Guest` method once, through `GuestClient`, against the real binary.
#![allow(non_snake_case)]

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::{Duration, Instant};

use boxpark_e2e::{pattern, within, GuestProcess};
use boxpark_proto::api::{
    ListenRequest, MkdirRequest, MountRequest, RunRequest, ShutdownRequest, WriteRequest,
};
use boxpark_proto::Error;

fn run_req(command: &str, args: &[&str]) -> RunRequest {
    RunRequest {
        Command: command.into(),
        Args: args.iter().map(|a| a.to_string()).collect(),
        ..RunRequest::default()
    }
}

/// The text of a call's error reply.
fn server_error<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Server(text)) => text,
        other => panic!("expected an error reply, got {other:?}"),
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn run_output_exit_code_stdin_and_timeout() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;

    let out = within("Run echo", rpc.run(&run_req("echo", &["hello"])))
        .await
        .expect("Run echo");
    assert_eq!(
        (out.ExitCode, out.Stdout.as_slice(), out.Stderr.as_slice()),
        (0, b"hello\n".as_slice(), b"".as_slice())
    );

    let out = within(
        "Run exit 3",
        rpc.run(&run_req("sh", &["-c", "echo oops >&2; exit 3"])),
    )
    .await
    .expect("Run sh");
    assert_eq!(out.ExitCode, 3);
    assert_eq!(out.Stderr, b"oops\n");

    let input = pattern(200 << 10, 7);
    let out = within(
        "Run cat",
        rpc.run(&RunRequest {
            Stdin: input.clone(),
            ..run_req("cat", &[])
        }),
    )
    .await
    .expect("Run cat");
    assert_eq!(out.ExitCode, 0);
    assert!(out.Stdout == input, "cat gave back other bytes");

    // Dir and Env reach the program.
    let out = within(
        "Run with Dir and Env",
        rpc.run(&RunRequest {
            Dir: g.dir().display().to_string(),
            Env: vec!["E2E_VAR=value 1".into()],
            ..run_req("sh", &["-c", "pwd; echo \"$E2E_VAR\""])
        }),
    )
    .await
    .expect("Run pwd");
    assert_eq!(
        String::from_utf8_lossy(&out.Stdout),
        format!("{}\nvalue 1\n", g.dir().display())
    );

    let started = Instant::now();
    let r = within(
        "Run with a timeout",
        rpc.run(&RunRequest {
            Timeout: 300_000_000,
            ..run_req("sleep", &["20"])
        }),
    )
    .await;
    assert_eq!(server_error(r), "command timed out after 300ms");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn mkdir_and_write_land_on_disk() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;

    let deep = g.path("etc/app/conf.d");
    within(
        "Mkdir",
        rpc.mkdir(&MkdirRequest {
            Path: deep.display().to_string(),
            Mode: 0o750,
        }),
    )
    .await
    .expect("Mkdir");
    for d in ["etc", "etc/app", "etc/app/conf.d"] {
        let p = g.path(d);
        assert!(p.is_dir(), "{d} is a directory");
        assert_eq!(mode(&p), 0o750, "{d}'s mode");
    }
    // An existing directory is fine and keeps its mode.
    within(
        "Mkdir again",
        rpc.mkdir(&MkdirRequest {
            Path: deep.display().to_string(),
            Mode: 0,
        }),
    )
    .await
    .expect("Mkdir of an existing directory");
    assert_eq!(mode(&deep), 0o750);

    let file = deep.join("daemon.json");
    let data = br#"{"log-level":"debug"}"#.to_vec();
    within(
        "Write",
        rpc.write(&WriteRequest {
            Path: file.display().to_string(),
            Data: data.clone(),
            Mode: 0o600,
        }),
    )
    .await
    .expect("Write");
    assert_eq!(std::fs::read(&file).expect("read back"), data);
    assert_eq!(mode(&file), 0o600);

    // Replaced, with the default mode; no temporary file left behind.
    let data = pattern(100 << 10, 3);
    within(
        "Write again",
        rpc.write(&WriteRequest {
            Path: file.display().to_string(),
            Data: data.clone(),
            Mode: 0,
        }),
    )
    .await
    .expect("Write again");
    assert!(std::fs::read(&file).expect("read back") == data);
    assert_eq!(mode(&file), 0o644);
    let names: Vec<_> = std::fs::read_dir(&deep)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("daemon.json")]);

    let missing = g.path("no/such/dir/f");
    let r = within(
        "Write into a missing directory",
        rpc.write(&WriteRequest {
            Path: missing.display().to_string(),
            ..WriteRequest::default()
        }),
    )
    .await;
    assert_eq!(
        server_error(r),
        format!("open {}: no such file or directory", missing.display())
    );
}

/// Unmounts (lazily) when dropped, so that a failing test leaves no mount behind.
struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH);
    }
}

fn is_mount_point(p: &std::path::Path) -> bool {
    let want = p.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(want.as_str()))
}

#[tokio::test]
async fn mount_tmpfs_or_the_missing_target_error() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;

    let missing = g.path_str("no-such-mountpoint");
    let r = within(
        "Mount on a missing target",
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

    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped the tmpfs mount: it needs root");
        return;
    }
    let target = g.path("mnt");
    std::fs::create_dir(&target).expect("mkdir mnt");
    let target_str = target.display().to_string();
    within(
        "Mount tmpfs",
        rpc.mount(&MountRequest {
            Source: "tmpfs".into(),
            Target: target_str.clone(),
            FSType: "tmpfs".into(),
            Flags: 0,
            Data: "size=1m,mode=0755".into(),
        }),
    )
    .await
    .expect("Mount tmpfs");
    let guard = Unmount(target.clone());
    assert!(is_mount_point(&target), "tmpfs mounted on {target_str}");
    let out = within(
        "Run stat -f",
        rpc.run(&run_req("stat", &["-f", "-c", "%T", &target_str])),
    )
    .await
    .expect("Run stat");
    assert_eq!(String::from_utf8_lossy(&out.Stdout).trim(), "tmpfs");

    let out = within("Run umount", rpc.run(&run_req("umount", &[&target_str])))
        .await
        .expect("Run umount");
    assert_eq!(
        out.ExitCode,
        0,
        "umount: {}",
        String::from_utf8_lossy(&out.Stderr)
    );
    assert!(!is_mount_point(&target), "unmounted");
    drop(guard);
}

#[tokio::test]
async fn listen_returns_the_bound_addresses() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    let listen = |network: &str, address: &str, buffer: i64| ListenRequest {
        Network: network.into(),
        Address: address.into(),
        BufferSize: buffer,
    };

    for network in ["tcp", "udp"] {
        let got = within(network, rpc.listen(&listen(network, "127.0.0.1:0", 2048)))
            .await
            .unwrap_or_else(|e| panic!("Listen {network}: {e}"));
        let addr: std::net::SocketAddr = got.Address.parse().expect("host:port");
        assert_eq!(addr.ip().to_string(), "127.0.0.1", "{network}");
        assert_ne!(addr.port(), 0, "{network}: the real port");
    }

    for (network, name) in [("unix", "l.sock"), ("unixgram", "l.dgram")] {
        let path = g.path_str(name);
        let got = within(network, rpc.listen(&listen(network, &path, 2048)))
            .await
            .unwrap_or_else(|e| panic!("Listen {network}: {e}"));
        assert_eq!(got.Address, path);
        let ft = std::fs::metadata(&path).expect("socket file").file_type();
        assert!(ft.is_socket(), "{path} is a socket");
    }

    let r = within("Listen sctp", rpc.listen(&listen("sctp", "127.0.0.1:0", 0))).await;
    assert_eq!(server_error(r), "listen sctp: unknown network sctp");
    let r = within(
        "Listen udp without a buffer",
        rpc.listen(&listen("udp", "127.0.0.1:0", 0)),
    )
    .await;
    server_error(r);
}

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
