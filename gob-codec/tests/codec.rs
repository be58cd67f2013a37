//! The tokio codecs and async adapters against the synchronous decoder, over streams that arrive in
//! pieces: one byte at a time, in random chunks, and with values that span several messages.
#![cfg(feature = "tokio")]
#![allow(non_snake_case, clippy::unwrap_used)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use futures::{FutureExt, SinkExt, StreamExt};
use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
use gob_codec::codec::{GobCodec, ValueCodec};
use gob_codec::{Decoder, Encoder, ErrorKind, Limits, Value};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
use tokio_util::codec::{Decoder as _, FramedRead, FramedWrite};

mod support;
use support::Lcg;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Point {
    X: i64,
    Y: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Polygon {
    Name: String,
    Points: Vec<Point>,
}

/// Go's `Shape` interface, with one registered concrete type.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    #[serde(rename = "main.Point")]
    Point(Point),
}

/// A struct that itself holds an interface: its concrete type's definition is written inside the
/// enclosing interface value.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Group {
    Label: String,
    Member: Option<Shape>,
}

/// Go's `any`, with the concrete types these tests send.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Any {
    #[serde(rename = "int")]
    Int(i64),
    #[serde(rename = "main.Polygon")]
    Polygon(Polygon),
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "main.Group")]
    Group(Group),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Holder {
    Value: Option<Any>,
}

fn tri() -> Polygon {
    Polygon {
        Name: "tri".into(),
        Points: vec![
            Point { X: 0, Y: 0 },
            Point { X: 1, Y: 0 },
            Point { X: 0, Y: 1 },
        ],
    }
}

fn holders() -> Vec<Holder> {
    let h = |v| Holder { Value: v };
    vec![
        h(Some(Any::Int(1))),
        // Polygon, []Point and Point are defined in the middle of this value.
        h(Some(Any::Polygon(tri()))),
        h(None),
        h(Some(Any::Point(Point { X: 5, Y: -6 }))),
        // Group and (inside it) Shape's Point: definitions nested in the interface value.
        h(Some(Any::Group(Group {
            Label: "g".into(),
            Member: Some(Shape::Point(Point { X: 7, Y: 8 })),
        }))),
        h(Some(Any::Polygon(Polygon {
            Name: "sq".into(),
            Points: vec![Point { X: 1, Y: 1 }; 4],
        }))),
        h(Some(Any::Int(-42))),
    ]
}

fn encode_sync(values: &[Holder]) -> Vec<u8> {
    let mut enc = Encoder::new(Vec::new());
    for v in values {
        enc.encode(v).unwrap();
    }
    enc.into_inner()
}

/// Message boundaries of a stream (end offset of each message).
fn message_ends(data: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let first = data[pos];
        let (len, used) = if first < 0x80 {
            (first as usize, 1)
        } else {
            let n = first.wrapping_neg() as usize;
            let len = data[pos + 1..pos + 1 + n]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize);
            (len, 1 + n)
        };
        pos += used + len;
        ends.push(pos);
    }
    ends
}

fn stream() -> Vec<u8> {
    let bytes = encode_sync(&holders());
    // The stream really has values that continue over several messages: more messages start with a
    // non-negative type id (a value, or a value's continuation) than there are values.
    let mut starts = 0;
    let mut pos = 0;
    for end in message_ends(&bytes) {
        let first = bytes[pos];
        let used = if first < 0x80 {
            1
        } else {
            1 + first.wrapping_neg() as usize
        };
        let id_byte = bytes[pos + used];
        // A gob int's sign is its lowest bit (of the last byte for multi-byte encodings).
        let id_last = if id_byte < 0x80 {
            id_byte
        } else {
            bytes[pos + used + id_byte.wrapping_neg() as usize]
        };
        if id_last & 1 == 0 {
            starts += 1;
        }
        pos = end;
    }
    assert!(starts > holders().len(), "no value spans several messages");
    bytes
}

fn sync_decode_all(bytes: &[u8]) -> (Vec<Holder>, Vec<Value>) {
    let mut typed = Vec::new();
    let mut dec = Decoder::new(bytes);
    loop {
        match dec.decode::<Holder>() {
            Ok(v) => typed.push(v),
            Err(e) if e.is_eof() => break,
            Err(e) => panic!("{e}"),
        }
    }
    (typed, sync_decode_values(bytes))
}

/// An `AsyncRead` that hands out its data in chunks of the sizes it is told, answering `Pending`
/// before every other chunk, and then `Pending` forever (without waking) if `hang` is set.
struct Chunked {
    data: Vec<u8>,
    pos: usize,
    sizes: Box<dyn FnMut() -> usize + Send>,
    toggle: bool,
    hang: bool,
    /// Largest read buffer offered by the reader's user, to see that nothing is read ahead.
    reads: usize,
}

impl Chunked {
    fn new(data: Vec<u8>, sizes: impl FnMut() -> usize + Send + 'static) -> Self {
        Chunked {
            data,
            pos: 0,
            sizes: Box::new(sizes),
            toggle: false,
            hang: false,
            reads: 0,
        }
    }

    fn bytewise(data: Vec<u8>) -> Self {
        Self::new(data, || 1)
    }

    fn random(data: Vec<u8>, seed: u64, max: usize) -> Self {
        let mut g = Lcg(seed);
        Self::new(data, move || g.up_to(max))
    }
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = &mut *self;
        if me.pos == me.data.len() && me.hang {
            return Poll::Pending;
        }
        me.toggle = !me.toggle;
        if me.toggle {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        me.reads += 1;
        let n = (me.sizes)()
            .min(buf.remaining())
            .min(me.data.len() - me.pos);
        buf.put_slice(&me.data[me.pos..me.pos + n]);
        me.pos += n;
        Poll::Ready(Ok(()))
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

async fn collect<D>(r: Chunked, codec: D) -> Vec<D::Item>
where
    D: tokio_util::codec::Decoder,
    D::Error: std::fmt::Display,
{
    let mut fr = FramedRead::new(r, codec);
    let mut out = Vec::new();
    while let Some(item) = fr.next().await {
        match item {
            Ok(v) => out.push(v),
            Err(e) => panic!("{e}"),
        }
    }
    out
}

#[test]
fn framed_read_matches_sync_decoder_in_any_chunking() {
    let bytes = stream();
    let (typed, values) = sync_decode_all(&bytes);
    assert_eq!(typed, holders());
    let rt = rt();
    let mut readers: Vec<(String, Box<dyn Fn() -> Chunked>)> = Vec::new();
    let b = bytes.clone();
    readers.push((
        "1 byte".into(),
        Box::new(move || Chunked::bytewise(b.clone())),
    ));
    for seed in 0..12u64 {
        for max in [3usize, 17, 64, 1000] {
            let b = bytes.clone();
            readers.push((
                format!("seed {seed} max {max}"),
                Box::new(move || Chunked::random(b.clone(), seed, max)),
            ));
        }
    }
    for (name, make) in &readers {
        let got = rt.block_on(collect(make(), GobCodec::<Holder>::new()));
        assert_eq!(got, typed, "typed, {name}");
        let got = rt.block_on(collect(make(), ValueCodec::new()));
        assert_eq!(got, values, "values, {name}");
    }
}

/// Feeding a codec directly, byte by byte: `None` until the last byte of each value, and the
/// definitions of a value cut short are not kept (else the retry would see them as duplicates).
#[test]
fn decoder_waits_for_whole_value_and_keeps_no_partial_definitions() {
    let bytes = stream();
    let (typed, values) = sync_decode_all(&bytes);
    // Where each value ends, from the sync decoder.
    let mut ends = Vec::new();
    let mut dec = Decoder::new(&bytes[..]);
    let mut ids_after = Vec::new();
    for _ in 0..typed.len() {
        dec.decode_value().unwrap();
        ends.push(dec.offset() as usize);
        ids_after.push(dec.types().ids().len());
    }

    let mut codec = GobCodec::<Holder>::new();
    let mut vcodec = ValueCodec::new();
    let mut buf = BytesMut::new();
    let mut vbuf = BytesMut::new();
    let mut got = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        vbuf.extend_from_slice(&[b]);
        let t = codec.decode(&mut buf).unwrap();
        let v = vcodec.decode(&mut vbuf).unwrap();
        let k = got.len();
        if ends.contains(&(i + 1)) {
            assert_eq!(t.as_ref(), Some(&typed[k]), "at byte {}", i + 1);
            assert_eq!(v.as_ref(), Some(&values[k]), "at byte {}", i + 1);
            assert_eq!(codec.types().ids().len(), ids_after[k]);
            assert_eq!(codec.offset(), (i + 1) as u64);
            assert!(buf.is_empty());
            got.push(t.unwrap());
        } else {
            assert!(
                t.is_none() && v.is_none(),
                "value before its end, at byte {}",
                i + 1
            );
            // Definitions only change when a value is complete.
            let before = if k == 0 { 0 } else { ids_after[k - 1] };
            assert_eq!(codec.types().ids().len(), before, "at byte {}", i + 1);
            assert_eq!(vcodec.types().ids().len(), before, "at byte {}", i + 1);
        }
    }
    assert_eq!(got, typed);
    assert!(codec.decode_eof(&mut buf).unwrap().is_none());
}

/// The whole stream handed over at once gives every value, one per call.
#[test]
fn decoder_with_everything_buffered() {
    let bytes = stream();
    let (typed, _) = sync_decode_all(&bytes);
    let mut codec = GobCodec::<Holder>::new();
    let mut buf = BytesMut::from(&bytes[..]);
    let mut got = Vec::new();
    while let Some(v) = codec.decode(&mut buf).unwrap() {
        got.push(v);
    }
    assert_eq!(got, typed);
    assert!(buf.is_empty());
}

/// Many small values buffered at once: each is decoded without walking the rest of the buffer.
#[test]
fn many_values_in_one_buffer() {
    let points: Vec<Point> = (0..50_000).map(|i| Point { X: i, Y: -i }).collect();
    let mut enc = Encoder::new(Vec::new());
    for p in &points {
        enc.encode(p).unwrap();
    }
    let bytes = enc.into_inner();
    let mut codec = GobCodec::<Point>::new();
    let mut buf = BytesMut::from(&bytes[..]);
    let start = std::time::Instant::now();
    let mut got = Vec::with_capacity(points.len());
    while let Some(p) = codec.decode(&mut buf).unwrap() {
        got.push(p);
    }
    assert_eq!(got, points);
    // Quadratic work would take minutes here.
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn truncated_stream_is_unexpected_eof_with_offset() {
    let bytes = stream();
    let mut value_ends = Vec::new();
    let mut dec = Decoder::new(&bytes[..]);
    while dec.decode_value().is_ok() {
        value_ends.push(dec.offset() as usize);
    }
    // A boundary between two messages of one value (the Polygon value continues after definitions).
    let mid = message_ends(&bytes)
        .into_iter()
        .find(|e| *e > value_ends[0] && *e < value_ends[1])
        .unwrap();
    for cut in [bytes.len() - 3, mid, 1] {
        let mut codec = ValueCodec::new();
        let mut buf = BytesMut::from(&bytes[..cut]);
        let mut n = 0;
        let err = loop {
            match codec.decode_eof(&mut buf) {
                Ok(Some(_)) => n += 1,
                Ok(None) => panic!("clean end at cut {cut} after {n} values"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err.kind(), ErrorKind::UnexpectedEof), "{err}");
        assert_eq!(err.offset(), Some(cut as u64), "{err}");
    }
}

const LIMITS: Limits = Limits {
    max_message: 1024,
    max_depth: 100,
};

/// A length prefix announcing 2^31-1 bytes.
const HUGE_PREFIX: [u8; 5] = [0xfc, 0x7f, 0xff, 0xff, 0xff];

#[test]
fn over_limit_prefix_is_rejected_before_reserving() {
    let mut codec = GobCodec::<Holder>::with_limits(LIMITS);
    let mut buf = BytesMut::new();
    // An incomplete prefix is just "wait".
    for &b in &HUGE_PREFIX[..4] {
        buf.extend_from_slice(&[b]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() < 1024, "reserved {}", buf.capacity());
    }
    buf.extend_from_slice(&HUGE_PREFIX[4..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit(_)), "{err}");
    assert_eq!(err.offset(), Some(0));
    assert!(buf.capacity() < 1024, "reserved {}", buf.capacity());

    // Within the limit, a body is reserved for (up to what it still needs), never more.
    let mut codec = GobCodec::<Holder>::with_limits(LIMITS);
    let mut buf = BytesMut::from(&[0xfe, 0x04, 0x00][..]);
    assert!(codec.decode(&mut buf).unwrap().is_none());
    assert!(buf.capacity() >= 3 + 1024);
}

/// Polls a fresh future `$f` until one is ready (the readers here answer `Pending` every other time);
/// panics if none is, which is how a decoder waiting for bytes that never come shows.
macro_rules! ready {
    ($f:expr) => {{
        let mut out = None;
        for _ in 0..1000 {
            if let Some(v) = $f.now_or_never() {
                out = Some(v);
                break;
            }
        }
        out.expect("still waiting for input")
    }};
}

#[test]
fn over_limit_prefix_errors_as_soon_as_it_arrives() {
    // A good value, then a huge prefix, then a reader that never sends more (and never wakes).
    let good = encode_sync(&holders()[..1]);
    let mut data = good.clone();
    data.extend_from_slice(&HUGE_PREFIX);
    let mut r = Chunked::bytewise(data);
    r.hang = true;
    let mut fr = FramedRead::new(r, GobCodec::<Holder>::with_limits(LIMITS));
    let first = ready!(fr.next()).unwrap().unwrap();
    assert_eq!(first, holders()[0]);
    // The error comes without the body: the reader has nothing more to give and hangs.
    let err = ready!(fr.next()).unwrap().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit(_)), "{err}");
    assert_eq!(err.offset(), Some(good.len() as u64));

    // The same inside a value: the message after the one that starts the Polygon value is huge.
    let bytes = stream();
    let ends = message_ends(&bytes);
    let mut data = bytes[..ends[2]].to_vec();
    data.extend_from_slice(&HUGE_PREFIX);
    let mut r = Chunked::random(data, 7, 5);
    r.hang = true;
    let mut fr = FramedRead::new(r, ValueCodec::with_limits(LIMITS));
    assert!(ready!(fr.next()).unwrap().is_ok());
    let err = ready!(fr.next()).unwrap().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit(_)), "{err}");
    assert_eq!(err.offset(), Some(ends[2] as u64));

    // The async decoder too.
    let mut r = Chunked::bytewise(HUGE_PREFIX.to_vec());
    r.hang = true;
    let mut dec = AsyncDecoder::with_limits(r, LIMITS);
    let err = ready!(dec.decode::<Holder>()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit(_)), "{err}");
    assert_eq!(err.offset(), Some(0));
}

const TAIL: &[u8] = b"\x05raw bytes after the gob request \xff\x00";

#[test]
fn async_decoder_reads_exactly_one_value() {
    let bytes = stream();
    let (typed, values) = sync_decode_all(&bytes);
    let rt = rt();
    let mut data = bytes.clone();
    data.extend_from_slice(TAIL);
    for seed in 0..20u64 {
        for (max, count) in [(1usize, 1usize), (7, 2), (50, typed.len()), (4096, 3)] {
            rt.block_on(async {
                let r = if max == 1 {
                    Chunked::bytewise(data.clone())
                } else {
                    Chunked::random(data.clone(), seed, max)
                };
                // Typed values up to `count`, after a dynamic first one.
                let mut dec = AsyncDecoder::new(r);
                assert_eq!(dec.decode_value().await.unwrap(), values[0]);
                for want in &typed[1..count.max(1)] {
                    assert_eq!(&dec.decode::<Holder>().await.unwrap(), want);
                }
                let mut r = dec.into_inner();
                let mut rest = Vec::new();
                r.read_to_end(&mut rest).await.unwrap();
                let consumed = data.len() - rest.len();
                assert_eq!(rest[..], data[consumed..]);
                // Exactly the values asked for were consumed.
                let mut sync = Decoder::new(&bytes[..]);
                for _ in 0..count.max(1) {
                    sync.decode_value().unwrap();
                }
                assert_eq!(consumed as u64, sync.offset(), "seed {seed} max {max}");
            });
        }
    }

    // All values, then the tail alone is left.
    rt.block_on(async {
        let mut dec = AsyncDecoder::new(Chunked::random(data.clone(), 3, 9));
        for want in &typed {
            assert_eq!(&dec.decode::<Holder>().await.unwrap(), want);
        }
        assert_eq!(dec.offset(), bytes.len() as u64);
        let mut rest = Vec::new();
        dec.get_mut().read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, TAIL);
    });
}

#[test]
fn async_decoder_eof() {
    let bytes = stream();
    let rt = rt();
    rt.block_on(async {
        let mut dec = AsyncDecoder::new(Chunked::random(bytes.clone(), 1, 30));
        for _ in 0..holders().len() {
            dec.decode::<Holder>().await.unwrap();
        }
        let err = dec.decode::<Holder>().await.unwrap_err();
        assert!(err.is_eof(), "{err}");

        let cut = bytes.len() - 2;
        let mut dec = AsyncDecoder::new(&bytes[..cut]);
        let err = loop {
            if let Err(e) = dec.decode_value().await {
                break e;
            }
        };
        assert!(matches!(err.kind(), ErrorKind::UnexpectedEof), "{err}");
        assert_eq!(err.offset(), Some(cut as u64));
    });
}

/// A value that does not decode into the type asked for is skipped, as Go's `gob.Decoder` skips it
/// (`net/rpc` answers an undecodable argument and goes on reading requests): the definitions sent in
/// front of it are kept and the next value decodes, in the async decoder and the codecs alike.
#[test]
fn a_value_that_does_not_decode_is_skipped() {
    let mut enc = Encoder::new(Vec::new());
    enc.encode(&tri()).unwrap(); // defines Polygon and Point
    enc.encode(&"not a Point".to_string()).unwrap();
    enc.encode(&Point { X: 1, Y: 2 }).unwrap();
    enc.encode(&tri()).unwrap();
    let bytes = enc.into_inner();

    let mut sync = Decoder::new(&bytes[..]);
    assert_eq!(sync.decode::<Polygon>().unwrap(), tri());
    assert!(sync.decode::<Point>().is_err());
    assert_eq!(sync.decode::<Point>().unwrap(), Point { X: 1, Y: 2 });
    assert_eq!(sync.decode::<Polygon>().unwrap(), tri());

    rt().block_on(async {
        let mut dec = AsyncDecoder::new(Chunked::random(bytes.clone(), 1, 7));
        assert_eq!(dec.decode::<Polygon>().await.unwrap(), tri());
        let err = dec.decode::<Point>().await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::TypeMismatch(_)), "{err}");
        assert_eq!(dec.decode::<Point>().await.unwrap(), Point { X: 1, Y: 2 });
        assert_eq!(dec.decode::<Polygon>().await.unwrap(), tri());
        assert!(dec.decode::<Polygon>().await.unwrap_err().is_eof());
    });

    let mut enc = Encoder::new(Vec::new());
    enc.encode(&"not a Point".to_string()).unwrap();
    enc.encode(&Point { X: 1, Y: 2 }).unwrap();
    let mut codec = GobCodec::<Point>::new();
    let mut buf = BytesMut::from(&enc.into_inner()[..]);
    assert!(codec.decode(&mut buf).is_err());
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(Point { X: 1, Y: 2 }));
}

/// Over an `AsyncBufRead`, values whole in the reader's buffer are decoded in place and split ones
/// go through the copying path: the values, the skipping of one that does not decode, the end of
/// the stream and what is left for the reader afterwards are those of `decode`.
#[test]
fn buffered_decode_reads_exactly_the_values_whatever_the_buffer() {
    let bytes = stream();
    let (typed, values) = sync_decode_all(&bytes);
    let mut data = bytes.clone();
    data.extend_from_slice(TAIL);
    let rt = rt();
    for capacity in [1usize, 2, 5, 64, 8192] {
        for seed in 0..5u64 {
            rt.block_on(async {
                let r = tokio::io::BufReader::with_capacity(
                    capacity,
                    Chunked::random(data.clone(), seed, 40),
                );
                let mut dec = AsyncDecoder::new(r);
                assert_eq!(dec.decode_value_buffered().await.unwrap(), values[0]);
                for want in &typed[1..] {
                    assert_eq!(&dec.decode_buffered::<Holder>().await.unwrap(), want);
                }
                assert_eq!(dec.offset(), bytes.len() as u64, "capacity {capacity}");
                let mut rest = Vec::new();
                dec.into_inner().read_to_end(&mut rest).await.unwrap();
                assert_eq!(rest, TAIL, "capacity {capacity} seed {seed}");
            });
        }
    }

    let mut enc = Encoder::new(Vec::new());
    enc.encode(&tri()).unwrap();
    enc.encode(&"not a Point".to_string()).unwrap();
    enc.encode(&Point { X: 1, Y: 2 }).unwrap();
    let skipping = enc.into_inner();
    for capacity in [3usize, 8192] {
        rt.block_on(async {
            let r = tokio::io::BufReader::with_capacity(capacity, &skipping[..]);
            let mut dec = AsyncDecoder::new(r);
            assert_eq!(dec.decode_buffered::<Polygon>().await.unwrap(), tri());
            let err = dec.decode_buffered::<Point>().await.unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::TypeMismatch(_)), "{err}");
            assert_eq!(
                dec.decode_buffered::<Point>().await.unwrap(),
                Point { X: 1, Y: 2 }
            );
            let end = dec.decode_buffered::<Point>().await.unwrap_err();
            assert!(end.is_eof(), "{end}");
            assert_eq!(end.offset(), Some(skipping.len() as u64));
        });
    }
}

/// `decode_into` and `decode_into_buffered` give every value that `decode` gives, each decoded into
/// the value before it, however the bytes arrive: a value cut short is decoded again, into the
/// same place, when the rest is there.
#[test]
fn async_decode_into_matches_decode_whatever_the_chunks() {
    let bytes = stream();
    let (typed, _) = sync_decode_all(&bytes);
    let rt = rt();
    for seed in 0..5u64 {
        rt.block_on(async {
            let mut place = Holder {
                Value: Some(Any::Polygon(tri())),
            };
            let mut dec = AsyncDecoder::new(Chunked::random(bytes.clone(), seed, 40));
            for (i, want) in typed.iter().enumerate() {
                dec.decode_into(&mut place).await.unwrap();
                assert_eq!(&place, want, "seed {seed} value {i}");
            }
            assert!(dec.decode_into(&mut place).await.unwrap_err().is_eof());
            for capacity in [1usize, 5, 8192] {
                let r = tokio::io::BufReader::with_capacity(
                    capacity,
                    Chunked::random(bytes.clone(), seed, 40),
                );
                let mut dec = AsyncDecoder::new(r);
                for (i, want) in typed.iter().enumerate() {
                    dec.decode_into_buffered(&mut place).await.unwrap();
                    assert_eq!(&place, want, "capacity {capacity} seed {seed} value {i}");
                }
                assert_eq!(dec.offset(), bytes.len() as u64);
            }
        });
    }
    // Structs, written over in place (the holders above are enums, which serde replaces): a byte at
    // a time, so most attempts run short part way through a value.
    let polygons = [
        Polygon {
            Name: "a longer name".into(),
            Points: vec![Point { X: 3, Y: 4 }; 5],
        },
        tri(),
        Polygon {
            Name: String::new(),
            Points: vec![],
        },
        Polygon {
            Name: "one".into(),
            Points: vec![Point { X: -1, Y: 0 }],
        },
    ];
    let mut enc = Encoder::new(Vec::new());
    for p in &polygons {
        enc.encode(p).unwrap();
    }
    let bytes = enc.into_inner();
    rt.block_on(async {
        let mut dec = AsyncDecoder::new(Chunked::bytewise(bytes.clone()));
        let mut place = tri();
        for want in &polygons {
            dec.decode_into(&mut place).await.unwrap();
            assert_eq!(&place, want);
        }
    });
}

/// Polls each decode once only, then drops it, until `want.len()` values came: a decode cancelled
/// half way must go on where it stopped.
fn decode_by_single_polls(
    want: &[Holder],
    mut poll_once: impl FnMut() -> Option<gob_codec::Result<Holder>>,
) {
    let mut got = Vec::new();
    let mut polls = 0;
    while got.len() < want.len() {
        if let Some(r) = poll_once() {
            got.push(r.unwrap());
        }
        polls += 1;
        assert!(polls < 100_000);
    }
    assert_eq!(got, want);
}

#[test]
fn buffered_decode_is_cancel_safe() {
    let bytes = stream();
    let (typed, _) = sync_decode_all(&bytes);
    let r = tokio::io::BufReader::with_capacity(7, Chunked::random(bytes, 5, 6));
    let mut dec = AsyncDecoder::new(r);
    decode_by_single_polls(&typed, || dec.decode_buffered::<Holder>().now_or_never());
}

#[test]
fn async_decoder_is_cancel_safe() {
    let bytes = stream();
    let (typed, _) = sync_decode_all(&bytes);
    let mut dec = AsyncDecoder::new(Chunked::random(bytes, 5, 6));
    decode_by_single_polls(&typed, || dec.decode::<Holder>().now_or_never());
}

#[test]
fn encoders_write_what_the_sync_encoder_writes() {
    let want = encode_sync(&holders());
    let rt = rt();
    rt.block_on(async {
        let mut enc = AsyncEncoder::new(Vec::new());
        for h in holders() {
            enc.encode(&h).await.unwrap();
        }
        enc.flush().await.unwrap();
        assert_eq!(enc.into_inner(), want);

        let mut fw = FramedWrite::new(Vec::new(), GobCodec::<Holder>::new());
        let hs = holders();
        for h in &hs[..3] {
            fw.send(h).await.unwrap();
        }
        for h in hs[3..].iter().cloned() {
            fw.send(h).await.unwrap();
        }
        assert_eq!(fw.into_inner(), want);
    });
}

/// The async encoder's pairs and `[]byte` values are the sync encoder's bytes, and a pair that fails
/// writes nothing.
#[test]
fn async_pairs_and_bytes_write_what_the_sync_encoder_writes() {
    let hs = holders();
    let mut sync = gob_codec::Encoder::new(Vec::new());
    sync.encode_pair(&hs[0], &hs[1]).unwrap();
    sync.encode_bytes(b"datagram").unwrap();
    sync.encode_pair(&hs[2], &b"x".to_vec()).unwrap();
    let want = sync.into_inner();
    rt().block_on(async {
        let mut enc = AsyncEncoder::new(Vec::new());
        enc.encode_pair(&hs[0], &hs[1]).await.unwrap();
        assert!(enc
            .encode_pair(&hs[2], &vec![Some(1i64), None])
            .await
            .is_err());
        enc.encode_bytes(b"datagram").await.unwrap();
        enc.encode_pair(&hs[2], &b"x".to_vec()).await.unwrap();
        assert_eq!(enc.into_inner(), want);
    });
}

/// One codec on both directions of a duplex pipe: values go round through Framed.
#[test]
fn framed_round_trip_over_a_pipe() {
    let rt = rt();
    rt.block_on(async {
        let (a, b) = tokio::io::duplex(7);
        let writer = tokio::spawn(async move {
            let mut fw = FramedWrite::new(a, GobCodec::<Holder>::new());
            for h in holders() {
                fw.send(h).await.unwrap();
            }
        });
        let got: Vec<Holder> = FramedRead::new(b, GobCodec::<Holder>::new())
            .map(|r| r.unwrap())
            .collect()
            .await;
        writer.await.unwrap();
        assert_eq!(got, holders());
    });
}

/// A Go-written stream (golden vector) through the codec in small pieces.
#[test]
fn golden_stream_through_value_codec() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/iface_types_mid_stream.gob"
    ))
    .unwrap();
    let values = sync_decode_values(&bytes);
    let rt = rt();
    for seed in 0..8 {
        let got = rt.block_on(collect(
            Chunked::random(bytes.clone(), seed, 4),
            ValueCodec::new(),
        ));
        assert_eq!(got, values);
    }
    // And typed: Holder{1}, Holder{Polygon}.
    let got = rt.block_on(collect(
        Chunked::bytewise(bytes.clone()),
        GobCodec::<Holder>::new(),
    ));
    assert_eq!(
        got,
        vec![
            Holder {
                Value: Some(Any::Int(1))
            },
            Holder {
                Value: Some(Any::Polygon(tri()))
            }
        ]
    );
}

/// Go-written streams whose definitions arrive inside interface values, or that no value uses,
/// decoded by the codec in pieces (so that values cut short take their definitions back and read
/// them again) and written back with the codec's type table: Go's bytes again.
#[test]
fn value_codec_keeps_where_definitions_arrived() {
    let rt = rt();
    for name in [
        "iface_types_mid_stream",
        "marshal_struct_fields_iface",
        "marshal_struct_fields_field",
        "url_field",
    ] {
        let path = format!("{}/tests/golden/{name}.gob", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        for seed in 0..4 {
            let (values, types) = rt.block_on(async {
                let mut fr =
                    FramedRead::new(Chunked::random(bytes.clone(), seed, 3), ValueCodec::new());
                let mut values = Vec::new();
                while let Some(v) = fr.next().await {
                    values.push(v.unwrap());
                }
                (values, fr.decoder().types().clone())
            });
            let mut enc = gob_codec::ValueEncoder::new(Vec::new(), types);
            for v in &values {
                enc.encode(v).unwrap();
            }
            assert_eq!(enc.into_inner(), bytes, "{name}, seed {seed}");
        }
    }
}

fn sync_decode_values(bytes: &[u8]) -> Vec<Value> {
    let mut values = Vec::new();
    let mut dec = Decoder::new(bytes);
    loop {
        match dec.decode_value() {
            Ok(v) => values.push(v),
            Err(e) if e.is_eof() => break,
            Err(e) => panic!("{e}"),
        }
    }
    values
}
