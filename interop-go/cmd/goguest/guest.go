package main

// Guest port 1 (the RPC connection, then proxy connections) and stopping.

import (
	"context"
	"io"
	"log/slog"
	"net/rpc"
	"sync"
	"time"
)

// guest is the state that the RPC service, the proxies and the host proxy
// share.
type guest struct {
	tr  *hybridTransport
	rpc *rpc.Server

	// ctx ends when the guest stops; the programs started from it are
	// then told to stop.
	ctx      context.Context
	cancel   context.CancelFunc
	children children

	mu      sync.Mutex
	rpcOpen bool        // an RPC connection is being served
	sockets []io.Closer // opened by Guest.Listen

	shutdown     chan struct{} // closed once Guest.Shutdown is answered
	shutdownOnce sync.Once
}

func newGuest(tr *hybridTransport) *guest {
	ctx, cancel := context.WithCancel(context.Background())
	g := &guest{
		tr:       tr,
		rpc:      rpc.NewServer(),
		ctx:      ctx,
		cancel:   cancel,
		children: children{groups: map[int]struct{}{}},
		shutdown: make(chan struct{}),
	}
	if err := g.rpc.RegisterName("Guest", &Guest{g: g}); err != nil {
		panic(err) // the method set is fixed: a programming error
	}
	return g
}

// serve accepts connections to guest port 1 until the transport closes:
// while no RPC connection is open the next one is the RPC connection, every
// other one a proxy connection.
func (g *guest) serve() {
	for {
		conn, err := g.tr.Accept()
		if err != nil {
			return
		}
		if g.takeRPC() {
			go g.serveRPC(conn)
		} else {
			go g.serveProxy(conn)
		}
	}
}

func (g *guest) takeRPC() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.rpcOpen {
		return false
	}
	g.rpcOpen = true
	return true
}

func (g *guest) releaseRPC() {
	g.mu.Lock()
	g.rpcOpen = false
	g.mu.Unlock()
}

// addSocket keeps a Listen socket, to close it when the guest stops.
func (g *guest) addSocket(c io.Closer) {
	g.mu.Lock()
	g.sockets = append(g.sockets, c)
	g.mu.Unlock()
}

// requestShutdown is called once the reply to Guest.Shutdown has been
// written (or could not be).
func (g *guest) requestShutdown() {
	g.shutdownOnce.Do(func() { close(g.shutdown) })
}

// shutdownRequested is closed once Guest.Shutdown has been answered.
func (g *guest) shutdownRequested() <-chan struct{} { return g.shutdown }

// stop stops serving: no new connections, the Listen sockets closed, the
// programs the guest started told to stop and, after grace, killed.
func (g *guest) stop(grace time.Duration) {
	g.tr.Close()
	g.mu.Lock()
	for _, s := range g.sockets {
		s.Close()
	}
	g.mu.Unlock()
	g.cancel()
	if left := g.children.stop(grace); left > 0 {
		slog.Warn("killed programs that did not stop in time", "process_groups", left, "grace", grace)
	}
}
