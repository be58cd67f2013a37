//go:build go1.23

package host

import (
	"bytes"
	"encoding/gob"
	"testing"

	"boxpark.dev/interop-go/contract"
)

func TestLaunchReaderAll(t *testing.T) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	enc.Encode(contract.LaunchOutput{Stream: 1, Lines: []string{"a"}})
	enc.Encode(contract.LaunchOutput{Exited: true, ExitCode: 0})
	n := 0
	for out, err := range ReadLaunch(&buf).All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 && !out.Exited {
			t.Errorf("second batch %+v", out)
		}
	}
	if n != 2 {
		t.Errorf("%d batches", n)
	}
}
