//! What the Rust items need beyond their fields: `Box` where a type would contain itself, which
//! traits can be derived (`Default` where every field has one; `Eq` and `Ord` for the types of map
//! keys, so that they can key a `BTreeMap`; a float in a key is an ordered float type, and a
//! complex number in a key has no order, so that map does not compile), and whether `serde_bytes`
//! is used.

use std::collections::HashSet;

use crate::model::{BYTES, FLOAT};
use crate::plan::{Kind, Plan, Ty};

pub struct Analysis {
    /// (item, slot) pairs whose type is boxed: a field, a newtype's inner type, a variant.
    pub boxed: HashSet<(usize, usize)>,
    default: Vec<bool>,
    /// Items that derive `Eq` and `Ord`: they are (or are in) map keys.
    pub ord: Vec<bool>,
    pub uses_bytes: bool,
    /// Some map key holds a float, written as an ordered float type.
    pub float_key: bool,
    /// Some array is longer than serde's arrays (32), written as an array type of its own.
    pub long_array: bool,
}

/// The types in each slot of an item.
fn slots<'p>(plan: &'p Plan<'_, '_>, i: usize) -> Vec<&'p Ty> {
    match &plan.items[i].kind {
        Kind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        Kind::Named(t) => vec![t],
        Kind::Interface { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
        Kind::Marshal(..) => Vec::new(),
    }
}

/// Items a value of `t` holds inline (not behind a `Vec`, map or `Box`).
fn inline(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Item(i) | Ty::Iface(i, _) => out.push(*i),
        Ty::Ptr(e) | Ty::Array(_, e) => inline(e, out),
        _ => {}
    }
}

/// Calls `f` on `t` and every type inside it.
fn each(t: &Ty, f: &mut dyn FnMut(&Ty)) {
    f(t);
    match t {
        Ty::Slice(e) | Ty::Array(_, e) | Ty::Ptr(e) | Ty::NilMap(e) => each(e, f),
        Ty::Map(k, v) => {
            each(k, f);
            each(v, f);
        }
        _ => {}
    }
}

impl Analysis {
    pub fn new(plan: &Plan<'_, '_>) -> Self {
        let n = plan.items.len();
        let mut a = Analysis {
            boxed: boxed(plan),
            default: vec![true; n],
            ord: vec![false; n],
            uses_bytes: false,
            float_key: false,
            long_array: false,
        };
        let mut all: Vec<&Ty> = plan.top.iter().collect();
        for i in 0..n {
            all.extend(slots(plan, i));
            if let Kind::Marshal(_, fields) = &plan.items[i].kind {
                all.extend(fields);
            }
        }
        // Map keys, and every item their values hold, must be ordered.
        let mut work = Vec::new();
        for t in &all {
            each(t, &mut |t| {
                if let Ty::Map(k, _) = t {
                    each(k, &mut |t| match t {
                        Ty::Item(i) | Ty::Iface(i, _) => work.push(*i),
                        Ty::Scalar(FLOAT, _) => a.float_key = true,
                        _ => {}
                    });
                }
                match t {
                    Ty::Scalar(BYTES, _) => a.uses_bytes = true,
                    Ty::Array(n, _) if *n > 32 => a.long_array = true,
                    _ => {}
                }
            });
        }
        while let Some(i) = work.pop() {
            if a.ord[i] {
                continue;
            }
            a.ord[i] = true;
            for t in slots(plan, i) {
                each(t, &mut |t| match t {
                    Ty::Item(j) | Ty::Iface(j, _) => work.push(*j),
                    Ty::Scalar(FLOAT, _) => a.float_key = true,
                    _ => {}
                });
            }
        }
        // Default: every item but an interface, until a field without one rules an item out.
        for (i, it) in plan.items.iter().enumerate() {
            a.default[i] = !matches!(it.kind, Kind::Interface { .. });
        }
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if a.default[i] && !slots(plan, i).iter().all(|t| a.has_default(t)) {
                    a.default[i] = false;
                    changed = true;
                }
            }
        }
        a
    }

    fn has_default(&self, t: &Ty) -> bool {
        match t {
            Ty::Item(i) => self.default[*i],
            Ty::Iface(_, nilable) => *nilable,
            Ty::Array(_, e) => self.has_default(e),
            _ => true,
        }
    }

    /// The derive list of item `i`.
    pub fn derives(&self, plan: &Plan<'_, '_>, i: usize) -> String {
        let marshal = matches!(plan.items[i].kind, Kind::Marshal(..));
        let mut d = vec!["Debug", "Clone", "PartialEq"];
        if self.ord[i] || marshal {
            d.push("Eq");
        }
        if self.ord[i] {
            d.extend(["PartialOrd", "Ord"]);
        }
        if self.default[i] {
            d.push("Default");
        }
        if !marshal {
            d.extend(["serde::Serialize", "serde::Deserialize"]);
        }
        d.join(", ")
    }
}

/// The slots to box: each edge that closes a cycle of inline slots, so that no item contains
/// itself without indirection.
fn boxed(plan: &Plan<'_, '_>) -> HashSet<(usize, usize)> {
    let edges: Vec<Vec<(usize, usize)>> = (0..plan.items.len())
        .map(|i| {
            let mut e = Vec::new();
            for (slot, t) in slots(plan, i).into_iter().enumerate() {
                let mut to = Vec::new();
                inline(t, &mut to);
                e.extend(to.into_iter().map(|j| (slot, j)));
            }
            e
        })
        .collect();
    back_edges(&edges)
}

/// The back edges of a depth-first walk over a graph whose node `i` has edges `(slot, to)`: the
/// (node, slot) pairs that close a cycle. Without them the graph has none.
pub fn back_edges(edges: &[Vec<(usize, usize)>]) -> HashSet<(usize, usize)> {
    let n = edges.len();
    // 0: not seen, 1: on the walk's path, 2: done.
    let mut state = vec![0u8; n];
    let mut out = HashSet::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, 0usize)];
        while let Some(&mut (i, ref mut k)) = stack.last_mut() {
            let Some(&(slot, j)) = edges[i].get(*k) else {
                state[i] = 2;
                stack.pop();
                continue;
            };
            *k += 1;
            match state.get(j) {
                Some(0) => {
                    state[j] = 1;
                    stack.push((j, 0));
                }
                Some(1) => {
                    out.insert((i, slot));
                }
                _ => {}
            }
        }
    }
    out
}
