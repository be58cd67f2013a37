//! Serves the `Test` service (`examples/common/test_service.rs`) on a Unix socket, for the Go
//! interop tests.
//!
//! ```text
//! cargo run -p boxpark-proto --example rpc_test_server -- <unix-socket-path>
//! ```
//!
//! Prints `READY` once listening; serves every accepted connection concurrently; exits with status
//! 0 (removing the socket) when its standard input reaches end of file.

use std::io::Write;
use std::process::ExitCode;

use tokio::io::AsyncReadExt;
use tokio::net::UnixListener;

#[path = "common/test_service.rs"]
mod test_service;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: rpc_test_server <unix-socket-path>");
        return ExitCode::from(2);
    };
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rpc_test_server: listening on {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = test_service::server();
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "READY")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }

    let accept = async {
        loop {
            match listener.accept().await {
                Ok((conn, _)) => {
                    let server = server.clone();
                    tokio::spawn(async move {
                        if let Err(e) = server.serve(conn, ()).await {
                            eprintln!("rpc_test_server: connection: {e}");
                        }
                    });
                }
                Err(e) => eprintln!("rpc_test_server: accept: {e}"),
            }
        }
    };
    let stdin_eof = async {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 256];
        while let Ok(n) = stdin.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::select! {
        () = accept => {}
        () = stdin_eof => {}
    }
    let _ = std::fs::remove_file(&path);
    ExitCode::SUCCESS
}
