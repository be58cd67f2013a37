package main

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/gobvectors"
)

// goldenDir holds the checked-in vectors, relative to this package.
const goldenDir = "../../../gob-codec/tests/golden"

func TestMain(m *testing.M) {
	// time.Time.GobDecode gives the Local location when the sent offset
	// equals Local's offset at that instant; pin Local so that decoded zoned
	// times are always FixedZone("", offset), as the cases' Want says.
	time.Local = time.UTC
	os.Exit(m.Run())
}

var ownPkgPath = reflect.TypeOf(Point{}).PkgPath()

// gobName is the name gob.Register gives v in the real gobvectors binary.
// Under `go test` a package main has its import path as PkgPath instead of
// "main", so plain gob.Register would register other names than the ones
// on the wire.
func gobName(v any) string {
	rt := reflect.TypeOf(v)
	if rt.Name() == "" {
		return rt.String() // unnamed, or a pointer: "*main.Square"
	}
	pkg := rt.PkgPath()
	if pkg == ownPkgPath {
		pkg = "main"
	}
	if pkg == "" {
		return rt.Name()
	}
	return pkg + "." + rt.Name()
}

var registerOnce sync.Once

// registerAll registers the Register values of every case, under the names
// that the generator used.
func registerAll() {
	registerOnce.Do(func() {
		done := map[reflect.Type]bool{}
		for _, c := range cases {
			for _, v := range c.Register {
				if rt := reflect.TypeOf(v); !done[rt] {
					done[rt] = true
					gob.RegisterName(gobName(v), v)
				}
			}
		}
	})
}

func isNaN(v any) bool {
	switch f := v.(type) {
	case float64:
		return math.IsNaN(f)
	case float32:
		return math.IsNaN(float64(f))
	}
	return false
}

func equalValue(got, want any) bool {
	if isNaN(want) {
		return isNaN(got)
	}
	return reflect.DeepEqual(got, want)
}

// decodeCase decodes a stream with one fresh gob.Decoder into fresh values
// of the Go types of c.Values and compares them with c.DecodesAs(). The stream
// must hold exactly those values.
func decodeCase(data []byte, c gobvectors.Case) error {
	registerAll()
	r := bytes.NewReader(data)
	dec := gob.NewDecoder(r) // a *bytes.Reader is an io.ByteReader: no read-ahead
	want := c.DecodesAs()
	for i, v := range c.Values {
		p := reflect.New(reflect.TypeOf(v))
		if err := dec.DecodeValue(p); err != nil {
			return fmt.Errorf("value %d (%T): decode: %v", i, v, err)
		}
		got := p.Elem().Interface()
		if !equalValue(got, want[i]) {
			return fmt.Errorf("value %d (%T):\n\tgot  %s\n\twant %s", i, v, gobvectors.GoSyntax(got), gobvectors.GoSyntax(want[i]))
		}
	}
	if r.Len() != 0 {
		return fmt.Errorf("%d bytes left after %d values", r.Len(), len(c.Values))
	}
	return nil
}

func TestCaseTable(t *testing.T) {
	if err := gobvectors.Check(cases); err != nil {
		t.Fatal(err)
	}
	skip := 0
	for _, c := range cases {
		if len(c.Skip65) > 0 {
			skip++
		}
	}
	t.Logf("%d cases, %d with Skip65", len(cases), skip)
	if len(cases) < 90 || skip < 8 {
		t.Fatalf("%d cases (want >= 90), %d with Skip65 (want >= 8)", len(cases), skip)
	}
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatal("cannot find the go command")
	}
	return p
}

// TestGoldenUpToDate builds gobvectors, regenerates every case (one fresh
// process per case, as `go run ./cmd/gobvectors` does) and compares with
// the checked-in files.
func TestGoldenUpToDate(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "gobvectors")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outDir := filepath.Join(tmp, "out")
	if out, err := exec.Command(bin, "-out", outDir).CombinedOutput(); err != nil {
		t.Fatalf("gobvectors: %v\n%s", err, out)
	}
	const regen = "regenerate with: cd interop-go && go run ./cmd/gobvectors -out ../gob-codec/tests/golden"
	var bad []string
	for _, c := range cases {
		fresh, err := os.ReadFile(filepath.Join(outDir, c.Name+".gob"))
		if err != nil {
			t.Fatalf("case %s: %v", c.Name, err)
		}
		golden, err := os.ReadFile(filepath.Join(goldenDir, c.Name+".gob"))
		if err != nil {
			t.Errorf("case %s: no golden file: %v", c.Name, err)
			bad = append(bad, c.Name)
			continue
		}
		if !bytes.Equal(fresh, golden) {
			n := 0
			for n < len(fresh) && n < len(golden) && fresh[n] == golden[n] {
				n++
			}
			t.Errorf("case %s: golden file differs (first difference at byte %d; generated %d bytes, golden %d)", c.Name, n, len(fresh), len(golden))
			bad = append(bad, c.Name)
		}
	}
	// No stale vectors.
	names := map[string]bool{}
	for _, c := range cases {
		names[c.Name+".gob"] = true
	}
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.gob"))
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("stale golden file %s (no such case)", filepath.Base(f))
			bad = append(bad, filepath.Base(f))
		}
	}
	freshIndex, _ := os.ReadFile(filepath.Join(outDir, "INDEX.md"))
	goldenIndex, err := os.ReadFile(filepath.Join(goldenDir, "INDEX.md"))
	if err != nil || !bytes.Equal(freshIndex, goldenIndex) {
		t.Errorf("INDEX.md is not up to date")
		bad = append(bad, "INDEX.md")
	}
	if len(bad) > 0 {
		t.Logf("out of date: %s\n%s", strings.Join(bad, ", "), regen)
	}
}

// TestGoldenDecodes decodes every checked-in vector with Go into the case's
// types and compares with the case's values (or Want).
func TestGoldenDecodes(t *testing.T) {
	var failed []string
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(goldenDir, c.Name+".gob"))
		if err == nil {
			err = decodeCase(data, c)
		}
		if err != nil {
			t.Errorf("case %s: %v", c.Name, err)
			failed = append(failed, c.Name)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		t.Logf("failed cases: %s", strings.Join(failed, " "))
	}
}

// TestContractCopiesMatch checks that the local copies of the contract types
// in package main have the same names, fields and field types as package
// contract.
func TestContractCopiesMatch(t *testing.T) {
	pairs := [][2]any{
		{Empty{}, contract.Empty{}},
		{MountRequest{}, contract.MountRequest{}},
		{RunRequest{}, contract.RunRequest{}},
		{RunResponse{}, contract.RunResponse{}},
		{WriteRequest{}, contract.WriteRequest{}},
		{MkdirRequest{}, contract.MkdirRequest{}},
		{ListenRequest{}, contract.ListenRequest{}},
		{ListenResponse{}, contract.ListenResponse{}},
		{ShutdownRequest{}, contract.ShutdownRequest{}},
		{ProxyRequest{}, contract.ProxyRequest{}},
		{LaunchOutput{}, contract.LaunchOutput{}},
		{Info{}, contract.Info{}},
		{Log{}, contract.Log{}},
		{ConnectionRequest{}, contract.ConnectionRequest{}},
	}
	for _, p := range pairs {
		local, ref := reflect.TypeOf(p[0]), reflect.TypeOf(p[1])
		if local.Name() != ref.Name() || local.NumField() != ref.NumField() {
			t.Errorf("%s vs contract.%s: names or field counts differ", local.Name(), ref.Name())
			continue
		}
		for i := 0; i < local.NumField(); i++ {
			lf, rf := local.Field(i), ref.Field(i)
			if lf.Name != rf.Name || lf.Type != rf.Type {
				t.Errorf("%s field %d: %s %s vs contract %s %s", local.Name(), i, lf.Name, lf.Type, rf.Name, rf.Type)
			}
		}
	}
}
