// Package rpcinterop checks that the Rust net/rpc implementation in
// boxpark-proto (rpc::Server and rpc::Client) interoperates with Go's
// net/rpc, over Unix sockets, with a small service named "Test":
//
//	Test.Echo(EchoArgs, *EchoReply)   the same values back
//	Test.Add(AddArgs, *AddReply)      Sum = A + B
//	Test.Sleep(SleepArgs, *Empty)     sleeps Millis milliseconds
//	Test.Fail(FailArgs, *Empty)       fails with the error text Msg
//
// The Rust side has the same service in the example programs
// boxpark-proto/examples/rpc_test_server.rs and rpc_test_client.rs. The
// tests (rpcinterop_test.go) run Go's rpc.Client against the Rust server and
// the Rust client against Go's rpc.Server (Serve, below); they are gated by
// GOB_RUST_INTEROP=1. The same tests also run Go against Go, ungated, so
// that every expectation is checked against Go's own behaviour first.
package rpcinterop

import (
	"errors"
	"io"
	"net"
	"net/rpc"
	"sync"
	"time"
)

// EchoArgs is the argument of Test.Echo.
type EchoArgs struct {
	S string
	N int
}

// EchoReply is the reply of Test.Echo: the argument's values.
type EchoReply struct {
	S string
	N int
}

// AddArgs is the argument of Test.Add.
type AddArgs struct {
	A int
	B int
}

// AddReply is the reply of Test.Add.
type AddReply struct {
	Sum int
}

// SleepArgs is the argument of Test.Sleep.
type SleepArgs struct {
	Millis int
}

// FailArgs is the argument of Test.Fail.
type FailArgs struct {
	Msg string
}

// Empty is the reply of Test.Sleep and Test.Fail.
type Empty struct{}

// ErrAborted is what a Sleep call fails with when Test.Abort is closed
// before the sleep ends (its connection is gone; nobody reads the reply).
var ErrAborted = errors.New("sleep aborted: connection closed")

// Test is the "Test" service. The zero value is ready to use; the fields are
// hooks for the tests.
type Test struct {
	// Stats, if set, counts the calls.
	Stats *Stats
	// OnSleep, if set, runs as each Sleep call arrives, before it sleeps.
	OnSleep func(SleepArgs)
	// Abort, if set, ends every Sleep early when it is closed.
	Abort <-chan struct{}
	// Delay, if > 0, makes every Echo and Add call take at least this
	// long, so that a client's concurrent calls overlap in the server.
	Delay time.Duration
}

// Echo replies with the argument's values.
func (t *Test) Echo(args EchoArgs, reply *EchoReply) error {
	defer t.Stats.begin("Echo")()
	t.delay()
	*reply = EchoReply(args)
	return nil
}

// Add replies with A + B.
func (t *Test) Add(args AddArgs, reply *AddReply) error {
	defer t.Stats.begin("Add")()
	t.delay()
	reply.Sum = args.A + args.B
	return nil
}

func (t *Test) delay() {
	if t.Delay > 0 {
		time.Sleep(t.Delay)
	}
}

// Sleep sleeps Millis milliseconds (a negative value counts as 0), or until
// Abort is closed.
func (t *Test) Sleep(args SleepArgs, _ *Empty) error {
	defer t.Stats.begin("Sleep")()
	t.Stats.sleep(args.Millis)
	if t.OnSleep != nil {
		t.OnSleep(args)
	}
	timer := time.NewTimer(time.Duration(max(args.Millis, 0)) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-t.Abort:
		return ErrAborted
	}
}

// Fail fails with the error text Msg. (As with any net/rpc method, an error
// whose text is empty reaches the client as success.)
func (t *Test) Fail(args FailArgs, _ *Empty) error {
	defer t.Stats.begin("Fail")()
	return errors.New(args.Msg)
}

// Stats counts the calls of a Test service. A nil *Stats counts nothing.
type Stats struct {
	mu          sync.Mutex
	calls       map[string]int
	sleeps      []int
	inFlight    int
	maxInFlight int
}

// begin counts a call of method; the returned function ends it.
func (s *Stats) begin(method string) func() {
	if s == nil {
		return func() {}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[method]++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inFlight--
	}
}

func (s *Stats) sleep(millis int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sleeps = append(s.sleeps, millis)
}

// Calls is the number of calls of method ("Echo", "Add", "Sleep", "Fail")
// that reached the service.
func (s *Stats) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Sleeps are the Millis of every Sleep call, in arrival order.
func (s *Stats) Sleeps() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.sleeps...)
}

// MaxInFlight is the largest number of calls that ran at the same time.
func (s *Stats) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// ServerOptions configure Serve.
type ServerOptions struct {
	// CutAfter, when > 0, makes a Sleep call of at least one minute close
	// its connection (the server's side) CutAfter after the call arrives:
	// what the Rust client's "cut" scenario expects.
	CutAfter time.Duration
	// CallDelay is Test.Delay for every connection.
	CallDelay time.Duration
}

// Server serves Test with Go's net/rpc on a listener. Each connection gets
// its own rpc.Server (with a Test sharing the Server's Stats), so that a
// call can act on its own connection.
type Server struct {
	l     net.Listener
	opts  ServerOptions
	stats Stats
	wg    sync.WaitGroup

	mu     sync.Mutex
	conns  map[*conn]struct{}
	cuts   int
	closed bool
}

// Serve serves Test on l until Close.
func Serve(l net.Listener, opts ServerOptions) *Server {
	s := &Server{l: l, opts: opts, conns: map[*conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s
}

// Stats counts the calls on all connections.
func (s *Server) Stats() *Stats { return &s.stats }

// Cuts is how many connections a Sleep call closed (ServerOptions.CutAfter).
func (s *Server) Cuts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cuts
}

// Close closes the listener and every connection and waits until all
// connections are done.
func (s *Server) Close() error {
	err := s.l.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.l.Accept()
		if err != nil {
			return
		}
		c := &conn{Conn: nc, gone: make(chan struct{})}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()

		t := &Test{Stats: &s.stats, Abort: c.gone, Delay: s.opts.CallDelay}
		if s.opts.CutAfter > 0 {
			t.OnSleep = func(a SleepArgs) {
				if a.Millis < 60_000 {
					return
				}
				time.AfterFunc(s.opts.CutAfter, func() {
					s.mu.Lock()
					s.cuts++
					s.mu.Unlock()
					c.Close()
				})
			}
		}
		srv := rpc.NewServer()
		if err := srv.RegisterName("Test", t); err != nil {
			panic(err) // the method set is fixed: cannot happen
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			srv.ServeConn(c) // returns once reads fail and running calls are done
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// conn closes gone when a read fails (the peer closed, or we did), so that
// sleeping calls end: net/rpc's ServeConn waits for running calls before it
// returns.
type conn struct {
	net.Conn
	once sync.Once
	gone chan struct{}
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.once.Do(func() { close(c.gone) })
	}
	return n, err
}

var _ io.ReadWriteCloser = (*conn)(nil)
