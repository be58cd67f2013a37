//! Decoding any value into a [`Value`], by wire type.

use std::io::Read;

use super::{Field, Interface, Value};
use crate::de::Decoder;
use crate::error::{Error, Result};
use crate::stream::Input;
use crate::types::{self, FieldDef, TypeId, WireKind};

impl<R: Read> Decoder<R> {
    /// Decodes the next value into a dynamic [`Value`], whatever its type. At a clean end of stream
    /// the error's [`crate::Error::is_eof`] is true.
    pub fn decode_value(&mut self) -> Result<Value> {
        self.decode_with(decode)
    }
}

/// Decodes one value of type `id`.
///
/// This recursion is what a deeply nested stream drives up to the depth limit, so each kind of value
/// is decoded in a function of its own: a level then costs the stack frames of one path only, not of
/// every arm at once (which matters in unoptimized builds, on 2 MiB threads).
pub(crate) fn decode(inp: &mut Input<'_>, id: TypeId) -> Result<Value> {
    match id {
        types::INTERFACE => decode_interface(inp),
        types::BOOL
        | types::INT
        | types::UINT
        | types::FLOAT
        | types::COMPLEX
        | types::BYTES
        | types::STRING => decode_scalar(inp, id),
        _ => decode_user(inp, id),
    }
}

fn decode_scalar(inp: &mut Input<'_>, id: TypeId) -> Result<Value> {
    Ok(match id {
        types::BOOL => Value::Bool(inp.bool()?),
        types::INT => Value::Int(inp.int()?),
        types::UINT => Value::Uint(inp.uint()?),
        types::FLOAT => Value::Float(inp.float()?),
        types::COMPLEX => {
            let re = inp.float()?;
            Value::Complex(re, inp.float()?)
        }
        types::BYTES => Value::Bytes(inp.bytes()?.to_vec()),
        _ => {
            let b = inp.bytes()?.to_vec();
            match String::from_utf8(b) {
                Ok(s) => Value::String(s),
                Err(e) => Value::RawString(e.into_bytes()),
            }
        }
    })
}

fn decode_interface(inp: &mut Input<'_>) -> Result<Value> {
    inp.enter()?;
    let v = match inp.interface_header()? {
        None => Value::Interface(None),
        Some((name, ty)) => {
            let value = decode(inp, ty)?;
            Value::Interface(Some(Box::new(Interface { name, ty, value })))
        }
    };
    inp.leave();
    Ok(v)
}

#[cold]
fn unknown(id: TypeId, at: u64) -> Error {
    Error::malformed(format!("unknown type id {id}")).at(at)
}

fn decode_user(inp: &mut Input<'_>, id: TypeId) -> Result<Value> {
    let at = inp.offset();
    let wt = inp.types.get(id).cloned().ok_or_else(|| unknown(id, at))?;
    inp.enter()?;
    let v = match &wt.kind {
        WireKind::Struct { fields } => decode_struct(inp, id, fields)?,
        WireKind::Slice { elem } => Value::Slice {
            ty: id,
            items: decode_items(inp, *elem)?,
        },
        WireKind::Array { elem, len } => {
            let items = decode_items(inp, *elem)?;
            if *len != items.len() as i64 {
                return Err(array_len(*len, items.len(), at));
            }
            Value::Array { ty: id, items }
        }
        WireKind::Map { key, elem } => decode_map(inp, id, *key, *elem)?,
        WireKind::Marshal(_) => Value::Marshaled {
            ty: id,
            bytes: inp.bytes()?.to_vec(),
        },
    };
    inp.leave();
    Ok(v)
}

#[cold]
fn array_len(len: i64, n: usize, at: u64) -> Error {
    Error::malformed(format!("array of length {len} sent with {n} elements")).at(at)
}

fn decode_struct(inp: &mut Input<'_>, id: TypeId, defs: &[FieldDef]) -> Result<Value> {
    let mut fields = Vec::new();
    let mut last = -1;
    while let Some(f) = inp.field(&mut last, defs.len())? {
        let def = &defs[f];
        let value = decode(inp, def.id).map_err(|e| e.in_field(&def.name))?;
        fields.push(Field {
            index: f,
            name: def.name.clone(),
            value,
        });
    }
    Ok(Value::Struct { ty: id, fields })
}

/// Most elements reserved up front. A count is already capped by the bytes left in the message, but
/// a `Value` is 32 times larger than the one byte an element can take on the wire, so a large
/// message claiming that count would otherwise reserve 32 times its size before any element is
/// read; past this, vectors grow with the elements that actually arrive.
const MAX_PREALLOC: usize = 4096;

fn decode_items(inp: &mut Input<'_>, elem: TypeId) -> Result<Vec<Value>> {
    let (n, cap) = inp.count("slice")?;
    let mut items = Vec::with_capacity(cap.min(MAX_PREALLOC));
    for _ in 0..n {
        items.push(decode(inp, elem)?);
    }
    Ok(items)
}

fn decode_map(inp: &mut Input<'_>, id: TypeId, key: TypeId, elem: TypeId) -> Result<Value> {
    let (n, cap) = inp.count("map")?;
    let mut entries = Vec::with_capacity((cap / 2).min(MAX_PREALLOC));
    for _ in 0..n {
        let k = decode(inp, key)?;
        entries.push((k, decode(inp, elem)?));
    }
    Ok(Value::Map { ty: id, entries })
}
