package guesttest

import (
	"context"
	"strings"
	"testing"
)

func TestStartLocalOptions(t *testing.T) {
	long := "/tmp/" + strings.Repeat("d", 100)
	for _, o := range []LocalOptions{
		{},
		{Binary: "/bin/true"},
		{Dir: t.TempDir()},
		{Binary: "/bin/true", Dir: long},
	} {
		if g, err := StartLocal(context.Background(), o); err == nil {
			g.Close()
			t.Errorf("StartLocal(%+v): no error", o)
		}
	}
}

// A binary that exits at once: StartLocal says so instead of waiting for the
// socket until its timeout.
func TestStartLocalGuestExits(t *testing.T) {
	_, err := StartLocal(context.Background(), LocalOptions{Binary: "/bin/false", Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "exited before creating") {
		t.Fatalf("StartLocal of /bin/false: %v, want an error saying the guest exited", err)
	}
}
