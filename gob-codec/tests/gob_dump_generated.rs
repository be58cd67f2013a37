//! `gob-dump --rust`, proven by compiling what it prints: for every golden stream Go wrote (this
//! crate's `tests/golden` and boxpark-proto's contract messages; the streams that define a struct,
//! and the others too), the generated Rust goes into one
//! crate (a module per stream) under `CARGO_TARGET_TMPDIR`, which is built with the workspace's
//! `Cargo.lock` (offline, in a target directory of its own) and run. For each stream it
//! - decodes every value with the generated types, in the order the generated header lists them,
//!   and checks that the stream then ends;
//! - encodes them again with one `gob_codec::Encoder` whose first type id is the one the header
//!   gives, decodes those bytes back with the same types and checks the values are equal;
//! - compares the bytes with Go's: they must be equal, except for the streams in
//!   [`NOT_IDENTICAL`], which must differ (an exception that became identical is stale).
//!
//! The checks use the header's type list and first type id, so a wrong header fails too. Besides
//! the golden streams, a few synthetic ones (`gob_dump_generated/synthetic.rs`) cover what those
//! lack. What the output says for single streams is checked in `gob_dump_types.rs`.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gob_codec::{Decoder, WireKind};

const BIN: &str = env!("CARGO_BIN_EXE_gob-dump");

mod support;
use support::{gob_files, golden_dir};

/// Go's process had encoded other types first, which kept ids below and between the stream's own:
/// an encoder hands ids out without gaps from its first (the header says so for these streams).
const ID_GAPS: &str = "type ids with gaps";
/// A top-level `[]string` named "[]string" because Go's process met it as a field first: an
/// encoder names a top-level unnamed type "" (the header says so).
const CACHED_NAME: &str = "a cached field name at top level";
/// Streams whose typed re-encoding cannot be Go's bytes, and why. Each must still decode, and its
/// Rust bytes decode back to the same values; each must differ from Go's bytes, or the exception
/// is stale and the test fails.
///
/// golden.rs's hand-written mirrors have four such streams; `skip65_name_from_map` is not one here:
/// the generated type of a struct Go sent without a name is renamed to its type literal, which an
/// encoder does not name either.
const NOT_IDENTICAL: &[(&str, &str)] = &[
    ("skip65_shared_type", ID_GAPS),
    ("skip65_interface", ID_GAPS),
    ("skip65_long_lived", ID_GAPS),
    ("contract_rpc_run_call", ID_GAPS),
    ("contract_launch_output_skip65", ID_GAPS),
    ("contract_proxy_request_skip65", ID_GAPS),
    ("skip65_slice_name", CACHED_NAME),
];

/// One golden stream and what `gob-dump --rust` said about it.
struct Stream {
    module: String,
    path: PathBuf,
    source: String,
    /// The Rust type of each value, from the header's `let vN: T = dec.decode()?;` lines.
    values: Vec<String>,
    /// From the header's `EncoderOptions { first_type_id: N, .. }` line.
    first_id: Option<i32>,
}

/// True when the stream defines a struct type (the streams this test is about).
fn defines_struct(data: &[u8]) -> bool {
    let mut dec = Decoder::new(data);
    while dec.decode_value().is_ok() {}
    let types = dec.types();
    types.ids().iter().any(|&id| {
        matches!(
            types.get(id).map(|w| &w.kind),
            Some(WireKind::Struct { .. })
        )
    })
}

fn generate(path: &Path) -> Stream {
    let out = Command::new(BIN).arg("--rust").arg(path).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "gob-dump --rust {}: {:?} {}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let source = String::from_utf8(out.stdout).unwrap();
    let mut values = Vec::new();
    let mut first_id = None;
    for line in source.lines() {
        let Some(code) = line.strip_prefix("//     ") else {
            continue;
        };
        if let Some(rest) = code.strip_prefix(&format!("let v{}: ", values.len() + 1)) {
            let ty = rest.strip_suffix(" = dec.decode()?;").unwrap();
            values.push(ty.to_owned());
        }
        if let Some(rest) =
            code.strip_prefix("let opts = gob_codec::EncoderOptions { first_type_id: ")
        {
            first_id = Some(rest.split(',').next().unwrap().parse().unwrap());
        }
    }
    let stem = path.file_stem().unwrap().to_str().unwrap();
    Stream {
        module: stem.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        path: path.to_owned(),
        source,
        values,
        first_id,
    }
}

/// The check of one stream, in the generated crate: `Ok(None)` when the bytes are Go's,
/// `Ok(Some(how))` when they differ, `Err` when a value does not decode or come back equal.
fn check_fn(s: &Stream) -> String {
    let mut f = String::new();
    let m = &s.module;
    let _ = writeln!(
        f,
        "pub fn {m}() -> Result<Option<String>, String> {{\n    #[allow(unused_imports)]\n    use crate::{m}::*;\n    \
         const DATA: &[u8] = include_bytes!({:?});\n    \
         let mut dec = gob_codec::Decoder::new(DATA);",
        s.path.display().to_string()
    );
    for (k, t) in s.values.iter().enumerate() {
        let n = k + 1;
        let _ = writeln!(
            f,
            "    let v{n}: {t} = dec.decode().map_err(|e| format!(\"decoding value {n} as {{}}: {{e}}\", {t:?}))?;"
        );
    }
    let _ = writeln!(f, "    crate::end(&mut dec, {})?;", s.values.len());
    let opts = match s.first_id {
        Some(id) => {
            format!("gob_codec::EncoderOptions {{ first_type_id: {id}, ..Default::default() }}")
        }
        None => "gob_codec::EncoderOptions::default()".to_owned(),
    };
    let _ = writeln!(
        f,
        "    let mut enc = gob_codec::Encoder::with_options(Vec::new(), {opts});"
    );
    for k in 1..=s.values.len() {
        let _ = writeln!(
            f,
            "    enc.encode(&v{k}).map_err(|e| format!(\"encoding value {k}: {{e}}\"))?;"
        );
    }
    let _ = writeln!(
        f,
        "    let got = enc.into_inner();\n    let mut dec = gob_codec::Decoder::new(&got[..]);"
    );
    for (k, t) in s.values.iter().enumerate() {
        let n = k + 1;
        let _ = writeln!(
            f,
            "    let w{n}: {t} = dec.decode().map_err(|e| format!(\"decoding the Rust bytes' value {n}: {{e}}\"))?;\n    \
             crate::same({n}, &v{n}, &w{n})?;"
        );
    }
    let _ = writeln!(
        f,
        "    crate::end(&mut dec, {})?;\n    Ok(crate::diff(&got, DATA))\n}}",
        s.values.len()
    );
    f
}

const LIB_HELPERS: &str = r#"
/// The stream must end after `n` values.
pub fn end(dec: &mut gob_codec::Decoder<&[u8]>, n: usize) -> Result<(), String> {
    match dec.decode_value() {
        Err(e) if e.is_eof() => Ok(()),
        Err(e) => Err(format!("after {n} values: {e}")),
        Ok(v) => Err(format!("after {n} values: one more, {v:?}")),
    }
}

/// Equal values (by `Debug` too, for NaN).
pub fn same<T: PartialEq + std::fmt::Debug>(n: usize, a: &T, b: &T) -> Result<(), String> {
    if a == b || format!("{a:?}") == format!("{b:?}") {
        Ok(())
    } else {
        Err(format!("value {n} decoded from the Rust bytes differs:\n\t{b:?}\n\twant {a:?}"))
    }
}

/// Where the Rust bytes differ from Go's.
pub fn diff(got: &[u8], want: &[u8]) -> Option<String> {
    if got == want {
        return None;
    }
    let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
    let from = at.saturating_sub(8);
    let hex = |b: &[u8]| {
        b[from.min(b.len())..(at + 16).min(b.len())]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(format!(
        "bytes differ at offset {at} (Rust {} bytes, Go {}); from offset {from}: rust {} / go {}",
        got.len(),
        want.len(),
        hex(got),
        hex(want)
    ))
}
"#;

/// Writes `contents` unless the file already holds them, so that cargo sees nothing changed.
fn write_if_changed(path: &Path, contents: &str) -> bool {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return false;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
    true
}

/// Writes the crate; returns its directory.
fn write_crate(streams: &[Stream]) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gob-dump-generated");
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    write_if_changed(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"gob-dump-generated\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\ngob-codec = {{ path = {:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_bytes = \"0.11\"\n\n\
             [workspace]\n",
            manifest_dir.display().to_string()
        ),
    );
    // The workspace's versions of serde and serde_bytes, which are in the local registry.
    let lock = std::fs::read_to_string(manifest_dir.join("../Cargo.lock")).unwrap();
    if write_if_changed(&root.join("Cargo.lock.workspace"), &lock) {
        std::fs::write(root.join("Cargo.lock"), &lock).unwrap();
    }
    let mut lib = String::from(
        "//! Generated by gob-codec's tests/gob_dump_generated.rs: one module per golden stream.\n\
         #![deny(warnings)]\n\n",
    );
    let mut checks =
        String::from("pub const ALL: &[(&str, fn() -> Result<Option<String>, String>)] = &[\n");
    let mut fns = String::new();
    for s in streams {
        let _ = writeln!(lib, "pub mod {};", s.module);
        write_if_changed(&root.join(format!("src/{}.rs", s.module)), &s.source);
        let _ = writeln!(checks, "    ({:?}, {}),", s.module, s.module);
        fns.push_str(&check_fn(s));
        fns.push('\n');
    }
    checks.push_str("];\n");
    lib.push_str("pub mod checks;\n");
    lib.push_str(LIB_HELPERS);
    write_if_changed(&root.join("src/lib.rs"), &lib);
    write_if_changed(
        &root.join("src/checks.rs"),
        &format!("//! One check per stream.\n\n{checks}\n{fns}"),
    );
    write_if_changed(
        &root.join("src/main.rs"),
        "fn main() {\n    for (name, check) in gob_dump_generated::checks::ALL {\n        \
         match check() {\n            Ok(None) => println!(\"RESULT {name} identical\"),\n            \
         Ok(Some(how)) => println!(\"RESULT {name} differs {how}\"),\n            \
         Err(e) => println!(\"RESULT {name} error {}\", e.replace('\\n', \" \")),\n        }\n    }\n}\n",
    );
    root
}

/// Every golden stream (this crate's and boxpark-proto's), then the synthetic ones.
/// The streams Go wrote: this crate's golden ones and boxpark-proto's contract messages.
fn go_written() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = gob_files(&golden_dir());
    files.extend(gob_files(&dir.join("../boxpark-proto/tests/golden")));
    files
}

fn all_golden() -> Vec<PathBuf> {
    let mut files = go_written();
    files.extend(synthetic::write());
    files
}

#[path = "gob_dump_generated/synthetic.rs"]
mod synthetic;

#[test]
fn generated_rust_decodes_and_reencodes_every_golden_stream() {
    let start = Instant::now();
    let files = all_golden();
    let with_structs = files
        .iter()
        .filter(|p| defines_struct(&std::fs::read(p).unwrap()))
        .count();
    assert!(
        files.len() > 150 && with_structs > 100,
        "golden vectors missing: {} ({with_structs} with structs)",
        files.len()
    );
    let streams: Vec<Stream> = files.iter().map(|p| generate(p)).collect();
    let root = write_crate(&streams);

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gob-dump-generated-target");
    let out = Command::new(cargo)
        .args(["run", "--offline", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the generated crate ({}) failed: {:?}\n{}\n{stdout}",
        root.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let mut failed = Vec::new();
    let mut seen = Vec::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("RESULT ") else {
            continue;
        };
        let (name, rest) = rest.split_once(' ').unwrap();
        let (verdict, detail) = rest.split_once(' ').unwrap_or((rest, ""));
        seen.push(name.to_owned());
        let exception = NOT_IDENTICAL.iter().find(|(n, _)| *n == name);
        match (verdict, exception) {
            ("identical", None) => {}
            ("identical", Some((_, why))) => failed.push(format!(
                "{name}: marked not byte-identical ({why}) but it is: drop the exception"
            )),
            ("differs", Some(_)) => {}
            ("differs", None) => failed.push(format!("{name}: {detail}")),
            _ => failed.push(format!("{name}: {detail}")),
        }
    }
    let modules: Vec<&str> = streams.iter().map(|s| s.module.as_str()).collect();
    assert_eq!(seen, modules, "every stream must report");
    for (n, _) in NOT_IDENTICAL {
        assert!(modules.contains(n), "exception {n} is not a golden stream");
    }
    assert!(
        failed.is_empty(),
        "{} of {} streams failed (generated crate in {}):\n{}",
        failed.len(),
        streams.len(),
        root.display(),
        failed.join("\n")
    );
    eprintln!(
        "{} streams ({with_structs} defining structs) generated, built, decoded and re-encoded in {:.1?}",
        streams.len(),
        start.elapsed()
    );
}

/// Go-written streams that Go's encoder, given the values decoded into `gob-dump --go`'s types,
/// does not write again byte for byte, and why. Each must differ (or the exception is stale).
const GO_NOT_IDENTICAL: &[(&str, &str)] = &[
    ("skip65_ids_above_1100", ID_GAPS),
    ("skip65_ids_above_127", ID_GAPS),
    ("skip65_interface", ID_GAPS),
    ("skip65_long_lived", ID_GAPS),
    ("skip65_name_from_map", ID_GAPS),
    ("skip65_point", ID_GAPS),
    ("skip65_recursive", ID_GAPS),
    ("skip65_shared_type", ID_GAPS),
    ("skip65_slice_name", ID_GAPS),
    ("skip65_time", ID_GAPS),
    ("contract_launch_output_skip65", ID_GAPS),
    ("contract_log_skip65", ID_GAPS),
    ("contract_proxy_request_skip65", ID_GAPS),
    ("contract_rpc_listen_reply", ID_GAPS),
    ("contract_rpc_run_call", ID_GAPS),
    ("contract_rpc_run_reply", ID_GAPS),
    ("struct_anonymous_field", UNNAMED),
    ("contract_rpc_error_reply", UNNAMED),
    ("marshal_struct_fields_top", MARSHALER_FIELDS),
    ("marshal_struct_fields_field", MARSHALER_FIELDS),
    ("marshal_struct_fields_iface", MARSHALER_FIELDS),
    ("url_field", MARSHALER_FIELDS),
    ("iface_top_level", TOP_INTERFACE),
    ("iface_top_level_any_int", TOP_INTERFACE),
];
/// A struct type Go sent without a name gets a Go name, which goes on the wire.
const UNNAMED: &str = "an unnamed struct type named";
/// A marshaler is a `[]byte` type in Go's output: the definitions of its Go struct's field types,
/// which Go sent after it, are not sent again.
const MARSHALER_FIELDS: &str = "a marshaler's struct fields";
/// `Encode` is given the value an interface held, not the interface, which Go cannot encode as such
/// at top level without a pointer to it.
const TOP_INTERFACE: &str = "a top-level interface value";

/// `gob-dump --go` prints Go that `go vet` type-checks and `gofmt` leaves as it is, for every
/// golden stream (one package each). Go's own decoder reads each stream, value by value, into the
/// values its `StreamValues` gives, to the end; and Go's encoder writes those values again as the
/// bytes Go wrote, except for [`GO_NOT_IDENTICAL`] (the synthetic streams, which Go did not write,
/// are decoded only). Skipped without a Go toolchain.
#[test]
fn generated_go_type_checks_decodes_and_encodes_again() {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!("no Go toolchain: skipped");
        return;
    }
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gob-dump-generated-go");
    write_if_changed(&root.join("go.mod"), "module gobdumpgenerated\n\ngo 1.22\n");
    let go_written = go_written();
    let streams = all_golden();
    for (name, _) in GO_NOT_IDENTICAL {
        assert!(
            streams.iter().any(|p| p.file_stem().unwrap() == *name),
            "GO_NOT_IDENTICAL names {name}, which is not a golden stream"
        );
    }
    for path in streams {
        let out = Command::new(BIN).arg("--go").arg(&path).output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "gob-dump --go {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let stem = path.file_stem().unwrap().to_str().unwrap();
        write_if_changed(
            &root.join(stem).join("types.go"),
            &String::from_utf8(out.stdout).unwrap(),
        );
        let stream = path.canonicalize().unwrap();
        let same = if !go_written.contains(&path) {
            "0"
        } else if GO_NOT_IDENTICAL.iter().any(|(n, _)| *n == stem) {
            "-1"
        } else {
            "1"
        };
        write_if_changed(
            &root.join(stem).join("stream_test.go"),
            &GO_DECODE_TEST
                .replace("STREAM", &format!("{:?}", stream.display().to_string()))
                .replace("SAME", same),
        );
    }
    let go = |args: &[&str]| {
        let out = Command::new(args[0])
            .args(&args[1..])
            .current_dir(&root)
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-mod=mod")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, msg) = go(&["go", "vet", "./..."]);
    assert!(ok, "go vet in {}:\n{msg}", root.display());
    let (ok, msg) = go(&["gofmt", "-l", "."]);
    assert!(
        ok && msg.trim().is_empty(),
        "not gofmt-clean in {}:\n{msg}",
        root.display()
    );
    let (ok, msg) = go(&["go", "test", "./..."]);
    assert!(ok, "go test in {}:\n{msg}", root.display());
}

/// The Go test beside each generated package: `STREAM` is the golden stream's path, quoted;
/// `SAME` is 1 when Go's encoder must write the stream's bytes again, -1 when it must not, 0 when
/// the stream is not Go's.
const GO_DECODE_TEST: &str = r#"package main

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

func TestStreamDecodesAndEncodesAgain(t *testing.T) {
	want, err := os.ReadFile(STREAM)
	if err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(bytes.NewReader(want))
	values := StreamValues()
	for i, v := range values {
		if err := dec.Decode(v); err != nil {
			t.Fatalf("value %d, into %T: %v", i, v, err)
		}
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		t.Fatalf("after the values: %v", err)
	}
	var got bytes.Buffer
	enc := gob.NewEncoder(&got)
	for i, v := range values {
		if err := enc.Encode(reflect.ValueOf(v).Elem().Interface()); err != nil {
			t.Fatalf("encoding value %d again: %v", i, err)
		}
	}
	same := bytes.Equal(got.Bytes(), want)
	switch wantSame := SAME; {
	case wantSame == 1 && !same:
		t.Errorf("encoded again, %d bytes differ from Go's %d:\n% x\n% x", got.Len(), len(want), got.Bytes(), want)
	case wantSame == -1 && same:
		t.Errorf("encoded again as Go's bytes: a stale exception")
	}
}
"#;
