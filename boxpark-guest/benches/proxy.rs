//! Throughput of the guest's `tcp` and `unix` proxy connections, with same-run baselines.
//!
//! The release guest binary (built by this bench with `cargo build --release -p boxpark-guest`)
//! runs on a hybrid socket in a temporary directory, with the RPC connection held open so that
//! every later connection is a proxy connection. Each iteration pushes 64 MiB through one new
//! connection and waits for the sink's 8-byte count, which it sends once it has read to end of
//! stream, so the time includes delivery (and the connection set-up, negligible at this size):
//!
//! - `proxy/tcp`: host → hybrid socket → guest `tcp` proxy → loopback TCP sink;
//! - `proxy/unix`: host → hybrid socket → guest `unix` proxy → Unix-socket sink;
//! - `direct/tcp` (baseline of `proxy/tcp`): host → loopback TCP sink;
//! - `direct/unix_copy` (baseline of `proxy/unix`, what an ideal proxy costs): host → Unix socket
//!   pair → a `tokio::io::copy` task in this process (reading with the guest's splice buffer size,
//!   64 KiB) → Unix-socket sink; the reverse direction carries the count back.
//!
//! Throughput is reported in bytes (criterion `Throughput::Bytes`); `scripts/bench-guest.sh`
//! turns the `--output-format bencher` times into MiB/s and ratios.
//!
//! ```text
//! cargo bench -p boxpark-guest --bench proxy
//! ```

#[allow(dead_code)]
mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxpark_guest::splice::FALLBACK_BUFFER as SPLICE_BUFFER;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixStream};
use tokio::runtime::Runtime;

use common::{within, GuestProcess};

/// Bytes pushed per iteration.
const TOTAL: u64 = 64 << 20;
/// Size of each write by the host.
const CHUNK: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
enum Route {
    ProxyTcp,
    ProxyUnix,
    DirectTcp,
    DirectUnixCopy,
}

/// What every iteration needs.
struct Setup {
    guest: Arc<GuestProcess>,
    tcp_sink: SocketAddr,
    unix_sink: PathBuf,
    chunk: Vec<u8>,
}

/// One iteration: a new connection by `route`, 64 MiB pushed, the count awaited.
async fn one(s: &Setup, route: Route) {
    let pushed = match route {
        Route::ProxyTcp => {
            let conn = s.guest.proxy("tcp", &s.tcp_sink.to_string()).await;
            within("proxy/tcp push", common::push(conn, &s.chunk, TOTAL)).await
        }
        Route::ProxyUnix => {
            let sink = s.unix_sink.display().to_string();
            let conn = s.guest.proxy("unix", &sink).await;
            within("proxy/unix push", common::push(conn, &s.chunk, TOTAL)).await
        }
        Route::DirectTcp => {
            let conn = match within("tcp connect", TcpStream::connect(s.tcp_sink)).await {
                Ok(c) => c,
                Err(e) => panic!("tcp connect: {e}"),
            };
            // As the guest sets it on its target connections.
            let _ = conn.set_nodelay(true);
            within("direct/tcp push", common::push(conn, &s.chunk, TOTAL)).await
        }
        Route::DirectUnixCopy => {
            let (host, middle) = match UnixStream::pair() {
                Ok(p) => p,
                Err(e) => panic!("socketpair: {e}"),
            };
            let target = match within("unix connect", UnixStream::connect(&s.unix_sink)).await {
                Ok(c) => c,
                Err(e) => panic!("unix connect: {e}"),
            };
            let copier = tokio::spawn(copy_through(middle, target));
            let pushed = within("direct/unix_copy push", common::push(host, &s.chunk, TOTAL)).await;
            match within("copy task", copier).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("copy task: {e}"),
                Err(e) => panic!("copy task: {e}"),
            }
            pushed
        }
    };
    if let Err(e) = pushed {
        panic!("{route:?}: {e}");
    }
}

/// The ideal proxy: copies `middle` → `target` with `tokio::io::copy` semantics and the guest's
/// buffer size, passes the end of stream on, and copies the answer back.
async fn copy_through(middle: UnixStream, target: UnixStream) -> std::io::Result<()> {
    let (middle_r, mut middle_w) = middle.into_split();
    let (mut target_r, mut target_w) = target.into_split();
    let forward = async {
        let mut r = BufReader::with_capacity(SPLICE_BUFFER, middle_r);
        tokio::io::copy_buf(&mut r, &mut target_w).await?;
        target_w.shutdown().await
    };
    let back = async {
        tokio::io::copy(&mut target_r, &mut middle_w).await?;
        middle_w.shutdown().await
    };
    let (f, b) = tokio::join!(forward, back);
    f.and(b)
}

fn measure(rt: &Runtime, setup: &Arc<Setup>, route: Route, iters: u64) -> Duration {
    let setup = setup.clone();
    // The iterations run in a runtime task, as in a program, not on the bench's thread.
    let task = rt.spawn(async move {
        let start = Instant::now();
        for _ in 0..iters {
            one(&setup, route).await;
        }
        start.elapsed()
    });
    match rt.block_on(task) {
        Ok(elapsed) => elapsed,
        Err(e) => panic!("bench task: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let bin = common::build_release_guest();
    let rt = common::runtime();
    let mut guest = match GuestProcess::spawn(&bin) {
        Ok(g) => g,
        Err(e) => panic!("cannot start {}: {e}", bin.display()),
    };
    let unix_sink = guest.dir().join("sink.sock");
    let (rpc, tcp_sink, tcp_task, unix_task) = rt.block_on(async {
        let rpc = guest.rpc().await;
        let (tcp_sink, tcp_task) = match common::tcp_sink().await {
            Ok(s) => s,
            Err(e) => panic!("tcp sink: {e}"),
        };
        let unix_task = match common::unix_server(&unix_sink, common::Serve::Sink) {
            Ok(t) => t,
            Err(e) => panic!("unix sink: {e}"),
        };
        (rpc, tcp_sink, tcp_task, unix_task)
    });
    let setup = Arc::new(Setup {
        guest: Arc::new(guest),
        tcp_sink,
        unix_sink,
        chunk: vec![0x5a; CHUNK],
    });

    for (group, cases) in [
        (
            "proxy",
            [("tcp", Route::ProxyTcp), ("unix", Route::ProxyUnix)],
        ),
        (
            "direct",
            [
                ("tcp", Route::DirectTcp),
                ("unix_copy", Route::DirectUnixCopy),
            ],
        ),
    ] {
        let mut g = c.benchmark_group(group);
        g.throughput(Throughput::Bytes(TOTAL));
        g.sample_size(10);
        g.sampling_mode(SamplingMode::Flat);
        for (name, route) in cases {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| measure(&rt, &setup, route, iters))
            });
        }
        g.finish();
    }

    tcp_task.abort();
    unix_task.abort();
    // The RPC connection closes with the runtime; the guest stops when `setup` is dropped.
    drop(rpc);
    drop(rt);
    drop(setup);
}

criterion_group!(benches, bench);
criterion_main!(benches);
