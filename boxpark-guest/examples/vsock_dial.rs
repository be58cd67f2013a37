//! `vsock_dial <cid> <port>`: a test program for INSIDE a test VM only. It connects to a vsock
//! port as a process in the guest would (for example to the guest's own port 1 over vsock
//! loopback), waits up to 3 s, and prints `closed` when the other side closed the connection
//! without a byte, `open` when it is still open, or `error: ...`.
//!
//! Never run it on a development or CI machine: their vsock peers are not ours.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio_vsock::{VsockAddr, VsockStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(cid), Some(port)) = (
        args.get(1).and_then(|a| a.parse::<u32>().ok()),
        args.get(2).and_then(|a| a.parse::<u32>().ok()),
    ) else {
        eprintln!("usage: vsock_dial <cid> <port>");
        return std::process::ExitCode::from(2);
    };
    let mut conn = match VsockStream::connect(VsockAddr::new(cid, port)).await {
        Ok(c) => c,
        Err(e) => {
            println!("error: connect: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut buf = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(3), conn.read(&mut buf)).await {
        Ok(Ok(0)) => println!("closed"),
        Ok(Ok(n)) => println!("data: {n} bytes"),
        Ok(Err(e)) => println!("closed: {e}"),
        Err(_) => println!("open"),
    }
    std::process::ExitCode::SUCCESS
}
