package guesttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

// VMOptions configures [StartVM]: a QEMU VM whose guest is Boxpark's /init,
// reached over virtio-vsock served by vhost-device-vsock on Unix sockets.
type VMOptions struct {
	// Kernel is the kernel image (-kernel; required).
	Kernel string
	// Initrd is the initramfs (-initrd; required): the guest is its /init.
	Initrd string
	// RootDisk, when set, is attached as a read-only virtio-blk disk: the
	// guest's /dev/vda (a squashfs image, for boxpark.root=/dev/vda).
	RootDisk string
	// QEMU is the QEMU binary: qemu-system-x86_64 (on PATH) when empty.
	QEMU string
	// Backend is the vhost-device-vsock binary (required).
	Backend string
	// Dir is the run directory (required): sockets and, by default, the
	// serial log go there. Keep it short: a Unix socket path has at most 107
	// bytes, and "<Dir>/vm.vsock_1" must fit.
	Dir string
	// Cmdline is extra kernel arguments, after "console=ttyS0 panic=-1"
	// (boxpark.modules=..., boxpark.root=/dev/vda, boxpark.ip=...).
	Cmdline []string
	// NIC adds a virtio-net NIC on QEMU's user-mode network with restrict=on:
	// nothing leaves the QEMU process and nothing is forwarded to the guest.
	// Its network is 10.0.2.0/24, for a guest address of 10.0.2.15/24.
	NIC bool
	// Accel is "tcg" (the default: -accel tcg,thread=multi -cpu max) or
	// "kvm" (-accel kvm -cpu host), for machines whose CPU has vmx or svm.
	Accel string
	// CPUs is the number of vCPUs: 1 when 0.
	CPUs int
	// MemoryMiB is the guest's memory: 512 when 0.
	MemoryMiB int
	// AllowReboot lets a guest reboot restart the VM; without it QEMU gets
	// -no-reboot, and a reboot (or a kernel panic, with panic=-1) ends QEMU.
	AllowReboot bool
	// SerialLog is the file that receives the serial console (ttyS0: the
	// kernel's messages and the guest's stderr): <Dir>/serial.log when empty.
	SerialLog string
	// ProxyHandler handles host-proxy connections; when nil they go to
	// Proxies.C().
	ProxyHandler func(*host.HostConn)
	// Timeout bounds the boot: from the start to the first Info on the event
	// stream and an RPC connection that answers. 120 s when 0.
	Timeout time.Duration
	// Stderr receives the output of vhost-device-vsock (at RUST_LOG=warn
	// unless RUST_LOG is set) and QEMU (discarded when nil).
	Stderr io.Writer
	// GuestCID is the guest's vsock context id: 3 when 0.
	GuestCID uint32
	// QEMUArgs are extra QEMU arguments, appended last.
	QEMUArgs []string
}

// VMGuest is a guest running as /init in a QEMU VM, with the host's event and
// proxy servers on the hybrid sockets that vhost-device-vsock serves.
type VMGuest struct {
	UDS      string            // the hybrid socket the host dials: <Dir>/vm.vsock
	Events   *host.EventServer // host port 1: <UDS>_1
	Proxies  *host.ProxyServer // host port 2: <UDS>_2
	Client   *host.Client      // the RPC connection
	Info     *contract.Info    // the first Info received
	BootTime time.Duration     // from QEMU's start to the first Info
	QEMU     *exec.Cmd
	Backend  *exec.Cmd

	serialLog string
	vhostSock string
	qemu      *proc
	backend   *proc
	closeOnce sync.Once
}

// vmPaths are the files of one VM's run directory.
type vmPaths struct {
	uds       string // <Dir>/vm.vsock: the hybrid socket
	vhostSock string // <Dir>/vhost.sock: the vhost-user socket between QEMU and the backend
	serialLog string
}

func (o *VMOptions) paths() vmPaths {
	p := vmPaths{
		uds:       filepath.Join(o.Dir, "vm.vsock"),
		vhostSock: filepath.Join(o.Dir, "vhost.sock"),
		serialLog: o.SerialLog,
	}
	if p.serialLog == "" {
		p.serialLog = filepath.Join(o.Dir, "serial.log")
	}
	return p
}

func (o *VMOptions) check() error {
	if o.Kernel == "" || o.Initrd == "" || o.Backend == "" || o.Dir == "" {
		return errors.New("StartVM: Kernel, Initrd, Backend and Dir are required")
	}
	switch o.Accel {
	case "", "tcg", "kvm":
	default:
		return fmt.Errorf("StartVM: Accel %q: want \"tcg\" or \"kvm\"", o.Accel)
	}
	if o.CPUs < 0 || o.MemoryMiB < 0 {
		return errors.New("StartVM: negative CPUs or MemoryMiB")
	}
	p := o.paths()
	for _, s := range []string{host.EventPath(p.uds), host.ProxyPath(p.uds), p.vhostSock} {
		if len(s) > 107 {
			return fmt.Errorf("socket path %s is %d bytes long, more than a Unix socket allows", s, len(s))
		}
	}
	return nil
}

// backendArgs are vhost-device-vsock's arguments: one VM, Unix sockets only
// (never --forward-cid or --forward-listen).
func (o *VMOptions) backendArgs() []string {
	p := o.paths()
	cid := o.GuestCID
	if cid == 0 {
		cid = 3
	}
	return []string{"--vm", fmt.Sprintf("guest-cid=%d,socket=%s,uds-path=%s", cid, p.vhostSock, p.uds)}
}

// qemuEscape doubles the commas of a value inside a QEMU option list.
func qemuEscape(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// kernelCmdline is the kernel's command line: the console on ttyS0, an
// immediate reboot (so, with -no-reboot, an exit of QEMU) on a panic, then
// Cmdline.
func (o *VMOptions) kernelCmdline() string {
	return strings.Join(append([]string{"console=ttyS0", "panic=-1"}, o.Cmdline...), " ")
}

// qemuArgs are QEMU's arguments.
func (o *VMOptions) qemuArgs() []string {
	p := o.paths()
	mem := o.MemoryMiB
	if mem == 0 {
		mem = 512
	}
	cpus := o.CPUs
	if cpus == 0 {
		cpus = 1
	}
	size := strconv.Itoa(mem) + "M"
	args := []string{"-nodefaults", "-no-user-config", "-display", "none"}
	if o.Accel == "kvm" {
		args = append(args, "-accel", "kvm", "-cpu", "host")
	} else {
		args = append(args, "-accel", "tcg,thread=multi", "-cpu", "max")
	}
	args = append(args,
		"-smp", strconv.Itoa(cpus),
		// vhost-user devices need the guest's RAM in shared memory.
		"-object", "memory-backend-memfd,id=mem,size="+size+",share=on",
		"-machine", "pc,memory-backend=mem",
		"-m", size,
		"-chardev", "socket,id=vsock0,path="+qemuEscape(p.vhostSock),
		"-device", "vhost-user-vsock-pci,chardev=vsock0",
		"-serial", "file:"+p.serialLog,
		"-kernel", o.Kernel,
		"-initrd", o.Initrd,
		"-append", o.kernelCmdline(),
	)
	if o.RootDisk != "" {
		args = append(args, "-drive", "file="+qemuEscape(o.RootDisk)+",format=raw,if=virtio,readonly=on")
	}
	if o.NIC {
		args = append(args,
			"-netdev", "user,id=net0,restrict=on,ipv6=off",
			"-device", "virtio-net-pci,netdev=net0,romfile=")
	}
	if !o.AllowReboot {
		args = append(args, "-no-reboot")
	}
	return append(args, o.QEMUArgs...)
}

// removeSocket removes path when it is a socket (a stale one from an earlier
// run), never any other kind of file.
func removeSocket(path string) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
}

// StartVM starts the event server on <Dir>/vm.vsock_1 and the proxy server
// on <Dir>/vm.vsock_2, then vhost-device-vsock (guest CID 3, its vhost-user
// socket <Dir>/vhost.sock, its hybrid socket <Dir>/vm.vsock), then QEMU; it
// waits for the guest's first Info on the event stream and opens the RPC
// connection. Both processes get SIGKILL should this process die. On an
// error everything started is ended; the serial log tail is in the error.
func StartVM(ctx context.Context, opts VMOptions) (_ *VMGuest, err error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 120 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	qemuBin := opts.QEMU
	if qemuBin == "" {
		qemuBin = "qemu-system-x86_64"
	}
	p := opts.paths()
	g := &VMGuest{UDS: p.uds, serialLog: p.serialLog, vhostSock: p.vhostSock}
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	removeSocket(p.uds)
	removeSocket(p.vhostSock)
	if g.Events, err = host.ListenEvents(p.uds); err != nil {
		return nil, err
	}
	if g.Proxies, err = host.ListenProxy(p.uds, opts.ProxyHandler); err != nil {
		return nil, err
	}
	out := opts.Stderr
	if out == nil {
		out = io.Discard
	}

	backend := exec.Command(opts.Backend, opts.backendArgs()...)
	backend.Stdout, backend.Stderr = out, out
	if _, ok := os.LookupEnv("RUST_LOG"); !ok {
		// Its warnings (a refused connection, a failed port allocation) are
		// what explains a host connection closed without "OK".
		backend.Env = append(os.Environ(), "RUST_LOG=warn")
	}
	backend.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if g.backend, err = startProc("vhost-device-vsock", backend); err != nil {
		return nil, err
	}
	g.Backend = backend
	for {
		if fi, err := os.Stat(p.vhostSock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			break
		}
		select {
		case <-g.backend.exited:
			return nil, fmt.Errorf("vhost-device-vsock exited before creating %s: %s", p.vhostSock, g.backend.describe())
		case <-ctx.Done():
			return nil, fmt.Errorf("vhost-device-vsock did not create %s: %w", p.vhostSock, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}

	qemu := exec.Command(qemuBin, opts.qemuArgs()...)
	qemu.Stdout, qemu.Stderr = out, out
	qemu.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if g.qemu, err = startProc("QEMU", qemu); err != nil {
		return nil, err
	}
	g.QEMU = qemu

	// The first Info, unless QEMU or the backend ends first.
	waitCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-g.qemu.exited:
		case <-g.backend.exited:
		case <-waitCtx.Done():
		}
		stop()
	}()
	e, err := g.Events.Wait(waitCtx, 0, func(e host.Event) bool { return e.Info != nil })
	if err != nil {
		why := err.Error()
		switch {
		case g.qemu.done():
			why = g.qemu.describe()
		case g.backend.done():
			why = g.backend.describe()
		case ctx.Err() != nil:
			why = fmt.Sprintf("no Info after %v", time.Since(start).Round(time.Millisecond))
		}
		return nil, fmt.Errorf("the guest did not boot: %s\nserial log (tail):\n%s", why, g.SerialTail(4096))
	}
	g.Info = e.Info
	g.BootTime = e.Received.Sub(start)
	if g.Client, err = host.DialRetry(ctx, p.uds); err != nil {
		return nil, fmt.Errorf("Info arrived but %w\nserial log (tail):\n%s", err, g.SerialTail(4096))
	}
	return g, nil
}

// Exited is closed once QEMU has exited.
func (g *VMGuest) Exited() <-chan struct{} { return g.qemu.exited }

// BackendExited is closed once vhost-device-vsock has exited.
func (g *VMGuest) BackendExited() <-chan struct{} { return g.backend.exited }

// Wait waits up to timeout for QEMU to exit and returns its state.
func (g *VMGuest) Wait(timeout time.Duration) (*os.ProcessState, error) {
	return g.qemu.wait(timeout, "QEMU")
}

// Kill sends SIGKILL to QEMU (by its PID) and waits for it.
func (g *VMGuest) Kill() { g.qemu.kill() }

// Shutdown calls Guest.Shutdown (a power-off) and waits up to timeout for
// QEMU to exit by itself; it returns QEMU's exit state.
func (g *VMGuest) Shutdown(ctx context.Context, timeout time.Duration) (*os.ProcessState, error) {
	return shutdown(ctx, g.Client, timeout, g.Wait)
}

// Reconnect waits for a new Info at event position from or later (the guest
// booted again, after a reboot) and replaces the RPC connection. It is bounded
// by ctx. When it fails, Client is the old, closed connection (its calls
// fail), never nil.
func (g *VMGuest) Reconnect(ctx context.Context, from int) error {
	if _, err := g.Events.Wait(ctx, from, func(e host.Event) bool { return e.Info != nil }); err != nil {
		return fmt.Errorf("no new Info: %w", err)
	}
	if g.Client != nil {
		g.Client.Close()
	}
	c, err := host.DialRetry(ctx, g.UDS)
	if err != nil {
		return err
	}
	g.Client = c
	return nil
}

// Stop ends the VM: Guest.Shutdown when QEMU still runs, then up to timeout
// for QEMU to exit by itself, SIGKILL when it does not; then [VMGuest.Close].
// It reports whether the guest powered off as asked.
func (g *VMGuest) Stop(timeout time.Duration) error {
	err := stop(g.qemu, g.Client, timeout, g.Shutdown, g.Kill, "killed QEMU")
	g.Close()
	return err
}

// Close ends QEMU and then vhost-device-vsock (SIGKILL, by their PIDs, when
// they still run) and waits for them, closes the RPC connection and the
// servers, and removes the backend's socket files. It is always safe to call,
// more than once too.
func (g *VMGuest) Close() {
	g.closeOnce.Do(func() {
		g.qemu.kill()
		if g.Client != nil {
			g.Client.Close()
		}
		g.backend.kill()
		if g.Proxies != nil {
			g.Proxies.Close()
		}
		if g.Events != nil {
			g.Events.Close()
		}
		removeSocket(g.UDS)
		removeSocket(g.vhostSock)
	})
}

// SerialLogPath is the serial console's log file.
func (g *VMGuest) SerialLogPath() string { return g.serialLog }

// SerialLog is the serial console's output so far (the kernel's messages and
// the guest's stderr); "" when there is none yet.
func (g *VMGuest) SerialLog() string {
	b, _ := os.ReadFile(g.serialLog)
	return string(b)
}

// SerialTail is at most the last n bytes of the serial log; when the kernel
// panicked, it ends shortly after the panic's first line instead, so that
// what led to the panic is not crowded out by its stack dump.
func (g *VMGuest) SerialTail(n int) string {
	return serialExcerpt(g.SerialLog(), n)
}

func serialExcerpt(s string, n int) string {
	end := len(s)
	if i := strings.Index(s, "Kernel panic"); i >= 0 {
		if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
			end = i + nl + 1
		}
	}
	start := 0
	if end > n {
		start = end - n
	}
	out := s[start:end]
	if start > 0 {
		out = "...\n" + out
	}
	if end < len(s) {
		out += fmt.Sprintf("... (%d more bytes)\n", len(s)-end)
	}
	return out
}
