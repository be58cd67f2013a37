//! The floor of the guest benchmark's RPC and proxy metrics: a guest that does nothing but what
//! `Guest.Mkdir`, `Guest.Shutdown` and `tcp`/`unix` proxy connections need, so that
//! `scripts/bench-guest.sh` can show how far any guest could go on this driver and machine.
//!
//! It takes the guest's flags (`--transport hybrid:<UDS>`, `--log-level`, ignored), listens on
//! `<UDS>` and answers the `CONNECT 1` handshake. As the contract says, the first connection (and
//! the next one after it closes) is the RPC connection, and every other one a proxy connection.
//! Every connection has its own threads, with blocking system calls: no runtime, no event loop, no
//! logs.
//! - RPC: each `Guest.Mkdir` is the guest's own (`boxpark_guest::rpc::mkdir`: one `statx` of an
//!   existing directory) and a gob decode and encode, and the replies to every request that
//!   one read brought in leave in one write. Any other method gets an error reply.
//!   `Guest.Shutdown` is answered, then the process exits.
//! - Proxy: after the `ProxyRequest`, one thread per direction splices (splice(2) through a 1 MiB
//!   pipe, as the guest's bulk directions do, with a Unix destination's send buffer grown as the
//!   guest grows it) and half-closes the destination at the source's end.
//!
//! So the time of a call or a transfer through it is the driver's, the kernel's and the
//! wake-ups' between them, plus what a guest cannot avoid. Its ratio to the Go guest is the best
//! ratio a guest could reach; the Rust guest's distance from it is what the guest itself costs. It
//! is a measuring instrument, not a guest: it serves no other port, method or network, and a
//! malformed request ends its connection.
//!
//! ```text
//! cargo build --release -p boxpark-guest --example floor_guest
//! guestbench -guest go=goguest -guest rust=boxpark-guest -floor floor=target/release/examples/floor_guest
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use boxpark_guest::transport::{HYBRID_OK_PORT, MAX_HANDSHAKE_LINE};
use boxpark_proto::api::{methods, Empty, MkdirRequest, ShutdownRequest};
use boxpark_proto::ports::GUEST_API_PORT;
use boxpark_proto::proxy::ProxyRequest;
use boxpark_proto::rpc::{Request, Response};
use clap::Parser;
use gob_codec::{Decoder, Encoder};
use nix::fcntl::{fcntl, splice, FcntlArg, SpliceFFlags};
use nix::sys::socket::{setsockopt, shutdown, sockopt, Shutdown};
use serde::de::IgnoredAny;

/// A bulk direction's pipe and a Unix destination's send buffer, as the guest grows them.
const BULK_ROOM: usize = 1 << 20;

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
    let rpc_open = Arc::new(AtomicBool::new(false));
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                eprintln!("floor_guest: accept: {e}");
                continue;
            }
        };
        let is_rpc = !rpc_open.swap(true, Ordering::SeqCst);
        let rpc_open = rpc_open.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            let ended = if is_rpc {
                let ended = serve(conn);
                rpc_open.store(false, Ordering::SeqCst);
                match ended {
                    Ok(End::Shutdown) => std::process::exit(0),
                    Ok(End::Closed) => Ok(()),
                    Err(e) => Err(e),
                }
            } else {
                proxy(conn)
            };
            if let Err(e) = ended {
                let role = if is_rpc { "RPC" } else { "proxy" };
                eprintln!("floor_guest: {role} connection ended: {e}");
            }
        });
        if let Err(e) = spawned {
            eprintln!("floor_guest: no thread for a connection: {e}");
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
            methods::MKDIR => dec.decode::<MkdirRequest>().map(mkdir),
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

/// A proxy connection: the `ProxyRequest`, then both directions spliced.
fn proxy(conn: UnixStream) -> io::Result<()> {
    let mut rd = BufReader::with_capacity(64 << 10, &conn);
    if !handshake(&mut rd, &conn)? {
        return Ok(());
    }
    let req: ProxyRequest = Decoder::new(&mut rd).decode().map_err(invalid)?;
    // What the host sent after the request and the reader took with it goes first.
    let early = rd.buffer().to_vec();
    drop(rd);
    let target: OwnedFd = match req.Network.as_str() {
        "tcp" => {
            let mut t = TcpStream::connect(&req.Address)?;
            t.write_all(&early)?;
            t.into()
        }
        "unix" => {
            let mut t = UnixStream::connect(&req.Address)?;
            t.write_all(&early)?;
            // As the guest grows it for bulk: a Unix stream holds no more than this in flight.
            setsockopt(&t, sockopt::SndBuf, &BULK_ROOM)?;
            t.into()
        }
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("floor_guest proxies no {other}"),
            ))
        }
    };
    let host = OwnedFd::from(conn);
    let (host_in, target_in) = (host.try_clone()?, target.try_clone()?);
    let back = std::thread::Builder::new().spawn(move || one_way(&target_in, &host))?;
    let forth = one_way(&host_in, &target);
    let back = back
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the reply direction's thread panicked")));
    forth.and(back)
}

/// Moves `from`'s bytes to `to` through a pipe until `from` ends, then half-closes `to`.
fn one_way(from: &OwnedFd, to: &OwnedFd) -> io::Result<()> {
    let (pipe_out, pipe_in) = nix::unistd::pipe()?;
    fcntl(
        pipe_in.as_raw_fd(),
        FcntlArg::F_SETPIPE_SZ(BULK_ROOM as i32),
    )?;
    loop {
        let n = splice(
            from,
            None,
            &pipe_in,
            None,
            BULK_ROOM,
            SpliceFFlags::SPLICE_F_MOVE,
        )?;
        if n == 0 {
            break;
        }
        let mut left = n;
        while left > 0 {
            left -= splice(&pipe_out, None, to, None, left, SpliceFFlags::SPLICE_F_MOVE)?;
        }
    }
    shutdown(to.as_raw_fd(), Shutdown::Write)?;
    Ok(())
}

/// Answers `CONNECT 1\n` with `OK <n>\n`; false for another port or line.
fn handshake(rd: &mut BufReader<&UnixStream>, mut conn: &UnixStream) -> io::Result<bool> {
    let mut line = Vec::with_capacity(16);
    rd.by_ref()
        .take(MAX_HANDSHAKE_LINE as u64)
        .read_until(b'\n', &mut line)?;
    let want = format!("CONNECT {GUEST_API_PORT}\n");
    if line != want.as_bytes() {
        return Ok(false);
    }
    conn.write_all(format!("OK {HYBRID_OK_PORT}\n").as_bytes())?;
    Ok(true)
}

/// The guest's `Guest.Mkdir`; its error's text is the reply's `Error`.
fn mkdir(args: MkdirRequest) -> String {
    boxpark_guest::rpc::mkdir::mkdir(args)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

fn invalid(e: gob_codec::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}
