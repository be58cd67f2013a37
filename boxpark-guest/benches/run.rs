//! Latency of `Guest.Run{Command: "true"}` through the release guest binary, with a same-run
//! baseline.
//!
//! - `run/guest_true`: one call at a time through `GuestClient` on the RPC connection of the
//!   release guest binary (built by this bench with `cargo build --release -p boxpark-guest`,
//!   running on a hybrid socket in a temporary directory); time per iteration is the round trip
//!   of one call, including the guest's fork/exec and wait of `true`.
//! - `run/spawn_true` (baseline): `tokio::process::Command::new("true").output().await` in this
//!   process, the least a spawn of `true` costs here.
//!
//! `scripts/bench-guest.sh` prints the ratio.
//!
//! ```text
//! cargo bench -p boxpark-guest --bench run
//! ```

#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use boxpark_proto::api::RunRequest;
use boxpark_proto::host::GuestClient;
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;

use common::{within, GuestProcess};

async fn guest_true(client: &GuestClient, req: &RunRequest) {
    match within("Guest.Run", client.run(req)).await {
        Ok(out) if out.ExitCode == 0 => {}
        Ok(out) => panic!("Guest.Run true: exit code {}", out.ExitCode),
        Err(e) => panic!("Guest.Run true: {e}"),
    }
}

async fn spawn_true() {
    match within("spawn true", tokio::process::Command::new("true").output()).await {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("true: {}", out.status),
        Err(e) => panic!("true: {e}"),
    }
}

/// Runs `iters` iterations of `f` one after another in a runtime task and returns the time taken.
fn measure<F, Fut>(rt: &Runtime, iters: u64, f: F) -> Duration
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let task = rt.spawn(async move {
        let start = Instant::now();
        for _ in 0..iters {
            f().await;
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
    let client = rt.block_on(async {
        let client = guest.rpc().await;
        // The first call sends the type definitions.
        guest_true(&client, &true_request()).await;
        client
    });

    let mut g = c.benchmark_group("run");
    g.sample_size(20);
    g.bench_function("guest_true", |b| {
        b.iter_custom(|iters| {
            let client = client.clone();
            measure(&rt, iters, move || {
                let client = client.clone();
                async move { guest_true(&client, &true_request()).await }
            })
        })
    });
    g.bench_function("spawn_true", |b| {
        b.iter_custom(|iters| measure(&rt, iters, spawn_true))
    });
    g.finish();

    drop(client);
    drop(rt);
    drop(guest);
}

fn true_request() -> RunRequest {
    RunRequest {
        Command: "true".into(),
        ..Default::default()
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
