//! The crate's one error type: what went wrong, where in the stream, and in which field.

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The underlying reader or writer failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The stream ended cleanly between two messages.
    #[error("EOF")]
    Eof,
    /// The stream ended inside a message or a value.
    #[error("unexpected EOF")]
    UnexpectedEof,
    /// The bytes are not valid gob.
    #[error("bad data: {0}")]
    Malformed(String),
    /// A value's wire type cannot be stored in the Rust type asked for.
    #[error("type mismatch: {0}")]
    TypeMismatch(String),
    /// An integer or float does not fit the Rust type asked for.
    #[error("value out of range: {0}")]
    Range(String),
    /// A configured limit (message size, nesting depth, count) was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// The value has a shape that gob cannot express.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A message from a serde `Serialize`/`Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
}

/// A gob encoding or decoding error, with the byte offset in the stream and the field path.
///
/// ```
/// use gob_codec::{Decoder, ErrorKind};
/// #[derive(serde::Serialize, serde::Deserialize, Debug)]
/// struct Point { X: i64, Y: i64 }
/// let bytes = gob_codec::to_vec(&Point { X: 1, Y: 2 }).unwrap();
///
/// // The end of a stream between two values is a clean EOF.
/// let mut dec = Decoder::new(&bytes[..]);
/// dec.decode::<Point>().unwrap();
/// assert!(dec.decode::<Point>().unwrap_err().is_eof());
///
/// // A stream cut short says where.
/// let e = gob_codec::from_slice::<Point>(&bytes[..bytes.len() - 1]).unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::UnexpectedEof));
/// assert!(e.offset().is_some());
///
/// // A field whose value does not fit says which field.
/// #[derive(serde::Deserialize, Debug)]
/// struct Small { X: i64, Y: bool }
/// let e = gob_codec::from_slice::<Small>(&bytes).unwrap_err();
/// assert_eq!(e.field_path(), "Y");
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    offset: Option<u64>,
    path: Vec<String>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    #[cold]
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            offset: None,
            path: Vec::new(),
        }))
    }

    #[cold]
    pub(crate) fn malformed(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed(msg.into()))
    }

    #[cold]
    pub(crate) fn mismatch(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::TypeMismatch(msg.into()))
    }

    #[cold]
    pub(crate) fn range(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Range(msg.into()))
    }

    #[cold]
    pub(crate) fn limit(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit(msg.into()))
    }

    #[cold]
    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported(msg.into()))
    }

    /// Sets the byte offset unless a more precise (inner) one is already known.
    pub(crate) fn at(mut self, offset: u64) -> Self {
        if self.0.offset.is_none() {
            self.0.offset = Some(offset);
        }
        self
    }

    /// Adds an enclosing field name; called from the innermost field outwards.
    pub(crate) fn in_field(mut self, name: &str) -> Self {
        self.0.path.push(name.to_owned());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Byte offset in the stream where the problem was found, when known.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// Dotted path of struct fields leading to the problem (`"Outer.Inner"`), empty at top level.
    pub fn field_path(&self) -> String {
        let mut parts: Vec<&str> = self.0.path.iter().map(String::as_str).collect();
        parts.reverse();
        parts.join(".")
    }

    /// True when the stream ended cleanly before a new message.
    pub fn is_eof(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Eof)
    }
}

impl fmt::Display for Error {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gob: {}", self.0.kind)?;
        if !self.0.path.is_empty() {
            write!(f, " (field {})", self.field_path())?;
        }
        if let Some(off) = self.0.offset {
            write!(f, " at byte {off}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return Error::new(ErrorKind::UnexpectedEof);
        }
        Error::new(ErrorKind::Io(e))
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom(msg.to_string()))
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom(msg.to_string()))
    }
}
