package main

// Guest.Run, and the programs the guest starts (Run's and launch's): each in
// its own process group, tracked so that stopping the guest stops them.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"boxpark.dev/interop-go/contract"
)

// run is Guest.Run.
func (g *guest) run(req contract.RunRequest, resp *contract.RunResponse) error {
	ctx := g.ctx
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	cmd := command(ctx, req.Command, req.Args, req.Env, req.Dir)
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGKILL) }
	if len(req.Stdin) > 0 {
		cmd.Stdin = bytes.NewReader(req.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := g.children.start(cmd)
	if err == nil {
		err = g.children.wait(cmd)
	}
	resp.Stdout, resp.Stderr = stdout.Bytes(), stderr.Bytes()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("command timed out after %v", req.Timeout)
	case g.ctx.Err() != nil:
		return errors.New("command killed: the guest is shutting down")
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		resp.ExitCode = exit.ExitCode()
		return nil
	}
	if err != nil {
		return err
	}
	resp.ExitCode = cmd.ProcessState.ExitCode()
	return nil
}

// command is a program as Run and launch start it: looked up in the guest's
// PATH when name has no slash, the guest's environment when env is empty,
// "/" when dir is empty, in a process group of its own.
func command(ctx context.Context, name string, args, env []string, dir string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	if len(env) > 0 {
		cmd.Env = env
	}
	cmd.Dir = dir
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// signalGroup sends sig to cmd's process group.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// children is the set of process groups the guest started and has not
// waited for yet.
type children struct {
	mu     sync.Mutex
	groups map[int]struct{} // process group ids (the leaders' pids)
	wg     sync.WaitGroup
}

// start starts cmd and tracks its process group.
func (c *children) start(cmd *exec.Cmd) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	c.groups[cmd.Process.Pid] = struct{}{}
	c.wg.Add(1)
	return nil
}

// wait waits for cmd (started by start) and stops tracking it.
func (c *children) wait(cmd *exec.Cmd) error {
	err := cmd.Wait()
	c.mu.Lock()
	delete(c.groups, cmd.Process.Pid)
	c.mu.Unlock()
	c.wg.Done()
	return err
}

// stop waits up to grace for every tracked program to end (the guest's
// context has told them to), then sends SIGKILL to the groups left; it
// returns how many there were.
func (c *children) stop(grace time.Duration) int {
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return 0
	case <-time.After(grace):
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for pgid := range c.groups {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return len(c.groups)
}
