package contract

// The streams that the Rust example boxpark-proto/examples/write_contract.rs
// writes, as the Go values that decoding each must give, in stream order.
// Keep the two tables in step.

import (
	"net/rpc"
	"strings"
	"time"
)

// stream is one Rust-written stream: OUTDIR/<name>.gob.
type stream struct {
	name   string
	values []any
}

var (
	tLog = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	// Zone names are not sent; the offsets are.
	cet = time.FixedZone("", 3600)
)

// datagram is a value of Go type []byte, as the proxy streams carry them. An
// empty datagram decodes as nil.
func datagram(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}

func runRequestFull() RunRequest {
	return RunRequest{
		Command: "sh",
		Args:    []string{"-c", "echo \"$X\" && exit 3", "", "ünïcødé ✓"},
		Env:     []string{"X=1", "EMPTY=", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
		Dir:     "/work dir",
		Stdin:   allBytes(),
		Timeout: 90 * time.Second,
	}
}

func notifyRequest() ConnectionRequest {
	return ConnectionRequest{Network: "unixgram", ListenAddress: "/run/systemd/notify", LocalAddress: "/run/systemd/notify"}
}

// Slices and maps that Rust writes empty are nil here: gob does not send
// them, so Go decodes nil (an empty Log.Attrs is sent as a nil map).
func streams() []stream {
	vals := func(v ...any) []any { return v }
	return []stream{
		{"empty", vals(Empty{})},
		{"invalid_request", vals(struct{}{})},
		{"mount_request_zero", vals(MountRequest{})},
		{"mount_request_full", vals(MountRequest{Source: "/dev/vdb", Target: "/mnt/données", FSType: "ext4", Flags: 1 | 1024 | 1<<63, Data: "errors=remount-ro,discard"})},
		{"mount_request_max_flags", vals(MountRequest{Source: "tmpfs", Target: "/tmp", FSType: "tmpfs", Flags: 1<<64 - 1})},
		{"run_request_zero", vals(RunRequest{})},
		{"run_request_full", vals(runRequestFull())},
		{"run_request_empty_slices", vals(RunRequest{Command: "true", Timeout: -1})},
		{"run_response_zero", vals(RunResponse{})},
		{"run_response_full", vals(RunResponse{ExitCode: 137, Stdout: pattern(70_000), Stderr: []byte("oops\n")})},
		{"run_response_signal", vals(RunResponse{ExitCode: -1})},
		{"run_response_extremes", vals(RunResponse{ExitCode: -1 << 63, Stdout: []byte{0}, Stderr: []byte{0xff}})},
		{"write_request_zero", vals(WriteRequest{})},
		{"write_request_full", vals(WriteRequest{Path: "/etc/docker/daemon.json", Data: allBytes(), Mode: 0o4755})},
		{"write_request_max_mode", vals(WriteRequest{Path: "/proc/sys/net/ipv4/ip_forward", Data: []byte("1\n"), Mode: 1<<32 - 1})},
		{"mkdir_request_zero", vals(MkdirRequest{})},
		{"mkdir_request_full", vals(MkdirRequest{Path: "/etc/docker/certs.d/registry:5000", Mode: 0o700})},
		{"listen_request_zero", vals(ListenRequest{})},
		{"listen_request_tcp", vals(ListenRequest{Network: "tcp", Address: "0.0.0.0:0"})},
		{"listen_request_udp", vals(ListenRequest{Network: "udp", Address: "[::1]:5353", BufferSize: 65535})},
		{"listen_request_negative", vals(ListenRequest{Network: "unixgram", Address: "/run/systemd/notify", BufferSize: -1})},
		{"listen_response_zero", vals(ListenResponse{})},
		{"listen_response_full", vals(ListenResponse{Address: "[::1]:41234"})},
		{"shutdown_request_zero", vals(ShutdownRequest{})},
		{"shutdown_request_reboot", vals(ShutdownRequest{Reboot: true})},
		{"proxy_request_zero", vals(ProxyRequest{})},
		{"proxy_request_unix", vals(ProxyRequest{Network: "unix", Address: "/var/run/docker.sock", LocalAddress: "/tmp/docker.sock"})},
		{"proxy_request_launch", vals(ProxyRequest{
			Network: "launch", Address: "/usr/bin/dockerd", LocalAddress: "@host",
			Args: []string{"--host=unix:///var/run/docker.sock", "", "--debug"},
			Env:  []string{"DOCKER_RAMDISK=true", "A=b=c"}, Dir: "/var/lib/docker",
		})},
		{"proxy_request_file", vals(ProxyRequest{Network: "file", Address: "/var/log/dockerd.log"})},
		{"connection_request_zero", vals(ConnectionRequest{})},
		{"connection_request_tcp", vals(ConnectionRequest{Network: "tcp", ListenAddress: "0.0.0.0:8080", LocalAddress: "10.0.2.15:8080", RemoteAddress: "10.0.2.2:51234"})},
		{"connection_request_unnamed", vals(notifyRequest())},
		{"launch_output_zero", vals(LaunchOutput{})},
		{"launch_output_lines", vals(LaunchOutput{Stream: 1, Lines: []string{"", "line with\ttab", "日本語", strings.Repeat("x", 65536)}})},
		{"launch_output_exited", vals(LaunchOutput{Exited: true, ExitCode: -1})},
		{"info_zero", vals(Info{})},
		{"info_full", vals(Info{Version: "0.1.0-dev+g1234abc", IP: "10.0.2.15"})},
		{"log_zero", vals(Log{})},
		{"log_utc_attrs", vals(Log{Time: tLog, Message: "guest ready", Attrs: map[string]string{"": "empty key", "ip": "10.0.2.15", "version": "0.1.0"}})},
		{"log_zoned", vals(Log{Time: time.Date(2026, 11, 25, 13, 0, 0, 5000, cet), Level: 8, Message: "mount failed", Attrs: map[string]string{"err": "no such device"}})},
		{"log_zoned_negative", vals(Log{Time: time.Date(2023, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(3*3600+30*60))), Level: 4, Message: "slow", Attrs: map[string]string{"ms": "1500"}})},
		{"log_zoned_seconds", vals(Log{Time: time.Date(1890, 5, 17, 8, 15, 0, 500, time.FixedZone("", 3600+1)), Level: -4, Message: "local mean time"})},
		{"log_zoned_zero_offset", vals(Log{Time: time.Date(2024, 3, 1, 12, 30, 45, 0, time.FixedZone("", 0)), Message: "offset 0, not UTC"})},
		{"log_empty_attrs", vals(Log{Time: tLog, Level: -4, Message: "tick"})},
		{"log_pre_epoch", vals(Log{Time: time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC), Level: -8, Message: "before 1970"})},
		{"log_one_nanosecond", vals(Log{Time: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)})},
		{"event_stream", vals(
			Info{Version: "0.1.0"},
			Log{Time: tLog, Message: "guest ready"},
			Log{Time: time.Date(2026, 11, 25, 13, 0, 1, 0, cet), Level: 4, Message: "dropped 3 log records", Attrs: map[string]string{"dropped": "3"}},
			Log{Time: tLog, Level: -4},
			Log{},
		)},
		{"launch_stream", vals(
			LaunchOutput{Stream: 1, Lines: []string{"a", "b"}},
			LaunchOutput{Stream: 2, Lines: []string{"warning: x"}},
			LaunchOutput{Exited: true, ExitCode: 1},
		)},
		{"rpc_calls", vals(
			rpc.Request{ServiceMethod: "Guest.Mkdir", Seq: 1}, MkdirRequest{Path: "/etc/docker", Mode: 0o755},
			rpc.Request{ServiceMethod: "Guest.Write", Seq: 2}, WriteRequest{Path: "/etc/docker/daemon.json", Data: []byte("{}\n")},
			rpc.Request{ServiceMethod: "Guest.Run", Seq: 3}, runRequestFull(),
			rpc.Request{ServiceMethod: "Guest.Listen", Seq: 4}, ListenRequest{Network: "unixgram", Address: "/run/systemd/notify", BufferSize: 4096},
			rpc.Request{ServiceMethod: "Guest.Mount", Seq: 1<<64 - 1}, MountRequest{},
			rpc.Request{ServiceMethod: "Guest.Shutdown"}, ShutdownRequest{},
		)},
		{"rpc_replies", vals(
			rpc.Response{ServiceMethod: "Guest.Mkdir", Seq: 1}, Empty{},
			rpc.Response{ServiceMethod: "Guest.Write", Seq: 2, Error: "open /etc/x: permission denied"}, struct{}{},
			rpc.Response{ServiceMethod: "Guest.Run", Seq: 3}, RunResponse{ExitCode: 3, Stdout: []byte("1\n")},
			rpc.Response{ServiceMethod: "Guest.Listen", Seq: 4}, ListenResponse{Address: "/run/systemd/notify"},
			rpc.Response{ServiceMethod: "Guest.Nope", Seq: 5, Error: "rpc: can't find method Guest.Nope"}, struct{}{},
			rpc.Response{ServiceMethod: "Guest.Shutdown"}, Empty{},
		)},
		{"udp_proxy_stream", vals(
			ProxyRequest{Network: "udp", Address: "127.0.0.1:53", LocalAddress: "127.0.0.1:5353"},
			datagram("a"), datagram(""), allBytes(), pattern(70_000),
		)},
		{"connection_datagram_stream", vals(
			notifyRequest(), datagram("READY=1"), datagram("STATUS=Processing requests...\nMAINPID=42"),
		)},
		{"datagrams", vals(datagram("READY=1"), datagram(""), []byte{0})},
	}
}
