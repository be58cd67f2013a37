package rpcbench

import (
	"fmt"
	"net"
	"net/rpc"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"boxpark.dev/interop-go/rpcinterop"
)

// echoArgs is the argument of every benchmarked call.
var echoArgs = rpcinterop.EchoArgs{S: "hello", N: 42}

// startEcho serves rpcinterop.Test with net/rpc on a Unix socket and returns
// a client connected to it; both are closed when the benchmark ends.
func startEcho(b *testing.B) *rpc.Client {
	b.Helper()
	sock := filepath.Join(b.TempDir(), "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Test", new(rpcinterop.Test)); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); srv.ServeConn(c) }()
		}
	}()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	client := rpc.NewClient(conn)
	b.Cleanup(func() {
		client.Close()
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	// One call first, so that both gob streams have sent their type
	// definitions before the timer starts (as in a long-lived connection).
	echo(b, client)
	return client
}

func echo(b *testing.B, c *rpc.Client) {
	var reply rpcinterop.EchoReply
	if err := c.Call("Test.Echo", echoArgs, &reply); err != nil {
		b.Fatal(err)
	}
	if reply != rpcinterop.EchoReply(echoArgs) {
		b.Fatalf("Echo: got %+v, want %+v", reply, echoArgs)
	}
}

// BenchmarkSequentialEcho: one call at a time on one client.
func BenchmarkSequentialEcho(b *testing.B) {
	c := startEcho(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		echo(b, c)
	}
}

// BenchmarkConcurrent16Echo: 16 goroutines share one client and make b.N
// calls in total, so ns/op is the time per call.
func BenchmarkConcurrent16Echo(b *testing.B) {
	const workers = 16
	c := startEcho(b)
	b.ReportAllocs()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	b.ResetTimer()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				var reply rpcinterop.EchoReply
				if err := c.Call("Test.Echo", echoArgs, &reply); err != nil {
					fail(err)
					return
				}
				if reply != rpcinterop.EchoReply(echoArgs) {
					fail(fmt.Errorf("got %+v, want %+v", reply, echoArgs))
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if firstErr != nil {
		b.Fatalf("Echo: %v", firstErr)
	}
}
