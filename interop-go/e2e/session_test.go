package e2e

// The contract's "typical session", with stand-ins for what needs a VM: a
// directory under the test's temporary directory for /etc/docker, a
// unixgram socket there for /run/systemd/notify, a shell script for dockerd
// (it notifies through the test binary in its send-unixgram helper mode),
// and a net/http server on a Unix socket for /var/run/docker.sock.

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

func TestTypicalSession(t *testing.T) {
	t.Parallel()
	notified := make(chan string, 4)
	g := startGuestWith(t, guestOpts{proxyHandler: func(h *host.HostConn) {
		defer h.Close()
		if h.Request.Network != "unixgram" {
			notified <- "unexpected host connection: " + h.Request.Network
			return
		}
		_ = h.Conn.SetDeadline(time.Now().Add(30 * time.Second))
		for {
			d, err := h.Datagrams().Recv()
			if err != nil {
				return
			}
			notified <- h.Request.ListenAddress + " " + string(d)
		}
	}})
	ctx := g.ctx

	// The host waits for the event stream: Info first.
	first, err := g.Events.Wait(g.within(10*time.Second), 0, func(host.Event) bool { return true })
	if err != nil || first.Info == nil {
		t.Fatalf("event stream: first event %v, %v; want Info", first, err)
	}

	// The daemon's configuration.
	confDir := filepath.Join(g.dir, "etc", "docker")
	if err := g.Client.Mkdir(ctx, contract.MkdirRequest{Path: confDir}); err != nil {
		t.Fatal(err)
	}
	conf := []byte(`{"log-level": "info", "hosts": ["unix:///var/run/docker.sock"]}` + "\n")
	confPath := filepath.Join(confDir, "daemon.json")
	if err := g.Client.Write(ctx, contract.WriteRequest{Path: confPath, Data: conf}); err != nil {
		t.Fatal(err)
	}
	if got, err := host.ReadFile(g.within(10*time.Second), g.UDS, confPath); err != nil || string(got) != string(conf) {
		t.Fatalf("daemon.json read back through a file proxy: %q, %v", got, err)
	}

	// The readiness socket.
	notify := filepath.Join(g.dir, "notify")
	resp, err := g.Client.Listen(ctx, contract.ListenRequest{Network: "unixgram", Address: notify, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Address != notify {
		t.Errorf("Listen unixgram %s = %q", notify, resp.Address)
	}

	// The API socket the daemon would serve (here: the test serves it).
	apiPath := filepath.Join(g.dir, "docker.sock")
	apiLn, err := net.Listen("unix", apiPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"Path": r.URL.Path, "Version": "e2e", "Method": r.Method})
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(apiLn)
	t.Cleanup(func() { srv.Close() })

	// Start the "daemon".
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := "echo starting; sleep 0.2; printf READY=1 | '" + self + "'; echo ready"
	_, lr := launch(t, g, contract.ProxyRequest{
		Address: "sh",
		Args:    []string{"-c", script},
		Env:     []string{"PATH=" + os.Getenv("PATH"), sendUnixgramEnv + "=" + notify},
	})
	select {
	case n := <-notified:
		if n != notify+" READY=1" {
			t.Fatalf("host proxy got %q, want %q", n, notify+" READY=1")
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no READY=1 on the host proxy within 15 s")
	}
	res, err := lr.Collect()
	if err != nil {
		t.Fatalf("launch stream: %v (so far %+v)", err, res)
	}
	if strings.Join(res.Stdout, ",") != "starting,ready" || len(res.Stderr) != 0 || res.ExitCode != 0 {
		t.Errorf("daemon output: stdout %q stderr %q exit %d; want [starting ready], none, 0", res.Stdout, res.Stderr, res.ExitCode)
	}
	// "starting" came out before the 200 ms pause ended: its own batch.
	if len(res.Batches) < 3 {
		t.Errorf("%d messages, want a batch per line (a 200 ms pause separates them) and the final one: %+v", len(res.Batches), res.Batches)
	}

	// Docker API connections through unix proxy connections: real HTTP.
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return host.ProxyContext(ctx, g.UDS, contract.ProxyRequest{Network: "unix", Address: apiPath})
		}},
	}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/_ping", "/version", "/containers/json"} {
		r, err := client.Get("http://docker" + path)
		if err != nil {
			t.Fatalf("GET %s through the unix proxy: %v", path, err)
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]string
		if err := json.Unmarshal(body, &v); err != nil || r.StatusCode != 200 || v["Path"] != path || v["Method"] != "GET" {
			t.Errorf("GET %s: status %d, body %q (%v)", path, r.StatusCode, body, err)
		}
	}
	// A fresh connection for a request too.
	client.CloseIdleConnections()
	if r, err := client.Get("http://docker/info"); err != nil {
		t.Errorf("GET /info on a new proxy connection: %v", err)
	} else {
		r.Body.Close()
	}

	// The event stream carried logs meanwhile.
	if _, err := g.Events.Wait(g.within(5*time.Second), 1, func(e host.Event) bool { return e.Log != nil }); err != nil {
		t.Errorf("no Log on the event stream during the session: %v", err)
	}
	if errs := g.Events.Errors(); len(errs) > 0 {
		t.Errorf("event stream errors: %v", errs)
	}
}
