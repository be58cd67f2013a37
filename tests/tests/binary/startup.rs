//! The command line and start-up: `Info` first on host port 1, the records that follow (at the
//! level `--log-level` asks for), the same log on stderr, and a transport that cannot be used.

use std::time::Duration;

use boxpark_e2e::host::mentions;
use boxpark_e2e::process::run_binary;
use boxpark_e2e::{proxy_req, within, Event, GuestProcess};
use boxpark_proto::event::level;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn info_first_then_logs() {
    let g = GuestProcess::start().await;
    // GuestProcess::start waited for the first value of host port 1 to be an Info.
    let info = g.events.info().await;
    assert_eq!(info.Version, boxpark_guest::VERSION);

    // The guest's own records follow, with its start among them, naming the command line's
    // transport.
    let started = g
        .events
        .wait_log(0, "guest started", |l| l.Message == "guest started")
        .await;
    assert_eq!(started.Level, level::INFO);
    assert_eq!(
        started.Attrs.get("transport").map(String::as_str),
        Some(format!("hybrid:{}", g.uds().display()).as_str())
    );

    let mark = g.events.mark();
    let _rpc = g.connect_rpc().await;
    g.events
        .wait_log(mark, "RPC connection opened", |l| {
            l.Message == "RPC connection opened"
        })
        .await;

    // One connection: a single Info, then only well-formed Logs.
    let events = g.events.snapshot();
    assert!(matches!(events[0], Event::Info(_)));
    for (i, e) in events.iter().enumerate().skip(1) {
        assert!(matches!(e, Event::Log(_)), "event {i}: {e:?}");
    }
    let levels = [level::DEBUG, level::INFO, level::WARN, level::ERROR];
    for e in &events[1..] {
        if let Event::Log(l) = e {
            assert!(levels.contains(&l.Level), "level {} of {l:?}", l.Level);
        }
    }

    // --log-level debug: debug records reach the host too, such as a proxy connection's.
    let file = g.path_str("served.txt");
    std::fs::write(&file, b"served").expect("write");
    let mark = g.events.mark();
    let mut conn = g.proxy(&proxy_req("file", &file)).await;
    let mut got = Vec::new();
    within("the file", conn.read_to_end(&mut got))
        .await
        .expect("read");
    assert_eq!(got, b"served");
    let log = g
        .events
        .wait_log(mark, "a debug record of the proxy connection", |l| {
            l.Level == level::DEBUG && mentions(l, &file)
        })
        .await;
    assert_eq!(log.Attrs.get("network").map(String::as_str), Some("file"));

    // The same log goes to stderr.
    let stderr = g.stderr();
    assert!(stderr.contains("guest started"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("DEBUG"),
        "no debug record on stderr:\n{stderr}"
    );
}

#[test]
fn the_command_line() {
    let limit = Duration::from_secs(20);
    let version = run_binary(&["--version"], limit);
    assert_eq!(version.status.code(), Some(0), "{version:?}");
    assert_eq!(
        version.stdout,
        format!("boxpark-guest {}\n", boxpark_guest::VERSION)
    );

    let help = run_binary(&["--help"], limit);
    assert_eq!(help.status.code(), Some(0), "{help:?}");
    for flag in ["--transport", "--log-level", "--init"] {
        assert!(help.stdout.contains(flag), "--help names {flag}: {help:?}");
    }

    let unknown = run_binary(&["--no-such-flag"], limit);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(unknown.stderr.contains("--no-such-flag"), "{unknown:?}");

    // A transport that cannot be used: the guest says why and exits 1.
    let bogus = run_binary(&["--transport", "bogus"], limit);
    assert_eq!(bogus.status.code(), Some(1), "{bogus:?}");
    assert!(
        bogus.stderr.contains("failed to start")
            && bogus.stderr.contains("unknown transport \"bogus\""),
        "{bogus:?}"
    );
    let unbindable = run_binary(&["--transport", "hybrid:/nonexistent/dir/g.sock"], limit);
    assert_eq!(unbindable.status.code(), Some(1), "{unbindable:?}");
    assert!(
        unbindable.stderr.contains("failed to start"),
        "{unbindable:?}"
    );
    assert!(!unbindable.stderr.contains("panicked"), "{unbindable:?}");
}
