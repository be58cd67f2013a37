//! `rpc::Client` and `rpc::Server` against each other, against raw gob streams, and against the
//! bytes Go's `net/rpc` writes; the host helpers against fake peers.
#![allow(non_snake_case, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boxpark_proto::api::{
    Empty, InvalidRequest, ListenRequest, ListenResponse, MkdirRequest, MountRequest, RunRequest,
    RunResponse, ShutdownRequest, WriteRequest,
};
use boxpark_proto::host::{
    connect_hybrid, read_datagram, send_proxy_request, write_datagram, GuestClient, LaunchReader,
};
use boxpark_proto::proxy::{LaunchOutput, ProxyRequest};
use boxpark_proto::rpc::{
    Client, Error, Request, Response, Server, ServerBuilder, MAX_CONCURRENT_CALLS,
};
use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::task::JoinHandle;

#[path = "../examples/common/test_service.rs"]
mod test_service;

use test_service::{AddArgs, AddReply, EchoArgs, EchoReply, FailArgs, SleepArgs};

const LIMIT: Duration = Duration::from_secs(10);

fn pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().expect("socketpair")
}

/// A `Test` server on one end of a socket pair and a client on the other.
fn connected(server: Server) -> (Client, JoinHandle<Result<(), Error>>) {
    let (a, b) = pair();
    let serving = tokio::spawn(async move { server.serve(a, ()).await });
    (Client::new(b), serving)
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f).await.expect("timed out")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---- the wire, byte for byte, against Go 1.26's net/rpc (each stream from a fresh Go process) ----

/// What Go's `rpc.Client` writes for `Guest.Mount(MountRequest{"/dev/vdb", "/mnt", "ext4", 1, "ro"})`
/// then `Test.Echo(EchoArgs{"hello", 42})`.
const GO_CLIENT: &str = "2e7f030101075265717565737401ff80000102010d536572766963654d6574686f64010c000103536571010600000010ff80010b47756573742e4d6f756e74004eff810301010c4d6f756e745265717565737401ff820001050106536f75726365010c000106546172676574010c000106465354797065010c000105466c616773010600010444617461010c0000001fff8201082f6465762f76646201042f6d6e7401046578743401010102726f0010ff800109546573742e4563686f01010022ff83030101084563686f4172677301ff84000102010153010c0001014e01040000000cff84010568656c6c6f015400";
/// A Go client's `Test.Echo(EchoArgs{"hello", 42})` as its first call.
const GO_ECHO_REQUEST: &str = "2e7f030101075265717565737401ff80000102010d536572766963654d6574686f64010c00010353657101060000000eff800109546573742e4563686f0022ff81030101084563686f4172677301ff82000102010153010c0001014e01040000000cff82010568656c6c6f015400";
/// What Go's `rpc.Server` answers to it.
const GO_ECHO_REPLY: &str = "397f03010108526573706f6e736501ff80000103010d536572766963654d6574686f64010c00010353657101060001054572726f72010c0000000eff800109546573742e4563686f0023ff81030101094563686f5265706c7901ff82000102010153010c0001014e01040000000cff82010568656c6c6f015400";
/// The same request for `Test.Fail`, a Go method `Fail(EchoArgs, *Empty)` that returns
/// `errors.New("boom")`.
const GO_FAIL_REQUEST: &str = "2e7f030101075265717565737401ff80000102010d536572766963654d6574686f64010c00010353657101060000000eff800109546573742e4661696c0022ff81030101084563686f4172677301ff82000102010153010c0001014e01040000000cff82010568656c6c6f015400";
/// Go's answer when the method returns `errors.New("boom")`: the header with `Error`, then the
/// anonymous `struct{}{}`.
const GO_FAIL_REPLY: &str = "397f03010108526573706f6e736501ff80000103010d536572766963654d6574686f64010c00010353657101060001054572726f72010c00000014ff800109546573742e4661696c0204626f6f6d000aff81030102ff8200000003ff8200";

#[tokio::test]
async fn client_writes_what_go_writes() {
    let (a, mut b) = pair();
    let client = Client::new(a);
    let mount = MountRequest {
        Source: "/dev/vdb".into(),
        Target: "/mnt".into(),
        FSType: "ext4".into(),
        Flags: 1,
        Data: "ro".into(),
    };
    let c = client.clone();
    let first = tokio::spawn(async move { c.call::<_, Empty>("Guest.Mount", &mount).await });
    // Wait until the first request is out, so that the sequence numbers are in this order.
    let want = unhex(GO_CLIENT);
    let mut got = vec![0u8; want.len()];
    let mut n = 0;
    while n < 0x2f + 0x11 + 0x4f + 0x20 {
        n += within(b.read(&mut got[n..])).await.unwrap();
    }
    let c = client.clone();
    let second = tokio::spawn(async move {
        c.call::<_, EchoReply>(
            "Test.Echo",
            &EchoArgs {
                S: "hello".into(),
                N: 42,
            },
        )
        .await
    });
    within(b.read_exact(&mut got[n..])).await.unwrap();
    assert_eq!(hex(&got), GO_CLIENT);
    drop(b);
    assert!(within(first)
        .await
        .unwrap()
        .unwrap_err()
        .is_connection_error());
    assert!(within(second)
        .await
        .unwrap()
        .unwrap_err()
        .is_connection_error());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Serves `request` (raw bytes, then end of stream) and returns all the server wrote.
async fn serve_bytes(server: Server, request: &[u8]) -> (Vec<u8>, Result<(), Error>) {
    let (a, mut b) = pair();
    let serving = tokio::spawn(async move { server.serve(a, ()).await });
    b.write_all(request).await.unwrap();
    b.shutdown().await.unwrap();
    let mut out = Vec::new();
    within(b.read_to_end(&mut out)).await.unwrap();
    (out, within(serving).await.unwrap())
}

#[tokio::test]
async fn server_writes_what_go_writes() {
    let (out, result) = serve_bytes(test_service::server(), &unhex(GO_ECHO_REQUEST)).await;
    result.unwrap();
    assert_eq!(hex(&out), GO_ECHO_REPLY);

    // A method that fails with "boom", as the Go one does.
    let mut server = ServerBuilder::new();
    server
        .register("Test.Fail", |_, _: EchoArgs| async move {
            Err::<Empty, _>("boom")
        })
        .unwrap();
    let (out, result) = serve_bytes(server.build(), &unhex(GO_FAIL_REQUEST)).await;
    result.unwrap();
    assert_eq!(hex(&out), GO_FAIL_REPLY);
}

// ---- Rust client against Rust server ----

#[tokio::test]
async fn sequential_calls() {
    let (client, serving) = connected(test_service::server());
    for i in 0..100i64 {
        let args = EchoArgs {
            S: "é".repeat(i as usize),
            N: i * i * if i % 2 == 0 { -1 } else { 1 },
        };
        let reply: EchoReply = within(client.call("Test.Echo", &args)).await.unwrap();
        assert_eq!((reply.S, reply.N), (args.S, args.N));
    }
    let sum: AddReply = client
        .call("Test.Add", &AddArgs { A: i64::MAX, B: 1 })
        .await
        .unwrap();
    assert_eq!(sum.Sum, i64::MIN, "Go's int wraps");
    drop(client);
    within(serving).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_complete_out_of_order_and_are_matched() {
    let mut server = test_service::builder();
    // Echo after N milliseconds: replies come in the reverse order of the calls.
    server
        .register("Slow.Echo", |_, a: EchoArgs| async move {
            tokio::time::sleep(Duration::from_millis(a.N as u64)).await;
            Ok::<_, String>(EchoReply { S: a.S, N: a.N })
        })
        .unwrap();
    let (client, _serving) = connected(server.build());
    let order = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let tasks: Vec<_> = (0..64i64)
        .map(|i| {
            let client = client.clone();
            let order = order.clone();
            tokio::spawn(async move {
                let args = EchoArgs {
                    S: format!("call {i}"),
                    N: (64 - i) * 5,
                };
                let reply: EchoReply = client.call("Slow.Echo", &args).await.unwrap();
                assert_eq!((&reply.S, reply.N), (&args.S, args.N));
                order.lock().unwrap().push(i);
            })
        })
        .collect();
    for t in tasks {
        within(t).await.unwrap();
    }
    // Sequential would take 64 * 32.5 ms on average; concurrent takes the longest, 320 ms.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let order = order.lock().unwrap().clone();
    assert_eq!(order.len(), 64);
    let reversed = order.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(
        reversed > 48,
        "replies did not come out of order: {order:?}"
    );

    // The same with Test.Sleep, whose replies are empty.
    let start = Instant::now();
    let tasks: Vec<_> = (0..64i64)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let _: Empty = client
                    .call(
                        "Test.Sleep",
                        &SleepArgs {
                            Millis: (i % 8) * 40,
                        },
                    )
                    .await
                    .unwrap();
                Instant::now()
            })
        })
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(within(t).await.unwrap());
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    // Calls that sleep less finish first, whatever their place.
    assert!(done[8] < done[7] && done[1] < done[7]);
}

#[tokio::test]
async fn errors_are_go_texts_and_the_connection_goes_on() {
    let (client, serving) = connected(test_service::server());
    let cases = [
        ("Test.Fail", "boom"),
        ("Test.Nope", "rpc: can't find method Test.Nope"),
        ("Nope.Echo", "rpc: can't find service Nope.Echo"),
        ("NoDot", "rpc: service/method request ill-formed: NoDot"),
        ("", "rpc: service/method request ill-formed: "),
        ("Test.", "rpc: can't find method Test."),
    ];
    for (method, want) in cases {
        let err = within(client.call::<_, Empty>(method, &FailArgs { Msg: "boom".into() }))
            .await
            .unwrap_err();
        match err {
            Error::Server(got) => assert_eq!(got, want, "{method}"),
            other => panic!("{method}: {other:?}"),
        }
    }
    let reply: EchoReply = client
        .call(
            "Test.Echo",
            &EchoArgs {
                S: "after".into(),
                N: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.S, "after");
    assert!(!client.is_closed());
    drop(client);
    within(serving).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_method_is_answered_with_an_error() {
    let mut server = test_service::builder();
    server
        .register("Test.Panic", |_, _: Empty| async move {
            if true {
                panic!("handler bug");
            }
            Ok::<Empty, String>(Empty {})
        })
        .unwrap()
        // Panics when called, before it returns its future.
        .register(
            "Test.PanicAtOnce",
            |_, a: FailArgs| -> std::future::Ready<Result<Empty, String>> { panic!("{}", a.Msg) },
        )
        .unwrap();
    let server = server.build();
    let (client, serving) = connected(server.clone());
    let err = client
        .call::<_, Empty>("Test.Panic", &Empty {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(m) if m == "rpc: Test.Panic panicked: handler bug"),
        "{err:?}"
    );
    let args = FailArgs {
        Msg: "at once".into(),
    };
    let err = client
        .call::<_, Empty>("Test.PanicAtOnce", &args)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(m) if m == "rpc: Test.PanicAtOnce panicked: at once"),
        "{err:?}"
    );
    let sum: AddReply = client
        .call("Test.Add", &AddArgs { A: 2, B: 3 })
        .await
        .unwrap();
    assert_eq!(sum.Sum, 5);
    drop(client);
    within(serving).await.unwrap().unwrap();
    // The server goes on serving other connections.
    let (client, _serving) = connected(server);
    let sum: AddReply = client
        .call("Test.Add", &AddArgs { A: 1, B: 3 })
        .await
        .unwrap();
    assert_eq!(sum.Sum, 4);
}

/// A raw `net/rpc` peer: one gob stream per direction, as a Go client has.
struct RawPeer {
    enc: AsyncEncoder<tokio::net::unix::OwnedWriteHalf>,
    dec: AsyncDecoder<tokio::net::unix::OwnedReadHalf>,
}

impl RawPeer {
    fn new(conn: UnixStream) -> Self {
        let (r, w) = conn.into_split();
        RawPeer {
            enc: AsyncEncoder::new(w),
            dec: AsyncDecoder::new(r),
        }
    }

    async fn send<A: serde::Serialize + serde::Deserialize<'static>>(
        &mut self,
        method: &str,
        seq: u64,
        args: &A,
    ) {
        let req = Request {
            ServiceMethod: method.into(),
            Seq: seq,
        };
        self.enc.encode(&req).await.unwrap();
        self.enc.encode(args).await.unwrap();
    }

    async fn response(&mut self) -> Response {
        within(self.dec.decode()).await.unwrap()
    }
}

#[tokio::test]
async fn an_undecodable_argument_is_answered_with_the_decode_error() {
    let (a, b) = pair();
    let server = test_service::server();
    let serving = tokio::spawn(async move { server.serve(a, ()).await });
    let mut peer = RawPeer::new(b);

    peer.send("Test.Add", 1, &"not AddArgs".to_string()).await;
    let resp = peer.response().await;
    assert_eq!((resp.ServiceMethod.as_str(), resp.Seq), ("Test.Add", 1));
    assert!(
        resp.Error.starts_with("gob: type mismatch") && resp.Error.contains("AddArgs"),
        "{}",
        resp.Error
    );
    let _: InvalidRequest = within(peer.dec.decode()).await.unwrap();

    // An integer where a struct is expected, after the stream's definitions are in place.
    peer.send("Test.Echo", 2, &7i64).await;
    let resp = peer.response().await;
    assert_eq!(resp.Seq, 2);
    assert!(resp.Error.contains("EchoArgs"), "{}", resp.Error);
    let _: InvalidRequest = within(peer.dec.decode()).await.unwrap();

    // The connection keeps serving.
    peer.send("Test.Add", 3, &AddArgs { A: 40, B: 2 }).await;
    let resp = peer.response().await;
    assert_eq!((resp.Seq, resp.Error.as_str()), (3, ""));
    let sum: AddReply = within(peer.dec.decode()).await.unwrap();
    assert_eq!(sum.Sum, 42);

    // An unknown method's argument is read and discarded, whatever its type.
    peer.send("Test.Nope", 4, &vec!["a".to_string(), "b".to_string()])
        .await;
    let resp = peer.response().await;
    assert_eq!(resp.Error, "rpc: can't find method Test.Nope");
    let _: InvalidRequest = within(peer.dec.decode()).await.unwrap();
    peer.send("Test.Add", 5, &AddArgs { A: 1, B: 1 }).await;
    assert_eq!(peer.response().await.Seq, 5);
    let sum: AddReply = within(peer.dec.decode()).await.unwrap();
    assert_eq!(sum.Sum, 2);

    drop(peer);
    within(serving).await.unwrap().unwrap();
}

#[tokio::test]
async fn garbage_closes_only_that_connection() {
    let server = test_service::server();
    let (good, good_serving) = connected(server.clone());
    let _: EchoReply = good.call("Test.Echo", &EchoArgs::default()).await.unwrap();

    for (garbage, then_eof) in [
        // 'G' announces a 71-byte message: it is bad once the stream ends short of it.
        (&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..], true),
        // A message for type 64, which was never defined.
        (&[0x05, 0xff, 0x80, 0xff, 0xff, 0xff][..], false),
        // A length far over the limit.
        (
            &[0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
            false,
        ),
    ] {
        let (a, mut b) = pair();
        let s = server.clone();
        let serving = tokio::spawn(async move { s.serve(a, ()).await });
        b.write_all(garbage).await.unwrap();
        if then_eof {
            b.shutdown().await.unwrap();
        }
        let err = within(serving).await.unwrap().unwrap_err();
        assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("rpc: server cannot decode request: "),
            "{err}"
        );
        // The server closed it.
        let mut rest = Vec::new();
        within(b.read_to_end(&mut rest)).await.unwrap();
        assert!(rest.is_empty());
    }

    // A stream cut inside a header.
    let (a, mut b) = pair();
    let s = server.clone();
    let serving = tokio::spawn(async move { s.serve(a, ()).await });
    let mut enc = gob_codec::Encoder::new(Vec::new());
    enc.encode(&Request::default()).unwrap();
    let bytes = enc.into_inner();
    b.write_all(&bytes[..bytes.len() - 2]).await.unwrap();
    b.shutdown().await.unwrap();
    assert!(within(serving).await.unwrap().is_err());

    let sum: AddReply = good
        .call("Test.Add", &AddArgs { A: 1, B: 2 })
        .await
        .unwrap();
    assert_eq!(sum.Sum, 3);
    drop(good);
    within(good_serving).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_cut_connection_fails_pending_and_later_calls() {
    // A server that reads one request and then goes away.
    let (a, b) = pair();
    let client = Client::new(b);
    let c = client.clone();
    let pending = tokio::spawn(async move {
        c.call::<_, Empty>("Test.Sleep", &SleepArgs { Millis: 60_000 })
            .await
    });
    let mut dec = AsyncDecoder::new(a);
    let req: Request = within(dec.decode()).await.unwrap();
    assert_eq!((req.ServiceMethod.as_str(), req.Seq), ("Test.Sleep", 0));
    let _: SleepArgs = within(dec.decode()).await.unwrap();
    drop(dec);

    let err = within(pending).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::ConnectionClosed(c) if c.contains("closed")),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "rpc: connection closed: the server closed the connection"
    );
    let err = client
        .call::<_, Empty>("Test.Echo", &EchoArgs::default())
        .await
        .unwrap_err();
    assert!(err.is_connection_error(), "{err:?}");
    assert!(client.is_closed());

    // A Rust server dropped while its calls run: the same.
    let (a, b) = pair();
    let server = test_service::server();
    let serving = tokio::spawn(async move { server.serve(a, ()).await });
    let client = Client::new(b);
    let c = client.clone();
    let pending = tokio::spawn(async move {
        c.call::<_, Empty>("Test.Sleep", &SleepArgs { Millis: 60_000 })
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    serving.abort();
    let err = within(pending).await.unwrap().unwrap_err();
    assert!(err.is_connection_error(), "{err:?}");
}

#[tokio::test]
async fn close_fails_pending_calls_with_shutdown() {
    let (client, serving) = connected(test_service::server());
    let c = client.clone();
    let pending = tokio::spawn(async move {
        c.call::<_, Empty>("Test.Sleep", &SleepArgs { Millis: 300 })
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.close().unwrap();
    assert!(matches!(
        within(pending).await.unwrap(),
        Err(Error::Shutdown)
    ));
    assert!(matches!(
        client
            .call::<_, Empty>("Test.Echo", &EchoArgs::default())
            .await,
        Err(Error::Shutdown)
    ));
    assert!(matches!(client.close(), Err(Error::Shutdown)));
    // The server sees the end of the stream; it lets the running call finish before returning,
    // as Go's ServeConn does (its reply then cannot be written).
    let start = Instant::now();
    let _ = within(serving).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn replies_are_written_after_the_peer_stops_sending() {
    // As Go: after the end of the requests, the running calls finish and are answered.
    let (a, b) = pair();
    let server = test_service::server();
    let serving = tokio::spawn(async move { server.serve(a, ()).await });
    let mut peer = RawPeer::new(b);
    peer.send("Test.Sleep", 0, &SleepArgs { Millis: 100 }).await;
    peer.send(
        "Test.Echo",
        1,
        &EchoArgs {
            S: "x".into(),
            N: 1,
        },
    )
    .await;
    peer.enc.get_mut().shutdown().await.unwrap();
    let first = peer.response().await;
    assert_eq!(first.Seq, 1, "the echo finishes first");
    let _: EchoReply = within(peer.dec.decode()).await.unwrap();
    assert_eq!(peer.response().await.Seq, 0);
    let _: Empty = within(peer.dec.decode()).await.unwrap();
    within(serving).await.unwrap().unwrap();
    // Then the server closes its side.
    assert!(within(peer.dec.decode::<Response>())
        .await
        .unwrap_err()
        .is_eof());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_calls_than_the_concurrency_bound_all_complete() {
    let (client, _serving) = connected(test_service::server());
    let n = MAX_CONCURRENT_CALLS + 200;
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let _: Empty = client
                    .call("Test.Sleep", &SleepArgs { Millis: 100 })
                    .await
                    .unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    let start = Instant::now();
    for t in tasks {
        within(t).await.unwrap();
    }
    assert_eq!(done.load(Ordering::Relaxed), n);
    // The calls beyond the bound waited for a first round to finish.
    assert!(
        start.elapsed() >= Duration::from_millis(190),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_reply_of_the_wrong_type_fails_the_call_and_closes_the_client() {
    let (client, _serving) = connected(test_service::server());
    let err = client
        .call::<_, String>("Test.Echo", &EchoArgs::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ReplyBody { service_method, .. } if service_method == "Test.Echo"),
        "{err:?}"
    );
    // As Go's client: the stream is not trusted after that.
    let err = client
        .call::<_, EchoReply>("Test.Echo", &EchoArgs::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ConnectionClosed(c) if c.starts_with("reading body")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_argument_that_cannot_be_encoded_is_not_sent() {
    let (client, _serving) = connected(test_service::server());
    // Go refuses a nil pointer as a slice element; this is the very first call, so the Request
    // definition went out with it and must stay.
    let bad: Vec<Option<i64>> = vec![Some(1), None];
    let err = client
        .call::<_, Empty>("Test.Echo", &bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Encode { service_method, .. } if service_method == "Test.Echo"),
        "{err:?}"
    );
    let reply: EchoReply = client
        .call(
            "Test.Echo",
            &EchoArgs {
                S: "ok".into(),
                N: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.S, "ok");
    let err = client
        .call::<_, Empty>("Test.Echo", &bad)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Encode { .. }));
    let reply: AddReply = client
        .call("Test.Add", &AddArgs { A: 1, B: 1 })
        .await
        .unwrap();
    assert_eq!(reply.Sum, 2);
}

#[tokio::test]
async fn a_reply_that_cannot_be_encoded_is_answered_with_an_error() {
    let mut server = ServerBuilder::new();
    server
        .register("Bad.Reply", |_, _: Empty| async move {
            Ok::<Vec<Option<i64>>, String>(vec![None])
        })
        .unwrap();
    test_service::register(&mut server).unwrap();
    let (client, _serving) = connected(server.build());
    let err = client
        .call::<_, Vec<Option<i64>>>("Bad.Reply", &Empty {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(m) if m.starts_with("rpc: gob error encoding body: ")),
        "{err:?}"
    );
    let reply: AddReply = client
        .call("Test.Add", &AddArgs { A: 1, B: 1 })
        .await
        .unwrap();
    assert_eq!(reply.Sum, 2);
}

#[test]
fn registering_checks_names() {
    let mut server = ServerBuilder::new();
    let ok = |_, _: Empty| async move { Ok::<_, String>(Empty {}) };
    server.register("A.B", ok).unwrap();
    server.register("a.b.C", ok).unwrap();
    for bad in ["A.B", "NoDot", ".B", "A."] {
        assert!(
            matches!(server.register(bad, ok), Err(Error::Register { .. })),
            "{bad}"
        );
    }
}

// ---- the host side ----

/// A `Guest` service with stub methods that check their arguments.
fn stub_guest() -> Server {
    let mut s = ServerBuilder::new();
    s.register("Guest.Mount", |_, r: MountRequest| async move {
        if r.Target == "/mnt" && r.Flags == 1 && r.FSType == "ext4" {
            Ok(Empty {})
        } else {
            Err(format!("bad mount {r:?}"))
        }
    })
    .unwrap()
    .register("Guest.Run", |_, r: RunRequest| async move {
        if r.Command != "echo" {
            return Err(format!(
                "exec: {:?}: executable file not found in $PATH",
                r.Command
            ));
        }
        Ok(RunResponse {
            ExitCode: 0,
            Stdout: [r.Args.join(" ").as_bytes(), b"\n"].concat(),
            Stderr: r.Stdin,
        })
    })
    .unwrap()
    .register("Guest.Write", |_, r: WriteRequest| async move {
        if r.Path == "/etc/x" && r.Data == b"data" && r.Mode == 0o600 {
            Ok(Empty {})
        } else {
            Err("bad write".to_string())
        }
    })
    .unwrap()
    .register("Guest.Mkdir", |_, r: MkdirRequest| async move {
        if r.Path == "/a/b" {
            Ok(Empty {})
        } else {
            Err("bad mkdir".to_string())
        }
    })
    .unwrap()
    .register("Guest.Listen", |_, r: ListenRequest| async move {
        Ok::<_, String>(ListenResponse {
            Address: r.Address.replace(":0", ":4242"),
        })
    })
    .unwrap()
    .register("Guest.Shutdown", |_, r: ShutdownRequest| async move {
        if r.Reboot {
            Ok(Empty {})
        } else {
            Err("refusing to power off".to_string())
        }
    })
    .unwrap();
    s.build()
}

#[tokio::test]
async fn guest_client_against_stub_guest() {
    let (a, b) = pair();
    let server = stub_guest();
    tokio::spawn(async move { server.serve(a, ()).await });
    let guest = GuestClient::new(b);
    guest
        .mount(&MountRequest {
            Source: "/dev/vdb".into(),
            Target: "/mnt".into(),
            FSType: "ext4".into(),
            Flags: 1,
            Data: String::new(),
        })
        .await
        .unwrap();
    let out = guest
        .run(&RunRequest {
            Command: "echo".into(),
            Args: vec!["hello".into(), "world".into()],
            Stdin: b"in".to_vec(),
            Timeout: 1_000_000_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.Stdout, b"hello world\n");
    assert_eq!(out.Stderr, b"in");
    let err = guest
        .run(&RunRequest {
            Command: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Server(m) if m.contains("executable file not found")));
    guest
        .write(&WriteRequest {
            Path: "/etc/x".into(),
            Data: b"data".to_vec(),
            Mode: 0o600,
        })
        .await
        .unwrap();
    guest
        .mkdir(&MkdirRequest {
            Path: "/a/b".into(),
            Mode: 0,
        })
        .await
        .unwrap();
    let l = guest
        .listen(&ListenRequest {
            Network: "tcp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 0,
        })
        .await
        .unwrap();
    assert_eq!(l.Address, "127.0.0.1:4242");
    guest
        .shutdown(&ShutdownRequest { Reboot: true })
        .await
        .unwrap();
    assert!(guest
        .shutdown(&ShutdownRequest { Reboot: false })
        .await
        .is_err());
}

#[tokio::test]
async fn proxy_request_is_one_gob_stream_and_the_connection_goes_on() {
    let (a, mut b) = pair();
    let req = ProxyRequest {
        Network: "unix".into(),
        Address: "/var/run/docker.sock".into(),
        ..Default::default()
    };
    let mut a = send_proxy_request(a, &req).await.unwrap();
    a.write_all(b"raw bytes").await.unwrap();
    drop(a);
    let mut all = Vec::new();
    b.read_to_end(&mut all).await.unwrap();
    let want = gob_codec::to_vec(&req).unwrap();
    assert_eq!(&all[..want.len()], &want[..]);
    assert_eq!(&all[want.len()..], b"raw bytes");
}

#[tokio::test]
async fn launch_reader_reads_until_exited() {
    let (a, b) = pair();
    let mut enc = AsyncEncoder::new(a);
    let batches = [
        LaunchOutput {
            Stream: 1,
            Lines: vec!["one".into(), "two".into()],
            ..Default::default()
        },
        LaunchOutput {
            Stream: 2,
            Lines: vec!["err".into()],
            ..Default::default()
        },
        LaunchOutput {
            Exited: true,
            ExitCode: 3,
            ..Default::default()
        },
    ];
    for b in &batches {
        enc.encode(b).await.unwrap();
    }
    let mut reader = LaunchReader::new(b);
    for b in &batches {
        assert_eq!(&reader.next().await.unwrap().unwrap(), b);
    }
    assert_eq!(reader.exit_code(), Some(3));
    assert!(reader.next().await.unwrap().is_none());

    // The same into one batch, which keeps its buffers.
    let (a, b) = pair();
    let mut enc = AsyncEncoder::new(a);
    for b in &batches {
        enc.encode(b).await.unwrap();
    }
    let mut reader = LaunchReader::new(b);
    let mut batch = LaunchOutput::default();
    for b in &batches {
        assert!(reader.next_into(&mut batch).await.unwrap());
        assert_eq!(&batch, b);
    }
    assert_eq!(reader.exit_code(), Some(3));
    assert!(!reader.next_into(&mut batch).await.unwrap());
    assert_eq!(batch, batches[2]);

    // A stream that ends before Exited.
    let (a, b) = pair();
    let mut enc = AsyncEncoder::new(a);
    enc.encode(&batches[0]).await.unwrap();
    drop(enc);
    let mut reader = LaunchReader::new(b);
    reader.next().await.unwrap().unwrap();
    assert!(matches!(reader.next().await, Err(Error::Protocol(_))));
    let (a, b) = pair();
    let mut enc = AsyncEncoder::new(a);
    enc.encode(&batches[0]).await.unwrap();
    drop(enc);
    let mut reader = LaunchReader::new(b);
    assert!(reader.next_into(&mut batch).await.unwrap());
    let end = reader.next_into(&mut batch).await;
    assert!(matches!(end, Err(Error::Protocol(_))), "{end:?}");
}

#[tokio::test]
async fn datagrams_round_trip_as_gob_byte_slices() {
    let (mut a, b) = pair();
    let grams: Vec<Vec<u8>> = vec![
        vec![],
        b"ping".to_vec(),
        (0..=255).collect(),
        vec![7; 70_000],
    ];
    for g in &grams {
        write_datagram(&mut a, g).await.unwrap();
    }
    drop(a);
    let mut dec = AsyncDecoder::new(tokio::io::BufReader::new(b));
    for g in &grams {
        assert_eq!(&read_datagram(&mut dec).await.unwrap().unwrap(), g);
    }
    assert!(read_datagram(&mut dec).await.unwrap().is_none());
    // What Go's gob.Encoder writes for a []byte.
    let mut out = Vec::new();
    write_datagram(&mut out, b"hi").await.unwrap();
    assert_eq!(out, gob_codec::to_vec(&b"hi".to_vec()).unwrap());
}

#[tokio::test]
async fn hybrid_handshake_reads_exactly_the_ok_line() {
    let dir = std::env::temp_dir().join(format!("boxpark-rpc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vsock.sock");
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let guest = tokio::spawn(async move {
        let answers: [&[u8]; 3] = [b"OK 1073741824\nafter", b"NOPE\n", b""];
        for answer in answers {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut line = Vec::new();
            loop {
                let b = conn.read_u8().await.unwrap();
                line.push(b);
                if b == b'\n' {
                    break;
                }
            }
            assert_eq!(line, b"CONNECT 1\n");
            conn.write_all(answer).await.unwrap();
            if !answer.is_empty() {
                // Keep it open until the host is done with it.
                let _ = conn.read_u8().await;
            }
        }
    });
    let mut conn = within(connect_hybrid(&path, 1)).await.unwrap();
    let mut rest = [0u8; 5];
    conn.read_exact(&mut rest).await.unwrap();
    assert_eq!(&rest, b"after");
    drop(conn);
    let err = within(connect_hybrid(&path, 1)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Handshake { reason, .. } if reason.contains("NOPE")),
        "{err}"
    );
    let err = within(connect_hybrid(&path, 1)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Handshake { reason, .. } if reason.contains("closed")),
        "{err}"
    );
    within(guest).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
