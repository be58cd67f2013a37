//! What a whole stream says about its Go types, for `--rust` and `--go`: the definitions, the type
//! strings among their names (see [`crate::gotype`]), and what the values show that definitions do
//! not: which struct fields were left out (a nil pointer, when the field is a struct), which maps
//! were sent empty, which strings were not UTF-8, and which registered names each interface held.

use std::collections::{HashMap, HashSet};

use gob_codec::{MarshalKind, TypeId, TypeTable, Value, WireKind};

use crate::gotype::{unify, GoType, Qualified};
use crate::naming::is_go_ident;

/// Predefined ids (`WIRE.md`, "Predefined types").
pub const BOOL: TypeId = 1;
pub const INT: TypeId = 2;
pub const UINT: TypeId = 3;
pub const FLOAT: TypeId = 4;
pub const BYTES: TypeId = 5;
pub const STRING: TypeId = 6;
pub const COMPLEX: TypeId = 7;
pub const INTERFACE: TypeId = 8;

/// Where a value sits inside its parent type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Field(usize),
    Elem,
    Key,
    Val,
    /// A top-level value, or the value inside an interface.
    Top,
}

/// A place in the types: the parent type id (0 at top level) and the slot.
pub type Pos = (TypeId, Slot);

/// Everything `--rust` and `--go` generate from.
pub struct Model<'a> {
    pub types: &'a TypeTable,
    /// The top-level values' type ids, in stream order.
    pub top: Vec<TypeId>,
    /// Type strings among the definitions' names, parsed (`[]*main.Tree` for a field's slice).
    pub hints: HashMap<TypeId, GoType>,
    /// Packages and names of user types, from type strings that mention them.
    pub qualified: HashMap<TypeId, Qualified>,
    /// Every registered name an interface held, with its concrete type id, in order first seen.
    pub registered: Vec<(String, TypeId)>,
    /// Registered names held at each interface position, in order first seen.
    pub names_at: HashMap<Pos, Vec<String>>,
    /// Interface positions that held nil.
    pub nil_at: HashSet<Pos>,
    /// Struct fields (struct id, field number) that some value left out.
    pub missing: HashSet<(TypeId, usize)>,
    /// Map fields that some value sent with no entries (Go's empty, non-nil map).
    pub empty_map: HashSet<(TypeId, usize)>,
    /// Positions where some value held a Go string that is not UTF-8 (a `String` cannot).
    pub raw_strings: HashSet<Pos>,
    /// Some map value had more than one entry (Go's order is random; a Rust map's is not).
    pub multi_entry_map: bool,
    /// Where Go first reached a marshaler through a pointer (see [`Model::pointer_marshalers`]).
    pub ptr_reach: HashSet<Pos>,
    /// Top-level types that are such marshalers: the values were pointers.
    pub ptr_top: HashSet<TypeId>,
    /// The field types a marshaler's Go struct declares (see [`Model::marshaler_fields`]).
    pub marshal_fields: HashMap<TypeId, Vec<TypeId>>,
    /// Registered names recorded, in `registered` (`None`) and at each position.
    seen_names: HashSet<(Option<Pos>, String)>,
    concrete: HashMap<String, TypeId>,
}

impl<'a> Model<'a> {
    pub fn new(types: &'a TypeTable, values: &[Value]) -> Model<'a> {
        let mut m = Model {
            types,
            top: values.iter().map(Value::type_id).collect(),
            hints: HashMap::new(),
            qualified: HashMap::new(),
            registered: Vec::new(),
            names_at: HashMap::new(),
            nil_at: HashSet::new(),
            missing: HashSet::new(),
            empty_map: HashSet::new(),
            raw_strings: HashSet::new(),
            multi_entry_map: false,
            ptr_reach: HashSet::new(),
            ptr_top: HashSet::new(),
            marshal_fields: HashMap::new(),
            seen_names: HashSet::new(),
            concrete: HashMap::new(),
        };
        for v in values {
            m.walk(v, (0, Slot::Top));
        }
        for &id in types.ids() {
            let Some(wt) = types.get(id) else { continue };
            if wt.name.is_empty() || is_go_ident(&wt.name) {
                continue;
            }
            if let Some(t) = GoType::parse(&wt.name) {
                m.hints.insert(id, t);
            }
        }
        let mut found = HashMap::new();
        let mut note = |id, q| {
            found.entry(id).or_insert(q);
        };
        for (id, t) in &m.hints {
            unify(types, t, *id, &mut note, 0);
        }
        for (name, id) in &m.registered {
            if let Some(t) = GoType::parse(name) {
                unify(types, &t, *id, &mut note, 0);
            }
        }
        m.qualified = found;
        m.pointer_marshalers();
        m.marshaler_fields();
        m
    }

    /// The ids a definition refers to, with their slots.
    pub fn children(&self, id: TypeId) -> Vec<(Slot, TypeId)> {
        match self.types.get(id).map(|w| &w.kind) {
            Some(WireKind::Struct { fields }) => fields
                .iter()
                .enumerate()
                .map(|(n, f)| (Slot::Field(n), f.id))
                .collect(),
            Some(WireKind::Slice { elem } | WireKind::Array { elem, .. }) => {
                vec![(Slot::Elem, *elem)]
            }
            Some(WireKind::Map { key, elem }) => vec![(Slot::Key, *key), (Slot::Val, *elem)],
            _ => Vec::new(),
        }
    }

    /// A marshaler Go first reached through a pointer (`*time.Time`) is defined by the pointer's
    /// description: no name, and the pointer's id as `CommonType.Id`. Go sends a definition while
    /// sending the first one that refers to it, parent first, so the place it was reached from is
    /// the last definition before it that refers to it (its first slot that does), or a top-level
    /// value when none does. The Rust type there must be an `Option` for the encoder to do the same.
    fn pointer_marshalers(&mut self) {
        let ids = self.types.ids();
        for (at, &id) in ids.iter().enumerate() {
            let Some(wt) = self.types.get(id) else {
                continue;
            };
            if !matches!(wt.kind, WireKind::Marshal(_)) || wt.id == 0 || wt.id == id {
                continue;
            }
            let parent = ids[..at].iter().rev().find_map(|&p| {
                let slot = self.children(p).into_iter().find(|&(_, c)| c == id)?;
                Some((p, slot.0))
            });
            match parent {
                Some(pos) => {
                    self.ptr_reach.insert(pos);
                }
                None => {
                    self.ptr_top.insert(id);
                }
            }
        }
    }

    /// Go sends, after the definition of a marshaler whose Go type is a struct, the definitions of
    /// that struct's field types (`sendActualType`), which nothing on the wire refers to. Each such
    /// definition that nothing refers to belongs to the last marshaler defined before it, and so
    /// does every definition between the two (a field type that something else also uses, but Go
    /// sent for the marshaler first). The marshaler's fields are those definitions that are not
    /// part of an earlier one.
    fn marshaler_fields(&mut self) {
        let ids = self.types.ids();
        let mut referenced: HashSet<TypeId> = self.top.iter().copied().collect();
        referenced.extend(self.registered.iter().map(|(_, id)| *id));
        for &id in ids {
            referenced.extend(self.children(id).into_iter().map(|(_, c)| c));
        }
        // For each marshaler's position: the position of the last orphan it owns.
        let mut last: HashMap<usize, usize> = HashMap::new();
        let mut owner = None;
        for (at, &id) in ids.iter().enumerate() {
            match self.types.get(id).map(|w| &w.kind) {
                Some(WireKind::Marshal(_)) => owner = Some(at),
                _ if !referenced.contains(&id) => {
                    if let Some(o) = owner {
                        last.insert(o, at);
                    }
                }
                _ => {}
            }
        }
        for (o, end) in last {
            let range: HashSet<TypeId> = ids[o + 1..=end].iter().copied().collect();
            let mut covered = HashSet::new();
            let mut fields = Vec::new();
            for &id in &ids[o + 1..=end] {
                if covered.contains(&id) {
                    continue;
                }
                fields.push(id);
                let mut work = vec![id];
                while let Some(t) = work.pop() {
                    if range.contains(&t) && covered.insert(t) {
                        work.extend(self.children(t).into_iter().map(|(_, c)| c));
                    }
                }
            }
            self.marshal_fields.insert(ids[o], fields);
        }
    }

    fn walk(&mut self, v: &Value, pos: Pos) {
        match v {
            Value::Interface(None) => {
                self.nil_at.insert(pos);
            }
            Value::RawString(_) => {
                self.raw_strings.insert(pos);
            }
            Value::Interface(Some(i)) => {
                if self.seen_names.insert((None, i.name.clone())) {
                    self.registered.push((i.name.clone(), i.ty));
                    self.concrete.insert(i.name.clone(), i.ty);
                }
                if self.seen_names.insert((Some(pos), i.name.clone())) {
                    self.names_at.entry(pos).or_default().push(i.name.clone());
                }
                self.walk(&i.value, (i.ty, Slot::Top));
            }
            Value::Struct { ty, fields } => {
                let n = match self.types.get(*ty).map(|w| &w.kind) {
                    Some(WireKind::Struct { fields }) => fields.len(),
                    _ => 0,
                };
                for idx in 0..n {
                    if !fields.iter().any(|f| f.index == idx) {
                        self.missing.insert((*ty, idx));
                    }
                }
                for f in fields {
                    if matches!(&f.value, Value::Map { entries, .. } if entries.is_empty()) {
                        self.empty_map.insert((*ty, f.index));
                    }
                    self.walk(&f.value, (*ty, Slot::Field(f.index)));
                }
            }
            Value::Slice { ty, items } | Value::Array { ty, items } => {
                for it in items {
                    self.walk(it, (*ty, Slot::Elem));
                }
            }
            Value::Map { ty, entries } => {
                self.multi_entry_map |= entries.len() > 1;
                for (k, e) in entries {
                    self.walk(k, (*ty, Slot::Key));
                    self.walk(e, (*ty, Slot::Val));
                }
            }
            _ => {}
        }
    }

    /// The smallest user id: what `EncoderOptions::first_type_id` must be to give the same ids.
    pub fn first_id(&self) -> Option<TypeId> {
        self.types.ids().iter().copied().min()
    }

    /// True when the user ids are `first_id()..` without gaps, as one fresh Go process hands
    /// them out for the types of one stream.
    pub fn ids_contiguous(&self) -> bool {
        let mut ids = self.types.ids().to_vec();
        ids.sort_unstable();
        ids.windows(2).all(|w| w[1] == w[0] + 1)
    }

    /// The Go type string of a definition's own name, if it is one (a field's unnamed type).
    pub fn hint(&self, id: TypeId) -> Option<&GoType> {
        self.hints.get(&id)
    }

    /// A definition's Go name: its wire name, or what a type string called it; `""` if unknown.
    pub fn go_name(&self, id: TypeId) -> &str {
        match self.types.get(id) {
            Some(wt) if is_go_ident(&wt.name) => &wt.name,
            _ => self.qualified.get(&id).map_or("", |q| q.name.as_str()),
        }
    }

    /// The package a type string put a user type in.
    pub fn package(&self, id: TypeId) -> Option<&str> {
        self.qualified.get(&id).map(|q| q.pkg.as_str())
    }

    /// True for `time.Time`: a GobEncoder named `Time` (in package `time`, if a type string says).
    pub fn is_time(&self, id: TypeId) -> bool {
        matches!(self.types.get(id), Some(wt) if wt.kind == WireKind::Marshal(MarshalKind::Gob))
            && self.go_name(id) == "Time"
            && self.package(id).is_none_or(|p| p == "time")
    }

    /// True when a user type is a Go named type (and so an item of its own): every struct and
    /// marshaler, and slices, arrays and maps whose name is an identifier (`type Tags []string`).
    pub fn is_named(&self, id: TypeId) -> bool {
        match self.types.get(id).map(|w| &w.kind) {
            Some(WireKind::Struct { .. } | WireKind::Marshal(_)) => true,
            Some(_) => !self.go_name(id).is_empty(),
            None => false,
        }
    }

    /// The registered names held at the interface positions in `positions`, in order first seen.
    pub fn names_in(&self, positions: &[Pos]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in positions {
            for n in self.names_at.get(p).into_iter().flatten() {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    /// The concrete type id registered under `name`.
    pub fn concrete(&self, name: &str) -> Option<TypeId> {
        self.concrete.get(name).copied()
    }

    /// Why typed values cannot give back the stream's exact bytes, where the stream shows it.
    pub fn caveats(&self) -> Vec<String> {
        let mut c = Vec::new();
        if !self.ids_contiguous() {
            c.push(
                "Not byte for byte: the stream's type ids have gaps (Go's process had built other types \
                 first), and an encoder hands ids out without gaps. The values are the same."
                    .to_owned(),
            );
        }
        if self.multi_entry_map {
            c.push(
                "Maybe not byte for byte: Go sends a map's entries in random order, a BTreeMap in key \
                 order."
                    .to_owned(),
            );
        }
        let top_named = self.top.iter().any(|&id| {
            self.types.get(id).is_some_and(|wt| {
                !matches!(wt.kind, WireKind::Struct { .. } | WireKind::Marshal(_))
                    && self.hints.contains_key(&id)
            })
        });
        if top_named {
            c.push(
                "Not byte for byte: a top-level value's type has the name Go gives it as a struct \
                 field (Go's process had met it as one first), which an encoder gives only to fields."
                    .to_owned(),
            );
        }
        c
    }
}
