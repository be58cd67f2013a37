// Command quickstart shows the Boxpark guest API end to end, with the Go host
// library (package host) driving the Rust guest on the hybrid Unix-socket
// transport. Run it from interop-go:
//
//	go run ./cmd/quickstart
//
// It builds boxpark-guest with cargo (in the workspace root),
// starts it (package guesttest) on a socket in a temporary directory together with the host's
// event server (<UDS>_1) and host-proxy server (<UDS>_2), calls each part of
// the API once and prints one line per step, then the event stream's Info and
// a few of its Logs; then it shuts the guest down and waits for it to exit.
// The exit status is 0 only if every step worked as expected.
//
// Flags: -root <workspace root> (found from the current directory when not
// given), -guest <prebuilt binary> (skips cargo),
// -v (the guest's own stderr too).
//
// With -vm OUT it runs the same steps against the guest booted as /init in a
// QEMU VM instead, from the files that scripts/vm/{setup,build-guest,image}.sh
// leave in OUT (scripts/vm/quickstart.sh does all of it), with -accel tcg (the
// default) or kvm; see vm.go.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/cargo"
)

// budget bounds everything after the build.
const budget = 60 * time.Second

func main() {
	root := flag.String("root", "", "the Rust workspace root (default: the nearest directory above the current one with a workspace Cargo.toml)")
	bin := flag.String("guest", "", "a boxpark-guest binary to use instead of building one")
	verbose := flag.Bool("v", false, "copy the guest's stderr to this program's stderr (with -vm: QEMU's and vhost-device-vsock's output)")
	vmOut := flag.String("vm", "", "boot the guest in a QEMU VM from `OUT` of scripts/vm (target/vm) instead of running it locally")
	accel := flag.String("accel", "tcg", "with -vm: the QEMU accelerator, tcg or kvm")
	flag.Parse()
	if *vmOut != "" {
		os.Exit(runVM(*vmOut, *accel, *verbose))
	}
	os.Exit(run(*root, *bin, *verbose))
}

// guest is what the steps use of a guest, local or in a VM.
type guest struct {
	Client *host.Client
	Events *host.EventServer
	UDS    string
}

// quickstart holds the session and counts failures.
type quickstart struct {
	ctx    context.Context // the steps' budget, ended by Ctrl-C too
	sig    context.Context // ended by Ctrl-C (or SIGTERM) only
	g      guest
	dir    string // the local mode's temporary directory
	failed int
	conns  chan *host.HostConn
	// slow multiplies every step's time limit (a VM under TCG is slow).
	slow int
	// wantIP, when set, is the address Info must show.
	wantIP string
}

func newQuickstart() *quickstart {
	return &quickstart{conns: make(chan *host.HostConn, 16), slow: 1}
}

// handleHostConn is the host-proxy handler: connections go to the step
// that expects them.
func (q *quickstart) handleHostConn(h *host.HostConn) { q.conns <- h }

func (q *quickstart) report(step string, err error, format string, args ...any) {
	if err != nil {
		q.failed++
		fmt.Printf("FAIL %-10s %v\n", step, err)
		return
	}
	fmt.Printf("ok   %-10s %s\n", step, fmt.Sprintf(format, args...))
}

func (q *quickstart) within(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(q.ctx, d*time.Duration(q.slow))
}

// steps runs each step in turn; after Ctrl-C or the end of the budget, it
// skips the rest (the step that was running then has failed already).
func (q *quickstart) steps(steps ...func()) {
	for _, step := range steps {
		if q.ctx.Err() == nil {
			step()
			continue
		}
		q.failed++
		if q.sig.Err() != nil {
			fmt.Println("stopped: interrupted; the other steps are skipped")
		} else {
			fmt.Printf("stopped: the %v budget has run out; the other steps are skipped\n", budget)
		}
		return
	}
}

// summary prints the outcome and returns the exit status.
func (q *quickstart) summary() int {
	if q.failed > 0 {
		fmt.Printf("\n%d step(s) failed\n", q.failed)
		return 1
	}
	fmt.Println("\nevery step worked")
	return 0
}

func run(root, bin string, verbose bool) int {
	if bin == "" {
		if root == "" {
			var err error
			if root, err = cargo.Workspace(""); err != nil {
				fmt.Printf("FAIL build      %v: run from interop-go, or pass -root\n", err)
				return 1
			}
		}
		fmt.Printf("building boxpark-guest (cargo build -p boxpark-guest in %s) ...\n", root)
		start := time.Now()
		var err error
		bin, err = guesttest.BuildGuest(context.Background(), root, os.Stderr)
		if err != nil {
			fmt.Printf("FAIL build      %v\n", err)
			return 1
		}
		fmt.Printf("ok   build      %s (%v)\n", bin, time.Since(start).Round(time.Millisecond))
	}
	// Ctrl-C ends the steps early; the guest and the temporary directory
	// are still cleaned up.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, budget)
	defer cancel()
	dir, err := os.MkdirTemp("", "bpq")
	if err != nil {
		fmt.Println("FAIL", err)
		return 1
	}
	defer os.RemoveAll(dir)

	q := newQuickstart()
	q.ctx, q.sig, q.dir = ctx, sigCtx, dir
	var stderr io.Writer = io.Discard
	if verbose {
		stderr = os.Stderr
	}
	start := time.Now()
	g, err := guesttest.StartLocal(ctx, guesttest.LocalOptions{
		Binary:       bin,
		Dir:          dir,
		Stderr:       stderr,
		ProxyHandler: q.handleHostConn,
	})
	if err != nil {
		q.report("start", err, "")
		return 1
	}
	q.g = guest{Client: g.Client, Events: g.Events, UDS: g.UDS}
	defer g.Close()
	q.report("start", nil, "guest pid %d on hybrid:%s, RPC connection open after %v",
		g.PID(), g.UDS, time.Since(start).Round(time.Millisecond))

	q.steps(
		q.events,
		q.runUname,
		func() { q.mkdirWriteFile(filepath.Join(dir, "etc", "demo"), isHostDir) },
		func() { q.listenHostProxy("client", dialPing) },
		q.launch,
		q.unixProxyHTTP,
		q.mount,
		func() { q.showLogs("the first info-or-above Logs:", nil) },
		func() { q.shutdown(g) },
	)
	return q.summary()
}

// events: the first event must be Info.
func (q *quickstart) events() {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	e, err := q.g.Events.Wait(ctx, 0, func(host.Event) bool { return true })
	if err == nil && e.Info == nil {
		err = fmt.Errorf("first event is %v, want Info", e)
	}
	if err == nil && e.Info.Version == "" {
		err = errors.New("Info.Version is empty")
	}
	if err == nil && q.wantIP != "" && e.Info.IP != q.wantIP {
		err = fmt.Errorf("Info.IP is %q, want %q", e.Info.IP, q.wantIP)
	}
	if err != nil {
		q.report("events", err, "")
		return
	}
	q.report("events", nil, "Info: version %q, IP %q", e.Info.Version, e.Info.IP)
}

func (q *quickstart) runUname() {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	resp, err := q.g.Client.Run(ctx, contract.RunRequest{Command: "uname", Args: []string{"-a"}})
	if err == nil && (resp.ExitCode != 0 || len(resp.Stdout) == 0) {
		err = fmt.Errorf("uname -a: exit %d, stdout %q, stderr %q", resp.ExitCode, resp.Stdout, resp.Stderr)
	}
	if err != nil {
		q.report("Run", err, "")
		return
	}
	q.report("Run", nil, "uname -a -> %s (exit 0)", strings.TrimSpace(string(resp.Stdout)))
}

// mkdirWriteFile creates confDir in the guest, checks it with isDir, writes
// a file in it and reads the file back through a file proxy connection.
func (q *quickstart) mkdirWriteFile(confDir string, isDir func(ctx context.Context, path string) error) {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	err := q.g.Client.Mkdir(ctx, contract.MkdirRequest{Path: confDir, Mode: 0o755})
	if err == nil {
		err = isDir(ctx, confDir)
	}
	q.report("Mkdir", err, "%s (with its parents)", confDir)
	if err != nil {
		return
	}
	path := filepath.Join(confDir, "daemon.json")
	data := []byte(`{"log-level": "info"}` + "\n")
	if err := q.g.Client.Write(ctx, contract.WriteRequest{Path: path, Data: data, Mode: 0o600}); err != nil {
		q.report("Write", err, "")
		return
	}
	q.report("Write", nil, "%s, %d bytes, mode 0600", path, len(data))
	got, err := host.ReadFile(ctx, q.g.UDS, path)
	if err == nil && !bytes.Equal(got, data) {
		err = fmt.Errorf("file proxy read %q, want %q", got, data)
	}
	q.report("file", err, "read back through a file proxy: %q", bytes.TrimSpace(got))
}

// pingClient is a client of the guest's socket that has sent "ping\n";
// reply waits for its answer; ended is closed should it end on its own
// (nil when it cannot).
type pingClient interface {
	reply() (string, error)
	ended() <-chan struct{}
	close()
}

// listenHostProxy: a TCP socket in the guest whose connections come to the
// host's proxy server; a client (started by dial) sends "ping", the host
// answers "pong: ping" and half-closes.
func (q *quickstart) listenHostProxy(client string, dial func(ctx context.Context, addr string) (pingClient, error)) {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	resp, err := q.g.Client.Listen(ctx, contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		q.report("Listen", err, "")
		return
	}
	q.report("Listen", nil, "tcp 127.0.0.1:0 -> bound at %s", resp.Address)
	c, err := dial(ctx, resp.Address)
	if err != nil {
		q.report("host proxy", err, "")
		return
	}
	defer c.close()
	var h *host.HostConn
	select {
	case h = <-q.conns:
	case <-c.ended():
		_, err := c.reply()
		q.report("host proxy", fmt.Errorf("%s ended before a connection came to host port 2: %v", client, err), "")
		return
	case <-ctx.Done():
		q.report("host proxy", errors.New("no connection on host port 2"), "")
		return
	}
	defer h.Close()
	_ = h.Conn.SetDeadline(time.Now().Add(10 * time.Second * time.Duration(q.slow)))
	line, err := bufio.NewReader(h.Conn).ReadString('\n')
	if err == nil {
		_, err = io.WriteString(h.Conn, "pong: "+line)
	}
	if err == nil {
		err = host.CloseWrite(h.Conn)
	}
	var reply string
	if err == nil {
		reply, err = c.reply()
	}
	if err == nil && reply != "pong: ping\n" {
		err = fmt.Errorf("%s got %q", client, reply)
	}
	r := h.Request
	q.report("host proxy", err, "ConnectionRequest{%s listen=%s local=%s remote=%s}; %s sent \"ping\", host answered %q",
		r.Network, r.ListenAddress, r.LocalAddress, r.RemoteAddress, client, strings.TrimSpace(reply))
}

// tcpPing is the local mode's client: this process, over the host's
// loopback (the local guest's network is the host's).
type tcpPing struct{ c net.Conn }

func dialPing(_ context.Context, addr string) (pingClient, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		c.Close()
		return nil, err
	}
	return tcpPing{c}, nil
}

func (t tcpPing) reply() (string, error) { return bufio.NewReader(t.c).ReadString('\n') }
func (t tcpPing) ended() <-chan struct{} { return nil }
func (t tcpPing) close()                 { t.c.Close() }

func (q *quickstart) launch() {
	ctx, cancel := q.within(15 * time.Second)
	defer cancel()
	conn, lr, err := host.LaunchContext(ctx, q.g.UDS, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", "echo starting; echo warming up >&2; sleep 0.2; echo ready; exit 3"},
	})
	if err != nil {
		q.report("launch", err, "")
		return
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	res, err := lr.Collect()
	if err == nil && (strings.Join(res.Stdout, ",") != "starting,ready" || strings.Join(res.Stderr, ",") != "warming up" || res.ExitCode != 3) {
		err = fmt.Errorf("stdout %q, stderr %q, exit %d", res.Stdout, res.Stderr, res.ExitCode)
	}
	if err != nil {
		q.report("launch", err, "")
		return
	}
	var batches []string
	for _, b := range res.Batches {
		if b.Exited {
			batches = append(batches, fmt.Sprintf("exited(%d)", b.ExitCode))
			continue
		}
		batches = append(batches, fmt.Sprintf("%d:%q", b.Stream, b.Lines))
	}
	q.report("launch", nil, "sh -c '...': batches %s", strings.Join(batches, " "))
}

// unixProxyHTTP: an HTTP server on a Unix socket in the "guest" (as
// /var/run/docker.sock would be), reached through unix proxy connections.
func (q *quickstart) unixProxyHTTP() {
	sock := filepath.Join(q.dir, "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		q.report("unix proxy", err, "")
		return
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"Version": "quickstart", "Path": r.URL.Path})
	})}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return host.ProxyContext(ctx, q.g.UDS, contract.ProxyRequest{Network: "unix", Address: sock})
		},
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://api/version")
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	q.report("unix proxy", err, "GET /version on %s -> %s", sock, bytes.TrimSpace(body))
}

// mount: a tmpfs under the temporary directory when root; otherwise the
// error the guest answers.
func (q *quickstart) mount() {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	target := filepath.Join(q.dir, "mnt")
	if err := os.Mkdir(target, 0o755); err != nil {
		q.report("Mount", err, "")
		return
	}
	req := contract.MountRequest{Source: "quickstart", Target: target, FSType: "tmpfs", Flags: syscall.MS_NOSUID | syscall.MS_NODEV, Data: "size=1m"}
	err := q.g.Client.Mount(ctx, req)
	if os.Geteuid() != 0 {
		msg, ok := host.IsServerError(err)
		if !ok {
			q.report("Mount", fmt.Errorf("not root, so Mount should fail in the guest; got %v", err), "")
			return
		}
		q.report("Mount", nil, "not root: tmpfs on %s refused as expected: %s", target, msg)
		return
	}
	if err != nil {
		q.report("Mount", err, "")
		return
	}
	mounted := isMountPoint(target)
	// Unmount through the guest too.
	resp, uerr := q.g.Client.Run(ctx, contract.RunRequest{Command: "umount", Args: []string{target}})
	if uerr == nil && resp.ExitCode != 0 {
		uerr = fmt.Errorf("umount: exit %d: %s", resp.ExitCode, resp.Stderr)
	}
	if uerr != nil {
		_ = syscall.Unmount(target, syscall.MNT_DETACH)
	}
	switch {
	case !mounted:
		err = fmt.Errorf("%s is not a mount point after Mount", target)
	case uerr != nil:
		err = uerr
	}
	q.report("Mount", err, "tmpfs on %s (root), seen in /proc/self/mountinfo, then unmounted with Run umount", target)
}

// isHostDir checks a directory the local guest made: on this machine.
func isHostDir(_ context.Context, path string) error {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return fmt.Errorf("no directory at %s after Mkdir: %v", path, err)
	}
	return nil
}

func isMountPoint(path string) bool {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(info), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

// showLogs prints a few of the Logs at info level or above on the event
// stream: those that pick selects (all when pick is nil), under heading.
func (q *quickstart) showLogs(heading string, pick func(*contract.Log) bool) {
	events := q.g.Events.Events()
	var logs []string
	for _, e := range events {
		if e.Log != nil && e.Log.Level >= 0 && (pick == nil || pick(e.Log)) {
			logs = append(logs, host.FormatLog(e.Log))
		}
	}
	if len(logs) == 0 {
		q.report("logs", errors.New("no Log at info level or above on the event stream"), "")
		return
	}
	q.report("logs", nil, "%d events so far; %s", len(events), heading)
	for i, l := range logs {
		if i == 6 {
			fmt.Printf("             ... (%d more)\n", len(logs)-i)
			break
		}
		fmt.Printf("             %s\n", l)
	}
	if errs := q.g.Events.Errors(); len(errs) > 0 {
		q.report("logs", fmt.Errorf("event stream errors: %v", errs), "")
	}
}

func (q *quickstart) shutdown(g *guesttest.LocalGuest) {
	ctx, cancel := q.within(10 * time.Second)
	defer cancel()
	start := time.Now()
	state, err := g.Shutdown(ctx, 5*time.Second)
	if err == nil && state.ExitCode() != 0 {
		err = fmt.Errorf("the guest exited with %v", state)
	}
	if err != nil {
		q.report("Shutdown", err, "")
		return
	}
	q.report("Shutdown", nil, "reply received; guest exited with status 0 after %v", time.Since(start).Round(time.Millisecond))
}
