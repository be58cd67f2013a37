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

use std::collections::{HashMap, HashSet};

use super::{Schema, Shape};
use crate::error::{Error, Result};
use crate::types::{FieldDef, TypeId, WireKind, WireType, FIRST_USER_ID, INTERFACE};

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
    name: String,
    id: TypeId,
    kind: EntryKind,
}

/// The type registry of one encoding stream, standing in for Go's process-global one.
#[derive(Debug)]
pub(crate) struct GoTypes {
    package: String,
    next_id: TypeId,
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    sent: HashSet<String>,
    /// `sent` in insertion order, so a failed value can take its definitions back.
    sent_order: Vec<String>,
}

impl GoTypes {
    /// A registry whose user ids start at `first_id`; struct types are qualified with `package`.
    pub(crate) fn new(package: &str, first_id: TypeId) -> Self {
        GoTypes {
            package: package.to_owned(),
            next_id: first_id.max(FIRST_USER_ID),
            entries: Vec::new(),
            index: HashMap::new(),
            sent: HashSet::new(),
            sent_order: Vec::new(),
        }
    }

    /// Go's `reflect.Type.String()` for a shape.
    pub(crate) fn go_string(&self, s: &Shape) -> String {
        match s {
            Shape::Scalar(_, go) => (*go).to_owned(),
            Shape::Ptr(e) => format!("*{}", self.go_string(e)),
            Shape::Slice(e) => format!("[]{}", self.go_string(e)),
            Shape::Array(e, n) => format!("[{n}]{}", self.go_string(e)),
            Shape::Map(k, v) => format!("map[{}]{}", self.go_string(k), self.go_string(v)),
            Shape::Named(n, _) | Shape::Struct(n) | Shape::Interface(n) if is_ident(n) => {
                format!("{}.{n}", self.package)
            }
            // Already Go's spelling: `pkg.Name`, or a type literal such as `interface {}`.
            Shape::Named(n, _) | Shape::Struct(n) | Shape::Interface(n) => (*n).to_owned(),
            Shape::Marshal(n, _) => (*n).to_owned(),
            Shape::Unsupported(what) => format!("<{what}>"),
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

    fn push(&mut self, name: &str, key: String, kind: EntryKind) -> usize {
        let i = self.entries.len();
        self.entries.push(Entry {
            name: name.to_owned(),
            id: 0,
            kind,
        });
        self.index.insert(key, i);
        i
    }

    /// Go's `getBaseType(name, rt)`.
    fn base_type(&mut self, schema: &Schema, name: &str, s: &Shape) -> Result<Ref> {
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
        let key = self.go_string(base);
        if let Some(&i) = self.index.get(&key) {
            return Ok(Ref::Entry(i));
        }
        let r = match base.structure() {
            Shape::Marshal(_, kind) => {
                let r = Ref::Entry(self.push(name, key, EntryKind::Marshal(*kind)));
                self.set_id(r);
                r
            }
            Shape::Array(e, n) => {
                let i = self.push(name, key, EntryKind::Array(None, *n));
                let er = self.base_type(schema, "", e)?;
                self.set_id(Ref::Entry(i));
                self.entries[i].kind = EntryKind::Array(Some(er), *n);
                Ref::Entry(i)
            }
            Shape::Map(k, v) => {
                let i = self.push(name, key, EntryKind::Map(None, None));
                let kr = self.base_type(schema, "", k)?;
                let vr = self.base_type(schema, "", v)?;
                self.set_id(Ref::Entry(i));
                self.entries[i].kind = EntryKind::Map(Some(kr), Some(vr));
                Ref::Entry(i)
            }
            Shape::Slice(e) => {
                let i = self.push(name, key, EntryKind::Slice(None));
                let er = self.base_type(schema, go_name(e), e)?;
                self.set_id(Ref::Entry(i));
                self.set_id(er);
                self.entries[i].kind = EntryKind::Slice(Some(er));
                Ref::Entry(i)
            }
            Shape::Struct(sname) => {
                let i = self.push(name, key, EntryKind::Struct(Vec::new()));
                self.set_id(Ref::Entry(i));
                let fields = schema
                    .structs
                    .get(sname)
                    .map(|s| s.fields.clone())
                    .unwrap_or_default();
                let mut refs = Vec::with_capacity(fields.len());
                for (fname, fshape) in &fields {
                    let fbase = fshape.base();
                    let tname = match go_name(fbase) {
                        "" => self.go_string(fbase),
                        n => n.to_owned(),
                    };
                    let gt = self
                        .base_type(schema, &tname, fshape)
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

    /// The type id a value of this shape is sent with, building its description if needed.
    pub(crate) fn id_of(&mut self, schema: &Schema, s: &Shape) -> Result<TypeId> {
        let base = s.base();
        let r = self.base_type(schema, go_name(base), base)?;
        Ok(self.ref_id(r))
    }

    fn wire_of(&self, i: usize) -> WireType {
        let e = &self.entries[i];
        let id = |r: &Option<Ref>| r.map_or(0, |r| self.ref_id(r));
        let kind = match &e.kind {
            EntryKind::Array(el, n) => WireKind::Array {
                elem: id(el),
                len: *n as i64,
            },
            EntryKind::Slice(el) => WireKind::Slice { elem: id(el) },
            EntryKind::Map(k, v) => WireKind::Map {
                key: id(k),
                elem: id(v),
            },
            EntryKind::Struct(fields) => WireKind::Struct {
                fields: fields
                    .iter()
                    .map(|(n, r)| FieldDef {
                        name: (*n).to_owned(),
                        id: self.ref_id(*r),
                    })
                    .collect(),
            },
            EntryKind::Marshal(k) => WireKind::Marshal(*k),
        };
        WireType {
            name: e.name.clone(),
            id: e.id,
            kind,
        }
    }

    /// A point to return to with [`GoTypes::rollback`].
    pub(crate) fn mark(&self) -> usize {
        self.sent_order.len()
    }

    /// Forgets definitions sent after `mark`: the value that needed them was not written.
    pub(crate) fn rollback(&mut self, mark: usize) {
        for key in self.sent_order.drain(mark.min(self.sent_order.len())..) {
            self.sent.remove(&key);
        }
    }

    /// Go's `sendType`: appends to `defs` every definition this shape needs that this stream has not
    /// sent yet, parent first.
    pub(crate) fn send_type(
        &mut self,
        schema: &Schema,
        s: &Shape,
        defs: &mut Vec<WireType>,
    ) -> Result<()> {
        let base = s.base();
        if matches!(
            base.structure(),
            Shape::Scalar(..) | Shape::Interface(_) | Shape::Unsupported(_)
        ) {
            return Ok(());
        }
        let key = self.go_string(base);
        if self.sent.contains(&key) {
            return Ok(());
        }
        let r = self.base_type(schema, go_name(base), base)?;
        let Ref::Entry(i) = r else { return Ok(()) };
        defs.push(self.wire_of(i));
        self.sent.insert(key.clone());
        self.sent_order.push(key);
        match base.structure() {
            Shape::Struct(name) => {
                let fields = schema
                    .structs
                    .get(name)
                    .map(|s| s.fields.clone())
                    .unwrap_or_default();
                for (_, f) in &fields {
                    self.send_type(schema, f, defs)?;
                }
            }
            Shape::Array(e, _) | Shape::Slice(e) => self.send_type(schema, e, defs)?,
            Shape::Map(k, v) => {
                self.send_type(schema, k, defs)?;
                self.send_type(schema, v, defs)?;
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
