//! The `gob-dump` binary over the Go-written golden vectors: `--reencode` gives back the input bytes,
//! `--json` gives what the Go values are (expectations written from interop-go's cases.go), and bad
//! input ends with one error line naming the byte offset and exit status 1.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gob-dump");

mod support;
use support::{gob_files, golden, golden_dir, Lcg};

fn golden_files() -> Vec<PathBuf> {
    let files = gob_files(&golden_dir());
    assert!(files.len() > 100, "golden vectors missing");
    files
}

fn run_file(args: &[&str], file: &Path) -> Output {
    Command::new(BIN).args(args).arg(file).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The tool may stop reading early on bad input; a broken pipe here is fine.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn ok_stdout(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: status {:?}, stderr {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reencode_reproduces_every_golden_file() {
    let mut bad = Vec::new();
    for f in golden_files() {
        let out = run_file(&["--reencode"], &f);
        let input = std::fs::read(&f).unwrap();
        if !out.status.success() || out.stdout != input {
            bad.push(format!(
                "{}: status {:?}, {} bytes out of {}, {}",
                f.display(),
                out.status,
                out.stdout.len(),
                input.len(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Number of values in a stream, by the library's decoder.
fn value_count(data: &[u8]) -> usize {
    let mut dec = gob_codec::Decoder::new(data);
    let mut n = 0;
    loop {
        match dec.decode_value() {
            Ok(_) => n += 1,
            Err(e) if e.is_eof() => return n,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn json_is_one_document_per_value_for_every_golden_file() {
    for f in golden_files() {
        let what = f.display().to_string();
        let stdout = ok_stdout(run_file(&["--json"], &f), &what);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            value_count(&std::fs::read(&f).unwrap()),
            "{what}"
        );
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{what}: {e}: {line}"));
        }
    }
}

#[test]
fn text_dump_works_for_every_golden_file() {
    for f in golden_files() {
        let what = f.display().to_string();
        let stdout = ok_stdout(run_file(&[], &f), &what);
        assert!(!stdout.is_empty(), "{what}");
    }
}

fn json_of(name: &str) -> Vec<serde_json::Value> {
    let stdout = ok_stdout(run_file(&["--json"], &golden(name)), name);
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn expect(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Expected documents, written from the Go values in interop-go/cmd/gobvectors/cases.go (gob sends
/// only non-zero struct fields, so only those appear).
#[test]
fn json_matches_the_go_values() {
    // Scalars{Bool: true, Int: -1, ..., Float64: math.Pi, Complex64: complex(1, -1),
    // Complex128: complex(-0.5, 1e10), String: "str", Bytes: []byte("raw")}
    let scalars = r#"
{"Bool": true, "Int": -1, "Int8": -8, "Int16": -16, "Int32": -32, "Int64": -9223372036854775808, "Uint": 1, "Uint8": 255, "Uint16": 65535, "Uint32": 4294967295, "Uint64": 18446744073709551615, "Uintptr": 57005, "Float32": -1.25, "Float64": 3.141592653589793, "Complex64": {"real": 1.0, "imag": -1.0}, "Complex128": {"real": -0.5, "imag": 1e10}, "String": "str", "Bytes": "cmF3"}
"#;
    assert_eq!(json_of("struct_scalars"), expect(scalars));

    // Bag{Items: []any{1, "two", 3.5, true, int8(-8), uint16(16), []byte("b"), []int{1, 2},
    // []string{"s"}, nil, Circle{1}, Point{1, 2}, complex64(1i)}}; Go registers the basic types
    // under their Go spelling ("[]uint8" for []byte).
    let bag = r#"
{"Items": [
  {"type": "int", "value": 1},
  {"type": "string", "value": "two"},
  {"type": "float64", "value": 3.5},
  {"type": "bool", "value": true},
  {"type": "int8", "value": -8},
  {"type": "uint16", "value": 16},
  {"type": "[]uint8", "value": "Yg=="},
  {"type": "[]int", "value": [1, 2]},
  {"type": "[]string", "value": ["s"]},
  null,
  {"type": "main.Circle", "value": {"Radius": 1.0}},
  {"type": "main.Point", "value": {"X": 1, "Y": 2}},
  {"type": "complex64", "value": {"real": 0.0, "imag": 1.0}}
]}
"#;
    assert_eq!(json_of("iface_slice_any"), expect(&bag.replace('\n', " ")));

    // Maps{One: {"one": 1}, ByInt: {2: "two"}, Structs: {"p": {3, 4}}, Slices: {"k": {"v1", "v2"}}};
    // Nil and Empty are nil maps, not sent.
    let maps = r#"
{"One": {"one": 1}, "ByInt": [[2, "two"]], "Structs": {"p": {"X": 3, "Y": 4}}, "Slices": {"k": ["v1", "v2"]}}
"#;
    assert_eq!(json_of("struct_maps"), expect(maps));

    // Three values: []byte("one"), []byte{}, []byte("three").
    let bytes = r#"
"b25l"
""
"dGhyZWU="
"#;
    assert_eq!(json_of("bytes_stream"), expect(bytes));

    // Holder{Value: Group{Label: "g", Member: Circle{3}}}.
    let nested = r#"
{"Value": {"type": "main.Group", "value": {"Label": "g", "Member": {"type": "main.Circle", "value": {"Radius": 3.0}}}}}
"#;
    assert_eq!(json_of("iface_nested"), expect(nested));

    // Record{When: 2024-03-01 15:00:45.123456789 +02:30, Level: 8, Text: "disk full",
    // Labels: {"dev": "/dev/vdb"}}: time.Time as Go's encoding/json writes it.
    let record = r#"
{"When": "2024-03-01T15:00:45.123456789+02:30", "Level": 8, "Text": "disk full", "Labels": {"dev": "/dev/vdb"}}
"#;
    assert_eq!(json_of("struct_time_map"), expect(record));

    // Floats JSON has no number for.
    assert_eq!(json_of("float64_nan"), expect(r#""NaN""#));
    assert_eq!(json_of("float64_neg_inf"), expect(r#""-Inf""#));
    // map[Point]string{{1, 2}: "p"}: not string keys, so [key, value] pairs.
    assert_eq!(
        json_of("map_struct_key_top"),
        expect(r#"[[{"X": 1, "Y": 2}, "p"]]"#)
    );
}

#[test]
fn text_shows_definitions_as_they_arrive() {
    // Point{1, 2} then Person{Name: "p", Age: 3}: Person's definition comes after the first value.
    let want = "\
type 64 = struct Point { X int; Y int }
Point{X: 1, Y: 2}
type 65 = struct Person { Name string; Age int; Email string }
Person{Name: \"p\", Age: 3}
";
    assert_eq!(
        ok_stdout(run_file(&[], &golden("two_types")), "two_types"),
        want
    );

    // Drawing{Name: "sq", Shape: &Square{Side: 2}}: the interface value shows its registered name.
    let want = "\
type 64 = struct Drawing { Name string; Shape interface }
type 65 = struct Square { Side float }
Drawing{
    Name: \"sq\",
    Shape: *main.Square{Side: 2.0},
}
";
    let got = ok_stdout(
        run_file(&[], &golden("iface_pointer_registered")),
        "iface_pointer_registered",
    );
    assert_eq!(got, want);

    // Reading's marshaled fields: Celsius{-5} as GobEncoder bytes "-5C", Version{2, 0} as 02 00.
    let got = ok_stdout(
        run_file(&[], &golden("marshalers_in_struct")),
        "marshalers_in_struct",
    );
    assert!(got.contains("Temp: Celsius(GobEncoder 0x2d3543),"), "{got}");
    assert!(
        got.contains("Ver: Version(BinaryMarshaler 0x0200),"),
        "{got}"
    );
    assert!(got.contains("type 65 = GobEncoder Celsius\n"), "{got}");
    // A top-level *time.Time: Go sends its definition unnamed.
    let got = ok_stdout(
        run_file(&[], &golden("time_pointer_top")),
        "time_pointer_top",
    );
    assert!(got.starts_with("type 64 = GobEncoder\n"), "{got}");
}

#[test]
fn stdin_is_read_without_a_file() {
    let f = golden("stream_several_types");
    let data = std::fs::read(&f).unwrap();
    for args in [&["--json"][..], &[][..]] {
        let from_file = ok_stdout(run_file(args, &f), "file");
        assert_eq!(ok_stdout(run_stdin(args, &data), "stdin"), from_file);
        let mut dash = args.to_vec();
        dash.push("-");
        assert_eq!(ok_stdout(run_stdin(&dash, &data), "-"), from_file);
    }
    let out = run_stdin(&["--reencode"], &data);
    assert!(out.status.success());
    assert_eq!(out.stdout, data);
}

fn assert_fails_cleanly(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: {err}");
    assert!(err.ends_with('\n'), "{what}: {err}");
    assert!(err.contains("byte"), "{what}: {err}");
}

#[test]
fn truncated_input_fails_with_one_line_naming_the_byte() {
    for name in [
        "iface_types_mid_stream",
        "struct_scalars",
        "header_body_pairs",
        "time_utc",
        "recursive_tree",
    ] {
        let data = std::fs::read(golden(name)).unwrap();
        for cut in [1, 2, data.len() / 3, data.len() / 2, data.len() - 1] {
            for args in [&[][..], &["--json"][..], &["--reencode"][..]] {
                let out = run_stdin(args, &data[..cut]);
                let what = format!("{name} cut at {cut} {args:?}");
                assert_fails_cleanly(&out, &what);
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains(&format!("byte {cut}")), "{what}: {err}");
                if args == ["--reencode"] {
                    assert!(out.stdout.is_empty(), "{what}: partial output");
                }
            }
        }
    }
}

#[test]
fn garbage_input_fails_with_one_line_naming_the_byte() {
    let mut inputs: Vec<(&str, Vec<u8>)> = vec![
        ("text", b"hello, this is not gob at all\n".to_vec()),
        ("length 0", vec![0x00]),
        ("length prefix too long", vec![0xf0, 1, 2, 3]),
        (
            "huge length",
            vec![0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2],
        ),
        ("unknown type id", vec![0x03, 0xff, 0x80, 0x00]),
        ("redefined builtin", vec![0x03, 0x03, 0x02, 0x00]),
    ];
    // Bytes flipped inside a valid stream.
    let base = std::fs::read(golden("struct_nested")).unwrap();
    let mut g = Lcg(12345);
    for _ in 0..20 {
        inputs.push(("flipped", g.flip_one_byte(&base).1));
    }
    for (what, data) in &inputs {
        for args in [&[][..], &["--json"][..], &["--reencode"][..]] {
            let out = run_stdin(args, data);
            // A flipped byte may still leave a valid stream.
            if *what == "flipped" && out.status.success() {
                continue;
            }
            assert_fails_cleanly(&out, &format!("{what} {args:?} {data:02x?}"));
        }
    }
}

#[test]
fn options_conflict_and_missing_file() {
    let out = Command::new(BIN)
        .args(["--json", "--reencode"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(BIN)
        .arg("/nonexistent/file.gob")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

/// `--json` keeps what JSON cannot hold as Go's `encoding/json` would write it: a string that is
/// not UTF-8 comes as its bytes, a year outside 0000-9999 in ISO 8601's expanded form.
#[test]
fn json_is_lossless_where_go_json_is_not() {
    use gob_codec::{Time, TypeTable, Value, ValueEncoder};
    // A string needs no definition: its message can go in front of another stream.
    let mut enc = ValueEncoder::new(Vec::new(), TypeTable::new());
    enc.encode(&Value::RawString(b"a\xffb".to_vec())).unwrap();
    let mut typed = gob_codec::Encoder::new(enc.into_inner());
    for year in [-1, 10000, 0, 2024] {
        typed
            .encode(&Time::from_date(year, 1, 2, 3, 4, 5, 0, None))
            .unwrap();
    }
    let out = ok_stdout(run_stdin(&["--json"], &typed.into_inner()), "lossless json");
    let docs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        docs,
        expect(
            r#"
{"$string_bytes": "Yf9i"}
"-0001-01-02T03:04:05Z"
"+10000-01-02T03:04:05Z"
"0000-01-02T03:04:05Z"
"2024-01-02T03:04:05Z"
"#
        )
    );
    // Go wrote these: Blob{Name: "n", Raw: "\xfe\xff", Tags: {"ok", "\x80"},
    // Index: {"\xc3": 1}}; a map whose key is not UTF-8 is [key, value] pairs.
    assert_eq!(
        json_of("struct_strings_not_utf8"),
        expect(
            r#"{"Name": "n", "Raw": {"$string_bytes": "/v8="}, "Tags": ["ok", {"$string_bytes": "gA=="}], "Index": [[{"$string_bytes": "ww=="}, 1]]}"#
        )
    );
}
