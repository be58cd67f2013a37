package e2e

// Every RPC method of the Guest service.

import (
	"bytes"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

func TestRunEcho(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	resp := g.run(contract.RunRequest{Command: "echo", Args: []string{"hello", "world"}})
	if resp.ExitCode != 0 || string(resp.Stdout) != "hello world\n" || len(resp.Stderr) != 0 {
		t.Fatalf("Run echo hello world = %+v, want exit 0, stdout %q, no stderr", resp, "hello world\n")
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for _, tc := range []struct {
		script   string
		exit     int
		stdout   string
		stderr   string
		whatExit string
	}{
		{"exit 0", 0, "", "", "success"},
		{"exit 3", 3, "", "", "exit status"},
		{"echo out; echo oops >&2; exit 1", 1, "out\n", "oops\n", "both streams"},
		{"exit 255", 255, "", "", "largest status"},
		{"kill -KILL $$", -1, "", "", "ended by a signal: -1"},
	} {
		resp := g.run(contract.RunRequest{Command: "sh", Args: []string{"-c", tc.script}})
		if resp.ExitCode != tc.exit || string(resp.Stdout) != tc.stdout || string(resp.Stderr) != tc.stderr {
			t.Errorf("%s: sh -c %q = exit %d stdout %q stderr %q, want exit %d stdout %q stderr %q",
				tc.whatExit, tc.script, resp.ExitCode, resp.Stdout, resp.Stderr, tc.exit, tc.stdout, tc.stderr)
		}
	}
}

func TestRunStdin(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	in := make([]byte, 300<<10)
	rand.Read(in)
	resp := g.run(contract.RunRequest{Command: "cat", Stdin: in})
	if resp.ExitCode != 0 || !bytes.Equal(resp.Stdout, in) {
		t.Fatalf("Run cat with %d bytes of stdin: exit %d, %d bytes out (equal: %v), stderr %q",
			len(in), resp.ExitCode, len(resp.Stdout), bytes.Equal(resp.Stdout, in), resp.Stderr)
	}
	// No stdin: cat sees EOF at once.
	resp = g.run(contract.RunRequest{Command: "cat"})
	if resp.ExitCode != 0 || len(resp.Stdout) != 0 {
		t.Fatalf("Run cat without stdin = %+v", resp)
	}
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	envBin, err := exec.LookPath("env")
	if err != nil {
		t.Skip("no env program")
	}
	resp := g.run(contract.RunRequest{Command: envBin, Env: []string{"FOO=bar", "BAZ=qux quux"}})
	lines := strings.Split(strings.TrimSuffix(string(resp.Stdout), "\n"), "\n")
	sort.Strings(lines)
	if want := []string{"BAZ=qux quux", "FOO=bar"}; resp.ExitCode != 0 || strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("Run env with Env [FOO=bar BAZ=qux quux]: exit %d, environment %q, want exactly %q", resp.ExitCode, lines, want)
	}
	// Empty Env: the guest's own environment.
	resp = g.run(contract.RunRequest{Command: envBin})
	if !strings.Contains(string(resp.Stdout), guestEnvMark+"=present\n") {
		t.Errorf("Run env with empty Env: %s=present missing from %q", guestEnvMark, resp.Stdout)
	}
}

func TestRunDir(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	dir := filepath.Join(g.dir, "work dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	resp := g.run(contract.RunRequest{Command: "pwd", Dir: dir})
	if got := strings.TrimSuffix(string(resp.Stdout), "\n"); got != real {
		t.Errorf("Run pwd with Dir %q: %q, want %q", dir, got, real)
	}
	resp = g.run(contract.RunRequest{Command: "pwd"})
	if got := strings.TrimSuffix(string(resp.Stdout), "\n"); got != "/" {
		t.Errorf("Run pwd with empty Dir: %q, want \"/\"", got)
	}
	_, err = g.Client.Run(g.ctx, contract.RunRequest{Command: "pwd", Dir: filepath.Join(g.dir, "missing")})
	msg := serverError(t, "Run with a missing Dir", err)
	t.Logf("Run with a missing Dir: %s", msg)
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	pidFile := filepath.Join(g.dir, "child.pid")
	start := time.Now()
	// The child sleeps in the background: the whole process group must go.
	_, err := g.Client.Run(g.ctx, contract.RunRequest{
		Command: "sh",
		Args:    []string{"-c", "sleep 30 & echo $! > " + pidFile + "; wait"},
		Timeout: 300 * time.Millisecond,
	})
	took := time.Since(start)
	msg := serverError(t, "Run with a 300ms timeout of a 30s sleep", err)
	if !strings.Contains(msg, "timed out") {
		t.Errorf("Run timeout error %q does not say \"timed out\"", msg)
	}
	if took > 10*time.Second {
		t.Errorf("Run with a 300ms timeout answered after %v", took)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the script did not record its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid, "sleep", 5*time.Second) {
		t.Errorf("the background sleep (pid %d) of the timed-out command still runs: the process group was not killed", pid)
		if c, _, ok := procComm(pid); ok && c == "sleep" {
			syscall.Kill(pid, syscall.SIGKILL) // the test's own leftover
		}
	}
	g.alive()
}

// procComm reads the command name of process pid and whether it is a
// zombie; ok is false when there is no such process.
func procComm(pid int) (comm string, zombie, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false, false
	}
	// "pid (comm) state ..."
	s := string(stat)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", false, false
	}
	return s[i+1 : j], strings.HasPrefix(s[j+1:], " Z"), true
}

// waitGone waits up to d until process pid no longer runs comm (gone, a
// zombie, or another program).
func waitGone(pid int, comm string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		c, zombie, ok := procComm(pid)
		if !ok || zombie || c != comm {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRunning waits up to d until process pid runs comm.
func waitRunning(pid int, comm string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		c, zombie, ok := procComm(pid)
		if ok && !zombie && c == comm {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunMissingProgram(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for _, prog := range []string{"boxpark-no-such-program", "/nonexistent/boxpark-prog"} {
		_, err := g.Client.Run(g.ctx, contract.RunRequest{Command: prog})
		msg := serverError(t, "Run "+prog, err)
		if !strings.Contains(msg, prog) {
			t.Errorf("Run %s: error %q does not name the program", prog, msg)
		}
	}
	g.alive()
}

func TestRunConcurrent(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	done := make(chan error, 1)
	go func() {
		_, err := g.Client.Run(g.ctx, contract.RunRequest{Command: "sleep", Args: []string{"1.5"}})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: filepath.Join(g.dir, "x")}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Mkdir waited %v behind a running Run: calls are not served concurrently", took)
	}
	select {
	case err := <-done:
		t.Errorf("the 1.5 s Run finished before the Mkdir reply came (err %v)", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWriteNewFile(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "new.bin")
	data := make([]byte, 100<<10)
	rand.Read(data)
	if err := g.Client.Write(g.ctx, contract.WriteRequest{Path: path, Data: data}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file after Write: %d bytes, err %v; want the %d bytes written", len(got), err, len(data))
	}
	checkMode(t, path, 0o644)
	// Empty data: an empty file.
	empty := filepath.Join(g.dir, "empty")
	if err := g.Client.Write(g.ctx, contract.WriteRequest{Path: empty}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Fatalf("Write of no data: %v %v", fi, err)
	}
	// A missing directory is an error.
	err = g.Client.Write(g.ctx, contract.WriteRequest{Path: filepath.Join(g.dir, "missing", "f"), Data: []byte("x")})
	serverError(t, "Write into a missing directory", err)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

func TestWriteReplace(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "conf")
	if err := os.WriteFile(path, []byte("old contents, longer than the new ones\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := inode(t, path)
	if err := g.Client.Write(g.ctx, contract.WriteRequest{Path: path, Data: []byte("new\n"), Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new\n" {
		t.Errorf("after Write: %q, want %q", got, "new\n")
	}
	checkMode(t, path, 0o640)
	if inode(t, path) == before {
		t.Errorf("Write kept the inode of the regular file: not replaced by rename")
	}
	entries, _ := os.ReadDir(g.dir)
	for _, e := range entries {
		if e.Name() != "conf" && !strings.HasPrefix(e.Name(), "guest.sock") {
			t.Errorf("left behind in the directory: %s", e.Name())
		}
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestWriteMode(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for _, tc := range []struct {
		mode uint32
		want os.FileMode
	}{{0, 0o644}, {0o600, 0o600}, {0o755, 0o755}, {0o640, 0o640}} {
		path := filepath.Join(g.dir, "m"+strconv.FormatUint(uint64(tc.mode), 8))
		if err := g.Client.Write(g.ctx, contract.WriteRequest{Path: path, Data: []byte("x"), Mode: tc.mode}); err != nil {
			t.Fatal(err)
		}
		checkMode(t, path, tc.want)
	}
}

// A non-regular file is written in place: a FIFO stands in for /proc/sys.
func TestWriteFIFOInPlace(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "fifo")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	// Open both ways without blocking, so that the guest's open for
	// writing finds a reader and our reads never see EOF.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := g.Client.Write(g.ctx, contract.WriteRequest{Path: path, Data: []byte("1\n")}); err != nil {
		t.Fatalf("Write to a FIFO: %v", err)
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("after Write the FIFO is %v (err %v): replaced instead of written in place", fi.Mode(), err)
	}
	_ = f.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	n, err := f.Read(buf)
	if err != nil || string(buf[:n]) != "1\n" {
		t.Fatalf("read from the FIFO: %q, %v; want %q", buf[:n], err, "1\n")
	}
}

func TestMkdirNested(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	deep := filepath.Join(g.dir, "a", "b", "c")
	if err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: deep, Mode: 0o750}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(g.dir, "a"), filepath.Join(g.dir, "a", "b"), deep} {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			t.Fatalf("%s after Mkdir: %v %v", p, fi, err)
		}
	}
	checkMode(t, deep, 0o750)
	// Again: like os.MkdirAll, no error for an existing directory.
	if err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: deep}); err != nil {
		t.Errorf("Mkdir of an existing directory: %v", err)
	}
	def := filepath.Join(g.dir, "d", "e")
	if err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: def}); err != nil {
		t.Fatal(err)
	}
	checkMode(t, def, 0o755)
	// Under a regular file: an error.
	file := filepath.Join(g.dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: filepath.Join(file, "sub")})
	serverError(t, "Mkdir under a regular file", err)
}

func TestMount(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	missing := filepath.Join(g.dir, "no-such-target")
	err := g.Client.Mount(g.ctx, contract.MountRequest{Source: "tmpfs", Target: missing, FSType: "tmpfs"})
	msg := serverError(t, "Mount on a missing target", err)
	if !strings.Contains(strings.ToLower(msg), "no such file") {
		t.Errorf("Mount on a missing target: error %q does not say \"no such file\" (ENOENT)", msg)
	}
	if os.Geteuid() != 0 {
		t.Logf("not root: the tmpfs mount is not tried")
		return
	}
	target := filepath.Join(g.dir, "mnt")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	err = g.Client.Mount(g.ctx, contract.MountRequest{
		Source: "boxpark-e2e", Target: target, FSType: "tmpfs",
		Flags: syscall.MS_NOSUID | syscall.MS_NODEV, Data: "size=1m,mode=0700",
	})
	if msg, ok := serverErrorText(err); ok && strings.Contains(strings.ToLower(msg), "not permitted") {
		t.Skipf("root without the right to mount here: %s", msg)
	}
	if err != nil {
		t.Fatalf("Mount tmpfs on %s: %v", target, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(target, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", target, err)
		}
	})
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(info), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && f[4] == target {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("%s is not in /proc/self/mountinfo after Mount", target)
	}
	if !strings.Contains(line, " - tmpfs boxpark-e2e ") || !strings.Contains(line, "nosuid") || !strings.Contains(line, "nodev") || !strings.Contains(line, "size=1024k") {
		t.Errorf("mountinfo line %q: want tmpfs from boxpark-e2e, nosuid, nodev, size=1024k", line)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("mount root mode: %v %v, want 0700 (the data string)", fi, err)
	}
}

func serverErrorText(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	return host.IsServerError(err)
}

func TestListen(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	t.Run("tcp", func(t *testing.T) {
		resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		h, port, err := net.SplitHostPort(resp.Address)
		if err != nil || h != "127.0.0.1" || port == "0" {
			t.Fatalf("Listen tcp 127.0.0.1:0 = %q, want 127.0.0.1:<real port>", resp.Address)
		}
		c, err := net.DialTimeout("tcp", resp.Address, 5*time.Second)
		if err != nil {
			t.Fatalf("dialing the returned address: %v", err)
		}
		c.Close()
		// The same address again: in use.
		_, err = g.Client.Listen(g.ctx, contract.ListenRequest{Network: "tcp", Address: resp.Address})
		serverError(t, "Listen tcp on an address in use", err)
	})
	t.Run("udp", func(t *testing.T) {
		resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "udp", Address: "127.0.0.1:0", BufferSize: 2048})
		if err != nil {
			t.Fatal(err)
		}
		h, port, err := net.SplitHostPort(resp.Address)
		if err != nil || h != "127.0.0.1" || port == "0" {
			t.Fatalf("Listen udp 127.0.0.1:0 = %q, want 127.0.0.1:<real port>", resp.Address)
		}
		_, err = g.Client.Listen(g.ctx, contract.ListenRequest{Network: "udp", Address: "127.0.0.1:0"})
		serverError(t, "Listen udp without BufferSize", err)
	})
	t.Run("unix", func(t *testing.T) {
		path := filepath.Join(g.dir, "l.sock")
		resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "unix", Address: path})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Address != path {
			t.Errorf("Listen unix %s = %q", path, resp.Address)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Errorf("no socket at %s: %v %v", path, fi, err)
		}
	})
	t.Run("unixgram", func(t *testing.T) {
		path := filepath.Join(g.dir, "g.sock")
		resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "unixgram", Address: path, BufferSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Address != path {
			t.Errorf("Listen unixgram %s = %q", path, resp.Address)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Errorf("no socket at %s: %v %v", path, fi, err)
		}
		_, err = g.Client.Listen(g.ctx, contract.ListenRequest{Network: "unixgram", Address: filepath.Join(g.dir, "g2.sock")})
		serverError(t, "Listen unixgram without BufferSize", err)
	})
	t.Run("unknown network", func(t *testing.T) {
		_, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "sctp", Address: "127.0.0.1:0"})
		msg := serverError(t, "Listen sctp", err)
		if !strings.Contains(msg, "sctp") {
			t.Errorf("Listen sctp: error %q does not name the network", msg)
		}
	})
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	start := time.Now()
	if err := g.Client.Shutdown(g.within(10*time.Second), contract.ShutdownRequest{}); err != nil {
		t.Fatalf("Shutdown: %v (want the reply before the guest stops)", err)
	}
	state, err := g.Wait(5 * time.Second)
	if err != nil {
		t.Fatalf("after the Shutdown reply: %v", err)
	}
	if state.ExitCode() != 0 {
		t.Errorf("guest ended with %v, want exit status 0", state)
	}
	t.Logf("guest exited %v after the Shutdown call", time.Since(start).Round(time.Millisecond))
}

// The Shutdown reply comes before the guest stops, every time.
func TestShutdownRepeated(t *testing.T) {
	t.Parallel()
	const n = 16
	var failures atomic.Int32
	for i := 0; i < n; i++ {
		i := i
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel() // under load, as in the whole suite
			g := startGuest(t)
			// Some traffic first, as a session would have.
			g.alive()
			err := g.Client.Shutdown(g.within(10*time.Second), contract.ShutdownRequest{Reboot: i%2 == 1})
			if err != nil {
				failures.Add(1)
				t.Errorf("Shutdown (Reboot %v), guest run %d: %v: the reply must be sent before the guest stops", i%2 == 1, i, err)
			}
			state, werr := g.Wait(5 * time.Second)
			if werr != nil {
				t.Fatal(werr)
			}
			if state.ExitCode() != 0 {
				t.Errorf("guest ended with %v, want exit status 0 (not PID 1: Reboot or not, it just exits)", state)
			}
		})
	}
	t.Cleanup(func() {
		if f := failures.Load(); f > 0 {
			t.Errorf("%d of %d Shutdown calls got no reply", f, n)
		}
	})
}

// Shutdown while a call runs: the reply comes, the running command's
// process group is stopped, and the guest exits.
func TestShutdownWithCallRunning(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	pidFile := filepath.Join(g.dir, "child.pid")
	runDone := make(chan error, 1)
	go func() {
		_, err := g.Client.Run(g.ctx, contract.RunRequest{
			Command: "sh",
			Args:    []string{"-c", "sleep 30 & echo $! > " + pidFile + "; wait"},
		})
		runDone <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if data, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(data), "\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	data, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if err := g.Client.Shutdown(g.within(10*time.Second), contract.ShutdownRequest{}); err != nil {
		t.Errorf("Shutdown with a Run in flight: %v", err)
	}
	state, err := g.Wait(8 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if state.ExitCode() != 0 {
		t.Errorf("guest ended with %v, want exit status 0", state)
	}
	select {
	case err := <-runDone:
		t.Logf("the running Run ended with: %v", err)
	case <-time.After(5 * time.Second):
		t.Errorf("the Run in flight never ended after the guest exited")
	}
	if !waitGone(pid, "sleep", 5*time.Second) {
		t.Errorf("the running command's sleep (pid %d) outlived the guest's shutdown", pid)
		syscall.Kill(pid, syscall.SIGKILL) // the test's own leftover
	}
}
