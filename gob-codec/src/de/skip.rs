//! Skipping a value by its wire type, for fields the destination does not have.
//!
//! Go skips an interface value by the byte count in front of it, which is wrong when the value's
//! definitions were split off into an earlier message; this walks the value instead, under the same
//! depth limit as decoding.

use crate::error::{Error, Result};
use crate::stream::Input;
use crate::types::{self, TypeId, WireKind};

/// Skips one value of type `id` (after any singleton delta).
pub(crate) fn skip(inp: &mut Input<'_>, id: TypeId) -> Result<()> {
    match id {
        types::BOOL | types::INT | types::UINT | types::FLOAT => inp.uint().map(drop),
        types::COMPLEX => {
            inp.uint()?;
            inp.uint().map(drop)
        }
        types::BYTES | types::STRING => inp.bytes().map(drop),
        types::INTERFACE => skip_interface(inp),
        _ => {
            let at = inp.offset();
            let wt = inp
                .types
                .get(id)
                .cloned()
                .ok_or_else(|| Error::malformed(format!("unknown type id {id}")).at(at))?;
            inp.enter()?;
            let r = match &wt.kind {
                WireKind::Struct { fields } => {
                    let mut last = -1;
                    while let Some(f) = inp.field(&mut last, fields.len())? {
                        skip(inp, fields[f].id)?;
                    }
                    Ok(())
                }
                WireKind::Slice { elem } | WireKind::Array { elem, .. } => {
                    let (n, _) = inp.count("slice")?;
                    for _ in 0..n {
                        skip(inp, *elem)?;
                    }
                    Ok(())
                }
                WireKind::Map { key, elem } => {
                    let (n, _) = inp.count("map")?;
                    for _ in 0..n {
                        skip(inp, *key)?;
                        skip(inp, *elem)?;
                    }
                    Ok(())
                }
                WireKind::Marshal(_) => inp.bytes().map(drop),
            };
            inp.leave();
            r
        }
    }
}

fn skip_interface(inp: &mut Input<'_>) -> Result<()> {
    inp.enter()?;
    let r = match inp.interface_header()? {
        None => Ok(()),
        Some((_, id)) => skip(inp, id),
    };
    inp.leave();
    r
}
