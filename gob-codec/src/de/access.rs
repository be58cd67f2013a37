//! The serde access types through which [`ValueDe`] hands out the parts of a value: elements,
//! map entries, struct fields (with zero values for fields the stream omitted), interface values
//! and marshaled bytes.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::skip::skip;
use super::value::ValueDe;
use super::zero::Zero;
use crate::error::{Error, Result};
use crate::stream::Input;
use crate::types::TypeId;

pub(super) struct SeqAccess<'i, 'a> {
    pub(super) inp: &'i mut Input<'a>,
    pub(super) elem: TypeId,
    pub(super) left: usize,
    pub(super) cap: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(ValueDe {
            inp: &mut *self.inp,
            id: self.elem,
            top: false,
        })
        .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.cap)
    }
}

pub(super) struct MapAccess<'i, 'a> {
    pub(super) inp: &'i mut Input<'a>,
    pub(super) key: TypeId,
    pub(super) elem: TypeId,
    pub(super) left: usize,
    pub(super) cap: usize,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(ValueDe {
            inp: &mut *self.inp,
            id: self.key,
            top: false,
        })
        .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(ValueDe {
            inp: &mut *self.inp,
            id: self.elem,
            top: false,
        })
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.cap / 2)
    }
}

/// Wire fields first, then zero values for destination fields the stream did not send.
pub(super) struct StructAccess<'i, 'a> {
    inp: &'i mut Input<'a>,
    /// The plan of this wire type into `want` (see `stream::plan`).
    plan: usize,
    nfields: usize,
    want: &'static [&'static str],
    /// Which destination fields the stream sent (bit `i` for field `i`; fields from 64 on are
    /// tracked in `seen_more`).
    seen: u64,
    seen_more: Vec<bool>,
    last: i64,
    current: Option<usize>,
    done: bool,
    zero_next: usize,
}

impl<'i, 'a> StructAccess<'i, 'a> {
    pub(super) fn new(inp: &'i mut Input<'a>, plan: usize, want: &'static [&'static str]) -> Self {
        let nfields = inp.plans.get(plan).fields().len();
        StructAccess {
            inp,
            plan,
            nfields,
            want,
            seen: 0,
            seen_more: vec![false; want.len().saturating_sub(64)],
            last: -1,
            current: None,
            done: false,
            zero_next: 0,
        }
    }
}

impl<'de> de::MapAccess<'de> for StructAccess<'_, '_> {
    type Error = Error;
    // Called once per field by a derived visitor's loop, for little work: the call cost as much.
    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.done {
            match self.inp.field(&mut self.last, self.nfields)? {
                Some(f) => {
                    self.current = Some(f);
                    let plan = self.inp.plans.get(self.plan);
                    let name = match plan.dest(f) {
                        Some(i) => {
                            mark_seen(&mut self.seen, &mut self.seen_more, i);
                            self.want[i]
                        }
                        None => plan.fields()[f].name.as_str(),
                    };
                    return seed.deserialize(name.into_deserializer()).map(Some);
                }
                None => self.done = true,
            }
        }
        self.current = None;
        while self.zero_next < self.want.len() {
            let i = self.zero_next;
            if i < 64 {
                // The next field below 64 not sent, found in the bits at once.
                let limit = self.want.len().min(64);
                let unseen = !self.seen & low_bits(limit) & !low_bits(i);
                if unseen == 0 {
                    self.zero_next = limit;
                    continue;
                }
                let j = unseen.trailing_zeros() as usize;
                self.zero_next = j + 1;
                return seed.deserialize(self.want[j].into_deserializer()).map(Some);
            }
            self.zero_next += 1;
            if !is_seen(self.seen, &self.seen_more, i) {
                let name: &str = self.want[i];
                return seed.deserialize(name.into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.current {
            Some(f) => {
                let id = self.inp.plans.get(self.plan).fields()[f].id;
                let r = seed.deserialize(ValueDe {
                    inp: &mut *self.inp,
                    id,
                    top: false,
                });
                r.map_err(|e| e.in_field(&self.inp.plans.get(self.plan).fields()[f].name))
            }
            None => {
                let name = self
                    .want
                    .get(self.zero_next.wrapping_sub(1))
                    .copied()
                    .unwrap_or("");
                seed.deserialize(Zero).map_err(|e| e.in_field(name))
            }
        }
    }
}

fn mark_seen(bits: &mut u64, more: &mut [bool], i: usize) {
    match i.checked_sub(64) {
        None => *bits |= 1 << i,
        Some(j) => {
            if let Some(b) = more.get_mut(j) {
                *b = true;
            }
        }
    }
}

fn is_seen(bits: u64, more: &[bool], i: usize) -> bool {
    match i.checked_sub(64) {
        None => bits & (1 << i) != 0,
        Some(j) => more.get(j).copied().unwrap_or(false),
    }
}

/// The bits below `n` (all of them from 64 on).
fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1 << n) - 1
    }
}

/// An interface value as a serde enum: the variant is the registered Go name.
pub(super) struct Interface<'i, 'a> {
    pub(super) inp: &'i mut Input<'a>,
    pub(super) name: String,
    pub(super) id: TypeId,
}

impl<'de, 'i, 'a> de::EnumAccess<'de> for Interface<'i, 'a> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let at = self.inp.offset();
        let v = seed
            .deserialize(self.name.as_str().into_deserializer())
            .map_err(|e: Error| e.at(at))?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for Interface<'_, '_> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        skip(self.inp, self.id)
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(ValueDe {
            inp: self.inp,
            id: self.id,
            top: true,
        })
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(
            ValueDe {
                inp: self.inp,
                id: self.id,
                top: false,
            },
            len,
            visitor,
        )
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(
            ValueDe {
                inp: self.inp,
                id: self.id,
                top: false,
            },
            "",
            fields,
            visitor,
        )
    }
}

/// The parts of a marshaled value as the marker tuple struct sees them: (is_zero, bytes); decoding
/// does not know zero-ness and says `false`.
pub(super) struct MarshalSeq<'b> {
    pub(super) step: u8,
    pub(super) bytes: &'b [u8],
}

impl<'de> de::SeqAccess<'de> for MarshalSeq<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.step += 1;
        match self.step {
            1 => seed.deserialize(false.into_deserializer()).map(Some),
            2 => seed
                .deserialize(de::value::BytesDeserializer::<Error>::new(self.bytes))
                .map(Some),
            _ => Ok(None),
        }
    }
}
