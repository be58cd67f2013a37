package host

// Tests of the host library against small Go stand-ins for the guest (no
// Rust needed): the handshake, exact reads, the event and proxy servers, the
// launch reader and the typed client.

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"io"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
)

func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "bph")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// fakeHybrid listens on uds and runs serve for each connection after
// answering the handshake with answer (for port 1; others are closed).
func fakeHybrid(t *testing.T, uds, answer string, serve func(net.Conn)) {
	ln, err := net.Listen("unix", uds)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				var line []byte
				b := make([]byte, 1)
				for {
					if _, err := c.Read(b); err != nil {
						c.Close()
						return
					}
					if b[0] == '\n' {
						break
					}
					line = append(line, b[0])
				}
				if string(line) != "CONNECT 1" {
					c.Close()
					return
				}
				io.WriteString(c, answer)
				serve(c)
			}(c)
		}
	}()
}

func TestDialHybridReadsOnlyTheOKLine(t *testing.T) {
	uds := filepath.Join(shortDir(t), "g.sock")
	// The answer and the first stream bytes arrive in one write.
	fakeHybrid(t, uds, "OK 1073741824\nstream bytes", func(c net.Conn) { c.Close() })
	conn, err := DialHybrid(uds, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got, err := io.ReadAll(conn)
	if err != nil || string(got) != "stream bytes" {
		t.Fatalf("after the handshake: %q, %v", got, err)
	}
	if _, err := DialHybrid(uds, 2); err == nil || !strings.Contains(err.Error(), "port 2") {
		t.Errorf("port 2: %v, want an error naming the port", err)
	}
}

func TestDialHybridBadAnswers(t *testing.T) {
	for _, answer := range []string{"NO\n", "OK x\n", strings.Repeat("O", 100), "OK 5"} {
		uds := filepath.Join(shortDir(t), "g.sock")
		fakeHybrid(t, uds, answer, func(c net.Conn) { c.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := DialHybridContext(ctx, uds, 1)
		cancel()
		if err == nil {
			conn.Close()
			t.Errorf("answer %q: no error", answer)
		}
	}
	// Nobody answers: the context bounds the handshake.
	uds := filepath.Join(shortDir(t), "g.sock")
	fakeHybrid(t, uds, "", func(c net.Conn) { time.Sleep(time.Second); c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := DialHybridContext(ctx, uds, 1); err == nil || time.Since(start) > 800*time.Millisecond {
		t.Errorf("silent guest: %v after %v", err, time.Since(start))
	}
}

func TestProxyServerStreamAndDatagrams(t *testing.T) {
	uds := filepath.Join(shortDir(t), "g.sock")
	ps, err := ListenProxy(uds, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	// Stream: request and spliced bytes in one write must not be mixed up.
	var buf bytes.Buffer
	req := contract.ConnectionRequest{Network: "tcp", ListenAddress: ":80", LocalAddress: "10.0.0.2:80", RemoteAddress: "10.0.0.9:4000"}
	if err := gob.NewEncoder(&buf).Encode(req); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("raw bytes after")
	c, err := net.Dial("unix", ProxyPath(uds))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(buf.Bytes())
	c.(*net.UnixConn).CloseWrite()
	h := <-ps.C()
	if h.Request != req || h.IsDatagram() {
		t.Fatalf("request %+v", h.Request)
	}
	got, err := io.ReadAll(h.Conn)
	if err != nil || string(got) != "raw bytes after" {
		t.Fatalf("stream after the request: %q, %v", got, err)
	}
	io.WriteString(h.Conn, "reply")
	h.Close()
	if got, _ := io.ReadAll(c); string(got) != "reply" {
		t.Fatalf("reply %q", got)
	}
	// Datagrams: the guest's gob stream continues after the request.
	c2, err := net.Dial("unix", ProxyPath(uds))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	enc := gob.NewEncoder(c2)
	enc.Encode(contract.ConnectionRequest{Network: "udp", ListenAddress: ":53", LocalAddress: "10.0.0.2:53", RemoteAddress: "10.0.0.9:999"})
	enc.Encode([]byte("query"))
	h = <-ps.C()
	if !h.IsDatagram() {
		t.Fatal("udp is a datagram network")
	}
	d := h.Datagrams()
	if p, err := d.Recv(); err != nil || string(p) != "query" {
		t.Fatalf("datagram %q, %v", p, err)
	}
	if err := d.Send([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	var p []byte
	if err := gob.NewDecoder(c2).Decode(&p); err != nil || string(p) != "answer" {
		t.Fatalf("host datagram %q, %v", p, err)
	}
	// Garbage instead of a request: recorded, connection closed.
	c3, err := net.Dial("unix", ProxyPath(uds))
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	c3.Write([]byte{3, 0, 0, 0})
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c3); err != nil {
		t.Fatalf("garbage: %v, want the connection closed", err)
	}
	if len(ps.Errors()) != 1 {
		t.Errorf("errors %v, want one", ps.Errors())
	}
}

func TestEventServerReconnects(t *testing.T) {
	uds := filepath.Join(shortDir(t), "g.sock")
	es, err := ListenEvents(uds)
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	now := time.Now()
	for i := 0; i < 2; i++ {
		c, err := net.Dial("unix", EventPath(uds))
		if err != nil {
			t.Fatal(err)
		}
		enc := gob.NewEncoder(c)
		enc.Encode(contract.Info{Version: "v", IP: "192.0.2.1"})
		enc.Encode(contract.Log{Time: now, Level: 4, Message: "hello", Attrs: map[string]string{"n": string(rune('0' + i))}})
		c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = es.WaitLog(ctx, 0, 4, "hello", string(rune('0'+i)))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A Log before Info is a contract violation: recorded as an error.
	c, _ := net.Dial("unix", EventPath(uds))
	gob.NewEncoder(c).Encode(contract.Log{Message: "no info"})
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := es.Wait(ctx, 0, func(e Event) bool { return e.Err != nil }); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < 5; i++ {
		e := <-es.C()
		got = append(got, e.String())
	}
	want := []string{
		`[conn 1] Info version="v" ip="192.0.2.1"`,
		`[conn 1] WARN hello n="0"`,
		`[conn 2] Info version="v" ip="192.0.2.1"`,
		`[conn 2] WARN hello n="1"`,
	}
	if strings.Join(got[:4], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(got[4], "[conn 3] error: decoding Info") {
		t.Errorf("events:\n%s", strings.Join(got, "\n"))
	}
	if es.Connections() != 3 {
		t.Errorf("%d connections", es.Connections())
	}
}

func TestLaunchReader(t *testing.T) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	enc.Encode(contract.LaunchOutput{Stream: 1, Lines: []string{"a", "b"}})
	enc.Encode(contract.LaunchOutput{Stream: 2, Lines: []string{"e"}})
	enc.Encode(contract.LaunchOutput{Stream: 1, Lines: []string{"c"}})
	enc.Encode(contract.LaunchOutput{Exited: true, ExitCode: 3})
	res, err := ReadLaunch(bytes.NewReader(buf.Bytes())).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Stdout, ",") != "a,b,c" || strings.Join(res.Stderr, ",") != "e" || res.ExitCode != 3 || len(res.Batches) != 4 {
		t.Errorf("%+v", res)
	}
	// Cut before the Exited message.
	var cut bytes.Buffer
	gob.NewEncoder(&cut).Encode(contract.LaunchOutput{Stream: 1, Lines: []string{"a"}})
	_, err = ReadLaunch(&cut).Collect()
	if !errors.Is(err, ErrNoExit) {
		t.Errorf("cut stream: %v, want ErrNoExit", err)
	}
}

// guestService is a Go stand-in for the Guest RPC service.
type guestService struct{ block chan struct{} }

func (g *guestService) Mkdir(r contract.MkdirRequest, _ *contract.Empty) error {
	if r.Path == "/block" {
		<-g.block
	}
	return nil
}

func (g *guestService) Run(r contract.RunRequest, resp *contract.RunResponse) error {
	if r.Command == "fail" {
		return errors.New("it failed")
	}
	resp.Stdout = []byte(r.Command)
	return nil
}

func TestClientAgainstGoServer(t *testing.T) {
	uds := filepath.Join(shortDir(t), "g.sock")
	svc := &guestService{block: make(chan struct{})}
	defer close(svc.block)
	srv := rpc.NewServer()
	if err := srv.RegisterName("Guest", svc); err != nil {
		t.Fatal(err)
	}
	fakeHybrid(t, uds, "OK 1\n", func(c net.Conn) { srv.ServeConn(c) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := DialRetry(ctx, uds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Run(ctx, contract.RunRequest{Command: "hi"})
	if err != nil || string(resp.Stdout) != "hi" {
		t.Fatalf("Run: %+v, %v", resp, err)
	}
	_, err = c.Run(ctx, contract.RunRequest{Command: "fail"})
	if msg, ok := IsServerError(err); !ok || msg != "it failed" {
		t.Fatalf("failing Run: %v", err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := c.Mkdir(short, contract.MkdirRequest{Path: "/block"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked Mkdir: %v, want the context's deadline", err)
	}
	if err := c.Write(ctx, contract.WriteRequest{}); err == nil || !strings.Contains(err.Error(), "can't find method Guest.Write") {
		t.Fatalf("Write on a service without it: %v", err)
	}
}
