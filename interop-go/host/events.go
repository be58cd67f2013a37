package host

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"boxpark.dev/interop-go/contract"
)

// Event is one value received on the event stream, or the error that ended
// an event connection.
type Event struct {
	Conn     int            // which event connection: 1 for the first, then 2, ... after reconnects
	Info     *contract.Info // set for the first value of each connection
	Log      *contract.Log  // set for every later value
	Err      error          // set when a connection ended with a decode or read error (not a clean EOF)
	Received time.Time      // when the host decoded it
}

// String formats the event on one line.
func (e Event) String() string {
	switch {
	case e.Info != nil:
		return fmt.Sprintf("[conn %d] Info version=%q ip=%q", e.Conn, e.Info.Version, e.Info.IP)
	case e.Log != nil:
		return fmt.Sprintf("[conn %d] %s", e.Conn, FormatLog(e.Log))
	default:
		return fmt.Sprintf("[conn %d] error: %v", e.Conn, e.Err)
	}
}

// FormatLog formats a Log as "LEVEL message key=value ..." (keys sorted).
func FormatLog(l *contract.Log) string {
	var b strings.Builder
	b.WriteString(LevelName(l.Level))
	b.WriteByte(' ')
	b.WriteString(l.Message)
	keys := make([]string, 0, len(l.Attrs))
	for k := range l.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, l.Attrs[k])
	}
	return b.String()
}

// LevelName names a log/slog level: DEBUG, INFO, WARN, ERROR (or e.g. INFO+2).
func LevelName(level int) string {
	names := []struct {
		level int
		name  string
	}{{8, "ERROR"}, {4, "WARN"}, {0, "INFO"}, {-4, "DEBUG"}}
	for _, n := range names {
		if level >= n.level {
			if level == n.level {
				return n.name
			}
			return fmt.Sprintf("%s+%d", n.name, level-n.level)
		}
	}
	return fmt.Sprintf("DEBUG%d", level+4)
}

// Mentions reports whether the log's message or any attribute key or value
// contains s.
func Mentions(l *contract.Log, s string) bool {
	if strings.Contains(l.Message, s) {
		return true
	}
	for k, v := range l.Attrs {
		if strings.Contains(k, s) || strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// EventServer listens on host port 1 ("<UDS>_1") and decodes the guest's
// event connections: Info first, then Log values. It accepts any number of
// connections one after the other (the guest reconnects after a break) and
// keeps every event in arrival order. It is meant for development, tests and
// short sessions: the history is never trimmed.
type EventServer struct {
	path string
	ln   net.Listener

	mu      sync.Mutex
	cond    *sync.Cond
	events  []Event
	conns   map[net.Conn]struct{}
	nconns  int
	closed  bool
	changed chan struct{} // closed and replaced on every append

	c    chan Event
	done chan struct{}
	wg   sync.WaitGroup
}

// ListenEvents listens on EventPath(uds) (removing a stale socket file) and
// starts accepting event connections.
func ListenEvents(uds string) (*EventServer, error) {
	path := EventPath(uds)
	ln, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	s := &EventServer{
		path:    path,
		ln:      ln,
		conns:   map[net.Conn]struct{}{},
		changed: make(chan struct{}),
		c:       make(chan Event),
		done:    make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	s.wg.Add(2)
	go s.acceptLoop()
	go s.pump()
	return s, nil
}

// listenUnix listens on a Unix stream socket at path, replacing a stale
// socket file (never any other kind of file).
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
	return net.Listen("unix", path)
}

// Path is the socket path.
func (s *EventServer) Path() string { return s.path }

func (s *EventServer) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.nconns++
		n := s.nconns
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(conn, n)
	}
}

func (s *EventServer) serve(conn net.Conn, n int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	dec := gob.NewDecoder(conn)
	var info contract.Info
	if err := dec.Decode(&info); err != nil {
		if !errors.Is(err, io.EOF) && !s.isClosed() && !errors.Is(err, net.ErrClosed) {
			s.add(Event{Conn: n, Err: fmt.Errorf("decoding Info: %w", err)})
		}
		return
	}
	s.add(Event{Conn: n, Info: &info})
	for {
		var l contract.Log
		if err := dec.Decode(&l); err != nil {
			if !errors.Is(err, io.EOF) && !s.isClosed() && !errors.Is(err, net.ErrClosed) {
				s.add(Event{Conn: n, Err: fmt.Errorf("decoding Log: %w", err)})
			}
			return
		}
		s.add(Event{Conn: n, Log: &l})
	}
}

func (s *EventServer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *EventServer) add(e Event) {
	e.Received = time.Now()
	s.mu.Lock()
	s.events = append(s.events, e)
	close(s.changed)
	s.changed = make(chan struct{})
	s.cond.Broadcast()
	s.mu.Unlock()
}

// pump feeds C from the history, in order, without ever blocking the decoders.
func (s *EventServer) pump() {
	defer s.wg.Done()
	defer close(s.c)
	next := 0
	for {
		s.mu.Lock()
		for next >= len(s.events) && !s.closed {
			s.cond.Wait()
		}
		if next >= len(s.events) {
			s.mu.Unlock()
			return
		}
		e := s.events[next]
		s.mu.Unlock()
		select {
		case s.c <- e:
			next++
		case <-s.done:
			return
		}
	}
}

// C delivers every event in arrival order (from the first one, however late
// the reader starts); it is closed by [EventServer.Close].
func (s *EventServer) C() <-chan Event { return s.c }

// Events is a copy of every event received so far.
func (s *EventServer) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Mark is the number of events received so far: a position for
// [EventServer.Wait] to search from.
func (s *EventServer) Mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// Wait returns the first event at position from or later that match accepts,
// waiting for more events until ctx ends.
func (s *EventServer) Wait(ctx context.Context, from int, match func(Event) bool) (Event, error) {
	for {
		s.mu.Lock()
		for i := from; i < len(s.events); i++ {
			if match(s.events[i]) {
				e := s.events[i]
				s.mu.Unlock()
				return e, nil
			}
		}
		from = len(s.events)
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("waiting for an event: %w", ctx.Err())
		}
	}
}

// WaitLog waits for a Log at position from or later with at least level
// minLevel that mentions every string in mentions (see [Mentions]).
func (s *EventServer) WaitLog(ctx context.Context, from int, minLevel int, mentions ...string) (*contract.Log, error) {
	e, err := s.Wait(ctx, from, func(e Event) bool {
		if e.Log == nil || e.Log.Level < minLevel {
			return false
		}
		for _, m := range mentions {
			if !Mentions(e.Log, m) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("no %s log mentioning %q: %w", LevelName(minLevel), mentions, err)
	}
	return e.Log, nil
}

// Errors is every connection error recorded so far.
func (s *EventServer) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, e := range s.events {
		if e.Err != nil {
			errs = append(errs, e.Err)
		}
	}
	return errs
}

// Connections is the number of event connections accepted so far.
func (s *EventServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconns
}

// DropConnections closes the open event connections (the guest is expected
// to dial again); the listener stays open.
func (s *EventServer) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops listening, closes the open connections, removes the socket
// file and closes C.
func (s *EventServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	close(s.done)
	err := s.ln.Close()
	s.wg.Wait()
	return err
}
