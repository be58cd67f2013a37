package contract

// Tests that decode, with Go's reference types, the contract streams that
// boxpark-proto's Rust types write (boxpark-proto/examples/write_contract.rs),
// and compare their bytes with what a fresh Go gob.Encoder writes. They run
// `cargo run -p boxpark-proto --example write_contract` from the workspace
// root and are gated behind GOB_RUST_INTEROP=1 (CI sets it), so that
// `go test ./...` also works where the Rust side is not built.

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/internal/cargo"
)

// encodeEnv, in a child process of the test binary, names the stream that
// TestHelperEncodeStream encodes (into the file named by encodeOutEnv).
const (
	encodeEnv    = "CONTRACT_ENCODE_STREAM"
	encodeOutEnv = "CONTRACT_ENCODE_OUT"
)

// TestRustContractStreams decodes every stream that write_contract wrote into
// fresh values of the expected Go types and compares; then it compares the
// bytes with a fresh Go encoder's for the same values (gob type ids are
// process-global, so each stream is encoded by a fresh child process).
func TestRustContractStreams(t *testing.T) {
	cargo.Require(t, "cargo and the boxpark-proto write_contract example")
	root, err := cargo.Workspace("")
	if err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), cargo.Timeout)
	defer cancel()
	if err := cargo.RunExample(ctx, root, "boxpark-proto", "write_contract", outDir); err != nil {
		t.Fatal(err)
	}

	files, err := filepath.Glob(filepath.Join(outDir, "*.gob"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]stream{}
	for _, s := range streams() {
		byName[s.name] = s
	}
	written := map[string]bool{}
	var failed []string
	identical := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".gob")
		written[name] = true
		s, ok := byName[name]
		if !ok {
			t.Errorf("%s: Rust wrote a stream that the Go table does not have", name)
			failed = append(failed, name)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeStream(data, s.values); err != nil {
			t.Errorf("%s: Go decoding the Rust stream: %v", name, err)
			failed = append(failed, name)
			continue
		}
		goEncodings, err := encodeFresh(name)
		if err != nil {
			t.Fatalf("%s: Go encoding in a child process: %v", name, err)
		}
		if err := compareWithAny(data, goEncodings); err != nil {
			t.Errorf("%s: the Rust bytes are not Go's: %v", name, err)
			failed = append(failed, name)
			continue
		}
		identical++
	}
	var missing []string
	for _, s := range streams() {
		if !written[s.name] {
			missing = append(missing, s.name)
		}
	}
	t.Logf("write_contract wrote %d streams; %d decoded as expected and are byte-identical to Go's", len(files), identical)
	if len(missing) > 0 {
		t.Errorf("%d streams not written by Rust: %s", len(missing), strings.Join(missing, " "))
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		t.Errorf("%d Rust-written streams failed: %s", len(failed), strings.Join(failed, " "))
	}
}

// decodeStream decodes data with one gob.Decoder into a fresh value of each
// expected value's type, in order, compares, and requires the stream to end.
func decodeStream(data []byte, want []any) error {
	dec := gob.NewDecoder(bytes.NewReader(data))
	for i, w := range want {
		p := reflect.New(reflect.TypeOf(w))
		if err := dec.Decode(p.Interface()); err != nil {
			return fmt.Errorf("value %d (%T): %v", i, w, err)
		}
		if err := equal(p.Elem().Interface(), w); err != nil {
			return fmt.Errorf("value %d (%T): %v", i, w, err)
		}
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("after %d values: want EOF, got %v", len(want), err)
	}
	return nil
}

// equal compares a decoded value with the expected one: deeply, except that
// a Log's Time is compared as an instant (Equal) plus its zone offset, since
// decoded locations are FixedZone("", offset), Local or UTC.
func equal(got, want any) error {
	if g, ok := got.(Log); ok {
		w := want.(Log)
		_, goff := g.Time.Zone()
		_, woff := w.Time.Zone()
		if !g.Time.Equal(w.Time) || goff != woff {
			return fmt.Errorf("Time %v (offset %d), want %v (offset %d)", g.Time, goff, w.Time, woff)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		got, want = g, w
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("got  %s\n\twant %s", short(got), short(want))
	}
	return nil
}

// short is %#v, cut to a readable length.
func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// compareWithAny is nil when got equals one of Go's encodings, else says
// where it first differs from the first of them.
func compareWithAny(got []byte, goEncodings [][]byte) error {
	for _, want := range goEncodings {
		if bytes.Equal(got, want) {
			return nil
		}
	}
	if len(goEncodings) == 0 {
		return errors.New("Go wrote nothing")
	}
	return compareBytes(got, goEncodings[0])
}

// compareBytes is nil when equal, else where the bytes first differ.
func compareBytes(got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	from := max(at-8, 0)
	window := func(b []byte) string {
		if from >= len(b) {
			return ""
		}
		return fmt.Sprintf("% x", b[from:min(at+24, len(b))])
	}
	return fmt.Errorf("differ at offset %d (rust %d bytes, go %d); from offset %d:\n\trust %s\n\tgo   %s",
		at, len(got), len(want), from, window(got), window(want))
}

// encodeGo is what one fresh gob.Encoder writes for values. Only in a fresh
// process are the type ids those of a fresh Go process.
func encodeGo(values []any) ([]byte, error) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i, v := range values {
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("value %d (%T): %v", i, v, err)
		}
	}
	return buf.Bytes(), nil
}

// goEncodingRounds is how many fresh encoders the helper process runs: Go
// writes a map's entries in its random iteration order, so a value with a
// map of several entries has several valid encodings, and the Rust bytes must
// equal one of them. (A 3-entry map comes out in any one order with a chance
// of at least 1/8 per round.)
const goEncodingRounds = 64

// encodeFresh runs this test binary again, as TestHelperEncodeStream, to
// encode the named stream in a fresh process; it returns every distinct
// encoding of goEncodingRounds fresh encoders there (after the first, the
// process's type ids are fixed, so they differ only in map order).
func encodeFresh(name string) ([][]byte, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "contract")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, name+".gob")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-test.run=^TestHelperEncodeStream$", "-test.count=1")
	cmd.Env = append(os.Environ(), encodeEnv+"="+name, encodeOutEnv+"="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var encodings [][]byte
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&encodings); err != nil {
		return nil, fmt.Errorf("reading the helper's encodings: %w", err)
	}
	return encodings, nil
}

// TestHelperEncodeStream is not a test: in a child process started by
// encodeFresh it writes Go's encoding of one stream.
func TestHelperEncodeStream(t *testing.T) {
	name := os.Getenv(encodeEnv)
	if name == "" {
		t.Skip("helper process for encodeFresh")
	}
	for _, s := range streams() {
		if s.name == name {
			var distinct [][]byte
			for i := 0; i < goEncodingRounds; i++ {
				data, err := encodeGo(s.values)
				if err != nil {
					t.Fatal(err)
				}
				if !containsBytes(distinct, data) {
					distinct = append(distinct, data)
				}
			}
			var out bytes.Buffer
			if err := gob.NewEncoder(&out).Encode(distinct); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(os.Getenv(encodeOutEnv), out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no stream %q", name)
}

// ---- self-tests of the harness (not gated) ----

// TestStreamsHarness checks the table and the comparison with Go alone:
// every stream that Go writes for the expected values decodes back equal,
// fresh-process encoding gives type ids from 64, and a changed value, a
// changed time offset and a missing value are rejected.
func TestStreamsHarness(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range streams() {
		if seen[s.name] {
			t.Errorf("duplicate stream %s", s.name)
		}
		seen[s.name] = true
		data, err := encodeGo(s.values)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if err := decodeStream(data, s.values); err != nil {
			t.Errorf("%s: Go's own stream: %v", s.name, err)
		}
	}

	encodings, err := encodeFresh("mount_request_zero")
	if err != nil {
		t.Fatal(err)
	}
	if len(encodings) != 1 {
		t.Fatalf("a value without maps has %d fresh encodings, want 1", len(encodings))
	}
	fresh := encodings[0]
	// Several encodings for a map of several entries, each decoding back.
	attrs, err := encodeFresh("log_utc_attrs")
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) < 2 {
		t.Errorf("a 3-entry map came out in %d order(s) in %d rounds; Go's map order is random", len(attrs), goEncodingRounds)
	}
	// Definition message: length, then type id -64 (0x7f).
	if len(fresh) < 2 || fresh[1] != 0x7f {
		t.Errorf("fresh-process stream does not define type 64: % x", fresh)
	}
	if err := decodeStream(fresh, []any{MountRequest{}}); err != nil {
		t.Errorf("fresh-process stream: %v", err)
	}

	zoned := Log{Time: time.Date(2026, 11, 25, 13, 0, 0, 5000, cet), Message: "m"}
	data, err := encodeGo([]any{zoned})
	if err != nil {
		t.Fatal(err)
	}
	sameInstantUTC := zoned
	sameInstantUTC.Time = zoned.Time.UTC()
	otherMessage := zoned
	otherMessage.Message = "n"
	for _, bad := range [][]any{
		{sameInstantUTC},
		{otherMessage},
		{zoned, zoned},
		{MountRequest{}},
	} {
		if err := decodeStream(data, bad); err == nil {
			t.Errorf("harness accepted %v for a stream of %v", bad, zoned)
		}
	}
	if err := decodeStream(append(data, data[len(data)-8:]...), []any{zoned}); err == nil {
		t.Errorf("harness accepted trailing bytes")
	}
}

func containsBytes(set [][]byte, b []byte) bool {
	for _, x := range set {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}
