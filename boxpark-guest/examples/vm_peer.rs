//! `vm_peer`: the test VM's own peer programs, for INSIDE a test VM only (the VM image installs
//! it as `/usr/bin/vm-peer`). The VM tests start its servers with a `launch` proxy connection
//! (they print `ready` once bound, and end when the host closes that connection) and run its
//! clients with `Guest.Run`.
//!
//! ```text
//! vm-peer echo tcp|unix ADDR        per connection: read to EOF, write it all back, close
//! vm-peer echo udp|unixgram ADDR    every datagram back to its sender
//! vm-peer sink tcp|unix ADDR        per connection: read to EOF, answer the byte count, close
//! vm-peer send tcp|unix ADDR TEXT   connect, write TEXT, half-close, print the answer
//! vm-peer send udp|unixgram ADDR TEXT   one datagram, print the reply (5 s at most)
//! vm-peer notify PATH TEXT          one unixgram datagram from an unnamed socket, no reply
//! vm-peer vsock-dial CID PORT       connect over vsock; print closed, open or error: ...
//! ```
//!
//! Never run it on a development or CI machine: `vsock-dial` opens AF_VSOCK, and their vsock
//! peers are not ours.

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

const REPLY_WAIT: Duration = Duration::from_secs(5);
const MAX_DATAGRAM: usize = 65536;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["echo", net, addr] => serve(net, addr, false).await,
        ["sink", net, addr] => serve(net, addr, true).await,
        ["send", net, addr, text] => send(net, addr, text).await,
        ["notify", path, text] => notify(path, text).await,
        ["vsock-dial", cid, port] => vsock_dial(cid, port).await,
        _ => {
            eprintln!("usage: see the documentation at the top of vm_peer.rs");
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vm-peer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn ready() {
    println!("ready");
}

async fn serve(net: &str, addr: &str, sink: bool) -> io::Result<()> {
    match net {
        "tcp" => {
            let l = TcpListener::bind(addr).await?;
            ready();
            loop {
                let (c, _) = l.accept().await?;
                tokio::spawn(answer(c, sink));
            }
        }
        "unix" => {
            let _ = std::fs::remove_file(addr);
            let l = UnixListener::bind(addr)?;
            ready();
            loop {
                let (c, _) = l.accept().await?;
                tokio::spawn(answer(c, sink));
            }
        }
        "udp" => {
            let s = UdpSocket::bind(addr).await?;
            ready();
            let mut buf = vec![0u8; MAX_DATAGRAM];
            loop {
                let (n, from) = s.recv_from(&mut buf).await?;
                s.send_to(&buf[..n], from).await?;
            }
        }
        "unixgram" => {
            // std's socket: it can answer a peer bound to an abstract name (as the guest's
            // proxy sockets are), which tokio's send_to (paths only) cannot. Blocking is fine:
            // this server is all the program does.
            let _ = std::fs::remove_file(addr);
            let s = std::os::unix::net::UnixDatagram::bind(addr)?;
            ready();
            let mut buf = vec![0u8; MAX_DATAGRAM];
            loop {
                let (n, from) = s.recv_from(&mut buf)?;
                if from.as_pathname().is_some() || from.as_abstract_name().is_some() {
                    s.send_to_addr(&buf[..n], &from)?;
                }
            }
        }
        _ => Err(io::Error::other(format!("unknown network {net}"))),
    }
}

/// Reads to EOF, then answers (the bytes, or their count) and closes: a half-close from the
/// client must arrive for the answer to start.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut c: S, sink: bool) {
    let mut data = Vec::new();
    let mut count = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match c.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                count += n as u64;
                if !sink {
                    data.extend_from_slice(&buf[..n]);
                }
            }
            Err(_) => return,
        }
    }
    let reply = if sink {
        count.to_string().into_bytes()
    } else {
        data
    };
    let _ = c.write_all(&reply).await;
    let _ = c.shutdown().await;
}

async fn send(net: &str, addr: &str, text: &str) -> io::Result<()> {
    let reply = match net {
        "tcp" => exchange(TcpStream::connect(addr).await?, text).await?,
        "unix" => exchange(UnixStream::connect(addr).await?, text).await?,
        "udp" => {
            let s = UdpSocket::bind("0.0.0.0:0").await?;
            s.send_to(text.as_bytes(), addr).await?;
            let mut buf = vec![0u8; MAX_DATAGRAM];
            let n = tokio::time::timeout(REPLY_WAIT, s.recv(&mut buf)).await??;
            buf.truncate(n);
            buf
        }
        "unixgram" => {
            // A named client, so the server can reply.
            let me = format!("/tmp/vm-peer-{}.sock", std::process::id());
            let s = UnixDatagram::bind(&me)?;
            s.send_to(text.as_bytes(), addr).await?;
            let mut buf = vec![0u8; MAX_DATAGRAM];
            let got = tokio::time::timeout(REPLY_WAIT, s.recv(&mut buf)).await;
            let _ = std::fs::remove_file(&me);
            let n = got??;
            buf.truncate(n);
            buf
        }
        _ => return Err(io::Error::other(format!("unknown network {net}"))),
    };
    println!("{}", String::from_utf8_lossy(&reply));
    Ok(())
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut c: S, text: &str) -> io::Result<Vec<u8>> {
    c.write_all(text.as_bytes()).await?;
    c.shutdown().await?;
    let mut reply = Vec::new();
    tokio::time::timeout(REPLY_WAIT, c.read_to_end(&mut reply)).await??;
    Ok(reply)
}

async fn notify(path: &str, text: &str) -> io::Result<()> {
    let s = UnixDatagram::unbound()?;
    s.send_to(text.as_bytes(), path).await?;
    Ok(())
}

async fn vsock_dial(cid: &str, port: &str) -> io::Result<()> {
    use tokio_vsock::{VsockAddr, VsockStream};
    let bad = |what| io::Error::new(io::ErrorKind::InvalidInput, format!("bad {what}"));
    let cid: u32 = cid.parse().map_err(|_| bad("CID"))?;
    let port: u32 = port.parse().map_err(|_| bad("port"))?;
    let mut conn = match VsockStream::connect(VsockAddr::new(cid, port)).await {
        Ok(c) => c,
        Err(e) => {
            println!("error: connect: {e}");
            return Ok(());
        }
    };
    let mut buf = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(3), conn.read(&mut buf)).await {
        Ok(Ok(0)) => println!("closed"),
        Ok(Ok(n)) => println!("data: {n} bytes"),
        Ok(Err(e)) => println!("closed: {e}"),
        Err(_) => println!("open"),
    }
    Ok(())
}
