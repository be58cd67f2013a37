//! The types to generate for a stream, in neither language yet: one [`Item`] per Go named type
//! (structs, marshalers, `type Tags []string`, and one per interface type), and a [`Ty`] for every
//! field, element and top-level value.
//!
//! Interfaces: the wire never names the interface type of a struct field (it sends the predefined
//! id 8), and Go's registry of concrete types is one per process: a registered name stands for the
//! same Go type everywhere in a stream. So every interface position whose Go type the wire does not
//! name shares one enum, `Any`, of every registered name the stream holds; a type string that names
//! the interface (a field of type `[]main.Shape`) gives those positions an enum of that name, with
//! the names seen there. A per-field enum would only list what one field happened to hold, and two
//! fields of one Go interface type would get two Rust types.

use std::collections::{HashMap, HashSet};

use gob_codec::{MarshalKind, TypeId, WireKind};

use crate::gotype::GoType;
use crate::model::{Model, Pos, Slot, COMPLEX, INTERFACE, STRING};

/// A field, element or value type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// A predefined scalar (bool, int, uint, float, string, complex, `[]byte`) with the Go name a
    /// type string gave it (`int8`), if any.
    Scalar(TypeId, Option<String>),
    /// `time.Time`.
    Time,
    /// A Go string that some value held as bytes that are not UTF-8: `gob_codec::GoString`.
    GoString,
    Item(usize),
    /// An interface: the enum item, and whether the Rust side needs `Option` for nil.
    Iface(usize, bool),
    Slice(Box<Ty>),
    Array(u64, Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    /// A Go pointer (`Option` in Rust): a struct field that some value left out, or a `*` in a type
    /// string.
    Ptr(Box<Ty>),
    /// Rust `Option` for a map field that Go sent empty (so nil and empty differ); a plain map in Go.
    NilMap(Box<Ty>),
    /// An id that no definition gave.
    Undefined(TypeId),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub go_name: String,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub struct Variant {
    /// The name Go registered the concrete type under.
    pub registered: String,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Struct(Vec<Field>),
    /// A Go named type over a scalar, slice, array or map.
    Named(Ty),
    /// A marshaler, with the field types its Go struct declares (see `Model::marshaler_fields`).
    Marshal(MarshalKind, Vec<Ty>),
    /// An interface type; `any` when the stream does not name it.
    Interface {
        any: bool,
        positions: Vec<Pos>,
        variants: Vec<Variant>,
    },
}

#[derive(Debug, Clone)]
pub struct Item {
    /// The definition's id (none for interfaces and named scalars, which have no definition).
    pub id: Option<TypeId>,
    /// The Go name, `""` for an unnamed struct.
    pub go_name: String,
    /// The package, when a type string said.
    pub pkg: Option<String>,
    /// The name in the definition: the Go name, `""`, or a type literal (`struct { A int }`).
    pub wire_name: String,
    /// For unnamed structs: the struct and field that use it, to name it after.
    pub context: Option<(String, String)>,
    pub kind: Kind,
}

pub struct Plan<'m, 'a> {
    pub model: &'m Model<'a>,
    pub items: Vec<Item>,
    /// The top-level values' types, in stream order.
    pub top: Vec<Ty>,
    by_id: HashMap<TypeId, usize>,
    /// Interface enums by the Go type string naming them (`""` for `Any`), named scalars by theirs.
    by_name: HashMap<String, usize>,
    /// The unnamed types being built (nested in one another), to stop at a cycle or great depth.
    visiting: Vec<TypeId>,
    /// (interface item, position) pairs recorded.
    seen_pos: HashSet<(usize, Pos)>,
}

/// Unnamed types nested deeper than this (only a hostile stream has them) are not followed.
const MAX_NESTING: usize = 64;

impl<'m, 'a> Plan<'m, 'a> {
    pub fn new(model: &'m Model<'a>) -> Self {
        let mut p = Plan {
            model,
            items: Vec::new(),
            top: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            visiting: Vec::new(),
            seen_pos: HashSet::new(),
        };
        let types = model.types;
        for &id in types.ids() {
            if !model.is_named(id) || model.is_time(id) {
                continue;
            }
            let Some(wt) = types.get(id) else { continue };
            let kind = match &wt.kind {
                WireKind::Marshal(k) => Kind::Marshal(*k, Vec::new()),
                WireKind::Struct { .. } => Kind::Struct(Vec::new()),
                _ => Kind::Named(Ty::Undefined(id)),
            };
            p.by_id.insert(id, p.items.len());
            p.items.push(Item {
                id: Some(id),
                go_name: model.go_name(id).to_owned(),
                pkg: model.package(id).map(str::to_owned),
                wire_name: wt.name.clone(),
                context: None,
                kind,
            });
        }
        for i in 0..p.items.len() {
            let Some(id) = p.items[i].id else { continue };
            let kind = match types.get(id).map(|w| &w.kind) {
                Some(WireKind::Struct { fields }) => Kind::Struct(
                    fields
                        .iter()
                        .enumerate()
                        .map(|(n, f)| Field {
                            go_name: f.name.clone(),
                            ty: p.field_ty(id, n, f.id),
                        })
                        .collect(),
                ),
                Some(WireKind::Marshal(k)) => {
                    let fields = model.marshal_fields.get(&id).cloned().unwrap_or_default();
                    let tys = fields
                        .iter()
                        .enumerate()
                        .map(|(n, &f)| p.ty(f, None, (id, Slot::Field(n))))
                        .collect();
                    Kind::Marshal(*k, tys)
                }
                _ => Kind::Named(p.structure(id, None)),
            };
            p.items[i].kind = kind;
        }
        p.top = model
            .top
            .iter()
            .map(|&id| {
                let t = p.ty(id, None, (0, Slot::Top));
                if model.ptr_top.contains(&id) {
                    Ty::Ptr(Box::new(t))
                } else {
                    t
                }
            })
            .collect();
        p.fill_interfaces();
        p.name_unnamed_structs();
        p
    }

    /// The type of field `n` of struct `sid`.
    fn field_ty(&mut self, sid: TypeId, n: usize, id: TypeId) -> Ty {
        let t = self.ty(id, None, (sid, Slot::Field(n)));
        let m = self.model;
        match t {
            Ty::Item(_) if m.ptr_reach.contains(&(sid, Slot::Field(n))) => Ty::Ptr(Box::new(t)),
            // A nil interface field is left out: it must decode as nil.
            Ty::Iface(e, _) => Ty::Iface(e, true),
            Ty::Item(i) if m.missing.contains(&(sid, n)) && self.is_struct(i) => {
                Ty::Ptr(Box::new(t))
            }
            Ty::Array(..) if m.missing.contains(&(sid, n)) => Ty::Ptr(Box::new(t)),
            Ty::Map(..) if m.empty_map.contains(&(sid, n)) => Ty::NilMap(Box::new(t)),
            Ty::Item(i) if m.empty_map.contains(&(sid, n)) && self.is_map(i) => {
                Ty::NilMap(Box::new(t))
            }
            t => t,
        }
    }

    pub fn is_struct(&self, i: usize) -> bool {
        matches!(self.items[i].kind, Kind::Struct(_))
    }

    fn is_map(&self, i: usize) -> bool {
        matches!(self.items[i].kind, Kind::Named(Ty::Map(..)))
    }

    /// The type of a value of `id` at `pos`; `hint` is what a type string says it is.
    fn ty(&mut self, id: TypeId, hint: Option<&GoType>, pos: Pos) -> Ty {
        if let Some(GoType::Ptr(inner)) = hint {
            return Ty::Ptr(Box::new(self.ty_at(id, Some(inner), pos)));
        }
        let t = self.ty_at(id, hint, pos);
        if self.model.ptr_reach.contains(&pos) && !matches!(pos.1, Slot::Field(_)) {
            // An element through which Go reached a marshaler, as a pointer (`Model::ptr_reach`).
            Ty::Ptr(Box::new(t))
        } else {
            t
        }
    }

    fn ty_at(&mut self, id: TypeId, hint: Option<&GoType>, pos: Pos) -> Ty {
        let m = self.model;
        if let Some(GoType::Ptr(_)) = hint {
            return self.ty(id, hint, pos);
        }
        match id {
            1..=7 => match hint {
                Some(GoType::Named {
                    pkg: Some(pkg),
                    name,
                }) => {
                    let base = self.ty(id, None, pos);
                    Ty::Item(self.named_scalar(pkg, name, base))
                }
                _ if id == STRING && m.raw_strings.contains(&pos) => Ty::GoString,
                _ => Ty::Scalar(id, scalar_hint(id, hint)),
            },
            INTERFACE => {
                let key = match hint {
                    Some(GoType::Named { pkg: Some(p), name }) => format!("{p}.{name}"),
                    Some(GoType::Literal(l)) if l != "interface {}" => l.clone(),
                    _ => String::new(),
                };
                let e = self.interface(&key, hint);
                if self.seen_pos.insert((e, pos)) {
                    if let Kind::Interface { positions, .. } = &mut self.items[e].kind {
                        positions.push(pos);
                    }
                }
                Ty::Iface(e, m.nil_at.contains(&pos))
            }
            _ if m.is_time(id) => Ty::Time,
            _ => match self.by_id.get(&id) {
                Some(&i) => Ty::Item(i),
                None => self.structure(id, hint),
            },
        }
    }

    /// An unnamed slice, array or map, or the underlying type of a named one.
    fn structure(&mut self, id: TypeId, hint: Option<&GoType>) -> Ty {
        let m = self.model;
        let hint = hint.or_else(|| m.hint(id)).cloned();
        let Some(wt) = m.types.get(id) else {
            return Ty::Undefined(id);
        };
        if self.visiting.contains(&id) || self.visiting.len() >= MAX_NESTING {
            // Only a malformed stream has an unnamed type that contains itself.
            return Ty::Undefined(id);
        }
        self.visiting.push(id);
        let t = match (&wt.kind, hint.as_ref()) {
            (WireKind::Slice { elem }, h) => {
                let h = match h {
                    Some(GoType::Slice(e)) => Some(&**e),
                    _ => None,
                };
                Ty::Slice(Box::new(self.ty(*elem, h, (id, Slot::Elem))))
            }
            (WireKind::Array { elem, len }, h) => {
                let h = match h {
                    Some(GoType::Array(_, e)) => Some(&**e),
                    _ => None,
                };
                let len = u64::try_from(*len).unwrap_or(0);
                Ty::Array(len, Box::new(self.ty(*elem, h, (id, Slot::Elem))))
            }
            (WireKind::Map { key, elem }, h) => {
                let (hk, hv) = match h {
                    Some(GoType::Map(k, v)) => (Some(&**k), Some(&**v)),
                    _ => (None, None),
                };
                let k = self.ty(*key, hk, (id, Slot::Key));
                let v = self.ty(*elem, hv, (id, Slot::Val));
                Ty::Map(Box::new(k), Box::new(v))
            }
            _ => Ty::Undefined(id),
        };
        self.visiting.pop();
        t
    }

    fn named_scalar(&mut self, pkg: &str, name: &str, base: Ty) -> usize {
        let key = format!("{pkg}.{name}");
        if let Some(&i) = self.by_name.get(&key) {
            return i;
        }
        self.push_named(key, name, Some(pkg), Kind::Named(base))
    }

    /// The enum for the interface type named `key` (`""`: unnamed, `Any`).
    fn interface(&mut self, key: &str, hint: Option<&GoType>) -> usize {
        if let Some(&i) = self.by_name.get(key) {
            return i;
        }
        let (name, pkg) = match hint {
            Some(GoType::Named { pkg, name }) if !key.is_empty() => (name.clone(), pkg.clone()),
            _ => (String::new(), None),
        };
        let kind = Kind::Interface {
            any: key.is_empty(),
            positions: Vec::new(),
            variants: Vec::new(),
        };
        self.push_named(key.to_owned(), &name, pkg.as_deref(), kind)
    }

    fn push_named(&mut self, key: String, name: &str, pkg: Option<&str>, kind: Kind) -> usize {
        let i = self.items.len();
        self.items.push(Item {
            id: None,
            go_name: name.to_owned(),
            pkg: pkg.map(str::to_owned),
            wire_name: key.clone(),
            context: None,
            kind,
        });
        self.by_name.insert(key, i);
        i
    }

    /// Each interface enum's variants: the registered names seen at its positions (every name in
    /// the stream for `Any`). Variant types can add positions and enums: until nothing is new.
    fn fill_interfaces(&mut self) {
        let mut filled: HashMap<usize, usize> = HashMap::new();
        loop {
            let mut progress = false;
            for i in 0..self.items.len() {
                let (any, positions) = match &self.items[i].kind {
                    Kind::Interface { any, positions, .. } => (*any, positions.clone()),
                    _ => continue,
                };
                if filled.get(&i) == Some(&positions.len()) {
                    continue;
                }
                filled.insert(i, positions.len());
                progress = true;
                let mut names = if any {
                    Vec::new()
                } else {
                    self.model.names_in(&positions)
                };
                if names.is_empty() {
                    names = self
                        .model
                        .registered
                        .iter()
                        .map(|(n, _)| n.clone())
                        .collect();
                }
                let mut variants = Vec::new();
                for name in names {
                    let Some(id) = self.model.concrete(&name) else {
                        continue;
                    };
                    let hint = GoType::parse(&name);
                    let ty = self.ty(id, hint.as_ref().map(GoType::base), (id, Slot::Top));
                    variants.push(Variant {
                        registered: name,
                        ty,
                    });
                }
                if let Kind::Interface { variants: v, .. } = &mut self.items[i].kind {
                    *v = variants;
                }
            }
            if !progress {
                break;
            }
        }
    }

    /// Unnamed structs are named after the first struct field of their type.
    fn name_unnamed_structs(&mut self) {
        let mut ctx: HashMap<usize, (String, String)> = HashMap::new();
        for it in &self.items {
            if let Kind::Struct(fields) = &it.kind {
                for f in fields {
                    let mut t = &f.ty;
                    while let Ty::Ptr(inner) | Ty::NilMap(inner) = t {
                        t = inner;
                    }
                    if let Ty::Item(j) = t {
                        ctx.entry(*j)
                            .or_insert_with(|| (it.go_name.clone(), f.go_name.clone()));
                    }
                }
            }
        }
        for (j, c) in ctx {
            if self.items[j].go_name.is_empty() {
                self.items[j].context = Some(c);
            }
        }
    }
}

/// The predeclared Go type a type string gives a scalar, when it fits the wire type.
fn scalar_hint(id: TypeId, hint: Option<&GoType>) -> Option<String> {
    let n = hint?.predeclared()?;
    let fits = match id {
        1 => n == "bool",
        2 => matches!(n, "int" | "int8" | "int16" | "int32" | "int64" | "rune"),
        3 => matches!(
            n,
            "uint" | "uint8" | "uint16" | "uint32" | "uint64" | "uintptr" | "byte"
        ),
        4 => matches!(n, "float32" | "float64"),
        STRING => n == "string",
        COMPLEX => matches!(n, "complex64" | "complex128"),
        _ => false,
    };
    fits.then(|| n.to_owned())
}
