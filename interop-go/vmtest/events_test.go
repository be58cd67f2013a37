package vmtest

// Host port 1 in a real VM: Info, the boot's logs, a call's log, and the
// guest dialing again after the host closed the event connection.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func init() {
	register("Events/info", phaseServe, testEventsInfo)
	register("Events/boot_logs", phaseServe, testEventsBootLogs)
	register("Events/call_log", phaseServe, testEventsCallLog)
	register("Events/redial", phaseServe, testEventsRedial)
}

// The first event is Info, with the address of boxpark.ip; every Log of the
// first connection follows it and has a log/slog level.
func testEventsInfo(t *testing.T, vm *VM) {
	events := vm.Events.Events()
	if len(events) == 0 || events[0].Info == nil {
		t.Fatalf("the first event is not Info: %v", events[:min(1, len(events))])
	}
	info := events[0].Info
	if info.Version == "" {
		t.Errorf("Info.Version is empty")
	}
	if info.IP != guestIP {
		t.Errorf("Info.IP %q, want %q (boxpark.ip=eth0:%s)", info.IP, guestIP, guestCIDR)
	}
	t.Logf("Info: version %q, IP %q", info.Version, info.IP)
	hosttest.CheckEventsAfterInfo(t, events[1:])
	for _, e := range events[1:] {
		if e.Log != nil && e.Log.Time.IsZero() {
			t.Errorf("Log without a time: %v", e)
		}
	}
}

// modulesOf reads the module list of the kernel command line (OUT/modules.txt).
func modulesOf(t *testing.T, vm *VM) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vm.Out, "modules.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), ",")
}

// The boot's steps, held until logging started, arrive after the first Info:
// each module of boxpark.modules loaded, and "boot finished" with no failed
// step.
func testEventsBootLogs(t *testing.T, vm *VM) {
	var boot []*contract.Log
	var finished *contract.Log
	for _, e := range vm.Events.Events() {
		if e.Log == nil || e.Conn != 1 {
			continue
		}
		switch {
		case strings.HasPrefix(e.Log.Message, "boot: "):
			boot = append(boot, e.Log)
			if finished != nil {
				t.Errorf("a boot step after \"boot finished\": %s", host.FormatLog(e.Log))
			}
		case strings.HasPrefix(e.Log.Message, "boot step failed"):
			t.Errorf("a boot step failed: %s", host.FormatLog(e.Log))
		case e.Log.Message == "boot finished":
			finished = e.Log
		}
	}
	t.Logf("%d boot: logs on the first event connection", len(boot))
	for _, l := range boot {
		if l.Attrs["step"] == "" {
			t.Errorf("boot log without a step attribute: %s", host.FormatLog(l))
		}
	}
	for _, name := range modulesOf(t, vm) {
		var found *contract.Log
		for _, l := range boot {
			if strings.HasPrefix(l.Message, "boot: loaded module "+name+" (") || l.Message == "boot: module "+name+" is built in or loaded" {
				found = l
				break
			}
		}
		if found == nil {
			t.Errorf("no boot log for module %s (want \"boot: loaded module %s (...)\")", name, name)
		} else if name == "vsock" {
			t.Logf("%s", host.FormatLog(found))
		}
	}
	if finished == nil {
		t.Fatalf("no \"boot finished\" log on the first event connection")
	}
	if finished.Level != hosttest.LevelInfo || finished.Attrs["failed_steps"] != "0" {
		t.Errorf("%s: want INFO with failed_steps=\"0\"", host.FormatLog(finished))
	}
}

// A call that fails is logged (warn, naming the method and what failed).
func testEventsCallLog(t *testing.T, vm *VM) {
	const missing = "boxpark-vmtest-no-such-program"
	mark := vm.Events.Mark()
	_, err := vm.Client.Run(vm.ctx(t, callTimeout), contract.RunRequest{Command: missing})
	serverError(t, "Run of a missing program", err)
	l := waitLog(t, vm, mark, hosttest.LevelWarn, missing, host.MethodRun)
	t.Logf("logged: %s", host.FormatLog(l))
}

// The host closes the event connection: the guest dials again and sends Info
// first, then the records it logged while it was away, then what comes after.
// To be sure that the guest is away while it logs, the event socket's file is
// renamed meanwhile, so that vhost-device-vsock cannot connect the guest's
// redials (the guest gets a reset and backs off); the listener itself stays.
// (The guest's own event-stream records, such as "event stream: the host
// closed it", never go on the stream: they are only on the console.)
func testEventsRedial(t *testing.T, vm *VM) {
	path := host.EventPath(vm.UDS)
	away := path + ".away"
	if err := os.Rename(path, away); err != nil {
		t.Fatal(err)
	}
	moved := true
	restore := func() {
		if moved {
			if err := os.Rename(away, path); err != nil {
				t.Fatalf("restoring the event socket %s: %v", path, err)
			}
			moved = false
		}
	}
	t.Cleanup(restore)
	before := vm.Events.Connections()
	mark := vm.Events.Mark()
	start := time.Now()
	vm.Events.DropConnections()
	// Give the guest time to notice the close before it logs (a record
	// written to the closed connection would be lost, as the contract
	// allows).
	time.Sleep(300 * time.Millisecond)
	var held []string
	for i := 0; i < 3; i++ {
		missing := fmt.Sprintf("/tmp/vmtest-events-while-away-%d", i)
		hosttest.ExpectEOF(t, openProxy(t, vm, contract.ProxyRequest{Network: "file", Address: missing}), callTimeout)
		held = append(held, missing)
	}
	time.Sleep(300 * time.Millisecond) // a redial or two fail meanwhile
	if n := vm.Events.Connections(); n != before {
		t.Fatalf("a new event connection (%d, was %d) while the socket was away", n, before)
	}
	restore()
	info, err := vm.Events.Wait(vm.ctx(t, logTimeout), mark, func(e host.Event) bool { return e.Info != nil && e.Conn > before })
	if err != nil {
		t.Fatalf("no Info on a new event connection after the host closed the old one: %v", err)
	}
	t.Logf("connection %d: Info %v after the close", info.Conn, info.Received.Sub(start).Round(time.Millisecond))
	if info.Info.IP != guestIP || info.Info.Version == "" {
		t.Errorf("Info on the new connection: %+v, want IP %s and a version", *info.Info, guestIP)
	}
	// The held records, in order, on the new connection.
	from := mark
	for _, missing := range held {
		e, err := vm.Events.Wait(vm.ctx(t, logTimeout), mark, func(e host.Event) bool { return e.Log != nil && host.Mentions(e.Log, missing) })
		if err != nil {
			t.Fatalf("the failure logged while the event stream was down (%s) never arrived: %v; events since the close:\n%s", missing, err, eventsSince(vm, mark, 40))
		}
		if e.Conn != info.Conn {
			t.Errorf("the record of %s came on connection %d, want %d (held until the redial)", missing, e.Conn, info.Conn)
		}
		pos := indexOf(vm, mark, e)
		if pos < from {
			t.Errorf("the record of %s came out of order", missing)
		}
		from = pos
	}
	// The new connection starts with its Info.
	for _, e := range vm.Events.Events()[mark:] {
		if e.Conn == info.Conn {
			if e.Info == nil {
				t.Errorf("connection %d began with %v, not Info", e.Conn, e)
			}
			break
		}
	}
	// New records go to the new connection.
	mark = vm.Events.Mark()
	after := "/tmp/vmtest-events-after-redial"
	hosttest.ExpectEOF(t, openProxy(t, vm, contract.ProxyRequest{Network: "file", Address: after}), callTimeout)
	e, err := vm.Events.Wait(vm.ctx(t, logTimeout), mark, func(e host.Event) bool { return e.Log != nil && host.Mentions(e.Log, after) })
	if err != nil {
		t.Fatalf("no log after the redial: %v", err)
	}
	if e.Conn != info.Conn {
		t.Errorf("the log after the redial came on connection %d, want %d", e.Conn, info.Conn)
	}
	stillServes(t, vm)
}

// indexOf is the position of event e (the same Log) at mark or later.
func indexOf(vm *VM, mark int, e host.Event) int {
	for i, x := range vm.Events.Events()[mark:] {
		if x.Log == e.Log && x.Conn == e.Conn {
			return mark + i
		}
	}
	return -1
}

// eventsSince formats at most n events from position mark, one a line.
func eventsSince(vm *VM, mark, n int) string {
	var b strings.Builder
	events := vm.Events.Events()
	if mark > len(events) {
		mark = len(events)
	}
	for i, e := range events[mark:] {
		if i == n {
			fmt.Fprintf(&b, "... (%d more)\n", len(events)-mark-n)
			break
		}
		fmt.Fprintln(&b, e.String())
	}
	return b.String()
}
