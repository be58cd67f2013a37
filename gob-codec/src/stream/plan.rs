//! Where a wire struct's fields go in a destination struct, worked out once per pair of types.
//!
//! Struct fields are matched by name (`WIRE.md`, "Structs"). Matching them for every value costs
//! string comparisons per field; the typed decoder instead looks up a plan per struct value, by the
//! wire type id and the destination's field list (serde's `&'static` field names, identified by
//! address), and reads the field mapping from it.

use std::sync::Arc;

use crate::hash::FastMap;
use crate::types::{FieldDef, TypeId, TypeTable, WireKind, WireType};

/// How one wire struct type's fields land in one destination's fields.
pub(crate) struct StructPlan {
    key: Key,
    /// The wire type, held so that its fields can be read without touching the type table.
    wire: Arc<WireType>,
    /// For each wire field, the index of the destination field of the same name; empty when
    /// that is the wire field's own index for every field (the same struct on both ends, the usual
    /// case), which saves an allocation per plan.
    dest: Box<[Option<usize>]>,
    /// Some wire field has a destination field.
    pub(crate) any_match: bool,
}

impl StructPlan {
    /// The wire fields, in wire order.
    pub(crate) fn fields(&self) -> &[FieldDef] {
        match &self.wire.kind {
            WireKind::Struct { fields } => fields,
            _ => &[],
        }
    }

    /// The destination field that wire field `f` fills, if any.
    #[inline]
    pub(crate) fn dest(&self, f: usize) -> Option<usize> {
        if self.dest.is_empty() {
            return Some(f);
        }
        self.dest.get(f).copied().flatten()
    }
}

/// Key of a plan: the wire type id and the address and length of the destination's field list.
type Key = (TypeId, usize, usize);

/// Slots of the cache in front of the map (a power of two).
const RECENT: usize = 8;

/// Up to this many plans are found by a scan of the list; the map is built beyond, so that a
/// stream with few struct types (most) allocates none.
const LINEAR: usize = 16;

/// The plans of one stream, by wire type id and destination field list.
#[derive(Default)]
pub(crate) struct Plans {
    list: Vec<StructPlan>,
    /// Empty while the list is short.
    index: FastMap<Key, usize>,
    /// The last plan found for each id modulo `RECENT`: a stream's ids are small and consecutive,
    /// so the struct types a value holds rarely share a slot, and a hit costs no hashing.
    recent: [Option<(Key, usize)>; RECENT],
}

impl Plans {
    /// The plan for decoding wire type `id` into a struct with fields `want` (empty for a map
    /// destination), made on first use; `None` when `id` is not a struct type on this stream.
    /// Plans are never dropped while a value is being decoded, so the index stays valid for it.
    #[inline]
    pub(crate) fn find(
        &mut self,
        types: &TypeTable,
        id: TypeId,
        want: &'static [&'static str],
    ) -> Option<usize> {
        let key = (id, want.as_ptr() as usize, want.len());
        let slot = id as usize % RECENT;
        if let Some((k, i)) = self.recent[slot] {
            if k == key {
                return Some(i);
            }
        }
        let known = if self.list.len() <= LINEAR {
            self.list.iter().position(|p| p.key == key)
        } else {
            self.index.get(&key).copied()
        };
        let i = match known {
            Some(i) => i,
            None => self.make(types, id, want, key)?,
        };
        self.recent[slot] = Some((key, i));
        Some(i)
    }

    #[cold]
    fn make(
        &mut self,
        types: &TypeTable,
        id: TypeId,
        want: &'static [&'static str],
        key: Key,
    ) -> Option<usize> {
        let wire = types.get(id)?.clone();
        let WireKind::Struct { fields } = &wire.kind else {
            return None;
        };
        let same = fields.len() == want.len() && fields.iter().zip(want).all(|(f, w)| f.name == *w);
        let (dest, any_match): (Box<[Option<usize>]>, bool) = if same {
            (Box::default(), !fields.is_empty())
        } else {
            let dest: Box<[_]> = fields
                .iter()
                .map(|f| want.iter().position(|w| *w == f.name))
                .collect();
            let any = dest.iter().any(Option::is_some);
            (dest, any)
        };
        let i = self.list.len();
        self.list.push(StructPlan {
            key,
            wire,
            dest,
            any_match,
        });
        if self.list.len() > LINEAR {
            if self.index.is_empty() {
                self.index = self
                    .list
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.key, i))
                    .collect();
            } else {
                self.index.insert(key, i);
            }
        }
        Some(i)
    }

    /// Plan `i`, as returned by [`Plans::find`].
    #[inline]
    pub(crate) fn get(&self, i: usize) -> &StructPlan {
        &self.list[i]
    }

    /// Forgets every plan: the definitions they were made from were taken back.
    #[cfg(feature = "tokio")]
    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.index.clear();
        self.recent = [None; RECENT];
    }
}
