package rpcinterop

// Test plumbing: the gate, building and running the Rust examples, sockets,
// Go servers and clients with bounded waits.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"boxpark.dev/interop-go/internal/cargo"
)

// callTimeout bounds every RPC call that must answer.
const callTimeout = 20 * time.Second

var (
	buildMu sync.Mutex
	built   = map[string]string{} // example name -> binary path
)

// exampleBinary builds `cargo build -p boxpark-proto --example name` once per
// test process and returns the binary's path, so that tests run it without
// cargo's overhead.
func exampleBinary(t *testing.T, name string) string {
	t.Helper()
	cargo.Require(t, "cargo and the boxpark-proto rpc examples")
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := built[name]; ok {
		return bin
	}
	root, err := cargo.Workspace("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cargo.Timeout)
	defer cancel()
	bin, err := cargo.BuildExample(ctx, root, "boxpark-proto", name)
	if err != nil {
		t.Fatal(err)
	}
	built[name] = bin
	return bin
}

// socketPath is a fresh Unix socket path in a temporary directory that the
// test removes. (A socket path must stay under 108 bytes: long test names
// make long t.TempDir paths.)
func socketPath(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.sock")
	if len(p) < 100 {
		return p
	}
	dir, err := os.MkdirTemp("", "rpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// startGoServer serves Test with Go's net/rpc on a fresh socket until the
// test ends.
func startGoServer(t *testing.T, opts ServerOptions) (string, *Server) {
	t.Helper()
	sock := socketPath(t)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := Serve(l, opts)
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { srv.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("Go server: connections still open 10s after Close")
		}
	})
	return sock, srv
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readyWriter collects a process's stdout and closes ready once it holds a
// complete first line.
type readyWriter struct {
	syncBuffer
	once  sync.Once
	ready chan struct{}
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains(w.String(), "\n") {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

// startRustServer runs the rpc_test_server example on a fresh socket and
// waits for its "READY" line. When the test ends it closes the server's
// stdin, which must make it exit; a server that does not exit within 10s is
// killed (by its PID) and the test fails.
func startRustServer(t *testing.T) string {
	t.Helper()
	bin := exampleBinary(t, "rpc_test_server")
	sock := socketPath(t)
	cmd := exec.Command(bin, sock)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := &readyWriter{ready: make(chan struct{})}
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	exited := false
	stop := func() {
		if exited {
			return
		}
		exited = true
		stdin.Close()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("rpc_test_server (pid %d) exited with %v after stdin EOF\nstderr:\n%s", cmd.Process.Pid, err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() // only the process this test started, by its PID
			<-waited
			t.Errorf("rpc_test_server (pid %d) still running 10s after stdin EOF: killed\nstderr:\n%s", cmd.Process.Pid, stderr.String())
		}
	}
	t.Cleanup(stop)

	select {
	case <-stdout.ready:
		if line := stdout.String(); line != "READY\n" {
			t.Fatalf("rpc_test_server printed %q, want \"READY\\n\"\nstderr:\n%s", line, stderr.String())
		}
	case err := <-waited:
		exited = true
		t.Fatalf("rpc_test_server exited before READY: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("rpc_test_server printed no READY line within 60s\nstderr:\n%s", stderr.String())
	}
	return sock
}

// server is a way to get a socket served by a Test service.
type server struct {
	name  string
	start func(t *testing.T) string
}

// servers are Go's net/rpc (always: it checks the expectations themselves)
// and the Rust rpc_test_server (gated by GOB_RUST_INTEROP=1).
var servers = []server{
	{"go", func(t *testing.T) string { sock, _ := startGoServer(t, ServerOptions{}); return sock }},
	{"rust", startRustServer},
}

// forEachServer runs f as a subtest against each server.
func forEachServer(t *testing.T, f func(t *testing.T, sock string)) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) { f(t, s.start(t)) })
	}
}

// serverName is the name of the server that a forEachServer subtest runs
// against.
func serverName(t *testing.T) string {
	return t.Name()[strings.LastIndex(t.Name(), "/")+1:]
}

// dialConn connects to sock; the connection is closed when the test ends.
func dialConn(t *testing.T, sock string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dial is Go's net/rpc client on a new connection to sock.
func dial(t *testing.T, sock string) *rpc.Client {
	t.Helper()
	return rpc.NewClient(dialConn(t, sock))
}

// call is client.Call that gives up after callTimeout.
func call(t *testing.T, c *rpc.Client, method string, args, reply any) error {
	t.Helper()
	select {
	case done := <-c.Go(method, args, reply, make(chan *rpc.Call, 1)).Done:
		return done.Error
	case <-time.After(callTimeout):
		t.Fatalf("%s: no reply within %v", method, callTimeout)
		return nil
	}
}

// mustEcho checks that an Echo call on c still works.
func mustEcho(t *testing.T, c *rpc.Client, what string) {
	t.Helper()
	args := EchoArgs{S: "still " + what, N: 7}
	var reply EchoReply
	if err := call(t, c, "Test.Echo", args, &reply); err != nil {
		t.Fatalf("Echo after %s: %v", what, err)
	}
	if reply != EchoReply(args) {
		t.Fatalf("Echo after %s: got %+v, want %+v", what, reply, args)
	}
}

// isServerError reports whether err came from the server (its Response.Error)
// rather than from the client or the connection.
func isServerError(err error) bool {
	var se rpc.ServerError
	return errors.As(err, &se)
}

func describe(v any) string { return fmt.Sprintf("%T%+v", v, v) }
