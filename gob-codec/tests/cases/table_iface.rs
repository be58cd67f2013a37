//! Cases: interfaces, marshalers and time, type ids and decoder-side edge cases.

use std::collections::HashMap;

use gob_codec::{Complex, Marshaled};

use super::iface::*;
use super::marshal::{date, t_pre_epoch, t_utc, Celsius, Color, Event, Reading, Record, Version};
use super::marshal_struct::{Secret, Site, Stamps, StampsAfter, Url, Vault};
use super::types::{Header, Inner, Person, Point, Renamed, Team};
use super::{vals, Case, GO_REGISTRY};

fn s(x: &str) -> String {
    x.to_string()
}

fn circle(r: f64) -> Circle {
    Circle { Radius: r }
}

fn pt(x: i64, y: i64) -> Point {
    Point { X: x, Y: y }
}

pub(super) fn cases() -> Vec<Case> {
    let mut v = interfaces();
    v.extend(marshalers());
    v.extend(ids());
    v
}

fn interfaces() -> Vec<Case> {
    vec![
        Case::new(
            "iface_field_value",
            vals![Drawing {
                Name: s("d"),
                Shape: Some(Shape::Circle(circle(2.0))),
            }],
        ),
        Case::new(
            "iface_field_nil",
            vals![Drawing {
                Name: s("empty"),
                Shape: None,
            }],
        ),
        Case::new(
            "iface_field_zero_value",
            vals![Drawing {
                Name: s(""),
                Shape: Some(Shape::Rect(Rect::default())),
            }],
        ),
        Case::new(
            "iface_pointer_registered",
            vals![Drawing {
                Name: s("sq"),
                Shape: Some(Shape::Square(Square { Side: 2.0 })),
            }],
        ),
        Case::new(
            "iface_slice_shape",
            vals![Shapes {
                List: vec![
                    Shape::Circle(circle(1.0)),
                    Shape::Rect(Rect { W: 2.0, H: 3.0 }),
                    Shape::Square(Square { Side: 4.0 }),
                    Shape::Circle(circle(5.0)),
                ],
            }],
        ),
        Case::new(
            "iface_slice_any",
            vals![Bag {
                Items: vec![
                    Some(Any::Int(1)),
                    Some(Any::String(s("two"))),
                    Some(Any::Float64(3.5)),
                    Some(Any::Bool(true)),
                    Some(Any::Int8(-8)),
                    Some(Any::Uint16(16)),
                    Some(Any::Bytes(b"b".to_vec())),
                    Some(Any::Ints(vec![1, 2])),
                    Some(Any::Strings(vec![s("s")])),
                    None,
                    Some(Any::Circle(circle(1.0))),
                    Some(Any::Point(pt(1, 2))),
                    Some(Any::Complex64(Complex { re: 0.0, im: 1.0 })),
                ],
            }],
        ),
        Case::new(
            "iface_top_slice_any",
            vals![vec![
                Any::String(s("a")),
                Any::Int(1),
                Any::Rect(Rect { W: 1.0, H: 1.0 }),
            ]],
        ),
        Case::new(
            "iface_map_string_any",
            vals![HashMap::from([(s("k"), Any::Int(42))])],
        ),
        Case::new(
            "iface_map_field",
            vals![AnyMap {
                M: HashMap::from([(s("p"), Some(Any::Point(pt(5, 6))))]),
            }],
        ),
        Case::new(
            "iface_registered_map_time",
            vals![Bag {
                Items: vec![
                    Some(Any::MapStringInt(HashMap::from([(s("a"), 1)]))),
                    Some(Any::Time(t_utc())),
                ],
            }],
        ),
        Case::new(
            "iface_gob_encoder",
            vals![Holder {
                Value: Some(Any::Celsius(Celsius { v: 21 })),
            }],
        ),
        Case::new(
            "iface_nested",
            vals![Holder {
                Value: Some(Any::Group(Group {
                    Label: s("g"),
                    Member: Some(Shape::Circle(circle(3.0))),
                })),
            }],
        ),
        Case::new(
            "iface_types_mid_stream",
            vals![
                Holder {
                    Value: Some(Any::Int(1)),
                },
                Holder {
                    Value: Some(Any::Polygon(Polygon {
                        Name: s("tri"),
                        Points: vec![pt(0, 0), pt(1, 0), pt(0, 1)],
                    })),
                }
            ],
        ),
        Case::new(
            "iface_same_concrete_twice",
            vals![
                Holder {
                    Value: Some(Any::Circle(circle(1.0))),
                },
                Holder {
                    Value: Some(Any::Circle(circle(2.0))),
                }
            ],
        ),
        // Encode(&shape): a top-level interface value.
        Case::new("iface_top_level", vals![Shape::Circle(circle(1.5))]),
        Case::new("iface_top_level_any_int", vals![Any::Int(42)]),
    ]
}

fn marshalers() -> Vec<Case> {
    vec![
        Case::new("time_utc", vals![t_utc()]),
        // Want: FixedZone("", offset); zone names are not sent.
        Case::new(
            "time_zone_minutes",
            vals![date(
                2024,
                3,
                1,
                15,
                0,
                45,
                123_456_789,
                Some(2 * 3600 + 30 * 60)
            )],
        ),
        Case::new(
            "time_zone_seconds",
            vals![date(1890, 5, 17, 8, 15, 0, 500, Some(3600 + 1))],
        ),
        Case::new(
            "time_zone_negative",
            vals![date(2023, 12, 31, 23, 59, 59, 999_999_999, Some(-5 * 3600))],
        ),
        Case::new("time_zero", vals![gob_codec::Time::default()]),
        Case::new(
            "time_pre_epoch",
            vals![date(1969, 7, 20, 20, 17, 40, 0, None)],
        ),
        Case::new(
            "struct_time_duration",
            vals![Event {
                Name: s("e"),
                When: t_utc(),
                Took: 1_500_000_000,
                ..Default::default()
            }],
        ),
        // Want: the zone (+02:30) decodes as FixedZone("", 9000).
        Case::new(
            "struct_time_map",
            vals![Record {
                When: date(2024, 3, 1, 15, 0, 45, 123_456_789, Some(2 * 3600 + 30 * 60)),
                Level: 8,
                Text: s("disk full"),
                Labels: Some(HashMap::from([(s("dev"), s("/dev/vdb"))])),
            }],
        ),
        // 90 * time.Second
        Case::new("duration_top", vals![90_000_000_000i64]),
        Case::new("gob_encoder_top", vals![Celsius { v: 21 }]),
        Case::new(
            "binary_marshaler_top",
            vals![Marshaled(Version { major: 1, minor: 2 })],
        ),
        Case::new(
            "text_marshaler_top",
            vals![Color {
                R: 0x12,
                G: 0xab,
                B: 0xff,
            }],
        ),
        Case::new(
            "marshalers_in_struct",
            vals![Reading {
                Where: s("lab"),
                Temp: Celsius { v: -5 },
                Ver: Version { major: 2, minor: 0 },
                Col: Color { R: 1, G: 2, B: 3 },
                PTemp: Some(Celsius { v: 7 }),
                Temps: vec![Celsius { v: 1 }, Celsius { v: 0 }],
            }],
        ),
        // A non-nil *Celsius is not zero for reflect.Value.IsZero, even when it points to zero.
        Case::new(
            "marshal_struct_fields_top",
            vals![Secret { owner: s("ann") }],
        ),
        Case::new(
            "marshal_struct_fields_field",
            vals![Vault {
                Label: s("v"),
                Key: Secret { owner: s("bob") },
                Keeper: Person {
                    Name: s("k"),
                    Age: 1,
                    ..Default::default()
                },
            }],
        ),
        Case::new(
            "marshal_struct_fields_iface",
            vals![Holder {
                Value: Some(Any::Secret(Secret { owner: s("c") })),
            }],
        ),
        Case::new(
            "url_field",
            vals![Site {
                Name: s("s"),
                Home: Some(Url(s("https://u:p@example.com/a?b#c"))),
                Links: vec![Some(Url(s("http://x/")))],
            }],
        ),
        Case::new(
            "time_pointer_first",
            vals![Stamps {
                Ptr: Some(t_utc()),
                Val: t_pre_epoch(),
            }],
        ),
        Case::new(
            "time_pointer_after",
            vals![StampsAfter {
                Val: t_utc(),
                Ptr: Some(t_pre_epoch()),
            }],
        ),
        Case::new("time_pointer_top", vals![Some(t_utc()), t_pre_epoch()]),
        Case::new(
            "marshalers_zero_fields",
            vals![Reading {
                Where: s("x"),
                PTemp: Some(Celsius { v: 0 }),
                ..Default::default()
            }],
        ),
    ]
}

fn ids() -> Vec<Case> {
    let extra = Extra {
        Keep: s("k"),
        Unknown: 9,
        Any: Some(Any::Circle(circle(1.0))),
        NilAny: None,
        M: HashMap::from([(s("m"), 1)]),
        S: Inner { A: 1, B: s("b") },
        L: vec![pt(1, 2)],
        Arr: [3, 4],
        P: Some(pt(5, 6)),
        T: t_utc(),
        Last: 10,
    };
    vec![
        Case::new("same_type_twice", vals![pt(1, 2), pt(3, 4)]),
        Case::new(
            "two_types",
            vals![
                pt(1, 2),
                Person {
                    Name: s("p"),
                    Age: 3,
                    Email: s(""),
                }
            ],
        ),
        Case::new(
            "three_messages_interleaved",
            vals![
                pt(1, 0),
                Person {
                    Name: s("q"),
                    ..Default::default()
                },
                pt(0, 1)
            ],
        ),
        // Want: the empty []byte decodes as nil.
        Case::new(
            "bytes_stream",
            vals![b"one".to_vec(), Vec::<u8>::new(), b"three".to_vec()],
        ),
        Case::new(
            "stream_several_types",
            vals![
                Person {
                    Name: s("ann"),
                    Age: 30,
                    ..Default::default()
                },
                Record {
                    When: t_utc(),
                    Text: s("ready"),
                    ..Default::default()
                },
                // tUTC.Add(time.Second)
                Record {
                    When: date(2024, 3, 1, 12, 30, 46, 123_456_789, None),
                    Level: 4,
                    Text: s("slow"),
                    Labels: Some(HashMap::from([(s("ms"), s("1500"))])),
                }
            ],
        ),
        Case::new(
            "header_body_pairs",
            vals![
                Header {
                    Method: s("Point"),
                    Seq: 1,
                },
                pt(1, 2),
                Header {
                    Method: s("Person"),
                    Seq: 2,
                },
                Person {
                    Name: s("p"),
                    Age: 3,
                    ..Default::default()
                }
            ],
        ),
        Case::new(
            "renamed_field",
            vals![Renamed {
                old_name: s("n"),
                count: 4,
            }],
        ),
        Case::new("extra_field", vals![extra]).view(vals![ExtraView {
            Keep: s("k"),
            Last: 10,
        }]),
        Case::new(
            "extra_field_zero",
            vals![Extra {
                Keep: s("k"),
                Last: 1,
                ..Default::default()
            }],
        )
        .view(vals![ExtraView {
            Keep: s("k"),
            Last: 1,
        }]),
        Case::new(
            "extra_field_iface_defs",
            vals![
                ExtraIface {
                    Keep: s("a"),
                    Any: Some(Any::Group(Group {
                        Label: s("g"),
                        Member: Some(Shape::Circle(circle(1.0))),
                    })),
                },
                Holder {
                    Value: Some(Any::Circle(circle(2.0))),
                }
            ],
        )
        .view(vals![
            ExtraIfaceView { Keep: s("a") },
            Holder {
                Value: Some(Any::Circle(circle(2.0))),
            }
        ]),
        // Skipped first: Team, Matrix (and their element types).
        Case::new("skip65_point", vals![pt(7, 8)]).first_id(72),
        // Skipped first: Point, Person. Point keeps its id 64, below Polygon's.
        Case::new(
            "skip65_shared_type",
            vals![Polygon {
                Name: s("p"),
                Points: vec![pt(1, 1)],
            }],
        )
        .not_identical(GO_REGISTRY),
        // Skipped first: map[string]Point, which cached Point's gob name as "".
        Case::new("skip65_name_from_map", vals![pt(1, 2)]).not_identical(GO_REGISTRY),
        // Skipped first: StringsField, which cached []string's gob name as "[]string".
        Case::new("skip65_slice_name", vals![vec![s("z")]]).not_identical(GO_REGISTRY),
        // Skipped first: [1]int ... [70]int (ids 64..133).
        Case::new(
            "skip65_ids_above_127",
            vals![Team {
                Name: s("t"),
                Members: vec![Person {
                    Name: s("m"),
                    ..Default::default()
                }],
            }],
        )
        .first_id(134),
        // Skipped first: Circle, Rect; Circle keeps its id 64, below Drawing's.
        Case::new(
            "skip65_interface",
            vals![Drawing {
                Name: s("d"),
                Shape: Some(Shape::Circle(circle(2.0))),
            }],
        )
        .not_identical(GO_REGISTRY),
        // Skipped first: Person, Arrays.
        Case::new(
            "skip65_recursive",
            vals![super::types::Node {
                Value: 1,
                Next: Some(Box::new(super::types::Node {
                    Value: 2,
                    Next: None,
                })),
            }],
        )
        .first_id(71),
        // Skipped first: Point, Team.
        Case::new(
            "skip65_time",
            vals![Event {
                Name: s("e"),
                When: t_utc(),
                ..Default::default()
            }],
        )
        .first_id(68),
        // Skipped first: 1100 array types.
        Case::new(
            "skip65_ids_above_1100",
            vals![Team {
                Name: s("t"),
                Members: vec![Person {
                    Name: s("m"),
                    ..Default::default()
                }],
            }],
        )
        .first_id(1164),
        // Skipped first: 300 array types, Person, Polygon (and so Point).
        Case::new(
            "skip65_long_lived",
            vals![
                Team {
                    Name: s("t"),
                    Members: vec![Person {
                        Name: s("m"),
                        Age: 2,
                        ..Default::default()
                    }],
                },
                Point { X: 1, Y: 2 }
            ],
        )
        .not_identical(GO_REGISTRY),
    ]
}
