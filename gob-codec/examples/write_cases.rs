//! Writes the Rust encoding of every gob golden case for Go to check:
//!
//! ```text
//! cargo run -p gob-codec --example write_cases -- OUTDIR
//! ```
//!
//! `OUTDIR/<case>.gob` is what one `gob_codec::Encoder` writes for the case's values (from
//! `tests/cases`: the gob cases, not the `contract_*` ones), in order.
//! `interop-go/cmd/gobvectors/fromrust_test.go` (`TestRustWrittenStreams`) decodes each with Go's
//! `encoding/gob` into the case's Go types and compares with the case's Go values; it also counts
//! the streams that are byte-identical to Go's golden vectors. The contract's Rust encoding is
//! boxpark-proto's `write_contract` example, which `interop-go/contract` checks.

#[path = "../tests/cases/mod.rs"]
mod cases;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: write_cases OUTDIR");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("write_cases: creating {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let mut failed = 0;
    let all = cases::cases();
    for case in &all {
        let written = case
            .encode()
            .map_err(|e| format!("encoding: {e}"))
            .and_then(|bytes| {
                let path = out.join(format!("{}.gob", case.name));
                std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
            });
        if let Err(e) = written {
            eprintln!("write_cases: case {}: {e}", case.name);
            failed += 1;
        }
    }
    if failed > 0 {
        eprintln!("write_cases: {failed} of {} cases failed", all.len());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
