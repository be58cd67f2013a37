//! Type ids and the `wireType` definitions that describe user types on the wire.
//!
//! See `WIRE.md`, "Type definitions". Ids below 65 are predefined; a message whose type id is negative
//! defines the type `-id` with a `wireType` struct. Definitions may refer to ids defined later in the
//! stream (a parent is sent before the types it refers to), so references are resolved only when a value
//! is decoded.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::wire::{self, Reader};

/// A gob type id. Go's is an `int32`; the wire allows any signed integer, checked on read.
pub type TypeId = i32;

/// Predefined `bool`.
pub(crate) const BOOL: TypeId = 1;
/// Predefined `int` (every Go signed integer type).
pub(crate) const INT: TypeId = 2;
/// Predefined `uint` (every Go unsigned integer type).
pub(crate) const UINT: TypeId = 3;
/// Predefined `float` (float32 and float64).
pub(crate) const FLOAT: TypeId = 4;
/// Predefined `[]byte`.
pub(crate) const BYTES: TypeId = 5;
/// Predefined `string`.
pub(crate) const STRING: TypeId = 6;
/// Predefined `complex` (complex64 and complex128).
pub(crate) const COMPLEX: TypeId = 7;
/// Predefined `interface`.
pub(crate) const INTERFACE: TypeId = 8;
/// The `wireType` struct that type definitions are written in.
pub(crate) const WIRE_TYPE: TypeId = 16;
/// The first id Go 1.26 hands out to user types (Go's `firstUserId`; Go 1.19 used 65).
pub(crate) const FIRST_USER_ID: TypeId = 64;

/// Name of a predefined id, `None` for user ids and reserved ones.
pub(crate) fn builtin_name(id: TypeId) -> Option<&'static str> {
    Some(match id {
        BOOL => "bool",
        INT => "int",
        UINT => "uint",
        FLOAT => "float",
        BYTES => "bytes",
        STRING => "string",
        COMPLEX => "complex",
        INTERFACE => "interface",
        WIRE_TYPE => "wireType",
        17 => "arrayType",
        18 => "CommonType",
        19 => "sliceType",
        20 => "structType",
        21 => "fieldType",
        22 => "[]fieldType",
        23 => "mapType",
        _ => return None,
    })
}

/// Which of Go's three marshaling interfaces a type's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarshalKind {
    /// `GobEncoder` (`GobEncoderT`).
    Gob,
    /// `encoding.BinaryMarshaler` (`BinaryMarshalerT`).
    Binary,
    /// `encoding.TextMarshaler` (`TextMarshalerT`).
    Text,
}

/// One struct field in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Go field name.
    pub name: String,
    /// Field type.
    pub id: TypeId,
}

/// The shape part of a user type definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireKind {
    /// `[N]T`.
    Array {
        /// Element type.
        elem: TypeId,
        /// Length N.
        len: i64,
    },
    /// `[]T`.
    Slice {
        /// Element type.
        elem: TypeId,
    },
    /// `struct { ... }`.
    Struct {
        /// Fields in wire order (field number = index).
        fields: Vec<FieldDef>,
    },
    /// `map[K]V`.
    Map {
        /// Key type.
        key: TypeId,
        /// Value type.
        elem: TypeId,
    },
    /// A type that marshals itself into bytes.
    Marshal(MarshalKind),
}

/// A user type definition: Go's `wireType` with its `CommonType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireType {
    /// `CommonType.Name`: informational, need not match anything.
    pub name: String,
    /// `CommonType.Id`: informational; the defining message's id is the one that counts.
    pub id: TypeId,
    /// The shape.
    pub kind: WireKind,
}

/// Calls `f(field_number, reader)` for each field of a struct value until its `0` terminator.
pub(crate) fn read_fields(
    r: &mut Reader<'_>,
    nfields: usize,
    mut f: impl FnMut(usize, &mut Reader<'_>) -> Result<()>,
) -> Result<()> {
    let mut field: i64 = -1;
    loop {
        let start = r.offset();
        let delta = r.uint()?;
        if delta == 0 {
            return Ok(());
        }
        let next = i64::try_from(delta)
            .ok()
            .and_then(|d| field.checked_add(d))
            .filter(|&n| (n as u64) < nfields as u64);
        match next {
            Some(n) => field = n,
            None => return Err(Error::malformed("field numbers out of bounds").at(start)),
        }
        f(field as usize, r)?;
    }
}

fn read_id(r: &mut Reader<'_>) -> Result<TypeId> {
    let start = r.offset();
    let v = r.int()?;
    TypeId::try_from(v).map_err(|_| Error::malformed(format!("type id {v} out of range")).at(start))
}

fn read_common(r: &mut Reader<'_>, name: &mut String, id: &mut TypeId) -> Result<()> {
    read_fields(r, 2, |f, r| {
        match f {
            0 => *name = r.str()?.to_owned(),
            _ => *id = read_id(r)?,
        }
        Ok(())
    })
}

impl WireType {
    /// Decodes a `wireType` value (the body of a definition message after the negative id).
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<WireType> {
        let start = r.offset();
        let mut name = String::new();
        let mut id = 0;
        let mut kind = None;
        read_fields(r, 7, |f, r| {
            if kind.is_some() {
                return Err(Error::malformed("wireType sets more than one kind"));
            }
            let (mut a, mut b, mut len) = (0, 0, 0i64);
            let mut fields = Vec::new();
            read_fields(r, 3, |g, r| {
                match (f, g) {
                    (_, 0) => read_common(r, &mut name, &mut id)?,
                    (2, 1) => {
                        // The count is bounded by the bytes left (two per field at least).
                        let n = r.count("struct field", 2)?;
                        fields.reserve_exact(n);
                        for _ in 0..n {
                            let mut fd = FieldDef {
                                name: String::new(),
                                id: 0,
                            };
                            read_fields(r, 2, |h, r| {
                                match h {
                                    0 => fd.name = r.str()?.to_owned(),
                                    _ => fd.id = read_id(r)?,
                                }
                                Ok(())
                            })?;
                            fields.push(fd);
                        }
                    }
                    (0 | 1 | 3, 1) => a = read_id(r)?,
                    (3, 2) => b = read_id(r)?,
                    (0, 2) => len = r.int()?,
                    _ => return Err(Error::malformed("unknown field in type definition")),
                }
                Ok(())
            })?;
            kind = Some(match f {
                0 => WireKind::Array { elem: a, len },
                1 => WireKind::Slice { elem: a },
                2 => WireKind::Struct {
                    fields: std::mem::take(&mut fields),
                },
                3 => WireKind::Map { key: a, elem: b },
                4 => WireKind::Marshal(MarshalKind::Gob),
                5 => WireKind::Marshal(MarshalKind::Binary),
                _ => WireKind::Marshal(MarshalKind::Text),
            });
            Ok(())
        })
        .map_err(|e| e.at(start))?;
        let kind = kind.ok_or_else(|| Error::malformed("empty type definition").at(start))?;
        Ok(WireType { name, id, kind })
    }

    /// Appends this definition as a `wireType` value, omitting zero fields exactly as Go does.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let kind = match &self.kind {
            WireKind::Array { elem, len } => KindParts::Array(*elem, *len),
            WireKind::Slice { elem } => KindParts::Slice(*elem),
            WireKind::Struct { fields } => {
                KindParts::Struct(fields.iter().map(|f| (f.name.as_str(), f.id)))
            }
            WireKind::Map { key, elem } => KindParts::Map(*key, *elem),
            WireKind::Marshal(k) => KindParts::Marshal(*k),
        };
        encode_wire_type(buf, &self.name, self.id, kind);
    }

    /// Ids this definition refers to, in Go's send order.
    pub(crate) fn children(&self) -> Vec<TypeId> {
        match &self.kind {
            WireKind::Array { elem, .. } | WireKind::Slice { elem } => vec![*elem],
            WireKind::Map { key, elem } => vec![*key, *elem],
            WireKind::Struct { fields } => fields.iter().map(|f| f.id).collect(),
            WireKind::Marshal(_) => Vec::new(),
        }
    }
}

/// The parts of a definition's shape, borrowed from wherever the definition is kept; `F` lists a
/// struct's fields as (name, type id).
pub(crate) enum KindParts<F> {
    Array(TypeId, i64),
    Slice(TypeId),
    Struct(F),
    Map(TypeId, TypeId),
    Marshal(MarshalKind),
}

/// Appends a definition as a `wireType` value, omitting zero fields exactly as Go does.
pub(crate) fn encode_wire_type<'a, F>(buf: &mut Vec<u8>, name: &str, id: TypeId, kind: KindParts<F>)
where
    F: ExactSizeIterator<Item = (&'a str, TypeId)>,
{
    let field = match &kind {
        KindParts::Array(..) => 0,
        KindParts::Slice(_) => 1,
        KindParts::Struct(_) => 2,
        KindParts::Map(..) => 3,
        KindParts::Marshal(MarshalKind::Gob) => 4,
        KindParts::Marshal(MarshalKind::Binary) => 5,
        KindParts::Marshal(MarshalKind::Text) => 6,
    };
    wire::put_uint(buf, field + 1);
    // CommonType is a nested struct: always sent.
    wire::put_uint(buf, 1);
    let mut last = -1i64;
    put_str_field(buf, &mut last, 0, name);
    put_int_field(buf, &mut last, 1, i64::from(id));
    buf.push(0);
    let mut last = 0i64;
    match kind {
        KindParts::Array(elem, len) => {
            put_int_field(buf, &mut last, 1, i64::from(elem));
            put_int_field(buf, &mut last, 2, len);
        }
        KindParts::Slice(elem) => put_int_field(buf, &mut last, 1, i64::from(elem)),
        KindParts::Map(key, elem) => {
            put_int_field(buf, &mut last, 1, i64::from(key));
            put_int_field(buf, &mut last, 2, i64::from(elem));
        }
        KindParts::Struct(fields) => {
            if fields.len() > 0 {
                wire::put_uint(buf, 1);
                wire::put_uint(buf, fields.len() as u64);
                for (name, id) in fields {
                    let mut l = -1i64;
                    put_str_field(buf, &mut l, 0, name);
                    put_int_field(buf, &mut l, 1, i64::from(id));
                    buf.push(0);
                }
            }
        }
        KindParts::Marshal(_) => {}
    }
    buf.push(0); // end of the xxxType struct
    buf.push(0); // end of wireType
}

fn put_str_field(buf: &mut Vec<u8>, last: &mut i64, n: i64, s: &str) {
    if !s.is_empty() {
        wire::put_uint(buf, (n - *last) as u64);
        wire::put_bytes(buf, s.as_bytes());
        *last = n;
    }
}

fn put_int_field(buf: &mut Vec<u8>, last: &mut i64, n: i64, v: i64) {
    if v != 0 {
        wire::put_uint(buf, (n - *last) as u64);
        wire::put_int(buf, v);
        *last = n;
    }
}

/// Hashes type ids, which are small and distinct, with one multiplication: every value decoded
/// looks its type up, so SipHash's cost shows.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_i32(&mut self, n: i32) {
        self.0 = u64::from(n as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Ids below `FIRST_USER_ID + DENSE` are kept in a Vec: encoders hand ids out in order from 64
/// (every Go encoder does), and every value decoded looks its type up. Others go in a map, so that
/// a stream's choice of ids never sizes an allocation beyond this.
const DENSE: usize = 1024;

/// Definitions by id.
#[derive(Debug, Clone, Default)]
struct Defs {
    dense: Vec<Option<Arc<WireType>>>,
    sparse: HashMap<TypeId, Arc<WireType>, BuildHasherDefault<IdHasher>>,
}

impl Defs {
    #[inline]
    fn slot(id: TypeId) -> Option<usize> {
        let i = usize::try_from(id.checked_sub(FIRST_USER_ID)?).ok()?;
        (i < DENSE).then_some(i)
    }

    #[inline]
    fn get(&self, id: TypeId) -> Option<&Arc<WireType>> {
        match Self::slot(id) {
            Some(i) => self.dense.get(i)?.as_ref(),
            None => self.sparse.get(&id),
        }
    }

    fn insert(&mut self, id: TypeId, wt: Arc<WireType>) {
        match Self::slot(id) {
            Some(i) => {
                if self.dense.len() <= i {
                    self.dense.resize(i + 1, None);
                }
                self.dense[i] = Some(wt);
            }
            None => {
                self.sparse.insert(id, wt);
            }
        }
    }

    #[cfg(feature = "tokio")]
    fn remove(&mut self, id: TypeId) {
        match Self::slot(id) {
            Some(i) => {
                if let Some(d) = self.dense.get_mut(i) {
                    *d = None;
                }
            }
            None => {
                self.sparse.remove(&id);
            }
        }
    }
}

/// Definitions that arrived together in front of one value: a top-level value, or the concrete
/// value of an interface (whose definitions arrive inside the enclosing value).
#[derive(Debug, Clone)]
pub(crate) struct DefGroup {
    /// The type id of the value they came in front of.
    pub(crate) root: TypeId,
    /// Where they are in [`TypeTable::ids`].
    pub(crate) ids: std::ops::Range<usize>,
}

/// The types one direction of a stream has defined so far, with where each definition arrived.
///
/// Where matters for writing a stream back: Go also sends definitions that no value refers to
/// (the field types of a marshaler whose Go type is a struct), and other encoders may order them
/// their own way. A [`crate::ValueEncoder`] writes each group where it arrived, so a stream decoded
/// into `Value`s and encoded again gives back the same bytes.
///
/// ```
/// use gob_codec::{Decoder, WireKind};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Team { Name: String, Members: Vec<String> }
/// let bytes = gob_codec::to_vec(&Team { Name: "t".into(), Members: vec![] }).unwrap();
/// let mut dec = Decoder::new(&bytes[..]);
/// dec.decode_value().unwrap();
/// let types = dec.types();
/// // Team (64) and its field's []string (65), in the order they arrived.
/// assert_eq!(types.ids(), [64, 65]);
/// let WireKind::Struct { fields } = &types.get(64).unwrap().kind else { panic!() };
/// assert_eq!(fields[1].name, "Members");
/// assert_eq!(types.type_name(fields[1].id), "[]string");
/// ```
#[derive(Debug, Clone, Default)]
pub struct TypeTable {
    defs: Defs,
    order: Vec<TypeId>,
    groups: Vec<DefGroup>,
}

impl TypeTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a definition received for `id`; built-in and repeated ids are rejected, as in Go.
    pub fn define(&mut self, id: TypeId, wt: WireType) -> Result<()> {
        if id < FIRST_USER_ID {
            return Err(Error::malformed(format!(
                "type id {id} redefines a predefined or reserved type"
            )));
        }
        if self.defs.get(id).is_some() {
            return Err(Error::malformed(format!(
                "duplicate type received: id {id}"
            )));
        }
        self.defs.insert(id, Arc::new(wt));
        self.order.push(id);
        Ok(())
    }

    /// How many definitions have arrived: a point to close a group at ([`TypeTable::close_group`])
    /// or to return to ([`TypeTable::rollback`]).
    pub(crate) fn mark(&self) -> usize {
        self.order.len()
    }

    /// Records the definitions that arrived since `mark` as the ones in front of a value of type
    /// `root`.
    pub(crate) fn close_group(&mut self, root: TypeId, mark: usize) {
        if mark < self.order.len() {
            self.groups.push(DefGroup {
                root,
                ids: mark..self.order.len(),
            });
        }
    }

    /// The groups of definitions in arrival order.
    pub(crate) fn groups(&self) -> &[DefGroup] {
        &self.groups
    }

    /// Forgets the definitions received after `mark` (a value that was cut short defined them; they
    /// will be received again). Only the push-driven (tokio) decoders take definitions back.
    #[cfg(feature = "tokio")]
    pub(crate) fn rollback(&mut self, mark: usize) {
        for id in self.order.drain(mark.min(self.order.len())..) {
            self.defs.remove(id);
        }
        while self.groups.last().is_some_and(|g| g.ids.end > mark) {
            self.groups.pop();
        }
    }

    /// The definition of a user id, if received.
    #[inline]
    pub fn get(&self, id: TypeId) -> Option<&Arc<WireType>> {
        self.defs.get(id)
    }

    /// User ids in the order their definitions arrived.
    pub fn ids(&self) -> &[TypeId] {
        &self.order
    }

    /// True when `id` is predefined or has been defined on this stream.
    pub fn is_known(&self, id: TypeId) -> bool {
        (id > 0 && id <= INTERFACE) || self.defs.get(id).is_some()
    }

    /// A readable Go-like name for `id` (for errors and dumps).
    pub fn type_name(&self, id: TypeId) -> String {
        if let Some(n) = builtin_name(id) {
            return n.to_owned();
        }
        match self.defs.get(id) {
            Some(wt) if !wt.name.is_empty() => wt.name.clone(),
            Some(wt) => match &wt.kind {
                WireKind::Array { elem, len } => format!("[{len}]{}", self.short(*elem)),
                WireKind::Slice { elem } => format!("[]{}", self.short(*elem)),
                WireKind::Map { key, elem } => {
                    format!("map[{}]{}", self.short(*key), self.short(*elem))
                }
                WireKind::Struct { .. } => format!("struct#{id}"),
                WireKind::Marshal(_) => format!("marshaler#{id}"),
            },
            None => format!("undefined#{id}"),
        }
    }

    fn short(&self, id: TypeId) -> String {
        match self.defs.get(id) {
            Some(wt) if !wt.name.is_empty() => wt.name.clone(),
            Some(_) => format!("#{id}"),
            None => builtin_name(id).map_or_else(|| format!("#{id}"), str::to_owned),
        }
    }
}
