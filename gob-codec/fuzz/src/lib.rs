//! The fuzz targets' bodies, shared by the libFuzzer entry points (`cargo fuzz run TARGET`, with
//! `--cfg fuzzing`) and by the plain replay binaries that the same targets build into on stable
//! (`cargo run --release --bin TARGET -- [FILE_OR_DIR...]`).

#![allow(non_snake_case)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gob_codec::{Complex, Decoder, Time, ValueEncoder};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

/// Decodes `data` into `Value`s until the first error; every decoded value is re-encoded with the
/// decoder's definitions, and the re-encoded stream must decode to the same values.
pub fn decode_value(data: &[u8]) {
    let mut dec = Decoder::new(data);
    let mut values = Vec::new();
    while let Ok(v) = dec.decode_value() {
        values.push(v);
    }
    if values.is_empty() {
        return;
    }
    let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
    for v in &values {
        // A stream may use definitions that cannot be sent again (one that refers to an id that was
        // never defined, under an empty value): then there is nothing to compare.
        if enc.encode(v).is_err() {
            return;
        }
    }
    let again = enc.into_inner();
    let mut dec = Decoder::new(&again[..]);
    for (i, v) in values.iter().enumerate() {
        match dec.decode_value() {
            // Debug output compares floats by value and keeps NaN and -0.0 apart, unlike `==`.
            Ok(w) => assert_eq!(
                format!("{w:?}"),
                format!("{v:?}"),
                "value {i} changed in re-encoding"
            ),
            Err(e) => panic!("re-encoded value {i} does not decode: {e}\n{v:?}"),
        }
    }
    assert!(
        dec.decode_value().is_err_and(|e| e.is_eof()),
        "extra data after re-encoding"
    );
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Scalars {
    pub Bool: bool,
    pub Int: i64,
    pub Int8: i8,
    pub Int16: i16,
    pub Int32: i32,
    pub Uint: u64,
    pub Uint8: u8,
    pub Uint16: u16,
    pub Uint32: u32,
    pub Float32: f32,
    pub Float64: f64,
    pub Complex128: Complex,
    pub String: String,
    pub Bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Node {
    pub Value: i64,
    pub Next: Option<Box<Node>>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Tree {
    pub Name: String,
    pub Children: Vec<Option<Box<Tree>>>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Point {
    pub X: i64,
    pub Y: i64,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Circle {
    pub Radius: f64,
}

/// An interface with a few registered concrete types.
#[derive(Serialize, Deserialize, Debug)]
pub enum Any {
    #[serde(rename = "int")]
    Int(i64),
    #[serde(rename = "string")]
    Str(String),
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "[]int")]
    Ints(Vec<i64>),
    #[serde(rename = "time.Time")]
    Time(Time),
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Holder {
    pub Name: String,
    pub Value: Option<Any>,
    pub Shape: Option<Any>,
    pub Items: Vec<Any>,
    pub M: HashMap<String, Any>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Collections {
    pub Ints: Vec<i64>,
    pub Strs: Vec<String>,
    pub Nested: Vec<Vec<i32>>,
    pub Arr: [i16; 3],
    pub M: BTreeMap<String, i64>,
    pub ByInt: HashMap<i64, String>,
    pub Points: Vec<Point>,
    pub Ptr: Option<Box<Point>>,
    pub Opt: Option<u32>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Event {
    pub Name: String,
    pub When: Time,
    pub Took: i64,
    pub Attrs: HashMap<String, String>,
}

/// Every value of `data` as `T`, until the first error; what decodes must encode without panicking.
fn typed<T: DeserializeOwned + Serialize>(data: &[u8]) {
    let mut dec = Decoder::new(data);
    while let Ok(v) = dec.decode::<T>() {
        let _ = gob_codec::to_vec(&v);
    }
    let _ = gob_codec::from_slice::<T>(data);
}

/// Decodes `data` into several typed destinations; none may panic.
pub fn decode_typed(data: &[u8]) {
    typed::<Scalars>(data);
    typed::<Node>(data);
    typed::<Tree>(data);
    typed::<Holder>(data);
    typed::<Collections>(data);
    typed::<Event>(data);
    typed::<Vec<String>>(data);
    typed::<HashMap<String, i64>>(data);
    typed::<[i64; 3]>(data);
    typed::<Option<Any>>(data);
    typed::<Time>(data);
    typed::<String>(data);
    typed::<Vec<u8>>(data);
    let mut dec = Decoder::new(data);
    while dec.decode::<IgnoredAny>().is_ok() {}
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for e in entries {
            collect(&e, out)?;
        }
    } else if path.file_name().is_some_and(|n| n != ".keep") {
        out.push(path.to_owned());
    }
    Ok(())
}

/// The `main` of a target built without libFuzzer: runs `target` on every file named on the command
/// line (directories are walked), or by default on `corpus/<name>` and the Go-written golden
/// streams: gob-codec's (`tests/golden`) and the contract's (`boxpark-proto/tests/golden`, more gob
/// from Go, when the workspace has it); gob-codec's must exist. Replaying nothing is a failure.
pub fn replay_main(name: &str, target: fn(&[u8])) -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let roots = if args.is_empty() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let golden = here.join("../tests/golden");
        if !golden.is_dir() {
            eprintln!("{name}: no golden streams at {}", golden.display());
            return ExitCode::FAILURE;
        }
        vec![
            here.join("corpus").join(name),
            golden,
            here.join("../../boxpark-proto/tests/golden"),
        ]
    } else {
        args
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.exists() {
            if let Err(e) = collect(root, &mut files) {
                eprintln!("{name}: {}: {e}", root.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let mut failed = 0;
    for f in &files {
        let data = match std::fs::read(f) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{name}: {}: {e}", f.display());
                return ExitCode::FAILURE;
            }
        };
        if std::panic::catch_unwind(|| target(&data)).is_err() {
            eprintln!("{name}: PANIC on {}", f.display());
            failed += 1;
        }
    }
    println!("{name}: replayed {} inputs, {failed} failed", files.len());
    if files.is_empty() {
        eprintln!("{name}: no inputs");
        return ExitCode::FAILURE;
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
