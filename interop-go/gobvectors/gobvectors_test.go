package gobvectors

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type point struct{ X, Y int }

func TestCheck(t *testing.T) {
	ok := Case{Name: "a_1", Values: []any{1}}
	if err := Check([]Case{ok, {Name: "b", Values: []any{1, 2}, Want: []any{1, 3}}}); err != nil {
		t.Fatalf("a valid table: %v", err)
	}
	for _, bad := range [][]Case{
		{{Name: "Upper", Values: []any{1}}},
		{{Name: "a__b", Values: []any{1}}},
		{ok, ok},
		{{Name: "empty"}},
		{{Name: "want", Values: []any{1, 2}, Want: []any{1}}},
	} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%+v): no error", bad)
		}
	}
}

func TestGoSyntax(t *testing.T) {
	five := 5
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "nil"},
		{&five, "&int(5)"},
		{&point{1, 2}, "&gobvectors.point{X:1, Y:2}"},
		{[]byte("a|b"), `[]uint8("a|b")`},
		{map[string]int{"b": 2, "a": 1}, `map[string]int{"a":1, "b":2}`},
		{[]any{nil, (*int)(nil)}, "[]interface {}{interface {}(nil), (*int)(nil)}"},
	} {
		if got := GoSyntax(c.v); got != c.want {
			t.Errorf("GoSyntax(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestIndexEscapes(t *testing.T) {
	idx := Index([]Case{{Name: "x", Doc: "a | b\nc", Values: []any{"p|q"}}})
	if !strings.Contains(idx, "| `x` | a \\| b c | string | `\"p\\|q\"` |  |  |  |\n") {
		t.Errorf("row not escaped:\n%s", idx)
	}
}

// TestWriteAll writes the cases with a runCase that stays in this process
// (the cases share no types, so one process can write both) and decodes one;
// a stale vector goes.
func TestWriteAll(t *testing.T) {
	cases := []Case{
		{Name: "int_top", Values: []any{7}},
		{Name: "point", Values: []any{point{1, 2}, point{}}},
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, "gone.gob")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var ran []string
	err := WriteAll(dir, cases, func(name, dir string) error {
		ran = append(ran, name)
		return WriteCase(cases, name, dir)
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, ",") != "int_top,point" {
		t.Errorf("ran %q", ran)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale vector not removed: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "point.gob"))
	if err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(bytes.NewReader(data))
	for i, want := range []point{{1, 2}, {}} {
		var got point
		if err := dec.Decode(&got); err != nil || got != want {
			t.Errorf("value %d: %+v, %v; want %+v", i, got, err, want)
		}
	}
	idx, err := os.ReadFile(filepath.Join(dir, "INDEX.md"))
	if err != nil || string(idx) != Index(cases) {
		t.Errorf("INDEX.md: %v\n%s", err, idx)
	}
	if err := WriteCase(cases, "nope", dir); err == nil {
		t.Error("WriteCase of an unknown case: no error")
	}
}
