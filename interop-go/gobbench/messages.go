// Package gobbench holds Go benchmarks of encoding/gob on the Boxpark
// contract messages. The Rust criterion benchmark
// boxpark-proto/benches/contract.rs (boxpark-proto's types through gob-codec)
// encodes and decodes exactly the same values in exactly the same way
// (fresh stream per iteration, type definitions included), so the Go and
// Rust numbers compare like with like.
package gobbench

import (
	"fmt"
	"strings"
	"time"

	"boxpark.dev/interop-go/contract"
)

// ProxyRequestMessage is
//
//	ProxyRequest{Network: "unix", Address: "/var/run/docker.sock",
//	    LocalAddress: "/tmp/docker.sock", Args: nil, Env: nil, Dir: ""}
func ProxyRequestMessage() contract.ProxyRequest {
	return contract.ProxyRequest{
		Network:      "unix",
		Address:      "/var/run/docker.sock",
		LocalAddress: "/tmp/docker.sock",
	}
}

// LogMessage is
//
//	Log{Time: time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC), Level: 0,
//	    Message: "container started", Attrs: map[string]string{"id": "4f2a9c"}}
func LogMessage() contract.Log {
	return contract.Log{
		Time:    time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC),
		Level:   0,
		Message: "container started",
		Attrs:   map[string]string{"id": "4f2a9c"},
	}
}

// LaunchOutputMessage is
//
//	LaunchOutput{Stream: 1, Lines: 64 lines, Exited: false, ExitCode: 0}
//
// where line i (0..63) is fmt.Sprintf("line %03d: ", i) followed by 70 'x'
// characters (80 characters, no newline), e.g. "line 007: xxx...x".
func LaunchOutputMessage() contract.LaunchOutput {
	lines := make([]string, 64)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %03d: ", i) + strings.Repeat("x", 70)
	}
	return contract.LaunchOutput{Stream: 1, Lines: lines, ExitCode: 0}
}

// RunResponseMessage is
//
//	RunResponse{ExitCode: 0, Stdout: 4096 bytes, Stderr: nil}
//
// where Stdout[i] = 'a' + i%26 ("abc...zabc...", 4096 bytes).
func RunResponseMessage() contract.RunResponse {
	stdout := make([]byte, 4096)
	for i := range stdout {
		stdout[i] = byte('a' + i%26)
	}
	return contract.RunResponse{ExitCode: 0, Stdout: stdout, Stderr: nil}
}
