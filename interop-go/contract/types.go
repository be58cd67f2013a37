// Package contract holds the Go reference types of the Boxpark wire contract
// (shared/CONTRACT.md), copied exactly. Everything on the wire is Go
// encoding/gob; the field names and Go types below are the contract. Struct
// type names are not checked by a gob decoder, but they do appear in type
// definitions on the wire, so they are kept too.
//
// The RPC header types are net/rpc's own (rpc.Request{ServiceMethod string;
// Seq uint64} and rpc.Response{ServiceMethod string; Seq uint64; Error
// string}); they are not repeated here.
package contract

import "time"

// Empty is the reply of Guest.Mount, Guest.Write, Guest.Mkdir and
// Guest.Shutdown. (On an error, net/rpc sends an anonymous struct{}{}
// instead, whose gob type name is "".)
type Empty struct{}

// MountRequest is the argument of Guest.Mount(MountRequest, *Empty):
// mount(2); the target must exist.
type MountRequest struct {
	Source string
	Target string
	FSType string
	Flags  uint64 // MS_* flags, as mount(2)
	Data   string
}

// RunRequest is the argument of Guest.Run(RunRequest, *RunResponse).
type RunRequest struct {
	Command string   // program; looked up in PATH when it has no slash
	Args    []string // arguments after the program
	Env     []string // KEY=VALUE; empty means the guest's own environment
	Dir     string   // working directory; empty means "/"
	Stdin   []byte
	Timeout time.Duration // 0 means none; on expiry the process group is killed and Error says so
}

// RunResponse is the reply of Guest.Run.
type RunResponse struct {
	ExitCode int // as Go's ProcessState.ExitCode(): -1 when ended by a signal
	Stdout   []byte
	Stderr   []byte
}

// WriteRequest is the argument of Guest.Write(WriteRequest, *Empty).
//
// A regular file (or a missing one) is replaced atomically: temporary file in
// the same directory, fsync, rename. An existing non-regular file (for
// example under /proc/sys) is written in place.
type WriteRequest struct {
	Path string
	Data []byte
	Mode uint32 // permission bits; 0 means 0644
}

// MkdirRequest is the argument of Guest.Mkdir(MkdirRequest, *Empty): like
// os.MkdirAll.
type MkdirRequest struct {
	Path string
	Mode uint32 // 0 means 0755
}

// ListenRequest is the argument of Guest.Listen(ListenRequest, *ListenResponse).
type ListenRequest struct {
	Network    string // "tcp", "udp", "unix", "unixgram"
	Address    string // as net.Listen / net.ListenPacket take it
	BufferSize int    // largest datagram read; required (> 0) for "udp" and "unixgram"
}

// ListenResponse is the reply of Guest.Listen.
type ListenResponse struct {
	Address string // the bound address (a port of 0 becomes the real port)
}

// ShutdownRequest is the argument of Guest.Shutdown(ShutdownRequest, *Empty).
//
// The reply is sent first. Then: sync, stop processes, and reboot(2) with
// POWER_OFF or RESTART, but only when the guest runs as PID 1; otherwise the
// guest process just exits cleanly.
type ShutdownRequest struct {
	Reboot bool
}

// ProxyRequest is the first gob value on every proxy connection to guest
// port 1 (its type definition, then the value).
type ProxyRequest struct {
	Network      string   // "tcp", "udp", "unix", "unixgram", "file", "launch"
	Address      string   // what to dial; the file path for "file"; the program for "launch"
	LocalAddress string   // the host side's address; informational, unused by the guest
	Args         []string // "launch" only: arguments after the program
	Env          []string // "launch" only: KEY=VALUE; empty means the guest's own environment
	Dir          string   // "launch" only: working directory
}

// LaunchOutput is the gob stream that a "launch" proxy connection carries
// from the guest: lines batched (64 lines, 64 KiB, or 100 ms after the
// first line); the last message has Exited set.
type LaunchOutput struct {
	Stream   int      // 1 stdout, 2 stderr; 0 on the final message
	Lines    []string // complete lines without their newline (a final partial line counts as a line)
	Exited   bool
	ExitCode int // as in RunResponse
}

// Info is the first value on the event stream (host port 1).
type Info struct {
	Version string // the guest's version
	IP      string // first non-loopback IPv4 address, "" if none
}

// Log is every value after Info on the event stream (host port 1).
type Log struct {
	Time    time.Time // sent as gob sends time.Time (its GobEncode form)
	Level   int       // as log/slog: -4 debug, 0 info, 4 warn, 8 error
	Message string
	Attrs   map[string]string // structured fields
}

// ConnectionRequest is the first gob value on every connection that the
// guest dials to host port 2 (host proxy), for a connection accepted on a
// socket opened by Guest.Listen.
type ConnectionRequest struct {
	Network       string // as in the ListenRequest
	ListenAddress string // the address the Listen request asked for
	LocalAddress  string // the accepted connection's local address in the guest
	RemoteAddress string // its peer ("" for an unnamed unix peer)
}
