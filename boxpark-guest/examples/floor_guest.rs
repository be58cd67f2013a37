//! The floor of the guest benchmark's RPC metrics: a guest that does nothing but what `Guest.Mkdir`
//! and `Guest.Shutdown` need, so that `scripts/bench-guest.sh` can show how far any guest could go
//! on this driver and machine.
//!
//! It takes the guest's flags (`--transport hybrid:<UDS>`, `--log-level`, ignored), listens on
//! `<UDS>`, answers the `CONNECT 1` handshake, and serves one connection at a time on one thread
//! with blocking reads: no runtime, no event loop, no tasks, no logs. Each `Guest.Mkdir` is one
//! `statx` of the path (`os.MkdirAll` of an existing directory; a missing one is created), and the
//! replies to every request that one read brought in leave in one write. Any other method gets an
//! error reply. `Guest.Shutdown` is answered, then the process exits.
//!
//! So the time of a call to it is the driver's, the kernel's and the wake-ups' between them, plus
//! one `statx` and a gob decode and encode: what a guest cannot avoid. Its ratio to the Go guest is
//! the best ratio a guest could reach (`mkdir_seq_p50`, `mkdir16`); the Rust guest's distance from
//! it is what the guest itself costs. It is a measuring instrument, not a guest: it serves no other
//! port and method, and a malformed request ends its connection.
//!
//! ```text
//! cargo build --release -p boxpark-guest --example floor_guest
//! guestbench -guest go=goguest -guest floor=target/release/examples/floor_guest -metrics mkdir16,mkdir_seq
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::ExitCode;

use boxpark_proto::api::{methods, Empty, MkdirRequest, ShutdownRequest};
use boxpark_proto::ports::GUEST_API_PORT;
use boxpark_proto::rpc::{Request, Response};
use clap::Parser;
use gob_codec::{Decoder, Encoder};
use serde::de::IgnoredAny;

#[derive(Parser)]
struct Args {
    /// `hybrid:<UDS>`, as the guest takes it.
    #[arg(long)]
    transport: String,
    /// Accepted for the guest's command line; there are no logs.
    #[arg(long)]
    log_level: Option<String>,
}

/// What serving a connection ended with.
enum End {
    /// The host closed it or sent something this guest does not read: accept the next one.
    Closed,
    /// `Guest.Shutdown` was answered.
    Shutdown,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(uds) = args.transport.strip_prefix("hybrid:") else {
        eprintln!("floor_guest: --transport must be hybrid:<UDS>");
        return ExitCode::FAILURE;
    };
    let listener = match UnixListener::bind(uds) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("floor_guest: listening on {uds}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                eprintln!("floor_guest: accept: {e}");
                continue;
            }
        };
        match serve(conn) {
            Ok(End::Shutdown) => return ExitCode::SUCCESS,
            Ok(End::Closed) => {}
            Err(e) => eprintln!("floor_guest: connection ended: {e}"),
        }
    }
    ExitCode::SUCCESS
}

fn serve(conn: UnixStream) -> io::Result<End> {
    let mut rd = BufReader::with_capacity(64 << 10, &conn);
    if !handshake(&mut rd, &conn)? {
        return Ok(End::Closed);
    }
    let mut dec = Decoder::new(rd);
    let mut enc = Encoder::new(Vec::with_capacity(64 << 10));
    loop {
        let req: Request = match dec.decode() {
            Ok(r) => r,
            Err(e) if e.is_eof() => return Ok(End::Closed),
            Err(e) => return Err(invalid(e)),
        };
        let error = match req.ServiceMethod.as_str() {
            methods::MKDIR => dec.decode::<MkdirRequest>().map(|a| mkdir(&a)),
            methods::SHUTDOWN => dec.decode::<ShutdownRequest>().map(|_| String::new()),
            other => dec
                .decode::<IgnoredAny>()
                .map(|_| format!("floor_guest serves no {other}")),
        }
        .map_err(invalid)?;
        let shutdown = req.ServiceMethod == methods::SHUTDOWN;
        let resp = Response {
            ServiceMethod: req.ServiceMethod,
            Seq: req.Seq,
            Error: error,
        };
        enc.encode(&resp).map_err(invalid)?;
        enc.encode(&Empty {}).map_err(invalid)?;
        // Replies wait while more requests are already here, then leave together.
        if shutdown || dec.get_ref().buffer().is_empty() {
            (&conn).write_all(enc.get_ref())?;
            enc.get_mut().clear();
        }
        if shutdown {
            return Ok(End::Shutdown);
        }
    }
}

/// Answers `CONNECT 1\n` with `OK <n>\n`; false for another port or line.
fn handshake(rd: &mut BufReader<&UnixStream>, mut conn: &UnixStream) -> io::Result<bool> {
    let mut line = Vec::with_capacity(16);
    rd.by_ref().take(64).read_until(b'\n', &mut line)?;
    let want = format!("CONNECT {GUEST_API_PORT}\n");
    if line != want.as_bytes() {
        return Ok(false);
    }
    conn.write_all(b"OK 1073741824\n")?;
    Ok(true)
}

/// `os.MkdirAll`: one `statx` when the directory is there. The error text is the reply's `Error`.
fn mkdir(args: &MkdirRequest) -> String {
    let made = match std::fs::metadata(&args.Path) {
        Ok(m) if m.is_dir() => Ok(()),
        _ => std::fs::create_dir_all(&args.Path),
    };
    made.err().map(|e| e.to_string()).unwrap_or_default()
}

fn invalid(e: gob_codec::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}
