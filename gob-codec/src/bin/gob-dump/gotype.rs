//! Go type strings, as gob sends them in a few places: the name of an unnamed struct field's type
//! (`[]*main.Tree`, `map[string]int32`, `[4]uint8`) and an interface value's registered name
//! (`*main.Square`, `[]int`, `time.Time`). They say what the rest of the wire does not: integer
//! widths, pointers, and the package and name of the types they mention, which [`unify`] matches
//! against the definitions.

use gob_codec::{TypeId, TypeTable, WireKind};

use crate::model::{BYTES, COMPLEX, STRING};
use crate::plan::{Kind, Plan, Ty};

/// Nesting beyond this is not parsed (type strings come from the input).
const MAX_DEPTH: usize = 32;

/// A parsed Go type string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoType {
    /// A predeclared type (`int32`, `string`) when `pkg` is `None`, else `pkg.Name`.
    Named {
        pkg: Option<String>,
        name: String,
    },
    Ptr(Box<GoType>),
    Slice(Box<GoType>),
    Array(u64, Box<GoType>),
    Map(Box<GoType>, Box<GoType>),
    /// A type literal kept as text: `struct { A int }`, `interface {}`.
    Literal(String),
}

impl GoType {
    /// Parses a whole type string; `None` when it is not one.
    pub fn parse(s: &str) -> Option<GoType> {
        let mut p = Parser { s, at: 0 };
        let t = p.ty(0)?;
        (p.at == s.len()).then_some(t)
    }

    /// A predeclared name (`int8`, `float32`), if this is one.
    pub fn predeclared(&self) -> Option<&str> {
        match self {
            GoType::Named { pkg: None, name } => Some(name),
            _ => None,
        }
    }

    /// Without its pointers: what a type id stands for.
    pub fn base(&self) -> &GoType {
        let mut t = self;
        while let GoType::Ptr(inner) = t {
            t = inner;
        }
        t
    }
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.at..]
    }

    fn eat(&mut self, p: &str) -> bool {
        let ok = self.rest().starts_with(p);
        if ok {
            self.at += p.len();
        }
        ok
    }

    fn ty(&mut self, depth: usize) -> Option<GoType> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        if self.eat("*") {
            return Some(GoType::Ptr(Box::new(self.ty(d)?)));
        }
        if self.eat("[]") {
            return Some(GoType::Slice(Box::new(self.ty(d)?)));
        }
        if self.eat("[") {
            let end = self.rest().find(']')?;
            let n = self.rest()[..end].parse().ok()?;
            self.at += end + 1;
            return Some(GoType::Array(n, Box::new(self.ty(d)?)));
        }
        if self.eat("map[") {
            let k = self.ty(d)?;
            if !self.eat("]") {
                return None;
            }
            return Some(GoType::Map(Box::new(k), Box::new(self.ty(d)?)));
        }
        for kw in ["struct", "interface"] {
            let r = self.rest();
            if r.starts_with(kw) && r[kw.len()..].trim_start().starts_with('{') {
                return self.literal();
            }
        }
        self.named()
    }

    /// `struct { ... }` or `interface { ... }`, up to its closing brace (quoted tags skipped).
    fn literal(&mut self) -> Option<GoType> {
        let start = self.at;
        let (mut depth, mut quote, mut escaped) = (0usize, None, false);
        for (i, c) in self.rest().char_indices() {
            if let Some(q) = quote {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if q == '"' => escaped = true,
                    _ if c == q => quote = None,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' | '`' => quote = Some(c),
                '{' => depth += 1,
                '}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.at += i + 1;
                        return Some(GoType::Literal(self.s[start..self.at].to_owned()));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// `name`, `pkg.Name`, or an instantiated generic `pkg.Name[T]` (kept whole as the name).
    fn named(&mut self) -> Option<GoType> {
        let ident = |p: &mut Self| {
            let r = p.rest();
            let n = r
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
                .map_or(r.len(), |(i, _)| i);
            let id = r[..n].to_owned();
            p.at += n;
            (!id.is_empty()).then_some(id)
        };
        let first = ident(self)?;
        let (pkg, mut name) = if self.eat(".") {
            (Some(first), ident(self)?)
        } else {
            (None, first)
        };
        if self.rest().starts_with('[') {
            let (mut depth, start) = (0usize, self.at);
            for (i, c) in self.rest().char_indices() {
                match c {
                    '[' => depth += 1,
                    ']' => {
                        depth -= 1;
                        if depth == 0 {
                            self.at += i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if depth != 0 {
                return None;
            }
            name.push_str(&self.s[start..self.at]);
        }
        Some(GoType::Named { pkg, name })
    }
}

/// What matching type strings against definitions found out about a user type id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualified {
    pub pkg: String,
    pub name: String,
}

/// Matches `t` against type `id`'s definition and records the packages and names it gives user
/// types (`[]main.Point` names the slice's element `main.Point`). Parts that do not match are
/// ignored: the type string is a hint, the definitions are the truth.
pub fn unify(
    types: &TypeTable,
    t: &GoType,
    id: TypeId,
    found: &mut dyn FnMut(TypeId, Qualified),
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let t = t.base();
    let Some(wt) = types.get(id) else { return };
    match (t, &wt.kind) {
        (
            GoType::Named {
                pkg: Some(pkg),
                name,
            },
            _,
        ) => found(
            id,
            Qualified {
                pkg: pkg.clone(),
                name: name.clone(),
            },
        ),
        (GoType::Slice(e), WireKind::Slice { elem })
        | (GoType::Array(_, e), WireKind::Array { elem, .. }) => {
            unify(types, e, *elem, found, depth + 1);
        }
        (GoType::Map(k, v), WireKind::Map { key, elem }) => {
            unify(types, k, *key, found, depth + 1);
            unify(types, v, *elem, found, depth + 1);
        }
        _ => {}
    }
}

/// Go type strings of the types to generate, as gob names them.
impl Plan<'_, '_> {
    /// Go's `reflect.Type.String()` for a type, as gob would name it: widths a type string did not
    /// give are Go's defaults on the wire (`int`, `uint`, `float64`, `complex128`).
    pub fn go_string(&self, t: &Ty) -> String {
        match t {
            Ty::Scalar(id, Some(n)) if *id != BYTES => n.clone(),
            Ty::Scalar(id, _) => scalar_default(*id).to_owned(),
            Ty::Time => "time.Time".into(),
            Ty::GoString => "string".into(),
            Ty::Item(i) | Ty::Iface(i, _) => self.item_string(*i),
            Ty::Slice(e) => format!("[]{}", self.go_string(e)),
            Ty::Array(n, e) => format!("[{n}]{}", self.go_string(e)),
            Ty::Map(k, v) => format!("map[{}]{}", self.go_string(k), self.go_string(v)),
            Ty::Ptr(e) => format!("*{}", self.go_string(e)),
            Ty::NilMap(e) => self.go_string(e),
            Ty::Undefined(id) => format!("undefined{id}"),
        }
    }

    /// The Go type string of an item: `main.Point`, `interface {}`, `struct { X int }`.
    pub fn item_string(&self, i: usize) -> String {
        let it = &self.items[i];
        match &it.kind {
            Kind::Interface { any: true, .. } => "interface {}".into(),
            Kind::Struct(fields) if it.go_name.is_empty() => {
                if !it.wire_name.is_empty() {
                    return it.wire_name.clone();
                }
                let fs: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{} {}", f.go_name, self.go_string(&f.ty)))
                    .collect();
                if fs.is_empty() {
                    "struct {}".into()
                } else {
                    format!("struct {{ {} }}", fs.join("; "))
                }
            }
            _ if it.go_name.is_empty() => it.wire_name.clone(),
            _ => format!("{}.{}", it.pkg.as_deref().unwrap_or("main"), it.go_name),
        }
    }
}

/// Go's name of a predefined id on the wire.
pub fn scalar_default(id: TypeId) -> &'static str {
    match id {
        1 => "bool",
        2 => "int",
        3 => "uint",
        4 => "float64",
        BYTES => "[]uint8",
        STRING => "string",
        COMPLEX => "complex128",
        _ => "interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pkg: Option<&str>, name: &str) -> GoType {
        GoType::Named {
            pkg: pkg.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    #[test]
    fn parses_gob_type_strings() {
        let p = |s| GoType::parse(s);
        assert_eq!(
            p("[]*main.Tree"),
            Some(GoType::Slice(Box::new(GoType::Ptr(Box::new(named(
                Some("main"),
                "Tree"
            ))))))
        );
        assert_eq!(
            p("map[string][4]uint8"),
            Some(GoType::Map(
                Box::new(named(None, "string")),
                Box::new(GoType::Array(4, Box::new(named(None, "uint8"))))
            ))
        );
        assert_eq!(
            p("[]interface {}"),
            Some(GoType::Slice(Box::new(GoType::Literal(
                "interface {}".into()
            ))))
        );
        assert_eq!(
            p(r#"struct { A int "json:\"}\""; B string }"#),
            Some(GoType::Literal(
                r#"struct { A int "json:\"}\""; B string }"#.into()
            ))
        );
        assert_eq!(p("pkg.List[int]"), Some(named(Some("pkg"), "List[int]")));
        for bad in ["", "[]", "map[int", "[x]int", "struct {", "a b", "*"] {
            assert_eq!(p(bad), None, "{bad}");
        }
        let deep = "[]".repeat(100) + "int";
        assert_eq!(p(&deep), None);
    }
}
