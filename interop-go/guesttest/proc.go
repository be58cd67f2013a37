package guesttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
)

// proc is a started process and its exit, collected once.
type proc struct {
	cmd    *exec.Cmd
	name   string
	exited chan struct{}
	state  *os.ProcessState
	err    error
}

func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{cmd: cmd, name: name, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to exit and returns its state;
// the error names the process as what.
func (p *proc) wait(timeout time.Duration, what string) (*os.ProcessState, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
		return p.state, nil
	case <-t.C:
		return nil, fmt.Errorf("%s (pid %d) still running after %v", what, p.cmd.Process.Pid, timeout)
	}
}

// kill sends SIGKILL to the process (by its PID) unless it has been waited
// for, and waits for it.
func (p *proc) kill() {
	if p == nil || p.done() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *proc) describe() string {
	if !p.done() {
		return p.name + " is running"
	}
	if p.state != nil {
		return fmt.Sprintf("%s ended: %v", p.name, p.state)
	}
	return fmt.Sprintf("%s ended: %v", p.name, p.err)
}

// shutdown is both guests' Shutdown: Guest.Shutdown on client, then wait
// (up to timeout) for the process to exit by itself.
func shutdown(ctx context.Context, client *host.Client, timeout time.Duration,
	wait func(time.Duration) (*os.ProcessState, error)) (*os.ProcessState, error) {
	if client == nil {
		return nil, errors.New("no RPC connection")
	}
	if err := client.Shutdown(ctx, contract.ShutdownRequest{}); err != nil {
		return nil, fmt.Errorf("Guest.Shutdown: %w", err)
	}
	return wait(timeout)
}

// stop is what both guests' Stop do before closing: Guest.Shutdown while the
// process runs and an RPC connection is open, then kill when that fails or
// the process still runs after timeout (the error then starts with killed).
func stop(p *proc, client *host.Client, timeout time.Duration,
	shutdown func(context.Context, time.Duration) (*os.ProcessState, error), kill func(), killed string) error {
	if p == nil || p.done() {
		return nil
	}
	var err error
	if client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, err = shutdown(ctx, timeout)
		cancel()
	} else {
		err = errors.New("no RPC connection to shut the guest down with")
	}
	if err != nil {
		kill()
		return fmt.Errorf("%s: %w", killed, err)
	}
	return nil
}
