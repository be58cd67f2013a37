//! Targets the tests run themselves, on loopback and Unix sockets only. Each serves a bounded
//! number of connections or datagrams and stops when dropped.

use std::io;
use std::net::SocketAddr;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::UnixDatagram as StdUnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket, UnixListener};
use tokio::task::JoinHandle;

use crate::within;

/// Most connections (or datagrams) one server handles.
const MAX_SERVED: usize = 64;

/// What the stream echo servers write after the client's end of stream, before closing: proof
/// that the half-close came through and the other direction still worked.
pub const BYE: &[u8] = b"bye";

/// A running server; stopped when dropped.
pub struct Served<A> {
    /// Where it listens.
    pub addr: A,
    /// How many connections ended without an I/O error (stream echo servers only).
    completed: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl<A> Served<A> {
    /// Waits until `n` connections ended without an I/O error on the server's side (the client's
    /// half-close arrived as an end of stream, and the echo and [`BYE`] were written).
    pub async fn wait_completed(&self, n: usize) {
        within("the echo server's connections to end cleanly", async {
            while self.completed.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
    }
}

impl<A> Drop for Served<A> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one stream connection with [`echo_stream`], counting it in `completed` if it ends
/// without an error.
fn spawn_echo<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    s: S,
    completed: &Arc<AtomicUsize>,
) {
    let completed = completed.clone();
    tokio::spawn(async move {
        if echo_stream(s).await.is_ok() {
            completed.fetch_add(1, Ordering::SeqCst);
        }
    });
}

/// Echoes what it reads until end of stream, then writes [`BYE`] and closes.
async fn echo_stream<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> io::Result<()> {
    let mut buf = vec![0u8; 16 << 10];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        s.write_all(&buf[..n]).await?;
    }
    s.write_all(BYE).await?;
    s.shutdown().await
}

/// A TCP echo server on `127.0.0.1:0`.
pub async fn tcp_echo() -> Served<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tcp");
    let addr = listener.local_addr().expect("local addr");
    let completed = Arc::new(AtomicUsize::new(0));
    let task = tokio::spawn({
        let completed = completed.clone();
        async move {
            for _ in 0..MAX_SERVED {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                spawn_echo(conn, &completed);
            }
        }
    });
    Served {
        addr,
        completed,
        task,
    }
}

/// A Unix stream echo server on `path`.
pub fn unix_echo(path: &Path) -> Served<PathBuf> {
    let listener = UnixListener::bind(path).expect("bind unix");
    let completed = Arc::new(AtomicUsize::new(0));
    let task = tokio::spawn({
        let completed = completed.clone();
        async move {
            for _ in 0..MAX_SERVED {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                spawn_echo(conn, &completed);
            }
        }
    });
    Served {
        addr: path.to_owned(),
        completed,
        task,
    }
}

/// The reply of the datagram echo servers to `data`.
pub fn echo_reply(data: &[u8]) -> Vec<u8> {
    [b"echo:".as_slice(), data].concat()
}

/// A UDP server on `127.0.0.1:0` that answers each datagram with [`echo_reply`].
pub async fn udp_echo() -> Served<SocketAddr> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
    let addr = socket.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 1 << 16];
        for _ in 0..MAX_SERVED {
            let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let _ = socket.send_to(&echo_reply(&buf[..n]), peer).await;
        }
    });
    Served {
        addr,
        completed: Arc::default(),
        task,
    }
}

/// A Unix datagram server on `path` that answers each datagram with [`echo_reply`], also to
/// peers bound to abstract names (as the guest's proxy sockets are), which only std's
/// `send_to_addr` can address. Runs on a thread that checks every 100 ms whether it was dropped.
pub struct UnixgramEcho {
    /// Where it listens.
    pub path: PathBuf,
    /// Datagrams answered, and how many of them came from a peer bound to an abstract name.
    counts: Arc<(AtomicUsize, AtomicUsize)>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl UnixgramEcho {
    /// Binds `path` and starts answering.
    pub fn start(path: &Path) -> UnixgramEcho {
        let socket = StdUnixDatagram::bind(path).expect("bind unixgram");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let counts: Arc<(AtomicUsize, AtomicUsize)> = Arc::default();
        let stopped = stop.clone();
        let counted = counts.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut served = 0;
            while served < MAX_SERVED && !stopped.load(Ordering::Relaxed) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if peer.as_abstract_name().is_some() {
                    counted.1.fetch_add(1, Ordering::SeqCst);
                }
                counted.0.fetch_add(1, Ordering::SeqCst);
                let _ = socket.send_to_addr(&echo_reply(&buf[..n]), &peer);
                served += 1;
            }
        });
        UnixgramEcho {
            path: path.to_owned(),
            counts,
            stop,
            thread: Some(thread),
        }
    }

    /// How many datagrams it answered, and how many of those came from a peer bound to an
    /// abstract name (as the guest's proxy sockets are).
    pub fn answered(&self) -> (usize, usize) {
        (
            self.counts.0.load(Ordering::SeqCst),
            self.counts.1.load(Ordering::SeqCst),
        )
    }
}

impl Drop for UnixgramEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A minimal HTTP/1.1 server on a Unix socket, standing in for the Docker daemon's API socket:
/// `GET /_ping` answers `200 OK` with body `OK`; anything else `404`. Connections are kept alive
/// until the client closes them or sends `Connection: close`.
pub fn http_ping(path: &Path) -> Served<PathBuf> {
    let listener = UnixListener::bind(path).expect("bind the http socket");
    let task = tokio::spawn(async move {
        for _ in 0..MAX_SERVED {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve_http(conn));
        }
    });
    Served {
        addr: path.to_owned(),
        completed: Arc::default(),
        task,
    }
}

async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(mut conn: S) -> io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some(head) = read_head(&mut conn, &mut buf).await? else {
            return Ok(());
        };
        let request_line = head.lines().next().unwrap_or_default().to_owned();
        let close = head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("connection: close"));
        let (status, body) = if request_line == "GET /_ping HTTP/1.1" {
            ("200 OK", "OK")
        } else {
            ("404 Not Found", "page not found\n")
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nApi-Version: 1.43\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(response.as_bytes()).await?;
        if close {
            return conn.shutdown().await;
        }
    }
}

/// Reads up to the end of an HTTP head (`\r\n\r\n`); what follows stays in `buf`. `None` at a
/// clean end of stream before any byte of a head.
async fn read_head<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> io::Result<Option<String>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Ok(Some(head));
        }
        if buf.len() > 64 << 10 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
        }
        let mut chunk = [0u8; 4096];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// An HTTP/1.1 response as the client read it.
#[derive(Debug)]
pub struct HttpResponse {
    /// For example `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// The header lines.
    pub headers: Vec<String>,
    /// `Content-Length` bytes of body.
    pub body: Vec<u8>,
}

/// Sends `GET <path>` on a kept-alive (or, with `close`, closing) connection and reads the
/// response by its `Content-Length`; `buf` carries bytes read past it to the next call.
pub async fn http_get<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut S,
    buf: &mut Vec<u8>,
    path: &str,
    close: bool,
) -> HttpResponse {
    let connection = if close { "close" } else { "keep-alive" };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: boxpark-e2e\r\nConnection: {connection}\r\n\r\n"
    );
    within(
        "writing an HTTP request",
        conn.write_all(request.as_bytes()),
    )
    .await
    .expect("write the request");
    let head = within("an HTTP response head", read_head(conn, buf))
        .await
        .expect("read the response head")
        .expect("a response before the end of stream");
    let mut lines = head.lines().map(str::to_owned);
    let status_line = lines.next().unwrap_or_default();
    let headers: Vec<String> = lines.collect();
    let length: usize = headers
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("a Content-Length header");
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = within("an HTTP response body", conn.read(&mut chunk))
            .await
            .expect("read the body");
        assert!(
            n > 0,
            "the body ended after {} of {length} bytes",
            buf.len()
        );
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf.drain(..length).collect();
    HttpResponse {
        status_line,
        headers,
        body,
    }
}
