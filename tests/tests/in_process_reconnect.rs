//! In-process suite (see `in_process/main.rs`), in a test process of its own, since it installs
//! the global `tracing` subscriber.
//!
//! Regression: when the guest closes the RPC connection itself (a request it cannot decode), the
//! RPC slot is free before the host can see the close, so a host that reconnects the instant it
//! reads the end of the stream always gets the RPC connection, never a proxy connection.
//!
//! `boxpark_guest::run` on a hybrid transport in a temporary directory, on a runtime and threads
//! of its own as `main` runs it (`boxpark_e2e::guest_on_own_runtime`: the host, on the test's
//! runtime, is as independent of it as another process); each round opens a connection, checks
//! with a call that it is the RPC connection, sends a gob message with a huge length (which closes
//! it), reads to the end of the stream and reconnects at once.
//!
//! The guest logs as `main` sets it up, at info level, to its event queue and to a console that
//! takes [`CONSOLE_BYTE`] per byte, as a serial console does (at 115200 baud, 87 µs). It logs
//! that the RPC connection failed, and that it closed, right when it closes it: a slot freed only
//! after that logging stays taken for a while after the host saw the close. With the slot freed
//! after the logging, 26 to 71 of 3000 reconnects here became proxy connections (3 to 8 with a
//! console that costs nothing).

use std::io::Write;
use std::time::{Duration, Instant};

use boxpark_e2e::{connect, connect_when_listening, guest_on_own_runtime, within};
use boxpark_guest::{events, PowerAction, Shutdown};
use boxpark_proto::api::Empty;
use boxpark_proto::rpc::{Request, Response};
use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Reconnects tested: at the 1 in 100 that the bug had, about 30 proxy connections.
const ROUNDS: usize = 3000;
/// Longest the whole test may take.
const LIMIT: Duration = Duration::from_secs(120);
/// A gob message length far over the decoder's limit: the guest closes the connection at once.
const HUGE_LENGTH: [u8; 9] = [0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/// What the guest's console takes per byte: a fast serial line (about 3 Mbit/s).
const CONSOLE_BYTE: Duration = Duration::from_micros(3);

/// The guest's console: writing blocks for [`CONSOLE_BYTE`] per byte; the bytes go nowhere.
struct Console;

impl Write for Console {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(CONSOLE_BYTE * u32::try_from(buf.len()).unwrap_or(u32::MAX));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether `conn` is the RPC connection: a call to an unknown method is answered (with Go's
/// error text) on the RPC connection, while a proxy connection refuses the header as a
/// `ProxyRequest` and closes (or resets, since the argument is left unread).
async fn is_rpc(conn: &mut UnixStream, seq: u64) -> bool {
    let (r, w) = conn.split();
    let mut enc = AsyncEncoder::new(w);
    let req = Request {
        ServiceMethod: "Guest.Nope".into(),
        Seq: seq,
    };
    enc.encode(&req).await.expect("write the request");
    enc.encode(&Empty {}).await.expect("write the argument");
    let mut dec = AsyncDecoder::new(r);
    match within("the reply", dec.decode::<Response>()).await {
        Ok(resp) => {
            assert_eq!(resp.Error, "rpc: can't find method Guest.Nope");
            assert_eq!(resp.Seq, seq);
            let _: Empty = within("the reply's body", dec.decode())
                .await
                .expect("the reply's body");
            true
        }
        // A proxy connection closed with our argument unread: a reset.
        Err(e) if e.is_eof() || is_reset(&e) => false,
        Err(e) => panic!("neither a reply nor a close: {e}"),
    }
}

fn is_reset(e: &gob_codec::Error) -> bool {
    matches!(e.kind(), gob_codec::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset)
}

/// Sends what the guest cannot decode and waits for it to close the connection.
async fn make_the_guest_close(mut conn: UnixStream) {
    conn.write_all(&HUGE_LENGTH).await.expect("write");
    let mut rest = Vec::new();
    within("the guest's close", conn.read_to_end(&mut rest))
        .await
        .expect("read to the end");
    assert!(rest.is_empty(), "{rest:?}");
}

/// The guest, logging as `main` sets it up but to [`Console`], on a runtime of its own in a thread
/// of its own; it runs until `shutdown` fires.
fn guest_like_main(
    sock: std::path::PathBuf,
    shutdown: Shutdown,
) -> std::thread::JoinHandle<PowerAction> {
    let queue = events::EventQueue::new(events::QUEUE_CAPACITY);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(|| Console)
                .with_filter(LevelFilter::INFO),
        )
        .with(events::EventLayer::new(queue.clone()).with_filter(LevelFilter::INFO))
        .init();
    guest_on_own_runtime(sock, shutdown, queue)
}

#[tokio::test]
async fn reconnecting_at_once_after_the_guest_closed_the_rpc_connection_gets_it_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sock = dir.path().join("guest.sock");
    let shutdown = Shutdown::new();
    let guest = guest_like_main(sock.clone(), shutdown.clone());
    // The guest binds its socket on its own thread.
    drop(connect_when_listening(&sock).await);
    // That probe was the RPC connection; wait until the guest has freed the slot again.
    let mut conn = loop {
        let mut conn = connect(&sock).await;
        if is_rpc(&mut conn, 0).await {
            break conn;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };

    let start = Instant::now();
    let mut proxies = 0;
    for round in 1..=ROUNDS {
        assert!(start.elapsed() < LIMIT, "round {round} after {LIMIT:?}");
        make_the_guest_close(conn).await;
        // No pause: the guest said the RPC connection is gone.
        conn = connect(&sock).await;
        if !is_rpc(&mut conn, round as u64).await {
            proxies += 1;
            // Wait for the RPC slot, so that the next round starts from an RPC connection.
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                conn = connect(&sock).await;
                if is_rpc(&mut conn, round as u64).await {
                    break;
                }
            }
        }
    }
    let elapsed = start.elapsed();
    eprintln!("{ROUNDS} reconnects in {elapsed:?}: {proxies} became proxy connections");
    assert_eq!(
        proxies, 0,
        "{proxies} of {ROUNDS} instant reconnects became proxy connections"
    );

    drop(conn);
    shutdown.trigger(PowerAction::PowerOff);
    within(
        "the guest's end",
        tokio::task::spawn_blocking(move || guest.join()),
    )
    .await
    .expect("join")
    .expect("the guest's thread");
}
