package vmtest

// The first cases: the guest boots as /init, serves Run from the squashfs
// root, and powers the VM off on Shutdown.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
)

func init() {
	register("Info", phaseServe, testInfo)
	register("Run/uname", phaseServe, testRunUname)
	register("Run/root_marker", phaseServe, testRootMarker)
	register("Shutdown/power_off", phaseLast, testShutdownPowerOff)
}

// kernelTime is the kernel's timestamp on its "Run /init" line.
var kernelTime = regexp.MustCompile(`\[\s*([0-9]+\.[0-9]+)\] Run /init as init process`)

func testInfo(t *testing.T, vm *VM) {
	t.Logf("boot time (QEMU start to Info): %v", vm.BootTime.Round(time.Millisecond))
	if m := kernelTime.FindStringSubmatch(vm.SerialLog()); m != nil {
		t.Logf("kernel reached /init at %s s of its own clock", m[1])
	}
	if vm.Info.Version == "" {
		t.Errorf("Info with an empty Version: %+v", *vm.Info)
	}
	if vm.Info.IP != guestIP {
		t.Errorf("Info.IP %q, want %q (boxpark.ip=eth0:%s)", vm.Info.IP, guestIP, guestCIDR)
	}
	if errs := vm.Events.Errors(); len(errs) > 0 {
		t.Errorf("event stream errors: %v", errs)
	}
}

func testRunUname(t *testing.T, vm *VM) {
	start := time.Now()
	out := vm.runOK(t, "uname", "-a")
	t.Logf("uname -a (%v): %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))
	if !strings.HasPrefix(out, "Linux ") || !strings.Contains(out, vm.KernelVersion) {
		t.Errorf("uname -a: %q, want Linux %s", out, vm.KernelVersion)
	}
}

func testRootMarker(t *testing.T, vm *VM) {
	if out := vm.runOK(t, "cat", "/etc/boxpark-root"); out != "squashfs root\n" {
		t.Errorf("/etc/boxpark-root: %q, want \"squashfs root\\n\"", out)
	}
}

func testShutdownPowerOff(t *testing.T, vm *VM) {
	vm.requireRunning(t)
	start := time.Now()
	if err := vm.Client.Shutdown(vm.ctx(t, callTimeout), contract.ShutdownRequest{}); err != nil {
		t.Fatalf("Guest.Shutdown: %v", err)
	}
	state, err := vm.Wait(powerOffTimeout)
	if err != nil {
		t.Fatalf("after Guest.Shutdown: %v", err)
	}
	t.Logf("QEMU exited %v after Shutdown: %v", time.Since(start).Round(time.Millisecond), state)
	log := vm.SerialLog()
	if strings.Contains(log, serialPanic) {
		t.Errorf("the kernel panicked instead of powering off")
	}
	if !strings.Contains(log, serialPowerOff) {
		t.Errorf("no %q on the serial console", serialPowerOff)
	}
	if !state.Success() {
		t.Errorf("QEMU: %v", state)
	}
}
