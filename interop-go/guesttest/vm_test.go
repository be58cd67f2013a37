package guesttest

import (
	"context"
	"strings"
	"testing"
)

// argAfter is the value that follows flag in args (the n-th occurrence,
// from 0), or "" when there is none.
func argAfter(args []string, flag string, n int) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			if n == 0 {
				return args[i+1]
			}
			n--
		}
	}
	return ""
}

func has(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

func TestVMQEMUArgsDefaults(t *testing.T) {
	o := VMOptions{Kernel: "/k/vmlinuz", Initrd: "/k/initrd.img", Backend: "/b", Dir: "/tmp/bpvm1"}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	args := o.qemuArgs()
	want := map[string]string{
		"-accel":   "tcg,thread=multi",
		"-cpu":     "max",
		"-smp":     "1",
		"-m":       "512M",
		"-object":  "memory-backend-memfd,id=mem,size=512M,share=on",
		"-machine": "pc,memory-backend=mem",
		"-chardev": "socket,id=vsock0,path=/tmp/bpvm1/vhost.sock",
		"-device":  "vhost-user-vsock-pci,chardev=vsock0",
		"-serial":  "file:/tmp/bpvm1/serial.log",
		"-kernel":  "/k/vmlinuz",
		"-initrd":  "/k/initrd.img",
		"-append":  "console=ttyS0 panic=-1",
		"-display": "none",
	}
	for flag, v := range want {
		if got := argAfter(args, flag, 0); got != v {
			t.Errorf("%s %q, want %q (args %q)", flag, got, v, args)
		}
	}
	for _, flag := range []string{"-nodefaults", "-no-reboot"} {
		if !has(args, flag) {
			t.Errorf("no %s in %q", flag, args)
		}
	}
	for _, flag := range []string{"-drive", "-netdev", "-nic", "-net"} {
		if has(args, flag) {
			t.Errorf("unasked-for %s in %q", flag, args)
		}
	}
	if got := strings.Join(o.backendArgs(), " "); got != "--vm guest-cid=3,socket=/tmp/bpvm1/vhost.sock,uds-path=/tmp/bpvm1/vm.vsock" {
		t.Errorf("backend args %q", got)
	}
}

func TestVMQEMUArgsOptions(t *testing.T) {
	o := VMOptions{
		Kernel: "/k/vmlinuz", Initrd: "/k/initrd.img", Backend: "/b", Dir: "/tmp/a,b",
		RootDisk: "/img/root,1.squashfs", NIC: true, Accel: "kvm", CPUs: 2, MemoryMiB: 1024,
		AllowReboot: true, SerialLog: "/log/s.log", GuestCID: 7,
		Cmdline:  []string{"boxpark.root=/dev/vda", "boxpark.ip=eth0:10.0.2.15/24"},
		QEMUArgs: []string{"-s"},
	}
	args := o.qemuArgs()
	for flag, v := range map[string]string{
		"-accel":   "kvm",
		"-cpu":     "host",
		"-smp":     "2",
		"-m":       "1024M",
		"-object":  "memory-backend-memfd,id=mem,size=1024M,share=on",
		"-chardev": "socket,id=vsock0,path=/tmp/a,,b/vhost.sock",
		"-drive":   "file=/img/root,,1.squashfs,format=raw,if=virtio,readonly=on",
		"-netdev":  "user,id=net0,restrict=on,ipv6=off",
		"-serial":  "file:/log/s.log",
		"-append":  "console=ttyS0 panic=-1 boxpark.root=/dev/vda boxpark.ip=eth0:10.0.2.15/24",
	} {
		if got := argAfter(args, flag, 0); got != v {
			t.Errorf("%s %q, want %q", flag, got, v)
		}
	}
	if got := argAfter(args, "-device", 1); got != "virtio-net-pci,netdev=net0,romfile=" {
		t.Errorf("second -device %q", got)
	}
	if has(args, "-no-reboot") {
		t.Errorf("-no-reboot despite AllowReboot: %q", args)
	}
	if args[len(args)-1] != "-s" {
		t.Errorf("QEMUArgs not last: %q", args)
	}
	if got := o.backendArgs()[1]; !strings.HasPrefix(got, "guest-cid=7,") {
		t.Errorf("backend args %q", got)
	}
	for _, a := range o.backendArgs() {
		if strings.Contains(a, "forward") {
			t.Errorf("backend forwards: %q", o.backendArgs())
		}
	}
}

func TestVMOptionsCheck(t *testing.T) {
	long := "/tmp/" + strings.Repeat("d", 100)
	for _, o := range []VMOptions{
		{},
		{Kernel: "k", Initrd: "i", Backend: "b"},
		{Kernel: "k", Initrd: "i", Backend: "b", Dir: long},
		{Kernel: "k", Initrd: "i", Backend: "b", Dir: "/tmp/x", Accel: "hvf"},
	} {
		if err := o.check(); err == nil {
			t.Errorf("%+v: no error", o)
		}
		if _, err := StartVM(context.Background(), o); err == nil {
			t.Errorf("StartVM(%+v): no error", o)
		}
	}
}

func TestSerialExcerpt(t *testing.T) {
	if got := serialExcerpt("abcdef", 4); got != "...\ncdef" {
		t.Errorf("tail: %q", got)
	}
	if got := serialExcerpt("abc", 4); got != "abc" {
		t.Errorf("short: %q", got)
	}
	log := "boot\nerror: os error 97\nKernel panic - not syncing\nstack\nstack\n"
	if got := serialExcerpt(log, 100); got != "boot\nerror: os error 97\nKernel panic - not syncing\n... (12 more bytes)\n" {
		t.Errorf("panic: %q", got)
	}
}
