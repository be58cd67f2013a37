//! Cases: top-level singletons of the basic types and top-level composites.

use std::collections::HashMap;

use gob_codec::Complex;

use super::types::Point;
use super::{nan, vals, Case};

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new("bool_true", vals![true]),
        Case::new("bool_false", vals![false]),
        Case::new("int_0", vals![0i64]),
        Case::new("int_1", vals![1i64]),
        Case::new("int_neg1", vals![-1i64]),
        Case::new("int_127", vals![127i64]),
        Case::new("int_128", vals![128i64]),
        Case::new("int_neg129", vals![-129i64]),
        Case::new("int_1_shl_40", vals![1i64 << 40]),
        Case::new("int64_max", vals![i64::MAX]),
        Case::new("int64_min", vals![i64::MIN]),
        Case::new("int8_min", vals![-128i8]),
        Case::new("int16_value", vals![-32768i16]),
        Case::new("int32_value", vals![i32::MAX]),
        Case::new("uint_0", vals![0u64]),
        Case::new("uint_255", vals![255u64]),
        Case::new("uint_256", vals![256u64]),
        Case::new("uint64_max", vals![u64::MAX]),
        Case::new("uint8_value", vals![200u8]),
        Case::new("uint16_value", vals![65535u16]),
        Case::new("uint32_value", vals![u32::MAX]),
        // uintptr
        Case::new("uintptr_value", vals![4096u64]),
        Case::new("float64_0", vals![0.0f64]),
        Case::new("float64_1_5", vals![1.5f64]),
        Case::new("float64_neg2_25", vals![-2.25f64]),
        Case::new("float64_1e300", vals![1e300f64]),
        Case::new("float64_pos_inf", vals![f64::INFINITY]),
        Case::new("float64_neg_inf", vals![f64::NEG_INFINITY]),
        // Go's math.NaN() is Float64frombits(0x7FF8000000000001), not Rust's f64::NAN.
        Case::new(
            "float64_nan",
            vec![nan(f64::from_bits(0x7FF8_0000_0000_0001))],
        ),
        Case::new("float64_neg_zero", vals![-0.0f64]),
        Case::new("float32_value", vals![3.25f32]),
        Case::new("float32_inexact", vals![0.1f32]),
        Case::new("complex128_value", vals![Complex { re: 1.5, im: -2.0 }]),
        // complex64
        Case::new("complex64_value", vals![Complex { re: 0.5, im: 4.0 }]),
        Case::new("string_empty", vals![String::new()]),
        Case::new("string_ascii", vals!["hello, gob".to_string()]),
        Case::new("string_utf8", vals!["grüße, 世界 🚀".to_string()]),
        Case::new(
            "string_not_utf8",
            vals![gob_codec::GoString(b"a\xffb\x00".to_vec())],
        ),
        Case::new("bytes_empty", vals![Vec::<u8>::new()]),
        Case::new("bytes_value", vals![vec![0u8, 1, 2, 0x7f, 0x80, 0xff]]),
        // ---- top-level composites ----
        Case::new(
            "slice_string_top",
            vals![vec!["a".to_string(), "bc".into(), String::new()]],
        ),
        Case::new("slice_int_empty_top", vals![Vec::<i64>::new()]),
        Case::new(
            "slice_slice_int_top",
            vals![vec![vec![1i64, 2], vec![], vec![-3]]],
        ),
        Case::new(
            "slice_point_top",
            vals![vec![
                Point { X: 1, Y: 2 },
                Point { X: 0, Y: 0 },
                Point { X: -1, Y: 5 },
            ]],
        ),
        Case::new("array_int_top", vals![[1i64, 0, -1]]),
        Case::new(
            "array_array_top",
            vals![[
                ["a".to_string(), String::new()],
                [String::new(), "d".to_string()],
            ]],
        ),
        Case::new(
            "map_string_int_top",
            vals![HashMap::from([("answer".to_string(), 42i64)])],
        ),
        Case::new(
            "map_int_string_top",
            vals![HashMap::from([(-7i64, "minus seven".to_string())])],
        ),
        Case::new("map_empty_top", vals![HashMap::<String, i64>::new()]),
        Case::new("map_nil_top", vals![HashMap::<String, bool>::new()]),
        Case::new(
            "map_string_slice_string_top",
            vals![HashMap::from([(
                "PATH".to_string(),
                vec!["/bin".to_string(), "/usr/bin".to_string()],
            )])],
        ),
        Case::new(
            "map_struct_key_top",
            vals![HashMap::from([(Point { X: 1, Y: 2 }, "p".to_string())])],
        ),
        // *Point
        Case::new("pointer_struct_top", vals![Some(Point { X: 3, Y: 4 })]),
        // **int
        Case::new("pointer_pointer_int_top", vals![Some(Some(9i64))]),
    ]
}
