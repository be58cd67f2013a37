package main

// Flags, logging, and the guest's life from start to exit.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// version is what Info reports.
const version = "0.1.0-go"

const (
	// stopGrace is how long the programs the guest started get to exit
	// once told to stop, before they are killed.
	stopGrace = 2 * time.Second
	// flushTimeout is how long queued log records get to reach the host
	// when the guest exits.
	flushTimeout = 500 * time.Millisecond
)

func main() {
	transport := flag.String("transport", "", "`hybrid:<path>`: listen on the Unix socket <path> (the hybrid vsock emulation; the only transport)")
	level := flag.String("log-level", "info", "least severe `level` logged and sent to the host: debug, info, warn or error")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "goguest: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*transport, *level))
}

// run is the whole guest; it returns the exit status.
func run(transport, levelName string) int {
	level, err := parseLevel(levelName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goguest: --log-level:", err)
		return 2
	}
	path, ok := strings.CutPrefix(transport, "hybrid:")
	if !ok || path == "" {
		fmt.Fprintf(os.Stderr, "goguest: --transport %q: want hybrid:<path> (this guest has no vsock transport)\n", transport)
		return 2
	}

	// Every record goes to stderr and to the event stream; the event
	// stream's own records go to stderr only.
	console := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	queue := newEventQueue(eventQueueSize)
	slog.SetDefault(slog.New(teeHandler{console, &eventHandler{queue: queue, level: level}}))

	tr, err := listenHybrid(path)
	if err != nil {
		slog.Error("cannot listen", "transport", transport, "error", err)
		return 1
	}
	events := newEventSender(tr, queue, slog.New(console))
	go events.run()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	g := newGuest(tr)
	slog.Info("guest started", "transport", transport, "version", version, "pid", os.Getpid())
	go g.serve()
	select {
	case <-ctx.Done():
		slog.Info("shutting down on a signal")
	case <-g.shutdownRequested():
		// Reboot or not: this guest is no init, so it only exits.
		slog.Info("shutting down")
	}
	g.stop(stopGrace)
	events.flush(flushTimeout)
	return 0
}

// parseLevel reads a log/slog level name ("trace" is taken as debug, for
// the Rust guest's command lines).
func parseLevel(name string) (slog.Level, error) {
	if strings.EqualFold(name, "trace") {
		return slog.LevelDebug, nil
	}
	var l slog.Level
	err := l.UnmarshalText([]byte(name))
	return l, err
}
