//! Async reading and writing of gob values over tokio's `AsyncRead`/`AsyncWrite`: thin adapters over
//! the synchronous decoder and encoder.
//!
//! [`AsyncDecoder`] reads exactly the bytes of one value and nothing after them (length prefixes byte
//! by byte, then exactly the message bodies), so a connection that goes on with raw bytes after a gob
//! request can be handed on with [`AsyncDecoder::into_inner`]. Over an `AsyncBufRead` (a tokio
//! `BufReader`), [`AsyncDecoder::decode_buffered`] decodes a value that is whole in the reader's
//! buffer where it is, and still consumes only its bytes.
//!
//! ```
//! use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
//! use tokio::io::AsyncReadExt;
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct ProxyRequest { Network: String, Address: String }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut enc = AsyncEncoder::new(Vec::new());
//! enc.encode(&ProxyRequest { Network: "tcp".into(), Address: "127.0.0.1:80".into() }).await.unwrap();
//! let mut conn = enc.into_inner();
//! conn.extend_from_slice(b"GET / HTTP/1.0\r\n\r\n");
//!
//! let mut dec = AsyncDecoder::new(&conn[..]);
//! let req: ProxyRequest = dec.decode().await.unwrap();
//! assert_eq!(req.Address, "127.0.0.1:80");
//! let mut rest = Vec::new();
//! dec.into_inner().read_to_end(&mut rest).await.unwrap();
//! assert_eq!(rest, b"GET / HTTP/1.0\r\n\r\n");
//! # });
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};

use crate::de::{decode_root, decode_root_into};
use crate::error::{Error, ErrorKind, Result};
use crate::ser::{Encoder, EncoderOptions};
use crate::stream::buffered::{Step, StreamState};
use crate::stream::{Input, Limits};
use crate::types::{TypeId, TypeTable};
use crate::value::Value;

/// Largest single read; a message body is read in pieces of at most this size.
const READ_CHUNK: usize = 64 << 10;

/// Reads a stream of gob values from an `AsyncRead`, keeping the stream's type definitions, as Go's
/// `gob.Decoder`. It never reads past the end of the value being decoded.
///
/// `decode` and `decode_value` are cancel safe: the bytes read before the future was dropped are kept
/// and the next call goes on from them.
pub struct AsyncDecoder<R> {
    r: R,
    state: StreamState,
    /// Bytes of the value being read: whole messages, then part of the next one.
    pending: Vec<u8>,
}

impl<R: AsyncRead + Unpin> AsyncDecoder<R> {
    /// A decoder with default limits.
    pub fn new(r: R) -> Self {
        Self::with_limits(r, Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(r: R, limits: Limits) -> Self {
        AsyncDecoder {
            r,
            state: StreamState::new(limits),
            pending: Vec::new(),
        }
    }

    /// Decodes the next value. At a clean end of stream the error's [`Error::is_eof`] is true.
    ///
    /// A value that arrives whole but does not decode (a type mismatch, bad data inside it) is
    /// skipped, as Go's `gob.Decoder` does: the definitions in front of it are kept and the next call
    /// reads the value after it.
    pub async fn decode<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.next(decode_root::<T>).await
    }

    /// Decodes the next value into a dynamic [`Value`].
    pub async fn decode_value(&mut self) -> Result<Value> {
        self.next(crate::value::de::decode).await
    }

    /// Decodes the next value into `place`, reusing its strings and vectors, as
    /// [`crate::Decoder::decode_into`] does (and skipping a value that does not decode, as
    /// [`AsyncDecoder::decode`] does). If the call fails or is cancelled, `place` may hold part of
    /// a value.
    pub async fn decode_into<T>(&mut self, place: &mut T) -> Result<()>
    where
        T: for<'de> Deserialize<'de>,
    {
        self.next(|inp: &mut Input<'_>, id| decode_root_into(inp, id, &mut *place))
            .await
    }

    /// Runs `decode` on the next value once all its bytes are here; it may also run on a value
    /// cut short (its result is then dropped and it runs again when more bytes arrive).
    async fn next<T>(
        &mut self,
        mut decode: impl FnMut(&mut Input<'_>, TypeId) -> Result<T>,
    ) -> Result<T> {
        loop {
            let need = match self.state.step(&self.pending, &mut decode)? {
                Step::Value(v, used) => {
                    self.pending.drain(..used);
                    return Ok(v);
                }
                Step::Need(n) => n,
                Step::Failed(e, used) => {
                    self.pending.drain(..used);
                    return Err(e);
                }
            };
            // `need` never goes past the current message, and its length is within the limit.
            let chunk = need.min(READ_CHUNK);
            self.pending.reserve(chunk);
            let got = (&mut self.r)
                .take(chunk as u64)
                .read_buf(&mut self.pending)
                .await
                .map_err(|e| Error::from(e).at(self.offset()))?;
            if got == 0 {
                return Err(if self.pending.is_empty() {
                    Error::new(ErrorKind::Eof).at(self.state.offset)
                } else {
                    self.state.truncated(self.pending.len())
                });
            }
        }
    }

    /// The type definitions received so far.
    pub fn types(&self) -> &TypeTable {
        self.state.types()
    }

    /// Bytes consumed from the reader so far.
    pub fn offset(&self) -> u64 {
        self.state.offset + self.pending.len() as u64
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.r
    }

    /// The reader, mutably; reading from it between values is how a connection continues after gob.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.r
    }

    /// The reader, giving up the decoder. Between values nothing of the stream is held back; after a
    /// failed or cancelled decode, the bytes already read of the unfinished value are dropped.
    pub fn into_inner(self) -> R {
        self.r
    }
}

impl<R: AsyncBufRead + Unpin> AsyncDecoder<R> {
    /// [`AsyncDecoder::decode`] over a buffered reader: a value whose bytes are all in the
    /// reader's buffer is decoded there, without being copied out piece by piece first. The
    /// reader is still left right after the value (only its bytes are consumed), and the call is
    /// cancel safe in the same way.
    pub async fn decode_buffered<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.next_buffered(decode_root::<T>).await
    }

    /// [`AsyncDecoder::decode_value`] over a buffered reader, as [`AsyncDecoder::decode_buffered`].
    pub async fn decode_value_buffered(&mut self) -> Result<Value> {
        self.next_buffered(crate::value::de::decode).await
    }

    /// [`AsyncDecoder::decode_into`] over a buffered reader, as [`AsyncDecoder::decode_buffered`].
    pub async fn decode_into_buffered<T>(&mut self, place: &mut T) -> Result<()>
    where
        T: for<'de> Deserialize<'de>,
    {
        self.next_buffered(|inp: &mut Input<'_>, id| decode_root_into(inp, id, &mut *place))
            .await
    }

    async fn next_buffered<T>(
        &mut self,
        mut decode: impl FnMut(&mut Input<'_>, TypeId) -> Result<T>,
    ) -> Result<T> {
        if self.pending.is_empty() {
            let offset = self.state.offset;
            let buf = self
                .r
                .fill_buf()
                .await
                .map_err(|e| Error::from(e).at(offset))?;
            if buf.is_empty() {
                return Err(Error::new(ErrorKind::Eof).at(offset));
            }
            let n = buf.len();
            match self.state.step(buf, &mut decode)? {
                Step::Value(v, used) => {
                    self.r.consume(used);
                    return Ok(v);
                }
                Step::Failed(e, used) => {
                    self.r.consume(used);
                    return Err(e);
                }
                // Everything buffered belongs to the unfinished value: it goes on as `decode` does.
                Step::Need(_) => {
                    self.pending.extend_from_slice(buf);
                    self.r.consume(n);
                }
            }
        }
        self.next(decode).await
    }
}

/// Writes a stream of gob values to an `AsyncWrite`, sending each type's definition once, as one Go
/// `gob.Encoder`. Each value is encoded in memory, then written with one `write_all`.
pub struct AsyncEncoder<W> {
    w: W,
    enc: Encoder<Vec<u8>>,
}

impl<W: AsyncWrite + Unpin> AsyncEncoder<W> {
    /// An encoder with default options.
    pub fn new(w: W) -> Self {
        Self::with_options(w, EncoderOptions::default())
    }

    /// An encoder with the given options.
    pub fn with_options(w: W, opts: EncoderOptions) -> Self {
        AsyncEncoder {
            w,
            enc: Encoder::with_options(Vec::new(), opts),
        }
    }

    /// Encodes one value: its type definitions when first seen, then the value, and writes them.
    ///
    /// If the write fails or the future is dropped before it completes, the stream is left with part
    /// of a value and should not be used further.
    pub async fn encode<T>(&mut self, value: &T) -> Result<()>
    where
        T: Serialize + Deserialize<'static>,
    {
        self.enc.get_mut().clear();
        self.enc.encode(value)?;
        self.w.write_all(self.enc.get_ref()).await?;
        self.enc.get_mut().clear();
        Ok(())
    }

    /// Encodes `header` and then `body`, both or neither, as [`Encoder::encode_pair`], and writes
    /// them with one `write_all`. If either fails to encode, nothing is written and the stream is as
    /// before; if the write fails or the future is dropped, as with [`AsyncEncoder::encode`].
    pub async fn encode_pair<H, B>(&mut self, header: &H, body: &B) -> Result<()>
    where
        H: Serialize + Deserialize<'static>,
        B: Serialize + Deserialize<'static>,
    {
        self.enc.get_mut().clear();
        self.enc.encode_pair(header, body)?;
        self.w.write_all(self.enc.get_ref()).await?;
        self.enc.get_mut().clear();
        Ok(())
    }

    /// Encodes `data` as one top-level value of Go type `[]byte`, as [`Encoder::encode_bytes`], and
    /// writes it with one `write_all`.
    pub async fn encode_bytes(&mut self, data: &[u8]) -> Result<()> {
        self.enc.get_mut().clear();
        self.enc.encode_bytes(data)?;
        self.w.write_all(self.enc.get_ref()).await?;
        self.enc.get_mut().clear();
        Ok(())
    }

    /// Flushes the writer.
    pub async fn flush(&mut self) -> Result<()> {
        self.w.flush().await?;
        Ok(())
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The writer, mutably (writing to it between values is up to the protocol).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// The writer, giving up the encoder.
    pub fn into_inner(self) -> W {
        self.w
    }
}
