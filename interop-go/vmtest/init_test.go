package vmtest

// The guest's duties as the VM's init (docs/PROTOCOL.md, "Boot"), checked
// from inside the VM: mounts, the switched root, the network, the host name,
// the environment, limits, OOM protection, and a missing /dev/null named.

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

func init() {
	register("Init/mounts", phaseServe, testInitMounts)
	register("Init/boot_log", phaseServe, testInitBootLog)
	register("Init/environment", phaseServe, testInitEnvironment)
	register("Init/limits", phaseServe, testInitLimits)
	register("Init/network", phaseServe, testInitNetwork)
	register("Init/dev_null_missing", phaseServe, testInitDevNullMissing)
}

// mountEntry is one line of /proc/mounts.
type mountEntry struct{ source, target, fstype, options string }

func (vm *VM) mounts(t *testing.T) map[string]mountEntry {
	t.Helper()
	out := vm.runOK(t, "cat", "/proc/mounts")
	m := map[string]mountEntry{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 {
			m[f[1]] = mountEntry{f[0], f[1], f[2], f[3]}
		}
	}
	return m
}

func testInitMounts(t *testing.T, vm *VM) {
	mounts := vm.mounts(t)
	want := map[string]string{
		"/":              "overlay",
		"/proc":          "proc",
		"/sys":           "sysfs",
		"/dev":           "devtmpfs",
		"/dev/pts":       "devpts",
		"/dev/shm":       "tmpfs",
		"/run":           "tmpfs",
		"/tmp":           "tmpfs",
		"/sys/fs/cgroup": "cgroup2",
		// The overlay's layers, moved out of the initramfs.
		"/run/boxpark/lower": "squashfs",
		"/run/boxpark/rw":    "tmpfs",
	}
	for target, fstype := range want {
		got, ok := mounts[target]
		if !ok {
			t.Errorf("%s is not mounted (want %s)", target, fstype)
			continue
		}
		if got.fstype != fstype {
			t.Errorf("%s is %s, want %s", target, got.fstype, fstype)
		}
	}
	if lower := mounts["/run/boxpark/lower"]; lower.source != "/dev/vda" || !strings.Contains(lower.options, "ro") {
		t.Errorf("the lower layer: %+v, want /dev/vda read-only", lower)
	}
	// The root is writable (the tmpfs upper layer) though the device is not.
	vm.runOK(t, "sh", "-c", "echo changed > /etc/boxpark-root-test && cat /etc/boxpark-root-test")
	// The initramfs's own files are gone from the new root's view, and the
	// initramfs was emptied (its /init is not reachable either way; what is
	// checked here is that the guest runs from the new root).
	if out := vm.runOK(t, "sh", "-c", "ls /init 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("ls /init in the new root: %q, want no such file", out)
	}
	for _, link := range []string{"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"} {
		if out := vm.runOK(t, "readlink", link); !strings.HasPrefix(out, "/proc/") {
			t.Errorf("readlink %s: %q", link, out)
		}
	}
}

func testInitBootLog(t *testing.T, vm *VM) {
	// Every module of boxpark.modules was loaded and said so.
	for _, m := range strings.Split(readLine(t, vm.Out+"/modules.txt"), ",") {
		if _, err := vm.Events.Wait(vm.ctx(t, callTimeout), 0, func(e host.Event) bool {
			return e.Log != nil && strings.HasPrefix(e.Log.Message, "boot: ") &&
				(strings.Contains(e.Log.Message, "loaded module "+m+" ") ||
					strings.Contains(e.Log.Message, "module "+m+" is built in"))
		}); err != nil {
			t.Errorf("no boot log for module %s: %v", m, err)
		}
	}
	for _, want := range []string{"switched root to /dev/vda", "lo is up", "eth0 has " + guestCIDR, "kernel command line:"} {
		if _, err := vm.Events.WaitLog(vm.ctx(t, callTimeout), 0, 0, want); err != nil {
			t.Errorf("no boot log mentioning %q: %v", want, err)
		}
	}
	fin, err := vm.Events.WaitLog(vm.ctx(t, callTimeout), 0, 0, "boot finished")
	if err != nil {
		t.Fatalf("no 'boot finished' log: %v", err)
	}
	if fin.Attrs["failed_steps"] != "0" {
		var failed []string
		for _, e := range vm.Events.Events() {
			if e.Log != nil && strings.HasPrefix(e.Log.Message, "boot step failed") {
				failed = append(failed, host.FormatLog(e.Log))
			}
		}
		t.Errorf("boot finished with failed_steps=%q:\n%s", fin.Attrs["failed_steps"], strings.Join(failed, "\n"))
	}
}

func testInitEnvironment(t *testing.T, vm *VM) {
	env := vm.runOK(t, "env")
	for _, want := range []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
		"TERM=linux",
	} {
		if !strings.Contains("\n"+env, "\n"+want+"\n") {
			t.Errorf("the default environment lacks %s:\n%s", want, env)
		}
	}
	if got := strings.TrimSpace(vm.runOK(t, "hostname")); got != "boxpark" {
		t.Errorf("hostname %q, want the default boxpark", got)
	}
}

func testInitLimits(t *testing.T, vm *VM) {
	if got := strings.TrimSpace(vm.runOK(t, "sh", "-c", "ulimit -n")); got != "1048576" {
		t.Errorf("ulimit -n in a child: %q, want 1048576 (fs.nr_open)", got)
	}
	if got := strings.TrimSpace(vm.runOK(t, "cat", "/proc/1/oom_score_adj")); got != "-1000" {
		t.Errorf("the guest's oom_score_adj %q, want -1000", got)
	}
	if got := strings.TrimSpace(vm.runOK(t, "cat", "/proc/self/oom_score_adj")); got != "0" {
		t.Errorf("a child's oom_score_adj %q, want 0", got)
	}
	if got := strings.TrimSpace(vm.runOK(t, "cat", "/proc/1/comm")); got != "init" && got != "boxpark-guest" {
		t.Errorf("PID 1 is %q, want the guest", got)
	}
}

func testInitNetwork(t *testing.T, vm *VM) {
	// lo is up: a listener on 127.0.0.1 in the guest is reachable from the guest.
	resp, err := vm.Client.Listen(vm.ctx(t, callTimeout), contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ifaces := vm.runOK(t, "cat", "/proc/net/route", "/sys/class/net/lo/operstate", "/sys/class/net/eth0/operstate")
	if !strings.Contains(ifaces, "eth0") {
		t.Errorf("no route on eth0:\n%s", ifaces)
	}
	addrs := vm.runOK(t, "ip", "-4", "addr")
	if !strings.Contains(addrs, "inet 127.0.0.1/8") || !strings.Contains(addrs, "inet "+guestCIDR) {
		t.Errorf("ip -4 addr:\n%s\nwant 127.0.0.1/8 and %s", addrs, guestCIDR)
	}
	// A client in the guest reaches the Listen socket on 127.0.0.1 (not
	// ENETUNREACH) and the host's answer comes back to it.
	drainHostConns(t, vm)
	answered := make(chan error, 1)
	go func() {
		select {
		case hc := <-vm.Proxies.C():
			defer hc.Close()
			_ = hc.Conn.SetDeadline(time.Now().Add(callTimeout))
			got, err := io.ReadAll(hc.Conn)
			if err == nil && string(got) != "ping" {
				err = fmt.Errorf("the host read %q", got)
			}
			if err == nil {
				_, err = hc.Conn.Write([]byte("pong"))
			}
			answered <- err
		case <-time.After(callTimeout):
			answered <- errors.New("no host proxy connection")
		}
	}()
	if out := vm.runOK(t, "vm-peer", "send", "tcp", resp.Address, "ping"); out != "pong\n" {
		t.Errorf("vm-peer send tcp %s: %q, want pong", resp.Address, out)
	}
	if err := <-answered; err != nil {
		t.Error(err)
	}
}

// drainHostConns closes the host-proxy connections queued so far (those of
// a case that only checks the guest side).
func drainHostConns(t *testing.T, vm *VM) {
	t.Helper()
	for {
		select {
		case c := <-vm.Proxies.C():
			c.Close()
		default:
			return
		}
	}
}

func testInitDevNullMissing(t *testing.T, vm *VM) {
	// Stdin non-empty: a pipe, so these two run without /dev/null.
	stdin := []byte("x")
	restore := contract.RunRequest{Command: "sh", Args: []string{"-c", "mknod -m 666 /dev/null c 1 3"}, Stdin: stdin}
	rm := vm.run(t, contract.RunRequest{Command: "rm", Args: []string{"/dev/null"}, Stdin: stdin})
	if rm.ExitCode != 0 {
		t.Fatalf("rm /dev/null: exit %d, %s", rm.ExitCode, rm.Stderr)
	}
	defer func() {
		if r := vm.run(t, restore); r.ExitCode != 0 {
			t.Errorf("restoring /dev/null: exit %d, %s", r.ExitCode, r.Stderr)
		}
	}()
	_, err := vm.Client.Run(vm.ctx(t, callTimeout), contract.RunRequest{Command: "uname"})
	msg, ok := host.IsServerError(err)
	if !ok {
		t.Fatalf("Run uname without /dev/null: %v, want an error answered by the guest", err)
	}
	if want := "open /dev/null: no such file or directory"; msg != want {
		t.Errorf("Run uname without /dev/null: %q, want %q", msg, want)
	}
	if strings.Contains(msg, "uname") {
		t.Errorf("the error names the program: %q", msg)
	}
}
