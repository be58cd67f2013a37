//! Building streams by hand (`WIRE.md` layout: a message is a length, a type id and a value).

use gob_codec::{FieldDef, TypeId, WireKind, WireType};

pub fn put_uint(b: &mut Vec<u8>, x: u64) {
    if x < 0x80 {
        b.push(x as u8);
        return;
    }
    let bytes = x.to_be_bytes();
    let skip = (x.leading_zeros() / 8) as usize;
    b.push((8 - skip as u8).wrapping_neg());
    b.extend_from_slice(&bytes[skip..]);
}

pub fn put_int(b: &mut Vec<u8>, i: i64) {
    let u = if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    };
    put_uint(b, u);
}

pub fn uint(x: u64) -> Vec<u8> {
    let mut b = Vec::new();
    put_uint(&mut b, x);
    b
}

pub fn int(i: i64) -> Vec<u8> {
    let mut b = Vec::new();
    put_int(&mut b, i);
    b
}

/// A message: its length, then `body`.
pub fn msg(body: &[u8]) -> Vec<u8> {
    let mut b = uint(body.len() as u64);
    b.extend_from_slice(body);
    b
}

/// A definition message for `id`.
pub fn def(id: TypeId, kind: WireKind) -> Vec<u8> {
    let mut body = int(-i64::from(id));
    WireType {
        name: String::new(),
        id,
        kind,
    }
    .encode(&mut body);
    msg(&body)
}

pub fn slice_of(elem: TypeId) -> WireKind {
    WireKind::Slice { elem }
}

pub fn struct_of(fields: &[(&str, TypeId)]) -> WireKind {
    WireKind::Struct {
        fields: fields
            .iter()
            .map(|(n, id)| FieldDef {
                name: (*n).to_owned(),
                id: *id,
            })
            .collect(),
    }
}

/// A value message of type `id` with the raw value bytes `value` (for non-structs, the singleton
/// delta 0 is put in front).
pub fn value_msg(id: TypeId, is_struct: bool, value: &[u8]) -> Vec<u8> {
    let mut body = int(i64::from(id));
    if !is_struct {
        body.push(0);
    }
    body.extend_from_slice(value);
    msg(&body)
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
