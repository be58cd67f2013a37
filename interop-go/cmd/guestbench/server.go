package main

// connServer: the loopback servers of the driver (the echo server of the
// rss group, the sinks of the throughput groups).

import (
	"net"
	"sync"
)

// connServer accepts connections on a listener and handles each in a
// goroutine of its own; close ends them all.
type connServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// serveConns listens on network/address and runs handle for every
// connection, closing the connection when handle returns.
func serveConns(network, address string, handle func(net.Conn)) (*connServer, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	s := &connServer{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				handle(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
		}
	}()
	return s, nil
}

func (s *connServer) addr() string { return s.ln.Addr().String() }

// close stops listening, closes the connections still open and waits for
// the goroutines.
func (s *connServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
