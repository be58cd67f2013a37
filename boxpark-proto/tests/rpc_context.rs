//! `rpc::Context`: each connection's data, its cancellation (the peer's stream ended, reading was
//! stopped, serving ended), `stop_reading` and the close callbacks, through a real `rpc::Server`.
#![allow(non_snake_case, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use boxpark_proto::rpc::{
    Client, Context, Error, InvalidRequest, Request, Response, Server, ServerBuilder,
};
use gob_codec::async_io::AsyncDecoder;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const LIMIT: Duration = Duration::from_secs(10);

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f).await.expect("timed out")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Empty {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Text {
    S: String,
}

/// Each connection's data: its name, and how many times its close callback ran.
struct Conn {
    name: String,
    closed: Arc<AtomicUsize>,
}

/// `Ctx.Name` answers the connection's name; `Ctx.Wait` waits for the context's cancellation
/// and says so; `Ctx.Stop` stops reading.
fn server() -> Server<Conn> {
    let mut b = Server::<Conn>::builder();
    b.register("Ctx.Name", |ctx: Context<Conn>, _: Empty| async move {
        Ok::<_, String>(Text {
            S: ctx.data().name.clone(),
        })
    })
    .unwrap()
    .register("Ctx.Wait", |ctx: Context<Conn>, _: Empty| async move {
        ctx.cancelled().await;
        assert!(ctx.is_cancelled() && ctx.token().is_cancelled());
        Err::<Empty, _>("abandoned")
    })
    .unwrap()
    .register("Ctx.Stop", |ctx: Context<Conn>, _: Empty| async move {
        ctx.stop_reading();
        assert!(ctx.is_reading_stopped() && ctx.is_cancelled());
        Ok::<_, String>(Empty {})
    })
    .unwrap();
    b.build()
}

fn context(name: &str) -> (Context<Conn>, Arc<AtomicUsize>) {
    let closed = Arc::new(AtomicUsize::new(0));
    let ctx = Context::new(Conn {
        name: name.into(),
        closed: closed.clone(),
    });
    let c = ctx.clone();
    ctx.on_close(move || {
        c.data().closed.fetch_add(1, Ordering::SeqCst);
    });
    (ctx, closed)
}

/// The bytes of these requests (each with an `Empty` argument) on a fresh gob stream.
fn requests(calls: &[(&str, u64)]) -> Vec<u8> {
    let mut enc = gob_codec::Encoder::new(Vec::new());
    for &(method, seq) in calls {
        enc.encode(&Request {
            ServiceMethod: method.into(),
            Seq: seq,
        })
        .unwrap();
        enc.encode(&Empty {}).unwrap();
    }
    enc.into_inner()
}

#[tokio::test]
async fn each_connection_has_its_own_data() {
    let server = server();
    let mut clients = Vec::new();
    for name in ["first", "second"] {
        let (a, b) = UnixStream::pair().unwrap();
        let s = server.clone();
        let data = Conn {
            name: name.into(),
            closed: Arc::new(AtomicUsize::new(0)),
        };
        tokio::spawn(async move { s.serve(a, data).await });
        clients.push((name, Client::new(b)));
    }
    for (name, client) in &clients {
        let got: Text = within(client.call("Ctx.Name", &Empty {})).await.unwrap();
        assert_eq!(&got.S, name);
    }
}

#[tokio::test]
async fn the_end_of_the_peers_stream_cancels_the_calls_and_their_replies_still_go_out() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let (ctx, closed) = context("c");
    let serving = tokio::spawn({
        let server = server();
        let ctx = ctx.clone();
        async move { server.serve_context(a, ctx).await }
    });
    b.write_all(&requests(&[("Ctx.Wait", 7)])).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!ctx.is_cancelled());
    b.shutdown().await.unwrap();
    within(ctx.cancelled()).await;

    let mut dec = AsyncDecoder::new(b);
    let resp: Response = within(dec.decode()).await.unwrap();
    assert_eq!((resp.Seq, resp.Error.as_str()), (7, "abandoned"));
    let _: InvalidRequest = within(dec.decode()).await.unwrap();
    within(serving).await.unwrap().unwrap();
    assert!(within(dec.decode::<Response>()).await.unwrap_err().is_eof());
    assert_eq!(closed.load(Ordering::SeqCst), 1);
    assert!(!ctx.is_reading_stopped());
}

#[tokio::test]
async fn stop_reading_serves_what_was_read_and_answers_every_call_then_closes() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let (ctx, closed) = context("stopped");
    let serving = tokio::spawn({
        let server = server();
        let ctx = ctx.clone();
        async move { server.serve_context(a, ctx).await }
    });
    // One write: the server reads all three requests at once, so the one after `Stop` has been
    // read already and is served.
    let calls = requests(&[("Ctx.Wait", 0), ("Ctx.Stop", 1), ("Ctx.Name", 2)]);
    b.write_all(&calls).await.unwrap();
    within(ctx.reading_stopped()).await;

    let mut dec = AsyncDecoder::new(b);
    let mut seqs = Vec::new();
    for _ in 0..3 {
        let resp: Response = within(dec.decode()).await.unwrap();
        match resp.Seq {
            0 => {
                assert_eq!(resp.Error, "abandoned");
                let _: InvalidRequest = within(dec.decode()).await.unwrap();
            }
            1 => {
                assert_eq!(resp.Error, "");
                let _: Empty = within(dec.decode()).await.unwrap();
            }
            _ => {
                let name: Text = within(dec.decode()).await.unwrap();
                assert_eq!(name.S, "stopped");
            }
        }
        seqs.push(resp.Seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, [0, 1, 2]);
    // Nothing more is read: a later request goes unanswered, and the server closes.
    let mut b = dec.into_inner();
    let _ = b.write_all(&requests(&[("Ctx.Name", 3)])).await;
    within(serving).await.unwrap().unwrap();
    let mut rest = Vec::new();
    let _ = within(b.read_to_end(&mut rest)).await;
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn close_callbacks_run_once_before_the_peer_sees_the_end() {
    for garbage in [false, true] {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (ctx, closed) = context("c");
        let serving = tokio::spawn({
            let server = server();
            let ctx = ctx.clone();
            async move { server.serve_context(a, ctx).await }
        });
        if garbage {
            // A header that does not decode: the server closes the connection itself.
            b.write_all(&[0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
                .await
                .unwrap();
        } else {
            b.shutdown().await.unwrap();
        }
        let mut rest = Vec::new();
        within(b.read_to_end(&mut rest)).await.unwrap();
        // The end of the stream is seen only after the callback ran.
        assert_eq!(closed.load(Ordering::SeqCst), 1, "garbage: {garbage}");
        let result = within(serving).await.unwrap();
        assert_eq!(result.is_err(), garbage, "{result:?}");
        assert!(matches!(result, Ok(()) | Err(Error::BadRequest(_))));
        assert!(ctx.is_cancelled());
        assert_eq!(closed.load(Ordering::SeqCst), 1);
        // One added after the close runs at once.
        let late = Arc::new(AtomicUsize::new(0));
        let l = late.clone();
        ctx.on_close(move || {
            l.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(late.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn dropping_serve_cancels_the_calls_and_runs_the_close_callbacks() {
    let (a, b) = UnixStream::pair().unwrap();
    let (ctx, closed) = context("c");
    let serving = tokio::spawn({
        let server = server();
        let ctx = ctx.clone();
        async move { server.serve_context(a, ctx).await }
    });
    let client = Client::new(b);
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.call::<_, Empty>("Ctx.Wait", &Empty {}).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!ctx.is_cancelled());
    serving.abort();
    within(ctx.cancelled()).await;
    assert_eq!(closed.load(Ordering::SeqCst), 1);
    let err = within(call).await.unwrap().unwrap_err();
    assert!(err.is_connection_error(), "{err:?}");
}

#[test]
fn a_builder_for_connections_without_data_and_one_with() {
    let mut plain = ServerBuilder::new();
    plain
        .register("A.B", |_: Context, _: Empty| async move {
            Ok::<_, String>(Empty {})
        })
        .unwrap();
    assert_eq!(
        format!("{:?}", plain.build()),
        r#"Server { methods: ["A.B"] }"#
    );
    assert_eq!(
        format!("{:?}", server()),
        r#"Server { methods: ["Ctx.Name", "Ctx.Stop", "Ctx.Wait"] }"#
    );
}
