package main

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"boxpark.dev/interop-go/gobvectors"
)

func vals(v ...any) []any { return v }

func intPtr(v int) *int                        { return &v }
func strPtr(v string) *string                  { return &v }
func intPtrPtr(v int) **int                    { p := &v; return &p }
func celsiusPtr(v int) *Celsius                { return &Celsius{v} }
func bytesOf(s string) []byte                  { return []byte(s) }
func zone(name string, off int) *time.Location { return time.FixedZone(name, off) }

// arrayTypes returns zero values of [1]int, [2]int, ... [n]int: n distinct
// types, each taking one gob type id.
func arrayTypes(n int) []any {
	out := make([]any, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, reflect.New(reflect.ArrayOf(i, reflect.TypeOf(0))).Elem().Interface())
	}
	return out
}

var (
	tUTC       = time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	tZoneMin   = time.Date(2024, 3, 1, 15, 0, 45, 123456789, zone("X", 2*3600+30*60))
	tZoneMinD  = time.Date(2024, 3, 1, 15, 0, 45, 123456789, zone("", 2*3600+30*60))
	tZoneSec   = time.Date(1890, 5, 17, 8, 15, 0, 500, zone("LMT", 3600+1))
	tZoneSecD  = time.Date(1890, 5, 17, 8, 15, 0, 500, zone("", 3600+1))
	tZoneNeg   = time.Date(2023, 12, 31, 23, 59, 59, 999999999, zone("EST", -5*3600))
	tZoneNegD  = time.Date(2023, 12, 31, 23, 59, 59, 999999999, zone("", -5*3600))
	tPreEpoch  = time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
	tLog       = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	tLogZoned  = time.Date(2026, 11, 25, 13, 0, 0, 5000, zone("CET", 3600))
	tLogZonedD = time.Date(2026, 11, 25, 13, 0, 0, 5000, zone("", 3600))
)

var shapeTypes = []any{Circle{}, Rect{}, &Square{}}

// cases is the table of golden vectors, in the order of the INDEX.md files
// (see gobvectors.Case for the fields). The contract_* cases are written into
// boxpark-proto/tests/golden, the others into gob-codec/tests/golden (see
// main.go).
var cases = []gobvectors.Case{
	// ---------------------------------------------------------------
	// Top-level singletons of the basic types. A non-struct top-level
	// value is sent as a "singleton": type id, then a 0 delta, then the
	// value; zero values ARE sent at top level.
	{Name: "bool_true", Doc: "top-level bool true", Values: vals(true)},
	{Name: "bool_false", Doc: "top-level bool false: zero is still sent at top level", Values: vals(false)},
	{Name: "int_0", Doc: "top-level int 0", Values: vals(0)},
	{Name: "int_1", Doc: "top-level int 1", Values: vals(1)},
	{Name: "int_neg1", Doc: "top-level int -1 (zigzag: 1)", Values: vals(-1)},
	{Name: "int_127", Doc: "top-level int 127 (zigzag 254: two bytes)", Values: vals(127)},
	{Name: "int_128", Doc: "top-level int 128", Values: vals(128)},
	{Name: "int_neg129", Doc: "top-level int -129", Values: vals(-129)},
	{Name: "int_1_shl_40", Doc: "top-level int 1<<40", Values: vals(1 << 40)},
	{Name: "int64_max", Doc: "top-level int64 max", Values: vals(int64(math.MaxInt64))},
	{Name: "int64_min", Doc: "top-level int64 min", Values: vals(int64(math.MinInt64))},
	{Name: "int8_min", Doc: "top-level int8 -128 (wire type int)", Values: vals(int8(-128))},
	{Name: "int16_value", Doc: "top-level int16 -32768", Values: vals(int16(-32768))},
	{Name: "int32_value", Doc: "top-level int32 2147483647", Values: vals(int32(math.MaxInt32))},
	{Name: "uint_0", Doc: "top-level uint 0", Values: vals(uint(0))},
	{Name: "uint_255", Doc: "top-level uint 255", Values: vals(uint(255))},
	{Name: "uint_256", Doc: "top-level uint 256", Values: vals(uint(256))},
	{Name: "uint64_max", Doc: "top-level uint64 max", Values: vals(uint64(math.MaxUint64))},
	{Name: "uint8_value", Doc: "top-level uint8 200 (wire type uint, not bytes)", Values: vals(uint8(200))},
	{Name: "uint16_value", Doc: "top-level uint16 65535", Values: vals(uint16(65535))},
	{Name: "uint32_value", Doc: "top-level uint32 4294967295", Values: vals(uint32(math.MaxUint32))},
	{Name: "uintptr_value", Doc: "top-level uintptr 4096 (wire type uint)", Values: vals(uintptr(4096))},
	{Name: "float64_0", Doc: "top-level float64 0", Values: vals(0.0)},
	{Name: "float64_1_5", Doc: "top-level float64 1.5 (byte-reversed IEEE bits)", Values: vals(1.5)},
	{Name: "float64_neg2_25", Doc: "top-level float64 -2.25", Values: vals(-2.25)},
	{Name: "float64_1e300", Doc: "top-level float64 1e300", Values: vals(1e300)},
	{Name: "float64_pos_inf", Doc: "top-level float64 +Inf", Values: vals(math.Inf(1))},
	{Name: "float64_neg_inf", Doc: "top-level float64 -Inf", Values: vals(math.Inf(-1))},
	{Name: "float64_nan", Doc: "top-level float64 NaN (math.NaN() bits)", Values: vals(math.NaN())},
	{Name: "float64_neg_zero", Doc: "top-level float64 -0.0: the sign bit is sent at top level", Values: vals(math.Copysign(0, -1))},
	{Name: "float32_value", Doc: "top-level float32 3.25 (sent as float64)", Values: vals(float32(3.25))},
	{Name: "float32_inexact", Doc: "top-level float32 0.1 (its float64 widening is sent)", Values: vals(float32(0.1))},
	{Name: "complex128_value", Doc: "top-level complex128 1.5-2i", Values: vals(complex(1.5, -2))},
	{Name: "complex64_value", Doc: "top-level complex64 0.5+4i", Values: vals(complex64(complex(0.5, 4)))},
	{Name: "string_empty", Doc: "top-level empty string (still sent)", Values: vals("")},
	{Name: "string_ascii", Doc: "top-level ascii string", Values: vals("hello, gob")},
	{Name: "string_utf8", Doc: "top-level utf-8 string", Values: vals("grüße, 世界 🚀")},
	{Name: "string_not_utf8", Doc: "top-level string that is not UTF-8: Go strings are any bytes", Values: vals("a\xffb\x00")},
	{Name: "bytes_empty", Doc: "top-level empty []byte: sent as length 0, decodes as nil", Values: vals([]byte{}), Want: vals([]byte(nil))},
	{Name: "bytes_value", Doc: "top-level []byte (predefined type id 5, no definition)", Values: vals([]byte{0, 1, 2, 0x7f, 0x80, 0xff})},

	// ---------------------------------------------------------------
	// Top-level composites.
	{Name: "slice_string_top", Doc: "top-level []string: type definition with name \"\"", Values: vals([]string{"a", "bc", ""})},
	{Name: "slice_int_empty_top", Doc: "top-level empty []int: type defined, count 0, decodes as nil", Values: vals([]int{}), Want: vals([]int(nil))},
	{Name: "slice_slice_int_top", Doc: "top-level [][]int (inner []int also named \"\")", Values: vals([][]int{{1, 2}, {}, {-3}}), Want: vals([][]int{{1, 2}, nil, {-3}})},
	{Name: "slice_point_top", Doc: "top-level []main.Point (slice name \"\", element named Point)", Values: vals([]Point{{1, 2}, {0, 0}, {-1, 5}})},
	{Name: "array_int_top", Doc: "top-level [3]int", Values: vals([3]int{1, 0, -1})},
	{Name: "array_array_top", Doc: "top-level [2][2]string", Values: vals([2][2]string{{"a", ""}, {"", "d"}})},
	{Name: "map_string_int_top", Doc: "top-level map[string]int, one entry", Values: vals(map[string]int{"answer": 42})},
	{Name: "map_int_string_top", Doc: "top-level map[int]string, one entry", Values: vals(map[int]string{-7: "minus seven"})},
	{Name: "map_empty_top", Doc: "top-level empty map: count 0", Values: vals(map[string]int{})},
	{Name: "map_nil_top", Doc: "top-level nil map: sent like an empty one, decodes as an empty non-nil map", Values: vals(map[string]bool(nil)), Want: vals(map[string]bool{})},
	{Name: "map_string_slice_string_top", Doc: "top-level map[string][]string, one entry", Values: vals(map[string][]string{"PATH": {"/bin", "/usr/bin"}})},
	{Name: "map_struct_key_top", Doc: "top-level map[main.Point]string: struct key (named \"\" since first seen as a map key)", Values: vals(map[Point]string{{1, 2}: "p"})},
	{Name: "pointer_struct_top", Doc: "top-level *Point: pointers are flattened, same bytes as Point", Values: vals(&Point{3, 4})},
	{Name: "pointer_pointer_int_top", Doc: "top-level **int: flattened to int", Values: vals(intPtrPtr(9))},

	// ---------------------------------------------------------------
	// Structs.
	{Name: "struct_strings_not_utf8", Doc: "string fields, a []string and a map[string]int key that are not UTF-8, beside UTF-8 ones", Values: vals(Blob{Name: "n", Raw: "\xfe\xff", Tags: []string{"ok", "\x80"}, Index: map[string]int{"\xc3": 1}})},
	{Name: "struct_complex64_collections", Doc: "[]complex64 and map[string]complex64 fields: the types are named \"[]complex64\" and \"map[string]complex64\"", Values: vals(Spectrum{Bins: []complex64{complex(1, 2), complex(0, -0.5)}, Peak: map[string]complex64{"p": 3}})},
	{Name: "struct_all_zero", Doc: "struct with every field zero: only the 0 terminator", Values: vals(Scalars{})},
	{Name: "struct_scalars", Doc: "every scalar kind as a field", Values: vals(Scalars{
		Bool: true, Int: -1, Int8: -8, Int16: -16, Int32: -32, Int64: math.MinInt64,
		Uint: 1, Uint8: 255, Uint16: 65535, Uint32: math.MaxUint32, Uint64: math.MaxUint64, Uintptr: 0xdead,
		Float32: -1.25, Float64: math.Pi, Complex64: complex(1, -1), Complex128: complex(-0.5, 1e10),
		String: "str", Bytes: []byte("raw"),
	})},
	{Name: "struct_scalars_sparse", Doc: "scalar struct with only a few fields set (deltas > 1)", Values: vals(Scalars{Int16: 7, Uintptr: 1, String: "x"})},
	{Name: "struct_mixed_zero", Doc: "zero fields omitted; deltas 3 and 3", Values: vals(Mixed{C: 7, F: "f"})},
	{Name: "struct_mixed_last_only", Doc: "only the last field set: first delta is 7", Values: vals(Mixed{G: 1})},
	{Name: "struct_neg_zero_field", Doc: "float field -0.0 equals 0 so it is omitted in a struct", Values: vals(NegZero{F: math.Copysign(0, -1), G: 2})},
	{Name: "struct_unexported", Doc: "unexported fields are neither described nor sent", Values: vals(WithUnexported{Public: "p", hidden: 5, secret: "s", Also: 3}), Want: vals(WithUnexported{Public: "p", Also: 3})},
	{Name: "struct_nested_zero", Doc: "a zero nested struct field is still sent (as just its terminator)", Values: vals(Outer{Name: "o", After: 1})},
	{Name: "struct_nested", Doc: "nested struct field", Values: vals(Outer{Name: "o", Inner: Inner{A: 1, B: "b"}, After: 2})},
	{Name: "struct_embedded", Doc: "embedded struct: a field named Base", Values: vals(Derived{Base: Base{ID: 7, Tag: "t"}, Extra: "e"})},
	{Name: "struct_embedded_ptr", Doc: "embedded *Base, non-nil", Values: vals(DerivedPtr{Base: &Base{ID: 8}, Extra: "e"})},
	{Name: "struct_embedded_ptr_nil", Doc: "embedded *Base, nil: omitted", Values: vals(DerivedPtr{Extra: "only"})},
	{Name: "struct_pointers", Doc: "pointer fields: nil omitted, pointer to 0 omitted (decodes nil), **int flattened", Values: vals(Ptrs{
		Five: intPtr(5), Zero: intPtr(0), Str: strPtr("s"), PP: intPtrPtr(-2), In: &Inner{A: 1},
	}), Want: vals(Ptrs{Five: intPtr(5), Str: strPtr("s"), PP: intPtrPtr(-2), In: &Inner{A: 1}})},
	{Name: "struct_pointer_to_zero_struct", Doc: "pointer to a zero struct is sent (structs are always sent)", Values: vals(Ptrs{In: &Inner{}})},
	{Name: "struct_slice_of_structs", Doc: "[]main.Person field: slice named \"[]main.Person\", element \"Person\"", Values: vals(Team{Name: "core", Members: []Person{{Name: "ann", Age: 30}, {}, {Email: "x@y"}}})},
	{Name: "struct_slice_of_slices", Doc: "[][]float64 and [][]int fields", Values: vals(Matrix{Rows: [][]float64{{1, 0.5}, {-1}}, Grid: [][]int{{0}, {1, 2, 3}}})},
	{Name: "struct_empty_slices", Doc: "empty non-nil slice fields are omitted like nil ones", Values: vals(Matrix{Rows: [][]float64{}, Grid: [][]int{}}), Want: vals(Matrix{})},
	{Name: "struct_arrays", Doc: "array fields: [3]int, [2]string, [2]main.Point, [4]uint8", Values: vals(Arrays{
		Ints: [3]int{1, 2, 3}, Strs: [2]string{"a", "b"}, Points: [2]Point{{1, 1}, {0, 2}}, Bytes: [4]uint8{1, 0, 255, 3},
	})},
	{Name: "struct_arrays_zero", Doc: "zero array fields are still sent (arrays are never omitted)", Values: vals(Arrays{})},
	{Name: "struct_maps_nil_empty", Doc: "nil map field omitted, empty non-nil map field sent", Values: vals(Maps{Empty: map[string]int{}})},
	{Name: "struct_maps", Doc: "map fields with one entry each: map[string]int, map[int]string, map[string]Point, map[string][]string", Values: vals(Maps{
		One: map[string]int{"one": 1}, ByInt: map[int]string{2: "two"},
		Structs: map[string]Point{"p": {3, 4}}, Slices: map[string][]string{"k": {"v1", "v2"}},
	})},
	{Name: "struct_map_zero_entry", Doc: "map entries with zero key and value are sent in full", Values: vals(Maps{One: map[string]int{"": 0}})},
	{Name: "struct_slice_string_field", Doc: "[]string field: its type is named \"[]string\"", Values: vals(StringsField{Tags: []string{"a", "b"}, N: 1})},
	{Name: "slice_string_then_field", Doc: "top-level []string first (named \"\"), then a struct whose []string field reuses that id", Values: vals([]string{"x"}, StringsField{Tags: []string{"y"}})},
	{Name: "field_then_slice_string", Doc: "struct with []string field first, then top-level []string: same id, already sent", Values: vals(StringsField{Tags: []string{"y"}}, []string{"x"})},
	{Name: "struct_named_collections", Doc: "named slice and map types: names \"Tags\" and \"Labels\"", Values: vals(NamedCollections{Tags: Tags{"t"}, Labels: Labels{"k": "v"}})},
	{Name: "named_slice_top", Doc: "top-level named slice main.Tags: name \"Tags\"", Values: vals(Tags{"a", "b"})},
	{Name: "struct_anonymous_field", Doc: "field of unnamed struct type: named \"struct { A int; B string }\"", Values: vals(AnonField{Opt: struct {
		A int
		B string
	}{A: 1, B: "b"}, N: 2})},

	// ---------------------------------------------------------------
	// Recursive types.
	{Name: "recursive_list", Doc: "linked list of 3 Nodes: type Node struct{Value int; Next *Node}", Values: vals(Node{Value: 1, Next: &Node{Value: 2, Next: &Node{Value: 3}}})},
	{Name: "recursive_list_single", Doc: "a single Node, nil Next omitted", Values: vals(Node{Value: 1})},
	{Name: "recursive_tree", Doc: "tree with Children []*Tree (field type named \"[]*main.Tree\")", Values: vals(Tree{Name: "root", Children: []*Tree{
		{Name: "a", Children: []*Tree{{Name: "a1"}}}, {Name: "b"},
	}})},
	{Name: "recursive_mutual", Doc: "mutually recursive A{Name; B *B}, B{Count; A *A}", Values: vals(A{Name: "a", B: &B{Count: 2, A: &A{Name: "inner"}}})},
	{Name: "recursive_mutual_from_b", Doc: "mutual recursion entered from B (different id order)", Values: vals(B{Count: 1, A: &A{Name: "x", B: &B{Count: 3}}})},

	// ---------------------------------------------------------------
	// Interfaces.
	{Name: "iface_field_value", Doc: "interface field holding a registered Circle (name \"main.Circle\")", Values: vals(Drawing{Name: "d", Shape: Circle{Radius: 2}}), Register: shapeTypes},
	{Name: "iface_field_nil", Doc: "nil interface field: omitted", Values: vals(Drawing{Name: "empty"}), Register: shapeTypes},
	{Name: "iface_field_zero_value", Doc: "interface holding a zero Rect: sent (name, id, empty struct)", Values: vals(Drawing{Shape: Rect{}}), Register: shapeTypes},
	{Name: "iface_pointer_registered", Doc: "interface holding *Square, registered as a pointer: name \"*main.Square\"", Values: vals(Drawing{Name: "sq", Shape: &Square{Side: 2}}), Register: shapeTypes},
	{Name: "iface_slice_shape", Doc: "[]Shape with Circle, Rect, *Square, Circle (Circle defined once)", Values: vals(Shapes{List: []Shape{Circle{1}, Rect{2, 3}, &Square{4}, Circle{5}}}), Register: shapeTypes},
	{Name: "iface_slice_any", Doc: "[]any field with basic and registered types and a nil element", Values: vals(Bag{Items: []any{
		1, "two", 3.5, true, int8(-8), uint16(16), []byte("b"), []int{1, 2}, []string{"s"}, nil, Circle{1}, Point{1, 2}, complex64(1i),
	}}), Register: vals(Circle{}, Point{})},
	{Name: "iface_top_slice_any", Doc: "top-level []any", Values: vals([]any{"a", 1, Rect{1, 1}}), Register: shapeTypes},
	{Name: "iface_map_string_any", Doc: "top-level map[string]any with one entry", Values: vals(map[string]any{"k": 42})},
	{Name: "iface_map_field", Doc: "map[string]any field holding a struct", Values: vals(AnyMap{M: map[string]any{"p": Point{5, 6}}}), Register: vals(Point{})},
	{Name: "iface_registered_map_time", Doc: "interfaces holding a map[string]int and a time.Time (registered)", Values: vals(Bag{Items: []any{map[string]int{"a": 1}, tUTC}}), Register: vals(map[string]int{}, time.Time{})},
	{Name: "iface_gob_encoder", Doc: "interface holding a GobEncoder (Celsius)", Values: vals(Holder{Value: Celsius{21}}), Register: vals(Celsius{})},
	{Name: "iface_nested", Doc: "interface holding Group, which holds a Shape: Circle's definition is written INSIDE the outer value", Values: vals(Holder{Value: Group{Label: "g", Member: Circle{3}}}), Register: vals(Group{}, Circle{})},
	{Name: "iface_types_mid_stream", Doc: "Holder{1} then Holder{Polygon}: Polygon and Point definitions appear between the two values", Values: vals(Holder{Value: 1}, Holder{Value: Polygon{Name: "tri", Points: []Point{{0, 0}, {1, 0}, {0, 1}}}}), Register: vals(Polygon{})},
	{Name: "iface_same_concrete_twice", Doc: "two messages each with an interface holding Circle: defined only in the first", Values: vals(Holder{Value: Circle{1}}, Holder{Value: Circle{2}}), Register: vals(Circle{})},
	{Name: "iface_top_level", Doc: "top-level interface value (Encode(&shape)): type id 8 (interface)", Values: vals(shapeRef(Circle{Radius: 1.5})), Register: shapeTypes},
	{Name: "iface_top_level_any_int", Doc: "top-level *any holding int", Values: vals(anyRef(42))},

	// ---------------------------------------------------------------
	// GobEncoder / BinaryMarshaler / TextMarshaler.
	{Name: "time_utc", Doc: "time.Time UTC (GobEncoder; binary version 1, offset -1)", Values: vals(tUTC)},
	{Name: "time_zone_minutes", Doc: "time.Time in FixedZone(\"X\", +02:30): zone name is lost", Values: vals(tZoneMin), Want: vals(tZoneMinD)},
	{Name: "time_zone_seconds", Doc: "time.Time in FixedZone(\"LMT\", +01:00:01): binary version 2", Values: vals(tZoneSec), Want: vals(tZoneSecD)},
	{Name: "time_zone_negative", Doc: "time.Time in FixedZone(\"EST\", -05:00)", Values: vals(tZoneNeg), Want: vals(tZoneNegD)},
	{Name: "time_zero", Doc: "zero time.Time at top level (sent)", Values: vals(time.Time{})},
	{Name: "time_pre_epoch", Doc: "time.Time before 1970", Values: vals(tPreEpoch)},
	{Name: "struct_time_duration", Doc: "struct with time.Time (wire name \"Time\") and time.Duration (int) fields; zero ones omitted", Values: vals(Event{Name: "e", When: tUTC, Took: 1500 * time.Millisecond})},
	{Name: "struct_time_map", Doc: "struct with a zoned time.Time (+02:30), an int, a string and a map[string]string field", Values: vals(Record{
		When: tZoneMin, Level: 8, Text: "disk full", Labels: map[string]string{"dev": "/dev/vdb"},
	}), Want: vals(Record{When: tZoneMinD, Level: 8, Text: "disk full", Labels: map[string]string{"dev": "/dev/vdb"}})},
	{Name: "duration_top", Doc: "top-level time.Duration: plain int", Values: vals(90 * time.Second)},
	{Name: "gob_encoder_top", Doc: "top-level GobEncoder Celsius (bytes \"21C\")", Values: vals(Celsius{21})},
	{Name: "binary_marshaler_top", Doc: "top-level BinaryMarshaler Version", Values: vals(Version{1, 2})},
	{Name: "text_marshaler_top", Doc: "top-level TextMarshaler-only Color: gob ignores MarshalText and sends the struct {R,G,B}", Values: vals(Color{0x12, 0xab, 0xff})},
	{Name: "marshalers_in_struct", Doc: "GobEncoder, BinaryMarshaler, TextMarshaler fields, *Celsius and []Celsius", Values: vals(Reading{
		Where: "lab", Temp: Celsius{-5}, Ver: Version{2, 0}, Col: Color{1, 2, 3}, PTemp: celsiusPtr(7), Temps: []Celsius{{1}, {0}},
	})},
	{Name: "marshal_struct_fields_top", Doc: "top-level GobEncoder Secret whose Go type is a struct: after Secret's definition Go sends those of its exported fields' types (Person, []string, map[string]Point, Point), which no value refers to", Values: vals(Secret{Owner: Person{Name: "ann"}})},
	{Name: "marshal_struct_fields_field", Doc: "Vault with a Secret field, then a Person field whose definition Secret's fields already sent", Values: vals(Vault{Label: "v", Key: Secret{Owner: Person{Name: "bob"}}, Keeper: Person{Name: "k", Age: 1}})},
	{Name: "marshal_struct_fields_iface", Doc: "interface holding a Secret: its field types are defined inside the value, after Secret's", Values: vals(Holder{Value: Secret{Owner: Person{Name: "c"}}}), Register: vals(Secret{})},
	{Name: "url_field", Doc: "struct with a *url.URL (BinaryMarshaler on the pointer) and a []*url.URL: Go also sends url.Userinfo's definition (a struct with no exported fields)", Values: vals(Site{Name: "s", Home: ptrURL("https://u:p@example.com/a?b#c"), Links: []*url.URL{ptrURL("http://x/")}})},
	{Name: "time_pointer_first", Doc: "*time.Time field before a time.Time field: the pointer gets its own id and definition, and the later time.Time refers to it", Values: vals(Stamps{Ptr: &tUTC, Val: tPreEpoch})},
	{Name: "time_pointer_after", Doc: "time.Time field before a *time.Time field", Values: vals(StampsAfter{Val: tUTC, Ptr: &tPreEpoch})},
	{Name: "time_pointer_top", Doc: "top-level *time.Time, then a time.Time", Values: vals(&tUTC, tPreEpoch)},
	{Name: "skip65_ids_above_1100", Doc: "1100 array types skipped (ids 64..1163): Team, []Person and Person get ids 1164..1166, beyond where a decoder's dense table ends", Values: vals(Team{Name: "t", Members: []Person{{Name: "m"}}}), Skip65: arrayTypes(1100)},
	{Name: "skip65_long_lived", Doc: "a long-lived process: 300 array types and Person took ids first, so Team's ids are in the 360s and its []Person refers to Person's low id", Values: vals(Team{Name: "t", Members: []Person{{Name: "m", Age: 2}}}, Point{1, 2}), Skip65: append(arrayTypes(300), Person{}, Polygon{})},
	{Name: "marshalers_zero_fields", Doc: "zero GobEncoder/Marshaler field values are omitted (reflect.Value.IsZero)", Values: vals(Reading{Where: "x", PTemp: celsiusPtr(0)})},

	// ---------------------------------------------------------------
	// Type ids and decoder-side edge cases.
	{Name: "same_type_twice", Doc: "Point twice: definition only once", Values: vals(Point{1, 2}, Point{3, 4})},
	{Name: "two_types", Doc: "two different top-level types in one stream", Values: vals(Point{1, 2}, Person{Name: "p", Age: 3})},
	{Name: "three_messages_interleaved", Doc: "Point, Person, Point: the second Point needs no definition", Values: vals(Point{1, 0}, Person{Name: "q"}, Point{0, 1})},
	{Name: "bytes_stream", Doc: "three top-level []byte values on one stream, the second empty (decodes nil)", Values: vals(bytesOf("one"), []byte{}, bytesOf("three")), Want: vals(bytesOf("one"), []byte(nil), bytesOf("three"))},
	{Name: "stream_several_types", Doc: "Person, then two Records: Record and Time defined once, before the first Record", Values: vals(
		Person{Name: "ann", Age: 30}, Record{When: tUTC, Text: "ready"}, Record{When: tUTC.Add(time.Second), Level: 4, Text: "slow", Labels: map[string]string{"ms": "1500"}},
	)},
	{Name: "header_body_pairs", Doc: "two header+body pairs on one stream, as net/rpc frames calls: Header defined once, each body's type just before its value", Values: vals(
		Header{Method: "Point", Seq: 1}, Point{1, 2}, Header{Method: "Person", Seq: 2}, Person{Name: "p", Age: 3},
	)},
	{Name: "renamed_field", Doc: "Go fields OldName/Count; Rust decodes into differently named fields", Values: vals(Renamed{OldName: "n", Count: 4})},
	{Name: "extra_field", Doc: "Extra: the Rust struct has only Keep and Last; it must skip int, interface, nil interface, map, struct, slice, array, pointer and Time fields", Values: vals(Extra{
		Keep: "k", Unknown: 9, Any: Circle{1}, M: map[string]int{"m": 1}, S: Inner{A: 1, B: "b"},
		L: []Point{{1, 2}}, Arr: [2]int{3, 4}, P: &Point{5, 6}, T: tUTC, Last: 10,
	}), Register: vals(Circle{})},
	{Name: "extra_field_zero", Doc: "Extra with only Keep/Last set: arrays and structs are still sent and skipped", Values: vals(Extra{Keep: "k", Last: 1})},
	{Name: "extra_field_iface_defs", Doc: "skipped interface field carries definitions (Circle inside the value) that the next message uses", Values: vals(
		ExtraIface{Keep: "a", Any: Group{Label: "g", Member: Circle{1}}}, Holder{Value: Circle{2}},
	), Register: vals(Group{}, Circle{})},
	{Name: "skip65_point", Doc: "ids start after Team/Person/Matrix types", Values: vals(Point{7, 8}), Skip65: vals(Team{}, Matrix{})},
	{Name: "skip65_shared_type", Doc: "Point already has a low id from the skipped stream; Polygon gets a higher one and defines Point again", Values: vals(Polygon{Name: "p", Points: []Point{{1, 1}}}), Skip65: vals(Point{}, Person{})},
	{Name: "skip65_name_from_map", Doc: "Point first seen as a map element in the skipped stream, so its cached gob name is \"\"", Values: vals(Point{1, 2}), Skip65: vals(map[string]Point{})},
	{Name: "skip65_slice_name", Doc: "[]string first seen as a field in the skipped stream, so top-level []string is named \"[]string\"", Values: vals([]string{"z"}), Skip65: vals(StringsField{})},
	{Name: "skip65_ids_above_127", Doc: "70 array types skipped (ids 64..133): Team gets id 134, ids >= 128 need 3-byte encodings", Values: vals(Team{Name: "t", Members: []Person{{Name: "m"}}}), Skip65: arrayTypes(70)},
	{Name: "skip65_interface", Doc: "interface with Circle whose id was taken in the skipped stream", Values: vals(Drawing{Name: "d", Shape: Circle{2}}), Skip65: vals(Circle{}, Rect{}), Register: shapeTypes},
	{Name: "skip65_recursive", Doc: "recursive Node after skipped types", Values: vals(Node{Value: 1, Next: &Node{Value: 2}}), Skip65: vals(Person{}, Arrays{})},
	{Name: "skip65_time", Doc: "Event after skipped types (Time gets a non-65 id)", Values: vals(Event{Name: "e", When: tUTC}), Skip65: vals(Point{}, Team{})},

	// ---------------------------------------------------------------
	// Boxpark contract messages (shared/CONTRACT.md): boxpark-proto's vectors,
	// tested against its own types in boxpark-proto/tests/golden.rs.
	{Name: "contract_empty", Doc: "Empty{}: struct with no fields", Values: vals(Empty{})},
	{Name: "contract_mount_request_zero", Doc: "zero MountRequest", Values: vals(MountRequest{})},
	{Name: "contract_mount_request", Doc: "MountRequest ext4 read-only", Values: vals(MountRequest{Source: "/dev/vdb", Target: "/mnt/data", FSType: "ext4", Flags: 1 | 1024, Data: "errors=remount-ro"})},
	{Name: "contract_mount_request_virtiofs", Doc: "MountRequest virtiofs, no flags or data", Values: vals(MountRequest{Source: "share0", Target: "/mnt/share", FSType: "virtiofs"})},
	{Name: "contract_run_request_zero", Doc: "zero RunRequest", Values: vals(RunRequest{})},
	{Name: "contract_run_request", Doc: "RunRequest with args, env, dir, stdin and Timeout", Values: vals(RunRequest{
		Command: "mkswap", Args: []string{"/dev/vdc"}, Env: []string{"PATH=/usr/sbin:/usr/bin"}, Dir: "/", Stdin: []byte("y\n"), Timeout: 30 * time.Second,
	})},
	{Name: "contract_run_response", Doc: "RunResponse exit 0 with stdout", Values: vals(RunResponse{Stdout: []byte("Setting up swapspace version 1, size = 1 GiB\n")})},
	{Name: "contract_run_response_signal", Doc: "RunResponse killed by a signal: ExitCode -1, stderr", Values: vals(RunResponse{ExitCode: -1, Stderr: []byte("killed\n")})},
	{Name: "contract_run_response_zero", Doc: "zero RunResponse", Values: vals(RunResponse{})},
	{Name: "contract_write_request", Doc: "WriteRequest with mode 0644", Values: vals(WriteRequest{Path: "/etc/docker/daemon.json", Data: []byte("{\"debug\":false}\n"), Mode: 0o644})},
	{Name: "contract_write_request_zero", Doc: "zero WriteRequest", Values: vals(WriteRequest{})},
	{Name: "contract_mkdir_request", Doc: "MkdirRequest with mode 0755", Values: vals(MkdirRequest{Path: "/etc/docker", Mode: 0o755})},
	{Name: "contract_mkdir_request_zero", Doc: "zero MkdirRequest", Values: vals(MkdirRequest{})},
	{Name: "contract_listen_request", Doc: "ListenRequest unixgram with BufferSize", Values: vals(ListenRequest{Network: "unixgram", Address: "/run/systemd/notify", BufferSize: 4096})},
	{Name: "contract_listen_request_zero", Doc: "zero ListenRequest", Values: vals(ListenRequest{})},
	{Name: "contract_listen_response", Doc: "ListenResponse with a real port", Values: vals(ListenResponse{Address: "127.0.0.1:41234"})},
	{Name: "contract_listen_response_zero", Doc: "zero ListenResponse", Values: vals(ListenResponse{})},
	{Name: "contract_shutdown_request", Doc: "ShutdownRequest{Reboot: true}", Values: vals(ShutdownRequest{Reboot: true})},
	{Name: "contract_shutdown_request_zero", Doc: "zero ShutdownRequest", Values: vals(ShutdownRequest{})},
	{Name: "contract_proxy_request_unix", Doc: "ProxyRequest unix, no Args/Env", Values: vals(ProxyRequest{Network: "unix", Address: "/var/run/docker.sock", LocalAddress: "/tmp/docker.sock"})},
	{Name: "contract_proxy_request_launch", Doc: "ProxyRequest launch with Args, Env and Dir", Values: vals(ProxyRequest{
		Network: "launch", Address: "dockerd", Args: []string{"--host=unix:///var/run/docker.sock", "--debug"}, Env: []string{"DOCKER_RAMDISK=true"}, Dir: "/",
	})},
	{Name: "contract_proxy_request_zero", Doc: "zero ProxyRequest", Values: vals(ProxyRequest{})},
	{Name: "contract_connection_request", Doc: "ConnectionRequest tcp", Values: vals(ConnectionRequest{Network: "tcp", ListenAddress: "127.0.0.1:8080", LocalAddress: "127.0.0.1:8080", RemoteAddress: "127.0.0.1:51234"})},
	{Name: "contract_connection_request_unnamed", Doc: "ConnectionRequest unixgram from an unnamed peer (RemoteAddress \"\")", Values: vals(ConnectionRequest{Network: "unixgram", ListenAddress: "/run/systemd/notify", LocalAddress: "/run/systemd/notify"})},
	{Name: "contract_connection_request_zero", Doc: "zero ConnectionRequest", Values: vals(ConnectionRequest{})},
	{Name: "contract_info", Doc: "Info with version and IP", Values: vals(Info{Version: "0.1.0", IP: "10.0.2.15"})},
	{Name: "contract_info_zero", Doc: "zero Info", Values: vals(Info{})},
	{Name: "contract_log_utc", Doc: "Log with UTC time, Attrs nil", Values: vals(Log{Time: tLog, Message: "guest ready"})},
	{Name: "contract_log_zoned_attrs", Doc: "Log with zoned time (+01:00), level 8 and one attr", Values: vals(Log{Time: tLogZoned, Level: 8, Message: "mount failed", Attrs: map[string]string{"err": "no such device"}}),
		Want: vals(Log{Time: tLogZonedD, Level: 8, Message: "mount failed", Attrs: map[string]string{"err": "no such device"}})},
	{Name: "contract_log_debug_empty_attrs", Doc: "Log level -4 with an empty non-nil Attrs map (sent, count 0)", Values: vals(Log{Time: tLog, Level: -4, Message: "tick", Attrs: map[string]string{}})},
	{Name: "contract_log_zero", Doc: "zero Log: zero Time omitted", Values: vals(Log{})},
	{Name: "contract_launch_output_lines", Doc: "LaunchOutput stdout batch", Values: vals(LaunchOutput{Stream: 1, Lines: []string{"starting", "", "ready: listening on /var/run/docker.sock"}})},
	{Name: "contract_launch_output_exited", Doc: "final LaunchOutput: Exited, ExitCode 0 (Stream 0, ExitCode 0 omitted)", Values: vals(LaunchOutput{Exited: true})},
	{Name: "contract_launch_output_exited_code", Doc: "final LaunchOutput with ExitCode 137", Values: vals(LaunchOutput{Exited: true, ExitCode: 137})},
	{Name: "contract_launch_stream", Doc: "a launch stream: stdout batch, stderr batch, final message", Values: vals(
		LaunchOutput{Stream: 1, Lines: []string{"a", "b"}}, LaunchOutput{Stream: 2, Lines: []string{"warning: x"}}, LaunchOutput{Exited: true, ExitCode: 1},
	)},
	{Name: "contract_datagram", Doc: "a datagram: top-level []byte", Values: vals([]byte("\x00\x01READY=1\n"))},
	{Name: "contract_datagram_stream", Doc: "three datagrams, one empty (decodes nil)", Values: vals([]byte("one"), []byte{}, []byte("three")), Want: vals([]byte("one"), []byte(nil), []byte("three"))},
	{Name: "contract_proxy_udp_host_stream", Doc: "host side of a udp proxy connection: ProxyRequest then datagrams on the same stream", Values: vals(
		ProxyRequest{Network: "udp", Address: "127.0.0.1:53", LocalAddress: "127.0.0.1:5353"}, []byte{0xab, 0xcd, 1, 0}, []byte("x"),
	)},
	{Name: "contract_connection_datagram_stream", Doc: "guest dial to host port 2: ConnectionRequest then a datagram", Values: vals(
		ConnectionRequest{Network: "unixgram", ListenAddress: "/run/systemd/notify", LocalAddress: "/run/systemd/notify"}, []byte("READY=1"),
	)},
	{Name: "contract_event_stream", Doc: "event stream: Info, then two Logs (Log and Time defined once)", Values: vals(
		Info{Version: "0.1.0", IP: "10.0.2.15"}, Log{Time: tLog, Message: "guest ready"}, Log{Time: tLog.Add(time.Second), Level: 4, Message: "slow", Attrs: map[string]string{"ms": "1500"}},
	)},
	{Name: "contract_rpc_mount_call", Doc: "net/rpc request: Request{Guest.Mount, 1} then MountRequest", Values: vals(
		Request{ServiceMethod: "Guest.Mount", Seq: 1}, MountRequest{Source: "share0", Target: "/mnt/share", FSType: "virtiofs"},
	)},
	{Name: "contract_rpc_mount_reply", Doc: "net/rpc reply: Response{Guest.Mount, 1, \"\"} then Empty{}", Values: vals(
		Response{ServiceMethod: "Guest.Mount", Seq: 1}, Empty{},
	)},
	{Name: "contract_rpc_error_reply", Doc: "net/rpc error reply: Response with Error, then struct{}{} (anonymous: gob name \"\")", Values: vals(
		Response{ServiceMethod: "Guest.Mount", Seq: 2, Error: "mount /mnt/x: no such file or directory"}, struct{}{},
	)},
	{Name: "contract_rpc_two_calls", Doc: "two requests on one stream: Request defined once", Values: vals(
		Request{ServiceMethod: "Guest.Mkdir", Seq: 1}, MkdirRequest{Path: "/etc/docker", Mode: 0o755},
		Request{ServiceMethod: "Guest.Write", Seq: 2}, WriteRequest{Path: "/etc/docker/daemon.json", Data: []byte("{}\n")},
	)},
	{Name: "contract_rpc_seq_zero", Doc: "Request with Seq 0 (omitted) and a zero ShutdownRequest", Values: vals(
		Request{ServiceMethod: "Guest.Shutdown"}, ShutdownRequest{},
	)},
	{Name: "contract_rpc_run_call", Doc: "Guest.Run request after other types were used in the process", Values: vals(
		Request{ServiceMethod: "Guest.Run", Seq: 7}, RunRequest{Command: "swapon", Args: []string{"/dev/vdc"}, Timeout: time.Minute},
	), Skip65: vals(Request{}, MountRequest{}, Response{})},
	{Name: "contract_rpc_run_reply", Doc: "Guest.Run reply with ids not starting at 65", Values: vals(
		Response{ServiceMethod: "Guest.Run", Seq: 7}, RunResponse{ExitCode: 1, Stderr: []byte("swapon: /dev/vdc: read swap header failed\n")},
	), Skip65: vals(Request{}, RunRequest{}, Empty{})},
	{Name: "contract_rpc_listen_reply", Doc: "Guest.Listen reply after the shutdown and listen requests had ids", Values: vals(
		Response{ServiceMethod: "Guest.Listen", Seq: 3}, ListenResponse{Address: "/run/systemd/notify"},
	), Skip65: vals(Request{}, ListenRequest{}, ShutdownRequest{})},
	{Name: "contract_log_skip65", Doc: "Log when Info and other types took ids first", Values: vals(Log{Time: tLog, Message: "x", Attrs: map[string]string{"k": "v"}}), Skip65: vals(Info{}, ProxyRequest{})},
	{Name: "contract_launch_output_skip65", Doc: "LaunchOutput after ProxyRequest took ids", Values: vals(LaunchOutput{Stream: 2, Lines: []string{"err"}}), Skip65: vals(ProxyRequest{})},
	{Name: "contract_proxy_request_skip65", Doc: "ProxyRequest after RunRequest took ids: its []string field reuses the id of RunRequest's []string", Values: vals(ProxyRequest{Network: "launch", Address: "sh", Args: []string{"-c", "true"}}), Skip65: vals(RunRequest{}, Info{})},
}

// ===================================================================
// The Go types of the golden vectors. They live in package main on purpose:
// gob writes Go type names into some type definitions and interface values
// ("main.Circle", "*main.Square", "[]main.Point", "[]*main.Tree"), and the
// Rust side must write exactly those names.

// ---- plain structs ----

type Point struct {
	X, Y int
}

type Person struct {
	Name  string
	Age   int
	Email string
}

// Scalars has a field of every scalar kind gob knows.
type Scalars struct {
	Bool       bool
	Int        int
	Int8       int8
	Int16      int16
	Int32      int32
	Int64      int64
	Uint       uint
	Uint8      uint8
	Uint16     uint16
	Uint32     uint32
	Uint64     uint64
	Uintptr    uintptr
	Float32    float32
	Float64    float64
	Complex64  complex64
	Complex128 complex128
	String     string
	Bytes      []byte
}

// Mixed is used with some fields zero, so field deltas are > 1.
type Mixed struct {
	A int
	B string
	C int
	D bool
	E float64
	F string
	G uint
}

// WithUnexported has unexported fields, which gob neither describes nor sends.
type WithUnexported struct {
	Public string
	hidden int
	secret string
	Also   int
}

type Inner struct {
	A int
	B string
}

type Outer struct {
	Name  string
	Inner Inner
	After int
}

type Base struct {
	ID  int
	Tag string
}

// Derived embeds Base: the field is named "Base" on the wire.
type Derived struct {
	Base
	Extra string
}

// DerivedPtr embeds *Base.
type DerivedPtr struct {
	*Base
	Extra string
}

type Ptrs struct {
	Nil   *int
	Five  *int
	Zero  *int // pointer to 0: Go omits the field, it decodes as nil
	Str   *string
	PP    **int
	In    *Inner
	NilIn *Inner
}

type Team struct {
	Name    string
	Members []Person
}

type Matrix struct {
	Rows [][]float64
	Grid [][]int
}

type Arrays struct {
	Ints   [3]int
	Strs   [2]string
	Points [2]Point
	Bytes  [4]uint8 // an array of uint8 is an array type, not "bytes"
}

type Maps struct {
	Nil     map[string]int
	Empty   map[string]int
	One     map[string]int
	ByInt   map[int]string
	Structs map[string]Point
	Slices  map[string][]string
}

type StringsField struct {
	Tags []string
	N    int
}

// Tags is a named slice type: its gob type name is "Tags".
type Tags []string

// Labels is a named map type: its gob type name is "Labels".
type Labels map[string]string

type NamedCollections struct {
	Tags   Tags
	Labels Labels
}

// AnonField has a field of an unnamed struct type; its gob name is
// "struct { A int; B string }".
type AnonField struct {
	Opt struct {
		A int
		B string
	}
	N int
}

type NegZero struct {
	F float64 // -0.0 == 0, so Go omits it in a struct
	G float64
}

// ---- recursive types ----

type Node struct {
	Value int
	Next  *Node
}

type Tree struct {
	Name     string
	Children []*Tree
}

type A struct {
	Name string
	B    *B
}

type B struct {
	Count int
	A     *A
}

// ---- interfaces ----

type Shape interface {
	Area() float64
}

type Circle struct {
	Radius float64
}

type Rect struct {
	W, H float64
}

// Square is registered as a pointer (gob.Register(&Square{})), so on the wire
// its name is "*main.Square" and Go decodes it as a *Square.
type Square struct {
	Side float64
}

func (c Circle) Area() float64 { return 3 * c.Radius * c.Radius }
func (r Rect) Area() float64   { return r.W * r.H }
func (s Square) Area() float64 { return s.Side * s.Side }

type Drawing struct {
	Name  string
	Shape Shape
}

type Shapes struct {
	List []Shape
}

type Bag struct {
	Items []any
}

type AnyMap struct {
	M map[string]any
}

type Holder struct {
	Value any
}

// Group is a struct that itself holds an interface.
type Group struct {
	Label  string
	Member Shape
}

type Polygon struct {
	Name   string
	Points []Point
}

func shapeRef(s Shape) *Shape { return &s }
func anyRef(v any) *any       { return &v }

// ---- GobEncoder / BinaryMarshaler / TextMarshaler ----

type Event struct {
	Name  string
	When  time.Time
	Took  time.Duration
	Zero  time.Time // zero GobEncoder value: omitted in a struct
	Never time.Duration
}

// Record has a time.Time (a GobEncoder) and a map among plain fields.
type Record struct {
	When   time.Time
	Level  int
	Text   string
	Labels map[string]string
}

// Celsius implements GobEncoder/GobDecoder: the bytes are the decimal text
// followed by 'C', e.g. "21C".
type Celsius struct {
	v int
}

func (c Celsius) GobEncode() ([]byte, error) {
	return []byte(strconv.Itoa(c.v) + "C"), nil
}

func (c *Celsius) GobDecode(b []byte) error {
	s, ok := strings.CutSuffix(string(b), "C")
	if !ok {
		return errors.New("Celsius: missing C suffix")
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	c.v = v
	return nil
}

// Version implements encoding.BinaryMarshaler: two bytes, major and minor.
type Version struct {
	major, minor uint8
}

func (v Version) MarshalBinary() ([]byte, error) { return []byte{v.major, v.minor}, nil }

func (v *Version) UnmarshalBinary(b []byte) error {
	if len(b) != 2 {
		return errors.New("Version: want 2 bytes")
	}
	v.major, v.minor = b[0], b[1]
	return nil
}

// Color implements only encoding.TextMarshaler/TextUnmarshaler. gob IGNORES
// text marshalers (the xText path is commented out in encoding/gob, see
// golang.org/issue/6760): Color is sent as the plain struct {R, G, B uint8}.
type Color struct {
	R, G, B uint8
}

func (c Color) MarshalText() ([]byte, error) {
	return []byte(fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)), nil
}

func (c *Color) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "#%02x%02x%02x", &c.R, &c.G, &c.B)
	return err
}

type Reading struct {
	Where string
	Temp  Celsius
	Ver   Version
	Col   Color
	PTemp *Celsius
	Temps []Celsius
}

// Spectrum has composites of complex64, whose names say so.
type Spectrum struct {
	Bins []complex64
	Peak map[string]complex64
}

// Blob has strings that need not be UTF-8.
type Blob struct {
	Name  string
	Raw   string
	Tags  []string
	Index map[string]int
}

// Secret is a GobEncoder whose Go type is a struct with exported fields: Go's
// encoder sends the definitions of those fields' types after Secret's own
// (sendActualType), although no value on the wire uses them.
type Secret struct {
	Owner Person
	Tags  []string
	Index map[string]Point
	note  string
}

func (s Secret) GobEncode() ([]byte, error) { return []byte(s.Owner.Name), nil }

func (s *Secret) GobDecode(b []byte) error {
	s.Owner.Name = string(b)
	return nil
}

type Vault struct {
	Label  string
	Key    Secret
	Keeper Person
}

// Site holds url.URL, a BinaryMarshaler whose struct has a *Userinfo field.
type Site struct {
	Name  string
	Home  *url.URL
	Links []*url.URL
}

func mustURL(s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return *u
}

func ptrURL(s string) *url.URL {
	u := mustURL(s)
	return &u
}

// Stamps reaches time.Time through a pointer first.
type Stamps struct {
	Ptr *time.Time
	Val time.Time
}

type StampsAfter struct {
	Val time.Time
	Ptr *time.Time
}

// ---- type id / decoder-side edge cases ----

// Header is sent before each body of a stream of header+body pairs (as
// net/rpc's Request is).
type Header struct {
	Method string
	Seq    uint64
}

// Renamed: the Rust side decodes it into a struct whose Rust field names
// differ (serde rename) to test name matching.
type Renamed struct {
	OldName string
	Count   int
}

// Extra has fields that the Rust decoder-side struct does not have
// (only Keep and Last exist there); Rust must skip them.
type Extra struct {
	Keep    string
	Unknown int
	Any     any
	NilAny  any
	M       map[string]int
	S       Inner
	L       []Point
	Arr     [2]int
	P       *Point
	T       time.Time
	Last    int
}

// ExtraIface: the Rust side only has Keep; the skipped Any field carries
// type definitions inside the value that later messages rely on.
type ExtraIface struct {
	Keep string
	Any  any
}

// ---- Boxpark contract: identical local copies of ../../contract ----

type Empty struct{}

type MountRequest struct {
	Source string
	Target string
	FSType string
	Flags  uint64
	Data   string
}

type RunRequest struct {
	Command string
	Args    []string
	Env     []string
	Dir     string
	Stdin   []byte
	Timeout time.Duration
}

type RunResponse struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

type WriteRequest struct {
	Path string
	Data []byte
	Mode uint32
}

type MkdirRequest struct {
	Path string
	Mode uint32
}

type ListenRequest struct {
	Network    string
	Address    string
	BufferSize int
}

type ListenResponse struct {
	Address string
}

type ShutdownRequest struct {
	Reboot bool
}

type ProxyRequest struct {
	Network      string
	Address      string
	LocalAddress string
	Args         []string
	Env          []string
	Dir          string
}

type LaunchOutput struct {
	Stream   int
	Lines    []string
	Exited   bool
	ExitCode int
}

type Info struct {
	Version string
	IP      string
}

type Log struct {
	Time    time.Time
	Level   int
	Message string
	Attrs   map[string]string
}

type ConnectionRequest struct {
	Network       string
	ListenAddress string
	LocalAddress  string
	RemoteAddress string
}

// Request and Response are net/rpc's headers (same names and fields).
type Request struct {
	ServiceMethod string
	Seq           uint64
}

type Response struct {
	ServiceMethod string
	Seq           uint64
	Error         string
}
