//! gob-codec next to its crates.io peer, the `gob` crate 0.1.0 (srijs/rust-gob, the only 0.1
//! release), on streams Go wrote: `tests/golden/contract_*.gob` here and gob-codec's
//! `tests/golden/*.gob` (both described in their `INDEX.md`). One test per row of the feature
//! table in gob-codec/README.md ("Compared with the `gob` crate"); each checks what both crates do
//! with the same bytes, so the table claims nothing these tests do not show (rows marked "(docs)"
//! there are about the peer's API and are not tested here).
//!
//! The peer's types are mirrors with `#[serde(default)]` (`gob_peer/mirror.rs` says why) except
//! where a test shows what happens without it.
#![allow(non_snake_case)]
#![allow(clippy::unwrap_used)]

#[path = "gob_peer/mirror.rs"]
mod mirror;

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use boxpark_proto::api::{MkdirRequest, RunResponse, WriteRequest};
use boxpark_proto::event::Log;
use boxpark_proto::proxy::{LaunchOutput, ProxyRequest};
use boxpark_proto::rpc::Request;
use gob_codec::{Decoder, ErrorKind, Time, Value, ValueEncoder};
use mirror::{peer_decode, peer_encode, GoBytes};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_schema_derive::SchemaSerialize;

/// A stream from boxpark-proto's golden vectors (the contract's).
fn contract(name: &str) -> Vec<u8> {
    read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        name,
    )
}

/// A stream from gob-codec's golden vectors.
fn gob_golden(name: &str) -> Vec<u8> {
    read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gob-codec/tests/golden"),
        name,
    )
}

fn read(dir: PathBuf, name: &str) -> Vec<u8> {
    let path = dir.join(format!("{name}.gob"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every value of a one-type stream through gob-codec, up to its clean end.
fn codec_all<T: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, gob_codec::Error> {
    let mut dec = Decoder::new(bytes);
    let mut out = Vec::new();
    loop {
        match dec.decode() {
            Ok(v) => out.push(v),
            Err(e) if e.is_eof() => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// Every value of a one-type stream through the peer, up to its clean end.
fn peer_all<T: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, gob::Error> {
    let mut dec = gob::StreamDeserializer::new(bytes);
    let mut out = Vec::new();
    while let Some(v) = dec.deserialize()? {
        out.push(v);
    }
    Ok(out)
}

/// The peer's error for the first value of `bytes`, which must fail.
fn peer_err<T: DeserializeOwned + std::fmt::Debug>(bytes: &[u8]) -> String {
    peer_decode::<T>(bytes).unwrap_err().to_string()
}

fn assert_contains(msg: &str, want: &str) {
    assert!(msg.contains(want), "{msg:?} does not contain {want:?}");
}

fn proxy_request_unix() -> ProxyRequest {
    ProxyRequest {
        Network: "unix".into(),
        Address: "/var/run/docker.sock".into(),
        LocalAddress: "/tmp/docker.sock".into(),
        ..ProxyRequest::default()
    }
}

fn launch_output_lines() -> LaunchOutput {
    LaunchOutput {
        Stream: 1,
        Lines: vec![
            "starting".into(),
            String::new(),
            "ready: listening on /var/run/docker.sock".into(),
        ],
        Exited: false,
        ExitCode: 0,
    }
}

fn run_response() -> RunResponse {
    RunResponse {
        ExitCode: 0,
        Stdout: b"Setting up swapspace version 1, size = 1 GiB\n".to_vec(),
        Stderr: vec![],
    }
}

/// Row "Writes the bytes Go writes": gob-codec's encoding of each of these contract messages is
/// Go's stream byte for byte; the peer's never is. It numbers user types from 65 (Go 1.26 from
/// 64), sends a struct's field types before the struct (Go: after) and sends `[]string` without
/// its name. gob-codec (which reads as Go reads) still reads the peer's bytes back.
#[test]
fn byte_identical_encoding() {
    fn check<T, P>(golden: &str, v: T)
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
        P: for<'a> From<&'a T> + serde_schema::SchemaSerialize,
    {
        let go = contract(golden);
        assert_eq!(gob_codec::to_vec(&v).unwrap(), go, "{golden}: gob-codec");
        let peer = peer_encode(&P::from(&v)).unwrap();
        assert_ne!(peer, go, "{golden}: the peer");
        // The first message's type id: Go's is -64 (one byte, 0x7f), the peer's -65 (0xff 0x81).
        assert_eq!(go[1], 0x7f, "{golden}: Go's first type id");
        assert_eq!(
            peer[1..3],
            [0xff, 0x81],
            "{golden}: the peer's first type id"
        );
        assert_eq!(
            gob_codec::from_slice::<T>(&peer).unwrap(),
            v,
            "{golden}: read back"
        );
    }
    check::<_, mirror::ProxyRequest>("contract_proxy_request_unix", proxy_request_unix());
    check::<_, mirror::LaunchOutput>("contract_launch_output_lines", launch_output_lines());
    check::<_, mirror::RunResponse>("contract_run_response", run_response());

    // The struct's definition comes last, after its field type's, and that one has no name.
    let peer = peer_encode(&mirror::ProxyRequest::from(&proxy_request_unix())).unwrap();
    let first = &peer[1..peer[0] as usize + 1];
    assert!(!contains(first, b"ProxyRequest") && !contains(first, b"[]string"));
    assert!(!contains(&peer, b"[]string"));
    assert!(contains(
        &contract("contract_proxy_request_unix"),
        b"[]string"
    ));
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Row "Reads Go's omitted zero fields without `#[serde(default)]`": Go leaves out zero fields
/// (here the nil `Args` and `Env`, the empty `Dir`); gob-codec gives them their zero value, the
/// peer fails in serde's derive unless the type has `#[serde(default)]`.
#[test]
fn omitted_zero_fields() {
    let go = contract("contract_proxy_request_unix");
    assert_eq!(
        gob_codec::from_slice::<ProxyRequest>(&go).unwrap(),
        proxy_request_unix()
    );
    assert_contains(&peer_err::<ProxyRequest>(&go), "missing field `Args`");
    assert_eq!(
        peer_decode::<mirror::ProxyRequest>(&go).unwrap().unwrap(),
        mirror::ProxyRequest::from(&proxy_request_unix())
    );

    // A zero value: all its fields omitted.
    let go = contract("contract_run_response_zero");
    assert_eq!(
        gob_codec::from_slice::<RunResponse>(&go).unwrap(),
        RunResponse::default()
    );
    assert_contains(&peer_err::<RunResponse>(&go), "missing field `ExitCode`");
    assert_eq!(
        peer_decode::<mirror::RunResponse>(&go).unwrap().unwrap(),
        mirror::RunResponse::default()
    );
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize, SchemaSerialize)]
#[serde(default)]
struct Point {
    X: i64,
    Y: i64,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Maps {
    One: BTreeMap<String, i64>,
    ByInt: BTreeMap<i64, String>,
    Structs: BTreeMap<String, Point>,
    Slices: BTreeMap<String, Vec<String>>,
}

/// Row "Maps": both read Go's maps, top-level and as fields.
#[test]
fn maps() {
    let go = gob_golden("map_string_int_top");
    let want = BTreeMap::from([("answer".to_string(), 42i64)]);
    assert_eq!(
        gob_codec::from_slice::<BTreeMap<String, i64>>(&go).unwrap(),
        want
    );
    assert_eq!(
        peer_decode::<BTreeMap<String, i64>>(&go).unwrap().unwrap(),
        want
    );

    let go = gob_golden("struct_maps");
    let want = Maps {
        One: BTreeMap::from([("one".into(), 1)]),
        ByInt: BTreeMap::from([(2, "two".into())]),
        Structs: BTreeMap::from([("p".into(), Point { X: 3, Y: 4 })]),
        Slices: BTreeMap::from([("k".into(), vec!["v1".into(), "v2".into()])]),
    };
    assert_eq!(gob_codec::from_slice::<Maps>(&go).unwrap(), want);
    assert_eq!(peer_decode::<Maps>(&go).unwrap().unwrap(), want);
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Inner {
    A: i64,
    B: String,
}

/// Go's `main.Ptrs`, the fields that are set (the others are skipped as unknown).
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Ptrs {
    Five: Option<i64>,
    Str: Option<String>,
    In: Option<Inner>,
}

/// Row "Pointers as `Option`": a non-nil Go pointer field (`*int`, `*string`, `*Inner`) into an
/// `Option`. gob-codec reads them; the peer hands serde's `Option` a plain value, which it
/// refuses.
#[test]
fn pointers_as_option() {
    let go = gob_golden("struct_pointers");
    let want = Ptrs {
        Five: Some(5),
        Str: Some("s".into()),
        In: Some(Inner {
            A: 1,
            B: String::new(),
        }),
    };
    assert_eq!(gob_codec::from_slice::<Ptrs>(&go).unwrap(), want);
    assert_contains(&peer_err::<Ptrs>(&go), "expected option");
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Node {
    Value: i64,
    Next: Option<Box<Node>>,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Tree {
    Name: String,
    Children: Vec<Tree>,
}

/// Row "Recursive types": a linked list (`Next *Node`, so `Option<Box<Node>>`) fails in the peer
/// for the reason of `pointers_as_option`; a tree through a slice (`Children []*Tree`) reads in
/// both.
#[test]
fn recursive_types() {
    let go = gob_golden("recursive_list");
    let want = Node {
        Value: 1,
        Next: Some(Box::new(Node {
            Value: 2,
            Next: Some(Box::new(Node {
                Value: 3,
                Next: None,
            })),
        })),
    };
    assert_eq!(gob_codec::from_slice::<Node>(&go).unwrap(), want);
    assert_contains(&peer_err::<Node>(&go), "expected option");

    let go = gob_golden("recursive_tree");
    let leaf = |name: &str| Tree {
        Name: name.into(),
        Children: vec![],
    };
    let want = Tree {
        Name: "root".into(),
        Children: vec![
            Tree {
                Name: "a".into(),
                Children: vec![leaf("a1")],
            },
            leaf("b"),
        ],
    };
    assert_eq!(gob_codec::from_slice::<Tree>(&go).unwrap(), want);
    assert_eq!(peer_decode::<Tree>(&go).unwrap().unwrap(), want);
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Circle {
    Radius: f64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    #[serde(rename = "main.Circle")]
    Circle(Circle),
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Drawing {
    Name: String,
    Shape: Option<Shape>,
}

/// Row "Interfaces": an interface field holding a registered `main.Circle`. The peer does not
/// know gob's interface type (id 8); a nil interface, which Go omits, it reads.
#[test]
fn interfaces() {
    let go = gob_golden("iface_field_value");
    let want = Drawing {
        Name: "d".into(),
        Shape: Some(Shape::Circle(Circle { Radius: 2.0 })),
    };
    assert_eq!(gob_codec::from_slice::<Drawing>(&go).unwrap(), want);
    assert_contains(&peer_err::<Drawing>(&go), "unknown type id TypeId(8)");

    let go = gob_golden("iface_field_nil");
    let want = Drawing {
        Name: "empty".into(),
        Shape: None,
    };
    assert_eq!(gob_codec::from_slice::<Drawing>(&go).unwrap(), want);
    assert_eq!(peer_decode::<Drawing>(&go).unwrap().unwrap(), want);
}

/// Row "`time.Time`, `GobEncoder`, `BinaryMarshaler`": Go defines these types with the fields of
/// `wireType` after the first four (`GobEncoderT`, `BinaryMarshalerT`), which the peer does not
/// have: it fails on the definition, whatever the Rust type. So it cannot read the contract's
/// `Log` (its `Time` is a `time.Time`). (gob-codec's own cases for the other two are in
/// gob-codec/tests/golden.rs.)
#[test]
fn time_and_marshalers() {
    // "field number overflow (4)" (GobEncoderT) or "(5)" (BinaryMarshalerT) "on type StructType {
    // common: CommonType { name: \"WireType\" ...".
    const WIRE_TYPE_OVERFLOW: &str = "on type StructType { common: CommonType { name: \"WireType\"";
    let go = contract("contract_log_utc");
    let want = Log {
        Time: Time::from_unix(1_795_608_000, 123_456_789, None),
        Level: 0,
        Message: "guest ready".into(),
        Attrs: BTreeMap::new(),
    };
    assert_eq!(gob_codec::from_slice::<Log>(&go).unwrap(), want);
    for name in ["time_utc", "gob_encoder_top", "binary_marshaler_top"] {
        let go = gob_golden(name);
        if name == "time_utc" {
            let t = gob_codec::from_slice::<Time>(&go).unwrap();
            assert_eq!(t, Time::from_unix(1_709_296_245, 123_456_789, None));
        }
        let e = peer_err::<IgnoredAny>(&go);
        assert_contains(&e, "field number overflow");
        assert_contains(&e, WIRE_TYPE_OVERFLOW);
    }
    let e = peer_err::<IgnoredAny>(&contract("contract_log_utc"));
    assert_contains(&e, WIRE_TYPE_OVERFLOW);
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Partial {
    Network: String,
    Dir: String,
}

/// Row "Skips fields the Rust type lacks": the launch `ProxyRequest` (with `Args` and `Env`) into
/// a struct of two of its fields.
#[test]
fn unknown_fields_are_skipped() {
    let go = contract("contract_proxy_request_launch");
    let want = Partial {
        Network: "launch".into(),
        Dir: "/".into(),
    };
    assert_eq!(gob_codec::from_slice::<Partial>(&go).unwrap(), want);
    assert_eq!(peer_decode::<Partial>(&go).unwrap().unwrap(), want);
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Person {
    Name: String,
    Age: i64,
    Email: String,
}

/// Row "Many values on one stream": three `LaunchOutput`s (defined once) and then the clean end;
/// `Point`, `Person`, `Point` (the second `Point` without a definition).
#[test]
fn many_values_on_one_stream() {
    let go = contract("contract_launch_stream");
    let want = [
        LaunchOutput {
            Stream: 1,
            Lines: vec!["a".into(), "b".into()],
            ..LaunchOutput::default()
        },
        LaunchOutput {
            Stream: 2,
            Lines: vec!["warning: x".into()],
            ..LaunchOutput::default()
        },
        LaunchOutput {
            Exited: true,
            ExitCode: 1,
            ..LaunchOutput::default()
        },
    ];
    assert_eq!(codec_all::<LaunchOutput>(&go).unwrap(), want);
    let want: Vec<_> = want.iter().map(mirror::LaunchOutput::from).collect();
    assert_eq!(peer_all::<mirror::LaunchOutput>(&go).unwrap(), want);

    let go = gob_golden("three_messages_interleaved");
    let mut dec = Decoder::new(&go[..]);
    let mut peer = gob::StreamDeserializer::new(&go[..]);
    let p1 = Point { X: 1, Y: 0 };
    let person = Person {
        Name: "q".into(),
        ..Person::default()
    };
    let p2 = Point { X: 0, Y: 1 };
    assert_eq!(dec.decode::<Point>().unwrap(), p1);
    assert_eq!(dec.decode::<Person>().unwrap(), person);
    assert_eq!(dec.decode::<Point>().unwrap(), p2);
    assert!(dec.decode::<Point>().unwrap_err().is_eof());
    assert_eq!(peer.deserialize::<Point>().unwrap(), Some(p1));
    assert_eq!(peer.deserialize::<Person>().unwrap(), Some(person));
    assert_eq!(peer.deserialize::<Point>().unwrap(), Some(p2));
    assert!(peer.deserialize::<Point>().unwrap().is_none());
}

/// `rpc::Request` for the peer.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct PeerRequest {
    ServiceMethod: String,
    Seq: u64,
}

/// `api::MkdirRequest` for the peer.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct PeerMkdirRequest {
    Path: String,
    Mode: u32,
}

/// `api::WriteRequest` for the peer.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct PeerWriteRequest {
    Path: String,
    Data: GoBytes,
    Mode: u32,
}

/// Row "net/rpc": two calls as Go's `net/rpc` client wrote them (header, body, header, body; the
/// `Request` header defined once). Both read the frames as a stream of values; only gob-codec has
/// a client and server on top (boxpark-proto's `rpc`, tested in tests/rpc*.rs).
#[test]
fn net_rpc_frames() {
    let go = contract("contract_rpc_two_calls");
    let mut dec = Decoder::new(&go[..]);
    assert_eq!(
        dec.decode::<Request>().unwrap(),
        Request {
            ServiceMethod: "Guest.Mkdir".into(),
            Seq: 1
        }
    );
    assert_eq!(
        dec.decode::<MkdirRequest>().unwrap(),
        MkdirRequest {
            Path: "/etc/docker".into(),
            Mode: 0o755
        }
    );
    assert_eq!(dec.decode::<Request>().unwrap().Seq, 2);
    let w: WriteRequest = dec.decode().unwrap();
    assert_eq!(
        (w.Path.as_str(), &w.Data[..], w.Mode),
        ("/etc/docker/daemon.json", &b"{}\n"[..], 0)
    );

    let mut peer = gob::StreamDeserializer::new(&go[..]);
    assert_eq!(
        peer.deserialize::<PeerRequest>().unwrap(),
        Some(PeerRequest {
            ServiceMethod: "Guest.Mkdir".into(),
            Seq: 1
        })
    );
    assert_eq!(
        peer.deserialize::<PeerMkdirRequest>().unwrap(),
        Some(PeerMkdirRequest {
            Path: "/etc/docker".into(),
            Mode: 0o755
        })
    );
    assert_eq!(peer.deserialize::<PeerRequest>().unwrap().unwrap().Seq, 2);
    assert_eq!(
        peer.deserialize::<PeerWriteRequest>().unwrap(),
        Some(PeerWriteRequest {
            Path: "/etc/docker/daemon.json".into(),
            Data: GoBytes(b"{}\n".to_vec()),
            Mode: 0
        })
    );
}

/// Row "Without a Rust type": gob-codec's `Value` reads the stream and re-encodes it to the same
/// bytes; the peer has no value type of its own, but its `deserialize_any` feeds a generic serde
/// type such as `serde_json::Value` (for what JSON can hold: not the `[]byte` of a `WriteRequest`,
/// nor maps with int keys).
#[test]
fn without_a_rust_type() {
    let go = gob_golden("recursive_list");
    let mut dec = Decoder::new(&go[..]);
    let v: Value = dec.decode_value().unwrap();
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    enc.encode(&v).unwrap();
    assert_eq!(enc.into_inner(), go);

    let json: serde_json::Value = peer_decode(&go).unwrap().unwrap();
    assert_eq!(
        json,
        serde_json::json!({"Value": 1, "Next": {"Value": 2, "Next": {"Value": 3}}})
    );
}

/// A reader that counts what was taken from it.
struct Counting<R> {
    inner: R,
    taken: usize,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken += n;
        Ok(n)
    }
}

/// Row "Huge length prefix": a message announcing 2^62 bytes, followed by 8 MiB of zeros.
/// gob-codec refuses the length at once (over its 64 MiB default limit) and reads no further; the
/// peer has no limit: it keeps reading, to the end of the input, for a message that cannot come.
#[test]
fn huge_length_prefix() {
    const MIB8: u64 = 8 << 20;
    let mut prefix = vec![0xf8];
    prefix.extend_from_slice(&(1u64 << 62).to_be_bytes());
    let input = || Counting {
        inner: (&prefix[..]).chain(std::io::repeat(0).take(MIB8)),
        taken: 0,
    };

    let mut dec = Decoder::new(input());
    let e = dec.decode::<ProxyRequest>().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Limit(_)), "{e}");
    assert!(
        dec.get_ref().taken < 64 << 10,
        "gob-codec read {} bytes",
        dec.get_ref().taken
    );

    let mut peer = gob::StreamDeserializer::new(input());
    let e = peer.deserialize::<mirror::ProxyRequest>().unwrap_err();
    assert_eq!(
        e.kind(),
        gob::error::ErrorKind::Io(std::io::ErrorKind::UnexpectedEof)
    );
    assert_eq!(peer.get_ref().taken as u64, prefix.len() as u64 + MIB8);
}

/// Row "Malformed input": Go's `ProxyRequest` stream with its first message length set to 0.
/// gob-codec returns an error; the peer panics (an overflowing subtraction of the length).
#[test]
fn malformed_input() {
    let mut bad = contract("contract_proxy_request_unix");
    bad[0] = 0;
    let codec = catch_unwind(|| gob_codec::from_slice::<ProxyRequest>(&bad).map(|_| ()));
    assert!(codec.expect("gob-codec panicked").is_err());
    let peer = catch_unwind(AssertUnwindSafe(|| {
        peer_decode::<mirror::ProxyRequest>(&bad).map(|_| ())
    }));
    assert!(peer.is_err(), "the peer did not panic: {peer:?}");
}

/// `WriteRequest` as one would first write it for the peer: boxpark-proto's `serde_bytes` field
/// with the derived schema.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, SchemaSerialize)]
#[serde(default)]
struct SerdeBytesWrite {
    Path: String,
    #[serde(with = "serde_bytes")]
    Data: Vec<u8>,
    Mode: u32,
}

/// Note under the table: the peer's derived schema makes a `Vec<u8>` a `[]uint8` slice even with
/// `#[serde(with = "serde_bytes")]`, and then refuses the bytes it is given; `GoBytes` (a
/// hand-written schema of gob's `[]byte`) encodes as Go does, as `byte_identical_encoding` shows
/// with `RunResponse` (a type id difference apart).
#[test]
fn peer_bytes_need_a_bytes_schema() {
    let v = SerdeBytesWrite {
        Path: "/p".into(),
        Data: b"x".to_vec(),
        Mode: 0,
    };
    assert_contains(
        &peer_encode(&v).unwrap_err().to_string(),
        "type id mismatch",
    );
    let run = mirror::RunResponse {
        ExitCode: 0,
        Stdout: GoBytes(b"x".to_vec()),
        Stderr: GoBytes::default(),
    };
    let bytes = peer_encode(&run).unwrap();
    assert_eq!(
        gob_codec::from_slice::<RunResponse>(&bytes).unwrap().Stdout,
        b"x"
    );
}
