//! The event stream on host port 1: `Info` first, then `Log` records, and a warning for a failed
//! call.
#![allow(non_snake_case)]

use std::net::Ipv4Addr;

use boxpark_e2e::host::mentions;
use boxpark_e2e::{proxy_req, within, Event, GuestProcess};
use boxpark_proto::api::{MkdirRequest, RunRequest};
use boxpark_proto::event::level;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn info_first_then_logs() {
    let g = GuestProcess::start().await;
    let info = g.events.info().await;
    assert_eq!(info.Version, boxpark_guest::VERSION);
    assert!(
        info.IP.is_empty() || info.IP.parse::<Ipv4Addr>().is_ok(),
        "IP {:?} is neither empty nor IPv4",
        info.IP
    );
    if let Ok(ip) = info.IP.parse::<Ipv4Addr>() {
        assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    }

    // The guest's own records follow, with its start among them.
    let started = g
        .events
        .wait_log(0, "guest started", |l| l.Message == "guest started")
        .await;
    assert_eq!(started.Level, level::INFO);
    assert_eq!(
        started.Attrs.get("transport").map(String::as_str),
        Some(format!("hybrid:{}", g.uds().display()).as_str())
    );
    let now = gob_codec::Time::now().unix();
    assert!(
        (started.Time.unix() - now).abs() < 120,
        "Time {} is not about now ({now})",
        started.Time.unix()
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
}

#[tokio::test]
async fn a_failed_call_is_a_warning() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;

    let file = g.path("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let below = file.join("sub");
    let mark = g.events.mark();
    let err = within(
        "Mkdir below a file",
        rpc.mkdir(&MkdirRequest {
            Path: below.display().to_string(),
            Mode: 0,
        }),
    )
    .await
    .expect_err("Mkdir below a file fails");
    let text = err.to_string();
    assert_eq!(text, format!("mkdir {}: not a directory", file.display()));
    let log = g
        .events
        .wait_log(mark, "a warning about the failed Mkdir", |l| {
            l.Level == level::WARN && mentions(l, "Guest.Mkdir")
        })
        .await;
    assert_eq!(log.Attrs.get("error"), Some(&text), "{log:?}");

    let mark = g.events.mark();
    let err = within(
        "Run a missing program",
        rpc.run(&RunRequest {
            Command: "e2e-no-such-program".into(),
            ..RunRequest::default()
        }),
    )
    .await
    .expect_err("a missing program fails");
    assert_eq!(
        err.to_string(),
        "exec: \"e2e-no-such-program\": executable file not found in $PATH"
    );
    g.events
        .wait_log(mark, "a warning about the failed Run", |l| {
            l.Level == level::WARN && mentions(l, "e2e-no-such-program")
        })
        .await;
}
