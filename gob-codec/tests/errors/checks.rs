//! Checking errors, and what several topics read or run on.

use std::path::{Path, PathBuf};

use gob_codec::{Decoder, Error, ErrorKind, Value};

/// Every value of `data`, into `Value`s, until the first error (clean EOF included).
pub fn decode_values(data: &[u8]) -> (Vec<Value>, Error) {
    let mut dec = Decoder::new(data);
    let mut out = Vec::new();
    loop {
        match dec.decode_value() {
            Ok(v) => out.push(v),
            Err(e) => return (out, e),
        }
    }
}

#[track_caller]
pub fn assert_err(e: &Error, kind: fn(&ErrorKind) -> bool, offset: Option<u64>, text: &str) {
    assert!(kind(e.kind()), "wrong kind: {e} ({:?})", e.kind());
    if let Some(off) = offset {
        assert_eq!(e.offset(), Some(off), "offset of {e}");
    }
    assert!(
        e.to_string().contains(text),
        "message {e:?} does not contain {text:?}"
    );
}

pub fn is_eof(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Eof)
}
pub fn is_unexpected_eof(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::UnexpectedEof)
}
pub fn is_malformed(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Malformed(_))
}
pub fn is_limit(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Limit(_))
}
pub fn is_range(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::Range(_))
}
pub fn is_mismatch(k: &ErrorKind) -> bool {
    matches!(k, ErrorKind::TypeMismatch(_))
}

/// The same error from every entry point: `decode_value` and typed `decode` through a reader, and
/// typed `from_slice`.
#[track_caller]
pub fn assert_all_paths<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    data: &[u8],
    kind: fn(&ErrorKind) -> bool,
    offset: Option<u64>,
    text: &str,
) {
    let (_, e) = decode_values(data);
    assert_err(&e, kind, offset, text);
    let e = Decoder::new(data).decode::<T>().unwrap_err();
    assert_err(&e, kind, offset, text);
    let e = gob_codec::from_slice::<T>(data).unwrap_err();
    assert_err(&e, kind, offset, text);
}

pub fn golden_files() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("gob"))
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect();
    files.sort();
    assert!(
        files.len() > 100,
        "golden files missing from {}",
        dir.display()
    );
    files
}

/// Runs `f` on a thread with a 2 MiB stack (the usual size for spawned threads), so that unbounded
/// recursion shows up as a crash rather than passing on a big main-thread stack.
pub fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}
