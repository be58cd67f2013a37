//! The event stream on host port 1, against a fake host on `<UDS>_1` read step by step
//! ([`EventPort`]): `Info` first, the guest's records, reconnection after the host goes away, and
//! what a full queue drops. The guest runs on the test's (current-thread) runtime, so that what
//! this thread logs, the guest's records included, goes to its queue.

use std::net::Ipv4Addr;
use std::time::Duration;

use boxpark_e2e::{EventPort, InProcessGuest};
use boxpark_guest::events::{EventLayer, EventQueue, QUEUE_CAPACITY};
use boxpark_guest::{Config, PowerAction};
use boxpark_proto::event::{level, Info};
use boxpark_proto::ports::HOST_EVENT_PORT;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

fn check_info(info: &Info) {
    assert_eq!(info.Version, boxpark_guest::VERSION);
    if !info.IP.is_empty() {
        let ip: Ipv4Addr = info.IP.parse().expect("an IPv4 address");
        assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    }
}

/// This thread's records at `filter` and above go to a new queue, until the guard is dropped.
fn log_to_queue(filter: LevelFilter) -> (EventQueue, tracing::subscriber::DefaultGuard) {
    let queue = EventQueue::new(QUEUE_CAPACITY);
    let subscriber =
        tracing_subscriber::registry().with(EventLayer::new(queue.clone()).with_filter(filter));
    (queue, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread")]
async fn info_logs_reconnect_and_overflow() {
    let (queue, _logging) = log_to_queue(LevelFilter::INFO);
    let mut g = InProcessGuest::start_with(Config::default(), queue.clone());
    let mut host = EventPort::bind(&g.host_path(HOST_EVENT_PORT));

    // Info, then the guest's first record.
    let (info, mut conn) = host.accept().await;
    check_info(&info);
    let (_, started) = conn.read_until("guest started").await;
    assert_eq!(started.Level, level::INFO);
    assert_eq!(started.Attrs["version"], boxpark_guest::VERSION);
    assert_eq!(
        started.Attrs["transport"],
        format!("hybrid:{}", g.uds().display())
    );
    assert!(!started.Attrs.contains_key("target"), "{:?}", started.Attrs);
    let now = gob_codec::Time::now().unix();
    assert!(
        (started.Time.unix() - now).abs() < 120,
        "Time {} is not about now ({now})",
        started.Time.unix()
    );

    // A record logged while connected goes out at once, with its fields and its target.
    tracing::warn!(n = 7, peer = %"a b", "live record");
    let live = conn.next_log().await;
    assert_eq!(live.Message, "live record");
    assert_eq!(live.Level, level::WARN);
    assert_eq!(live.Attrs["n"], "7");
    assert_eq!(live.Attrs["peer"], "a b");
    assert_eq!(
        live.Attrs["target"],
        module_path!(),
        "the target of a record from outside the guest"
    );

    // The host goes away: records are held, and follow a new Info once it is back.
    drop(conn);
    host.go_away();
    tokio::time::sleep(Duration::from_millis(300)).await;
    tracing::info!("held 1");
    tracing::error!("held 2");
    assert_eq!(queue.len(), 2);
    host.rebind();
    let (info, mut conn) = host.accept().await;
    check_info(&info);
    let first = conn.next_log().await;
    let second = conn.next_log().await;
    assert_eq!(
        (first.Message.as_str(), first.Level),
        ("held 1", level::INFO)
    );
    assert_eq!(
        (second.Message.as_str(), second.Level),
        ("held 2", level::ERROR)
    );

    // Away again, with more records than the queue holds: the oldest are dropped and counted,
    // the count comes first, then the most recent records in order.
    drop(conn);
    host.go_away();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let extra = 100;
    for i in 0..QUEUE_CAPACITY + extra {
        tracing::info!(i, "burst");
    }
    assert_eq!(queue.len(), QUEUE_CAPACITY);
    assert_eq!(queue.dropped(), extra as u64);
    host.rebind();
    let (info, mut conn) = host.accept().await;
    check_info(&info);
    let dropped = conn.next_log().await;
    assert_eq!(
        dropped.Message,
        format!("dropped {extra} log records while the host was unreachable")
    );
    assert_eq!(dropped.Level, level::WARN);
    assert_eq!(
        dropped.Attrs,
        [("dropped".to_owned(), extra.to_string())].into()
    );
    for i in extra..QUEUE_CAPACITY + extra {
        let log = conn.next_log().await;
        assert_eq!(log.Message, "burst");
        assert_eq!(log.Attrs["i"], i.to_string());
    }
    assert_eq!(queue.dropped(), 0);

    // Shutdown ends the guest, and with it the event stream.
    g.shutdown().trigger(PowerAction::PowerOff);
    assert_eq!(g.stopped().await, PowerAction::PowerOff);
    let end = conn.end().await;
    assert!(end.is_eof(), "{end}");
}

#[tokio::test(flavor = "current_thread")]
async fn backoff_while_the_host_is_missing_and_shutdown_stops_it() {
    let (queue, _logging) = log_to_queue(LevelFilter::DEBUG);
    let mut g = InProcessGuest::start_with(Config::default(), queue.clone());
    // No host: the sender retries quietly; its own "cannot reach" records are not queued.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(queue.len(), 1, "only \"guest started\": {queue:?}");

    // A host that appears late is found within the longest backoff.
    let host = EventPort::bind(&g.host_path(HOST_EVENT_PORT));
    let (info, mut conn) = host.accept().await;
    check_info(&info);
    conn.read_until("guest started").await;

    g.shutdown().trigger(PowerAction::Reboot);
    assert_eq!(g.stopped().await, PowerAction::Reboot);
}
