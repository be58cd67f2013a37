package main

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"boxpark.dev/interop-go/contract"
)

// batches decodes the LaunchOutput stream in buf.
func batches(t *testing.T, buf *bytes.Buffer) []contract.LaunchOutput {
	t.Helper()
	dec := gob.NewDecoder(buf)
	var out []contract.LaunchOutput
	for {
		var o contract.LaunchOutput
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
}

func TestLineBatcherSplitsAsScanLines(t *testing.T) {
	var buf bytes.Buffer
	s := &launchStream{enc: gob.NewEncoder(&buf), broken: func() {}}
	b := s.lines(2)
	// Lines cut across writes, CRLF, an empty line, and a last line
	// without its newline.
	for _, w := range []string{"one\r\ntw", "o\n", "\n", "thr", "ee"} {
		if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w, n, err)
		}
	}
	b.finish()
	out := batches(t, &buf)
	if len(out) != 1 || out[0].Stream != 2 || strings.Join(out[0].Lines, "|") != "one|two||three" {
		t.Fatalf("batches %+v, want one batch on stream 2: one|two||three", out)
	}
}

func TestLineBatcherLimits(t *testing.T) {
	var buf bytes.Buffer
	s := &launchStream{enc: gob.NewEncoder(&buf), broken: func() {}}
	b := s.lines(1)
	// 130 short lines: batches of 64, 64, then 2 at the end.
	b.Write([]byte(strings.Repeat("x\n", 130)))
	// A line longer than maxLine goes out in pieces of maxLine, whether
	// it comes in one write or in many; one of exactly maxLine is whole.
	b.Write([]byte(strings.Repeat("y", maxLine+10) + "\n"))
	for i := 0; i < maxLine+10; i += 1000 {
		b.Write([]byte(strings.Repeat("y", min(1000, maxLine+10-i))))
	}
	b.Write([]byte("\n"))
	b.Write([]byte(strings.Repeat("y", maxLine)))
	b.Write([]byte("\n"))
	b.finish()
	var sizes []int
	var long []int
	for _, o := range batches(t, &buf) {
		sizes = append(sizes, len(o.Lines))
		for _, l := range o.Lines {
			if strings.HasPrefix(l, "y") {
				long = append(long, len(l))
			}
		}
	}
	if len(sizes) < 3 || sizes[0] != 64 || sizes[1] != 64 {
		t.Errorf("batch sizes %v, want 64, 64, ...", sizes)
	}
	if want := []int{maxLine, 10, maxLine, 10, maxLine}; fmt.Sprint(long) != fmt.Sprint(want) {
		t.Errorf("two lines of %d bytes and one of %d came as %v, want %v", maxLine+10, maxLine, long, want)
	}
}

func TestLaunchStreamStopsAfterAFailedWrite(t *testing.T) {
	broken := 0
	s := &launchStream{enc: gob.NewEncoder(failingWriter{}), broken: func() { broken++ }}
	s.send(contract.LaunchOutput{Stream: 1, Lines: []string{"a"}})
	s.send(contract.LaunchOutput{Exited: true})
	if broken != 1 {
		t.Errorf("broken called %d times, want once", broken)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("host gone") }
