//! Identifiers for generated code: Go names made into Rust ones (`FSType` → `fs_type`, `point` →
//! `Point`), keywords avoided, and names kept unique within their scope.

use std::collections::{HashMap, HashSet};

/// Rust's keywords, strict and reserved: a field named so is written as a raw identifier.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names the generated code uses unqualified (the prelude's), which a Go type must not shadow.
pub const RUST_RESERVED_TYPES: &[&str] = &[
    "Box", "Err", "None", "Ok", "Option", "Result", "Self", "Some", "String", "Vec",
];

/// Go's keywords and predeclared names, which a generated Go type must not take.
pub const GO_RESERVED: &[&str] = &[
    "any",
    "bool",
    "break",
    "byte",
    "case",
    "chan",
    "comparable",
    "complex128",
    "complex64",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "error",
    "fallthrough",
    "float32",
    "float64",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "rune",
    "select",
    "string",
    "struct",
    "switch",
    "type",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "uintptr",
    "var",
];

/// True for a Go identifier as gob sends type and field names: letters, digits and `_`, not
/// starting with a digit.
pub fn is_go_ident(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_')
        && cs.all(|c| c.is_alphanumeric() || c == '_')
}

/// The words of a Go name: `FSType` → `FS`, `Type`; `HTTPServer2` → `HTTP`, `Server2`; `a_b` →
/// `a`, `b`. Characters that are not ASCII letters or digits separate words.
fn words(s: &str) -> Vec<String> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in cs.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| cs[j]);
        let next = cs.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A Rust field or module name for a Go name: `FSType` → `fs_type`, `Type` → `r#type`.
pub fn snake(go: &str) -> String {
    let mut s = words(go)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() {
        s.push_str("field");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if NOT_RAW.contains(&s.as_str()) {
        s.push('_');
    } else if KEYWORDS.contains(&s.as_str()) {
        s.insert_str(0, "r#");
    }
    s
}

/// A Rust type or variant name for a Go name: `point` → `Point`, `HTTPServer` → `HTTPServer`,
/// `my_type` → `MyType`. Empty when the name has no letters or digits.
pub fn camel(go: &str) -> String {
    let mut s = String::new();
    for w in words(go) {
        let mut cs = w.chars();
        if let Some(c) = cs.next() {
            s.push(c.to_ascii_uppercase());
            s.extend(cs);
        }
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'T');
    }
    s
}

/// The name without a `r#` prefix, as serde and people see it.
pub fn unraw(s: &str) -> &str {
    s.strip_prefix("r#").unwrap_or(s)
}

/// `text` as comment lines starting with `prefix` (`// `, `/// `), wrapped at 100 columns.
pub fn comment(out: &mut String, prefix: &str, text: &str) {
    let start = prefix.len() + 1;
    let mut line = format!("{prefix} ");
    for word in text.split_whitespace() {
        if line.len() > start && line.len() + 1 + word.len() > 100 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("{prefix} ");
        }
        if line.len() > start {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Names taken in one scope (a module's types, a struct's fields, an enum's variants).
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
    /// The next number to try after each name, so that many equal names cost no search.
    next: HashMap<String, usize>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
            next: HashMap::new(),
        }
    }

    /// `want` if free, else `want2`, `want3`, ...; the result is taken.
    pub fn claim(&mut self, want: &str) -> String {
        let base = if want.is_empty() { "T" } else { want };
        let mut name = base.to_owned();
        let n = self.next.entry(unraw(base).to_owned()).or_insert(2);
        while self.taken.contains(unraw(&name)) {
            name = format!("{}{n}", unraw(base));
            *n += 1;
        }
        self.taken.insert(unraw(&name).to_owned());
        name
    }

    /// `want` if free, else `Go` + `want`, then numbered: for a type name the prelude has.
    pub fn claim_type(&mut self, want: &str) -> String {
        if self.taken.contains(want) && !want.is_empty() {
            let prefixed = format!("Go{want}");
            if !self.taken.contains(&prefixed) {
                return self.claim(&prefixed);
            }
        }
        self.claim(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_of_go_names() {
        for (go, rust) in [
            ("X", "x"),
            ("FSType", "fs_type"),
            ("ExitCode", "exit_code"),
            ("HTTPServer2", "http_server2"),
            ("ID", "id"),
            ("Type", "r#type"),
            ("Self", "self_"),
            ("My_Field", "my_field"),
            ("Ünïcode", "n_code"),
            ("V2Beta", "v2_beta"),
        ] {
            assert_eq!(snake(go), rust, "{go}");
        }
    }

    #[test]
    fn camel_case_of_go_names() {
        for (go, rust) in [
            ("Point", "Point"),
            ("point", "Point"),
            ("HTTPServer", "HTTPServer"),
            ("my_type", "MyType"),
            ("main.Circle", "MainCircle"),
            ("3d", "T3d"),
            ("[]", ""),
        ] {
            assert_eq!(camel(go), rust, "{go}");
        }
    }

    #[test]
    fn scopes_number_repeated_names() {
        let mut s = Scope::with(RUST_RESERVED_TYPES);
        assert_eq!(s.claim("Point"), "Point");
        assert_eq!(s.claim("Point"), "Point2");
        assert_eq!(s.claim_type("String"), "GoString");
        assert_eq!(s.claim_type("String"), "String2");
        let mut f = Scope::default();
        assert_eq!(f.claim("r#type"), "r#type");
        assert_eq!(f.claim("r#type"), "type2");
        assert!(is_go_ident("Point") && is_go_ident("_x1") && !is_go_ident("[]int"));
    }
}
