// Command goguest is a reference Boxpark guest in plain Go: the guest API of
// shared/CONTRACT.md written the way a Go author would write it from the
// contract alone, with the standard library only (net/rpc for the Guest
// service, os/exec for Run and launch, io.Copy for the stream proxies,
// encoding/gob for everything else on the wire).
//
// It is not a product. It exists for two reasons:
//
//   - to prove that the end-to-end suite (interop-go/e2e) tests the contract
//     and not the Rust guest's own choices: the same suite runs against both
//     (BOXPARK_E2E_IMPL=go selects this one);
//   - to benchmark the Rust guest (boxpark-guest) against an obvious Go one.
//
// Usage, on the hybrid Unix-socket emulation of the VM's virtio sockets (the
// only transport it has; it never opens an AF_VSOCK socket):
//
//	goguest --transport hybrid:<path> [--log-level debug|info|warn|error]
//
// It listens on <path> for connections to guest port 1 (the first one while
// none is open is the RPC connection, every other a proxy connection), dials
// <path>_1 for the event stream and <path>_2 for the host proxy.
//
// It is no init: it mounts nothing at start, reaps no orphans, and never
// powers off or reboots. Guest.Shutdown (with Reboot or not) answers, stops
// the programs it started and the sockets it opened, and exits with status
// 0, which is what the contract asks of a guest that is not PID 1 and what
// the Rust guest does then. SIGTERM and SIGINT do the same.
//
// Where the contract is silent it does what idiomatic Go does, not what the
// Rust guest does: no message-size limits beyond encoding/gob's own, no caps
// on calls or connections, Run's output unbounded, net/rpc's handling of a
// closed RPC connection (running calls finish; their replies are dropped).
//
// One file per concern: main.go (flags, logging, start and stop),
// transport.go (the hybrid socket), guest.go (guest port 1 and shutdown),
// rpc.go (the net/rpc codec and the Guest service), run.go (Run and the
// programs it starts), files.go (Write, Mkdir, Mount), proxy.go (proxy
// connections: tcp, unix, file), datagram.go (udp, unixgram), launch.go
// (launch and its line batches), listen.go (Listen and the host proxy),
// events.go (the event stream) and splice.go (copying both ways with
// half-closes).
package main
