package e2e

// Host port 1: the event stream.

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func TestEventStream(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	ctx := g.within(10 * time.Second)
	first, err := g.Events.Wait(ctx, 0, func(host.Event) bool { return true })
	if err != nil {
		t.Fatalf("no event at all: %v", err)
	}
	if first.Info == nil {
		t.Fatalf("first event %v, want Info", first)
	}
	if first.Info.Version == "" {
		t.Errorf("Info.Version is empty")
	}
	// The guest runs on this machine: its IP is one of this machine's
	// non-loopback IPv4 addresses, and "" only when there is none.
	mine := localIPv4s()
	if ip := first.Info.IP; ip == "" {
		if len(mine) > 0 {
			t.Errorf("Info.IP is empty, but this machine has %v", mine)
		}
	} else if !contains(mine, ip) {
		t.Errorf("Info.IP %q is not one of this machine's non-loopback IPv4 addresses %v", ip, mine)
	}
	t.Logf("Info: version %q, IP %q", first.Info.Version, first.Info.IP)
	// Then Log values: at least the ones about starting and the RPC
	// connection.
	l, err := g.Events.Wait(ctx, 1, func(e host.Event) bool { return e.Log != nil })
	if err != nil {
		t.Fatalf("no Log after Info: %v", err)
	}
	if age := time.Since(l.Log.Time); l.Log.Time.IsZero() || age < -time.Minute || age > time.Minute {
		t.Errorf("Log.Time %v is not about now", l.Log.Time)
	}
	// first is the first event: every later one is well-formed.
	hosttest.CheckEventsAfterInfo(t, g.Events.Events()[1:])
}

// A call that fails is logged at warn level or above, naming what failed.
func TestEventBadRequestLogged(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	mark := g.Events.Mark()
	bad := filepath.Join(g.dir, "missing", "file")
	err := g.Client.Write(g.ctx, contract.WriteRequest{Path: bad, Data: []byte("x")})
	serverError(t, "Write into a missing directory", err)
	l := g.waitLogAny(mark, hosttest.LevelWarn, bad, "Guest.Write")
	t.Logf("logged: %s", host.FormatLog(l))
	g.alive()
}

// The guest dials the event stream again after a break, sends Info again,
// then the records it held meanwhile.
func TestEventReconnect(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	if _, err := g.Events.Wait(g.within(10*time.Second), 0, func(e host.Event) bool { return e.Info != nil }); err != nil {
		t.Fatal(err)
	}
	g.Events.DropConnections()
	// Something to log while disconnected: a proxy request for a missing
	// file (the contract says it is logged).
	bad := filepath.Join(g.dir, "while-disconnected")
	hosttest.ExpectEOF(t, g.proxy(contract.ProxyRequest{Network: "file", Address: bad}), 10*time.Second)
	info, err := g.Events.Wait(g.within(15*time.Second), 0, func(e host.Event) bool { return e.Info != nil && e.Conn >= 2 })
	if err != nil {
		t.Fatalf("no Info on a second event connection after the first was closed: %v", err)
	}
	if info.Info.Version == "" {
		t.Errorf("Info on reconnect: empty Version")
	}
	// The held record arrives on the new connection (it may also have made
	// it out on the old one before the close was noticed).
	e, err := g.Events.Wait(g.within(10*time.Second), 0, func(e host.Event) bool {
		return e.Log != nil && host.Mentions(e.Log, bad)
	})
	if err != nil {
		t.Fatalf("the failure logged while the event stream was down never arrived: %v", err)
	}
	t.Logf("held record on connection %d: %s", e.Conn, host.FormatLog(e.Log))
	// And new records go to the new connection.
	mark := g.Events.Mark()
	bad2 := filepath.Join(g.dir, "after-reconnect")
	hosttest.ExpectEOF(t, g.proxy(contract.ProxyRequest{Network: "file", Address: bad2}), 10*time.Second)
	e, err = g.Events.Wait(g.within(10*time.Second), mark, func(e host.Event) bool {
		return e.Log != nil && host.Mentions(e.Log, bad2)
	})
	if err != nil {
		t.Fatalf("no log after the reconnect: %v", err)
	}
	if e.Conn < 2 {
		t.Errorf("log after the reconnect came on connection %d", e.Conn)
	}
}

// localIPv4s lists this machine's non-loopback IPv4 addresses.
func localIPv4s() []string {
	var ips []string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			ips = append(ips, n.IP.String())
		}
	}
	return ips
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
