package main

// The event stream to host port 1: Info, then the guest's log/slog records
// as Log values. Records wait in a bounded queue while the host cannot be
// reached; the connection is dialed again, with backoff, when it breaks.

import (
	"context"
	"encoding/gob"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"boxpark.dev/interop-go/contract"
)

const (
	// eventQueueSize is how many records wait for the host; beyond it the
	// oldest are dropped, and counted.
	eventQueueSize = 1024
	// The backoff between dials of host port 1.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// eventQueue holds the records that have not been sent yet.
type eventQueue struct {
	mu      sync.Mutex
	logs    []contract.Log
	limit   int
	dropped int
	wake    chan struct{} // signalled on every push
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{limit: limit, wake: make(chan struct{}, 1)}
}

func (q *eventQueue) push(l contract.Log) {
	q.mu.Lock()
	if len(q.logs) >= q.limit {
		q.logs = q.logs[1:]
		q.dropped++
	}
	q.logs = append(q.logs, l)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest record.
func (q *eventQueue) pop() (contract.Log, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.logs) == 0 {
		return contract.Log{}, false
	}
	l := q.logs[0]
	q.logs = q.logs[1:]
	return l, true
}

// unpop puts back a record whose write failed, to go out first on the next
// connection (unless the queue filled up meanwhile).
func (q *eventQueue) unpop(l contract.Log) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.logs) >= q.limit {
		q.dropped++
		return
	}
	q.logs = append([]contract.Log{l}, q.logs...)
}

// takeDropped returns the count of dropped records and resets it.
func (q *eventQueue) takeDropped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.dropped
	q.dropped = 0
	return n
}

func (q *eventQueue) addDropped(n int) {
	q.mu.Lock()
	q.dropped += n
	q.mu.Unlock()
}

// eventHandler is the log/slog handler that queues records for the host.
type eventHandler struct {
	queue  *eventQueue
	level  slog.Leveler
	prefix string            // of the open groups: "a.b."
	attrs  map[string]string // from WithAttrs
}

func (h *eventHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *eventHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := make(map[string]string, len(h.attrs)+r.NumAttrs())
	for k, v := range h.attrs {
		attrs[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(attrs, h.prefix, a)
		return true
	})
	if len(attrs) == 0 {
		attrs = nil
	}
	h.queue.push(contract.Log{Time: r.Time, Level: int(r.Level), Message: r.Message, Attrs: attrs})
	return nil
}

func (h *eventHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = make(map[string]string, len(h.attrs)+len(as))
	for k, v := range h.attrs {
		c.attrs[k] = v
	}
	for _, a := range as {
		addAttr(c.attrs, h.prefix, a)
	}
	return &c
}

func (h *eventHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.prefix += name + "."
	return &c
}

// addAttr flattens a into m as text, groups as dotted keys.
func addAttr(m map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range v.Group() {
			addAttr(m, prefix, ga)
		}
		return
	}
	if a.Key != "" {
		m[prefix+a.Key] = v.String()
	}
}

// teeHandler hands every record to each of its handlers.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}

// eventSender keeps a connection to host port 1 and sends the queue on it.
type eventSender struct {
	tr      *hybridTransport
	queue   *eventQueue
	console *slog.Logger // the sender's own records: never on the stream

	closing chan struct{} // flush: send what is queued, then stop
	ctx     context.Context
	cancel  context.CancelFunc // flush timed out: stop now
	done    chan struct{}      // run returned
}

func newEventSender(tr *hybridTransport, queue *eventQueue, console *slog.Logger) *eventSender {
	ctx, cancel := context.WithCancel(context.Background())
	return &eventSender{tr: tr, queue: queue, console: console,
		closing: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// run dials host port 1 and sends until flush says to stop.
func (s *eventSender) run() {
	defer close(s.done)
	backoff := minBackoff
	for {
		conn, err := s.tr.DialHost(eventPort)
		if err == nil {
			var sentInfo bool
			sentInfo, err = s.send(conn)
			if sentInfo {
				backoff = minBackoff
			}
		}
		if s.stopping() {
			return
		}
		s.console.Debug("event stream: no connection to host port 1, dialing again", "error", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-s.closing:
			return // nobody to flush to
		case <-s.ctx.Done():
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *eventSender) stopping() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// send writes Info, the count of records dropped meanwhile, and then the
// queue as it fills, until the connection breaks (the host closing it
// included) or, when flushing, the queue is empty.
func (s *eventSender) send(conn net.Conn) (sentInfo bool, err error) {
	defer conn.Close()
	stop := context.AfterFunc(s.ctx, func() { conn.Close() })
	defer stop()
	closed := make(chan struct{})
	go func() {
		// The host sends nothing; a read that ends means it hung up.
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	enc := gob.NewEncoder(conn)
	if err := enc.Encode(contract.Info{Version: version, IP: firstIPv4()}); err != nil {
		return false, err
	}
	if n := s.queue.takeDropped(); n > 0 {
		if err := enc.Encode(droppedLog(n)); err != nil {
			s.queue.addDropped(n)
			return true, err
		}
	}
	for {
		l, ok := s.queue.pop()
		if !ok {
			select {
			case <-s.queue.wake:
				continue
			case <-closed:
				return true, errors.New("closed by the host")
			case <-s.closing:
				return true, nil
			}
		}
		if err := enc.Encode(l); err != nil {
			s.queue.unpop(l)
			return true, err
		}
	}
}

// droppedLog is the record that counts the records dropped while the host
// could not be reached.
func droppedLog(n int) contract.Log {
	return contract.Log{
		Time:    time.Now(),
		Level:   int(slog.LevelWarn),
		Message: "dropped " + strconv.Itoa(n) + " log records while the host was unreachable",
		Attrs:   map[string]string{"dropped": strconv.Itoa(n)},
	}
}

// flush sends what is queued, for at most timeout, and stops the sender.
func (s *eventSender) flush(timeout time.Duration) {
	close(s.closing)
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.cancel()
		<-s.done
	}
}

// firstIPv4 is the first IPv4 address that is neither loopback nor
// unspecified, "" if none.
func firstIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip := n.IP.To4(); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
				return ip.String()
			}
		}
	}
	return ""
}
