//go:build go1.23

package host

import (
	"errors"
	"io"
	"iter"

	"boxpark.dev/interop-go/contract"
)

// All iterates over the remaining batches, the final (Exited) one included:
//
//	for out, err := range lr.All() { ... }
//
// A stream that ends early yields one last pair with an error wrapping
// [ErrNoExit].
func (l *LaunchReader) All() iter.Seq2[contract.LaunchOutput, error] {
	return func(yield func(contract.LaunchOutput, error) bool) {
		for {
			out, err := l.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(out, err) || err != nil {
				return
			}
		}
	}
}
