// Command guestbench measures two guest binaries side by side, on this
// machine, over the hybrid Unix-socket transport, and prints each metric's
// median for each and their ratio. scripts/bench-guest.sh builds the Rust
// guest (release) and the Go reference guest (cmd/goguest) and runs it:
//
//	go run ./cmd/guestbench -guest go=/tmp/goguest -guest rust=../target/release/boxpark-guest
//
// Flags:
//
//	-guest name=path  a guest binary that takes `--transport hybrid:<path>
//	                  [--log-level L]`; given twice, the first is the baseline
//	                  and the ratio column is second/first (rust/go)
//	-rounds N         rounds (default 5)
//	-quick            smaller sizes and counts, for a smoke run
//	-json FILE        also write every round's raw numbers as JSON
//	-metrics a,b      only these groups (see below; default all)
//	-log-level L      the guests' --log-level (default info)
//	-v                copy the guests' stderr to this program's stderr
//	-floor name=path  a floor guest (below), measured in the same rounds on
//	                  the groups it serves; its column and its ratio to the
//	                  first guest come after the guests' ratio
//
// # Method
//
// The machine is shared and noisy, so the guests take turns: in every round
// each group of metrics runs once for each guest, in an order that rotates
// from round to round (round 1: go then rust; round 2: rust then go; ...),
// each time in a fresh guest process started with guesttest.StartLocal in a
// short temporary directory (sockets, files and the Unix sinks live there).
// The table shows the median over the rounds of each guest's value and the
// ratio of the two medians; -json keeps every round's values. Nothing here
// asserts a speed: the last column says whether the second guest meets the
// goal of being at least as good as the first (a ratio >= 1 where higher is
// better, <= 1 where lower is better). Baseline rows measure the machine, not
// a guest, in the same slot as the guest they sit next to: their ratio should
// be near 1, and how far it is from 1 shows the noise of the run.
//
// # The floor guest
//
// boxpark-guest's floor_guest example serves Guest.Mkdir, Guest.Shutdown and
// tcp and unix proxy connections, and nothing else, with a thread per
// connection (and per proxy direction) making blocking system calls, with no
// runtime and no logs: a Mkdir is one statx (or a mkdir when the directory is
// missing) and a gob decode and encode, the replies to the requests that one
// read brought in leave in one write, and a proxy direction splices through a
// 1 MiB pipe. What a call or a transfer through it takes is the driver's, the
// kernel's and the wake-ups' share, which every guest pays. With -floor it
// takes its turn in every round of the mkdir16, mkdir_seq, tcp and unix groups
// (the rotation then has three guests), so floor/go is the best ratio any
// guest could reach on this driver and machine, and rust/floor is what the
// Rust guest itself costs. It is not measured in the other groups.
//
// This process raises its RLIMIT_NOFILE soft limit to the hard limit (the
// guests inherit it): rss_1000 holds about 2000 descriptors here and in the
// guest. Only loopback TCP and Unix sockets are used; every wait is bounded
// (a group has at most 3 minutes); the guests are ended by their PIDs
// (Guest.Shutdown, else SIGKILL) when each group ends.
//
// # Metrics, by group (-metrics names the groups)
//
// mkdir16: after one warm-up call, 16 goroutines share the one net/rpc
// client and make Guest.Mkdir calls on an existing directory (in the
// temporary directory) until 40000 calls (-quick: 4000) have been answered.
//   - mkdir16: calls per second, from the first call to the last reply.
//
// mkdir_seq: after one warm-up call, 5000 (-quick: 500) sequential
// Guest.Mkdir calls on an existing directory, each timed.
//   - mkdir_seq_p50, mkdir_seq_p99: the median and 99th percentile round
//     trip, in µs.
//
// tcp: a TCP sink in this process on 127.0.0.1 reads and discards (256 KiB
// reads) and reports its byte count when it reads EOF. 256 MiB (-quick: 32
// MiB) are written in 64 KiB writes, the connection is half-closed, and the
// clock stops when the sink has seen EOF (and the right count).
//   - tcp_direct (baseline): straight to the sink, in this guest's slot.
//   - tcp_proxy: through a guest proxy connection (ProxyRequest{Network:
//     "tcp"}) to the same sink, in MiB/s.
//   - tcp_proxy/direct: their ratio for this guest in this round (1 would be
//     a proxy that costs nothing).
//
// unix: the same with a Unix stream socket sink in the temporary directory:
// unix_direct (baseline), unix_proxy, unix_proxy/direct.
//
// host_proxy_tcp: the guest listens (Guest.Listen tcp 127.0.0.1:0); the
// host-proxy handler (host port 2) is the sink. This process connects to the
// guest's address and sends 256 MiB (-quick: 32 MiB) as above; the clock
// stops when the handler has seen EOF.
//   - host_proxy_tcp: MiB/s.
//
// rss: the guest's VmRSS (/proc/<pid>/status), in KiB.
//   - rss_idle: after the start and one Guest.Mkdir call.
//   - rss_1000: with 1000 tcp proxy connections open to an echo server in
//     this process, each having sent 4 KiB and read them back.
//   - rss_after_1000: after closing them all, waiting until the guest's open
//     descriptors (/proc/<pid>/fd) are back to their idle count (at most 10
//     s; a warning says when they are not), and one more second.
//   - rss_per_conn: (rss_1000 - rss_idle) / 1000.
//   - fds_left_1000: how many descriptors more than when idle the guest
//     still had open when rss_after_1000 was read (0 unless it leaks them,
//     or closes them more than 10 s late).
//
// start_to_info: 5 starts per round (-quick: 2), each of a fresh process:
// from just before guesttest.StartLocal (which binds the host's two sockets,
// then execs the guest) to the moment the host's EventServer decoded the
// first Info on the event stream (its Event.Received).
//   - start_to_info: the median of the starts, in ms.
//
// run_10mib: after one warm-up call, 5 (-quick: 2) Guest.Run calls of `head
// -c 10485760 /dev/zero` (10 MiB on stdout, which the reply carries).
//   - run_10mib: the median time per call, in ms.
//
// write_16mib: after one warm-up call, 5 (-quick: 2) Guest.Write calls of
// 16 MiB to a file in the temporary directory (replaced atomically, with
// fsync, as the contract says).
//   - write_16mib: the median time per call, in ms.
//
// run_true: after one warm-up call, 50 (-quick: 10) Guest.Run calls of
// `true`, each timed.
//   - run_true: the median round trip, in µs (the guest's fork, exec and
//     wait included).
//   - spawn_true (baseline): the median time of os/exec running `true` in
//     this process, in the same slot.
//   - run_true/spawn: their ratio for this guest in this round: what the
//     RPC and the guest add to a bare spawn.
//
// binary_bytes (informational, measured once): each binary's size on disk.
package main
