// Package hosttest holds what the end-to-end suites share, whichever guest
// they drive (the emulated one in e2e, the VM in vmtest; package guesttest
// starts both): a buffer for a process's output, the log/slog levels, the
// checks that the guest still serves, closed a connection, answered an error
// or sent a well-formed event stream or ConnectionRequest, the bad bytes of
// the garbage cases, and the launch batching case.
package hosttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

// The log/slog levels of contract.Log.Level.
const (
	LevelDebug = int(slog.LevelDebug)
	LevelInfo  = int(slog.LevelInfo)
	LevelWarn  = int(slog.LevelWarn)
	LevelError = int(slog.LevelError)
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

// StillServes checks that the guest still answers calls on c (a Run of echo,
// bounded by ctx), failing t when it does not.
func StillServes(t testing.TB, ctx context.Context, c *host.Client) {
	t.Helper()
	resp, err := c.Run(ctx, contract.RunRequest{Command: "echo", Args: []string{"still", "serving"}})
	if err != nil {
		t.Fatalf("the guest no longer serves calls: %v", err)
	}
	if string(resp.Stdout) != "still serving\n" {
		t.Fatalf("Run echo: exit %d, stdout %q, stderr %q", resp.ExitCode, resp.Stdout, resp.Stderr)
	}
}

// ExpectEOF reads conn to its end within d and returns what it read; a
// timeout fails t (the guest did not close the connection).
func ExpectEOF(t testing.TB, conn net.Conn, d time.Duration) []byte {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(d))
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the guest did not close the connection within %v (read %d bytes: %.40q)", d, len(data), data)
	}
	return data
}

// CheckConnectionRequest checks the ConnectionRequest of a host-proxy
// connection.
func CheckConnectionRequest(t testing.TB, got, want contract.ConnectionRequest) {
	t.Helper()
	if got != want {
		t.Errorf("ConnectionRequest\n got %+v\nwant %+v", got, want)
	}
}

// CheckEventsAfterInfo checks the events that followed the first Info of the
// stream: no decode errors, no second Info on the first connection, and every
// Log at a log/slog level.
func CheckEventsAfterInfo(t testing.TB, events []host.Event) {
	t.Helper()
	for _, e := range events {
		switch {
		case e.Err != nil:
			t.Errorf("event stream error: %v", e.Err)
		case e.Conn == 1 && e.Info != nil:
			t.Errorf("a second Info on the first connection: %v", e)
		case e.Log != nil:
			switch e.Log.Level {
			case LevelDebug, LevelInfo, LevelWarn, LevelError:
			default:
				t.Errorf("Log level %d is not a log/slog level: %v", e.Log.Level, e)
			}
		}
	}
}

// Garbage is bytes that are not a gob ProxyRequest, written on a new
// connection to guest port 1 (a proxy connection): the guest must close it
// without an answer and log it.
type Garbage struct {
	Name  string
	Bytes []byte
	// HalfClose: the guest can tell only at the end of the stream, so the
	// host half-closes after the bytes.
	HalfClose bool
}

// ProxyGarbage are the garbage cases that both suites send.
var ProxyGarbage = []Garbage{
	{"http", []byte("GET / HTTP/1.0\r\n\r\n"), true},
	{"not gob", []byte{0x05, 'h', 'e', 'l', 'l', 'o'}, false},                            // a whole message, not gob
	{"type id 0", []byte{0x03, 0x00, 0x00, 0x00}, false},                                 // type id 0
	{"huge length", []byte{0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false}, // 2^63-1
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
