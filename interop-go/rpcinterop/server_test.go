package rpcinterop

// Go's net/rpc client against a Test server: Go's own (always, to check the
// expectations) and the Rust rpc_test_server (with GOB_RUST_INTEROP=1).

import (
	"errors"
	"math"
	"net/rpc"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoValues are 200 Echo arguments: empty, ASCII, multi-byte and long
// strings, and integers of every size and sign (gob's varint lengths).
func echoValues() []EchoArgs {
	strs := []string{
		"", "a", "hello", "héllo wörld", "日本語のテキスト", "🚀✨", "tab\tnew\nline",
		"nul\x00byte", strings.Repeat("x", 127), strings.Repeat("y", 128),
		strings.Repeat("z", 70_000), "\u00ff\u0100\uffff", "Test.Echo",
	}
	ints := []int{
		0, 1, -1, 63, 64, -64, -65, 127, 128, 255, 256, -129, 1 << 16, -(1 << 20),
		1<<31 - 1, -(1 << 31), 1 << 32, 1<<53 + 1, -(1 << 53), math.MaxInt64, math.MinInt64,
		math.MaxInt64 - 1, math.MinInt64 + 1,
	}
	out := make([]EchoArgs, 0, 200)
	for i := 0; len(out) < 200; i++ {
		out = append(out, EchoArgs{S: strs[i%len(strs)], N: ints[(i*7)%len(ints)]})
	}
	return out
}

// TestServerSequential: 200 Echo calls one after the other, each reply equal
// to its argument.
func TestServerSequential(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		c := dial(t, sock)
		for i, args := range echoValues() {
			var reply EchoReply // fresh: gob leaves fields that are not sent (zero) alone
			if err := call(t, c, "Test.Echo", args, &reply); err != nil {
				t.Fatalf("call %d Echo(%.40q, %d): %v", i, args.S, args.N, err)
			}
			if reply != EchoReply(args) {
				t.Fatalf("call %d: got (%.40q, %d), want (%.40q, %d)", i, reply.S, reply.N, args.S, args.N)
			}
		}
		var sum AddReply
		if err := call(t, c, "Test.Add", AddArgs{A: -5, B: 3}, &sum); err != nil || sum.Sum != -2 {
			t.Fatalf("Add(-5, 3): %+v, %v", sum, err)
		}
	})
}

// TestServerConcurrent: 64 calls outstanding at once on one client, Add
// calls and Sleep calls whose durations fall with the call order, so that
// replies come back out of order; every reply must match its call, and the
// Sleeps must have overlapped.
func TestServerConcurrent(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		c := dial(t, sock)
		const n = 64
		type pending struct {
			call  *rpc.Call
			want  any
			reply any
		}
		calls := make([]pending, n)
		answered := make([]bool, n)
		var mu sync.Mutex
		var order []int // indices in completion order
		var wg sync.WaitGroup
		sleepTotal := 0
		start := time.Now()
		for i := 0; i < n; i++ {
			var p pending
			if i%2 == 0 {
				reply := new(AddReply)
				args := AddArgs{A: i * 1_000_003, B: -7 * i}
				p = pending{call: c.Go("Test.Add", args, reply, make(chan *rpc.Call, 1)), want: &AddReply{Sum: args.A + args.B}, reply: reply}
			} else {
				ms := (n - i) * 4 // 252 ms down to 4 ms
				sleepTotal += ms
				reply := new(Empty)
				p = pending{call: c.Go("Test.Sleep", SleepArgs{Millis: ms}, reply, make(chan *rpc.Call, 1)), want: &Empty{}, reply: reply}
			}
			calls[i] = p
			wg.Add(1)
			go func(i int, done <-chan *rpc.Call) {
				defer wg.Done()
				select {
				case <-done:
				case <-time.After(callTimeout):
					return
				}
				mu.Lock()
				order = append(order, i)
				answered[i] = true
				mu.Unlock()
			}(i, p.call.Done)
		}
		wg.Wait()
		elapsed := time.Since(start)
		for i, p := range calls {
			if !answered[i] {
				t.Fatalf("call %d (%s): no reply within %v", i, p.call.ServiceMethod, callTimeout)
			}
			if p.call.Error != nil {
				t.Errorf("call %d (%s): %v", i, p.call.ServiceMethod, p.call.Error)
				continue
			}
			if describe(p.reply) != describe(p.want) {
				t.Errorf("call %d (%s): got %s, want %s", i, p.call.ServiceMethod, describe(p.reply), describe(p.want))
			}
		}
		inOrder := true
		for i, idx := range order {
			if idx != i {
				inOrder = false
				break
			}
		}
		if inOrder {
			t.Errorf("replies came back in call order: the Sleeps did not run concurrently")
		}
		if elapsed > time.Duration(sleepTotal/2)*time.Millisecond {
			t.Errorf("64 calls took %v; the Sleeps alone add up to %dms: calls are not served concurrently", elapsed, sleepTotal)
		}
		t.Logf("64 calls in %v (Sleeps add up to %dms); completion order starts %v", elapsed, sleepTotal, order[:8])
		mustEcho(t, c, "the concurrent calls")
	})
}

// TestServerErrors: the errors that net/rpc's server gives, with their exact
// texts, and the connection keeps working after each.
func TestServerErrors(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		c := dial(t, sock)
		cases := []struct {
			method string
			args   any
			want   string
		}{
			{"Test.Fail", FailArgs{Msg: "boom"}, "boom"},
			{"Test.Fail", FailArgs{Msg: "ошибка: 失败 🚫"}, "ошибка: 失败 🚫"},
			{"Test.Nope", EchoArgs{S: "x", N: 1}, "rpc: can't find method Test.Nope"},
			{"Nope.Echo", EchoArgs{S: "x", N: 1}, "rpc: can't find service Nope.Echo"},
			{"NoDot", EchoArgs{S: "x", N: 1}, "rpc: service/method request ill-formed: NoDot"},
			{"", EchoArgs{}, "rpc: service/method request ill-formed: "},
			{"Test.", AddArgs{A: 1}, "rpc: can't find method Test."},
			{".Echo", AddArgs{A: 1}, "rpc: can't find service .Echo"},
			// The last dot splits service from method.
			{"Test.Echo.More", EchoArgs{}, "rpc: can't find service Test.Echo.More"},
			// Names are case-sensitive.
			{"test.echo", EchoArgs{}, "rpc: can't find service test.echo"},
			{"Test.echo", EchoArgs{}, "rpc: can't find method Test.echo"},
		}
		for _, tc := range cases {
			var reply EchoReply
			err := call(t, c, tc.method, tc.args, &reply)
			if err == nil {
				t.Errorf("%q: no error, want %q", tc.method, tc.want)
			} else if err.Error() != tc.want {
				t.Errorf("%q: error %q, want %q", tc.method, err.Error(), tc.want)
			} else if !isServerError(err) {
				t.Errorf("%q: error %q is %T, want an rpc.ServerError", tc.method, err.Error(), err)
			}
			if reply != (EchoReply{}) {
				t.Errorf("%q: reply filled in on error: %+v", tc.method, reply)
			}
			mustEcho(t, c, tc.method)
		}
		// A method error with an empty text is no error for Go's net/rpc:
		// the Response's Error is "", so the client sees success (and the
		// reply body is the method's reply value, not struct{}{}).
		if err := call(t, c, "Test.Fail", FailArgs{}, new(Empty)); err != nil {
			t.Errorf("Fail with an empty message: %v, want no error (as Go's net/rpc)", err)
		}
		mustEcho(t, c, "Fail with an empty message")
	})
}

// TestServerWrongArgType: an argument that does not decode into the method's
// argument type fails the call with the decode error, and the connection
// keeps working. The error texts are Go's gob messages; other decoders word
// them differently, so for a non-Go server they are logged, not compared.
func TestServerWrongArgType(t *testing.T) {
	// gob matches fields by name: S is an int here and a string in EchoArgs.
	type BadEcho struct{ S int }
	// No field in common: Go's gob refuses it rather than decode a zero value.
	type Unrelated struct{ Other string }
	cases := []struct {
		name   string
		method string
		args   any
		goText string
	}{
		{"BadEcho", "Test.Echo", BadEcho{S: 5}, "gob: wrong type (string) for received field BadEcho.S"},
		{"string for struct", "Test.Add", "not a struct", "gob: type mismatch in decoder: want struct type rpcinterop.AddArgs; got non-struct"},
		{"int for struct", "Test.Sleep", 42, "gob: type mismatch in decoder: want struct type rpcinterop.SleepArgs; got non-struct"},
		{"no common field", "Test.Echo", Unrelated{Other: "x"}, "gob: type mismatch: no fields matched compiling decoder for EchoArgs"},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			c := dial(t, s.start(t))
			for _, tc := range cases {
				var reply EchoReply
				err := call(t, c, tc.method, tc.args, &reply)
				switch {
				case err == nil:
					t.Errorf("%s: %s accepted %s: reply %+v", tc.name, tc.method, describe(tc.args), reply)
				case !isServerError(err):
					t.Errorf("%s: error %q is %T, want an rpc.ServerError", tc.name, err.Error(), err)
				case s.name == "go" && err.Error() != tc.goText:
					t.Errorf("%s: Go's error %q, want %q", tc.name, err.Error(), tc.goText)
				case s.name != "go" && err.Error() != tc.goText:
					t.Logf("%s: %s server says %q; Go's net/rpc says %q", tc.name, s.name, err.Error(), tc.goText)
				}
				mustEcho(t, c, tc.name)
			}
		})
	}
}

// TestServerEmptyStructArg: an argument struct with no fields decodes as the
// zero argument (gob refuses a struct only when it has fields and none
// match), so Add of an empty struct is 0.
func TestServerEmptyStructArg(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		c := dial(t, sock)
		reply := AddReply{Sum: 99}
		if err := call(t, c, "Test.Add", Empty{}, &reply); err != nil {
			t.Fatalf("Add(struct{}{}): %v, want success as Go's net/rpc", err)
		}
		// gob leaves a zero field alone: Sum 0 is not sent.
		if reply.Sum != 99 {
			t.Errorf("Add(struct{}{}): reply %+v, want Sum 0 (not sent, so 99 stays)", reply)
		}
		mustEcho(t, c, "an empty struct argument")
	})
}

// TestServerConnectionCut: closing the client's connection while a call is
// running fails that call promptly, and the server goes on serving new
// connections.
func TestServerConnectionCut(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		conn := dialConn(t, sock)
		c := rpc.NewClient(conn)
		mustEcho(t, c, "connecting")
		sleep := c.Go("Test.Sleep", SleepArgs{Millis: 60_000}, new(Empty), make(chan *rpc.Call, 1))
		time.Sleep(150 * time.Millisecond) // let the call reach the server
		start := time.Now()
		conn.Close()
		select {
		case <-sleep.Done:
			if sleep.Error == nil {
				t.Fatalf("Sleep 60000 succeeded after its connection was closed")
			}
			t.Logf("Sleep after the cut: %v (%v)", sleep.Error, time.Since(start))
			if isServerError(sleep.Error) {
				t.Errorf("Sleep after the cut: server error %q, want a client-side error", sleep.Error)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Sleep 60000: still running 5s after its connection was closed")
		}
		if err := c.Call("Test.Echo", EchoArgs{}, new(EchoReply)); !errors.Is(err, rpc.ErrShutdown) {
			t.Errorf("a call on the cut client: %v, want rpc.ErrShutdown", err)
		}
		// The server survived: new connections work, a second cut too.
		c2 := dial(t, sock)
		mustEcho(t, c2, "the cut")
		var sum AddReply
		if err := call(t, c2, "Test.Add", AddArgs{A: 40, B: 2}, &sum); err != nil || sum.Sum != 42 {
			t.Fatalf("Add after the cut: %+v, %v", sum, err)
		}
		// Cut by client.Close this time: the call fails (with the read error).
		c3 := dial(t, sock)
		mustEcho(t, c3, "connecting again")
		sleep = c3.Go("Test.Sleep", SleepArgs{Millis: 60_000}, new(Empty), make(chan *rpc.Call, 1))
		time.Sleep(100 * time.Millisecond)
		c3.Close()
		select {
		case <-sleep.Done:
			if sleep.Error == nil || isServerError(sleep.Error) {
				t.Errorf("Sleep after client.Close: %v, want a client-side error", sleep.Error)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Sleep 60000: still running 5s after client.Close")
		}
		mustEcho(t, c2, "the second cut")
		mustEcho(t, dial(t, sock), "the second cut, on a new connection")
	})
}

// TestServerTwoClients: two connections at once are independent: a long call
// on one does not hold up the other, and both serve calls concurrently.
func TestServerTwoClients(t *testing.T) {
	forEachServer(t, func(t *testing.T, sock string) {
		a, b := dial(t, sock), dial(t, sock)
		start := time.Now()
		sleep := a.Go("Test.Sleep", SleepArgs{Millis: 700}, new(Empty), make(chan *rpc.Call, 1))
		for i := 0; i < 50; i++ {
			var reply EchoReply
			args := EchoArgs{S: "b", N: i}
			if err := call(t, b, "Test.Echo", args, &reply); err != nil || reply != EchoReply(args) {
				t.Fatalf("client b, Echo %d: %+v, %v", i, reply, err)
			}
		}
		if d := time.Since(start); d > 600*time.Millisecond {
			t.Errorf("50 Echo calls on client b took %v while client a slept 700ms: held up", d)
		}
		select {
		case <-sleep.Done:
			if sleep.Error != nil {
				t.Fatalf("client a, Sleep: %v", sleep.Error)
			}
		case <-time.After(callTimeout):
			t.Fatalf("client a, Sleep 700: no reply within %v", callTimeout)
		}
		var wg sync.WaitGroup
		for ci, c := range []*rpc.Client{a, b} {
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(ci, g int, c *rpc.Client) {
					defer wg.Done()
					for i := 0; i < 50; i++ {
						args := AddArgs{A: ci*1_000_000 + g*1000, B: i}
						var reply AddReply
						select {
						case done := <-c.Go("Test.Add", args, &reply, make(chan *rpc.Call, 1)).Done:
							if done.Error != nil || reply.Sum != args.A+args.B {
								t.Errorf("client %d goroutine %d: Add%+v = %+v, %v", ci, g, args, reply, done.Error)
								return
							}
						case <-time.After(callTimeout):
							t.Errorf("client %d goroutine %d: no reply", ci, g)
							return
						}
					}
				}(ci, g, c)
			}
		}
		wg.Wait()
	})
}
