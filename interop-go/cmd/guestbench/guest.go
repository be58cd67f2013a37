package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"boxpark.dev/interop-go/guesttest"
)

// stopTimeout bounds a guest's Shutdown before it gets SIGKILL.
const stopTimeout = 10 * time.Second

// bench is what every group needs.
type bench struct {
	sizes    sizes
	logLevel string
	verbose  bool
	mu       sync.Mutex // serialises warnings on stderr
}

func (b *bench) warnf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(os.Stderr, "guestbench: warning: "+format+"\n", args...)
}

// running is one guest process of one group, with its temporary directory.
type running struct {
	*guesttest.LocalGuest
	spec  guestSpec
	dir   string
	begin time.Time // just before StartLocal
}

// start starts spec's binary with guesttest.StartLocal in a fresh, short
// temporary directory (/tmp/gbNNN: the sockets' paths must stay short).
// opts may set ProxyHandler and NoConnect; the rest is filled in here.
func (b *bench) start(ctx context.Context, spec guestSpec, opts guesttest.LocalOptions) (*running, error) {
	dir, err := os.MkdirTemp("", "gb")
	if err != nil {
		return nil, err
	}
	opts.Binary = spec.path
	opts.Dir = dir
	opts.LogLevel = b.logLevel
	opts.Timeout = 20 * time.Second
	if b.verbose {
		opts.Stderr = &prefixWriter{prefix: "[" + spec.name + "] ", w: os.Stderr}
	}
	begin := time.Now()
	g, err := guesttest.StartLocal(ctx, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", spec.path, err)
	}
	return &running{LocalGuest: g, spec: spec, dir: dir, begin: begin}, nil
}

// stop ends the guest (Guest.Shutdown, else SIGKILL) and removes its
// directory; a guest that had to be killed is a warning, not a failure of
// what was measured.
func (r *running) stop(b *bench) {
	if err := r.Stop(stopTimeout); err != nil {
		b.warnf("guest %s (pid %d): %v", r.spec.name, r.PID(), err)
	}
	os.RemoveAll(r.dir)
}

// vmRSS is the VmRSS of process pid, in KiB.
func vmRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		return strconv.ParseFloat(fields[0], 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// openFDs counts the open descriptors of process pid.
func openFDs(pid int) (int, error) {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries), err
}

// fdKinds describes the open descriptors of process pid by kind, as
// "4000 pipe, 3 socket" (for warnings).
func fdKinds(pid int) string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	kinds := map[string]int{}
	for _, e := range entries {
		target, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		kind, _, _ := strings.Cut(target, ":") // "socket:[123]", "pipe:[123]", "/dev/null"
		kinds[kind]++
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return kinds[names[i]] > kinds[names[j]] })
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%d %s", kinds[k], k)
	}
	return strings.Join(parts, ", ")
}

// prefixWriter writes each line with a prefix (for -v).
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
}
