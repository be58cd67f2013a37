// Package rpcbench benchmarks Go's net/rpc over a Unix socket, client and
// server in one process, with the Test.Echo method of package rpcinterop and
// the argument EchoArgs{S: "hello", N: 42}:
//
//   - BenchmarkSequentialEcho: one client, one call at a time; ns/op is the
//     round-trip time of one call.
//   - BenchmarkConcurrent16Echo: 16 goroutines share one client and make b.N
//     calls in total; ns/op is wall time per call, so it shows how well
//     pipelined calls on one connection overlap.
//
// The Rust criterion benchmark boxpark-proto/benches/rpc.rs measures the
// same with boxpark-proto's rpc::Client and rpc::Server on a multi-thread
// tokio runtime (rpc/sequential_echo and rpc/concurrent16_echo: the same
// method, argument and call counting, and a connected Unix stream socket,
// there from a socketpair, here from a listener). In both, the first call
// (which sends the type definitions) is made before the timer starts.
// scripts/bench-rpc.sh runs both and prints Go time / Rust time per
// benchmark.
package rpcbench
