//! Decoding any value into a [`Value`], by wire type.

use super::{Field, Interface, Value};
use crate::de::input::{Input, MessageSource};
use crate::de::skip::{interface_header, is_struct};
use crate::de::{Limits, ValueStart};
use crate::error::{Error, Result};
use crate::types::{self, TypeId, TypeTable, WireKind};

pub(crate) fn decode_at(
    src: &mut dyn MessageSource,
    buf: &mut Vec<u8>,
    types: &mut TypeTable,
    limits: Limits,
    start: ValueStart,
) -> Result<Value> {
    let mut inp = Input {
        buf,
        pos: start.pos,
        base: start.base,
        src,
        types,
        limits,
        depth: 0,
    };
    if !is_struct(&inp, start.id) {
        inp.singleton()?;
    }
    let v = decode(&mut inp, start.id)?;
    if !inp.at_end() {
        return Err(Error::malformed("extra data in buffer after value").at(inp.offset()));
    }
    Ok(v)
}

/// Decodes one value of type `id`.
pub(crate) fn decode(inp: &mut Input<'_>, id: TypeId) -> Result<Value> {
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
        types::STRING => {
            let b = inp.bytes()?.to_vec();
            match String::from_utf8(b) {
                Ok(s) => Value::String(s),
                Err(e) => Value::RawString(e.into_bytes()),
            }
        }
        types::INTERFACE => {
            inp.enter()?;
            let v = match interface_header(inp)? {
                None => Value::Interface(None),
                Some((name, ty)) => {
                    let value = decode(inp, ty)?;
                    Value::Interface(Some(Box::new(Interface { name, ty, value })))
                }
            };
            inp.leave();
            v
        }
        _ => {
            let at = inp.offset();
            let wt = inp
                .types
                .get(id)
                .cloned()
                .ok_or_else(|| Error::malformed(format!("unknown type id {id}")).at(at))?;
            inp.enter()?;
            let v = match &wt.kind {
                WireKind::Struct { fields: defs } => {
                    let mut fields = Vec::new();
                    let mut last = -1;
                    while let Some(f) = inp.field(&mut last, defs.len())? {
                        let value = decode(inp, defs[f].id).map_err(|e| e.in_field(&defs[f].name))?;
                        fields.push(Field {
                            index: f,
                            name: defs[f].name.clone(),
                            value,
                        });
                    }
                    Value::Struct { ty: id, fields }
                }
                WireKind::Slice { elem } | WireKind::Array { elem, .. } => {
                    let (n, cap) = inp.count("slice")?;
                    let mut items = Vec::with_capacity(cap);
                    for _ in 0..n {
                        items.push(decode(inp, *elem)?);
                    }
                    match wt.kind {
                        WireKind::Array { len, .. } => {
                            if len != n as i64 {
                                return Err(Error::malformed(format!(
                                    "array of length {len} sent with {n} elements"
                                ))
                                .at(at));
                            }
                            Value::Array { ty: id, items }
                        }
                        _ => Value::Slice { ty: id, items },
                    }
                }
                WireKind::Map { key, elem } => {
                    let (n, cap) = inp.count("map")?;
                    let mut entries = Vec::with_capacity(cap / 2);
                    for _ in 0..n {
                        let k = decode(inp, *key)?;
                        entries.push((k, decode(inp, *elem)?));
                    }
                    Value::Map { ty: id, entries }
                }
                WireKind::Marshal(_) => Value::Marshaled {
                    ty: id,
                    bytes: inp.bytes()?.to_vec(),
                },
            };
            inp.leave();
            v
        }
    })
}
