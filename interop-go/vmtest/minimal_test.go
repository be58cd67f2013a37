package vmtest

// A VM of nothing but a kernel and the guest: the initramfs alone (the
// guest as /init and its modules), no root disk, no NIC, no userland. The
// guest must boot, report itself, serve what needs no program (Mkdir,
// Write, the file proxy, Listen) and power off; a Run fails with the error
// that names the missing program.

import (
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

func TestMinimalVM(t *testing.T) {
	vm := bootVM(t, func(o *guesttest.VMOptions) {
		o.RootDisk = ""
		o.NIC = false
		var kept []string
		for _, arg := range o.Cmdline {
			if !strings.HasPrefix(arg, "boxpark.root=") && !strings.HasPrefix(arg, "boxpark.ip=") {
				kept = append(kept, arg)
			}
		}
		o.Cmdline = kept
	})
	if vm.Info.IP != "" {
		t.Errorf("Info.IP %q without a NIC, want \"\"", vm.Info.IP)
	}
	fin, err := vm.Events.WaitLog(vm.ctx(t, callTimeout), 0, 0, "boot finished")
	if err != nil {
		t.Fatalf("no 'boot finished': %v", err)
	}
	if fin.Attrs["failed_steps"] != "0" {
		t.Errorf("boot finished with failed_steps=%q", fin.Attrs["failed_steps"])
	}
	if _, err := vm.Events.WaitLog(vm.ctx(t, callTimeout), 0, -4, "staying in the initramfs"); err != nil {
		t.Errorf("no log that the guest stays in the initramfs: %v", err)
	}

	ctx := vm.ctx(t, callTimeout)
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/etc/demo"}); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	data := []byte("written in a VM with no userland\n")
	if err := vm.Client.Write(ctx, contract.WriteRequest{Path: "/etc/demo/file", Data: data}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := host.ReadFile(ctx, vm.UDS, "/etc/demo/file")
	if err != nil || string(got) != string(data) {
		t.Errorf("file proxy: %q, %v", got, err)
	}
	// The mounts of the init are there without any program to check them: read /proc itself.
	mounts, err := host.ReadFile(ctx, vm.UDS, "/proc/mounts")
	if err != nil {
		t.Fatalf("file proxy /proc/mounts: %v", err)
	}
	for _, target := range []string{" /proc ", " /sys ", " /dev ", " /run ", " /tmp ", " /sys/fs/cgroup "} {
		if !strings.Contains(string(mounts), target) {
			t.Errorf("/proc/mounts lacks%s:\n%s", target, mounts)
		}
	}
	if _, err := vm.Client.Listen(ctx, contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"}); err != nil {
		t.Errorf("Listen: %v", err)
	}
	_, err = vm.Client.Run(ctx, contract.RunRequest{Command: "uname"})
	if msg, ok := host.IsServerError(err); !ok || msg != `exec: "uname": executable file not found in $PATH` {
		t.Errorf("Run uname with no userland: %v", err)
	}

	start := time.Now()
	if err := vm.Client.Shutdown(ctx, contract.ShutdownRequest{}); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := vm.Wait(powerOffTimeout); err != nil {
		t.Fatalf("after Shutdown: %v", err)
	}
	t.Logf("booted in %v; powered off %v after Shutdown", vm.BootTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if !strings.Contains(vm.SerialLog(), serialPowerOff) {
		t.Errorf("no %q on the console", serialPowerOff)
	}
}
