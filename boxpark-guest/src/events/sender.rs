//! Dialing host port 1 and sending `Info`, then the queued records.

use std::sync::Arc;
use std::time::Duration;

use boxpark_proto::event::Info;
use gob_codec::async_io::AsyncEncoder;
use tokio::io::{AsyncReadExt, AsyncWrite};

use super::queue::Next;
use super::quiet::Quiet;
use super::{dropped_record, EventQueue};
use crate::transport::Conn;
use crate::Guest;

/// First wait before redialing host port 1.
pub const BACKOFF_INITIAL: Duration = Duration::from_millis(100);
/// Longest wait between dials; the wait doubles up to this.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long queued records may take to go out once the shutdown signal fired.
pub const DRAIN_ON_SHUTDOWN: Duration = Duration::from_millis(500);

/// Dials host port 1 and sends events until shutdown.
pub async fn run(guest: Arc<Guest>, queue: EventQueue) {
    Quiet {
        inner: Box::pin(send_events(guest, queue)),
    }
    .await
}

async fn send_events(guest: Arc<Guest>, queue: EventQueue) {
    let mut backoff = BACKOFF_INITIAL;
    loop {
        let dialed = tokio::select! {
            c = guest.transport.dial_host(boxpark_proto::ports::HOST_EVENT_PORT) => c,
            _ = guest.shutdown.fired() => return,
        };
        match dialed {
            Ok(conn) => {
                let ended = connection(conn, &guest, &queue, &mut backoff).await;
                match ended {
                    Ok(End::Shutdown) => return,
                    Ok(End::HostClosed) => tracing::info!("event stream: the host closed it"),
                    Err(e) => tracing::info!(error = %e, "event stream broke"),
                }
            }
            Err(e) => tracing::debug!(error = %e, ?backoff, "event stream: cannot reach the host"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = guest.shutdown.fired() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Why a connection ended without an error.
enum End {
    HostClosed,
    Shutdown,
}

/// Serves one event-stream connection: `Info`, then records until it breaks or shutdown.
async fn connection(
    conn: Conn,
    guest: &Guest,
    queue: &EventQueue,
    backoff: &mut Duration,
) -> Result<End, gob_codec::Error> {
    let (mut reader, writer) = tokio::io::split(conn);
    let mut enc = AsyncEncoder::new(writer);
    let info = Info {
        Version: guest.config.version.clone(),
        IP: first_ipv4(),
    };
    tokio::select! {
        r = enc.encode(&info) => r?,
        _ = guest.shutdown.fired() => return Ok(End::Shutdown),
    }
    *backoff = BACKOFF_INITIAL;
    tracing::info!(ip = %info.IP, "event stream connected");
    let mut scratch = [0u8; 256];
    loop {
        // Shutdown in the middle of a value leaves the stream cut: nothing more goes on it.
        let sent = tokio::select! {
            r = send_queued(&mut enc, queue) => r,
            _ = guest.shutdown.fired() => return Ok(End::Shutdown),
        };
        sent?;
        tokio::select! {
            biased;
            _ = guest.shutdown.fired() => return drain(&mut enc, queue).await,
            r = reader.read(&mut scratch) => match r {
                Ok(0) => return Ok(End::HostClosed),
                Ok(_) => {} // The host has nothing to say on this stream: ignored.
                Err(e) => return Err(e.into()),
            },
            _ = queue.pushed() => {}
        }
    }
}

/// Writes every queued record (the drop count first); the record whose write fails is lost.
async fn send_queued<W: AsyncWrite + Unpin>(
    enc: &mut AsyncEncoder<W>,
    queue: &EventQueue,
) -> Result<(), gob_codec::Error> {
    while let Some(next) = queue.next() {
        match next {
            Next::Dropped(n) => {
                if let Err(e) = enc.encode(&dropped_record(n)).await {
                    queue.restore_dropped(n);
                    return Err(e);
                }
            }
            Next::Record(log) => enc.encode(&log).await?,
        }
    }
    Ok(())
}

/// Gives what is queued [`DRAIN_ON_SHUTDOWN`] to go out; called between values only.
async fn drain<W: AsyncWrite + Unpin>(
    enc: &mut AsyncEncoder<W>,
    queue: &EventQueue,
) -> Result<End, gob_codec::Error> {
    match tokio::time::timeout(DRAIN_ON_SHUTDOWN, send_queued(enc, queue)).await {
        Ok(r) => r.map(|()| End::Shutdown),
        Err(_) => Ok(End::Shutdown),
    }
}

/// The first non-loopback IPv4 address of the machine, in `getifaddrs` order, or `""`.
pub fn first_ipv4() -> String {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return String::new();
    };
    addrs
        .filter_map(|a| {
            a.address
                .and_then(|s| s.as_sockaddr_in().map(|sin| sin.ip()))
        })
        .find(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}
