//! Encoding [`Value`]s with the definitions they were decoded with, in Go's order.

use std::collections::HashSet;
use std::io::Write;

use super::Value;
use crate::error::{Error, Result};
use crate::framing::MessageBufs;
use crate::types::{TypeId, TypeTable, WireKind, FIRST_USER_ID};
use crate::wire;

/// Writes [`Value`]s as a gob stream, sending each user type's definition (taken from a
/// [`TypeTable`], for example the decoder's) once, at the place Go would send it.
///
/// ```
/// use gob_codec::{Decoder, ValueEncoder};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Point { X: i64, Y: i64 }
/// let go_bytes = gob_codec::to_vec(&Point { X: 3, Y: 4 }).unwrap();
/// let mut dec = Decoder::new(&go_bytes[..]);
/// let v = dec.decode_value().unwrap();
/// let mut enc = ValueEncoder::new(Vec::new(), dec.types().clone());
/// enc.encode(&v).unwrap();
/// assert_eq!(enc.into_inner(), go_bytes);
/// ```
pub struct ValueEncoder<W> {
    w: W,
    types: TypeTable,
    sent: HashSet<TypeId>,
    /// Kept between values for their allocations.
    bufs: MessageBufs,
}

impl<W: Write> ValueEncoder<W> {
    /// An encoder that takes definitions from `types`.
    pub fn new(w: W, types: TypeTable) -> Self {
        ValueEncoder {
            w,
            types,
            sent: HashSet::new(),
            bufs: MessageBufs::new(),
        }
    }

    /// Replaces the definitions (for example after decoding more of a stream).
    pub fn set_types(&mut self, types: TypeTable) {
        self.types = types;
    }

    /// Encodes one top-level value.
    pub fn encode(&mut self, v: &Value) -> Result<()> {
        self.bufs.reset();
        let mut st = State {
            bufs: &mut self.bufs,
            types: &self.types,
            sent: &mut self.sent,
        };
        let r: Result<()> = (|| {
            let id = v.type_id();
            st.send_type(id)?;
            wire::put_int(st.bufs.cur(), i64::from(id));
            if !matches!(v, Value::Struct { .. }) {
                st.bufs.cur().push(0);
            }
            st.value(v)?;
            st.bufs.flush();
            Ok(())
        })();
        r?;
        self.w.write_all(self.bufs.output())?;
        Ok(())
    }

    /// The writer, giving up the encoder.
    pub fn into_inner(self) -> W {
        self.w
    }
}

struct State<'a> {
    bufs: &'a mut MessageBufs,
    types: &'a TypeTable,
    sent: &'a mut HashSet<TypeId>,
}

impl State<'_> {
    /// Go's `sendType` over the definition graph: parent first, then what it refers to, depth first.
    /// Iterative: a stream may define a chain of any length (`[][][]...int`), and a value of its
    /// outer type can be empty, so the chain's length is not bounded by the value's depth.
    fn send_type(&mut self, id: TypeId) -> Result<()> {
        let mut todo = vec![id];
        while let Some(id) = todo.pop() {
            if id < FIRST_USER_ID || self.sent.contains(&id) {
                continue;
            }
            let wt = self
                .types
                .get(id)
                .ok_or_else(|| Error::malformed(format!("no definition for type id {id}")))?;
            let b = self.bufs.cur();
            wire::put_int(b, -i64::from(id));
            wt.encode(b);
            self.bufs.flush();
            self.sent.insert(id);
            todo.extend(wt.children().into_iter().rev());
        }
        Ok(())
    }

    fn value(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::Bool(b) => wire::put_uint(self.bufs.cur(), u64::from(*b)),
            Value::Int(i) => wire::put_int(self.bufs.cur(), *i),
            Value::Uint(u) => wire::put_uint(self.bufs.cur(), *u),
            Value::Float(f) => wire::put_float(self.bufs.cur(), *f),
            Value::Complex(re, im) => {
                wire::put_float(self.bufs.cur(), *re);
                wire::put_float(self.bufs.cur(), *im);
            }
            Value::Bytes(b) | Value::RawString(b) | Value::Marshaled { bytes: b, .. } => {
                wire::put_bytes(self.bufs.cur(), b)
            }
            Value::String(s) => wire::put_bytes(self.bufs.cur(), s.as_bytes()),
            Value::Slice { items, .. } | Value::Array { items, .. } => {
                wire::put_uint(self.bufs.cur(), items.len() as u64);
                for it in items {
                    self.value(it)?;
                }
            }
            Value::Map { entries, .. } => {
                wire::put_uint(self.bufs.cur(), entries.len() as u64);
                for (k, e) in entries {
                    self.value(k)?;
                    self.value(e)?;
                }
            }
            Value::Struct { fields, .. } => {
                let mut last = -1i64;
                for f in fields {
                    let delta = f.index as i64 - last;
                    if delta <= 0 {
                        return Err(Error::malformed(format!(
                            "struct fields out of order at field {}",
                            f.name
                        )));
                    }
                    wire::put_uint(self.bufs.cur(), delta as u64);
                    last = f.index as i64;
                    self.value(&f.value)?;
                }
                self.bufs.cur().push(0);
            }
            Value::Interface(None) => self.bufs.cur().push(0),
            Value::Interface(Some(i)) => {
                wire::put_bytes(self.bufs.cur(), i.name.as_bytes());
                self.send_type(i.ty)?;
                wire::put_int(self.bufs.cur(), i64::from(i.ty));
                self.bufs.push();
                let is_struct = matches!(
                    self.types.get(i.ty).map(|w| &w.kind),
                    Some(WireKind::Struct { .. })
                );
                if !is_struct {
                    self.bufs.cur().push(0);
                }
                let r = self.value(&i.value);
                self.bufs.pop_flushed();
                r?;
            }
        }
        Ok(())
    }
}
