//! Streams for what the golden ones do not have, written by gob-codec's typed encoder (which
//! gives ids and names as Go would): names that Rust reserves or that collide once snake_cased,
//! `[]byte` inside composites, an array longer than serde's, a named integer type, float map keys,
//! a package other than `main`.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use gob_codec::{Encoder, EncoderOptions};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// A float that can key a map (the stream's keys are plain floats).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Default)]
#[serde(transparent)]
pub struct F(pub f64);
impl Eq for F {}
impl Hash for F {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.to_bits().hash(h);
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash, Default)]
#[allow(non_snake_case)]
pub struct Pair {
    pub F: F,
    pub N: i64,
}

/// Go's `type Level int32`.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Level(pub i32);

/// A `[40]uint8`, as a tuple.
#[derive(Debug, Clone)]
pub struct Sig(pub [u8; 40]);
impl Serialize for Sig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(40)?;
        for x in &self.0 {
            t.serialize_element(x)?;
        }
        t.end()
    }
}
impl<'de> Deserialize<'de> for Sig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Sig;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("40 bytes")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Sig, A::Error> {
                let mut b = [0u8; 40];
                for x in &mut b {
                    *x = a.next_element()?.unwrap_or(0);
                }
                Ok(Sig(b))
            }
        }
        d.deserialize_tuple(40, V)
    }
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename = "String")]
pub struct GoString {
    #[serde(rename = "Type")]
    pub ty: String,
    #[serde(rename = "Self")]
    pub me: i64,
    #[serde(rename = "ID")]
    pub id_upper: i64,
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "Größe")]
    pub size: i64,
    #[serde(rename = "Fn", with = "serde_bytes")]
    pub f: Vec<u8>,
    #[serde(rename = "Blobs")]
    pub blobs: Vec<ByteBuf>,
    #[serde(rename = "ByName")]
    pub by_name: BTreeMap<String, ByteBuf>,
    #[serde(rename = "Small")]
    pub small: [u8; 4],
    #[serde(rename = "Sig")]
    pub sig: Sig,
    #[serde(rename = "Levels")]
    pub levels: Vec<Level>,
    #[serde(rename = "ByFloat")]
    pub by_float: HashMap<F, String>,
    #[serde(rename = "ByPair")]
    pub by_pair: HashMap<Pair, i64>,
    #[serde(rename = "Vec")]
    pub next: Option<Box<GoString>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[allow(non_snake_case)]
pub struct Point {
    pub X: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub enum Shape {
    #[serde(rename = "proto.Point")]
    Point(Point),
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[allow(non_snake_case)]
pub struct Poly {
    pub Points: Vec<Point>,
    pub Any: Option<Shape>,
    pub Shapes: Vec<Shape>,
}

fn names() -> GoString {
    let leaf = GoString {
        ty: "leaf".into(),
        me: -1,
        id_upper: 2,
        id: 3,
        size: 4,
        f: b"fn".to_vec(),
        blobs: vec![ByteBuf::from(vec![0, 1]), ByteBuf::new()],
        by_name: BTreeMap::from([("k".into(), ByteBuf::from(vec![9]))]),
        small: [1, 2, 3, 4],
        sig: Sig(std::array::from_fn(|i| i as u8)),
        levels: vec![Level(-7)],
        by_float: HashMap::from([(F(1.5), "one and a half".into())]),
        by_pair: HashMap::from([(Pair { F: F(-0.5), N: 2 }, 5)]),
        next: None,
    };
    GoString {
        ty: "root".into(),
        next: Some(Box::new(leaf.clone())),
        ..leaf
    }
}

/// Writes the streams into the test's directory; returns their paths.
pub fn write() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gob-dump-synthetic");
    std::fs::create_dir_all(&dir).unwrap();
    let mut names_enc = Encoder::new(Vec::new());
    names_enc.encode(&names()).unwrap();
    let opts = EncoderOptions {
        package: "proto".into(),
        ..EncoderOptions::default()
    };
    let mut proto = Encoder::with_options(Vec::new(), opts);
    proto
        .encode(&Poly {
            Points: vec![Point { X: 1 }],
            Any: Some(Shape::Point(Point { X: 2 })),
            Shapes: vec![Shape::Point(Point { X: 3 })],
        })
        .unwrap();
    let mut out = Vec::new();
    for (name, bytes) in [
        ("synthetic_names", names_enc.into_inner()),
        ("synthetic_package", proto.into_inner()),
    ] {
        let path = dir.join(format!("{name}.gob"));
        if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            std::fs::write(&path, &bytes).unwrap();
        }
        out.push(path);
    }
    out
}
