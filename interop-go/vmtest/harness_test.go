// Package vmtest runs the guest as /init in a real QEMU VM, over virtio-vsock
// served by vhost-device-vsock, and drives it with the Go host library.
//
// It needs the images that scripts/vm/{setup,build-guest,image}.sh leave in
// OUT (target/vm): set BOXPARK_VM_DIR=OUT, or run scripts/vm/run-tests.sh.
// Without BOXPARK_VM_DIR every test skips.
//
// One VM is booted for TestVM and shared by its subtests, which run in
// phases: every [phaseServe] case first (the VM must still serve), in the
// order registered, then [phaseReboot] cases, then [phaseLast] cases (which
// may end the VM). Add a case from any _test.go file of the package:
//
//	func init() { register("Listen/tcp", phaseServe, testListenTCP) }
//
//	func testListenTCP(t *testing.T, vm *VM) { ... vm.Client ... }
//
// A test that needs a VM of its own (other options) calls [bootVM] with a
// function that adjusts the options; the VM is ended at the end of the test.
// `go test -run 'TestVM/Run'` selects cases by name as usual.
package vmtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/internal/hosttest"
)

// Environment.
const (
	// dirEnv names OUT of scripts/vm (vmlinuz, initrd.img, root.squashfs,
	// modules.txt, bin/vhost-device-vsock). Unset: the tests skip.
	dirEnv = "BOXPARK_VM_DIR"
	// backendEnv overrides the vhost-device-vsock binary (default
	// OUT/bin/vhost-device-vsock).
	backendEnv = "BOXPARK_VM_BACKEND"
	// accelEnv is "tcg" (default) or "kvm".
	accelEnv = "BOXPARK_VM_ACCEL"
	// keepEnv=1 keeps each VM's run directory (serial log, sockets) and
	// prints where it is.
	keepEnv = "BOXPARK_VM_KEEP"
	// cmdlineEnv adds kernel arguments (space-separated) to every VM.
	cmdlineEnv = "BOXPARK_VM_CMDLINE"
)

// Bounds of every wait.
const (
	// bootTimeout bounds a boot: QEMU's start to Info and an RPC connection.
	// Under TCG on a busy 2-core machine a boot takes 5-20 s.
	bootTimeout = 150 * time.Second
	// callTimeout bounds one RPC call or proxy exchange (TCG is slow).
	callTimeout = 60 * time.Second
	// powerOffTimeout bounds the wait for QEMU to exit after Shutdown.
	powerOffTimeout = 60 * time.Second
	// stopTimeout bounds the final Stop of a VM that still runs.
	stopTimeout = 30 * time.Second
)

// Guest addresses on QEMU's user-mode network (restrict=on).
const (
	guestIP   = "10.0.2.15"
	guestCIDR = guestIP + "/24"
)

// Serial-log lines of the kernel.
const (
	serialPowerOff = "reboot: Power down"
	serialPanic    = "Kernel panic"
)

// phase orders the cases of TestVM.
type phase int

const (
	// phaseServe cases need a serving VM and leave it serving.
	phaseServe phase = iota
	// phaseReboot cases may reboot the VM (the harness boots with
	// AllowReboot) and must leave it serving, reconnected.
	phaseReboot
	// phaseLast cases may end the VM; they run after all others.
	phaseLast
)

// vmCase is one subtest of TestVM.
type vmCase struct {
	name  string
	phase phase
	fn    func(*testing.T, *VM)
}

var cases []vmCase

// register adds a subtest to TestVM (call it from an init function).
func register(name string, p phase, fn func(*testing.T, *VM)) {
	cases = append(cases, vmCase{name: name, phase: p, fn: fn})
}

// VM is a booted VM with its files, for the tests.
type VM struct {
	*guesttest.VMGuest
	Out           string // BOXPARK_VM_DIR
	Dir           string // this VM's run directory
	KernelVersion string // OUT/kernel-version
	Options       guesttest.VMOptions
	output        *hosttest.SyncBuffer // vhost-device-vsock's and QEMU's output
}

// TestVM boots one VM and runs every registered case against it, by phase.
func TestVM(t *testing.T) {
	vm := bootVM(t, func(o *guesttest.VMOptions) { o.AllowReboot = hasPhase(phaseReboot) })
	ordered := append([]vmCase(nil), cases...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].phase < ordered[j].phase })
	for _, c := range ordered {
		c := c
		t.Run(c.name, func(t *testing.T) {
			if c.phase != phaseLast {
				vm.requireRunning(t)
			}
			c.fn(t, vm)
		})
	}
}

func hasPhase(p phase) bool {
	for _, c := range cases {
		if c.phase == p {
			return true
		}
	}
	return false
}

// requireOut returns BOXPARK_VM_DIR, skipping the test when it is unset and
// failing it when a file the VM needs is missing.
func requireOut(t *testing.T) string {
	t.Helper()
	out := os.Getenv(dirEnv)
	if out == "" {
		t.Skipf("skipped: no VM; set %s to the OUT directory of scripts/vm (target/vm), or run scripts/vm/run-tests.sh", dirEnv)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"vmlinuz", "initrd.img", "root.squashfs", "modules.txt", "kernel-version"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("%s=%s: %v (run scripts/vm/setup.sh, build-guest.sh and image.sh)", dirEnv, out, err)
		}
	}
	return out
}

func readLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// bootVM boots a VM for t from BOXPARK_VM_DIR (skipping without it), with
// the root disk, the NIC and the standard kernel arguments, after adjust (when
// not nil) has changed the options. The VM is stopped at the end of the test,
// and the serial log, the events and the processes' output are logged when
// the test failed.
func bootVM(t *testing.T, adjust func(*guesttest.VMOptions)) *VM {
	t.Helper()
	out := requireOut(t)
	backend := os.Getenv(backendEnv)
	if backend == "" {
		backend = filepath.Join(out, "bin", "vhost-device-vsock")
	}
	if _, err := os.Stat(backend); err != nil {
		t.Fatalf("vhost-device-vsock: %v (scripts/vm/setup.sh builds it; or set %s)", err, backendEnv)
	}
	dir, err := os.MkdirTemp("", "bpvm")
	if err != nil {
		t.Fatal(err)
	}
	vm := &VM{
		Out:           out,
		Dir:           dir,
		KernelVersion: readLine(t, filepath.Join(out, "kernel-version")),
		output:        &hosttest.SyncBuffer{},
	}
	cmdline := []string{
		"boxpark.modules=" + readLine(t, filepath.Join(out, "modules.txt")),
		"boxpark.root=/dev/vda",
		"boxpark.ip=eth0:" + guestCIDR,
		"boxpark.log=debug",
	}
	cmdline = append(cmdline, strings.Fields(os.Getenv(cmdlineEnv))...)
	vm.Options = guesttest.VMOptions{
		Kernel:   filepath.Join(out, "vmlinuz"),
		Initrd:   filepath.Join(out, "initrd.img"),
		RootDisk: filepath.Join(out, "root.squashfs"),
		Backend:  backend,
		Dir:      dir,
		Cmdline:  cmdline,
		NIC:      true,
		Accel:    os.Getenv(accelEnv),
		Timeout:  bootTimeout,
		Stderr:   vm.output,
	}
	if adjust != nil {
		adjust(&vm.Options)
	}
	t.Cleanup(func() {
		if os.Getenv(keepEnv) == "1" {
			t.Logf("kept the run directory %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	})
	g, err := guesttest.StartVM(context.Background(), vm.Options)
	if err != nil {
		// StartVM has ended what it started; its error holds the serial log tail.
		t.Fatalf("booting the VM: %v\nvhost-device-vsock and QEMU output (tail):\n%s", err, tail(vm.output.String(), 4<<10))
	}
	vm.VMGuest = g
	t.Cleanup(func() {
		if err := g.Stop(stopTimeout); err != nil {
			t.Errorf("stopping the VM: %v", err)
		}
		if t.Failed() {
			vm.dump(t)
		}
	})
	t.Logf("booted in %v: Info version %q, IP %q", g.BootTime.Round(time.Millisecond), g.Info.Version, g.Info.IP)
	return vm
}

// dump logs the tails of the serial log, the events and the processes'
// output.
func (vm *VM) dump(t *testing.T) {
	t.Logf("serial log %s (tail):\n%s", vm.SerialLogPath(), vm.SerialTail(8<<10))
	events := vm.Events.Events()
	var b strings.Builder
	if len(events) > 60 {
		fmt.Fprintf(&b, "... (%d earlier)\n", len(events)-60)
		events = events[len(events)-60:]
	}
	for _, e := range events {
		fmt.Fprintln(&b, e.String())
	}
	t.Logf("events (tail):\n%s", b.String())
	if s := vm.output.String(); s != "" {
		t.Logf("vhost-device-vsock and QEMU output (tail):\n%s", tail(s, 4<<10))
	}
}

// running reports whether QEMU still runs.
func (vm *VM) running() bool {
	select {
	case <-vm.Exited():
		return false
	default:
		return true
	}
}

// requireRunning fails t at once when QEMU has exited (an earlier case ended
// the VM, or the guest crashed).
func (vm *VM) requireRunning(t *testing.T) {
	t.Helper()
	if !vm.running() {
		t.Fatalf("the VM is no longer running; serial log (tail):\n%s", vm.SerialTail(2<<10))
	}
}

// ctx is a context bounded by d, cancelled at the end of t.
func (vm *VM) ctx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// run calls Guest.Run (bounded by callTimeout) and fails t on an error.
func (vm *VM) run(t *testing.T, req contract.RunRequest) *contract.RunResponse {
	t.Helper()
	resp, err := vm.Client.Run(vm.ctx(t, callTimeout), req)
	if err != nil {
		t.Fatalf("Run %s %q: %v", req.Command, req.Args, err)
	}
	return resp
}

// runOK runs command with args, requires exit status 0 and returns stdout.
func (vm *VM) runOK(t *testing.T, command string, args ...string) string {
	t.Helper()
	resp := vm.run(t, contract.RunRequest{Command: command, Args: args})
	if resp.ExitCode != 0 {
		t.Fatalf("Run %s %q: exit %d, stdout %q, stderr %q", command, args, resp.ExitCode, resp.Stdout, resp.Stderr)
	}
	return string(resp.Stdout)
}

// tail is at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "...\n" + s[len(s)-n:]
	}
	return s
}
