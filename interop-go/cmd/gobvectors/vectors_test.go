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

// The checked-in vectors, relative to this package: the gob cases are
// gob-codec's, the contract cases (contract_*) boxpark-proto's.
const (
	gobGoldenDir      = "../../../gob-codec/tests/golden"
	contractGoldenDir = "../../../boxpark-proto/tests/golden"
)

// goldenDir is the directory of the case's checked-in vector.
func goldenDir(name string) string {
	if isContract(name) {
		return contractGoldenDir
	}
	return gobGoldenDir
}

// goldenFile is the case's checked-in vector.
func goldenFile(name string) string { return filepath.Join(goldenDir(name), name+".gob") }

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
// process per case, as `go run ./cmd/gobvectors` does) into two fresh
// directories and compares each with its checked-in one: every case's
// vector, no stale vectors, INDEX.md.
func TestGoldenUpToDate(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "gobvectors")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	gobOut, contractOut := filepath.Join(tmp, "gob"), filepath.Join(tmp, "contract")
	if out, err := exec.Command(bin, "-out", gobOut, "-contract-out", contractOut).CombinedOutput(); err != nil {
		t.Fatalf("gobvectors: %v\n%s", err, out)
	}
	gob, contract := splitCases(cases)
	if len(gob) == 0 || len(contract) == 0 {
		t.Fatalf("%d gob cases, %d contract cases", len(gob), len(contract))
	}
	var bad []string
	for _, d := range []struct {
		fresh, golden string
		cases         []gobvectors.Case
	}{
		{gobOut, gobGoldenDir, gob},
		{contractOut, contractGoldenDir, contract},
	} {
		for _, c := range d.cases {
			fresh, err := os.ReadFile(filepath.Join(d.fresh, c.Name+".gob"))
			if err != nil {
				t.Fatalf("case %s: %v", c.Name, err)
			}
			golden, err := os.ReadFile(filepath.Join(d.golden, c.Name+".gob"))
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
				t.Errorf("case %s: golden file %s differs (first difference at byte %d; generated %d bytes, golden %d)",
					c.Name, filepath.Join(d.golden, c.Name+".gob"), n, len(fresh), len(golden))
				bad = append(bad, c.Name)
			}
		}
		// The generator wrote only this directory's cases, and the
		// checked-in directory has no stale vectors.
		names := map[string]bool{}
		for _, c := range d.cases {
			names[c.Name+".gob"] = true
		}
		for _, dir := range []string{d.fresh, d.golden} {
			files, _ := filepath.Glob(filepath.Join(dir, "*.gob"))
			for _, f := range files {
				if !names[filepath.Base(f)] {
					t.Errorf("stale golden file %s (no such case in this directory)", f)
					bad = append(bad, f)
				}
			}
		}
		freshIndex, _ := os.ReadFile(filepath.Join(d.fresh, "INDEX.md"))
		goldenIndex, err := os.ReadFile(filepath.Join(d.golden, "INDEX.md"))
		if err != nil || !bytes.Equal(freshIndex, goldenIndex) {
			t.Errorf("%s is not up to date", filepath.Join(d.golden, "INDEX.md"))
			bad = append(bad, filepath.Join(d.golden, "INDEX.md"))
		}
	}
	if len(bad) > 0 {
		t.Logf("out of date: %s\n%s", strings.Join(bad, ", "), regenHint)
	}
}

// regenHint is how to regenerate the checked-in vectors: one command writes
// both directories.
const regenHint = "regenerate with: cd interop-go && go run ./cmd/gobvectors -out ../gob-codec/tests/golden " +
	"(writes the contract_* cases into ../boxpark-proto/tests/golden, the others into -out)"

// TestOutputDirs checks how the command picks its two directories: the
// contract one beside gob-codec's by default, never the same as -out.
func TestOutputDirs(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"../gob-codec/tests/golden", "../boxpark-proto/tests/golden"},
		{"../gob-codec/tests/golden/", "../boxpark-proto/tests/golden"},
		{"gob-codec/tests/golden", "boxpark-proto/tests/golden"},
		{"/src/boxpark/gob-codec/tests/golden", "/src/boxpark/boxpark-proto/tests/golden"},
	} {
		got, ok := defaultContractOut(c.out)
		if !ok || got != filepath.FromSlash(c.want) {
			t.Errorf("defaultContractOut(%q) = %q, %v; want %q", c.out, got, ok, c.want)
		}
	}
	for _, out := range []string{"/tmp/out", "../gob-codec/tests", "../other/tests/golden", "golden"} {
		if got, ok := defaultContractOut(out); ok {
			t.Errorf("defaultContractOut(%q) = %q; want none (-contract-out required)", out, got)
		}
	}
	tmp := t.TempDir()
	for _, dirs := range [][2]string{
		{filepath.Join(tmp, "x"), ""},                                      // no default
		{filepath.Join(tmp, "x"), filepath.Join(tmp, "x")},                 // the same directory
		{filepath.Join(tmp, "x"), filepath.Join(tmp, "y", "..", "x", ".")}, // spelled differently
	} {
		if err := writeAll(dirs[0], dirs[1]); err == nil {
			t.Errorf("writeAll(%q, %q): no error", dirs[0], dirs[1])
		}
	}
	if files, _ := filepath.Glob(filepath.Join(tmp, "*", "*")); len(files) != 0 {
		t.Errorf("writeAll wrote %v before failing", files)
	}
	gob, contract := splitCases(cases)
	if len(gob)+len(contract) != len(cases) {
		t.Fatalf("split %d cases into %d and %d", len(cases), len(gob), len(contract))
	}
	for _, c := range contract {
		if !strings.HasPrefix(c.Name, "contract_") {
			t.Errorf("contract case %s", c.Name)
		}
	}
	for _, c := range gob {
		if strings.Contains(c.Name, "contract") {
			t.Errorf("gob case %s", c.Name)
		}
	}
}

// TestGoldenDecodes decodes every checked-in vector with Go into the case's
// types and compares with the case's values (or Want).
func TestGoldenDecodes(t *testing.T) {
	var failed []string
	for _, c := range cases {
		data, err := os.ReadFile(goldenFile(c.Name))
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
