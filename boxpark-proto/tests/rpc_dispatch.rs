//! How the server runs calls and writes their replies: methods registered inline or sync run on
//! the reading task, and the replies of calls that arrived together leave in one write.
#![allow(non_snake_case, clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use boxpark_proto::rpc::{Request, Response, Server, ServerBuilder, MAX_CONCURRENT_CALLS};
use gob_codec::async_io::AsyncDecoder;
use gob_codec::Encoder;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::UnixStream;

#[path = "../examples/common/test_service.rs"]
mod test_service;

use test_service::{EchoArgs, EchoReply, Empty, SleepArgs};

const LIMIT: Duration = Duration::from_secs(10);

/// A stream that counts the writes made on it.
struct CountingWrites {
    inner: UnixStream,
    writes: Arc<AtomicUsize>,
}

impl AsyncRead for CountingWrites {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingWrites {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(_))) {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `Test.Echo` inline, `Test.Sleep` inline (it waits, so it goes on in a task) and `Test.Boom`
/// inline, which panics when polled; `Sync.Echo`, `Sync.Fail` (an error for a negative `N`) and
/// `Sync.Boom` (panics) are plain functions.
fn inline_server() -> Server {
    let mut b = ServerBuilder::new();
    b.register_inline("Test.Echo", |_, a: EchoArgs| async move {
        Ok::<_, String>(EchoReply { S: a.S, N: a.N })
    })
    .unwrap();
    b.register_inline("Test.Sleep", |_, a: SleepArgs| async move {
        tokio::time::sleep(Duration::from_millis(a.Millis as u64)).await;
        Ok::<_, String>(Empty {})
    })
    .unwrap();
    b.register_inline("Test.Boom", |_, _: EchoArgs| async move {
        if true {
            panic!("inline boom");
        }
        Ok::<_, String>(Empty {})
    })
    .unwrap();
    b.register_sync("Sync.Echo", |_, a: EchoArgs| {
        Ok::<_, String>(EchoReply { S: a.S, N: a.N })
    })
    .unwrap();
    b.register_sync("Sync.Fail", |_, a: EchoArgs| {
        if a.N < 0 {
            return Err(format!("negative {}", a.N));
        }
        Ok(EchoReply { S: a.S, N: a.N })
    })
    .unwrap();
    b.register_sync("Sync.Boom", |_, _: EchoArgs| -> Result<Empty, String> {
        panic!("sync boom")
    })
    .unwrap();
    b.build()
}

/// `n` `Test.Echo` requests (seq 0..n), as one client's stream.
fn echo_requests(method: &str, n: u64) -> Vec<u8> {
    let mut enc = Encoder::new(Vec::new());
    for seq in 0..n {
        let req = Request {
            ServiceMethod: method.to_owned(),
            Seq: seq,
        };
        let args = EchoArgs {
            S: format!("call {seq}"),
            N: seq as i64,
        };
        enc.encode_pair(&req, &args).unwrap();
    }
    enc.into_inner()
}

/// Serves `inline_server` on a socket pair; returns the client end and the write counter.
fn serve_counted() -> (UnixStream, Arc<AtomicUsize>) {
    let (a, b) = UnixStream::pair().unwrap();
    let writes = Arc::new(AtomicUsize::new(0));
    let conn = CountingWrites {
        inner: a,
        writes: writes.clone(),
    };
    tokio::spawn(async move { inline_server().serve(conn, ()).await });
    (b, writes)
}

/// Reads `n` Echo replies and checks that each answers its own request.
async fn read_echo_replies(conn: UnixStream, n: u64) {
    let mut dec = AsyncDecoder::new(conn);
    let mut seen = vec![false; n as usize];
    for _ in 0..n {
        let resp: Response = dec.decode().await.unwrap();
        assert_eq!(resp.Error, "");
        let reply: EchoReply = dec.decode().await.unwrap();
        assert_eq!(reply.N, resp.Seq as i64);
        assert_eq!(reply.S, format!("call {}", resp.Seq));
        seen[resp.Seq as usize] = true;
    }
    assert!(seen.iter().all(|s| *s), "a reply is missing");
}

#[tokio::test]
async fn replies_of_calls_read_together_leave_in_one_write() {
    for method in ["Test.Echo", "Sync.Echo"] {
        let (mut conn, writes) = serve_counted();
        // One write of 20 requests: the server reads them in one read.
        conn.write_all(&echo_requests(method, 20)).await.unwrap();
        tokio::time::timeout(LIMIT, read_echo_replies(conn, 20))
            .await
            .expect("timed out");
        assert_eq!(
            writes.load(Ordering::SeqCst),
            1,
            "{method}: 20 replies, one write"
        );
    }
}

#[tokio::test]
async fn a_sync_call_that_fails_or_panics_is_answered_and_the_connection_goes_on() {
    let (a, b) = UnixStream::pair().unwrap();
    tokio::spawn(async move { inline_server().serve(a, ()).await });
    let client = boxpark_proto::rpc::Client::new(b);
    let args = |n: i64| EchoArgs {
        S: format!("n {n}"),
        N: n,
    };
    let failed = client.call::<_, EchoReply>("Sync.Fail", &args(-3)).await;
    match failed {
        Err(boxpark_proto::rpc::Error::Server(msg)) => assert_eq!(msg, "negative -3"),
        other => panic!("{other:?}"),
    }
    let boom = client.call::<_, Empty>("Sync.Boom", &args(0)).await;
    match boom {
        Err(boxpark_proto::rpc::Error::Server(msg)) => {
            assert_eq!(msg, "rpc: Sync.Boom panicked: sync boom")
        }
        other => panic!("{other:?}"),
    }
    let again: EchoReply = client.call("Sync.Fail", &args(4)).await.unwrap();
    assert_eq!((again.S.as_str(), again.N), ("n 4", 4));
}

#[tokio::test]
async fn replies_held_while_reading_go_out_when_the_call_slots_run_out() {
    // More inline calls than may be outstanding, all in one go: the server must write the replies
    // it holds to get its slots back, or it would wait forever.
    let n = MAX_CONCURRENT_CALLS as u64 + 300;
    let (mut conn, writes) = serve_counted();
    let requests = echo_requests("Test.Echo", n);
    let (r, mut w) = conn.split();
    let reading = async {
        let mut dec = AsyncDecoder::new(r);
        for _ in 0..n {
            let resp: Response = dec.decode().await.unwrap();
            assert_eq!(resp.Error, "");
            let _: EchoReply = dec.decode().await.unwrap();
        }
    };
    let writing = async { w.write_all(&requests).await.unwrap() };
    tokio::time::timeout(LIMIT, futures::future::join(reading, writing))
        .await
        .expect("timed out");
    let writes = writes.load(Ordering::SeqCst);
    assert!(writes < n as usize / 10, "{writes} writes for {n} replies");
}

#[tokio::test]
async fn an_inline_call_that_waits_goes_on_and_one_that_panics_is_answered() {
    let (a, b) = UnixStream::pair().unwrap();
    tokio::spawn(async move { inline_server().serve(a, ()).await });
    let client = boxpark_proto::rpc::Client::new(b);
    let nap = SleepArgs { Millis: 500 };
    let sleeping = client.call::<_, Empty>("Test.Sleep", &nap);
    tokio::pin!(sleeping);
    let quick = EchoArgs {
        S: "quick".into(),
        N: 1,
    };
    let echo = client.call::<_, EchoReply>("Test.Echo", &quick);
    // The sleeping call left the reading task, so the echo behind it is answered first.
    let echoed = tokio::time::timeout(LIMIT, async {
        tokio::select! {
            biased;
            r = &mut sleeping => panic!("the sleep ended before the echo: {r:?}"),
            r = echo => r,
        }
    })
    .await
    .expect("timed out");
    assert_eq!(echoed.unwrap().S, "quick");
    tokio::time::timeout(LIMIT, sleeping)
        .await
        .expect("timed out")
        .unwrap();
    let boom = client
        .call::<_, Empty>(
            "Test.Boom",
            &EchoArgs {
                S: String::new(),
                N: 0,
            },
        )
        .await;
    match boom {
        Err(boxpark_proto::rpc::Error::Server(msg)) => {
            assert_eq!(msg, "rpc: Test.Boom panicked: inline boom")
        }
        other => panic!("{other:?}"),
    }
    // The connection goes on.
    let again: EchoReply = client
        .call(
            "Test.Echo",
            &EchoArgs {
                S: "after".into(),
                N: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(again.S, "after");
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_calls_of_a_client_leave_in_few_writes() {
    let (a, b) = UnixStream::pair().unwrap();
    tokio::spawn(async move { inline_server().serve(a, ()).await });
    let writes = Arc::new(AtomicUsize::new(0));
    let client = boxpark_proto::rpc::Client::new(CountingWrites {
        inner: b,
        writes: writes.clone(),
    });
    let calls = (0..20).map(|n| {
        let client = client.clone();
        tokio::spawn(async move {
            let args = EchoArgs {
                S: format!("call {n}"),
                N: n,
            };
            let reply: EchoReply = client.call("Test.Echo", &args).await.unwrap();
            assert_eq!(reply.N, n);
        })
    });
    let calls: Vec<_> = calls.collect();
    tokio::time::timeout(LIMIT, futures::future::join_all(calls))
        .await
        .expect("timed out")
        .into_iter()
        .for_each(|r| r.unwrap());
    let writes = writes.load(Ordering::SeqCst);
    // The first call is written at once; the others, pushed while it is in flight, together.
    assert!(writes <= 5, "{writes} writes for 20 calls");
}
