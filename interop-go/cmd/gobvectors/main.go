// Command gobvectors writes the golden gob vectors of the gob-codec interop
// suite: for every case in cases.go, the exact bytes that one fresh Go
// gob.Encoder writes for the case's values.
//
//	go run ./cmd/gobvectors -out ../gob-codec/tests/golden
//
// writes DIR/<case>.gob for every case and DIR/INDEX.md. gob type ids are
// process-global, so every case is generated in a fresh process: the command
// re-executes itself with -case NAME once per case. The output is
// deterministic (golden maps have at most one entry).
//
// The generator is package gobvectors; this command holds the case table and
// its Go types, which must be in a package main (see cases.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"boxpark.dev/interop-go/gobvectors"
)

func main() {
	out := flag.String("out", "", "output directory (required)")
	one := flag.String("case", "", "generate only this case, in this process (used by the per-case child processes)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: gobvectors -out DIR [-case NAME]")
		os.Exit(2)
	}
	var err error
	if *one != "" {
		err = gobvectors.WriteCase(cases, *one, *out)
	} else {
		err = gobvectors.WriteAll(*out, cases, runCase)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobvectors:", err)
		os.Exit(1)
	}
}

// runCase generates one case in a fresh process: this program again, with
// -case NAME.
func runCase(name, dir string) error {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := exec.Command(self, "-case", name, "-out", dir)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return cmd.Run()
}
