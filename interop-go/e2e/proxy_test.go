package e2e

// Proxy connections to guest port 1: every network.

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

// serveHalfClose answers each connection on ln: it reads until EOF (the
// peer's half-close), then writes "got <n> bytes:" and the data, and closes.
func serveHalfClose(t *testing.T, ln net.Listener) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				data, err := io.ReadAll(c)
				if err != nil {
					fmt.Fprintf(c, "read error: %v", err)
					return
				}
				fmt.Fprintf(c, "got %d bytes:", len(data))
				c.Write(data)
			}(c)
		}
	}()
}

// streamRoundTrip sends data on a stream proxy connection, half-closes it,
// and expects the server's answer, then EOF.
func streamRoundTrip(t *testing.T, conn net.Conn, data []byte) {
	t.Helper()
	go func() {
		conn.Write(data)
		host.CloseWrite(conn)
	}()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the answer: %v (after %d bytes)", err, len(got))
	}
	want := append([]byte(fmt.Sprintf("got %d bytes:", len(data))), data...)
	if !bytes.Equal(got, want) {
		t.Fatalf("answer: %d bytes, want %d (prefix %q vs %q)", len(got), len(want), prefix(got), prefix(want))
	}
}

func prefix(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func TestProxyTCP(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveHalfClose(t, ln)
	data := make([]byte, 1<<20)
	rand.Read(data)
	conn := g.proxy(contract.ProxyRequest{Network: "tcp", Address: ln.Addr().String(), LocalAddress: "10.0.0.1:5555"})
	streamRoundTrip(t, conn, data)
	// A second one, with nothing sent: the half-close alone comes through.
	conn = g.proxy(contract.ProxyRequest{Network: "tcp", Address: ln.Addr().String()})
	streamRoundTrip(t, conn, nil)
}

func TestProxyUnix(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "srv.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	serveHalfClose(t, ln)
	data := make([]byte, 300<<10)
	rand.Read(data)
	streamRoundTrip(t, g.proxy(contract.ProxyRequest{Network: "unix", Address: path}), data)
	streamRoundTrip(t, g.proxy(contract.ProxyRequest{Network: "unix", Address: path}), []byte("short"))
}

// datagramEcho answers each datagram with "echo:" and the datagram, to its
// sender when the sender has an address; it reports every datagram received
// on the channel.
func datagramEcho(t *testing.T, pc net.PacketConn) <-chan string {
	t.Cleanup(func() { pc.Close() })
	got := make(chan string, 100)
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			fromText := ""
			if from != nil {
				fromText = from.String()
			}
			got <- fmt.Sprintf("%s from %q", buf[:n], fromText)
			if fromText != "" {
				pc.WriteTo(append([]byte("echo:"), buf[:n]...), from)
			}
		}
	}()
	return got
}

func TestProxyUDP(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := datagramEcho(t, pc)
	d, err := host.ProxyDatagramsContext(g.within(10*time.Second), g.UDS, contract.ProxyRequest{Network: "udp", Address: pc.LocalAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_ = d.Conn().SetDeadline(time.Now().Add(20 * time.Second))
	msgs := []string{"one", "two", strings.Repeat("x", 1400), ""}
	for _, m := range msgs {
		if err := d.Send([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	// Each datagram arrives as itself (boundaries kept), and each reply
	// comes back as one gob []byte.
	for _, m := range msgs {
		select {
		case s := <-got:
			if !strings.HasPrefix(s, m+" from ") {
				t.Errorf("server got %.60q, want %.60q", s, m)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the server did not get datagram %.20q", m)
		}
		reply, err := d.Recv()
		if err != nil {
			t.Fatalf("receiving the reply: %v", err)
		}
		if string(reply) != "echo:"+m {
			t.Errorf("reply %.60q, want %.60q", reply, "echo:"+m)
		}
	}
}

func TestProxyUnixgram(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "dgram.sock")
	pc, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	got := datagramEcho(t, pc)
	d, err := host.ProxyDatagramsContext(g.within(10*time.Second), g.UDS, contract.ProxyRequest{Network: "unixgram", Address: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_ = d.Conn().SetDeadline(time.Now().Add(20 * time.Second))
	for _, m := range []string{"READY=1", "STATUS=fine", strings.Repeat("y", 3000)} {
		if err := d.Send([]byte(m)); err != nil {
			t.Fatal(err)
		}
		var s string
		select {
		case s = <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("the server did not get datagram %.20q", m)
		}
		if !strings.HasPrefix(s, m+" from ") {
			t.Fatalf("server got %.60q, want %.60q", s, m)
		}
		if strings.HasSuffix(s, ` from ""`) {
			t.Fatalf("the guest's unixgram socket has no name (%s), so the server cannot answer: want replies both ways", s[len(m):])
		}
		reply, err := d.Recv()
		if err != nil {
			t.Fatalf("receiving the reply: %v", err)
		}
		if string(reply) != "echo:"+m {
			t.Errorf("reply %.60q, want %.60q", reply, "echo:"+m)
		}
	}
}

func TestProxyFile(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for _, size := range []int{0, 1, 200 << 10} {
		path := filepath.Join(g.dir, "f"+strconv.Itoa(size))
		data := make([]byte, size)
		rand.Read(data)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := host.ReadFile(g.within(20*time.Second), g.UDS, path)
		if err != nil {
			t.Fatalf("file proxy %s: %v", path, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("file proxy of %d bytes: got %d bytes (equal: false)", size, len(got))
		}
	}
}

func launch(t *testing.T, g *guest, req contract.ProxyRequest) (net.Conn, *host.LaunchReader) {
	t.Helper()
	conn, lr, err := host.LaunchContext(g.within(10*time.Second), g.UDS, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn, lr
}

func TestProxyLaunch(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	_, lr := launch(t, g, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", hosttest.BatchingScript},
	})
	res, err := lr.Collect()
	if err != nil {
		t.Fatalf("launch stream: %v (so far: %+v)", err, res)
	}
	hosttest.CheckBatching(t, res)
}

func TestProxyLaunchPartialLineArgsEnvDir(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	dir := filepath.Join(g.dir, "wd")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, lr := launch(t, g, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", `echo "$FOO"; pwd; printf 'no newline'`},
		Env:     []string{"FOO=bar baz", "PATH=" + os.Getenv("PATH")},
		Dir:     dir,
	})
	res, err := lr.Collect()
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if want := []string{"bar baz", real, "no newline"}; strings.Join(res.Stdout, "|") != strings.Join(want, "|") {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
	if res.ExitCode != 0 {
		t.Errorf("exit code %d", res.ExitCode)
	}
	// A program ended by a signal: -1.
	_, lr = launch(t, g, contract.ProxyRequest{Address: "sh", Args: []string{"-c", "kill -KILL $$"}})
	res, err = lr.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != -1 {
		t.Errorf("killed by a signal: exit code %d, want -1", res.ExitCode)
	}
}

// A batch goes out 100 ms after its first line: a line followed by a pause
// arrives before the pause ends.
func TestProxyLaunchBatchDelay(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	start := time.Now()
	_, lr := launch(t, g, contract.ProxyRequest{Address: "sh", Args: []string{"-c", "echo first; sleep 2; echo second"}})
	out, err := lr.Next()
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if out.Stream != 1 || strings.Join(out.Lines, ",") != "first" {
		t.Errorf("first batch %+v, want stdout [first]", out)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("the first batch came after %v: lines wait for the 2 s pause instead of 100 ms", took)
	}
	res, err := lr.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Stdout, ",") != "second" || res.ExitCode != 0 {
		t.Errorf("rest of the stream %+v", res)
	}
	t.Logf("first batch after %v", took.Round(time.Millisecond))
}

// The host hangs up on a process that would run for 5 minutes: the guest
// stops it (SIGTERM).
func TestProxyLaunchHangUp(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	conn, lr := launch(t, g, contract.ProxyRequest{Address: "sh", Args: []string{"-c", "echo $$; exec sleep 300"}})
	out, err := lr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lines) != 1 {
		t.Fatalf("first batch %+v, want the pid", out)
	}
	pid, err := strconv.Atoi(out.Lines[0])
	if err != nil {
		t.Fatal(err)
	}
	if !waitRunning(pid, "sleep", 5*time.Second) {
		t.Fatalf("pid %d is not running sleep before the hang-up", pid)
	}
	conn.Close()
	start := time.Now()
	if !waitGone(pid, "sleep", 8*time.Second) {
		t.Fatalf("sleep 300 (pid %d) still runs 8 s after the host closed the launch connection", pid)
	}
	t.Logf("process gone %v after the hang-up", time.Since(start).Round(time.Millisecond))
	g.alive()
}

// A process that ignores SIGTERM gets SIGKILL 5 s after the host hung up.
func TestProxyLaunchHangUpKillsAfterTerm(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	// An ignored signal stays ignored across exec: sleep ignores SIGTERM.
	conn, lr := launch(t, g, contract.ProxyRequest{Address: "sh", Args: []string{"-c", `trap "" TERM; echo $$; exec sleep 300`}})
	out, err := lr.Next()
	if err != nil || len(out.Lines) != 1 {
		t.Fatalf("first batch %+v, %v; want the pid", out, err)
	}
	pid, err := strconv.Atoi(out.Lines[0])
	if err != nil {
		t.Fatal(err)
	}
	if !waitRunning(pid, "sleep", 5*time.Second) {
		t.Fatalf("pid %d is not running sleep", pid)
	}
	conn.Close()
	start := time.Now()
	if waitGone(pid, "sleep", 2*time.Second) {
		t.Fatalf("the process ignoring SIGTERM ended %v after the hang-up: want SIGKILL only 5 s after SIGTERM", time.Since(start))
	}
	if !waitGone(pid, "sleep", 8*time.Second) {
		syscall.Kill(pid, syscall.SIGKILL) // the test's own leftover
		t.Fatalf("sleep (pid %d, ignoring SIGTERM) still runs 10 s after the hang-up: no SIGKILL", pid)
	}
	took := time.Since(start)
	if took < 4*time.Second || took > 7*time.Second {
		t.Errorf("killed %v after the hang-up, want about 5 s", took)
	}
	t.Logf("killed %v after the hang-up", took.Round(time.Millisecond))
}

// A batch goes out once it holds 64 KiB: with 30000-byte lines, no batch
// holds more than 64 KiB before its last line.
func TestProxyLaunchBatchBytes(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	_, lr := launch(t, g, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", `i=0; while [ $i -lt 12 ]; do printf "%030000d\n" $i; i=$((i+1)); done`},
	})
	res, err := lr.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != 12 {
		t.Fatalf("%d lines, want 12", len(res.Stdout))
	}
	for i, l := range res.Stdout {
		if len(l) != 30000 || !strings.HasSuffix(l, strconv.Itoa(i)) {
			t.Fatalf("line %d: %d bytes, ends %q", i, len(l), l[len(l)-3:])
		}
	}
	for i, b := range res.Batches {
		size := 0
		for _, l := range b.Lines[:max(0, len(b.Lines)-1)] {
			size += len(l) + 1
		}
		if size >= 64<<10 {
			t.Errorf("batch %d: %d lines, %d bytes before its last line: over 64 KiB", i, len(b.Lines), size)
		}
	}
	t.Logf("%d messages for 12 lines of 30000 bytes", len(res.Batches))
}
