//! Structs wider than the decoder's 64-field bitset: every field the stream omits, on both sides
//! of field 64, still decodes as its zero value.
#![allow(non_snake_case, clippy::unwrap_used)]

use serde::{Deserialize, Serialize};

macro_rules! wide {
    ($name:ident { $($f:ident),* }) => {
        #[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
        struct $name { $($f: i64),* }
    };
}

wide! {
    Wide {
        F00, F01, F02, F03, F04, F05, F06, F07, F08, F09, F10, F11, F12, F13, F14, F15, F16, F17, F18,
        F19, F20, F21, F22, F23, F24, F25, F26, F27, F28, F29, F30, F31, F32, F33, F34, F35, F36, F37,
        F38, F39, F40, F41, F42, F43, F44, F45, F46, F47, F48, F49, F50, F51, F52, F53, F54, F55, F56,
        F57, F58, F59, F60, F61, F62, F63, F64, F65, F66, F67, F68, F69
    }
}

#[test]
fn omitted_fields_on_both_sides_of_64_are_zero() {
    for set in [
        vec![],
        vec![0],
        vec![1, 63],
        vec![63, 64],
        vec![64],
        vec![2, 65, 69],
        (0..70).collect(),
        (0..70).filter(|i| i % 3 != 0).collect(),
    ] {
        let mut v = Wide::default();
        let mut values = serde_json::to_value(&v).unwrap();
        for i in &set {
            values[format!("F{i:02}")] = serde_json::json!(i + 1);
        }
        v = serde_json::from_value(values).unwrap();
        let bytes = gob_codec::to_vec(&v).unwrap();
        assert_eq!(gob_codec::from_slice::<Wide>(&bytes).unwrap(), v, "{set:?}");
    }
}
