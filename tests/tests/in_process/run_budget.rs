//! The guest-wide budget for `Run` output: concurrent calls whose output together is far beyond
//! it all complete, whole, and the pressure is a warning on the event stream.

use boxpark_e2e::{sh, within, EventPort, InProcessGuest};
use boxpark_guest::events::{EventLayer, EventQueue, QUEUE_CAPACITY};
use boxpark_guest::Config;
use boxpark_proto::event::level;
use boxpark_proto::ports::HOST_EVENT_PORT;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

#[tokio::test(flavor = "current_thread")]
async fn concurrent_runs_wait_for_the_output_budget_and_all_complete() {
    // The guest runs on this thread, so its records go to this queue.
    let queue = EventQueue::new(QUEUE_CAPACITY);
    let subscriber = tracing_subscriber::registry()
        .with(EventLayer::new(queue.clone()).with_filter(LevelFilter::INFO));
    let _logging = tracing::subscriber::set_default(subscriber);
    let config = Config {
        pid1: false,
        run_output_budget: 1 << 20,
        ..Config::default()
    };
    let g = InProcessGuest::start_with(config, queue);
    let host = EventPort::bind(&g.host_path(HOST_EVENT_PORT));
    let rpc = g.connect_rpc().await;

    // Four calls of 3 MiB of stdout each: 12 MiB against a budget of 1 MiB.
    const EACH: usize = 3 << 20;
    let letters = [b'a', b'b', b'c', b'd'];
    let calls = letters.iter().map(|&l| {
        let script = format!("head -c {EACH} /dev/zero | tr '\\0' '{}'", l as char);
        let req = sh(&script);
        let rpc = &rpc;
        async move { (l, rpc.run(&req).await) }
    });
    let results = within("four Run calls", futures::future::join_all(calls)).await;
    for (letter, r) in results {
        let out = r.expect("Run");
        assert_eq!(out.ExitCode, 0);
        assert_eq!(out.Stdout.len(), EACH, "{}", letter as char);
        assert!(
            out.Stdout.iter().all(|&b| b == letter),
            "{}",
            letter as char
        );
    }

    let (_info, mut conn) = host.accept().await;
    let (_, warning) = conn
        .read_until("run output budget used up: Run output waits until earlier calls finish")
        .await;
    assert_eq!(warning.Level, level::WARN);
    assert_eq!(warning.Attrs["budget"], (1 << 20).to_string());
    let (_, relieved) = conn.read_until("run output budget: pressure is over").await;
    assert_eq!(relieved.Level, level::INFO);
}
