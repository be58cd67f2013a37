package vmtest

// Shutdown{Reboot: true}: the VM restarts (QEMU keeps running), the guest
// boots again, a second Info arrives, and the host reconnects. The new boot
// has a new boot id and a clean root (the tmpfs over the squashfs is new).

import (
	"strings"
	"testing"

	"boxpark.dev/interop-go/contract"
)

func init() {
	register("Shutdown/reboot", phaseReboot, testShutdownReboot)
}

func testShutdownReboot(t *testing.T, vm *VM) {
	bootID := strings.TrimSpace(vm.runOK(t, "cat", "/proc/sys/kernel/random/boot_id"))
	vm.runOK(t, "sh", "-c", "echo before > /root/left-by-the-first-boot")
	mark := vm.Events.Mark()
	conns := vm.Events.Connections()
	if err := vm.Client.Shutdown(vm.ctx(t, callTimeout), contract.ShutdownRequest{Reboot: true}); err != nil {
		t.Fatalf("Guest.Shutdown{Reboot: true}: %v", err)
	}
	if err := vm.Reconnect(vm.ctx(t, bootTimeout), mark); err != nil {
		t.Fatalf("after the reboot: %v\nserial log (tail):\n%s", err, vm.SerialTail(4<<10))
	}
	vm.requireRunning(t)
	if vm.Events.Connections() <= conns {
		t.Errorf("event connections %d after the reboot, had %d", vm.Events.Connections(), conns)
	}
	if n := strings.Count(vm.SerialLog(), "Run /init as init process"); n < 2 {
		t.Errorf("the kernel started /init %d times, want 2", n)
	}
	after := strings.TrimSpace(vm.runOK(t, "cat", "/proc/sys/kernel/random/boot_id"))
	if after == bootID || after == "" {
		t.Errorf("boot id %q after the reboot, was %q", after, bootID)
	}
	if out := vm.runOK(t, "sh", "-c", "cat /root/left-by-the-first-boot 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("the root kept a file of the first boot: %q", out)
	}
}
