package main

import (
	"context"
	"errors"
	"net/rpc"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/internal/cargo"
)

// The floor guest is a measuring instrument: its numbers mean something
// only if its Mkdir does the work a guest's does and it serves what the
// floor groups call, so this checks both against the real binary.
func TestFloorGuestDoesMkdirsWorkAndServesTheFloorGroups(t *testing.T) {
	cargo.Require(t, "cargo and boxpark-guest's floor_guest example")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := cargo.Workspace("")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := cargo.BuildExample(ctx, root, "boxpark-guest", "floor_guest")
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{sizes: sizesFor(true), logLevel: "info"}
	spec := guestSpec{name: "floor", path: bin, floor: true}

	g, err := b.start(ctx, spec, guesttest.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	defer os.RemoveAll(g.dir)
	tmp := t.TempDir()
	nested := filepath.Join(tmp, "a", "b")
	for i := 0; i < 2; i++ { // made, then already there
		if err := g.Client.Mkdir(ctx, contract.MkdirRequest{Path: nested}); err != nil {
			t.Fatalf("Mkdir %s (call %d): %v", nested, i+1, err)
		}
	}
	if fi, err := os.Stat(nested); err != nil || !fi.IsDir() {
		t.Fatalf("after Mkdir, %s: %v, %v", nested, fi, err)
	}
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var se rpc.ServerError
	if err := g.Client.Mkdir(ctx, contract.MkdirRequest{Path: file}); !errors.As(err, &se) {
		t.Fatalf("Mkdir over a file: %v, want a server error", err)
	}
	err = g.Client.RPC().Call("Guest.Listen", contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"}, &contract.ListenResponse{})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "serves no Guest.Listen") {
		t.Fatalf("Guest.Listen: %v, want the floor guest's refusal", err)
	}
	state, err := g.Shutdown(ctx, stopTimeout)
	if err != nil || !state.Success() {
		t.Fatalf("Shutdown: %v, %v", state, err)
	}

	for _, gr := range groups {
		if !gr.floor {
			continue
		}
		vals, err := gr.run(ctx, b, spec)
		if err != nil {
			t.Fatalf("group %s: %v", gr.name, err)
		}
		for _, m := range gr.metrics {
			if v, ok := vals[m]; !ok || !(v > 0) {
				t.Errorf("group %s: %s = %v (present %v), want > 0", gr.name, m, v, ok)
			}
		}
	}
}
