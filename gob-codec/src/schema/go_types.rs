//! Type ids and names as a fresh Go process assigns them, so typed values encode byte-identically.
//!
//! Go builds a type's description the first time it meets the type (`newTypeObject` in
//! `encoding/gob/type.go`): a struct takes its id before its fields, an array, slice or map after its
//! elements; the name it records depends on how the type was first reached (top level: the Go type's
//! name, `""` for unnamed types; a field: the name or, if unnamed, the type string such as `[]string`;
//! a slice element: the element's name; a map key or value or array element: `""`). Definitions are
//! then sent parent first, fields in order, each once per stream (`sendType`).
//!
//! A Rust struct, enum or newtype name that is a Go identifier names a type of the encoder's package
//! (`Point` is `main.Point`); any other name is already Go's spelling of the type: `pkg.Name`, or the
//! literal of an unnamed type such as `struct { A int; B string }` or `interface {}`, whose Go name
//! is `""`.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{FastMap, Schema, Shape};
use crate::error::{Error, Result};
use crate::types::{encode_wire_type, KindParts, TypeId, FIRST_USER_ID, INTERFACE};
use crate::wire;

#[derive(Debug, Clone, Copy)]
enum Ref {
    Builtin(TypeId),
    Entry(usize),
}

#[derive(Debug)]
enum EntryKind {
    Array(Option<Ref>, usize),
    Slice(Option<Ref>),
    Map(Option<Ref>, Option<Ref>),
    Struct(Vec<(&'static str, Ref)>),
    Marshal(crate::types::MarshalKind),
}

#[derive(Debug)]
struct Entry {
    name: Cow<'static, str>,
    id: TypeId,
    kind: EntryKind,
    /// The definition went out on this stream.
    sent: bool,
    /// For a marshaling type: the id of the description Go makes for a pointer to it, once made
    /// (0 before). When the type is first sent as reached through a pointer, the definition Go
    /// sends is that description (named `""`, with this id inside), under the type's own id.
    ptr_id: TypeId,
    /// The definition sent was the pointer's description.
    sent_as_ptr: bool,
}

/// The name a type description records (see the module docs): a Go name, or the type string.
#[derive(Clone, Copy)]
enum Name {
    Go(&'static str),
    TypeString,
}

/// The type registry of one encoding stream, standing in for Go's process-global one.
#[derive(Debug)]
pub(crate) struct GoTypes {
    package: String,
    next_id: TypeId,
    entries: Vec<Entry>,
    /// Entries by Go type string.
    index: FastMap<String, usize>,
    /// Entries whose definitions were sent, in order, so a failed value can take them back.
    sent_order: Vec<usize>,
    /// Where type strings are built for lookups, so that finding a known type allocates nothing.
    scratch: String,
}

impl GoTypes {
    /// A registry whose user ids start at `first_id`; struct types are qualified with `package`.
    pub(crate) fn new(package: String, first_id: TypeId) -> Self {
        GoTypes {
            package,
            next_id: first_id.max(FIRST_USER_ID),
            entries: Vec::new(),
            index: FastMap::default(),
            sent_order: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Appends Go's `reflect.Type.String()` for a shape.
    fn write_go_string(&self, s: &Shape, out: &mut String) {
        match s {
            Shape::Scalar(_, go) => out.push_str(go),
            Shape::Ptr(e) => {
                out.push('*');
                self.write_go_string(e, out);
            }
            Shape::Slice(e) => {
                out.push_str("[]");
                self.write_go_string(e, out);
            }
            Shape::Array(e, n) => {
                let _ = write!(out, "[{n}]");
                self.write_go_string(e, out);
            }
            Shape::Map(k, v) => {
                out.push_str("map[");
                self.write_go_string(k, out);
                out.push(']');
                self.write_go_string(v, out);
            }
            Shape::Named(n, _) | Shape::Struct(n) | Shape::Interface(n) if is_ident(n) => {
                out.push_str(&self.package);
                out.push('.');
                out.push_str(n);
            }
            // Already Go's spelling: `pkg.Name`, or a type literal such as `interface {}`.
            Shape::Named(n, _) | Shape::Struct(n) | Shape::Interface(n) => out.push_str(n),
            Shape::Marshal(n, _) => out.push_str(n),
            Shape::Unsupported(what) => {
                out.push('<');
                out.push_str(what);
                out.push('>');
            }
        }
    }

    /// The entry of a base shape, or its type string when there is none yet.
    fn lookup(&mut self, base: &Shape) -> std::result::Result<usize, String> {
        let mut key = std::mem::take(&mut self.scratch);
        key.clear();
        self.write_go_string(base, &mut key);
        match self.index.get(key.as_str()) {
            Some(&i) => {
                self.scratch = key;
                Ok(i)
            }
            None => Err(key),
        }
    }

    fn ref_id(&self, r: Ref) -> TypeId {
        match r {
            Ref::Builtin(id) => id,
            Ref::Entry(i) => self.entries[i].id,
        }
    }

    fn set_id(&mut self, r: Ref) {
        if let Ref::Entry(i) = r {
            if self.entries[i].id == 0 {
                self.entries[i].id = self.next_id;
                self.next_id += 1;
            }
        }
    }

    fn push(&mut self, name: Name, key: String, kind: EntryKind) -> usize {
        let i = self.entries.len();
        let name = match name {
            Name::Go(n) => Cow::Borrowed(n),
            Name::TypeString => Cow::Owned(key.clone()),
        };
        self.entries.push(Entry {
            name,
            id: 0,
            kind,
            sent: false,
            ptr_id: 0,
            sent_as_ptr: false,
        });
        self.index.insert(key, i);
        i
    }

    /// Go's `getBaseType(name, rt)`.
    fn base_type(&mut self, schema: &Schema, name: Name, s: &Shape) -> Result<Ref> {
        let base = s.base();
        // A named scalar (even a named []byte) is the predefined type, as in Go.
        match base.structure() {
            Shape::Scalar(id, _) => return Ok(Ref::Builtin(*id)),
            Shape::Interface(_) => return Ok(Ref::Builtin(INTERFACE)),
            Shape::Unsupported(what) => {
                return Err(Error::unsupported(format!("gob cannot encode {what}")))
            }
            _ => {}
        }
        let key = match self.lookup(base) {
            Ok(i) => return Ok(Ref::Entry(i)),
            Err(key) => key,
        };
        let r = match base.structure() {
            Shape::Marshal(_, kind) => {
                let r = Ref::Entry(self.push(name, key, EntryKind::Marshal(*kind)));
                self.set_id(r);
                r
            }
            Shape::Array(e, n) => {
                let i = self.push(name, key, EntryKind::Array(None, *n));
                let er = self.base_type(schema, Name::Go(""), e)?;
                self.set_id(Ref::Entry(i));
                self.entries[i].kind = EntryKind::Array(Some(er), *n);
                Ref::Entry(i)
            }
            Shape::Map(k, v) => {
                let i = self.push(name, key, EntryKind::Map(None, None));
                let kr = self.base_type(schema, Name::Go(""), k)?;
                let vr = self.base_type(schema, Name::Go(""), v)?;
                self.set_id(Ref::Entry(i));
                self.entries[i].kind = EntryKind::Map(Some(kr), Some(vr));
                Ref::Entry(i)
            }
            Shape::Slice(e) => {
                let i = self.push(name, key, EntryKind::Slice(None));
                let er = self.base_type(schema, Name::Go(go_name(e)), e)?;
                self.set_id(Ref::Entry(i));
                self.set_id(er);
                self.entries[i].kind = EntryKind::Slice(Some(er));
                Ref::Entry(i)
            }
            Shape::Struct(sname) => {
                let i = self.push(name, key, EntryKind::Struct(Vec::new()));
                self.set_id(Ref::Entry(i));
                let fields = schema.structs.get(sname).map_or(&[][..], |s| &s.fields);
                let mut refs = Vec::with_capacity(fields.len());
                for (fname, fshape) in fields {
                    let tname = match go_name(fshape.base()) {
                        "" => Name::TypeString,
                        n => Name::Go(n),
                    };
                    let gt = self
                        .base_type(schema, tname, fshape)
                        .map_err(|e| e.in_field(fname))?;
                    self.set_id(gt);
                    refs.push((*fname, gt));
                }
                self.entries[i].kind = EntryKind::Struct(refs);
                Ref::Entry(i)
            }
            Shape::Scalar(..)
            | Shape::Interface(_)
            | Shape::Ptr(_)
            | Shape::Named(..)
            | Shape::Unsupported(_) => return Err(Error::unsupported("unreachable shape")),
        };
        Ok(r)
    }

    /// The type id a top-level value of this shape is sent with, building its description if
    /// needed.
    pub(crate) fn id_of(&mut self, schema: &Schema, s: &Shape) -> Result<TypeId> {
        let base = s.base();
        // Go names a top-level type by `rt.Name()` of the type it describes: for a marshaling
        // type that is the type as given, so a pointer to one is named "".
        let name = match base {
            Shape::Marshal(..) => go_name(s),
            _ => go_name(base),
        };
        let r = self.base_type(schema, Name::Go(name), base)?;
        if let (Shape::Ptr(_), Shape::Marshal(..), Ref::Entry(i)) = (s, base, r) {
            // Encoding the value describes the pointer type (Go's `getTypeInfo`), sent or not.
            self.ptr_description(i);
        }
        Ok(self.ref_id(r))
    }

    /// The id of the description of a pointer to marshaling entry `i`, made when first needed.
    fn ptr_description(&mut self, i: usize) -> TypeId {
        if self.entries[i].ptr_id == 0 {
            self.entries[i].ptr_id = self.next_id;
            self.next_id += 1;
        }
        self.entries[i].ptr_id
    }

    /// Appends entry `i`'s definition message body: its negated id, then its `wireType`.
    pub(crate) fn encode_def(&self, i: usize, buf: &mut Vec<u8>) {
        let e = &self.entries[i];
        let id = |r: &Option<Ref>| r.map_or(0, |r| self.ref_id(r));
        wire::put_int(buf, -i64::from(e.id));
        let kind = match &e.kind {
            EntryKind::Array(el, n) => KindParts::Array(id(el), *n as i64),
            EntryKind::Slice(el) => KindParts::Slice(id(el)),
            EntryKind::Map(k, v) => KindParts::Map(id(k), id(v)),
            EntryKind::Struct(fields) => {
                KindParts::Struct(fields.iter().map(|(n, r)| (*n, self.ref_id(*r))))
            }
            EntryKind::Marshal(k) => KindParts::Marshal(*k),
        };
        if e.sent_as_ptr {
            encode_wire_type(buf, "", e.ptr_id, kind);
        } else {
            encode_wire_type(buf, &e.name, e.id, kind);
        }
    }

    /// A point to return to with [`GoTypes::rollback`].
    pub(crate) fn mark(&self) -> usize {
        self.sent_order.len()
    }

    /// Forgets definitions sent after `mark`: the value that needed them was not written.
    pub(crate) fn rollback(&mut self, mark: usize) {
        for i in self.sent_order.drain(mark.min(self.sent_order.len())..) {
            self.entries[i].sent = false;
        }
    }

    /// Go's `sendType`: marks as sent every definition this shape needs that this stream has not
    /// sent yet, parent first, and appends their entries to `defs` (for [`GoTypes::encode_def`]).
    pub(crate) fn send_type(
        &mut self,
        schema: &Schema,
        s: &Shape,
        defs: &mut Vec<usize>,
    ) -> Result<()> {
        let base = s.base();
        if matches!(
            base.structure(),
            Shape::Scalar(..) | Shape::Interface(_) | Shape::Unsupported(_)
        ) {
            return Ok(());
        }
        // Finds the entry, or builds it with everything it refers to (which sends nothing).
        let r = self.base_type(schema, Name::Go(go_name(base)), base)?;
        let Ref::Entry(i) = r else { return Ok(()) };
        if self.entries[i].sent {
            return Ok(());
        }
        self.entries[i].sent = true;
        let as_ptr = matches!(s, Shape::Ptr(_)) && matches!(base.structure(), Shape::Marshal(..));
        self.entries[i].sent_as_ptr = as_ptr;
        if as_ptr {
            self.ptr_description(i);
        }
        self.sent_order.push(i);
        defs.push(i);
        match base.structure() {
            Shape::Struct(name) => {
                let fields = schema.structs.get(name).map_or(&[][..], |s| &s.fields);
                for (_, f) in fields {
                    self.send_type(schema, f, defs)?;
                }
            }
            Shape::Array(e, _) | Shape::Slice(e) => self.send_type(schema, e, defs)?,
            Shape::Map(k, v) => {
                self.send_type(schema, k, defs)?;
                self.send_type(schema, v, defs)?;
            }
            // Go's `sendActualType` goes on into the Go struct behind a marshaling type.
            Shape::Marshal(name, _) => {
                for f in schema.marshal_fields.get(name).map_or(&[][..], |f| f) {
                    self.send_type(schema, f, defs)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Go's `reflect.Type.Name()`: the name of a named type, `""` for unnamed and pointer types.
fn go_name(s: &Shape) -> &'static str {
    match s {
        Shape::Scalar(_, go) if !go.starts_with('[') => go,
        Shape::Named(n, _) | Shape::Struct(n) | Shape::Interface(n) => unqualified(n),
        Shape::Marshal(n, _) => n.rsplit('.').next().unwrap_or(n),
        _ => "",
    }
}

/// True for a Go identifier: a Rust type name that names a type of the encoder's package.
fn is_ident(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The Go name of a Rust type name: itself for an identifier, `Name` for `pkg.Name`, and `""` for
/// anything else, which is the literal of an unnamed Go type (`struct { A int }`, `interface {}`).
fn unqualified(n: &'static str) -> &'static str {
    match n.split_once('.') {
        None if is_ident(n) => n,
        Some((pkg, name)) if is_ident(pkg) && is_ident(name) => name,
        _ => "",
    }
}
