// Package cargo is what the Go tests and tools need of the Rust side: the
// GOB_RUST_INTEROP gate of the cross-language tests, the Rust workspace root,
// and building and running its programs with cargo.
//
// A test that needs the Rust side starts with [Require], which skips it
// unless GOB_RUST_INTEROP=1 (CI sets it), so that `go test ./...` also works
// where Rust is not installed. [Workspace] finds the root from the current
// directory (a test's is its package directory); [Build] and [Run] run cargo
// there, and [Binary] and [Example] are where cargo leaves what it built.
package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// InteropEnv is the gate: the tests that build or run Rust code run only
// when it is "1".
const InteropEnv = "GOB_RUST_INTEROP"

// Timeout bounds one cargo command of a test. The target directory may be
// shared with other builds, so waiting for its lock is normal: hence the
// generous bound.
const Timeout = 20 * time.Minute

// Enabled reports whether GOB_RUST_INTEROP=1.
func Enabled() bool { return os.Getenv(InteropEnv) == "1" }

// Skipper is the part of testing.TB that [Require] uses (so that this package
// does not import testing, and the commands that use it do not either).
type Skipper interface {
	Helper()
	Skipf(format string, args ...any)
}

// Require skips t unless GOB_RUST_INTEROP=1; needs says what the test needs
// ("cargo and the gob-codec examples").
func Require(t Skipper, needs string) {
	t.Helper()
	if !Enabled() {
		t.Skipf("skipped: set %s=1 to run (needs %s; CI sets it)", InteropEnv, needs)
	}
}

// Workspace is the Rust workspace root: the nearest directory, from dir up,
// whose Cargo.toml has a [workspace] section. dir "" is the current directory.
func Workspace(dir string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for start := dir; ; {
		data, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
		if err == nil && bytes.Contains(data, []byte("[workspace]")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no Cargo workspace at or above %s", start)
		}
		dir = parent
	}
}

// TargetDir is cargo's target directory for the workspace at root:
// $CARGO_TARGET_DIR (relative to root when not absolute) when set, else
// root/target.
func TargetDir(root string) string {
	target := os.Getenv("CARGO_TARGET_DIR")
	switch {
	case target == "":
		return filepath.Join(root, "target")
	case filepath.IsAbs(target):
		return target
	default:
		return filepath.Join(root, target)
	}
}

// Binary is the path of the debug build of binary name, which must exist.
func Binary(root, name string) (string, error) {
	return exists(filepath.Join(TargetDir(root), "debug", name))
}

// Example is the path of the debug build of example name, which must exist.
func Example(root, name string) (string, error) {
	return exists(filepath.Join(TargetDir(root), "debug", "examples", name))
}

func exists(path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("built, but no binary: %w", err)
	}
	return path, nil
}

// Command is `cargo args...` to run in root, cargo found on PATH.
func Command(ctx context.Context, root string, args ...string) (*exec.Cmd, error) {
	bin, err := exec.LookPath("cargo")
	if err != nil {
		return nil, fmt.Errorf("cargo is not on PATH: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	cmd.WaitDelay = 10 * time.Second
	return cmd, nil
}

// Run runs `cargo args...` in root. cargo's output goes to out as it comes
// (when not nil); on a failure the error holds it too, and says whether ctx
// ended the command.
func Run(ctx context.Context, root string, out io.Writer, args ...string) error {
	cmd, err := Command(ctx, root, args...)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := io.Writer(&buf)
	if out != nil {
		w = io.MultiWriter(out, &buf)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%v (%w)", err, ctx.Err())
		}
		return fmt.Errorf("cargo %s in %s: %w\n%s", strings.Join(args, " "), root, err, buf.Bytes())
	}
	return nil
}

// Build runs `cargo build -q -p pkg` (and then any more arguments, such as
// --example NAME) in root.
func Build(ctx context.Context, root string, out io.Writer, pkg string, more ...string) error {
	if pkg == "" {
		return errors.New("cargo.Build: no package")
	}
	return Run(ctx, root, out, append([]string{"build", "-q", "-p", pkg}, more...)...)
}

// BuildExample builds example name of package pkg and returns its path.
func BuildExample(ctx context.Context, root, pkg, name string) (string, error) {
	if err := Build(ctx, root, nil, pkg, "--example", name); err != nil {
		return "", err
	}
	return Example(root, name)
}

// RunExample runs `cargo run -q -p pkg --example name -- args...` in root.
func RunExample(ctx context.Context, root, pkg, name string, args ...string) error {
	return Run(ctx, root, nil, append([]string{"run", "-q", "-p", pkg, "--example", name, "--"}, args...)...)
}
