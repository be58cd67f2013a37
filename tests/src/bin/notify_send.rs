//! `notify_send <socket> <message>`: sends `<message>` as one datagram from an unbound Unix
//! datagram socket to `<socket>`, as `systemd-notify` does to `$NOTIFY_SOCKET`. The end-to-end
//! session test runs it from a launched script to say `READY=1`.

use std::os::unix::net::UnixDatagram;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [socket, message] = args.as_slice() else {
        eprintln!("usage: notify_send <socket> <message>");
        return ExitCode::from(2);
    };
    let sent = UnixDatagram::unbound().and_then(|s| s.send_to(message.as_bytes(), socket));
    match sent {
        Ok(n) if n == message.len() => ExitCode::SUCCESS,
        Ok(n) => {
            eprintln!("notify_send: sent {n} of {} bytes", message.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("notify_send: {socket}: {e}");
            ExitCode::FAILURE
        }
    }
}
