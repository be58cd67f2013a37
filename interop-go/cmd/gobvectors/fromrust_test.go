package main

// Tests that decode, with Go, streams written by the Rust gob-codec crate.
// They run `cargo run -p gob-codec --example ...` from the workspace root and
// are gated behind GOB_RUST_INTEROP=1 (CI sets it) so that `go test ./...`
// also works where the Rust side is not built.

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"boxpark.dev/interop-go/gobvectors"
	"boxpark.dev/interop-go/internal/cargo"
)

// runCargoExample runs `cargo run -q -p gob-codec --example NAME -- outDir`
// in the workspace root.
func runCargoExample(t *testing.T, example, outDir string) {
	t.Helper()
	root, err := cargo.Workspace("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cargo.Timeout)
	defer cancel()
	if err := cargo.RunExample(ctx, root, "gob-codec", example, outDir); err != nil {
		t.Fatal(err)
	}
}

// requireInterop skips t unless the Rust side is to be run.
func requireInterop(t *testing.T) {
	t.Helper()
	cargo.Require(t, "cargo and the gob-codec examples")
}

// TestRustWrittenStreams decodes, with Go, every stream that the Rust example
// write_cases wrote (OUTDIR/<case>.gob, one for every gob case) into fresh
// values of the case's Go types and compares with the case's values.
//
// The contract cases (contract_*) are not gob-codec's: write_cases writes
// none. Rust's encoding of the contract messages is checked by
// interop-go/contract (TestRustContractStreams), which decodes the streams
// that boxpark-proto's own types write (its example write_contract) with
// Go's reference types, and requires them byte-identical to a fresh Go
// encoder's: every contract message type, alone and in the event, launch,
// rpc and proxy streams. And boxpark-proto/tests/golden.rs decodes the
// contract vectors into those types and encodes the values back byte for
// byte as Go did (Skip65 cases with their first type id), but for the
// exceptions its docs list, whose Rust bytes it decodes back instead.
func TestRustWrittenStreams(t *testing.T) {
	requireInterop(t)
	outDir := t.TempDir()
	runCargoExample(t, "write_cases", outDir)

	files, err := filepath.Glob(filepath.Join(outDir, "*.gob"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("write_cases wrote no .gob files")
	}
	gobCases, _ := splitCases(cases)
	byName := map[string]gobvectors.Case{}
	for _, c := range gobCases {
		byName[c.Name] = c
	}
	written := map[string]bool{}
	var failed, identical []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".gob")
		written[name] = true
		c, ok := byName[name]
		if !ok {
			t.Errorf("case %s: Rust wrote a stream for a case that the Go table does not have among its gob cases", name)
			failed = append(failed, name)
			continue
		}
		data, err := os.ReadFile(f)
		if err == nil {
			err = decodeCase(data, c)
		}
		if err != nil {
			t.Errorf("case %s: %v", name, err)
			failed = append(failed, name)
			continue
		}
		if golden, err := os.ReadFile(goldenFile(name)); err == nil && bytes.Equal(golden, data) {
			identical = append(identical, name)
		}
	}
	var missing []string
	for _, c := range gobCases {
		if !written[c.Name] {
			missing = append(missing, c.Name)
		}
	}
	t.Logf("Rust wrote %d of %d gob cases; %d byte-identical to the golden vectors", len(files), len(gobCases), len(identical))
	if len(missing) > 0 {
		t.Errorf("%d cases not written by Rust: %s", len(missing), strings.Join(missing, " "))
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		t.Errorf("%d Rust-written streams failed: %s", len(failed), strings.Join(failed, " "))
	}
}

// TestRustPropStreams decodes the Rust example write_prop's property-test
// streams (OUTDIR/prop_<i>.gob, one PropShape each) with Go and compares
// Go's JSON of the decoded value with the Rust-written OUTDIR/prop_<i>.json.
func TestRustPropStreams(t *testing.T) {
	requireInterop(t)
	outDir := t.TempDir()
	runCargoExample(t, "write_prop", outDir)
	n, failed := checkPropDir(t, outDir)
	if n < 200 {
		t.Fatalf("write_prop wrote %d gob/json pairs, want at least 200", n)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d prop streams failed: %s", len(failed), n, strings.Join(failed, " "))
	}
}

// checkPropDir checks every prop_<i>.gob / prop_<i>.json pair in dir and
// returns the number of pairs and the names of those that failed.
func checkPropDir(t *testing.T, dir string) (int, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "prop_*.gob"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var failed []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".gob")
		gobData, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		jsonData, err := os.ReadFile(strings.TrimSuffix(f, ".gob") + ".json")
		if err == nil {
			err = checkPropPair(gobData, jsonData)
		}
		if err != nil {
			if len(failed) < 20 {
				t.Errorf("%s: %v", name, err)
			}
			failed = append(failed, name)
		}
	}
	return len(files), failed
}

// checkPropPair decodes one PropShape from gobData with Go and compares its
// Go JSON with wantJSON after normalizePropJSON.
func checkPropPair(gobData, wantJSON []byte) error {
	var v PropShape
	r := bytes.NewReader(gobData)
	if err := gob.NewDecoder(r).Decode(&v); err != nil {
		return fmt.Errorf("gob decode: %v", err)
	}
	if r.Len() != 0 {
		return fmt.Errorf("%d bytes left after the value", r.Len())
	}
	goJSON, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("json.Marshal of the decoded value: %v", err)
	}
	var got, want any
	if err := json.Unmarshal(goJSON, &got); err != nil {
		return err
	}
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		return fmt.Errorf("the .json file: %v", err)
	}
	got, want = normalizePropJSON(got), normalizePropJSON(want)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		return fmt.Errorf("decoded value differs (normalized JSON):\n\tgo   %s\n\twant %s", g, w)
	}
	// The generic comparison reads numbers as float64, which cannot tell apart integers past 2^53
	// (U, I, Ints, MS keys, B): compare the typed values too, with the JSON read into a PropShape.
	var wantV PropShape
	jd := json.NewDecoder(bytes.NewReader(wantJSON))
	jd.DisallowUnknownFields()
	if err := jd.Decode(&wantV); err != nil {
		return fmt.Errorf("the .json file as a PropShape: %v", err)
	}
	if gv, wv := normalizeProp(v), normalizeProp(wantV); !reflect.DeepEqual(gv, wv) {
		return fmt.Errorf("decoded value differs:\n\tgo   %#v\n\twant %#v", gv, wv)
	}
	return nil
}

// normalizeProp makes gob-equal PropShapes deeply equal: gob does not keep nil
// versus empty slices and maps, so empty ones become nil.
func normalizeProp(v PropShape) PropShape {
	if len(v.Bytes) == 0 {
		v.Bytes = nil
	}
	if len(v.Ints) == 0 {
		v.Ints = nil
	}
	if len(v.Strs) == 0 {
		v.Strs = nil
	}
	if len(v.M) == 0 {
		v.M = nil
	}
	if len(v.MS) == 0 {
		v.MS = nil
	}
	if v.Nested != nil {
		n := normalizePropInner(*v.Nested)
		v.Nested = &n
	}
	if len(v.Inners) == 0 {
		v.Inners = nil
	} else {
		inners := make([]PropInner, len(v.Inners))
		for i, in := range v.Inners {
			inners[i] = normalizePropInner(in)
		}
		v.Inners = inners
	}
	return v
}

func normalizePropInner(in PropInner) PropInner {
	if len(in.B) == 0 {
		in.B = nil
	}
	if len(in.C) == 0 {
		in.C = nil
	}
	return in
}

// normalizeJSON makes the JSON forms of gob-equal values equal: null, [] and
// {} are the same (gob does not keep nil vs empty slices, and an empty map
// field is sent but a nil one is not), and object members whose value is
// null after normalization are dropped.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := normalizeJSON(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeJSON(e)
		}
		return out
	}
	return v
}

// normalizePropJSON is normalizeJSON plus two PropShape rules: F32 is
// compared at float32 precision (Go writes float32 with its shortest float32
// form), and Bytes "" (base64 of an empty slice) equals null.
func normalizePropJSON(v any) any {
	if m, ok := v.(map[string]any); ok {
		if f, ok := m["F32"].(float64); ok {
			m["F32"] = float64(float32(f))
		}
		if s, ok := m["Bytes"].(string); ok && s == "" {
			delete(m, "Bytes")
		}
	}
	return normalizeJSON(v)
}

// ---- self-tests of the prop harness (not gated) ----

// randomPropShape makes a random PropShape; maps have several entries.
func randomPropShape(r *rand.Rand) PropShape {
	str := func() string {
		const alphabet = "abcxyz é世🚀"
		rs := []rune(alphabet)
		n := r.Intn(6)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteRune(rs[r.Intn(len(rs))])
		}
		return b.String()
	}
	inner := func() PropInner {
		in := PropInner{A: str()}
		for i, n := 0, r.Intn(4)-1; i < n; i++ {
			in.B = append(in.B, uint(r.Uint64()>>r.Intn(64)))
		}
		if r.Intn(3) > 0 {
			in.C = map[string]float64{}
			for i, n := 0, r.Intn(4); i < n; i++ {
				in.C[str()] = r.NormFloat64() * math.Pow(10, float64(r.Intn(40)-20))
			}
		}
		return in
	}
	v := PropShape{
		I:   int(r.Int63() - r.Int63()),
		I8:  int8(r.Intn(256) - 128),
		U:   r.Uint64() >> r.Intn(64),
		U16: uint16(r.Intn(65536)),
		F:   r.NormFloat64() * 1e6,
		F32: float32(r.NormFloat64()),
		B:   r.Intn(2) == 0,
		S:   str(),
		Arr: [3]int32{r.Int31() - r.Int31(), 0, int32(r.Intn(10))},
	}
	switch r.Intn(3) {
	case 0:
		v.Bytes = []byte{}
	case 1:
		v.Bytes = []byte(str())
	}
	for i, n := 0, r.Intn(5)-1; i < n; i++ {
		v.Ints = append(v.Ints, r.Intn(2000)-1000)
		v.Strs = append(v.Strs, str())
	}
	if r.Intn(2) == 0 {
		v.M = map[string]int{}
		for i, n := 0, r.Intn(4); i < n; i++ {
			v.M[str()] = r.Intn(100) - 50
		}
		v.MS = map[int64]string{}
		for i, n := 0, r.Intn(4); i < n; i++ {
			v.MS[r.Int63()-r.Int63()] = str()
		}
	}
	if r.Intn(2) == 0 {
		in := inner()
		v.Nested = &in
	}
	for i, n := 0, r.Intn(3); i < n; i++ {
		v.Inners = append(v.Inners, inner())
	}
	return v
}

// TestPropHarness runs checkPropDir on pairs written by Go itself (gob and
// JSON of the same random values), so the comparison is known to accept
// equal values, and checks that it rejects a changed value.
func TestPropHarness(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewSource(1))
	const n = 60
	var first PropShape
	for i := 0; i < n; i++ {
		v := randomPropShape(r)
		if i == 0 {
			first = v
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(dir, fmt.Sprintf("prop_%d", i))
		if err := os.WriteFile(base+".gob", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+".json", js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, failed := checkPropDir(t, dir)
	if got != n || len(failed) != 0 {
		t.Fatalf("harness: %d pairs, failed %v", got, failed)
	}
	// A different value must be rejected.
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(first); err != nil {
		t.Fatal(err)
	}
	changed := first
	changed.S += "!"
	js, _ := json.Marshal(changed)
	if err := checkPropPair(buf.Bytes(), js); err == nil {
		t.Fatal("harness accepted a different value")
	}
	// Integers that differ only past float64 precision must be rejected too.
	big := PropShape{U: 1<<64 - 1, I: 1<<62 + 1}
	buf.Reset()
	if err := gob.NewEncoder(&buf).Encode(big); err != nil {
		t.Fatal(err)
	}
	for _, c := range []PropShape{{U: 1<<64 - 2, I: 1<<62 + 1}, {U: 1<<64 - 1, I: 1 << 62}} {
		js, _ := json.Marshal(c)
		if err := checkPropPair(buf.Bytes(), js); err == nil {
			t.Fatalf("harness accepted %+v for %+v", c, big)
		}
	}
	// A field name that is not PropShape's exact spelling must be rejected.
	if err := checkPropPair(buf.Bytes(), []byte(`{"U":18446744073709551615,"I":4611686018427387905,"u16":0}`)); err == nil {
		t.Fatal("harness accepted an unknown JSON field")
	}
}

func TestNormalizeJSON(t *testing.T) {
	same := [][2]string{
		{`{"a":null,"b":[],"c":{}}`, `{}`},
		{`{"a":[1,[]]}`, `{"a":[1,null]}`},
		{`{"Bytes":"","F32":0.1}`, `{"F32":0.10000000149011612}`},
	}
	for _, p := range same {
		var a, b any
		if err := json.Unmarshal([]byte(p[0]), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(p[1]), &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalizePropJSON(a), normalizePropJSON(b)) {
			t.Errorf("%s and %s should normalize equal", p[0], p[1])
		}
	}
}
