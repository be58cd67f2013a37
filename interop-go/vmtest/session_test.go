package vmtest

// The contract's "typical session", in the VM for real: the host waits for
// the event stream, mounts a filesystem, writes the daemon's configuration,
// listens on /run/systemd/notify, launches the "daemon" (a shell script
// around vm-peer that notifies READY=1 once its API socket is bound), and
// talks to the API socket through unix proxy connections. (Swap is left out:
// the VM has no disk to put it on.)

import (
	"net"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

func init() {
	register("TypicalSession", phaseServe, testTypicalSession)
}

// dockerd stands in for the Docker daemon: log lines on both streams, the
// API socket, then READY=1 on the notify socket, then serving until SIGTERM.
const dockerd = `echo "starting dockerd" >&2
vm-peer echo unix /var/run/docker.sock | while read line; do
  echo "api: $line"
  [ "$line" = ready ] && vm-peer notify /run/systemd/notify READY=1
done`

func testTypicalSession(t *testing.T, vm *VM) {
	ctx := vm.ctx(t, 3*callTimeout)
	if first := vm.Events.Events()[0]; first.Info == nil {
		t.Fatalf("the first event is %v, want Info", first)
	}

	// Filesystems, in order of path length.
	for _, target := range []string{"/var/lib/docker", "/var/lib/docker/volumes"} {
		if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: target}); err != nil {
			t.Fatal(err)
		}
		if err := vm.Client.Mount(ctx, contract.MountRequest{Source: "tmpfs", Target: target, FSType: "tmpfs"}); err != nil {
			t.Fatalf("Mount %s: %v", target, err)
		}
	}
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/var/run"}); err != nil {
		t.Fatal(err)
	}
	defer vm.runOK(t, "umount", "/var/lib/docker/volumes", "/var/lib/docker")

	// The daemon's configuration.
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/etc/docker"}); err != nil {
		t.Fatal(err)
	}
	conf := `{"hosts": ["unix:///var/run/docker.sock"]}` + "\n"
	if err := vm.Client.Write(ctx, contract.WriteRequest{Path: "/etc/docker/daemon.json", Data: []byte(conf)}); err != nil {
		t.Fatal(err)
	}

	// Readiness through sd_notify.
	if err := vm.Client.Mkdir(ctx, contract.MkdirRequest{Path: "/run/systemd"}); err != nil {
		t.Fatal(err)
	}
	ln, err := vm.Client.Listen(ctx, contract.ListenRequest{Network: "unixgram", Address: "/run/systemd/notify", BufferSize: 4096})
	if err != nil {
		t.Fatalf("Listen unixgram: %v", err)
	}

	// The daemon, with its log lines coming back in batches.
	conn, lr, err := host.LaunchContext(ctx, vm.UDS, contract.ProxyRequest{Network: "launch", Address: "sh", Args: []string{"-c", dockerd}})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * callTimeout))
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		for {
			out, err := lr.Next()
			if err != nil {
				return
			}
			for _, l := range out.Lines {
				lines <- l
			}
		}
	}()

	select {
	case hc := <-vm.Proxies.C():
		defer hc.Close()
		if hc.Request.Network != "unixgram" || hc.Request.ListenAddress != ln.Address {
			t.Fatalf("host proxy connection %+v, want unixgram %s", hc.Request, ln.Address)
		}
		_ = hc.Conn.SetDeadline(time.Now().Add(callTimeout))
		d, err := hc.Datagrams().Recv()
		if err != nil || string(d) != "READY=1" {
			t.Fatalf("notify datagram %q, %v; want READY=1", d, err)
		}
	case <-ctx.Done():
		t.Fatal("no READY=1 from the daemon")
	}

	var got []string
	for len(got) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the launch stream ended after %q", got)
			}
			got = append(got, l)
		case <-ctx.Done():
			t.Fatalf("daemon log lines so far %q", got)
		}
	}
	if joined := strings.Join(got, "|"); !strings.Contains(joined, "starting dockerd") || !strings.Contains(joined, "api: ready") {
		t.Errorf("daemon log lines %q", got)
	}

	// API connections.
	for i := 0; i < 3; i++ {
		api, err := host.ProxyContext(ctx, vm.UDS, contract.ProxyRequest{Network: "unix", Address: "/var/run/docker.sock"})
		if err != nil {
			t.Fatalf("unix proxy: %v", err)
		}
		_ = api.SetDeadline(time.Now().Add(callTimeout))
		req := "GET /version HTTP/1.1\r\nHost: docker\r\n\r\n"
		if _, err := api.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		if err := host.CloseWrite(api); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(req)+1)
		n, _ := readFull(api, buf)
		api.Close()
		if string(buf[:n]) != req {
			t.Fatalf("API answer %q, want the echo of %q", buf[:n], req)
		}
	}
}

// readFull reads until buf is full or the connection ends.
func readFull(c net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
