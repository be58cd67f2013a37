package main

// launch proxy connections: a program whose output lines go to the host in
// batches, as a gob stream of LaunchOutput ending with one that has Exited
// set.

import (
	"bytes"
	"context"
	"encoding/gob"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
)

const (
	// A batch goes out when it holds batchLines lines or batchBytes bytes,
	// or batchDelay after its first line.
	batchLines = 64
	batchBytes = 64 << 10
	batchDelay = 100 * time.Millisecond
	// maxLine is the longest line sent: a longer one is sent in pieces.
	maxLine = 64 << 10
	// killDelay is how long a program has after SIGTERM, once the host
	// hung up, before it gets SIGKILL.
	killDelay = 5 * time.Second
)

// launch starts the program and streams its output on conn. When the host
// closes the connection first, the program's process group gets SIGTERM,
// and the program SIGKILL killDelay later.
func (g *guest) launch(conn net.Conn, req contract.ProxyRequest) error {
	ctx, hangUp := context.WithCancel(g.ctx)
	defer hangUp()
	cmd := command(ctx, req.Address, req.Args, req.Env, req.Dir)
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGTERM) }
	// Also bounds how long output pipes held by a background child keep
	// the final message waiting once the program has exited.
	cmd.WaitDelay = killDelay
	out := &launchStream{enc: gob.NewEncoder(conn), broken: hangUp}
	stdout, stderr := out.lines(1), out.lines(2)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := g.children.start(cmd); err != nil {
		return err
	}
	go func() {
		// The host sends nothing more: the end of its stream is its hang-up.
		_, _ = io.Copy(io.Discard, conn)
		hangUp()
	}()
	_ = g.children.wait(cmd) // the exit code is in ProcessState
	stdout.finish()
	stderr.finish()
	out.send(contract.LaunchOutput{Exited: true, ExitCode: cmd.ProcessState.ExitCode()})
	return nil
}

// launchStream is the gob stream of one launch connection, shared by the
// two output streams and the final message.
type launchStream struct {
	mu     sync.Mutex
	enc    *gob.Encoder
	failed bool
	broken func() // called once a write fails: the host is gone
}

func (s *launchStream) send(out contract.LaunchOutput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return
	}
	if err := s.enc.Encode(out); err != nil {
		s.failed = true
		s.broken()
	}
}

// lines is an io.Writer for the program's stream (1 stdout, 2 stderr)
// that cuts what it writes into lines and sends them in batches.
func (s *launchStream) lines(stream int) *lineBatcher {
	return &lineBatcher{out: s, stream: stream}
}

// lineBatcher splits as bufio.ScanLines does: at "\n", with a "\r" before
// it dropped, and a final line without a newline counts.
type lineBatcher struct {
	out    *launchStream
	stream int

	mu      sync.Mutex
	partial []byte   // the line being written
	batch   []string // lines waiting to go out
	size    int      // their bytes
	timer   *time.Timer
}

func (b *lineBatcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		line := append(b.partial, p[:i]...)
		b.addLong(bytes.TrimSuffix(line, []byte("\r")))
		b.partial = b.partial[:0]
		p = p[i+1:]
	}
	b.partial = append(b.partial, p...)
	if n := len(b.partial); n > maxLine {
		// The pieces that are sure to be whole go now; the rest (1 to
		// maxLine bytes) waits for its newline.
		whole := (n - 1) / maxLine * maxLine
		for off := 0; off < whole; off += maxLine {
			b.add(string(b.partial[off : off+maxLine]))
		}
		b.partial = append(b.partial[:0], b.partial[whole:]...)
	}
	// The program's output is never refused: a host that is gone only
	// means the lines are dropped (and the program is being stopped).
	return n, nil
}

// addLong adds a line, as several of maxLine bytes (the last one shorter)
// when it is longer. Called with b.mu held.
func (b *lineBatcher) addLong(line []byte) {
	for len(line) > maxLine {
		b.add(string(line[:maxLine]))
		line = line[maxLine:]
	}
	b.add(string(line))
}

// add puts a line in the batch, which goes out when full or batchDelay
// after its first line. Called with b.mu held.
func (b *lineBatcher) add(line string) {
	b.batch = append(b.batch, line)
	b.size += len(line)
	switch {
	case len(b.batch) >= batchLines || b.size >= batchBytes:
		b.flush()
	case len(b.batch) == 1:
		b.timer = time.AfterFunc(batchDelay, func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.flush()
		})
	}
}

// flush sends the batch, if any. Called with b.mu held.
func (b *lineBatcher) flush() {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.batch) == 0 {
		return
	}
	b.out.send(contract.LaunchOutput{Stream: b.stream, Lines: b.batch})
	b.batch, b.size = nil, 0
}

// finish sends what is left once the program's output has ended: the last
// line even without its newline, and the batch.
func (b *lineBatcher) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.partial) > 0 {
		b.addLong(b.partial)
		b.partial = nil
	}
	b.flush()
}
