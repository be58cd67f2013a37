//! Writes a Rust-encoded gob stream of every contract message into `OUTDIR/<name>.gob`, for Go to
//! check: zero and non-zero fields, empty and full slices and maps, UTC and zoned times, the event
//! stream, `launch` output, net/rpc calls and replies (`rpc::Request`, `rpc::Response`), and
//! datagram streams.
//!
//! ```text
//! cargo run -q -p boxpark-proto --example write_contract -- OUTDIR
//! ```
//!
//! `interop-go/contract/fromrust_test.go` (with `GOB_RUST_INTEROP=1`) runs this, decodes each stream
//! with Go's reference types and compares with the same values written in Go; it also compares the
//! bytes with what a fresh Go `gob.Encoder` writes for those values. Each stream is what one fresh
//! encoder writes, values in order; datagrams are framed with `proxy::datagram::encode`, as the
//! guest does after a `ProxyRequest` or `ConnectionRequest`.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;

use boxpark_proto::api::{
    Empty, InvalidRequest, ListenRequest, ListenResponse, MkdirRequest, MountRequest, RunRequest,
    RunResponse, ShutdownRequest, WriteRequest,
};
use boxpark_proto::event::{level, Info, Log};
use boxpark_proto::proxy::{datagram, ConnectionRequest, LaunchOutput, ProxyRequest};
use boxpark_proto::rpc::{Request, Response};
use gob_codec::{Encoder, Time};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One stream: one fresh encoder, values in order.
struct Stream {
    enc: Encoder<Vec<u8>>,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            enc: Encoder::new(Vec::new()),
        }
    }

    fn put<T: Serialize + DeserializeOwned>(mut self, v: &T) -> gob_codec::Result<Stream> {
        self.enc.encode(v)?;
        Ok(self)
    }

    /// A datagram as the guest frames it: a gob `[]byte` value (predefined, so no definitions).
    fn datagram(mut self, d: &[u8]) -> Stream {
        datagram::encode(self.enc.get_mut(), d);
        self
    }

    fn bytes(self) -> Vec<u8> {
        self.enc.into_inner()
    }
}

/// A stream of one value.
fn one<T: Serialize + DeserializeOwned>(v: &T) -> gob_codec::Result<Vec<u8>> {
    Ok(Stream::new().put(v)?.bytes())
}

fn s(x: &str) -> String {
    x.to_owned()
}

fn strs(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| s(x)).collect()
}

/// Go's `time.Date(y, mo, d, h, mi, s, ns, loc)`: `None` is `time.UTC`, `Some(off)` a
/// `time.FixedZone` `off` seconds east of UTC (zone names are not sent).
#[allow(clippy::too_many_arguments)]
fn date(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: u32, zone: Option<i32>) -> Time {
    Time::from_date(y, mo, d, h, mi, s, ns, zone)
}

fn attrs(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter().map(|(k, v)| (s(k), s(v))).collect()
}

fn log(time: Time, lvl: i64, message: &str, kv: &[(&str, &str)]) -> Log {
    Log {
        Time: time,
        Level: lvl,
        Message: s(message),
        Attrs: attrs(kv),
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

/// Bytes 0, 1, ..., 255.
fn all_bytes() -> Vec<u8> {
    (0..=255).collect()
}

/// `n` bytes of a repeating pattern.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn t_log() -> Time {
    date(2026, 11, 25, 12, 0, 0, 123_456_789, None)
}

fn run_request_full() -> RunRequest {
    RunRequest {
        Command: s("sh"),
        Args: strs(&["-c", "echo \"$X\" && exit 3", "", "ünïcødé ✓"]),
        Env: strs(&["X=1", "EMPTY=", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]),
        Dir: s("/work dir"),
        Stdin: all_bytes(),
        Timeout: 90_000_000_000,
    }
}

fn launch_proxy_request() -> ProxyRequest {
    ProxyRequest {
        Network: s("launch"),
        Address: s("/usr/bin/dockerd"),
        LocalAddress: s("@host"),
        Args: strs(&["--host=unix:///var/run/docker.sock", "", "--debug"]),
        Env: strs(&["DOCKER_RAMDISK=true", "A=b=c"]),
        Dir: s("/var/lib/docker"),
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

/// Every stream, by name. `interop-go/contract/fromrust_test.go` has the same table in Go.
fn streams() -> gob_codec::Result<Vec<(&'static str, Vec<u8>)>> {
    let long_line = "x".repeat(65_536);
    Ok(vec![
        ("empty", one(&Empty {})?),
        ("invalid_request", one(&InvalidRequest {})?),
        ("mount_request_zero", one(&MountRequest::default())?),
        (
            "mount_request_full",
            one(&MountRequest {
                Source: s("/dev/vdb"),
                Target: s("/mnt/données"),
                FSType: s("ext4"),
                Flags: 1 | 1024 | (1 << 63),
                Data: s("errors=remount-ro,discard"),
            })?,
        ),
        (
            "mount_request_max_flags",
            one(&MountRequest {
                Source: s("tmpfs"),
                Target: s("/tmp"),
                FSType: s("tmpfs"),
                Flags: u64::MAX,
                Data: s(""),
            })?,
        ),
        ("run_request_zero", one(&RunRequest::default())?),
        ("run_request_full", one(&run_request_full())?),
        (
            "run_request_empty_slices",
            one(&RunRequest {
                Command: s("true"),
                Args: vec![],
                Env: vec![],
                Dir: s(""),
                Stdin: vec![],
                Timeout: -1,
            })?,
        ),
        ("run_response_zero", one(&RunResponse::default())?),
        (
            "run_response_full",
            one(&RunResponse {
                ExitCode: 137,
                Stdout: pattern(70_000),
                Stderr: b"oops\n".to_vec(),
            })?,
        ),
        (
            "run_response_signal",
            one(&RunResponse {
                ExitCode: -1,
                Stdout: vec![],
                Stderr: vec![],
            })?,
        ),
        (
            "run_response_extremes",
            one(&RunResponse {
                ExitCode: i64::MIN,
                Stdout: vec![0],
                Stderr: vec![0xff],
            })?,
        ),
        ("write_request_zero", one(&WriteRequest::default())?),
        (
            "write_request_full",
            one(&WriteRequest {
                Path: s("/etc/docker/daemon.json"),
                Data: all_bytes(),
                Mode: 0o4755,
            })?,
        ),
        (
            "write_request_max_mode",
            one(&WriteRequest {
                Path: s("/proc/sys/net/ipv4/ip_forward"),
                Data: b"1\n".to_vec(),
                Mode: u32::MAX,
            })?,
        ),
        ("mkdir_request_zero", one(&MkdirRequest::default())?),
        (
            "mkdir_request_full",
            one(&MkdirRequest {
                Path: s("/etc/docker/certs.d/registry:5000"),
                Mode: 0o700,
            })?,
        ),
        ("listen_request_zero", one(&ListenRequest::default())?),
        (
            "listen_request_tcp",
            one(&ListenRequest {
                Network: s("tcp"),
                Address: s("0.0.0.0:0"),
                BufferSize: 0,
            })?,
        ),
        (
            "listen_request_udp",
            one(&ListenRequest {
                Network: s("udp"),
                Address: s("[::1]:5353"),
                BufferSize: 65_535,
            })?,
        ),
        (
            "listen_request_negative",
            one(&ListenRequest {
                Network: s("unixgram"),
                Address: s("/run/systemd/notify"),
                BufferSize: -1,
            })?,
        ),
        ("listen_response_zero", one(&ListenResponse::default())?),
        (
            "listen_response_full",
            one(&ListenResponse {
                Address: s("[::1]:41234"),
            })?,
        ),
        ("shutdown_request_zero", one(&ShutdownRequest::default())?),
        (
            "shutdown_request_reboot",
            one(&ShutdownRequest { Reboot: true })?,
        ),
        ("proxy_request_zero", one(&ProxyRequest::default())?),
        (
            "proxy_request_unix",
            one(&ProxyRequest {
                Network: s("unix"),
                Address: s("/var/run/docker.sock"),
                LocalAddress: s("/tmp/docker.sock"),
                ..Default::default()
            })?,
        ),
        ("proxy_request_launch", one(&launch_proxy_request())?),
        (
            "proxy_request_file",
            one(&ProxyRequest {
                Network: s("file"),
                Address: s("/var/log/dockerd.log"),
                ..Default::default()
            })?,
        ),
        (
            "connection_request_zero",
            one(&ConnectionRequest::default())?,
        ),
        (
            "connection_request_tcp",
            one(&ConnectionRequest {
                Network: s("tcp"),
                ListenAddress: s("0.0.0.0:8080"),
                LocalAddress: s("10.0.2.15:8080"),
                RemoteAddress: s("10.0.2.2:51234"),
            })?,
        ),
        ("connection_request_unnamed", one(&notify_request())?),
        ("launch_output_zero", one(&LaunchOutput::default())?),
        (
            "launch_output_lines",
            one(&LaunchOutput {
                Stream: 1,
                Lines: vec![s(""), s("line with\ttab"), s("日本語"), long_line.clone()],
                Exited: false,
                ExitCode: 0,
            })?,
        ),
        (
            "launch_output_exited",
            one(&LaunchOutput {
                Stream: 0,
                Lines: vec![],
                Exited: true,
                ExitCode: -1,
            })?,
        ),
        ("info_zero", one(&Info::default())?),
        (
            "info_full",
            one(&Info {
                Version: s("0.1.0-dev+g1234abc"),
                IP: s("10.0.2.15"),
            })?,
        ),
        ("log_zero", one(&Log::default())?),
        (
            "log_utc_attrs",
            one(&log(
                t_log(),
                level::INFO,
                "guest ready",
                &[("", "empty key"), ("ip", "10.0.2.15"), ("version", "0.1.0")],
            ))?,
        ),
        (
            "log_zoned",
            one(&log(
                date(2026, 11, 25, 13, 0, 0, 5000, Some(3600)),
                level::ERROR,
                "mount failed",
                &[("err", "no such device")],
            ))?,
        ),
        (
            "log_zoned_negative",
            one(&log(
                date(
                    2023,
                    12,
                    31,
                    23,
                    59,
                    59,
                    999_999_999,
                    Some(-(3 * 3600 + 30 * 60)),
                ),
                level::WARN,
                "slow",
                &[("ms", "1500")],
            ))?,
        ),
        (
            "log_zoned_seconds",
            one(&log(
                date(1890, 5, 17, 8, 15, 0, 500, Some(3600 + 1)),
                level::DEBUG,
                "local mean time",
                &[],
            ))?,
        ),
        (
            "log_zoned_zero_offset",
            one(&log(
                date(2024, 3, 1, 12, 30, 45, 0, Some(0)),
                level::INFO,
                "offset 0, not UTC",
                &[],
            ))?,
        ),
        (
            "log_empty_attrs",
            one(&log(t_log(), level::DEBUG, "tick", &[]))?,
        ),
        (
            "log_pre_epoch",
            one(&log(
                date(1969, 12, 31, 23, 59, 59, 500_000_000, None),
                -8,
                "before 1970",
                &[],
            ))?,
        ),
        (
            "log_one_nanosecond",
            one(&log(date(1, 1, 1, 0, 0, 0, 1, None), 0, "", &[]))?,
        ),
        (
            "event_stream",
            Stream::new()
                .put(&Info {
                    Version: s("0.1.0"),
                    IP: s(""),
                })?
                .put(&log(t_log(), level::INFO, "guest ready", &[]))?
                .put(&log(
                    date(2026, 11, 25, 13, 0, 1, 0, Some(3600)),
                    level::WARN,
                    "dropped 3 log records",
                    &[("dropped", "3")],
                ))?
                .put(&log(t_log(), level::DEBUG, "", &[]))?
                .put(&Log::default())?
                .bytes(),
        ),
        (
            "launch_stream",
            Stream::new()
                .put(&LaunchOutput {
                    Stream: 1,
                    Lines: strs(&["a", "b"]),
                    Exited: false,
                    ExitCode: 0,
                })?
                .put(&LaunchOutput {
                    Stream: 2,
                    Lines: strs(&["warning: x"]),
                    Exited: false,
                    ExitCode: 0,
                })?
                .put(&LaunchOutput {
                    Stream: 0,
                    Lines: vec![],
                    Exited: true,
                    ExitCode: 1,
                })?
                .bytes(),
        ),
        (
            "rpc_calls",
            Stream::new()
                .put(&request("Guest.Mkdir", 1))?
                .put(&MkdirRequest {
                    Path: s("/etc/docker"),
                    Mode: 0o755,
                })?
                .put(&request("Guest.Write", 2))?
                .put(&WriteRequest {
                    Path: s("/etc/docker/daemon.json"),
                    Data: b"{}\n".to_vec(),
                    Mode: 0,
                })?
                .put(&request("Guest.Run", 3))?
                .put(&run_request_full())?
                .put(&request("Guest.Listen", 4))?
                .put(&ListenRequest {
                    Network: s("unixgram"),
                    Address: s("/run/systemd/notify"),
                    BufferSize: 4096,
                })?
                .put(&request("Guest.Mount", u64::MAX))?
                .put(&MountRequest::default())?
                .put(&request("Guest.Shutdown", 0))?
                .put(&ShutdownRequest::default())?
                .bytes(),
        ),
        (
            "rpc_replies",
            Stream::new()
                .put(&response("Guest.Mkdir", 1, ""))?
                .put(&Empty {})?
                .put(&response(
                    "Guest.Write",
                    2,
                    "open /etc/x: permission denied",
                ))?
                .put(&InvalidRequest {})?
                .put(&response("Guest.Run", 3, ""))?
                .put(&RunResponse {
                    ExitCode: 3,
                    Stdout: b"1\n".to_vec(),
                    Stderr: vec![],
                })?
                .put(&response("Guest.Listen", 4, ""))?
                .put(&ListenResponse {
                    Address: s("/run/systemd/notify"),
                })?
                .put(&response(
                    "Guest.Nope",
                    5,
                    "rpc: can't find method Guest.Nope",
                ))?
                .put(&InvalidRequest {})?
                .put(&response("Guest.Shutdown", 0, ""))?
                .put(&Empty {})?
                .bytes(),
        ),
        (
            "udp_proxy_stream",
            Stream::new()
                .put(&ProxyRequest {
                    Network: s("udp"),
                    Address: s("127.0.0.1:53"),
                    LocalAddress: s("127.0.0.1:5353"),
                    ..Default::default()
                })?
                .datagram(b"a")
                .datagram(b"")
                .datagram(&all_bytes())
                .datagram(&pattern(70_000))
                .bytes(),
        ),
        (
            "connection_datagram_stream",
            Stream::new()
                .put(&notify_request())?
                .datagram(b"READY=1")
                .datagram(b"STATUS=Processing requests...\nMAINPID=42")
                .bytes(),
        ),
        (
            "datagrams",
            Stream::new()
                .datagram(b"READY=1")
                .datagram(b"")
                .datagram(&[0])
                .bytes(),
        ),
    ])
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        return Err("usage: write_contract OUTDIR".into());
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let all = streams()?;
    for (name, bytes) in &all {
        std::fs::write(out.join(format!("{name}.gob")), bytes)?;
    }
    println!("wrote {} streams to {}", all.len(), out.display());
    Ok(())
}
