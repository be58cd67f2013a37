//! The `contract_*` cases of `interop-go/cmd/gobvectors/cases.go` (Boxpark's contract messages
//! and net/rpc exchanges), for `write_cases` only: Rust mirrors of the messages and their values.
//!
//! gob-codec's own tests know only gob; these vectors are tested against boxpark-proto's real
//! types in `boxpark-proto/tests/golden.rs`. They are still written here because interop-go's
//! `TestRustWrittenStreams` (`cmd/gobvectors/fromrust_test.go`) wants a stream for every case of
//! `cases.go` from this one example. Once that test leaves the `contract_*` cases to
//! `interop-go/contract` (which decodes boxpark-proto's `write_contract` streams), this file goes.
#![allow(non_snake_case, dead_code)]

use std::collections::HashMap;

use gob_codec::Time;
use serde::{Deserialize, Serialize};

use crate::cases::marshal::{date, t_log};
use crate::cases::{vals, Case, GO_REGISTRY};

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Empty {}

/// Go's anonymous `struct{}`, which net/rpc replies with on errors: an unnamed type.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename = "struct {}")]
pub struct AnonEmpty {}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct MountRequest {
    pub Source: String,
    pub Target: String,
    pub FSType: String,
    pub Flags: u64,
    pub Data: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct RunRequest {
    pub Command: String,
    pub Args: Vec<String>,
    pub Env: Vec<String>,
    pub Dir: String,
    pub Stdin: Vec<u8>,
    /// `time.Duration`, nanoseconds.
    pub Timeout: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct RunResponse {
    pub ExitCode: i64,
    pub Stdout: Vec<u8>,
    pub Stderr: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct WriteRequest {
    pub Path: String,
    pub Data: Vec<u8>,
    pub Mode: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct MkdirRequest {
    pub Path: String,
    pub Mode: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ListenRequest {
    pub Network: String,
    pub Address: String,
    pub BufferSize: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ListenResponse {
    pub Address: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ShutdownRequest {
    pub Reboot: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ProxyRequest {
    pub Network: String,
    pub Address: String,
    pub LocalAddress: String,
    pub Args: Vec<String>,
    pub Env: Vec<String>,
    pub Dir: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct LaunchOutput {
    pub Stream: i64,
    pub Lines: Vec<String>,
    pub Exited: bool,
    pub ExitCode: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Info {
    pub Version: String,
    pub IP: String,
}

/// `Attrs` is a Go map: nil (omitted) and empty (sent) differ, which `Option` keeps.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Log {
    pub Time: Time,
    pub Level: i64,
    pub Message: String,
    pub Attrs: Option<HashMap<String, String>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ConnectionRequest {
    pub Network: String,
    pub ListenAddress: String,
    pub LocalAddress: String,
    pub RemoteAddress: String,
}

/// net/rpc's request header.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub ServiceMethod: String,
    pub Seq: u64,
}

/// net/rpc's response header.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub ServiceMethod: String,
    pub Seq: u64,
    pub Error: String,
}

fn s(x: &str) -> String {
    x.to_string()
}

fn strs(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| x.to_string()).collect()
}

fn log(time: Time, level: i64, message: &str, attrs: Option<&[(&str, &str)]>) -> Log {
    Log {
        Time: time,
        Level: level,
        Message: s(message),
        Attrs: attrs.map(|a| {
            a.iter()
                .map(|(k, v)| (s(k), s(v)))
                .collect::<HashMap<_, _>>()
        }),
    }
}

fn launch(stream: i64, lines: &[&str], exited: bool, code: i64) -> LaunchOutput {
    LaunchOutput {
        Stream: stream,
        Lines: strs(lines),
        Exited: exited,
        ExitCode: code,
    }
}

fn notify_request() -> ConnectionRequest {
    ConnectionRequest {
        Network: s("unixgram"),
        ListenAddress: s("/run/systemd/notify"),
        LocalAddress: s("/run/systemd/notify"),
        RemoteAddress: s(""),
    }
}

fn request(method: &str, seq: u64) -> Request {
    Request {
        ServiceMethod: s(method),
        Seq: seq,
    }
}

fn response(method: &str, seq: u64, error: &str) -> Response {
    Response {
        ServiceMethod: s(method),
        Seq: seq,
        Error: s(error),
    }
}

fn info() -> Info {
    Info {
        Version: s("0.1.0"),
        IP: s("10.0.2.15"),
    }
}

pub fn cases() -> Vec<Case> {
    let mut v = messages();
    v.extend(streams());
    v
}

fn messages() -> Vec<Case> {
    vec![
        Case::new("contract_empty", vals![Empty {}]),
        Case::new(
            "contract_mount_request_zero",
            vals![MountRequest::default()],
        ),
        Case::new(
            "contract_mount_request",
            vals![MountRequest {
                Source: s("/dev/vdb"),
                Target: s("/mnt/data"),
                FSType: s("ext4"),
                Flags: 1 | 1024,
                Data: s("errors=remount-ro"),
            }],
        ),
        Case::new(
            "contract_mount_request_virtiofs",
            vals![MountRequest {
                Source: s("share0"),
                Target: s("/mnt/share"),
                FSType: s("virtiofs"),
                ..Default::default()
            }],
        ),
        Case::new("contract_run_request_zero", vals![RunRequest::default()]),
        Case::new(
            "contract_run_request",
            vals![RunRequest {
                Command: s("mkswap"),
                Args: strs(&["/dev/vdc"]),
                Env: strs(&["PATH=/usr/sbin:/usr/bin"]),
                Dir: s("/"),
                Stdin: b"y\n".to_vec(),
                Timeout: 30_000_000_000,
            }],
        ),
        Case::new(
            "contract_run_response",
            vals![RunResponse {
                Stdout: b"Setting up swapspace version 1, size = 1 GiB\n".to_vec(),
                ..Default::default()
            }],
        ),
        Case::new(
            "contract_run_response_signal",
            vals![RunResponse {
                ExitCode: -1,
                Stdout: vec![],
                Stderr: b"killed\n".to_vec(),
            }],
        ),
        Case::new("contract_run_response_zero", vals![RunResponse::default()]),
        Case::new(
            "contract_write_request",
            vals![WriteRequest {
                Path: s("/etc/docker/daemon.json"),
                Data: b"{\"debug\":false}\n".to_vec(),
                Mode: 0o644,
            }],
        ),
        Case::new(
            "contract_write_request_zero",
            vals![WriteRequest::default()],
        ),
        Case::new(
            "contract_mkdir_request",
            vals![MkdirRequest {
                Path: s("/etc/docker"),
                Mode: 0o755,
            }],
        ),
        Case::new(
            "contract_mkdir_request_zero",
            vals![MkdirRequest::default()],
        ),
        Case::new(
            "contract_listen_request",
            vals![ListenRequest {
                Network: s("unixgram"),
                Address: s("/run/systemd/notify"),
                BufferSize: 4096,
            }],
        ),
        Case::new(
            "contract_listen_request_zero",
            vals![ListenRequest::default()],
        ),
        Case::new(
            "contract_listen_response",
            vals![ListenResponse {
                Address: s("127.0.0.1:41234"),
            }],
        ),
        Case::new(
            "contract_listen_response_zero",
            vals![ListenResponse::default()],
        ),
        Case::new(
            "contract_shutdown_request",
            vals![ShutdownRequest { Reboot: true }],
        ),
        Case::new(
            "contract_shutdown_request_zero",
            vals![ShutdownRequest::default()],
        ),
        Case::new(
            "contract_proxy_request_unix",
            vals![ProxyRequest {
                Network: s("unix"),
                Address: s("/var/run/docker.sock"),
                LocalAddress: s("/tmp/docker.sock"),
                ..Default::default()
            }],
        ),
        Case::new(
            "contract_proxy_request_launch",
            vals![ProxyRequest {
                Network: s("launch"),
                Address: s("dockerd"),
                LocalAddress: s(""),
                Args: strs(&["--host=unix:///var/run/docker.sock", "--debug"]),
                Env: strs(&["DOCKER_RAMDISK=true"]),
                Dir: s("/"),
            }],
        ),
        Case::new(
            "contract_proxy_request_zero",
            vals![ProxyRequest::default()],
        ),
        Case::new(
            "contract_connection_request",
            vals![ConnectionRequest {
                Network: s("tcp"),
                ListenAddress: s("127.0.0.1:8080"),
                LocalAddress: s("127.0.0.1:8080"),
                RemoteAddress: s("127.0.0.1:51234"),
            }],
        ),
        Case::new(
            "contract_connection_request_unnamed",
            vals![notify_request()],
        ),
        Case::new(
            "contract_connection_request_zero",
            vals![ConnectionRequest::default()],
        ),
        Case::new("contract_info", vals![info()]),
        Case::new("contract_info_zero", vals![Info::default()]),
        Case::new(
            "contract_log_utc",
            vals![log(t_log(), 0, "guest ready", None)],
        ),
        // Want: the zone (CET, +01:00) decodes as FixedZone("", 3600).
        Case::new(
            "contract_log_zoned_attrs",
            vals![log(
                date(2026, 11, 25, 13, 0, 0, 5000, Some(3600)),
                8,
                "mount failed",
                Some(&[("err", "no such device")]),
            )],
        ),
        Case::new(
            "contract_log_debug_empty_attrs",
            vals![log(t_log(), -4, "tick", Some(&[]))],
        ),
        Case::new("contract_log_zero", vals![Log::default()]),
        Case::new(
            "contract_launch_output_lines",
            vals![launch(
                1,
                &["starting", "", "ready: listening on /var/run/docker.sock"],
                false,
                0,
            )],
        ),
        Case::new(
            "contract_launch_output_exited",
            vals![launch(0, &[], true, 0)],
        ),
        Case::new(
            "contract_launch_output_exited_code",
            vals![launch(0, &[], true, 137)],
        ),
    ]
}

fn streams() -> Vec<Case> {
    vec![
        Case::new(
            "contract_launch_stream",
            vals![
                launch(1, &["a", "b"], false, 0),
                launch(2, &["warning: x"], false, 0),
                launch(0, &[], true, 1),
            ],
        ),
        Case::new("contract_datagram", vals![b"\x00\x01READY=1\n".to_vec()]),
        // Want: the empty datagram decodes as nil.
        Case::new(
            "contract_datagram_stream",
            vals![b"one".to_vec(), Vec::<u8>::new(), b"three".to_vec()],
        ),
        Case::new(
            "contract_proxy_udp_host_stream",
            vals![
                ProxyRequest {
                    Network: s("udp"),
                    Address: s("127.0.0.1:53"),
                    LocalAddress: s("127.0.0.1:5353"),
                    ..Default::default()
                },
                vec![0xabu8, 0xcd, 1, 0],
                b"x".to_vec(),
            ],
        ),
        Case::new(
            "contract_connection_datagram_stream",
            vals![notify_request(), b"READY=1".to_vec()],
        ),
        Case::new(
            "contract_event_stream",
            vals![
                info(),
                log(t_log(), 0, "guest ready", None),
                // tLog.Add(time.Second)
                log(
                    date(2026, 11, 25, 12, 0, 1, 123_456_789, None),
                    4,
                    "slow",
                    Some(&[("ms", "1500")]),
                ),
            ],
        ),
        Case::new(
            "contract_rpc_mount_call",
            vals![
                request("Guest.Mount", 1),
                MountRequest {
                    Source: s("share0"),
                    Target: s("/mnt/share"),
                    FSType: s("virtiofs"),
                    ..Default::default()
                },
            ],
        ),
        Case::new(
            "contract_rpc_mount_reply",
            vals![response("Guest.Mount", 1, ""), Empty {}],
        ),
        Case::new(
            "contract_rpc_error_reply",
            vals![
                response("Guest.Mount", 2, "mount /mnt/x: no such file or directory"),
                AnonEmpty {},
            ],
        ),
        Case::new(
            "contract_rpc_two_calls",
            vals![
                request("Guest.Mkdir", 1),
                MkdirRequest {
                    Path: s("/etc/docker"),
                    Mode: 0o755,
                },
                request("Guest.Write", 2),
                WriteRequest {
                    Path: s("/etc/docker/daemon.json"),
                    Data: b"{}\n".to_vec(),
                    Mode: 0,
                },
            ],
        ),
        Case::new(
            "contract_rpc_seq_zero",
            vals![request("Guest.Shutdown", 0), ShutdownRequest::default()],
        ),
        // Skipped first: Request, MountRequest, Response; Request keeps its id 64.
        Case::new(
            "contract_rpc_run_call",
            vals![
                request("Guest.Run", 7),
                RunRequest {
                    Command: s("swapon"),
                    Args: strs(&["/dev/vdc"]),
                    // time.Minute
                    Timeout: 60_000_000_000,
                    ..Default::default()
                },
            ],
        )
        .not_identical(GO_REGISTRY),
        // Skipped first: Request, RunRequest, Empty.
        Case::new(
            "contract_rpc_run_reply",
            vals![
                response("Guest.Run", 7, ""),
                RunResponse {
                    ExitCode: 1,
                    Stdout: vec![],
                    Stderr: b"swapon: /dev/vdc: read swap header failed\n".to_vec(),
                },
            ],
        )
        .first_id(68),
        // Skipped first: Request, ListenRequest, ShutdownRequest.
        Case::new(
            "contract_rpc_listen_reply",
            vals![
                response("Guest.Listen", 3, ""),
                ListenResponse {
                    Address: s("/run/systemd/notify"),
                },
            ],
        )
        .first_id(67),
        // Skipped first: Info, ProxyRequest.
        Case::new(
            "contract_log_skip65",
            vals![log(t_log(), 0, "x", Some(&[("k", "v")]))],
        )
        .first_id(67),
        // Skipped first: ProxyRequest, whose []string (id 65) LaunchOutput's Lines reuses.
        Case::new(
            "contract_launch_output_skip65",
            vals![launch(2, &["err"], false, 0)],
        )
        .not_identical(GO_REGISTRY),
        // Skipped first: RunRequest, Info; RunRequest's []string (id 65) is reused.
        Case::new(
            "contract_proxy_request_skip65",
            vals![ProxyRequest {
                Network: s("launch"),
                Address: s("sh"),
                Args: strs(&["-c", "true"]),
                ..Default::default()
            }],
        )
        .not_identical(GO_REGISTRY),
    ]
}
