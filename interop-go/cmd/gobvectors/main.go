// Command gobvectors writes the golden gob vectors of the gob-codec interop
// suite and of the Boxpark contract: for every case in cases.go, the exact
// bytes that one fresh Go gob.Encoder writes for the case's values. From
// interop-go:
//
//	go run ./cmd/gobvectors -out ../gob-codec/tests/golden
//
// writes the contract cases (contract_*, Boxpark's messages, tested by
// boxpark-proto) into the contract directory and every other case (gob only,
// tested by gob-codec) into the -out directory: DIR/<case>.gob for each of
// its cases and DIR/INDEX.md. Each directory holds its own set only: a *.gob
// there that is not one of its cases is removed. The contract directory is
// -contract-out; by default it is boxpark-proto/tests/golden beside the
// gob-codec/tests/golden that -out names (../boxpark-proto/tests/golden
// above), and -contract-out is required when -out is some other directory:
//
//	go run ./cmd/gobvectors -out /tmp/gob -contract-out /tmp/contract
//
// gob type ids are process-global, so every case is generated in a fresh
// process: the command re-executes itself with -case NAME -out DIR once per
// case (DIR the case's own directory). The output is deterministic (golden
// maps have at most one entry).
//
// The generator is package gobvectors; this command holds the case table and
// its Go types, which must be in a package main (see cases.go).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"boxpark.dev/interop-go/gobvectors"
)

// contractPrefix starts the names of the contract cases, which go to the
// contract directory.
const contractPrefix = "contract_"

func main() {
	out := flag.String("out", "", "output directory of the gob cases, gob-codec/tests/golden (required)")
	contractOut := flag.String("contract-out", "", "output directory of the contract_* cases (default: boxpark-proto/tests/golden beside -out's gob-codec/tests/golden)")
	one := flag.String("case", "", "generate only this case, into -out, in this process (used by the per-case child processes)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: gobvectors -out DIR [-contract-out DIR] | -case NAME -out DIR")
		os.Exit(2)
	}
	var err error
	if *one != "" {
		err = gobvectors.WriteCase(cases, *one, *out)
	} else {
		err = writeAll(*out, *contractOut)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobvectors:", err)
		os.Exit(1)
	}
}

// writeAll writes the gob cases into out and the contract cases into
// contractOut (or its default, [defaultContractOut]).
func writeAll(out, contractOut string) error {
	if contractOut == "" {
		var ok bool
		if contractOut, ok = defaultContractOut(out); !ok {
			return fmt.Errorf("-out %s is not a gob-codec/tests/golden directory: give -contract-out too", out)
		}
	}
	if err := gobvectors.Check(cases); err != nil {
		return err
	}
	same, err := sameDir(out, contractOut)
	if err != nil {
		return err
	}
	if same {
		// Each WriteAll would remove the other's vectors as stale.
		return errors.New("-out and -contract-out must be different directories")
	}
	gob, contract := splitCases(cases)
	const by = "`go run ./cmd/gobvectors -out ../gob-codec/tests/golden` in interop-go, which writes "
	if err := gobvectors.WriteAll(out, gob, by+"every case of cmd/gobvectors/cases.go here "+
		"except the `contract_*` ones (those go into boxpark-proto/tests/golden)", runCase); err != nil {
		return err
	}
	return gobvectors.WriteAll(contractOut, contract, by+"the `contract_*` cases of cmd/gobvectors/cases.go here "+
		"(the others go into gob-codec/tests/golden)", runCase)
}

// splitCases splits the table, in order, into the gob cases and the contract
// cases (contract_*).
func splitCases(all []gobvectors.Case) (gob, contract []gobvectors.Case) {
	for _, c := range all {
		if isContract(c.Name) {
			contract = append(contract, c)
		} else {
			gob = append(gob, c)
		}
	}
	return gob, contract
}

// isContract reports whether the case of that name is a contract case.
func isContract(name string) bool { return strings.HasPrefix(name, contractPrefix) }

// defaultContractOut is boxpark-proto/tests/golden beside out when out names
// a gob-codec/tests/golden directory (as in the documented command line), so
// that the two crates' vectors land in one checkout.
func defaultContractOut(out string) (string, bool) {
	golden := filepath.Clean(out)
	tests := filepath.Dir(golden)
	crate := filepath.Dir(tests)
	if filepath.Base(golden) != "golden" || filepath.Base(tests) != "tests" || filepath.Base(crate) != "gob-codec" {
		return "", false
	}
	return filepath.Join(filepath.Dir(crate), "boxpark-proto", "tests", "golden"), true
}

// sameDir reports whether a and b name the same directory (as paths; neither
// need exist).
func sameDir(a, b string) (bool, error) {
	a, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	b, err = filepath.Abs(b)
	if err != nil {
		return false, err
	}
	return a == b, nil
}

// runCase generates one case in a fresh process: this program again, with
// -case NAME -out DIR.
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
