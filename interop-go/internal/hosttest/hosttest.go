// Package hosttest holds what the end-to-end suites share, whichever guest
// they drive (the emulated one in e2e, the VM in vmtest), as net/http/httptest
// does for HTTP servers: a buffer for a process's output, the check of an
// error answered by the guest, and the launch batching case.
package hosttest

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"

	"boxpark.dev/interop-go/host"
)

// SyncBuffer is a bytes.Buffer safe for concurrent writes (a process's
// output) and reads.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ServerError returns the guest's error text, failing t when err is nil, not
// an error answered by the guest, or empty.
func ServerError(t testing.TB, what string, err error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want an error", what)
	}
	msg, ok := host.IsServerError(err)
	if !ok {
		t.Fatalf("%s: %v (%T), want an error answered by the guest", what, err, err)
	}
	if msg == "" {
		t.Fatalf("%s: empty error text", what)
	}
	return msg
}

// BatchingScript is a sh -c script that writes 200 stdout lines, then two
// stderr lines, and exits 7: launch must batch it (CheckBatching).
const BatchingScript = "i=1; while [ $i -le 200 ]; do echo line$i; i=$((i+1)); done; echo err1 >&2; echo err2 >&2; exit 7"

// CheckBatching checks the launch stream of BatchingScript: every line in
// order, batches of 1 to 64 lines on stream 1 or 2, the exit code, and one
// final message with Exited set, Stream 0 and no lines.
func CheckBatching(t testing.TB, res *host.LaunchResult) {
	t.Helper()
	var want []string
	for i := 1; i <= 200; i++ {
		want = append(want, "line"+strconv.Itoa(i))
	}
	if strings.Join(res.Stdout, ",") != strings.Join(want, ",") {
		t.Errorf("stdout lines: %d, want line1..line200 in order (first %q)", len(res.Stdout), res.Stdout[:min(3, len(res.Stdout))])
	}
	if strings.Join(res.Stderr, ",") != "err1,err2" {
		t.Errorf("stderr lines %q, want [err1 err2]", res.Stderr)
	}
	if res.ExitCode != 7 {
		t.Errorf("exit code %d, want 7", res.ExitCode)
	}
	stdoutBatches := 0
	for i, b := range res.Batches {
		last := i == len(res.Batches)-1
		if b.Exited != last {
			t.Errorf("message %d of %d: Exited %v", i, len(res.Batches), b.Exited)
		}
		if last {
			if b.Stream != 0 || len(b.Lines) != 0 {
				t.Errorf("final message %+v: want Stream 0 and no lines", b)
			}
			continue
		}
		if b.Stream != 1 && b.Stream != 2 {
			t.Errorf("message %d: Stream %d", i, b.Stream)
		}
		if len(b.Lines) == 0 || len(b.Lines) > 64 {
			t.Errorf("message %d: %d lines, want 1..64", i, len(b.Lines))
		}
		if b.Stream == 1 {
			stdoutBatches++
		}
	}
	if stdoutBatches < 4 {
		t.Errorf("200 stdout lines came in %d batches: at most 64 lines per batch means at least 4", stdoutBatches)
	}
	t.Logf("%d messages; stdout in %d batches", len(res.Batches), stdoutBatches)
}
