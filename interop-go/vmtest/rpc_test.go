package vmtest

// Every Guest method against the VM, with the effects checked inside the VM
// (through Run and the file proxy), where the emulation suite checks the
// host's own filesystem.

import (
	"io"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

func init() {
	register("Mount/tmpfs", phaseServe, testMountTmpfs)
	register("Run/stdin_stderr_exit", phaseServe, testRunStdinStderrExit)
	register("Run/env_dir", phaseServe, testRunEnvDir)
	register("Run/timeout", phaseServe, testRunTimeout)
	register("Write/file", phaseServe, testWriteFile)
	register("Write/proc_sys", phaseServe, testWriteProcSys)
	register("Mkdir/nested", phaseServe, testMkdirNested)
	register("Listen/every_network", phaseServe, testListenEveryNetwork)
}

// readFile reads path in the guest through a file proxy connection.
func (vm *VM) readFile(t *testing.T, path string) string {
	t.Helper()
	conn, err := host.ProxyContext(vm.ctx(t, callTimeout), vm.UDS, contract.ProxyRequest{Network: "file", Address: path})
	if err != nil {
		t.Fatalf("file proxy %s: %v", path, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(callTimeout))
	data, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("file proxy %s: %v", path, err)
	}
	return string(data)
}

func testMountTmpfs(t *testing.T, vm *VM) {
	ctx := vm.ctx(t, callTimeout)
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/mnt/scratch"}); err != nil {
		t.Fatal(err)
	}
	err := vm.Client.Mount(ctx, contract.MountRequest{Source: "tmpfs", Target: "/mnt/scratch", FSType: "tmpfs", Flags: 0x2 /* MS_NOSUID */, Data: "size=4m,mode=0700"})
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	defer vm.runOK(t, "umount", "/mnt/scratch")
	m, ok := vm.mounts(t)["/mnt/scratch"]
	if !ok || m.fstype != "tmpfs" || !strings.Contains(m.options, "nosuid") || !strings.Contains(m.options, "size=4096k") {
		t.Errorf("/mnt/scratch after Mount: %+v", m)
	}
	// A mount on a target that does not exist fails with the guest's text.
	err = vm.Client.Mount(ctx, contract.MountRequest{Source: "tmpfs", Target: "/mnt/missing", FSType: "tmpfs"})
	if msg, ok := host.IsServerError(err); !ok || !strings.Contains(msg, "/mnt/missing") {
		t.Errorf("Mount on a missing target: %v", err)
	}
}

func testRunStdinStderrExit(t *testing.T, vm *VM) {
	resp := vm.run(t, contract.RunRequest{Command: "sh", Args: []string{"-c", "tr a-z A-Z; echo oops >&2; exit 7"}, Stdin: []byte("hello vm\n")})
	if string(resp.Stdout) != "HELLO VM\n" || string(resp.Stderr) != "oops\n" || resp.ExitCode != 7 {
		t.Errorf("Run: exit %d, stdout %q, stderr %q", resp.ExitCode, resp.Stdout, resp.Stderr)
	}
	// Ended by a signal: -1, as Go's ExitCode().
	if resp := vm.run(t, contract.RunRequest{Command: "sh", Args: []string{"-c", "kill -9 $$"}}); resp.ExitCode != -1 {
		t.Errorf("killed by a signal: exit %d, want -1", resp.ExitCode)
	}
	_, err := vm.Client.Run(vm.ctx(t, callTimeout), contract.RunRequest{Command: "no-such-program"})
	if msg, ok := host.IsServerError(err); !ok || msg != `exec: "no-such-program": executable file not found in $PATH` {
		t.Errorf("a missing program: %v", err)
	}
}

func testRunEnvDir(t *testing.T, vm *VM) {
	resp := vm.run(t, contract.RunRequest{Command: "sh", Args: []string{"-c", "pwd; echo $ONLY; echo ${HOME:-no HOME}"}, Env: []string{"ONLY=this", "PATH=/bin"}, Dir: "/etc"})
	if string(resp.Stdout) != "/etc\nthis\nno HOME\n" {
		t.Errorf("Env and Dir: stdout %q (stderr %q)", resp.Stdout, resp.Stderr)
	}
}

func testRunTimeout(t *testing.T, vm *VM) {
	start := time.Now()
	_, err := vm.Client.Run(vm.ctx(t, callTimeout), contract.RunRequest{
		Command: "sh", Args: []string{"-c", "sleep 60 & sleep 60"}, Timeout: 2 * time.Second,
	})
	msg, ok := host.IsServerError(err)
	if !ok || !strings.Contains(msg, "timed out") {
		t.Fatalf("Run with Timeout: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	// The whole group was killed: no sleep 60 is left.
	if out := vm.runOK(t, "sh", "-c", "ps -o args | grep '^sleep 60' || true"); out != "" {
		t.Errorf("left after the timeout:\n%s", out)
	}
}

func testWriteFile(t *testing.T, vm *VM) {
	ctx := vm.ctx(t, callTimeout)
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/etc/docker"}); err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"log-level": "info"}` + "\n")
	if err := vm.Client.Write(ctx, contract.WriteRequest{Path: "/etc/docker/daemon.json", Data: data, Mode: 0o600}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := vm.readFile(t, "/etc/docker/daemon.json"); got != string(data) {
		t.Errorf("read back %q", got)
	}
	if got := vm.runOK(t, "stat", "-c", "%a %s", "/etc/docker/daemon.json"); got != "600 22\n" {
		t.Errorf("stat: %q, want 600 22", got)
	}
	// Replaced, not appended; Mode 0 means 0644; no temporary file left.
	if err := vm.Client.Write(ctx, contract.WriteRequest{Path: "/etc/docker/daemon.json", Data: []byte("{}\n")}); err != nil {
		t.Fatal(err)
	}
	if got := vm.runOK(t, "sh", "-c", "stat -c '%a %s' /etc/docker/daemon.json; ls -a /etc/docker"); got != "644 3\n.\n..\ndaemon.json\n" {
		t.Errorf("after the second Write: %q", got)
	}
}

func testWriteProcSys(t *testing.T, vm *VM) {
	// Not a regular file: written in place (a rename would fail).
	const path = "/proc/sys/vm/swappiness"
	before := vm.runOK(t, "cat", path)
	defer vm.Client.Write(vm.ctx(t, callTimeout), contract.WriteRequest{Path: path, Data: []byte(before)})
	if err := vm.Client.Write(vm.ctx(t, callTimeout), contract.WriteRequest{Path: path, Data: []byte("17\n")}); err != nil {
		t.Fatalf("Write %s: %v", path, err)
	}
	if got := vm.runOK(t, "cat", path); got != "17\n" {
		t.Errorf("%s: %q after writing 17", path, got)
	}
}

func testMkdirNested(t *testing.T, vm *VM) {
	ctx := vm.ctx(t, callTimeout)
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/var/lib/demo/a/b", Mode: 0o750}); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	if got := vm.runOK(t, "stat", "-c", "%a %F", "/var/lib/demo", "/var/lib/demo/a/b"); got != "750 directory\n750 directory\n" {
		t.Errorf("stat: %q", got)
	}
	// Again: no error (MkdirAll).
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/var/lib/demo/a/b"}); err != nil {
		t.Errorf("Mkdir of an existing directory: %v", err)
	}
	err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/etc/boxpark-root/x"})
	if msg, ok := host.IsServerError(err); !ok || !strings.Contains(msg, "not a directory") {
		t.Errorf("Mkdir under a file: %v", err)
	}
}

func testListenEveryNetwork(t *testing.T, vm *VM) {
	ctx := vm.ctx(t, callTimeout)
	for _, req := range []contract.ListenRequest{
		{Network: "tcp", Address: "0.0.0.0:0"},
		{Network: "udp", Address: "127.0.0.1:0", BufferSize: 2048},
		{Network: "unix", Address: "/run/listen-test.sock"},
		{Network: "unixgram", Address: "/run/listen-test.dgram", BufferSize: 2048},
	} {
		resp, err := vm.Client.Listen(ctx, req)
		if err != nil {
			t.Errorf("Listen %s %s: %v", req.Network, req.Address, err)
			continue
		}
		if strings.HasSuffix(resp.Address, ":0") || resp.Address == "" {
			t.Errorf("Listen %s %s: bound at %q", req.Network, req.Address, resp.Address)
		}
	}
	if out := vm.runOK(t, "ls", "/run"); !strings.Contains(out, "listen-test.sock") || !strings.Contains(out, "listen-test.dgram") {
		t.Errorf("the unix sockets are not in /run:\n%s", out)
	}
	// A datagram Listen needs a BufferSize.
	_, err := vm.Client.Listen(ctx, contract.ListenRequest{Network: "udp", Address: "127.0.0.1:0"})
	if _, ok := host.IsServerError(err); !ok {
		t.Errorf("udp Listen without BufferSize: %v, want an error", err)
	}
}
