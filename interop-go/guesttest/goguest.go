package guesttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"
)

// GoGuestPackage is the Go reference guest (interop-go/cmd/goguest).
const GoGuestPackage = "boxpark.dev/interop-go/cmd/goguest"

// BuildGoGuest runs `go build` of the Go reference guest into dir (which
// must exist) and returns the binary's path. It needs the go command on
// PATH and a current directory inside this module (a test's is). The
// binary takes the Rust guest's flags, so [StartLocal] starts either.
func BuildGoGuest(ctx context.Context, dir string) (string, error) {
	if dir == "" {
		return "", errors.New("BuildGoGuest: no directory")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	out := filepath.Join(dir, "goguest")
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, GoGuestPackage)
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", GoGuestPackage, err, buf.Bytes())
	}
	return out, nil
}
