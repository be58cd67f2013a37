package vmtest

// Measurements of the real VM, from one run, for the README's table: QEMU
// start to Info, the RPC round trip, tcp proxy throughput over virtio-vsock
// against the same binaries on the hybrid emulation, the guest's RSS inside
// the VM, and the binary's size. They are logged, and written as a Markdown
// table to $BOXPARK_VM_REPORT when it is set. Nothing here asserts a speed.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

// reportEnv names the file the measurements are written to.
const reportEnv = "BOXPARK_VM_REPORT"

// Sizes of the measurements.
const (
	rpcRounds  = 50
	proxyBytes = 32 << 20
)

func init() {
	register("Measure", phaseServe, testMeasure)
}

type measurement struct{ name, vm, emulation, note string }

func testMeasure(t *testing.T, vm *VM) {
	var rows []measurement
	rows = append(rows, measurement{"QEMU start to Info", vm.BootTime.Round(time.Millisecond).String(), "", "TCG, 1 vCPU"})

	vmRTT := mkdirRoundTrip(t, vm.Client)
	vmRate := proxyThroughput(t, vm.UDS, func(args ...string) (io.Closer, error) {
		// Ended at the end of the test, with the launch connection.
		startPeer(t, vm, args...)
		return io.NopCloser(nil), nil
	})

	// The same static binaries on this machine, over the hybrid emulation.
	local := startLocalRelease(t, vm.Out)
	localRTT := mkdirRoundTrip(t, local.Client)
	localRate := proxyThroughput(t, local.UDS, func(args ...string) (io.Closer, error) {
		return startLocalPeer(filepath.Join(vm.Out, "vm-peer"), args...)
	})
	rows = append(rows,
		measurement{"RPC round trip (Guest.Mkdir, median of 50)", vmRTT.String(), localRTT.String(), ""},
		measurement{"tcp proxy, 32 MiB one way", fmt.Sprintf("%.1f MiB/s", vmRate), fmt.Sprintf("%.1f MiB/s", localRate), "virtio-vsock vs hybrid Unix socket"},
	)

	status := vm.runOK(t, "cat", "/proc/1/status")
	rss := "?"
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			rss = strings.Join(strings.Fields(strings.TrimPrefix(l, "VmRSS:")), " ")
		}
	}
	rows = append(rows, measurement{"guest VmRSS in the VM (after the above)", rss, "", ""})
	if fi, err := os.Stat(filepath.Join(vm.Out, "boxpark-guest")); err == nil {
		rows = append(rows, measurement{"static stripped binary", fmt.Sprintf("%d bytes (%.2f MiB)", fi.Size(), float64(fi.Size())/(1<<20)), "", ""})
	}

	var b strings.Builder
	b.WriteString("| metric | real VM | emulation | note |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.name, r.vm, r.emulation, r.note)
	}
	t.Logf("measurements:\n%s", b.String())
	if path := os.Getenv(reportEnv); path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Errorf("writing %s: %v", path, err)
		}
	}
}

// mkdirRoundTrip is the median time of rpcRounds sequential Guest.Mkdir
// calls of an existing directory.
func mkdirRoundTrip(t *testing.T, c *host.Client) time.Duration {
	t.Helper()
	var d []time.Duration
	for i := 0; i < rpcRounds; i++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err := c.Mkdir(ctx, contract.MkdirRequest{Path: "/tmp"})
		cancel()
		if err != nil {
			t.Fatalf("Mkdir: %v", err)
		}
		d = append(d, time.Since(start))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2].Round(time.Microsecond)
}

// proxyThroughput starts a vm-peer sink with start, sends proxyBytes through
// a tcp proxy connection to it, and returns MiB/s from the first byte to the
// sink's count.
func proxyThroughput(t *testing.T, uds string, start func(args ...string) (io.Closer, error)) float64 {
	t.Helper()
	addr := freeLoopbackAddr(t)
	sink, err := start("sink", "tcp", addr)
	if err != nil {
		t.Fatalf("starting the sink: %v", err)
	}
	defer sink.Close()
	conn, err := host.ProxyContext(context.Background(), uds, contract.ProxyRequest{Network: "tcp", Address: addr})
	if err != nil {
		t.Fatalf("tcp proxy to %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * callTimeout))
	chunk := make([]byte, 256<<10)
	begin := time.Now()
	for sent := 0; sent < proxyBytes; sent += len(chunk) {
		if _, err := conn.Write(chunk); err != nil {
			t.Fatalf("writing: %v", err)
		}
	}
	if err := host.CloseWrite(conn); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(conn)
	elapsed := time.Since(begin)
	if got, _ := strconv.Atoi(string(reply)); got != proxyBytes {
		t.Fatalf("the sink counted %q (%v), want %d", reply, err, proxyBytes)
	}
	return float64(proxyBytes) / (1 << 20) / elapsed.Seconds()
}

// freeLoopbackAddr is a 127.0.0.1 port free on this machine (and, the VM
// being fresh, in the VM).
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// localPeer is a vm-peer server on this machine (its sink and echo modes
// use no vsock).
type localPeer struct {
	cmd  *exec.Cmd
	once sync.Once
}

func startLocalPeer(bin string, args ...string) (io.Closer, error) {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &localPeer{cmd: cmd}
	line := make([]byte, 6)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "ready\n" {
		p.Close()
		return nil, fmt.Errorf("local vm-peer %q: %q, %v", args, line, err)
	}
	return p, nil
}

func (p *localPeer) Close() error {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	return nil
}

// startLocalRelease starts OUT/boxpark-guest (the VM's own binary) on this
// machine over the hybrid emulation, ended at the end of t.
func startLocalRelease(t *testing.T, out string) *guesttest.LocalGuest {
	t.Helper()
	dir, err := os.MkdirTemp("", "bpvl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	g, err := guesttest.StartLocal(context.Background(), guesttest.LocalOptions{Binary: filepath.Join(out, "boxpark-guest"), Dir: dir, LogLevel: "info"})
	if err != nil {
		t.Fatalf("starting the local guest: %v", err)
	}
	t.Cleanup(func() { _ = g.Stop(10 * time.Second) })
	return g
}
