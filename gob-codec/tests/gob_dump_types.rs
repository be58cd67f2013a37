//! What `gob-dump --rust` and `--go` print for single golden streams: renames to Go names, enums
//! of registered names, `Box`, `Option`, marshalers, the header, the Go side, and bad input. That
//! the output compiles and round-trips every stream is `gob_dump_generated.rs`'s proof.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gob-dump");

mod support;
use support::{golden, Lcg};

/// `gob-dump <flag> <golden name>`'s output, which must succeed.
fn dump(flag: &str, name: &str) -> String {
    let out = Command::new(BIN)
        .arg(flag)
        .arg(golden(name))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{flag} {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[track_caller]
fn has(out: &str, want: &str) {
    assert!(out.contains(want), "want\n{want}\nin\n{out}");
}

#[test]
fn rust_renames_to_go_names() {
    // Go fields OldName and Count: snake_case Rust fields renamed to the Go names.
    let out = dump("--rust", "renamed_field");
    has(
        &out,
        "pub struct Renamed {\n    #[serde(rename = \"OldName\")]\n    pub old_name: String,\n    \
         #[serde(rename = \"Count\")]\n    pub count: i64,\n}",
    );
    // A field of an unnamed struct type: named after the field, renamed to Go's type literal.
    let out = dump("--rust", "struct_anonymous_field");
    has(&out, "    pub opt: AnonFieldOpt,");
    has(
        &out,
        "#[serde(rename = \"struct { A int; B string }\")]\npub struct AnonFieldOpt {",
    );
    // Point first seen as a map key has no name on the wire: nor must the encoder give it one.
    let out = dump("--rust", "skip65_name_from_map");
    has(
        &out,
        "#[serde(rename = \"struct { X int; Y int }\")]\npub struct Struct",
    );
    // Type strings give widths and pointers: `[4]uint8`, `[]*main.Tree`.
    has(&dump("--rust", "struct_arrays"), "    pub bytes: [u8; 4],");
    has(
        &dump("--rust", "recursive_tree"),
        "    pub children: Vec<Option<Tree>>,",
    );
}

#[test]
fn rust_interfaces_are_enums_of_registered_names() {
    // []any: one enum, every registered name the stream held, with its Rust type.
    let out = dump("--rust", "iface_slice_any");
    has(&out, "    pub items: Vec<Option<Any>>,");
    has(&out, "#[serde(rename = \"interface {}\")]\npub enum Any {");
    for v in [
        "#[serde(rename = \"int8\")]\n    Int8(i8),",
        "#[serde(rename = \"[]uint8\")]\n    Bytes(serde_bytes::ByteBuf),",
        "#[serde(rename = \"[]int\")]\n    IntSlice(Vec<i64>),",
        "#[serde(rename = \"main.Circle\")]\n    Circle(Circle),",
        "#[serde(rename = \"complex64\")]\n    Complex64(gob_codec::Complex64),",
    ] {
        has(&out, v);
    }
    // A field of type []main.Shape names the interface: an enum of its own, no nil seen.
    let out = dump("--rust", "iface_slice_shape");
    has(&out, "    pub list: Vec<Shape>,");
    has(&out, "pub enum Shape {");
    has(
        &out,
        "#[serde(rename = \"*main.Square\")]\n    Square(Square),",
    );
    // An interface holding a struct that holds an interface: boxed.
    has(
        &dump("--rust", "iface_nested"),
        "    pub member: Option<Box<Any>>,",
    );
}

#[test]
fn rust_pointers_recursion_and_marshalers() {
    has(
        &dump("--rust", "recursive_list"),
        "    pub next: Option<Box<Node>>,",
    );
    // A struct field a value left out was a nil pointer; a map field sent empty is not nil.
    has(
        &dump("--rust", "struct_embedded_ptr_nil"),
        "    pub base: Option<Base>,",
    );
    let out = dump("--rust", "struct_maps_nil_empty");
    has(
        &out,
        "    pub nil: std::collections::BTreeMap<String, i64>,",
    );
    has(
        &out,
        "    pub empty: Option<std::collections::BTreeMap<String, i64>>,",
    );
    let out = dump("--rust", "marshalers_in_struct");
    has(&out, "pub struct Celsius(pub Option<Vec<u8>>);");
    has(&out, "    const GO_TYPE: &'static str = \"main.Celsius\";");
    has(
        &out,
        "    const KIND: gob_codec::MarshalKind = gob_codec::MarshalKind::Binary;",
    );
    has(&out, "        self.0.is_none()");
    has(
        &dump("--rust", "struct_time_duration"),
        "    pub when: gob_codec::Time,",
    );
    // Go sent Secret's struct field types after it: declared for the encoder.
    has(
        &dump("--rust", "marshal_struct_fields_field"),
        "        f.field::<Person>();\n        f.field::<Vec<String>>();",
    );
    // *time.Time first: an Option where Go reached it.
    has(
        &dump("--rust", "time_pointer_first"),
        "    pub ptr: Option<Marshaler65>,\n    #[serde(rename = \"Val\")]\n    pub val: Marshaler65,",
    );
}

#[test]
fn rust_header_says_how_to_decode_and_encode() {
    let out = dump("--rust", "two_types");
    has(
        &out,
        "//     let mut dec = gob_codec::Decoder::new(reader);\n\
         //     let v1: Point = dec.decode()?;\n//     let v2: Person = dec.decode()?;",
    );
    has(&out, "first_type_id: 64,");
    // Go's process had encoded Team and Matrix first: Point is 72, as golden.rs has it.
    has(&dump("--rust", "skip65_point"), "first_type_id: 72,");
    assert!(!out.contains("Not byte for byte"));
    has(
        &dump("--rust", "skip65_interface"),
        "// Not byte for byte: the stream's type ids have gaps",
    );
    // No user type at all: the header only.
    let out = dump("--rust", "int_1");
    has(&out, "//     let v1: i64 = dec.decode()?;");
    assert!(!out.contains("pub struct"), "{out}");
}

#[test]
fn go_declarations() {
    let out = dump("--go", "iface_slice_shape");
    has(&out, "package main\n\nimport \"encoding/gob\"\n");
    has(&out, "type Shapes struct {\n\tList []Shape\n}");
    has(&out, "type Shape interface{}");
    has(
        &out,
        "func init() {\n\tgob.RegisterName(\"main.Circle\", Circle{})\n\
         \tgob.RegisterName(\"main.Rect\", Rect{})\n\
         \tgob.RegisterName(\"*main.Square\", new(Square))\n}",
    );
    has(
        &dump("--go", "recursive_list"),
        "type Node struct {\n\tValue int64\n\tNext  *Node\n}",
    );
    let out = dump("--go", "marshalers_in_struct");
    has(
        &out,
        "type Celsius []byte\n\nfunc (v Celsius) GobEncode() ([]byte, error) {",
    );
    has(&out, "func (v *Version) UnmarshalBinary(b []byte) error {");
    has(&dump("--go", "struct_arrays"), "\tBytes  [4]uint8\n");
    has(&dump("--go", "struct_time_duration"), "import \"time\"");
    has(
        &dump("--go", "iface_slice_any"),
        "\tgob.RegisterName(\"int8\", int8(0))\n",
    );
}

#[test]
fn types_from_stdin_and_bad_input() {
    let data = std::fs::read(golden("stream_several_types")).unwrap();
    for flag in ["--rust", "--go"] {
        let from_file = dump(flag, "stream_several_types");
        let mut child = Command::new(BIN)
            .arg(flag)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &data).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let got = String::from_utf8(out.stdout).unwrap();
        has(&got, "the gob stream read from standard input");
        // The same after the first lines, which name the input.
        assert_eq!(
            got.split_once("\n//\n").unwrap().1,
            from_file.split_once("\n//\n").unwrap().1
        );
        // A stream cut short: one line on stderr naming the byte, exit status 1, no output.
        for cut in [1, data.len() / 2, data.len() - 1] {
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cut{cut}.gob"));
            std::fs::write(&path, &data[..cut]).unwrap();
            let out = Command::new(BIN).arg(flag).arg(&path).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{flag} cut {cut}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(&format!("byte {cut}")), "{err}");
            assert!(out.stdout.is_empty());
        }
    }
    for args in [
        ["--rust", "--go"],
        ["--rust", "--json"],
        ["--go", "--reencode"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
}

/// The README's example is what `--rust` prints for its stream (after the header).
#[test]
fn readme_example_is_the_output() {
    let readme = include_str!("../README.md");
    let start = readme.find("```rust\n/// Go `main.Drawing`").unwrap() + "```rust\n".len();
    let end = start + readme[start..].find("\n// Go's 98 bytes").unwrap();
    let out = dump("--rust", "iface_field_value");
    let items = &out[out.find("\n/// ").unwrap() + 1..];
    assert_eq!(&readme[start..end], items);
}

/// A gob unsigned integer (`WIRE.md`, "Integers").
fn put_uint(buf: &mut Vec<u8>, u: u64) {
    if u < 128 {
        buf.push(u as u8);
    } else {
        let b = u.to_be_bytes();
        let skip = b.iter().take_while(|&&x| x == 0).count();
        buf.push((-((8 - skip) as i8)) as u8);
        buf.extend_from_slice(&b[skip..]);
    }
}

/// Definition messages for `defs`.
fn definitions(defs: &[(i32, gob_codec::WireType)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, wt) in defs {
        let mut body = Vec::new();
        put_uint(&mut body, (u64::from(id.unsigned_abs()) << 1) - 1);
        wt.encode(&mut body);
        put_uint(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
    }
    out
}

/// Hostile streams end cleanly: a struct whose field's type is a chain of 20000 nested unnamed
/// slice types, and golden streams with a byte flipped.
#[test]
fn types_of_hostile_streams_end_cleanly() {
    use gob_codec::{FieldDef, WireKind, WireType};
    let n = 20_000;
    let mut defs = vec![(
        64,
        WireType {
            name: "Deep".into(),
            id: 64,
            kind: WireKind::Struct {
                fields: vec![FieldDef {
                    name: "A".into(),
                    id: 65,
                }],
            },
        },
    )];
    for id in 65..65 + n {
        let elem = if id == 64 + n { 6 } else { id + 1 };
        defs.push((
            id,
            WireType {
                name: String::new(),
                id,
                kind: WireKind::Slice { elem },
            },
        ));
    }
    let mut stream = definitions(&defs);
    // Then a value: Deep{} (id 64, no field sent).
    stream.extend_from_slice(&[3, 0xff, 0x80, 0]);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("deep.gob");
    std::fs::write(&path, stream).unwrap();
    for (flag, want) in [
        ("--rust", "pub struct Deep {"),
        ("--go", "type Deep struct {"),
    ] {
        let out = Command::new(BIN).arg(flag).arg(&path).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{flag} deep: {:?} {err}", out.status);
        has(&String::from_utf8_lossy(&out.stdout), want);
    }

    let mut g = Lcg(7);
    for name in [
        "iface_nested",
        "marshal_struct_fields_field",
        "url_field",
        "recursive_mutual",
    ] {
        let base = std::fs::read(golden(name)).unwrap();
        for _ in 0..40 {
            let (i, d) = g.flip_one_byte(&base);
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("flipped.gob");
            std::fs::write(&path, &d).unwrap();
            for flag in ["--rust", "--go"] {
                let out = Command::new(BIN).arg(flag).arg(&path).output().unwrap();
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    matches!(out.status.code(), Some(0 | 1)) && !err.contains("panicked"),
                    "{flag} {name} flipped at {i}: {:?} {err}",
                    out.status
                );
            }
        }
    }
}
