package rpcinterop

// The Rust rpc_test_client against Go's net/rpc server (Serve).

import (
	"context"
	"errors"
	"net/rpc"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRustClient runs each scenario of the Rust rpc_test_client example
// against a fresh Go net/rpc server: it must print "OK <scenario>" and exit
// 0, and the server must have seen the calls that the scenario is about.
func TestRustClient(t *testing.T) {
	for _, scenario := range []string{"sequential", "concurrent", "errors", "cut"} {
		t.Run(scenario, func(t *testing.T) {
			bin := exampleBinary(t, "rpc_test_client")
			opts := ServerOptions{}
			switch scenario {
			case "cut":
				opts.CutAfter = 200 * time.Millisecond
			case "concurrent":
				// Calls that take a while overlap in the server only if
				// the client really has several outstanding at once.
				opts.CallDelay = 20 * time.Millisecond
			}
			sock, srv := startGoServer(t, opts)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, sock, scenario)
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.WaitDelay = 5 * time.Second
			start := time.Now()
			err := cmd.Run() // CommandContext kills the process it started, by PID, on timeout
			elapsed := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("rpc_test_client %s: still running after 2 minutes: killed\nstdout:\n%s\nstderr:\n%s", scenario, stdout.String(), stderr.String())
			}
			if err != nil {
				t.Fatalf("rpc_test_client %s: %v\nstdout:\n%s\nstderr:\n%s", scenario, err, stdout.String(), stderr.String())
			}
			lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
			if lines[len(lines)-1] != "OK "+scenario {
				t.Fatalf("rpc_test_client %s: exit 0 but stdout does not end with \"OK %s\":\n%s", scenario, scenario, stdout.String())
			}

			st := srv.Stats()
			t.Logf("%s: %v; server saw Echo %d, Add %d, Sleep %d %v, Fail %d, at most %d at once, %d cuts",
				scenario, elapsed.Round(time.Millisecond), st.Calls("Echo"), st.Calls("Add"), st.Calls("Sleep"),
				st.Sleeps(), st.Calls("Fail"), st.MaxInFlight(), srv.Cuts())
			total := st.Calls("Echo") + st.Calls("Add") + st.Calls("Sleep") + st.Calls("Fail")
			switch scenario {
			case "sequential":
				if total < 2 {
					t.Errorf("sequential: the server saw %d calls", total)
				}
			case "concurrent":
				if st.MaxInFlight() < 2 {
					t.Errorf("concurrent: the server never ran two calls at once (Echo %d, Add %d, Sleep %d, each taking %v): the client does not overlap calls", st.Calls("Echo"), st.Calls("Add"), st.Calls("Sleep"), opts.CallDelay)
				}
			case "errors":
				if st.Calls("Fail") == 0 {
					t.Errorf("errors: the server saw no Fail call")
				}
			case "cut":
				if srv.Cuts() == 0 {
					t.Errorf("cut: no Sleep of a minute reached the server, so it cut no connection (Sleeps %v)", st.Sleeps())
				}
			}
		})
	}
}

// TestCutServer checks the server that the Rust client's "cut" scenario
// runs against, with Go's client: ~200ms after a Sleep of a minute arrives,
// the server closes the connection and the call fails; other connections go
// on.
func TestCutServer(t *testing.T) {
	sock, srv := startGoServer(t, ServerOptions{CutAfter: 200 * time.Millisecond})
	other := dial(t, sock)
	c := dial(t, sock)
	mustEcho(t, c, "connecting")
	// A short Sleep does not cut.
	if err := call(t, c, "Test.Sleep", SleepArgs{Millis: 300}, new(Empty)); err != nil {
		t.Fatalf("Sleep 300: %v", err)
	}
	start := time.Now()
	err := call(t, c, "Test.Sleep", SleepArgs{Millis: 60_000}, new(Empty))
	elapsed := time.Since(start)
	if err == nil || isServerError(err) {
		t.Fatalf("Sleep 60000 on a cut connection: %v, want a connection error", err)
	}
	if elapsed < 150*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("Sleep 60000 failed after %v, want about 200ms", elapsed)
	}
	if err := c.Call("Test.Echo", EchoArgs{}, new(EchoReply)); !errors.Is(err, rpc.ErrShutdown) {
		t.Errorf("call after the cut: %v, want rpc.ErrShutdown", err)
	}
	if srv.Cuts() != 1 {
		t.Errorf("Cuts = %d, want 1", srv.Cuts())
	}
	mustEcho(t, other, "another connection's cut")
	t.Logf("cut after %v: %v", elapsed, err)
}
