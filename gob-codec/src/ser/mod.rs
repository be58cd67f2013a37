//! Encoding: typed values through serde ([`Encoder`], [`to_vec`], [`to_writer`]).
//!
//! A message is a length, a type id and a value (`WIRE.md`, "Messages"). Before the first value of a
//! type, the encoder sends the definitions Go would send (see [`crate::schema`]). Values are written
//! into a stack of buffers that mirrors Go's encoder: an interface whose concrete type is new flushes
//! the buffer it is writing as a message of its own, which is how Go splits such values.

mod value;

use std::any::type_name;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::framing::MessageBufs;
use crate::schema::go_types::GoTypes;
use crate::schema::{trace::trace, Schema, Shape};
use crate::types::{TypeId, WireType};
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
    /// The id of the first user type: 64 as current Go (1.2x and later) writes, 65 as Go 1.19 did.
    pub first_type_id: TypeId,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            package: DEFAULT_PACKAGE.to_owned(),
            max_depth: crate::DEFAULT_MAX_DEPTH,
            first_type_id: crate::types::FIRST_USER_ID,
        }
    }
}

/// Shared state of one value being encoded.
pub(crate) struct Ctx<'t> {
    pub types: &'t mut GoTypes,
    pub bufs: MessageBufs,
    pub depth: usize,
    pub max_depth: usize,
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
        let mut defs: Vec<WireType> = Vec::new();
        self.types.send_type(schema, shape, &mut defs)?;
        for def in defs {
            let b = self.cur();
            wire::put_int(b, -i64::from(def.id));
            def.encode(b);
            self.flush();
        }
        self.types.id_of(schema, shape)
    }

    pub fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Error::limit(format!(
                "value nested deeper than {}",
                self.max_depth
            )));
        }
        Ok(())
    }
}

/// Writes a stream of gob values to `W`, sending each type's definition once, as one Go `gob.Encoder`.
pub struct Encoder<W> {
    w: W,
    types: GoTypes,
    schemas: HashMap<&'static str, Arc<Schema>>,
    /// Root type ids of the types already defined on this stream.
    roots: HashMap<&'static str, TypeId>,
    out: Vec<u8>,
    opts: EncoderOptions,
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
            types: GoTypes::new(&opts.package, opts.first_type_id),
            schemas: HashMap::new(),
            roots: HashMap::new(),
            out: Vec::new(),
            opts,
        }
    }

    /// Encodes one value: its type definitions when first seen, then the value, each as a message.
    ///
    /// The `Deserialize` bound lets the encoder learn the full Go type (element types of empty slices,
    /// fields behind `None`), which Go sends even when the value does not use them.
    pub fn encode<T>(&mut self, value: &T) -> Result<()>
    where
        T: Serialize + Deserialize<'static> + ?Sized,
    {
        self.out.clear();
        encode_into(
            &mut self.out,
            &mut self.types,
            &mut self.schemas,
            &mut self.roots,
            self.opts.max_depth,
            value,
        )?;
        self.w.write_all(&self.out)?;
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

/// Traced schemas, shared by all encoders: a schema depends only on the Rust type.
fn schema_cache() -> &'static Mutex<HashMap<&'static str, Arc<Schema>>> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<Schema>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The schema of `T`, from this encoder's cache, the process cache, or a new trace.
pub(crate) fn schema_of<T>(schemas: &mut HashMap<&'static str, Arc<Schema>>) -> Result<Arc<Schema>>
where
    T: Deserialize<'static> + ?Sized,
{
    let key = type_name::<T>();
    if let Some(s) = schemas.get(key) {
        return Ok(s.clone());
    }
    let cached = schema_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(key).cloned());
    let s = match cached {
        Some(s) => s,
        None => {
            let s = Arc::new(trace::<T>()?);
            if let Ok(mut c) = schema_cache().lock() {
                c.insert(key, s.clone());
            }
            s
        }
    };
    schemas.insert(key, s.clone());
    Ok(s)
}

pub(crate) fn encode_into<T>(
    out: &mut Vec<u8>,
    types: &mut GoTypes,
    schemas: &mut HashMap<&'static str, Arc<Schema>>,
    roots: &mut HashMap<&'static str, TypeId>,
    max_depth: usize,
    value: &T,
) -> Result<()>
where
    T: Serialize + Deserialize<'static> + ?Sized,
{
    let schema = schema_of::<T>(schemas)?;
    let known_root = roots.get(type_name::<T>()).copied();
    let mark = types.mark();
    let mut ctx = Ctx {
        types,
        bufs: MessageBufs::new(std::mem::take(out)),
        depth: 0,
        max_depth,
    };
    let r = (|| {
        let root = &schema.root;
        let id = match known_root {
            Some(id) => id,
            None => ctx.send_types(&schema, root)?,
        };
        wire::put_int(ctx.cur(), i64::from(id));
        if !matches!(root.base(), Shape::Struct(_)) {
            ctx.cur().push(0);
        }
        let nonzero = value.serialize(ValueSer::new(&mut ctx, &schema, root, true))?;
        let _ = nonzero;
        ctx.flush();
        Ok(id)
    })();
    *out = ctx.bufs.into_output();
    match r {
        Ok(id) => {
            roots.insert(type_name::<T>(), id);
            Ok(())
        }
        Err(e) => {
            // Nothing of this value is written, so its definitions count as unsent.
            types.rollback(mark);
            out.clear();
            Err(e)
        }
    }
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
    T: Serialize + Deserialize<'static> + ?Sized,
{
    let mut enc = Encoder::new(Vec::new());
    enc.encode(value)?;
    Ok(enc.into_inner())
}

/// Encodes one value as a complete gob stream into `w`.
pub fn to_writer<W: Write, T>(w: W, value: &T) -> Result<()>
where
    T: Serialize + Deserialize<'static> + ?Sized,
{
    Encoder::new(w).encode(value)
}
