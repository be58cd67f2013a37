//! Encoding [`Value`]s with the definitions they were decoded with, each where it arrived.
//!
//! A [`TypeTable`] that a [`crate::Decoder`] filled knows which definitions arrived in front of
//! which value (a top-level value, or an interface's concrete value): the encoder writes each such
//! group at the same place, so every stream, with whatever definitions its encoder chose to send,
//! comes back byte for byte. A definition that no group brought (a hand-built `Value`, or a table
//! built by hand) is sent the way Go's encoder sends it: the first time a value needs it, parent
//! first, then what it refers to, depth first.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;

use super::Value;
use crate::error::{Error, Result};
use crate::framing::MessageBufs;
use crate::stream::{Depth, DEFAULT_MAX_DEPTH};
use crate::types::{TypeId, TypeTable, WireKind, WireType, FIRST_USER_ID};
use crate::wire;

/// Writes [`Value`]s as a gob stream, sending each user type's definition (taken from a
/// [`TypeTable`], for example the decoder's) once, where the decoded stream had it, or else where
/// Go would send it.
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
    /// Groups of `types` not written yet (indices into `types.groups()`), by the type id they came
    /// in front of, in arrival order.
    pending: HashMap<TypeId, VecDeque<usize>>,
    /// How many of the table's groups have been queued in `pending` (and maybe written since): a
    /// decoder's table only grows, so a new one brings only the groups after these.
    queued: usize,
    max_depth: usize,
    /// Kept between values for their allocations.
    bufs: MessageBufs,
}

impl<W: Write> ValueEncoder<W> {
    /// An encoder that takes definitions from `types`.
    pub fn new(w: W, types: TypeTable) -> Self {
        let mut enc = ValueEncoder {
            w,
            types: TypeTable::new(),
            sent: HashSet::new(),
            pending: HashMap::new(),
            queued: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            bufs: MessageBufs::new(),
        };
        enc.set_types(types);
        enc
    }

    /// Limits how deeply the values written may nest ([`DEFAULT_MAX_DEPTH`] unless set), as the
    /// decoder does: a deeper value is refused with an error of kind
    /// [`crate::ErrorKind::Limit`] before anything is written.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Replaces the definitions (for example after decoding more of a stream). Definitions already
    /// written are not written again.
    pub fn set_types(&mut self, types: TypeTable) {
        if types.groups().len() < self.queued {
            // Not a later state of the same table: queue all of it (definitions already sent are
            // still not sent again).
            self.pending.clear();
            self.queued = 0;
        }
        for (i, g) in types.groups().iter().enumerate().skip(self.queued) {
            self.pending.entry(g.root).or_default().push_back(i);
        }
        self.queued = types.groups().len();
        self.types = types;
    }

    /// Encodes one top-level value.
    pub fn encode(&mut self, v: &Value) -> Result<()> {
        self.bufs.reset();
        let mut st = State {
            bufs: &mut self.bufs,
            types: &self.types,
            sent: &mut self.sent,
            pending: &mut self.pending,
            sent_now: Vec::new(),
            written_now: Vec::new(),
            depth: Depth::new(self.max_depth),
        };
        let r: Result<()> = (|| {
            let id = v.type_id();
            st.send_group(id)?;
            st.send_type(id)?;
            wire::put_int(st.bufs.cur(), i64::from(id));
            if !matches!(v, Value::Struct { .. }) {
                st.bufs.cur().push(0);
            }
            st.value(v)?;
            st.bufs.flush();
            Ok(())
        })();
        if let Err(e) = r {
            // Nothing was written: what the value sent is to be sent again.
            let (sent_now, written_now) = (st.sent_now, st.written_now);
            for id in sent_now {
                self.sent.remove(&id);
            }
            for g in written_now.into_iter().rev() {
                let root = self.types.groups()[g].root;
                self.pending.entry(root).or_default().push_front(g);
            }
            return Err(e);
        }
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
    pending: &'a mut HashMap<TypeId, VecDeque<usize>>,
    /// What this value sent and wrote, taken back if it fails.
    sent_now: Vec<TypeId>,
    written_now: Vec<usize>,
    depth: Depth,
}

impl<'a> State<'a> {
    /// Go's `sendType` over the definition graph: parent first, then what it refers to, depth first.
    /// Iterative: a stream may define a chain of any length (`[][][]...int`), and a value of its
    /// outer type can be empty, so the chain's length is not bounded by the value's depth.
    fn send_type(&mut self, id: TypeId) -> Result<()> {
        let mut todo = vec![id];
        while let Some(id) = todo.pop() {
            if id < FIRST_USER_ID || self.sent.contains(&id) {
                continue;
            }
            let wt = self.definition(id)?;
            self.send_definition(id, wt);
            todo.extend(wt.children().into_iter().rev());
        }
        Ok(())
    }

    /// Writes the definitions that arrived in front of the decoded stream's next value of type
    /// `root`, if it had some not written yet.
    fn send_group(&mut self, root: TypeId) -> Result<()> {
        let Some(queue) = self.pending.get_mut(&root) else {
            return Ok(());
        };
        let Some(g) = queue.pop_front() else {
            return Ok(());
        };
        self.written_now.push(g);
        let types = self.types;
        let ids = types.groups()[g].ids.clone();
        for &id in &types.ids()[ids] {
            if !self.sent.contains(&id) {
                let wt = self.definition(id)?;
                self.send_definition(id, wt);
            }
        }
        Ok(())
    }

    fn definition(&self, id: TypeId) -> Result<&'a WireType> {
        let types: &'a TypeTable = self.types;
        types
            .get(id)
            .map(|wt| &**wt)
            .ok_or_else(|| Error::malformed(format!("no definition for type id {id}")))
    }

    /// One definition message.
    fn send_definition(&mut self, id: TypeId, wt: &WireType) {
        let b = self.bufs.cur();
        wire::put_int(b, -i64::from(id));
        wt.encode(b);
        self.bufs.flush();
        self.sent.insert(id);
        self.sent_now.push(id);
    }

    /// Enters a nested value, enforcing the depth limit.
    fn value(&mut self, v: &Value) -> Result<()> {
        let nested = matches!(
            v,
            Value::Slice { .. }
                | Value::Array { .. }
                | Value::Map { .. }
                | Value::Struct { .. }
                | Value::Interface(Some(_))
        );
        if nested {
            self.depth.enter()?;
        }
        let r = self.value_inner(v);
        if nested {
            self.depth.leave();
        }
        r
    }

    fn value_inner(&mut self, v: &Value) -> Result<()> {
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
                self.send_group(i.ty)?;
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
