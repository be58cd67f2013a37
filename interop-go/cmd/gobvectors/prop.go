package main

// PropShape is the Go type of the property-test streams that the Rust side
// writes (cargo example write_prop): each OUTDIR/prop_<i>.gob holds one
// PropShape value, and OUTDIR/prop_<i>.json the same value as JSON, written
// as Go's encoding/json would write it (Bytes as standard base64 with
// padding, map[int64]string keys as decimal strings). fromrust_test.go
// decodes the gob with Go and compares the JSON.
type PropShape struct {
	I      int
	I8     int8
	U      uint64
	U16    uint16
	F      float64
	F32    float32
	B      bool
	S      string
	Bytes  []byte
	Ints   []int
	Strs   []string
	M      map[string]int
	Nested *PropInner
	Arr    [3]int32
	Inners []PropInner
	MS     map[int64]string
}

// PropInner is nested in PropShape.
type PropInner struct {
	A string
	B []uint
	C map[string]float64
}
