package vmtest

// Proxy connections to guest port 1 in a real VM, every network: the targets
// are vm-peer servers inside the guest.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func init() {
	register("Proxy/tcp", phaseServe, testProxyTCP)
	register("Proxy/unix", phaseServe, testProxyUnix)
	register("Proxy/udp", phaseServe, testProxyUDP)
	register("Proxy/unixgram", phaseServe, testProxyUnixgram)
	register("Proxy/file", phaseServe, testProxyFile)
	register("Proxy/launch", phaseServe, testProxyLaunch)
	register("Proxy/launch_hangup", phaseServe, testProxyLaunchHangUp)
}

// Guest-side addresses of the proxy cases' servers.
const (
	proxyTCPPort      = "17001"
	proxyUDPAddr      = "127.0.0.1:17002"
	proxyUnixPath     = "/tmp/vmtest-proxy-echo.sock"
	proxyUnixgramPath = "/tmp/vmtest-proxy-echo.dgram"
	proxyListenDgram  = "/tmp/vmtest-proxy-listen.dgram"
)

// echoPayload is big enough (300 KiB) that data is still in flight both ways
// when the half-closes travel.
const echoPayload = 300 << 10

// echoRoundTrip sends data on a stream proxy connection to a vm-peer echo
// server, half-closes it, and expects all the data back, then EOF: the
// host's CloseWrite reaches the echo server as EOF (it answers only then),
// and the guest's close reaches the host as EOF after the data.
func echoRoundTrip(t *testing.T, conn net.Conn, data []byte) {
	t.Helper()
	start := time.Now()
	wrote := make(chan error, 1)
	go func() {
		_, err := conn.Write(data)
		if err == nil {
			err = host.CloseWrite(conn)
		}
		wrote <- err
	}()
	got, err := io.ReadAll(conn)
	var werr error
	select {
	case werr = <-wrote:
	case <-time.After(callTimeout):
		werr = errors.New("the write did not end")
	}
	if werr != nil {
		t.Errorf("writing %d bytes and half-closing: %v", len(data), werr)
	}
	switch {
	case err != nil:
		t.Fatalf("reading the echo: %v after %d of %d bytes (a reset instead of EOF, or no EOF at all)", err, len(got), len(data))
	case len(got) < len(data):
		t.Fatalf("echo: %d of %d bytes, then EOF: the host's half-close did not reach the echo server as EOF only "+
			"(if 0 bytes: the guest saw a full close and its answer was lost)", len(got), len(data))
	case !bytes.Equal(got, data):
		t.Fatalf("echo: %d bytes, want the %d sent (equal: false)", len(got), len(data))
	}
	t.Logf("%d bytes each way, half-closes both ways: %v", len(data), time.Since(start).Round(time.Millisecond))
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func testProxyTCP(t *testing.T, vm *VM) {
	startPeer(t, vm, "echo", "tcp", "0.0.0.0:"+proxyTCPPort)
	data := randomBytes(t, echoPayload)
	// Over lo, and over the NIC's address.
	for _, addr := range []string{"127.0.0.1:" + proxyTCPPort, guestIP + ":" + proxyTCPPort} {
		t.Run(addr, func(t *testing.T) {
			echoRoundTrip(t, openProxy(t, vm, contract.ProxyRequest{Network: "tcp", Address: addr, LocalAddress: "10.0.2.2:5555"}), data)
		})
	}
	// Nothing sent: the half-close alone comes through, and the answer is
	// EOF.
	t.Run("empty", func(t *testing.T) {
		echoRoundTrip(t, openProxy(t, vm, contract.ProxyRequest{Network: "tcp", Address: "127.0.0.1:" + proxyTCPPort}), nil)
	})
}

func testProxyUnix(t *testing.T, vm *VM) {
	startPeer(t, vm, "echo", "unix", proxyUnixPath)
	data := randomBytes(t, echoPayload)
	echoRoundTrip(t, openProxy(t, vm, contract.ProxyRequest{Network: "unix", Address: proxyUnixPath}), data)
	echoRoundTrip(t, openProxy(t, vm, contract.ProxyRequest{Network: "unix", Address: proxyUnixPath}), []byte("short"))
}

// recvWithin receives one datagram, failing t after d.
func recvWithin(t *testing.T, d *host.Datagrams, within time.Duration, what string) []byte {
	t.Helper()
	_ = d.Conn().SetReadDeadline(time.Now().Add(within))
	got, err := d.Recv()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return got
}

func testProxyUDP(t *testing.T, vm *VM) {
	startPeer(t, vm, "echo", "udp", proxyUDPAddr)
	d := openDatagrams(t, vm, contract.ProxyRequest{Network: "udp", Address: proxyUDPAddr})
	// One at a time, each echoed as itself: the boundaries are kept both
	// ways (an empty datagram too).
	for _, m := range []string{"one", "two", strings.Repeat("x", 1400), "", strings.Repeat("y", 8000)} {
		if err := d.Send([]byte(m)); err != nil {
			t.Fatalf("sending %.20q: %v", m, err)
		}
		got := recvWithin(t, d, callTimeout, fmt.Sprintf("the echo of %.20q (%d bytes)", m, len(m)))
		if string(got) != m {
			t.Errorf("echo %.40q (%d bytes), want %.40q (%d bytes)", got, len(got), m, len(m))
		}
	}
}

// The guest's unixgram proxy socket, both directions. Into the guest: to a
// socket of Guest.Listen, whose host-proxy connection shows each datagram as
// it arrived. Back: to a vm-peer echo server, which needs the guest's socket
// to have a name it can answer.
func testProxyUnixgram(t *testing.T, vm *VM) {
	t.Run("to_listen_socket", func(t *testing.T) {
		if _, err := vm.Client.Listen(vm.ctx(t, callTimeout), contract.ListenRequest{Network: "unixgram", Address: proxyListenDgram, BufferSize: 65536}); err != nil {
			t.Fatalf("Listen unixgram %s: %v", proxyListenDgram, err)
		}
		d := openDatagrams(t, vm, contract.ProxyRequest{Network: "unixgram", Address: proxyListenDgram})
		msgs := []string{"READY=1", "STATUS=fine", strings.Repeat("z", 3000)}
		for _, m := range msgs {
			if err := d.Send([]byte(m)); err != nil {
				t.Fatal(err)
			}
		}
		h := nextHostConn(t, vm, "unixgram", proxyListenDgram)
		// The proxy socket has an abstract name, which the host proxy
		// shows as "" (an unnamed peer).
		hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{Network: "unixgram", ListenAddress: proxyListenDgram, LocalAddress: proxyListenDgram, RemoteAddress: ""})
		for _, m := range msgs {
			got, err := h.Datagrams().Recv()
			if err != nil {
				t.Fatalf("host proxy: datagram %.20q: %v", m, err)
			}
			if string(got) != m {
				t.Errorf("host proxy got %.40q, want %.40q", got, m)
			}
		}
	})
	t.Run("echo", func(t *testing.T) {
		startPeer(t, vm, "echo", "unixgram", proxyUnixgramPath)
		d := openDatagrams(t, vm, contract.ProxyRequest{Network: "unixgram", Address: proxyUnixgramPath})
		for _, m := range []string{"READY=1", strings.Repeat("w", 3000)} {
			if err := d.Send([]byte(m)); err != nil {
				t.Fatal(err)
			}
			_ = d.Conn().SetReadDeadline(time.Now().Add(callTimeout / 4))
			got, err := d.Recv()
			if err != nil {
				t.Fatalf("the echo of %.20q: %v", m, err)
			}
			if string(got) != m {
				t.Errorf("echo %.40q, want %.40q", got, m)
			}
		}
	})
}

func testProxyFile(t *testing.T, vm *VM) {
	for _, size := range []int{0, 1, 200 << 10} {
		path := "/tmp/vmtest-proxy-file-" + strconv.Itoa(size)
		data := randomBytes(t, size)
		if err := vm.Client.Write(vm.ctx(t, callTimeout), contract.WriteRequest{Path: path, Data: data}); err != nil {
			t.Fatalf("Write %s: %v", path, err)
		}
		got, err := host.ReadFile(vm.ctx(t, callTimeout), vm.UDS, path)
		if err != nil {
			t.Fatalf("file proxy %s: %v", path, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("file proxy of %d bytes: got %d bytes (equal: false)", size, len(got))
		}
	}
	// A missing file: closed without a byte, and logged.
	missing := "/tmp/vmtest-proxy-no-such-file"
	mark := vm.Events.Mark()
	if got := hosttest.ExpectEOF(t, openProxy(t, vm, contract.ProxyRequest{Network: "file", Address: missing}), callTimeout); len(got) != 0 {
		t.Errorf("missing file: the guest sent %q", got)
	}
	l := waitLog(t, vm, mark, hosttest.LevelWarn, missing)
	t.Logf("logged: %s", host.FormatLog(l))
}

func testProxyLaunch(t *testing.T, vm *VM) {
	_, lr := launchOnce(t, vm, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", hosttest.BatchingScript},
	})
	res, err := lr.Collect()
	if err != nil {
		t.Fatalf("launch stream: %v (so far: %d messages)", err, len(res.Batches))
	}
	hosttest.CheckBatching(t, res)
}

// procState is the state letter of /proc/<pid>/stat in the guest ("" when
// the process is gone) and its command name.
func procState(t *testing.T, vm *VM, pid int) (state, comm string) {
	t.Helper()
	resp := vm.run(t, contract.RunRequest{Command: "cat", Args: []string{fmt.Sprintf("/proc/%d/stat", pid)}})
	if resp.ExitCode != 0 {
		return "", ""
	}
	s := string(resp.Stdout)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+3 > len(s) {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return s[end+2 : end+3], s[open+1 : end]
}

// The host closes the launch connection of a process that would run for
// 5 minutes: the guest sends SIGTERM (the shell's trap runs, which SIGKILL
// would not allow) and reaps it.
func testProxyLaunchHangUp(t *testing.T, vm *VM) {
	const mark = "/tmp/vmtest-launch-term"
	conn, lr := launchOnce(t, vm, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", `trap 'echo TERM > ` + mark + `; exit 3' TERM; echo $$; while :; do sleep 1; done`},
	})
	out, err := lr.Next()
	if err != nil {
		t.Fatalf("launch stream: %v", err)
	}
	if out.Stream != 1 || len(out.Lines) != 1 {
		t.Fatalf("first message %+v, want the shell's pid", out)
	}
	pid, err := strconv.Atoi(out.Lines[0])
	if err != nil {
		t.Fatalf("first line %q: %v", out.Lines[0], err)
	}
	if state, comm := procState(t, vm, pid); state == "" || state == "Z" || comm != "sh" {
		t.Fatalf("pid %d before the hang-up: state %q, command %q; want a running sh", pid, state, comm)
	}
	conn.Close()
	start := time.Now()
	deadline := start.Add(callTimeout)
	for {
		state, comm := procState(t, vm, pid)
		if state == "" || comm != "sh" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still there (state %q) %v after the host closed the launch connection", pid, state, callTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the process was gone and reaped %v after the hang-up", time.Since(start).Round(time.Millisecond))
	if resp := vm.run(t, contract.RunRequest{Command: "cat", Args: []string{mark}}); string(resp.Stdout) != "TERM\n" {
		t.Errorf("%s: %q (exit %d, %q), want the trap's TERM: the process did not get SIGTERM", mark, resp.Stdout, resp.ExitCode, resp.Stderr)
	}
	stillServes(t, vm)
}
