//! `rpc::Client` against `rpc::Server` over a Unix socket pair, on a multi-thread tokio runtime
//! (group `rpc`) and on a current-thread one (group `rpc_one_thread`).
//!
//! The Go side (`interop-go/rpcbench`) measures the same with Go's `net/rpc` over a Unix socket,
//! so both report the same quantity:
//!
//! - `rpc/sequential_echo`: one `Test.Echo(EchoArgs{S: "hello", N: 42})` call at a time on one
//!   client; time per iteration is the round trip of one call.
//! - `rpc/concurrent16_echo`: the same call from 16 tasks sharing one client (and connection),
//!   each doing its share of N calls back to back; the iteration count N is split across the 16
//!   tasks and the total elapsed time is reported, so time per iteration is wall-clock time per
//!   call at 16 calls in flight (the inverse of throughput), not the latency of one call.
//!
//! The connection, client and server are set up once, outside the measurement; the calls run in
//! runtime tasks (as in a program), not on the benchmark's own thread. Go's counterparts are
//! `go test -cpu N` (group `rpc`, N the machine's cores) and `-cpu 1` (`rpc_one_thread`: client
//! and server goroutines on one thread, as the current-thread runtime runs their tasks).
//!
//! ```text
//! cargo bench -p boxpark-proto --bench rpc
//! ```

use std::time::{Duration, Instant};

use boxpark_proto::rpc::Client;
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::net::UnixStream;
use tokio::runtime::Runtime;

#[path = "../examples/common/test_service.rs"]
mod test_service;

use test_service::{EchoArgs, EchoReply};

const TASKS: u64 = 16;

fn args() -> EchoArgs {
    EchoArgs {
        S: "hello".into(),
        N: 42,
    }
}

async fn echo(client: &Client, args: &EchoArgs) {
    let reply: EchoReply = match client.call("Test.Echo", args).await {
        Ok(r) => r,
        Err(e) => panic!("Test.Echo: {e}"),
    };
    assert_eq!(reply.N, 42);
}

fn setup(rt: &Runtime) -> Client {
    rt.block_on(async {
        let (a, b) = match UnixStream::pair() {
            Ok(p) => p,
            Err(e) => panic!("socketpair: {e}"),
        };
        let server = test_service::server();
        tokio::spawn(async move { server.serve(a, ()).await });
        let client = Client::new(b);
        // The first call sends the type definitions.
        echo(&client, &args()).await;
        client
    })
}

fn bench(c: &mut Criterion) {
    let runtimes = [
        ("rpc", tokio::runtime::Builder::new_multi_thread()),
        (
            "rpc_one_thread",
            tokio::runtime::Builder::new_current_thread(),
        ),
    ];
    for (name, mut builder) in runtimes {
        match builder.enable_all().build() {
            Ok(rt) => bench_on(c, name, &rt),
            Err(e) => panic!("runtime: {e}"),
        }
    }
}

fn bench_on(c: &mut Criterion, name: &str, rt: &Runtime) {
    let client = setup(rt);
    let mut group = c.benchmark_group(name);
    group.measurement_time(Duration::from_secs(5));

    group.bench_function("sequential_echo", |b| {
        b.iter_custom(|iters| {
            let client = client.clone();
            // The calls run in a runtime task, as in a program, not on the bench's thread.
            let calls = rt.spawn(async move {
                let args = args();
                let start = Instant::now();
                for _ in 0..iters {
                    echo(&client, &args).await;
                }
                start.elapsed()
            });
            match rt.block_on(calls) {
                Ok(elapsed) => elapsed,
                Err(e) => panic!("bench task: {e}"),
            }
        })
    });

    group.bench_function("concurrent16_echo", |b| {
        b.iter_custom(|iters| {
            let client = client.clone();
            let calls = rt.spawn(async move {
                let start = Instant::now();
                let tasks: Vec<_> = (0..TASKS)
                    .map(|t| {
                        // Split iters across the tasks; the first ones take the remainder.
                        let n = iters / TASKS + u64::from(t < iters % TASKS);
                        let client = client.clone();
                        tokio::spawn(async move {
                            let args = args();
                            for _ in 0..n {
                                echo(&client, &args).await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    if let Err(e) = t.await {
                        panic!("bench task: {e}");
                    }
                }
                start.elapsed()
            });
            match rt.block_on(calls) {
                Ok(elapsed) => elapsed,
                Err(e) => panic!("bench task: {e}"),
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
