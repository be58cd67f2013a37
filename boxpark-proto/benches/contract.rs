//! Encode and decode the Boxpark contract messages (boxpark-proto's own types, through gob-codec),
//! as `interop-go/gobbench` does with Go's `encoding/gob` on the same values, so the two can be
//! compared as ratios from one run (`scripts/bench-gob.sh`):
//!
//! ```text
//! cargo bench -p boxpark-proto --bench contract
//! ```
//!
//! `fresh`: a new encoder (or decoder) per iteration, so type definitions are included, exactly as
//! the Go benchmarks `BenchmarkEncode*`/`BenchmarkDecode*`. `steady`: one stream, definitions already
//! sent, one value per iteration (`BenchmarkSteady*`), which is what a long-lived connection sees.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use boxpark_proto::api::RunResponse;
use boxpark_proto::event::Log;
use boxpark_proto::proxy::{LaunchOutput, ProxyRequest};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gob_codec::{Decoder, Encoder, Time};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

fn proxy_request() -> ProxyRequest {
    ProxyRequest {
        Network: "unix".into(),
        Address: "/var/run/docker.sock".into(),
        LocalAddress: "/tmp/docker.sock".into(),
        Args: vec![],
        Env: vec![],
        Dir: String::new(),
    }
}

fn log() -> Log {
    // time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
    Log {
        Time: Time::from_unix(1_795_608_000, 123_456_789, None),
        Level: 0,
        Message: "container started".into(),
        Attrs: BTreeMap::from([("id".to_string(), "4f2a9c".to_string())]),
    }
}

fn launch_output() -> LaunchOutput {
    LaunchOutput {
        Stream: 1,
        Lines: (0..64)
            .map(|i| format!("line {i:03}: {}", "x".repeat(70)))
            .collect(),
        Exited: false,
        ExitCode: 0,
    }
}

fn run_response() -> RunResponse {
    RunResponse {
        ExitCode: 0,
        Stdout: (0..4096).map(|i| b'a' + (i % 26) as u8).collect(),
        Stderr: vec![],
    }
}

fn stream<T: Serialize + Deserialize<'static>>(v: &T, n: usize) -> Vec<u8> {
    let mut enc = Encoder::new(Vec::new());
    for _ in 0..n {
        enc.encode(v).expect("encode");
    }
    enc.into_inner()
}

fn bench_message<T>(c: &mut Criterion, name: &str, v: T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
{
    let one = stream(&v, 1);
    assert_eq!(gob_codec::from_slice::<T>(&one).expect("decode"), v);
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(one.len() as u64));
    let mut buf = Vec::with_capacity(one.len());
    g.bench_function("fresh_encode", |b| {
        b.iter(|| {
            buf.clear();
            Encoder::new(&mut buf)
                .encode(black_box(&v))
                .expect("encode");
        })
    });
    g.bench_function("fresh_decode", |b| {
        b.iter(|| {
            let out: T = Decoder::new(black_box(&one[..])).decode().expect("decode");
            out
        })
    });
    // Steady state: definitions already sent on the stream.
    let mut enc = Encoder::new(Vec::new());
    enc.encode(&v).expect("encode");
    g.bench_function("steady_encode", |b| {
        b.iter(|| {
            enc.get_mut().clear();
            enc.encode(black_box(&v)).expect("encode");
        })
    });
    let n = 1 << 12;
    let many = stream(&v, n);
    let mut dec = Decoder::new(&many[..]);
    let mut left = n;
    g.bench_function("steady_decode", |b| {
        b.iter(|| {
            if left == 0 {
                dec = Decoder::new(&many[..]);
                left = n;
            }
            left -= 1;
            let out: T = dec.decode().expect("decode");
            out
        })
    });
    g.finish();
}

fn contract(c: &mut Criterion) {
    bench_message(c, "ProxyRequest", proxy_request());
    bench_message(c, "Log", log());
    bench_message(c, "LaunchOutput", launch_output());
    bench_message(c, "RunResponse", run_response());
}

criterion_group!(benches, contract);
criterion_main!(benches);
