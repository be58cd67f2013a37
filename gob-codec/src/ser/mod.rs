//! Encoding: typed values through serde ([`Encoder`], [`to_vec`], [`to_writer`]).
//!
//! A message is a length, a type id and a value (`WIRE.md`, "Messages"). Before the first value of a
//! type, the encoder sends the definitions Go would send (see [`crate::schema`]). Values are written
//! into a stack of buffers that mirrors Go's encoder: an interface whose concrete type is new flushes
//! the buffer it is writing as a message of its own, which is how Go splits such values.

mod probe;
mod value;

use std::collections::hash_map::Entry;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::framing::MessageBufs;
use crate::schema::go_types::GoTypes;
use crate::schema::{trace::trace, FastMap, Schema, Shape};
use crate::stream::Depth;
use crate::types::TypeId;
use crate::wire;

pub(crate) use value::ValueSer;

/// Default Go package name used to qualify struct types inside composite type names (`[]main.T`).
pub const DEFAULT_PACKAGE: &str = "main";

/// Encoder settings.
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    /// Go package name for struct and interface types (`main` in `[]main.Point`).
    pub package: String,
    /// Largest nesting depth of a value.
    pub max_depth: usize,
    /// The id of the first user type: 64 as Go 1.26 writes, 65 as Go 1.19 did.
    pub first_type_id: TypeId,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            package: DEFAULT_PACKAGE.to_owned(),
            max_depth: crate::stream::DEFAULT_MAX_DEPTH,
            first_type_id: crate::types::FIRST_USER_ID,
        }
    }
}

/// Shared state of one value being encoded.
pub(crate) struct Ctx<'t> {
    pub types: &'t mut GoTypes,
    pub bufs: &'t mut MessageBufs,
    pub depth: Depth,
}

impl Ctx<'_> {
    #[inline]
    pub fn cur(&mut self) -> &mut Vec<u8> {
        self.bufs.cur()
    }

    pub fn flush(&mut self) {
        self.bufs.flush();
    }

    /// Sends the definitions `shape` needs in the current buffer, each flushed as a message.
    pub fn send_types(&mut self, schema: &Schema, shape: &Shape) -> Result<TypeId> {
        let mut defs = Vec::new();
        self.types.send_type(schema, shape, &mut defs)?;
        for i in defs {
            self.types.encode_def(i, self.bufs.cur());
            self.flush();
        }
        self.types.id_of(schema, shape)
    }

    pub fn enter(&mut self) -> Result<()> {
        self.depth.enter()
    }
}

/// Identifies a Rust type: its `TypeId`, which `typeid` gives for types that are not `'static`
/// too (a type that borrows, as `Deserialize<'static>` types may). `type_name` would not do: Rust
/// does not promise that two types' names differ (two versions of one crate give the same).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct TypeKey(std::any::TypeId);

impl TypeKey {
    fn of<T: ?Sized>() -> Self {
        TypeKey(typeid::of::<T>())
    }
}

type KeyMap<V> = FastMap<TypeKey, V>;

struct Known {
    schema: Arc<Schema>,
    /// The root type id once its definitions went out on this stream.
    root: Option<TypeId>,
}

/// Everything one encoding stream keeps between values.
pub(crate) struct EncodeState {
    types: GoTypes,
    known: KeyMap<Known>,
    bufs: MessageBufs,
    max_depth: usize,
}

impl EncodeState {
    pub(crate) fn new(opts: EncoderOptions) -> Self {
        EncodeState {
            types: GoTypes::new(opts.package, opts.first_type_id),
            known: KeyMap::default(),
            bufs: MessageBufs::new(),
            max_depth: opts.max_depth,
        }
    }

    /// Encodes one value; returns its messages (definitions first), valid until the next call.
    pub(crate) fn encode<T>(&mut self, value: &T) -> Result<&[u8]>
    where
        T: Serialize + Deserialize<'static>,
    {
        self.bufs.reset();
        self.push(value)?;
        Ok(self.bufs.output())
    }

    /// Encodes `header` then `body`; returns their messages, valid until the next call. If either
    /// fails, nothing is returned and the stream's state is as before the call.
    pub(crate) fn encode_pair<H, B>(&mut self, header: &H, body: &B) -> Result<&[u8]>
    where
        H: Serialize + Deserialize<'static>,
        B: Serialize + Deserialize<'static>,
    {
        self.bufs.reset();
        let mark = self.types.mark();
        let key = TypeKey::of::<H>();
        let had_root = self.known.get(&key).is_some_and(|k| k.root.is_some());
        self.push(header)?;
        if let Err(e) = self.push(body) {
            // The header's messages go too, so its definitions count as unsent again.
            self.types.rollback(mark);
            if !had_root {
                if let Some(k) = self.known.get_mut(&key) {
                    k.root = None;
                }
            }
            self.bufs.reset();
            return Err(e);
        }
        Ok(self.bufs.output())
    }

    /// Appends one value's messages to the output. On error the output and the definitions counted
    /// as sent are as they were.
    fn push<T>(&mut self, value: &T) -> Result<()>
    where
        T: Serialize + Deserialize<'static>,
    {
        let key = TypeKey::of::<T>();
        let known = match self.known.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(Known {
                schema: schema_of::<T>()?,
                root: None,
            }),
        };
        let (schema, known_root) = (&*known.schema, known.root);
        let out_len = self.bufs.output().len();
        let mark = self.types.mark();
        let mut ctx = Ctx {
            types: &mut self.types,
            bufs: &mut self.bufs,
            depth: Depth::new(self.max_depth),
        };
        let r = (|| {
            let root = &schema.root;
            let id = match known_root {
                Some(id) => id,
                None => ctx.send_types(schema, root)?,
            };
            wire::put_int(ctx.cur(), i64::from(id));
            if !matches!(root.base(), Shape::Struct(_)) {
                ctx.cur().push(0);
            }
            value.serialize(ValueSer::new(&mut ctx, schema, root, true))?;
            ctx.flush();
            Ok(id)
        })();
        match r {
            Ok(id) => {
                if known_root.is_none() {
                    if let Some(k) = self.known.get_mut(&key) {
                        k.root = Some(id);
                    }
                }
                Ok(())
            }
            Err(e) => {
                // Nothing of this value is written, so its definitions count as unsent.
                self.types.rollback(mark);
                self.bufs.rewind(out_len);
                Err(e)
            }
        }
    }
}

/// Writes a stream of gob values to `W`, sending each type's definition once, as one Go `gob.Encoder`.
///
/// Each call writes whole messages or, when encoding fails, nothing: a value that cannot be encoded
/// (a `None` inside a `Vec`, a map key type gob has no encoding for) leaves the stream as it was.
pub struct Encoder<W> {
    w: W,
    state: EncodeState,
}

impl<W: Write> Encoder<W> {
    /// An encoder with default options.
    pub fn new(w: W) -> Self {
        Self::with_options(w, EncoderOptions::default())
    }

    /// An encoder with the given options.
    pub fn with_options(w: W, opts: EncoderOptions) -> Self {
        Encoder {
            w,
            state: EncodeState::new(opts),
        }
    }

    /// Encodes one value: its type definitions when first seen, then the value, each as a message.
    ///
    /// The `Deserialize` bound lets the encoder learn the full Go type (element types of empty slices,
    /// fields behind `None`), which Go sends even when the value does not use them.
    pub fn encode<T>(&mut self, value: &T) -> Result<()>
    where
        T: Serialize + Deserialize<'static>,
    {
        let bytes = self.state.encode(value)?;
        self.w.write_all(bytes)?;
        Ok(())
    }

    /// Encodes `header` and then `body`, both or neither: the messages of the two values are written
    /// together, with one `write_all`, only when both encode. If either fails, nothing is written and
    /// the definitions that the pair would have sent count as unsent, so the next value that needs
    /// them sends them. As with a failed [`Encoder::encode`], the type ids the encoder chose for the
    /// failed values' types stay theirs (in Go a type keeps its id for the life of the process), so
    /// a type first met in a failed pair has the id it would have had.
    ///
    /// This is how a protocol that frames a value with a header (Go's `net/rpc`: a `Response`, then
    /// the reply) avoids sending a header without its body.
    ///
    /// ```
    /// use gob_codec::Encoder;
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Header { Seq: u64 }
    ///
    /// let mut enc = Encoder::new(Vec::new());
    /// // A `None` element cannot be encoded (Go has no nil in a []*int): nothing is written.
    /// assert!(enc.encode_pair(&Header { Seq: 1 }, &vec![Some(1i64), None]).is_err());
    /// assert!(enc.get_ref().is_empty());
    /// enc.encode_pair(&Header { Seq: 1 }, &7i64).unwrap();
    ///
    /// // The same bytes as two calls of `encode`: Header's definition, the header, the body.
    /// let mut two = Encoder::new(Vec::new());
    /// two.encode(&Header { Seq: 1 }).unwrap();
    /// two.encode(&7i64).unwrap();
    /// assert_eq!(enc.get_ref(), two.get_ref());
    /// ```
    pub fn encode_pair<H, B>(&mut self, header: &H, body: &B) -> Result<()>
    where
        H: Serialize + Deserialize<'static>,
        B: Serialize + Deserialize<'static>,
    {
        let bytes = self.state.encode_pair(header, body)?;
        self.w.write_all(bytes)?;
        Ok(())
    }

    /// Encodes `data` as one top-level value of Go type `[]byte`: the bytes Go's `Encoder.Encode`
    /// writes for a `[]byte`, and [`Encoder::encode`] for a `serde_bytes::ByteBuf` or a `Vec<u8>`.
    /// `[]byte` is predefined (type id 5), so no definition is ever sent for it and the encoder's
    /// state does not change. `data` is not copied: the message's few header bytes and then `data`
    /// are written with two `write_all` calls (give the encoder a buffered writer or a `Vec`).
    ///
    /// ```
    /// let mut enc = gob_codec::Encoder::new(Vec::new());
    /// enc.encode_bytes(b"hi").unwrap();
    /// // Length 5; type id 5 (`0a`); singleton `00`; 2 bytes "hi".
    /// assert_eq!(enc.get_ref(), &[0x05, 0x0a, 0x00, 0x02, b'h', b'i']);
    /// assert_eq!(enc.get_ref(), &gob_codec::to_vec(&b"hi".to_vec()).unwrap());
    /// ```
    pub fn encode_bytes(&mut self, data: &[u8]) -> Result<()> {
        let (head, n) = bytes_header(data.len());
        self.w.write_all(&head[..n])?;
        self.w.write_all(data)?;
        Ok(())
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The writer, mutably (writing to it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// The writer, giving up the encoder.
    pub fn into_inner(self) -> W {
        self.w
    }
}

/// The header of a top-level `[]byte` value's message: everything before the bytes.
fn bytes_header(n: usize) -> ([u8; wire::SINGLETON_BYTES_HEADER_MAX], usize) {
    wire::singleton_bytes_header(crate::types::BYTES as u8, n)
}

/// Appends to `out` one top-level value of Go type `[]byte`, as [`Encoder::encode_bytes`] writes it.
///
/// `[]byte` is predefined, so its message does not depend on what a stream sent before: this is
/// the same message at any point of any gob stream, including after values of an [`Encoder`] that
/// wrote into the same buffer.
///
/// ```
/// let mut out = gob_codec::to_vec(&"tag".to_string()).unwrap();
/// gob_codec::append_bytes_value(&mut out, &[0xab, 0xcd]);
/// // Length 5; type id 5 (`0a`); singleton `00`; 2 bytes.
/// assert_eq!(&out[out.len() - 6..], &[0x05, 0x0a, 0x00, 0x02, 0xab, 0xcd]);
/// ```
pub fn append_bytes_value(out: &mut Vec<u8>, data: &[u8]) {
    let (head, n) = bytes_header(data.len());
    out.reserve(n + data.len());
    out.extend_from_slice(&head[..n]);
    out.extend_from_slice(data);
}

/// Traced schemas, shared by all encoders: a schema depends only on the Rust type.
fn schema_cache() -> &'static Mutex<KeyMap<Arc<Schema>>> {
    static CACHE: OnceLock<Mutex<KeyMap<Arc<Schema>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(KeyMap::default()))
}

/// The schema of `T`, from the process cache or a new trace.
pub(crate) fn schema_of<T>() -> Result<Arc<Schema>>
where
    T: Deserialize<'static>,
{
    let key = TypeKey::of::<T>();
    let cached = schema_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned());
    if let Some(s) = cached {
        return Ok(s);
    }
    let s = Arc::new(trace::<T>()?);
    if let Ok(mut c) = schema_cache().lock() {
        c.insert(key, s.clone());
    }
    Ok(s)
}

/// Encodes one value as a complete gob stream (definitions included).
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Point { X: i64, Y: i64 }
/// let bytes = gob_codec::to_vec(&Point { X: 1, Y: 2 }).unwrap();
/// // A definition message for type 64 (struct Point: id -64 is 0x7f), then the value message:
/// // length 7, id 64 (ff 80), field +1 = 1 (02), field +1 = 2 (04), end of struct.
/// assert_eq!(bytes[1], 0x7f);
/// assert_eq!(&bytes[bytes.len() - 8..], [0x07, 0xff, 0x80, 0x01, 0x02, 0x01, 0x04, 0x00]);
/// ```
pub fn to_vec<T>(value: &T) -> Result<Vec<u8>>
where
    T: Serialize + Deserialize<'static>,
{
    let mut enc = Encoder::new(Vec::new());
    enc.encode(value)?;
    Ok(enc.into_inner())
}

/// Encodes one value as a complete gob stream into `w`.
pub fn to_writer<W: Write, T>(w: W, value: &T) -> Result<()>
where
    T: Serialize + Deserialize<'static>,
{
    Encoder::new(w).encode(value)
}
