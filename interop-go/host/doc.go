// Package host is a Boxpark host library, on the Go standard library only. It
// speaks the wire contract (shared/CONTRACT.md, docs/PROTOCOL.md) to a Boxpark
// guest over the "hybrid vsock" Unix-socket transport that Firecracker and
// vhost-device-vsock use, which is also how the guest runs in development and
// tests (`boxpark-guest --transport hybrid:<UDS>`).
//
// # Guest port 1: RPC and proxy connections
//
// [DialHybrid] opens a connection to a guest port: it dials the Unix socket
// <UDS>, writes "CONNECT <port>\n" and reads the "OK <n>\n" answer byte by
// byte, never past its newline. Only port 1 ([GuestPort]) exists.
//
// While the guest has no RPC connection open, the next connection it accepts
// is the RPC connection; every later one is a proxy connection. So open the
// RPC connection first ([Dial], or [NewClient] over a conn from [DialHybrid])
// and keep it open while using proxies. When the RPC connection closes, the
// guest makes the next new connection the RPC connection again; it notices
// the close asynchronously, so a host that reconnects at once may have to
// retry ([DialRetry] does).
//
// [Client] wraps net/rpc with typed, context-bounded methods for the
// "Guest" service: [Client.Mount], [Client.Run], [Client.Write],
// [Client.Mkdir], [Client.Listen], [Client.Shutdown]. A method that fails in
// the guest returns a [net/rpc.ServerError] holding the guest's error text; a
// broken connection returns the net/rpc error ([net/rpc.ErrShutdown],
// io.ErrUnexpectedEOF); a context that ends first returns its error (the call
// itself cannot be cancelled in the guest).
//
// [Proxy] opens a proxy connection: it dials guest port 1, writes one gob
// ProxyRequest with a fresh gob.Encoder, and returns the connection:
//
//   - "tcp", "unix": use the conn as a byte stream; [CloseWrite] half-closes it.
//   - "udp", "unixgram": [ProxyDatagrams] (or [NewDatagrams] over the conn)
//     sends and receives each datagram as one gob []byte value.
//   - "file": read the conn to EOF: the file's bytes.
//   - "launch": [ReadLaunch] (or [Launch]) reads the LaunchOutput batches:
//     [LaunchReader.Next] returns io.EOF after the message with Exited set,
//     [LaunchReader.Collect] reads them all, and with Go 1.23 or later
//     [LaunchReader.All] is a range-over-func iterator. Closing the conn
//     first makes the guest stop the process.
//
// A proxy request that the guest cannot serve is closed without an answer and
// logged on the event stream.
//
// # Host port 1: event stream
//
// [ListenEvents] listens on <UDS>_1 ([EventPath]). The guest dials it when it
// is ready and sends Info, then Log values; it dials again after a broken
// connection. [EventServer] decodes each connection (Info first, then Logs)
// into [Event] values, numbered by connection, and keeps them: read them in
// order from [EventServer.C], or look for one with [EventServer.Wait] from a
// position ([EventServer.Mark]) in the history.
//
// # Host port 2: host proxy
//
// [ListenProxy] listens on <UDS>_2 ([ProxyPath]). For every connection
// accepted on a socket the host opened with [Client.Listen], the guest dials
// it and sends a gob ConnectionRequest; [ProxyServer] decodes it (reading
// exactly its bytes) and hands a [HostConn] to the callback, or to
// [ProxyServer.C] when there is none. For "tcp" and "unix" the conn is then a
// byte stream; for "udp" and "unixgram" use [HostConn.Datagrams], which
// continues the guest's gob stream: one host connection per guest-side peer,
// and datagrams written on it go back to that peer.
//
// # Guests for tests
//
// Package guesttest (boxpark.dev/interop-go/guesttest) starts guests for
// tests, demos and development, with an [EventServer] and a [ProxyServer]
// already listening: a boxpark-guest process on this machine over the hybrid
// transport (guesttest.StartLocal, and guesttest.BuildGuest to build it with
// cargo), or the guest as /init in a QEMU VM (guesttest.StartVM).
//
// A session, as in the contract's "typical session":
//
//	events, _ := host.ListenEvents(uds)  // before the guest starts
//	proxies, _ := host.ListenProxy(uds, handle)
//	// ... start the guest with --transport hybrid:<uds>
//	c, _ := host.DialRetry(ctx, uds)
//	_ = c.Mkdir(ctx, contract.MkdirRequest{Path: "/etc/docker"})
//	_ = c.Write(ctx, contract.WriteRequest{Path: "/etc/docker/daemon.json", Data: cfg})
//	_, _ = c.Listen(ctx, contract.ListenRequest{Network: "unixgram", Address: "/run/systemd/notify", BufferSize: 4096})
//	conn, lr, _ := host.Launch(uds, contract.ProxyRequest{Address: "dockerd"})
//	// ... handle gets READY=1 as a datagram; lr.Next() returns log batches
//	docker, _ := host.Proxy(uds, contract.ProxyRequest{Network: "unix", Address: "/var/run/docker.sock"})
package host
