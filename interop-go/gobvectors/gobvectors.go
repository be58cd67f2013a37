// Package gobvectors writes golden gob vectors: for every [Case], the exact
// bytes that one fresh Go gob.Encoder, in a fresh process, writes for the
// case's values, and an INDEX.md that lists them.
//
// The cases of the gob-codec interop suite, and their Go types, are in the
// command cmd/gobvectors:
//
//	go run ./cmd/gobvectors -out ../gob-codec/tests/golden
//
// They stay in a package main on purpose: gob writes Go type names into some
// type definitions and interface values ("main.Circle", "*main.Square",
// "[]main.Point"), taken from the package's name, and the Rust side writes and
// expects exactly those names. This package is the generator: it checks a
// case table ([Check]), encodes one case ([Encode], [WriteCase]), runs every
// case in a fresh process and writes the index ([WriteAll], [Index]).
package gobvectors

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Case is one golden vector: the stream that ONE fresh gob.Encoder, in a
// fresh Go process, writes for Values (in order).
type Case struct {
	Name string // lowercase snake_case; the file is <Name>.gob
	Doc  string
	// Values are encoded in order by one gob.Encoder into one stream.
	Values []any
	// Skip65 are encoded first, by a throwaway encoder into io.Discard, so
	// that the process-global type ids of the case's own types do not start
	// at the first user id (64 in Go 1.26; 65 in older Go), and so that the
	// cached gob type names come from these values.
	Skip65 []any
	// Register are passed to gob.Register (concrete types sent in interfaces).
	Register []any
	// Want, when non-nil, is what Go decodes from the stream where that
	// differs from Values: gob keeps neither nil-vs-empty, nor pointers to
	// zero, nor unexported fields, nor time zone names.
	Want []any
}

// DecodesAs returns the values that decoding the case's stream must give:
// Want when set, else Values.
func (c Case) DecodesAs() []any {
	if c.Want != nil {
		return c.Want
	}
	return c.Values
}

var caseName = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)

// Check validates a case table: lowercase snake_case names, each once, every
// case with values, and Want (when set) as long as Values.
func Check(cases []Case) error {
	seen := map[string]bool{}
	for _, c := range cases {
		if !caseName.MatchString(c.Name) {
			return fmt.Errorf("case name %q is not lowercase snake_case", c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
		if len(c.Values) == 0 {
			return fmt.Errorf("case %s has no values", c.Name)
		}
		if c.Want != nil && len(c.Want) != len(c.Values) {
			return fmt.Errorf("case %s: Want has %d values, Values %d", c.Name, len(c.Want), len(c.Values))
		}
	}
	return nil
}

// Find is the case of the table with that name.
func Find(cases []Case, name string) (Case, bool) {
	for _, c := range cases {
		if c.Name == name {
			return c, true
		}
	}
	return Case{}, false
}

// Encode encodes one case as Go does in a fresh process. It must be called at
// most once per process: it registers the case's types and allocates gob type
// ids.
func Encode(c Case) ([]byte, error) {
	for _, v := range c.Register {
		gob.Register(v)
	}
	if len(c.Skip65) > 0 {
		skip := gob.NewEncoder(io.Discard)
		for i, v := range c.Skip65 {
			if err := skip.Encode(v); err != nil {
				return nil, fmt.Errorf("Skip65[%d] (%T): %w", i, v, err)
			}
		}
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i, v := range c.Values {
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("Values[%d] (%T): %w", i, v, err)
		}
	}
	return buf.Bytes(), nil
}

// WriteCase writes dir/<name>.gob for the case of the table with that name
// (with [Encode]: at most once per process).
func WriteCase(cases []Case, name, dir string) error {
	c, ok := Find(cases, name)
	if !ok {
		return fmt.Errorf("no case %q", name)
	}
	data, err := Encode(c)
	if err != nil {
		return fmt.Errorf("case %s: %w", name, err)
	}
	return os.WriteFile(filepath.Join(dir, name+".gob"), data, 0o644)
}

// WriteAll checks the table and writes every case's vector into dir, each in
// a fresh process: runCase(name, dir) must run one that calls
// WriteCase(cases, name, dir) (gob type ids are process-global). Then it
// removes the vectors of cases that no longer exist and writes dir/INDEX.md.
func WriteAll(dir string, cases []Case, runCase func(name, dir string) error) error {
	if err := Check(cases); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, c := range cases {
		want[c.Name+".gob"] = true
		if err := runCase(c.Name, dir); err != nil {
			return fmt.Errorf("case %s: %w", c.Name, err)
		}
	}
	// Remove vectors of cases that no longer exist.
	old, err := filepath.Glob(filepath.Join(dir, "*.gob"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if !want[filepath.Base(f)] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(dir, "INDEX.md"), []byte(Index(cases)), 0o644)
}

// Index renders INDEX.md: one table row per case.
func Index(cases []Case) string {
	var b strings.Builder
	b.WriteString("# gob golden vectors\n\n")
	b.WriteString("Generated by `go run ./cmd/gobvectors -out ../gob-codec/tests/golden` in interop-go; do not edit.\n")
	b.WriteString("Each `<name>.gob` is the stream that one fresh Go `gob.Encoder`, in a fresh process, wrote for the values\n")
	b.WriteString("(in order). In a fresh Go 1.26 process the first user type id is 64 (older Go, and the example in gob's\n")
	b.WriteString("doc.go, start at 65). \"skipped first\" lists values encoded to io.Discard in the same process beforehand,\n")
	b.WriteString("so that the case's type ids start higher. Values are printed like `%#v`, with pointers followed\n")
	b.WriteString("(`&T{...}`, `&int(5)`).\n")
	b.WriteString("\"decodes as\" is given where Go's decoded value differs from what was encoded.\n\n")
	b.WriteString("| name | doc | Go types | values | skipped first | registered | decodes as |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, c := range cases {
		cells := []string{
			"`" + c.Name + "`",
			c.Doc,
			typeList(c.Values),
			valueList(c.Values),
			typeList(c.Skip65),
			typeList(c.Register),
			valueList(c.Want),
		}
		for i, s := range cells {
			s = strings.ReplaceAll(s, "|", `\|`)
			cells[i] = strings.ReplaceAll(s, "\n", " ")
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

func typeList(vs []any) string {
	if len(vs) == 0 {
		return ""
	}
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%T", v))
	}
	// Long, repetitive lists (arrayTypes) are summarized.
	if len(parts) > 8 {
		return fmt.Sprintf("%s, %s, ... %s (%d types)", parts[0], parts[1], parts[len(parts)-1], len(parts))
	}
	return strings.Join(parts, "; ")
}

func valueList(vs []any) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, "`"+GoSyntax(v)+"`")
	}
	return strings.Join(parts, "; ")
}

// GoSyntax prints v like %#v, but follows pointers instead of printing
// addresses, so that the output is deterministic (for INDEX.md and for
// messages about decoded values).
func GoSyntax(v any) string { return goSyntax(reflect.ValueOf(v)) }

var goStringer = reflect.TypeOf((*fmt.GoStringer)(nil)).Elem()

func goSyntax(v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	if v.CanInterface() && v.Type().Implements(goStringer) {
		return fmt.Sprintf("%#v", v.Interface())
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return fmt.Sprintf("(%s)(nil)", v.Type())
		}
		e := v.Elem()
		switch e.Kind() {
		case reflect.Struct, reflect.Array, reflect.Slice, reflect.Map:
			return "&" + goSyntax(e)
		default:
			return "&" + e.Type().String() + "(" + goSyntax(e) + ")"
		}
	case reflect.Interface:
		if v.IsNil() {
			return fmt.Sprintf("%#v", v)
		}
		return goSyntax(v.Elem())
	case reflect.Struct:
		t := v.Type()
		var parts []string
		for i := 0; i < t.NumField(); i++ {
			parts = append(parts, t.Field(i).Name+":"+goSyntax(v.Field(i)))
		}
		return t.String() + "{" + strings.Join(parts, ", ") + "}"
	case reflect.Slice:
		if v.IsNil() {
			return fmt.Sprintf("%s(nil)", v.Type())
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("%s(%s)", v.Type(), strconv.Quote(string(v.Bytes())))
		}
		return v.Type().String() + "{" + elems(v) + "}"
	case reflect.Array:
		return v.Type().String() + "{" + elems(v) + "}"
	case reflect.Map:
		if v.IsNil() {
			return fmt.Sprintf("%s(nil)", v.Type())
		}
		var parts []string
		for _, k := range v.MapKeys() {
			parts = append(parts, goSyntax(k)+":"+goSyntax(v.MapIndex(k)))
		}
		sort.Strings(parts)
		return v.Type().String() + "{" + strings.Join(parts, ", ") + "}"
	default:
		// Basic kinds (also unexported fields, which fmt prints from the
		// reflect.Value without calling methods).
		return fmt.Sprintf("%#v", v)
	}
}

func elems(v reflect.Value) string {
	var parts []string
	for i := 0; i < v.Len(); i++ {
		parts = append(parts, goSyntax(v.Index(i)))
	}
	return strings.Join(parts, ", ")
}
