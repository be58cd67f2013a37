package gobbench

// Every benchmark measures one "fresh stream, definitions included":
//
//   - Encode: per iteration a fresh gob.Encoder writes the message (its type
//     definitions, then the value) into a reused bytes.Buffer that is Reset
//     first.
//   - Decode: the message is pre-encoded once into such a stream (type
//     definitions plus 1 value); per iteration a fresh gob.Decoder decodes it
//     into a fresh value.
//
// The Rust criterion benchmark boxpark-proto/benches/contract.rs does exactly
// the same with the same values (messages.go), so the Go/Rust ratios
// (scripts/bench-gob.sh) compare like with like. SetBytes is the stream
// length.

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"boxpark.dev/interop-go/contract"
)

func encodeStream(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func benchEncode(b *testing.B, v any) {
	b.Helper()
	b.SetBytes(int64(len(encodeStream(b, v))))
	b.ReportAllocs()
	var buf bytes.Buffer
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDecode decodes stream into a fresh *T per iteration.
func benchDecode[T any](b *testing.B, v T) {
	b.Helper()
	stream := encodeStream(b, v)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var r bytes.Reader
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Reset(stream)
		out := new(T)
		if err := gob.NewDecoder(&r).Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeProxyRequest(b *testing.B) { benchEncode(b, ProxyRequestMessage()) }
func BenchmarkDecodeProxyRequest(b *testing.B) { benchDecode(b, ProxyRequestMessage()) }
func BenchmarkEncodeLog(b *testing.B)          { benchEncode(b, LogMessage()) }
func BenchmarkDecodeLog(b *testing.B)          { benchDecode(b, LogMessage()) }
func BenchmarkEncodeLaunchOutput(b *testing.B) { benchEncode(b, LaunchOutputMessage()) }
func BenchmarkDecodeLaunchOutput(b *testing.B) { benchDecode(b, LaunchOutputMessage()) }
func BenchmarkEncodeRunResponse(b *testing.B)  { benchEncode(b, RunResponseMessage()) }
func BenchmarkDecodeRunResponse(b *testing.B)  { benchDecode(b, RunResponseMessage()) }

// TestMessagesRoundTrip checks the benchmark messages and their shapes.
func TestMessagesRoundTrip(t *testing.T) {
	check := func(name string, v, out any) {
		t.Helper()
		if err := gob.NewDecoder(bytes.NewReader(encodeStream(t, v))).Decode(out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := reflect.ValueOf(out).Elem().Interface(); !reflect.DeepEqual(got, v) {
			t.Errorf("%s: round trip gave %#v, want %#v", name, got, v)
		}
	}
	check("ProxyRequest", ProxyRequestMessage(), new(contract.ProxyRequest))
	check("Log", LogMessage(), new(contract.Log))
	check("LaunchOutput", LaunchOutputMessage(), new(contract.LaunchOutput))
	check("RunResponse", RunResponseMessage(), new(contract.RunResponse))

	lo := LaunchOutputMessage()
	if len(lo.Lines) != 64 || len(lo.Lines[0]) != 80 || lo.Lines[7][:10] != "line 007: " {
		t.Errorf("LaunchOutput lines: %d lines, first %q", len(lo.Lines), lo.Lines[0])
	}
	rr := RunResponseMessage()
	if len(rr.Stdout) != 4096 || rr.Stdout[0] != 'a' || rr.Stdout[25] != 'z' || rr.Stdout[26] != 'a' || rr.Stdout[4095] != 'a'+4095%26 {
		t.Errorf("RunResponse stdout shape wrong")
	}
}

// TestWriteStream writes the fresh stream of the message $GOBBENCH_MESSAGE
// (as benchEncode writes it: definitions, then the value) to
// $GOBBENCH_STREAMS/<message>.gob, so that the Rust benchmark can check the
// crates.io gob crate against Go's bytes (scripts/bench-gob.sh). Run it alone,
// one message per process (-test.run '^TestWriteStream$'), so that the type ids
// are a fresh process's. Skipped unless both are set.
func TestWriteStream(t *testing.T) {
	dir, name := os.Getenv("GOBBENCH_STREAMS"), os.Getenv("GOBBENCH_MESSAGE")
	if dir == "" || name == "" {
		t.Skip("GOBBENCH_STREAMS and GOBBENCH_MESSAGE not set")
	}
	messages := map[string]any{
		"ProxyRequest": ProxyRequestMessage(),
		"Log":          LogMessage(),
		"LaunchOutput": LaunchOutputMessage(),
		"RunResponse":  RunResponseMessage(),
	}
	v, ok := messages[name]
	if !ok {
		t.Fatalf("unknown message %q", name)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".gob"), encodeStream(t, v), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Steady state, as on a long-lived connection: one stream, type definitions
// already sent, one value per iteration. The Rust benchmark's "steady_*"
// functions do the same.

func benchSteadyEncode(b *testing.B, v any) {
	b.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSteadyDecode decodes from a stream of 4096 values, starting a new
// decoder over it when it runs out (the Rust benchmark does the same), each
// value into a new variable.
func benchSteadyDecode[T any](b *testing.B, v T) { steadyDecode(b, v, false) }

// benchSteadyDecodeInto is benchSteadyDecode with every value decoded into
// the same variable, as a loop over a long stream would: Go reuses a slice's
// backing array when it is large enough (strings are new every time). The
// Rust benchmark's "steady_decode_into" does the same with decode_into.
func benchSteadyDecodeInto[T any](b *testing.B, v T) { steadyDecode(b, v, true) }

func steadyDecode[T any](b *testing.B, v T, reuse bool) {
	b.Helper()
	const n = 1 << 12
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i := 0; i < n; i++ {
		if err := enc.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
	stream := buf.Bytes()
	var r bytes.Reader
	r.Reset(stream)
	dec := gob.NewDecoder(&r)
	left := n
	out := new(T)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if left == 0 {
			r.Reset(stream)
			dec = gob.NewDecoder(&r)
			left = n
		}
		left--
		if !reuse {
			out = new(T)
		}
		if err := dec.Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSteadyEncodeProxyRequest(b *testing.B) { benchSteadyEncode(b, ProxyRequestMessage()) }
func BenchmarkSteadyDecodeProxyRequest(b *testing.B) { benchSteadyDecode(b, ProxyRequestMessage()) }
func BenchmarkSteadyEncodeLog(b *testing.B)          { benchSteadyEncode(b, LogMessage()) }
func BenchmarkSteadyDecodeLog(b *testing.B)          { benchSteadyDecode(b, LogMessage()) }
func BenchmarkSteadyEncodeLaunchOutput(b *testing.B) { benchSteadyEncode(b, LaunchOutputMessage()) }
func BenchmarkSteadyDecodeLaunchOutput(b *testing.B) { benchSteadyDecode(b, LaunchOutputMessage()) }
func BenchmarkSteadyEncodeRunResponse(b *testing.B)  { benchSteadyEncode(b, RunResponseMessage()) }
func BenchmarkSteadyDecodeRunResponse(b *testing.B)  { benchSteadyDecode(b, RunResponseMessage()) }

func BenchmarkSteadyDecodeIntoProxyRequest(b *testing.B) {
	benchSteadyDecodeInto(b, ProxyRequestMessage())
}
func BenchmarkSteadyDecodeIntoLog(b *testing.B) { benchSteadyDecodeInto(b, LogMessage()) }
func BenchmarkSteadyDecodeIntoLaunchOutput(b *testing.B) {
	benchSteadyDecodeInto(b, LaunchOutputMessage())
}
func BenchmarkSteadyDecodeIntoRunResponse(b *testing.B) {
	benchSteadyDecodeInto(b, RunResponseMessage())
}
