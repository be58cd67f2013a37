//! Cases: structs, named collections and recursive types.

use std::collections::HashMap;

use gob_codec::{Complex, Complex64, GoString};

use super::types::*;
use super::{vals, Case};

fn s(x: &str) -> String {
    x.to_string()
}

fn strs(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| x.to_string()).collect()
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "struct_complex64_collections",
            vals![Spectrum {
                Bins: vec![
                    Complex64 { re: 1.0, im: 2.0 },
                    Complex64 { re: 0.0, im: -0.5 }
                ],
                Peak: HashMap::from([("p".to_string(), Complex64 { re: 3.0, im: 0.0 })]),
            }],
        ),
        Case::new(
            "struct_strings_not_utf8",
            vals![Blob {
                Name: "n".into(),
                Raw: GoString(b"\xfe\xff".to_vec()),
                Tags: vec![GoString::from("ok"), GoString(b"\x80".to_vec())],
                Index: HashMap::from([(GoString(b"\xc3".to_vec()), 1)]),
            }],
        ),
        Case::new("struct_all_zero", vals![Scalars::default()]),
        Case::new(
            "struct_scalars",
            vals![Scalars {
                Bool: true,
                Int: -1,
                Int8: -8,
                Int16: -16,
                Int32: -32,
                Int64: i64::MIN,
                Uint: 1,
                Uint8: 255,
                Uint16: 65535,
                Uint32: u32::MAX,
                Uint64: u64::MAX,
                Uintptr: 0xdead,
                Float32: -1.25,
                Float64: std::f64::consts::PI,
                Complex64: Complex { re: 1.0, im: -1.0 },
                Complex128: Complex { re: -0.5, im: 1e10 },
                String: s("str"),
                Bytes: b"raw".to_vec(),
            }],
        ),
        Case::new(
            "struct_scalars_sparse",
            vals![Scalars {
                Int16: 7,
                Uintptr: 1,
                String: s("x"),
                ..Default::default()
            }],
        ),
        Case::new(
            "struct_mixed_zero",
            vals![Mixed {
                C: 7,
                F: s("f"),
                ..Default::default()
            }],
        ),
        Case::new(
            "struct_mixed_last_only",
            vals![Mixed {
                G: 1,
                ..Default::default()
            }],
        ),
        // F is -0.0 in Go's value; it is omitted and decodes as 0 (and -0.0 == 0.0 anyway).
        Case::new("struct_neg_zero_field", vals![NegZero { F: -0.0, G: 2.0 }]),
        Case::new(
            "struct_unexported",
            vals![WithUnexported {
                Public: s("p"),
                Also: 3,
            }],
        ),
        Case::new(
            "struct_nested_zero",
            vals![Outer {
                Name: s("o"),
                Inner: Inner::default(),
                After: 1,
            }],
        ),
        Case::new(
            "struct_nested",
            vals![Outer {
                Name: s("o"),
                Inner: Inner { A: 1, B: s("b") },
                After: 2,
            }],
        ),
        Case::new(
            "struct_embedded",
            vals![Derived {
                Base: Base { ID: 7, Tag: s("t") },
                Extra: s("e"),
            }],
        ),
        Case::new(
            "struct_embedded_ptr",
            vals![DerivedPtr {
                Base: Some(Base { ID: 8, Tag: s("") }),
                Extra: s("e"),
            }],
        ),
        Case::new(
            "struct_embedded_ptr_nil",
            vals![DerivedPtr {
                Base: None,
                Extra: s("only"),
            }],
        ),
        // Want: the pointer to 0 (Zero) is omitted and decodes as nil.
        Case::new(
            "struct_pointers",
            vals![Ptrs {
                Nil: None,
                Five: Some(5),
                Zero: None,
                Str: Some(s("s")),
                PP: Some(Some(-2)),
                In: Some(Inner { A: 1, B: s("") }),
                NilIn: None,
            }],
        ),
        Case::new(
            "struct_pointer_to_zero_struct",
            vals![Ptrs {
                In: Some(Inner::default()),
                ..Default::default()
            }],
        ),
        Case::new(
            "struct_slice_of_structs",
            vals![Team {
                Name: s("core"),
                Members: vec![
                    Person {
                        Name: s("ann"),
                        Age: 30,
                        Email: s(""),
                    },
                    Person::default(),
                    Person {
                        Email: s("x@y"),
                        ..Default::default()
                    },
                ],
            }],
        ),
        Case::new(
            "struct_slice_of_slices",
            vals![Matrix {
                Rows: vec![vec![1.0, 0.5], vec![-1.0]],
                Grid: vec![vec![0], vec![1, 2, 3]],
            }],
        ),
        // Want: empty slices are omitted and decode as nil.
        Case::new("struct_empty_slices", vals![Matrix::default()]),
        Case::new(
            "struct_arrays",
            vals![Arrays {
                Ints: [1, 2, 3],
                Strs: [s("a"), s("b")],
                Points: [Point { X: 1, Y: 1 }, Point { X: 0, Y: 2 }],
                Bytes: [1, 0, 255, 3],
            }],
        ),
        Case::new("struct_arrays_zero", vals![Arrays::default()]),
        Case::new(
            "struct_maps_nil_empty",
            vals![Maps {
                Empty: Some(HashMap::new()),
                ..Default::default()
            }],
        ),
        Case::new(
            "struct_maps",
            vals![Maps {
                Nil: None,
                Empty: None,
                One: Some(HashMap::from([(s("one"), 1)])),
                ByInt: Some(HashMap::from([(2, s("two"))])),
                Structs: Some(HashMap::from([(s("p"), Point { X: 3, Y: 4 })])),
                Slices: Some(HashMap::from([(s("k"), strs(&["v1", "v2"]))])),
            }],
        ),
        Case::new(
            "struct_map_zero_entry",
            vals![Maps {
                One: Some(HashMap::from([(s(""), 0)])),
                ..Default::default()
            }],
        ),
        Case::new(
            "struct_slice_string_field",
            vals![StringsField {
                Tags: strs(&["a", "b"]),
                N: 1,
            }],
        ),
        Case::new(
            "slice_string_then_field",
            vals![
                strs(&["x"]),
                StringsField {
                    Tags: strs(&["y"]),
                    N: 0,
                }
            ],
        ),
        Case::new(
            "field_then_slice_string",
            vals![
                StringsField {
                    Tags: strs(&["y"]),
                    N: 0,
                },
                strs(&["x"])
            ],
        ),
        Case::new(
            "struct_named_collections",
            vals![NamedCollections {
                Tags: Tags(strs(&["t"])),
                Labels: Labels(HashMap::from([(s("k"), s("v"))])),
            }],
        ),
        Case::new("named_slice_top", vals![Tags(strs(&["a", "b"]))]),
        Case::new(
            "struct_anonymous_field",
            vals![AnonField {
                Opt: AnonOpt { A: 1, B: s("b") },
                N: 2,
            }],
        ),
        // ---- recursive types ----
        Case::new(
            "recursive_list",
            vals![Node {
                Value: 1,
                Next: Some(Box::new(Node {
                    Value: 2,
                    Next: Some(Box::new(Node {
                        Value: 3,
                        Next: None,
                    })),
                })),
            }],
        ),
        Case::new(
            "recursive_list_single",
            vals![Node {
                Value: 1,
                Next: None,
            }],
        ),
        Case::new(
            "recursive_tree",
            vals![Tree {
                Name: s("root"),
                Children: vec![
                    Some(Tree {
                        Name: s("a"),
                        Children: vec![Some(Tree {
                            Name: s("a1"),
                            Children: vec![],
                        })],
                    }),
                    Some(Tree {
                        Name: s("b"),
                        Children: vec![],
                    }),
                ],
            }],
        ),
        Case::new(
            "recursive_mutual",
            vals![A {
                Name: s("a"),
                B: Some(Box::new(B {
                    Count: 2,
                    A: Some(Box::new(A {
                        Name: s("inner"),
                        B: None,
                    })),
                })),
            }],
        ),
        Case::new(
            "recursive_mutual_from_b",
            vals![B {
                Count: 1,
                A: Some(Box::new(A {
                    Name: s("x"),
                    B: Some(Box::new(B { Count: 3, A: None })),
                })),
            }],
        ),
    ]
}
