package main

import (
	"log/slog"
	"net"
	"strconv"
	"testing"

	"boxpark.dev/interop-go/contract"
)

func TestEventQueueDropsOldest(t *testing.T) {
	q := newEventQueue(3)
	for i := 0; i < 5; i++ {
		q.push(contract.Log{Message: strconv.Itoa(i)})
	}
	if n := q.takeDropped(); n != 2 {
		t.Errorf("dropped %d, want 2", n)
	}
	if n := q.takeDropped(); n != 0 {
		t.Errorf("dropped count not reset: %d", n)
	}
	l, _ := q.pop()
	if l.Message != "2" {
		t.Fatalf("oldest kept record %q, want \"2\"", l.Message)
	}
	// A record whose write failed goes out first next time.
	q.unpop(l)
	var got []string
	for {
		l, ok := q.pop()
		if !ok {
			break
		}
		got = append(got, l.Message)
	}
	if len(got) != 3 || got[0] != "2" || got[2] != "4" {
		t.Errorf("records %q, want [2 3 4]", got)
	}
}

func TestEventHandlerAttrs(t *testing.T) {
	q := newEventQueue(10)
	logger := slog.New(&eventHandler{queue: q, level: slog.LevelInfo})
	logger.Debug("not enabled")
	logger.With("conn", 7).WithGroup("req").Warn("failed", "path", "/x", slog.Group("g", "n", 1))
	logger.Info("no attrs")
	l, ok := q.pop()
	if !ok || l.Message != "failed" || l.Level != int(slog.LevelWarn) {
		t.Fatalf("first record %+v, want the warning (debug is below the level)", l)
	}
	want := map[string]string{"conn": "7", "req.path": "/x", "req.g.n": "1"}
	for k, v := range want {
		if l.Attrs[k] != v {
			t.Errorf("Attrs[%q] = %q, want %q (all: %v)", k, l.Attrs[k], v, l.Attrs)
		}
	}
	if len(l.Attrs) != len(want) {
		t.Errorf("Attrs %v, want %v", l.Attrs, want)
	}
	if l, _ := q.pop(); l.Attrs != nil {
		t.Errorf("a record without attributes has Attrs %v, want nil", l.Attrs)
	}
}

func TestAddrString(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{nil, ""},
		{&net.UnixAddr{Name: "@", Net: "unix"}, ""}, // net's text for an unnamed peer
		{&net.UnixAddr{Name: "/run/x.sock", Net: "unix"}, "/run/x.sock"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "127.0.0.1:80"},
	} {
		if got := addrString(tc.addr); got != tc.want {
			t.Errorf("addrString(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
