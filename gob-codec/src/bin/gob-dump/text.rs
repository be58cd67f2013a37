//! The default output: type definitions and values in a Go-like syntax.

use std::fmt::Write;

use gob_codec::{MarshalKind, TypeId, TypeTable, Value, WireKind};

/// A composite whose parts are all scalars is written on one line if it fits in this many characters.
const INLINE_WIDTH: usize = 72;
const INDENT: &str = "    ";

/// One definition: `type 65 = struct Point { X int; Y int }`, `type 66 = []string`,
/// `type 67 = map[string]int (name "Labels")`, `type 68 = GobEncoder Time`.
pub fn type_def(types: &TypeTable, id: TypeId) -> String {
    let Some(wt) = types.get(id) else {
        return format!("type {id} = undefined");
    };
    let name = wt.name.as_str();
    let shape = match &wt.kind {
        WireKind::Struct { fields } => {
            let body = if fields.is_empty() {
                "{}".to_owned()
            } else {
                let fs: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{} {}", f.name, type_name(types, f.id)))
                    .collect();
                format!("{{ {} }}", fs.join("; "))
            };
            // Unnamed struct types are named by their Go spelling, `struct { A int }`.
            return if name.is_empty() || name.starts_with("struct") {
                format!("type {id} = struct {body}")
            } else {
                format!("type {id} = struct {name} {body}")
            };
        }
        WireKind::Marshal(kind) => {
            let kind = match kind {
                MarshalKind::Gob => "GobEncoder",
                MarshalKind::Binary => "BinaryMarshaler",
                MarshalKind::Text => "TextMarshaler",
            };
            // A marshaler first reached through a pointer is sent unnamed.
            return if name.is_empty() {
                format!("type {id} = {kind}")
            } else {
                format!("type {id} = {kind} {name}")
            };
        }
        WireKind::Slice { elem } => format!("[]{}", type_name(types, *elem)),
        WireKind::Array { elem, len } => format!("[{len}]{}", type_name(types, *elem)),
        WireKind::Map { key, elem } => {
            format!("map[{}]{}", type_name(types, *key), type_name(types, *elem))
        }
    };
    if name.is_empty() || name == shape {
        format!("type {id} = {shape}")
    } else {
        format!("type {id} = {shape} (name {name:?})")
    }
}

/// One value, indented over several lines where it has nested parts.
pub fn value(types: &TypeTable, v: &Value) -> String {
    let mut out = String::new();
    Printer {
        types,
        out: &mut out,
    }
    .value(v, None, 0);
    out
}

/// A readable name for a type: its name in the definition, else its Go spelling (`[]int`,
/// `map[string]main.Point`), `struct#67` for an unnamed struct.
pub fn type_name(types: &TypeTable, id: TypeId) -> String {
    fn name(types: &TypeTable, id: TypeId, depth: usize) -> String {
        match types.get(id) {
            Some(wt) if wt.name.is_empty() && depth < 8 => match &wt.kind {
                WireKind::Slice { elem } => format!("[]{}", name(types, *elem, depth + 1)),
                WireKind::Array { elem, len } => {
                    format!("[{len}]{}", name(types, *elem, depth + 1))
                }
                WireKind::Map { key, elem } => {
                    format!(
                        "map[{}]{}",
                        name(types, *key, depth + 1),
                        name(types, *elem, depth + 1)
                    )
                }
                _ => types.type_name(id),
            },
            _ => types.type_name(id),
        }
    }
    name(types, id, 0)
}

struct Printer<'a> {
    types: &'a TypeTable,
    out: &'a mut String,
}

/// True for values written without nested lines.
fn is_scalar(v: &Value) -> bool {
    !matches!(
        v,
        Value::Slice { .. }
            | Value::Array { .. }
            | Value::Map { .. }
            | Value::Struct { .. }
            | Value::Interface(Some(_))
    )
}

impl Printer<'_> {
    /// Writes `v`; `head` replaces the type name in front of it (an interface's registered name).
    fn value(&mut self, v: &Value, head: Option<&str>, depth: usize) {
        let scalar = |p: &mut Self, s: &str| match head {
            Some(h) if s.starts_with('(') => p.push(&format!("{h}{s}")),
            Some(h) => p.push(&format!("{h}({s})")),
            None => p.push(s),
        };
        match v {
            Value::Bool(b) => scalar(self, &b.to_string()),
            Value::Int(i) => scalar(self, &i.to_string()),
            Value::Uint(u) => scalar(self, &u.to_string()),
            Value::Float(f) => scalar(self, &float(*f)),
            Value::Complex(re, im) => {
                let sign = if im.is_sign_negative() { '-' } else { '+' };
                scalar(self, &format!("({}{sign}{}i)", float(*re), float(im.abs())));
            }
            Value::String(s) => scalar(self, &format!("{s:?}")),
            Value::RawString(b) => scalar(self, &quote_bytes(b)),
            Value::Bytes(b) => {
                let name = head.unwrap_or("[]byte");
                self.push(&bytes(name, b));
            }
            Value::Marshaled { ty, bytes } => {
                let name = head.map_or_else(|| type_name(self.types, *ty), str::to_owned);
                let s = match marshaled(self.types, *ty, bytes) {
                    Some(t) => format!("{name}({t})"),
                    None => {
                        let kind = match self.types.get(*ty).map(|w| &w.kind) {
                            Some(WireKind::Marshal(MarshalKind::Binary)) => "BinaryMarshaler",
                            Some(WireKind::Marshal(MarshalKind::Text)) => "TextMarshaler",
                            _ => "GobEncoder",
                        };
                        format!("{name}({kind} 0x{})", hex(bytes))
                    }
                };
                self.push(&s);
            }
            Value::Interface(None) => scalar(self, "nil"),
            Value::Interface(Some(i)) => {
                // An interface inside an interface (Go's `any` holding an `any`) keeps both names.
                if let Some(h) = head {
                    self.push(h);
                    self.push("(");
                    self.value(&i.value, Some(&i.name), depth);
                    self.push(")");
                } else {
                    self.value(&i.value, Some(&i.name), depth);
                }
            }
            Value::Slice { ty, items } | Value::Array { ty, items } => {
                let parts: Vec<(Option<&Value>, &Value)> =
                    items.iter().map(|v| (None, v)).collect();
                self.composite(*ty, head, &parts, None, depth);
            }
            Value::Map { ty, entries } => {
                let parts: Vec<(Option<&Value>, &Value)> =
                    entries.iter().map(|(k, v)| (Some(k), v)).collect();
                self.composite(*ty, head, &parts, None, depth);
            }
            Value::Struct { ty, fields } => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                let parts: Vec<(Option<&Value>, &Value)> =
                    fields.iter().map(|f| (None, &f.value)).collect();
                self.composite(*ty, head, &parts, Some(&names), depth);
            }
        }
    }

    /// `Type{a, b}`, `Type{k: v}` or `Type{Field: v}`, on one line when short and flat.
    fn composite(
        &mut self,
        ty: TypeId,
        head: Option<&str>,
        parts: &[(Option<&Value>, &Value)],
        names: Option<&[&str]>,
        depth: usize,
    ) {
        let head = head.map_or_else(|| type_name(self.types, ty), str::to_owned);
        self.push(&head);
        if parts.is_empty() {
            self.push("{}");
            return;
        }
        let flat = parts
            .iter()
            .all(|(k, v)| k.is_none_or(is_scalar) && is_scalar(v));
        if flat {
            let mut line = String::new();
            for (i, (k, v)) in parts.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                self.part(&mut line, *k, v, names.map(|n| n[i]), depth);
            }
            if line.len() <= INLINE_WIDTH {
                self.push("{");
                self.push(&line);
                self.push("}");
                return;
            }
        }
        self.push("{\n");
        for (i, (k, v)) in parts.iter().enumerate() {
            let mut line = INDENT.repeat(depth + 1);
            self.part(&mut line, *k, v, names.map(|n| n[i]), depth + 1);
            line.push_str(",\n");
            self.push(&line);
        }
        self.push(&INDENT.repeat(depth));
        self.push("}");
    }

    fn part(
        &self,
        line: &mut String,
        key: Option<&Value>,
        v: &Value,
        name: Option<&str>,
        depth: usize,
    ) {
        let mut p = Printer {
            types: self.types,
            out: line,
        };
        if let Some(name) = name {
            p.push(name);
            p.push(": ");
        }
        if let Some(k) = key {
            p.value(k, None, depth);
            p.push(": ");
        }
        p.value(v, None, depth);
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }
}

/// A float as Go's `%v` would show it, near enough: `1.5`, `1e300`, `NaN`, `+Inf`.
pub fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{f:?}")
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `[]byte("text")` when the bytes are readable text, else `[]byte(0x0001ff)`.
fn bytes(name: &str, b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok("") => format!("{name}{{}}"),
        Ok(s)
            if s.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')) =>
        {
            format!("{name}({s:?})")
        }
        _ => format!("{name}(0x{})", hex(b)),
    }
}

/// A marshaled value shown as what it stands for, where this tool knows the type: `time.Time`
/// (a GobEncoder named `Time` on the wire) as RFC 3339 text, as Go's `encoding/json` shows it.
pub fn marshaled(types: &TypeTable, ty: TypeId, bytes: &[u8]) -> Option<String> {
    let wt = types.get(ty)?;
    if wt.name != "Time" || wt.kind != WireKind::Marshal(MarshalKind::Gob) {
        return None;
    }
    let t = <gob_codec::Time as gob_codec::GoMarshal>::unmarshal(bytes).ok()?;
    Some(rfc3339(&t))
}

/// RFC 3339 with nanoseconds (trailing zeros dropped), Go's `time.RFC3339Nano`.
fn rfc3339(t: &gob_codec::Time) -> String {
    let off = i64::from(t.offset.unwrap_or(0));
    let (year, month, day, hour, min, sec) = t.date_clock();
    // RFC 3339 has four-digit years only; other years take ISO 8601's expanded form, with a sign.
    let mut s = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!(
            "{}{:04}",
            if year < 0 { '-' } else { '+' },
            year.unsigned_abs()
        )
    };
    let _ = write!(s, "-{month:02}-{day:02}T{hour:02}:{min:02}:{sec:02}");
    if t.nanos != 0 {
        let frac = format!("{:09}", t.nanos);
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    if off == 0 {
        s.push('Z');
    } else {
        let sign = if off < 0 { '-' } else { '+' };
        let m = off.abs() / 60;
        let _ = write!(s, "{sign}{:02}:{:02}", m / 60, m % 60);
    }
    s
}

/// A Go string that is not UTF-8, quoted with `\x` escapes.
fn quote_bytes(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &x in b {
        match x {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(char::from(x)),
            _ => {
                let _ = write!(s, "\\x{x:02x}");
            }
        }
    }
    s.push('"');
    s
}
