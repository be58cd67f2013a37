package main

// The VM mode (-vm OUT): the guest boots as /init in a QEMU VM (guesttest.StartVM)
// from the files of scripts/vm in OUT, and the steps of the local mode run
// against it. Where the local mode uses this machine's own filesystem or
// network, the VM mode looks inside the VM instead: the clients and servers
// of the proxy steps are the image's busybox and /usr/bin/vm-peer
// (boxpark-guest/examples/vm_peer.rs), started through the API itself.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

const (
	// vmBootBudget bounds the boot, QEMU's start to Info and an RPC
	// connection: a few seconds with KVM, 5-20 s under TCG on a busy
	// machine, more when other VMs share its cores.
	vmBootBudget = 150 * time.Second
	// vmSlow multiplies the step limits of the local mode (the steps as a
	// whole still have budget).
	vmSlow = 3
	// vmPowerOffWait bounds the wait for QEMU to exit after Shutdown.
	vmPowerOffWait = 30 * time.Second
	// vmIP is the guest's address on QEMU's user-mode network
	// (boxpark.ip=eth0:10.0.2.15/24).
	vmIP = "10.0.2.15"
	// vmPeer is the VM image's peer program.
	vmPeer = "/usr/bin/vm-peer"
	// vmAPISock is the unix proxy step's server socket in the VM.
	vmAPISock = "/run/api.sock"
	// vmMountPoint is the Mount step's target in the VM.
	vmMountPoint = "/mnt/demo"
)

// vmFiles are what runVM needs from OUT.
var vmFiles = []string{"vmlinuz", "initrd.img", "root.squashfs", "modules.txt", "bin/vhost-device-vsock"}

func runVM(out, accel string, verbose bool) int {
	out, err := filepath.Abs(out)
	if err == nil {
		for _, f := range vmFiles {
			if _, serr := os.Stat(filepath.Join(out, f)); serr != nil {
				err = fmt.Errorf("%v (scripts/vm/setup.sh, build-guest.sh and image.sh make OUT; scripts/vm/quickstart.sh runs them)", serr)
				break
			}
		}
	}
	var modules []byte
	if err == nil {
		modules, err = os.ReadFile(filepath.Join(out, "modules.txt"))
	}
	if err != nil {
		fmt.Printf("FAIL start      %v\n", err)
		return 1
	}
	// Ctrl-C ends the boot or the steps early; QEMU and vhost-device-vsock
	// are still ended (by their PIDs, in VMGuest.Close) and the run
	// directory removed.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "bpq")
	if err != nil {
		fmt.Println("FAIL", err)
		return 1
	}
	// The run directory goes, unless something failed: then its serial log
	// stays for a look.
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()

	q := newQuickstart()
	q.slow, q.wantIP = vmSlow, vmIP
	var stderr io.Writer = io.Discard
	if verbose {
		stderr = os.Stderr
	}
	fmt.Printf("booting the VM (QEMU, %s; kernel, initramfs and root image from %s) ...\n", accel, out)
	g, err := guesttest.StartVM(sigCtx, guesttest.VMOptions{
		Kernel:   filepath.Join(out, "vmlinuz"),
		Initrd:   filepath.Join(out, "initrd.img"),
		RootDisk: filepath.Join(out, "root.squashfs"),
		Backend:  filepath.Join(out, "bin", "vhost-device-vsock"),
		Dir:      dir,
		Cmdline: []string{
			"boxpark.modules=" + strings.TrimSpace(string(modules)),
			"boxpark.root=/dev/vda",
			"boxpark.ip=eth0:" + vmIP + "/24",
		},
		NIC:          true,
		Accel:        accel,
		Timeout:      vmBootBudget,
		Stderr:       stderr,
		ProxyHandler: q.handleHostConn,
	})
	if sigCtx.Err() != nil {
		if err == nil {
			g.Close()
		}
		q.report("start", errors.New("interrupted during the boot"), "")
		return 1
	}
	if err != nil {
		// StartVM has ended what it started; its error holds the serial
		// log's tail.
		q.report("start", err, "")
		keep = true
		fmt.Printf("the whole serial log: %s\n", filepath.Join(dir, "serial.log"))
		return 1
	}
	defer g.Close()
	q.g = guest{Client: g.Client, Events: g.Events, UDS: g.UDS}
	ctx, cancel := context.WithTimeout(sigCtx, budget)
	defer cancel()
	q.ctx, q.sig = ctx, sigCtx
	q.report("start", nil, "VM booted in %v (QEMU start to Info), kernel %s, QEMU pid %d; RPC connection open over vsock (%s)",
		g.BootTime.Round(time.Millisecond), kernelVersion(g, out), g.QEMU.Process.Pid, g.UDS)

	q.steps(
		q.events,
		q.runUname,
		func() { q.mkdirWriteFile("/etc/demo", q.isVMDir) },
		func() { q.listenHostProxy("vm-peer send in the VM", q.vmPing) },
		q.launch,
		q.vmUnixProxy,
		q.vmMount,
		func() { q.showLogs(q.bootHighlights()) },
		func() { q.powerOff(g) },
	)
	if q.failed > 0 && sigCtx.Err() == nil {
		keep = true
		fmt.Printf("\nserial console (tail; the whole log stays in %s):\n%s", g.SerialLogPath(), g.SerialTail(3000))
	}
	return q.summary()
}

var linuxVersion = regexp.MustCompile(`Linux version (\S+)`)

// kernelVersion is the booted kernel's version from the serial console's
// first lines, else OUT/kernel-version.
func kernelVersion(g *guesttest.VMGuest, out string) string {
	if m := linuxVersion.FindStringSubmatch(g.SerialLog()); m != nil {
		return m[1]
	}
	b, _ := os.ReadFile(filepath.Join(out, "kernel-version"))
	return strings.TrimSpace(string(b))
}

// runIn runs a command in the VM and requires exit status 0; it returns
// stdout.
func (q *quickstart) runIn(ctx context.Context, command string, args ...string) (string, error) {
	resp, err := q.g.Client.Run(ctx, contract.RunRequest{Command: command, Args: args})
	if err != nil {
		return "", err
	}
	if resp.ExitCode != 0 {
		return "", fmt.Errorf("%s %q: exit %d, stdout %q, stderr %q", command, args, resp.ExitCode, resp.Stdout, resp.Stderr)
	}
	return string(resp.Stdout), nil
}

// isVMDir checks a directory in the VM with busybox test.
func (q *quickstart) isVMDir(ctx context.Context, path string) error {
	if _, err := q.runIn(ctx, "test", "-d", path); err != nil {
		return fmt.Errorf("no directory at %s after Mkdir: %v", path, err)
	}
	return nil
}

// vmPingClient is `vm-peer send tcp ADDR "ping\n"` run in the VM through
// Guest.Run: it connects, writes, half-closes and prints the answer.
type vmPingClient struct {
	done chan struct{}
	out  string
	err  error
}

func (q *quickstart) vmPing(ctx context.Context, addr string) (pingClient, error) {
	c := &vmPingClient{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.out, c.err = q.runIn(ctx, vmPeer, "send", "tcp", addr, "ping\n")
	}()
	return c, nil
}

func (c *vmPingClient) reply() (string, error) {
	<-c.done // Run is bounded by the step's context
	// vm-peer prints the answer and a newline.
	return strings.TrimSuffix(c.out, "\n"), c.err
}

func (c *vmPingClient) ended() <-chan struct{} { return c.done }
func (c *vmPingClient) close()                 { <-c.done }

// vmServer is a vm-peer server in the VM, on a launch proxy connection that
// keeps it running: the guest stops it when the host closes the connection.
type vmServer struct {
	conn  net.Conn
	ready time.Duration // from the launch to the "ready" line
}

// startVMServer launches `vm-peer args...` and waits for its "ready" line.
func (q *quickstart) startVMServer(ctx context.Context, args ...string) (*vmServer, error) {
	start := time.Now()
	conn, lr, err := host.LaunchContext(ctx, q.g.UDS, contract.ProxyRequest{Address: vmPeer, Args: args})
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	var stderr []string
	for {
		out, err := lr.Next()
		switch {
		case err != nil:
			conn.Close()
			return nil, fmt.Errorf("vm-peer %s: no ready line: %v (stderr %q)", strings.Join(args, " "), err, stderr)
		case out.Exited:
			conn.Close()
			return nil, fmt.Errorf("vm-peer %s exited with %d before it was ready (stderr %q)", strings.Join(args, " "), out.ExitCode, stderr)
		case out.Stream == 2:
			stderr = append(stderr, out.Lines...)
		default:
			for _, l := range out.Lines {
				if l == "ready" {
					return &vmServer{conn: conn, ready: time.Since(start)}, nil
				}
			}
		}
	}
}

// stop closes the launch connection: the guest sends the server SIGTERM.
func (s *vmServer) stop() { s.conn.Close() }

// vmUnixProxy: an echo server on a Unix socket in the VM (as
// /var/run/docker.sock would be), reached through a unix proxy connection
// that carries an HTTP request; the server sends it back once the host has
// half-closed.
func (q *quickstart) vmUnixProxy() {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	srv, err := q.startVMServer(ctx, "echo", "unix", vmAPISock)
	if err != nil {
		q.report("unix proxy", err, "")
		return
	}
	defer srv.stop()
	request := "GET /version HTTP/1.0\r\nHost: api\r\n\r\n"
	conn, err := host.ProxyContext(ctx, q.g.UDS, contract.ProxyRequest{Network: "unix", Address: vmAPISock})
	var got []byte
	if err == nil {
		defer conn.Close()
		if d, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(d)
		}
		_, err = io.WriteString(conn, request)
	}
	if err == nil {
		err = host.CloseWrite(conn)
	}
	if err == nil {
		got, err = io.ReadAll(conn)
	}
	if err == nil && string(got) != request {
		err = fmt.Errorf("the echo server answered %q, want the request %q", got, request)
	}
	q.report("unix proxy", err, "vm-peer echo on %s in the VM (ready after %v) echoed %q",
		vmAPISock, srv.ready.Round(time.Millisecond), got)
}

// vmMount: a tmpfs on /mnt/demo in the VM, seen in its /proc/mounts, then
// unmounted with Run umount.
func (q *quickstart) vmMount() {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	err := q.g.Client.Mkdir(ctx, contract.MkdirRequest{Path: vmMountPoint, Mode: 0o755})
	if err == nil {
		err = q.g.Client.Mount(ctx, contract.MountRequest{Source: "quickstart", Target: vmMountPoint, FSType: "tmpfs", Flags: syscall.MS_NOSUID | syscall.MS_NODEV, Data: "size=1m"})
	}
	var line string
	if err == nil {
		line, err = q.mountLine(ctx)
	}
	if err == nil && line == "" {
		err = fmt.Errorf("no %s in /proc/mounts after Mount", vmMountPoint)
	}
	if err == nil {
		_, err = q.runIn(ctx, "umount", vmMountPoint)
	}
	if err == nil {
		var after string
		if after, err = q.mountLine(ctx); err == nil && after != "" {
			err = fmt.Errorf("still in /proc/mounts after umount: %s", after)
		}
	}
	q.report("Mount", err, "tmpfs on %s, in /proc/mounts as %q, then unmounted with Run umount", vmMountPoint, line)
}

// mountLine is the line of the VM's /proc/mounts for vmMountPoint, "" when
// there is none.
func (q *quickstart) mountLine(ctx context.Context) (string, error) {
	mounts, err := q.runIn(ctx, "cat", "/proc/mounts")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(mounts, "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[1] == vmMountPoint {
			return l, nil
		}
	}
	return "", nil
}

// bootHighlights picks, from the guest's boot Logs (one per step, all on
// the event stream), those that show what makes it a VM's init: the root it
// switched to, its network, the end of the sequence; the heading counts the
// rest.
func (q *quickstart) bootHighlights() (string, func(*contract.Log) bool) {
	var steps, modules int
	for _, e := range q.g.Events.Events() {
		if e.Log == nil || e.Log.Attrs["step"] == "" {
			continue
		}
		steps++
		if e.Log.Attrs["step"] == "module" {
			modules++
		}
	}
	heading := fmt.Sprintf("%d Logs of the boot (%d for kernel modules); the main ones:", steps, modules)
	return heading, func(l *contract.Log) bool {
		switch l.Attrs["step"] {
		case "switch root", "network", "hostname":
			return true
		}
		return l.Message == "boot finished" || l.Message == "guest started"
	}
}

// powerOff: Guest.Shutdown powers the VM off, and QEMU exits by itself.
func (q *quickstart) powerOff(g *guesttest.VMGuest) {
	ctx, cancel := context.WithTimeout(q.ctx, vmPowerOffWait)
	defer cancel()
	start := time.Now()
	err := g.Client.Shutdown(ctx, contract.ShutdownRequest{})
	var state *os.ProcessState
	if err == nil {
		select {
		case <-g.Exited():
			state, err = g.Wait(time.Second)
		case <-ctx.Done():
			err = fmt.Errorf("QEMU still running %v after the reply: %w", time.Since(start).Round(time.Millisecond), ctx.Err())
		}
	}
	took := time.Since(start).Round(time.Millisecond)
	if err == nil && state.ExitCode() != 0 {
		err = fmt.Errorf("QEMU exited with %v", state)
	}
	// The kernel's last words on the console.
	const said = "reboot: Power down"
	if err == nil && !strings.Contains(g.SerialLog(), said) {
		err = fmt.Errorf("QEMU exited, but the serial console has no %q", said)
	}
	q.report("Shutdown", err, "reply received; the VM powered off (%q on the console) and QEMU exited by itself with status 0 after %v", said, took)
}
