//! The event stream on host port 1, against a fake host on `<UDS>_1`: `Info` first, the guest's
//! records, reconnection after the host goes away, and what a full queue drops.
#![allow(non_snake_case, clippy::unwrap_used)]

use std::future::Future;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use boxpark_guest::events::{EventLayer, EventQueue, QUEUE_CAPACITY};
use boxpark_guest::transport::HybridTransport;
use boxpark_guest::{Config, PowerAction, Shutdown};
use boxpark_proto::event::{Info, Log};
use gob_codec::async_io::AsyncDecoder;
use tokio::net::{UnixListener, UnixStream};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

/// Longest wait for any one step.
const STEP: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// The fake host's event port.
struct Host {
    path: PathBuf,
    listener: Option<UnixListener>,
}

impl Host {
    fn bind(path: &Path) -> Host {
        let _ = std::fs::remove_file(path);
        Host {
            path: path.to_owned(),
            listener: Some(UnixListener::bind(path).unwrap()),
        }
    }

    /// Stops listening: dials fail until `rebind`.
    fn go_away(&mut self) {
        self.listener = None;
        std::fs::remove_file(&self.path).unwrap();
    }

    fn rebind(&mut self) {
        self.listener = Some(UnixListener::bind(&self.path).unwrap());
    }

    /// Accepts the guest's next connection and reads its `Info`.
    async fn accept(&self) -> (Info, AsyncDecoder<UnixStream>) {
        let listener = self.listener.as_ref().unwrap();
        let (conn, _) = within("the guest dials host port 1", listener.accept())
            .await
            .unwrap();
        let mut dec = AsyncDecoder::new(conn);
        let info: Info = within("Info", dec.decode()).await.unwrap();
        (info, dec)
    }
}

async fn next_log(dec: &mut AsyncDecoder<UnixStream>) -> Log {
    within("a Log", dec.decode()).await.unwrap()
}

/// Reads records until one has `message`; returns the messages before it and the record.
async fn read_until(dec: &mut AsyncDecoder<UnixStream>, message: &str) -> (Vec<String>, Log) {
    let mut before = Vec::new();
    loop {
        let log = next_log(dec).await;
        if log.Message == message {
            return (before, log);
        }
        before.push(log.Message);
    }
}

fn check_info(info: &Info) {
    assert_eq!(info.Version, boxpark_guest::VERSION);
    if !info.IP.is_empty() {
        let ip: Ipv4Addr = info.IP.parse().unwrap();
        assert!(!ip.is_loopback(), "{ip}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn info_logs_reconnect_and_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("guest.sock");
    let mut host = Host::bind(&dir.path().join("guest.sock_1"));

    // Everything this thread logs (the guest runs on it: current-thread runtime) goes to the queue.
    let queue = EventQueue::new(QUEUE_CAPACITY);
    let subscriber = tracing_subscriber::registry()
        .with(EventLayer::new(queue.clone()).with_filter(LevelFilter::INFO));
    let _default = tracing::subscriber::set_default(subscriber);

    let transport = HybridTransport::bind(&uds).unwrap();
    let shutdown = Shutdown::new();
    let guest = tokio::spawn(boxpark_guest::run(
        transport,
        Config::default(),
        shutdown.clone(),
        queue.clone(),
    ));

    // Info, then the guest's first record.
    let (info, mut dec) = host.accept().await;
    check_info(&info);
    let (_, started) = read_until(&mut dec, "guest started").await;
    assert_eq!(started.Level, 0);
    assert_eq!(started.Attrs["version"], boxpark_guest::VERSION);
    assert!(started.Attrs["transport"].starts_with("hybrid:"));
    assert!(!started.Attrs.contains_key("target"), "{:?}", started.Attrs);
    assert!(started.Time.unix() > 1_600_000_000);

    // A record logged while connected goes out at once, with its fields and its target.
    tracing::warn!(n = 7, peer = %"a b", "live record");
    let live = next_log(&mut dec).await;
    assert_eq!(live.Message, "live record");
    assert_eq!(live.Level, 4);
    assert_eq!(live.Attrs["n"], "7");
    assert_eq!(live.Attrs["peer"], "a b");
    assert_eq!(live.Attrs["target"], "events");

    // The host goes away: records are held, and follow a new Info once it is back.
    drop(dec);
    host.go_away();
    tokio::time::sleep(Duration::from_millis(300)).await;
    tracing::info!("held 1");
    tracing::error!("held 2");
    assert_eq!(queue.len(), 2);
    host.rebind();
    let (info, mut dec) = host.accept().await;
    check_info(&info);
    let first = next_log(&mut dec).await;
    let second = next_log(&mut dec).await;
    assert_eq!((first.Message.as_str(), first.Level), ("held 1", 0));
    assert_eq!((second.Message.as_str(), second.Level), ("held 2", 8));

    // Away again, with more records than the queue holds: the oldest are dropped and counted,
    // the count comes first, then the most recent records in order.
    drop(dec);
    host.go_away();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let extra = 100;
    for i in 0..QUEUE_CAPACITY + extra {
        tracing::info!(i, "burst");
    }
    assert_eq!(queue.len(), QUEUE_CAPACITY);
    assert_eq!(queue.dropped(), extra as u64);
    host.rebind();
    let (info, mut dec) = host.accept().await;
    check_info(&info);
    let dropped = next_log(&mut dec).await;
    assert_eq!(
        dropped.Message,
        format!("dropped {extra} log records while the host was unreachable")
    );
    assert_eq!(dropped.Level, 4);
    assert_eq!(
        dropped.Attrs,
        [("dropped".to_owned(), extra.to_string())].into()
    );
    for i in extra..QUEUE_CAPACITY + extra {
        let log = next_log(&mut dec).await;
        assert_eq!(log.Message, "burst");
        assert_eq!(log.Attrs["i"], i.to_string());
    }
    assert_eq!(queue.dropped(), 0);

    // Shutdown ends the guest, and with it the event stream.
    shutdown.trigger(PowerAction::PowerOff);
    assert_eq!(
        within("the guest stops", guest).await.unwrap(),
        PowerAction::PowerOff
    );
    let end = within("the event stream ends", async {
        loop {
            if let Err(e) = dec.decode::<Log>().await {
                return e;
            }
        }
    })
    .await;
    assert!(end.is_eof(), "{end}");
}

#[tokio::test(flavor = "current_thread")]
async fn backoff_while_the_host_is_missing_and_shutdown_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("guest.sock");
    let queue = EventQueue::new(QUEUE_CAPACITY);
    let subscriber = tracing_subscriber::registry()
        .with(EventLayer::new(queue.clone()).with_filter(LevelFilter::DEBUG));
    let _default = tracing::subscriber::set_default(subscriber);
    let transport = HybridTransport::bind(&uds).unwrap();
    let shutdown = Shutdown::new();
    let guest = tokio::spawn(boxpark_guest::run(
        transport,
        Config::default(),
        shutdown.clone(),
        queue.clone(),
    ));
    // No host: the sender retries quietly; its own "cannot reach" records are not queued.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(queue.len(), 1, "only \"guest started\": {queue:?}");

    // A host that appears late is found within the longest backoff.
    let host = Host::bind(&dir.path().join("guest.sock_1"));
    let (info, mut dec) = host.accept().await;
    check_info(&info);
    read_until(&mut dec, "guest started").await;

    shutdown.trigger(PowerAction::Reboot);
    assert_eq!(
        within("the guest stops", guest).await.unwrap(),
        PowerAction::Reboot
    );
}
