//! The host's side of the protocol: a typed client for the `Guest` service, and helpers for proxy
//! connections and the hybrid vsock handshake.
//!
//! ```no_run
//! use boxpark_proto::api::RunRequest;
//! use boxpark_proto::host::{connect_hybrid, GuestClient};
//! use boxpark_proto::ports::GUEST_API_PORT;
//!
//! # async fn demo() -> Result<(), boxpark_proto::Error> {
//! let conn = connect_hybrid("/tmp/guest.sock", GUEST_API_PORT).await?;
//! let guest = GuestClient::new(conn);
//! let out = guest
//!     .run(&RunRequest { Command: "uname".into(), Args: vec!["-a".into()], ..Default::default() })
//!     .await?;
//! println!("{}", String::from_utf8_lossy(&out.Stdout));
//! # Ok(()) }
//! ```

use std::path::Path;

use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::api::{
    methods, Empty, ListenRequest, ListenResponse, MkdirRequest, MountRequest, RunRequest,
    RunResponse, ShutdownRequest, WriteRequest,
};
use crate::proxy::{datagram, LaunchOutput, ProxyRequest};
use crate::rpc::{Client, Error};

/// A client for the guest's `Guest` service on the RPC connection (the first connection to guest
/// port 1). Cloning shares the connection; calls from many tasks are pipelined.
#[derive(Debug, Clone)]
pub struct GuestClient {
    rpc: Client,
}

impl GuestClient {
    /// Starts a client on the RPC connection (see [`Client::new`]).
    pub fn new<C>(conn: C) -> Self
    where
        C: AsyncRead + AsyncWrite + Send + 'static,
    {
        GuestClient {
            rpc: Client::new(conn),
        }
    }

    /// Wraps an RPC client.
    pub fn from_client(rpc: Client) -> Self {
        GuestClient { rpc }
    }

    /// The underlying RPC client.
    pub fn client(&self) -> &Client {
        &self.rpc
    }

    /// `Guest.Mount`: mount(2); the target must exist.
    pub async fn mount(&self, req: &MountRequest) -> Result<(), Error> {
        self.rpc.call::<_, Empty>(methods::MOUNT, req).await?;
        Ok(())
    }

    /// `Guest.Run`: runs a program to completion and returns its exit code and output.
    pub async fn run(&self, req: &RunRequest) -> Result<RunResponse, Error> {
        self.rpc.call(methods::RUN, req).await
    }

    /// `Guest.Write`: writes a file (atomically when it is a regular file).
    pub async fn write(&self, req: &WriteRequest) -> Result<(), Error> {
        self.rpc.call::<_, Empty>(methods::WRITE, req).await?;
        Ok(())
    }

    /// `Guest.Mkdir`: like `os.MkdirAll`.
    pub async fn mkdir(&self, req: &MkdirRequest) -> Result<(), Error> {
        self.rpc.call::<_, Empty>(methods::MKDIR, req).await?;
        Ok(())
    }

    /// `Guest.Listen`: opens a socket in the guest whose connections come to host port 2.
    pub async fn listen(&self, req: &ListenRequest) -> Result<ListenResponse, Error> {
        self.rpc.call(methods::LISTEN, req).await
    }

    /// `Guest.Shutdown`: the guest answers, then powers off or reboots.
    pub async fn shutdown(&self, req: &ShutdownRequest) -> Result<(), Error> {
        self.rpc.call::<_, Empty>(methods::SHUTDOWN, req).await?;
        Ok(())
    }
}

/// Starts a proxy connection: writes `req` as a gob stream of its own (its type definition, then
/// the value) and returns the connection for what follows (raw bytes, datagrams, a file, launch
/// output).
pub async fn send_proxy_request<C>(conn: C, req: &ProxyRequest) -> Result<C, Error>
where
    C: AsyncWrite + Unpin,
{
    let mut enc = AsyncEncoder::new(conn);
    enc.encode(req)
        .await
        .map_err(|e| Error::gob("writing the proxy request", e))?;
    enc.flush()
        .await
        .map_err(|e| Error::gob("writing the proxy request", e))?;
    Ok(enc.into_inner())
}

/// Reads the [`LaunchOutput`] batches of a `launch` proxy connection until the one with `Exited`.
pub struct LaunchReader<R> {
    dec: AsyncDecoder<R>,
    exit_code: Option<i64>,
}

impl<R> std::fmt::Debug for LaunchReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchReader")
            .field("exit_code", &self.exit_code)
            .finish_non_exhaustive()
    }
}

impl<R: AsyncRead + Unpin> LaunchReader<R> {
    /// Reads from the connection after [`send_proxy_request`]. Wrap it in a `BufReader` if nothing
    /// else reads it: the decoder reads length prefixes a byte at a time.
    pub fn new(conn: R) -> Self {
        LaunchReader {
            dec: AsyncDecoder::new(conn),
            exit_code: None,
        }
    }

    /// The next batch; the last one has `Exited` set, and after it the answer is `Ok(None)`. A
    /// stream that ends before that is an [`Error::Protocol`].
    pub async fn next(&mut self) -> Result<Option<LaunchOutput>, Error> {
        let mut batch = LaunchOutput::default();
        Ok(self.next_into(&mut batch).await?.then_some(batch))
    }

    /// As [`LaunchReader::next`], into `batch`: its lines' buffers are reused, so reading a long
    /// output allocates only for lines longer than those before (and `batch` keeps the capacity of
    /// the largest batch read, until it is dropped or replaced). `Ok(false)` after the final
    /// batch (and `batch` is left as it was); after an error `batch` may hold part of a batch.
    pub async fn next_into(&mut self, batch: &mut LaunchOutput) -> Result<bool, Error> {
        if self.exit_code.is_some() {
            return Ok(false);
        }
        match self.dec.decode_into(batch).await {
            Ok(()) => {
                if batch.Exited {
                    self.exit_code = Some(batch.ExitCode);
                }
                Ok(true)
            }
            Err(e) if e.is_eof() => Err(Error::Protocol(
                "the launch stream ended before the process exited".into(),
            )),
            Err(e) => Err(Error::gob("reading launch output", e)),
        }
    }

    /// The exit code, once the final batch has been read.
    pub fn exit_code(&self) -> Option<i64> {
        self.exit_code
    }

    /// The connection (closing it first makes the guest stop the process).
    pub fn into_inner(self) -> R {
        self.dec.into_inner()
    }
}

/// Writes one datagram on a `udp`/`unixgram` proxy (or host-proxy) connection: a gob value of Go
/// type `[]byte`.
pub async fn write_datagram<W>(w: &mut W, data: &[u8]) -> Result<(), Error>
where
    W: AsyncWrite + Unpin,
{
    let mut msg = Vec::with_capacity(data.len() + 16);
    datagram::encode(&mut msg, data);
    w.write_all(&msg)
        .await
        .map_err(|e| Error::io("writing a datagram", e))?;
    w.flush()
        .await
        .map_err(|e| Error::io("writing a datagram", e))
}

/// Reads the next datagram of a `udp`/`unixgram` proxy (or host-proxy) connection; `Ok(None)` when
/// the peer ended the stream. `dec` keeps the stream's state between datagrams: make it once per
/// connection (over a `BufReader` when nothing else reads the connection).
pub async fn read_datagram<R>(dec: &mut AsyncDecoder<R>) -> Result<Option<Vec<u8>>, Error>
where
    R: AsyncRead + Unpin,
{
    match dec.decode::<Vec<u8>>().await {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.is_eof() => Ok(None),
        Err(e) => Err(Error::gob("reading a datagram", e)),
    }
}

/// The longest answer line accepted in the hybrid vsock handshake.
const MAX_HANDSHAKE_LINE: usize = 64;

/// Connects to guest port `port` through a hybrid vsock Unix socket (Firecracker's and
/// `vhost-device-vsock`'s convention): writes `CONNECT <port>\n` and reads the `OK <n>\n` answer a
/// byte at a time, so nothing after it is consumed. No timeout is applied; wrap the call in
/// `tokio::time::timeout` if the peer may hang.
pub async fn connect_hybrid(uds_path: impl AsRef<Path>, port: u32) -> Result<UnixStream, Error> {
    let path = uds_path.as_ref();
    let fail = |reason: String| Error::Handshake {
        path: path.display().to_string(),
        port,
        reason,
    };
    let mut conn = UnixStream::connect(path)
        .await
        .map_err(|e| fail(format!("connecting: {e}")))?;
    conn.write_all(format!("CONNECT {port}\n").as_bytes())
        .await
        .map_err(|e| fail(format!("writing: {e}")))?;
    let mut line = Vec::new();
    loop {
        let b = match conn.read_u8().await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(fail(
                    "the connection was closed before the OK line (no such port?)".into(),
                ))
            }
            Err(e) => return Err(fail(format!("reading: {e}"))),
        };
        if b == b'\n' {
            break;
        }
        line.push(b);
        if line.len() > MAX_HANDSHAKE_LINE {
            return Err(fail("the answer line is too long".into()));
        }
    }
    let ok = line
        .strip_prefix(b"OK ")
        .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit));
    if !ok {
        return Err(fail(format!(
            "expected \"OK <n>\", got {:?}",
            String::from_utf8_lossy(&line)
        )));
    }
    Ok(conn)
}
