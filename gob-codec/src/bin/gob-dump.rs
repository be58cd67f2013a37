//! `gob-dump`: shows what a Go `encoding/gob` stream holds, and gives typed access to it.
//!
//! ```text
//! gob-dump [--json | --reencode | --rust | --go] [FILE]
//! ```
//!
//! Without options it prints each type definition as it arrives and each value in a Go-like syntax.
//! `--json` prints one JSON document per value (one per line). `--reencode` decodes the whole stream
//! and writes it again as gob, which gives back the same bytes for a stream Go wrote.
//!
//! `--rust` prints Rust source with a type for every type the stream defines, for gob-codec and
//! serde: structs with snake_case fields renamed to the Go names, newtypes for Go named types,
//! enums of the registered names for interfaces, `gob_codec::Time`, `gob_codec::Complex`, and
//! newtypes over the bytes for other marshalers (the mapping is in `gob-dump/rust.rs`). A header
//! comment lists the stream's values in order and how to decode them, and to encode them again,
//! which gives back Go's bytes unless the header says why not. `--go` prints Go declarations
//! (package main) that give the same definitions, lossy where the wire is (`gob-dump/go.rs`).
//! Both read the whole stream first: the values tell what definitions do not (a struct field left
//! out was a nil pointer; which concrete types an interface held).
//!
//! Reads standard input when no FILE (or `-`) is given. Bad input ends with a one-line error
//! naming the byte offset and exit status 1.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gob_codec::{Decoder, ErrorKind, Value, ValueEncoder};

#[path = "gob-dump/go.rs"]
mod go;
#[path = "gob-dump/gotype.rs"]
mod gotype;
#[path = "gob-dump/json.rs"]
mod json;
#[path = "gob-dump/model.rs"]
mod model;
#[path = "gob-dump/naming.rs"]
mod naming;
#[path = "gob-dump/plan.rs"]
mod plan;
#[path = "gob-dump/rust.rs"]
mod rust;
#[path = "gob-dump/rust_derive.rs"]
mod rust_derive;
#[path = "gob-dump/rust_helpers.rs"]
mod rust_helpers;
#[path = "gob-dump/text.rs"]
mod text;

#[derive(Parser)]
#[command(
    name = "gob-dump",
    version,
    about = "Print or re-encode a Go encoding/gob stream, or print Rust or Go types for it"
)]
struct Args {
    /// Print one JSON document per value, one per line.
    #[arg(long, conflicts_with_all = ["reencode", "rust", "go"])]
    json: bool,
    /// Decode the whole stream, then write it again as gob on standard output.
    #[arg(long, conflicts_with_all = ["rust", "go"])]
    reencode: bool,
    /// Print Rust types (for gob-codec and serde) for every type the stream defines.
    #[arg(long, conflicts_with = "go")]
    rust: bool,
    /// Print Go type declarations that give the stream's type definitions.
    #[arg(long)]
    go: bool,
    /// The gob stream; standard input when absent or `-`.
    file: Option<PathBuf>,
}

/// Why the run stopped early.
enum Failure {
    /// The input could not be read or decoded: said on stderr, exit status 1.
    Input(String),
    /// Writing the output failed.
    Output(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`gob-dump x.gob | head`): nothing more to say.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => fail(&format!("writing output: {e}")),
        Err(Failure::Input(msg)) => fail(&msg),
    }
}

fn fail(msg: &str) -> ExitCode {
    // One line, whatever the message holds.
    let line = msg.replace(['\n', '\r'], " ");
    eprintln!("gob-dump: {line}");
    ExitCode::FAILURE
}

fn run(args: &Args) -> Result<(), Failure> {
    let input: Box<dyn Read> = match &args.file {
        Some(p) if p.as_os_str() != "-" => {
            Box::new(File::open(p).map_err(|e| Failure::Input(format!("{}: {e}", p.display())))?)
        }
        _ => Box::new(io::stdin().lock()),
    };
    // Nothing else reads the input, so buffering it is fine.
    let mut dec = Decoder::new(BufReader::new(input));
    let mut out = BufWriter::new(io::stdout().lock());
    let source = match &args.file {
        Some(p) if p.as_os_str() != "-" => format!(
            "`{}`",
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        _ => "read from standard input".to_owned(),
    };
    let r = if args.reencode {
        reencode(&mut dec, &mut out)
    } else if args.rust || args.go {
        types(&mut dec, &mut out, args.rust, &source)
    } else {
        dump(&mut dec, &mut out, args.json)
    };
    out.flush()?;
    r
}

/// The next value, `None` at a clean end of the stream.
fn next<R: Read>(dec: &mut Decoder<R>) -> Result<Option<Value>, Failure> {
    match dec.decode_value() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_eof() => Ok(None),
        Err(e) => Err(match e.kind() {
            ErrorKind::Io(io) if io.kind() != io::ErrorKind::UnexpectedEof => {
                Failure::Input(format!("reading input: {io} at byte {}", dec.offset()))
            }
            _ if e.offset().is_none() => Failure::Input(format!("{e} at byte {}", dec.offset())),
            _ => Failure::Input(e.to_string()),
        }),
    }
}

fn dump<R: Read, W: Write>(
    dec: &mut Decoder<R>,
    out: &mut W,
    as_json: bool,
) -> Result<(), Failure> {
    let mut shown = 0;
    loop {
        let v = next(dec);
        if !as_json {
            // Definitions that came with (or in front of) this value, even if it then failed.
            let types = dec.types();
            for &id in &types.ids()[shown..] {
                writeln!(out, "{}", text::type_def(types, id))?;
            }
            shown = types.ids().len();
        }
        let Some(v) = v? else {
            return Ok(());
        };
        if as_json {
            serde_json::to_writer(&mut *out, &json::Json::new(dec.types(), &v))
                .map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", text::value(dec.types(), &v))?;
        }
    }
}

/// `--rust` and `--go`: the whole stream first, since later values tell what earlier ones could not
/// (a field left out, another registered name).
fn types<R: Read, W: Write>(
    dec: &mut Decoder<R>,
    out: &mut W,
    rust: bool,
    source: &str,
) -> Result<(), Failure> {
    let mut values = Vec::new();
    while let Some(v) = next(dec)? {
        values.push(v);
    }
    let model = model::Model::new(dec.types(), &values);
    let plan = plan::Plan::new(&model);
    let text = if rust {
        rust::generate(&plan, source)
    } else {
        go::generate(&plan, source)
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

fn reencode<R: Read, W: Write>(dec: &mut Decoder<R>, out: &mut W) -> Result<(), Failure> {
    // All of it first: a stream that fails to decode gives no output.
    let mut values = Vec::new();
    while let Some(v) = next(dec)? {
        values.push(v);
    }
    let mut enc = ValueEncoder::new(out, dec.types().clone());
    for v in &values {
        enc.encode(v).map_err(|e| match e.kind() {
            ErrorKind::Io(io) => Failure::Output(io::Error::new(io.kind(), io.to_string())),
            _ => Failure::Input(format!("re-encoding: {e}")),
        })?;
    }
    Ok(())
}
