package main

// udp and unixgram proxy connections: each datagram is one gob []byte, on
// the gob stream that carried the ProxyRequest (host to guest) and on a new
// one (guest to host).

import (
	"encoding/gob"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
)

const (
	// maxDatagram is the largest datagram read from a target.
	maxDatagram = 64 << 10
	// datagramIdle ends a datagram connection (proxy or host proxy) that
	// carried nothing either way for so long.
	datagramIdle = 60 * time.Second
)

// unixgramSockets numbers the guest's own unixgram sockets.
var unixgramSockets atomic.Uint64

// proxyDatagrams relays datagrams between the host's connection (decoded
// with dec, which read the ProxyRequest) and the target, until the host
// closes the connection or it has been idle for datagramIdle.
func proxyDatagrams(conn net.Conn, dec *gob.Decoder, req contract.ProxyRequest) error {
	target, err := dialDatagram(req.Network, req.Address)
	if err != nil {
		return err
	}
	defer target.Close()
	idle := time.AfterFunc(datagramIdle, func() { conn.Close() })
	defer idle.Stop()

	done := make(chan struct{})
	go func() { // target to host
		defer close(done)
		enc := gob.NewEncoder(conn)
		buf := make([]byte, maxDatagram)
		for {
			n, err := target.Read(buf)
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue // an earlier datagram was refused
			}
			if err != nil {
				return
			}
			idle.Reset(datagramIdle)
			if err := enc.Encode(buf[:n]); err != nil {
				conn.Close()
				return
			}
		}
	}()
	for { // host to target
		var d []byte
		if err := dec.Decode(&d); err != nil {
			break
		}
		idle.Reset(datagramIdle)
		// A datagram the target refuses is lost, as datagrams are.
		_, _ = target.Write(d)
	}
	target.Close()
	<-done
	return nil
}

// dialDatagram connects a datagram socket to address. A unixgram socket is
// bound to an abstract name of its own, so that the target can answer.
func dialDatagram(network, address string) (net.Conn, error) {
	if network == "udp" {
		return net.DialTimeout(network, address, dialTimeout)
	}
	local := &net.UnixAddr{
		Name: fmt.Sprintf("@goguest/%d/%d", os.Getpid(), unixgramSockets.Add(1)),
		Net:  "unixgram",
	}
	return net.DialUnix("unixgram", local, &net.UnixAddr{Name: address, Net: "unixgram"})
}
