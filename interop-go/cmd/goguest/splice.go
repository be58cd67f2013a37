package main

// Copying a stream connection both ways, half-closes passed on.

import (
	"io"
	"net"
)

// splice copies bytes between a and b in both directions until both have
// ended, then closes both. When one side finishes sending (EOF), the other
// side's writing half is shut down and the reverse direction goes on; an
// error in either direction ends both.
func splice(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		pass(b, a)
		close(done)
	}()
	pass(a, b)
	<-done
	a.Close()
	b.Close()
}

// pass copies src to dst, then passes src's EOF on as a half-close of dst.
func pass(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil {
		// A reset or a write to a closed peer: nothing more can pass
		// either way.
		dst.Close()
		src.Close()
		return
	}
	if closeWrite(dst) != nil {
		dst.Close()
	}
}

// closeWrite shuts down conn's writing side (a TCP or Unix connection), or
// closes conn when it has none.
func closeWrite(conn net.Conn) error {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return conn.Close()
}
