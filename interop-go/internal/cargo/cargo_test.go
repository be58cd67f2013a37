package cargo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWorkspace(t *testing.T) {
	root, err := Workspace("")
	if err != nil {
		t.Fatal(err)
	}
	// This package is interop-go/internal/cargo in the workspace.
	if want, _ := filepath.Abs("../../.."); root != want {
		t.Errorf("Workspace(\"\") = %s, want %s", root, want)
	}
	if _, err := os.Stat(filepath.Join(root, "interop-go", "go.mod")); err != nil {
		t.Errorf("Workspace(\"\") = %s: %v", root, err)
	}
	if got, err := Workspace(filepath.Join(root, "interop-go", "internal")); err != nil || got != root {
		t.Errorf("Workspace(interop-go/internal) = %q, %v; want %s", got, err, root)
	}
	if got, err := Workspace(t.TempDir()); err == nil {
		t.Errorf("Workspace(a temporary directory) = %s, want an error", got)
	}
}

func TestTargetDir(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{"", "/ws/target"},
		{"/elsewhere/t", "/elsewhere/t"},
		{"t2", "/ws/t2"},
	} {
		t.Setenv("CARGO_TARGET_DIR", c.env)
		if got := TargetDir("/ws"); got != c.want {
			t.Errorf("CARGO_TARGET_DIR=%q: TargetDir %s, want %s", c.env, got, c.want)
		}
	}
}
