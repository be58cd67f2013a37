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
//! `steady_decode_into`: the same, each value decoded into the one before it
//! (`Decoder::decode_into`), as Go's `BenchmarkSteadyDecodeInto*` decodes into one reused value.
//!
//! `peer_*`: the same with the crates.io `gob` 0.1 crate, on mirror types with `#[serde(default)]`
//! (`tests/gob_peer/mirror.rs`), through its fastest paths: fresh, a new `StreamSerializer` per
//! value and `Deserializer::from_slice` (its stream decoder copies into a buffer first); steady,
//! `serialize_with_type_id` with the type registered once and one `StreamDeserializer`. Its
//! decoders read the same bytes as gob-codec's. Before timing, each message is checked once and
//! a `peer-check` line printed: whether the peer reads Go's stream into the right value and whether
//! its own encoding is Go's bytes. Go's streams are read from `$GOBBENCH_STREAMS/<message>.gob`
//! (written by interop-go/gobbench's `TestWriteStream`, as scripts/bench-gob.sh does); without it,
//! gob-codec's encoding stands in for Go's (tests/golden.rs checks they are the same). `Log` has no
//! peer benchmark: the peer cannot read or write its `time.Time`.
#![allow(missing_docs)]

#[path = "../tests/gob_peer/mirror.rs"]
mod mirror;

use std::collections::BTreeMap;

use boxpark_proto::api::RunResponse;
use boxpark_proto::event::Log;
use boxpark_proto::proxy::{LaunchOutput, ProxyRequest};
use criterion::measurement::WallTime;
use criterion::{black_box, criterion_group, BenchmarkGroup, Criterion, Throughput};
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

/// Go's fresh stream of message `name` (definitions and one value), if scripts/bench-gob.sh had
/// interop-go/gobbench write it.
fn go_stream(name: &str) -> Option<Vec<u8>> {
    let dir = std::env::var_os("GOBBENCH_STREAMS")?;
    let path = std::path::Path::new(&dir).join(format!("{name}.gob"));
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A decoder over a stream of `n` values that starts again at the stream's beginning when they
/// are used up, so that a benchmark can decode any number of values in steady state.
struct Replay<'a> {
    stream: &'a [u8],
    n: usize,
    left: usize,
    dec: Decoder<&'a [u8]>,
}

impl<'a> Replay<'a> {
    fn new(stream: &'a [u8], n: usize) -> Self {
        Replay {
            stream,
            n,
            left: n,
            dec: Decoder::new(stream),
        }
    }

    /// The decoder, positioned at a value.
    fn next(&mut self) -> &mut Decoder<&'a [u8]> {
        if self.left == 0 {
            self.dec = Decoder::new(self.stream);
            self.left = self.n;
        }
        self.left -= 1;
        &mut self.dec
    }
}

/// The peer's part of a message: its mirror value, or why it has none.
enum Peer<P> {
    Mirror(P),
    Unsupported(&'static str),
}

fn bench_message<T, P>(c: &mut Criterion, name: &str, v: T, peer: Peer<P>)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
    P: Serialize + DeserializeOwned + serde_schema::SchemaSerialize + PartialEq + std::fmt::Debug,
{
    let one = stream(&v, 1);
    assert_eq!(gob_codec::from_slice::<T>(&one).expect("decode"), v);
    let (go, source) = match go_stream(name) {
        Some(go) => {
            let same = if go == one { "yes" } else { "NO" };
            println!("peer-check {name}: gob-codec's encoding equals Go's: {same}");
            (go, "Go's")
        }
        None => (one.clone(), "gob-codec's (GOBBENCH_STREAMS unset)"),
    };
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
    let mut values = Replay::new(&many, n);
    g.bench_function("steady_decode", |b| {
        b.iter(|| {
            let out: T = values.next().decode().expect("decode");
            out
        })
    });
    let mut values = Replay::new(&many, n);
    let mut place: T = values.next().decode().expect("decode");
    g.bench_function("steady_decode_into", |b| {
        b.iter(|| values.next().decode_into(&mut place).expect("decode"))
    });
    assert_eq!(place, v, "decode_into");
    match peer {
        Peer::Mirror(p) => bench_peer(&mut g, name, p, &go, source, &many, n),
        Peer::Unsupported(why) => {
            let e = mirror::peer_decode::<serde::de::IgnoredAny>(&go)
                .err()
                .map_or("none".to_string(), |e| e.to_string());
            let e: String = e.chars().take(60).collect();
            println!("peer-check {name}: not measured: {why} (decoding {source} stream: {e}...)");
        }
    }
    g.finish();
}

/// gob-codec's four benchmarks for the peer. `go` is the fresh stream its fresh decoder reads
/// (Go's, or gob-codec's stand-in), `many` the stream of `n` values that gob-codec's steady
/// decoder reads too.
fn bench_peer<P>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    p: P,
    go: &[u8],
    source: &str,
    many: &[u8],
    n: usize,
) where
    P: Serialize + DeserializeOwned + serde_schema::SchemaSerialize + PartialEq + std::fmt::Debug,
{
    // Both of the peer's decoders: the stream one (steady) and the one-value one (fresh).
    let check = |r: Result<Option<P>, gob::Error>| match r {
        Ok(Some(got)) if got == p => Ok(()),
        Ok(Some(got)) => Err(format!("a WRONG value {got:?}")),
        Ok(None) => Err("no value".to_string()),
        Err(e) => Err(format!("an error: {e}")),
    };
    let decoded = check(mirror::peer_decode::<P>(go))
        .and_then(|()| check(P::deserialize(gob::Deserializer::from_slice(go)).map(Some)));
    let readable = decoded.is_ok();
    let decoded = decoded.map_or_else(|e| e, |()| "the right value".to_string());
    let own = mirror::peer_encode(&p).expect("peer encode");
    let same = if own == go { "yes" } else { "no" };
    println!(
        "peer-check {name}: reads {source} stream as {decoded}; its encoding equals it: {same} \
         ({} bytes, {source} {})",
        own.len(),
        go.len()
    );

    let mut buf = Vec::with_capacity(own.len());
    g.bench_function("peer_fresh_encode", |b| {
        b.iter(|| {
            buf.clear();
            gob::StreamSerializer::new_with_write(&mut buf)
                .serialize(black_box(&p))
                .expect("encode");
        })
    });
    if readable {
        g.bench_function("peer_fresh_decode", |b| {
            b.iter(|| {
                let out = P::deserialize(gob::Deserializer::from_slice(black_box(go)));
                out.expect("decode")
            })
        });
    }
    // Registered once, as the peer's own benchmark does (`serialize` would rebuild the type's
    // schema and look it up for every value).
    let mut enc = gob::StreamSerializer::new_with_write(Vec::new());
    let id = P::schema_register(enc.schema_mut()).expect("register");
    enc.serialize_with_type_id(id, &p).expect("encode");
    g.bench_function("peer_steady_encode", |b| {
        b.iter(|| {
            enc.get_mut().get_mut().clear();
            enc.serialize_with_type_id(id, black_box(&p))
                .expect("encode");
        })
    });
    if readable {
        let mut dec = gob::StreamDeserializer::new(many);
        let mut left = n;
        g.bench_function("peer_steady_decode", |b| {
            b.iter(|| {
                if left == 0 {
                    dec = gob::StreamDeserializer::new(many);
                    left = n;
                }
                left -= 1;
                let out: P = dec.deserialize().expect("decode").expect("a value");
                out
            })
        });
    }
}

fn contract(c: &mut Criterion) {
    let v = proxy_request();
    let p = Peer::Mirror(mirror::ProxyRequest::from(&v));
    bench_message(c, "ProxyRequest", v, p);
    let p = Peer::<mirror::ProxyRequest>::Unsupported("the peer has no time.Time");
    bench_message(c, "Log", log(), p);
    let v = launch_output();
    let p = Peer::Mirror(mirror::LaunchOutput::from(&v));
    bench_message(c, "LaunchOutput", v, p);
    let v = run_response();
    let p = Peer::Mirror(mirror::RunResponse::from(&v));
    bench_message(c, "RunResponse", v, p);
}

criterion_group!(benches, contract);

/// `criterion_main!` spelled out and public, so that `benches/contract_mimalloc.rs` can run the same
/// benchmark under another global allocator.
pub fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
