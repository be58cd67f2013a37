package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// groupTimeout bounds one group for one guest: its start, every call and
// transfer, and its stop.
const groupTimeout = 3 * time.Minute

// guestSpec is one -guest name=path, or the -floor guest.
type guestSpec struct {
	name, path string
	// floor: the -floor guest, which serves only the groups marked floor.
	floor bool
}

// guestFlags collects the -guest flags.
type guestFlags []guestSpec

func (g *guestFlags) String() string {
	var s []string
	for _, x := range *g {
		s = append(s, x.name+"="+x.path)
	}
	return strings.Join(s, " ")
}

func (g *guestFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return errors.New("want name=path")
	}
	for _, x := range *g {
		if x.name == name {
			return fmt.Errorf("guest %q given twice", name)
		}
	}
	*g = append(*g, guestSpec{name: name, path: path})
	return nil
}

// sizes are the counts and sizes of the metrics (doc.go has them).
type sizes struct {
	mkdir16Calls  int
	mkdirSeqCalls int
	streamBytes   int64
	rssConns      int
	starts        int
	bigCalls      int // run_10mib and write_16mib calls
	trueCalls     int
}

func sizesFor(quick bool) sizes {
	if quick {
		return sizes{mkdir16Calls: 4000, mkdirSeqCalls: 500, streamBytes: 32 << 20, rssConns: 1000,
			starts: 2, bigCalls: 2, trueCalls: 10}
	}
	return sizes{mkdir16Calls: 40000, mkdirSeqCalls: 5000, streamBytes: 256 << 20, rssConns: 1000,
		starts: 5, bigCalls: 5, trueCalls: 50}
}

func main() {
	var guests guestFlags
	flag.Var(&guests, "guest", "a guest binary as `name=path`; give it twice (the first is the baseline: ratios are second/first)")
	rounds := flag.Int("rounds", 5, "rounds; each runs every group once for each guest, in alternating order")
	quick := flag.Bool("quick", false, "smaller sizes and counts, for a smoke run")
	jsonPath := flag.String("json", "", "also write every round's raw numbers to `FILE` as JSON")
	only := flag.String("metrics", "", "comma-separated groups to run (default all): "+strings.Join(groupNames(), ","))
	logLevel := flag.String("log-level", "info", "the guests' --log-level (empty: none given)")
	verbose := flag.Bool("v", false, "copy the guests' stderr to this program's stderr")
	var floor guestFlags
	flag.Var(&floor, "floor", "a floor guest as `name=path` (boxpark-guest's floor_guest example), measured in the same rounds on the groups it serves (mkdir16, mkdir_seq, tcp, unix); its ratio to the first guest is the best a guest could reach")
	flag.Parse()
	if len(guests) == 0 || len(guests) > 2 || len(floor) > 1 || *rounds < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: guestbench -guest go=PATH -guest rust=PATH [-floor floor=PATH] [-rounds N] [-quick] [-json FILE]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	for _, f := range floor {
		if err := guests.Set(f.name + "=" + f.path); err != nil {
			fmt.Fprintln(os.Stderr, "guestbench: -floor:", err)
			os.Exit(2)
		}
		guests[len(guests)-1].floor = true
	}
	groups, err := selectGroups(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "guestbench:", err)
		os.Exit(2)
	}
	for _, g := range guests {
		if fi, err := os.Stat(g.path); err != nil || fi.IsDir() {
			fmt.Fprintf(os.Stderr, "guestbench: guest %s: %s is not a file (%v)\n", g.name, g.path, err)
			os.Exit(2)
		}
	}
	b := &bench{sizes: sizesFor(*quick), logLevel: *logLevel, verbose: *verbose}
	if err := raiseNoFile(b); err != nil {
		b.warnf("cannot raise RLIMIT_NOFILE: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := newResults(guests, *rounds, *quick)
	for r := 0; r < *rounds && ctx.Err() == nil; r++ {
		for _, g := range groups {
			for _, gi := range turns(guests, g.floor, r) {
				if ctx.Err() != nil {
					break
				}
				runGroup(ctx, b, res, g, r, gi)
			}
		}
	}
	res.measureBinaries()
	if ctx.Err() != nil {
		res.errorf("interrupted: the table has the rounds that ran")
	}
	res.printTable(os.Stdout)
	if *jsonPath != "" {
		if err := res.writeJSON(*jsonPath); err != nil {
			fmt.Fprintln(os.Stderr, "guestbench:", err)
			os.Exit(1)
		}
	}
	if len(res.errors) > 0 {
		os.Exit(1)
	}
}

// turns is the order of the guests in round r of a group: those that serve
// it (the -floor guest only where withFloor), round 0 as given, then each
// round starting one guest later (with two guests: go, rust; rust, go; ...),
// so that each goes first equally often over a multiple of their number.
func turns(guests []guestSpec, withFloor bool, r int) []int {
	var serve []int
	for i, g := range guests {
		if withFloor || !g.floor {
			serve = append(serve, i)
		}
	}
	order := make([]int, len(serve))
	for i := range order {
		order[i] = serve[(i+r)%len(serve)]
	}
	return order
}

// runGroup runs one group for one guest in round r and records its values.
func runGroup(parent context.Context, b *bench, res *results, g group, r, gi int) {
	spec := res.guests[gi]
	ctx, cancel := context.WithTimeout(parent, groupTimeout)
	defer cancel()
	start := time.Now()
	vals, err := g.run(ctx, b, spec)
	if err != nil {
		res.errorf("round %d, %s, guest %s: %v", r+1, g.name, spec.name, err)
		fmt.Fprintf(os.Stderr, "round %d/%d %-14s %-5s FAILED: %v\n", r+1, res.rounds, g.name, spec.name, err)
		return
	}
	var parts []string
	for _, name := range g.metrics {
		v, ok := vals[name]
		if !ok {
			continue
		}
		res.set(name, gi, r, v)
		parts = append(parts, fmt.Sprintf("%s %s", name, formatValue(v, metricByName(name).unit)))
	}
	fmt.Fprintf(os.Stderr, "round %d/%d %-14s %-5s %s (%.1fs)\n", r+1, res.rounds, g.name, spec.name,
		strings.Join(parts, ", "), time.Since(start).Seconds())
}

// raiseNoFile sets this process's RLIMIT_NOFILE soft limit to the hard
// limit (at most 1<<20). Set explicitly, it is what the guests inherit (Go
// restores the original soft limit in children only when the program never
// set it).
func raiseNoFile(b *bench) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	want := lim.Max
	if want > 1<<20 {
		want = 1 << 20
	}
	lim.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if need := uint64(2*b.sizes.rssConns + 256); lim.Cur < need {
		b.warnf("RLIMIT_NOFILE is %d, below the %d that rss_1000 needs", lim.Cur, need)
	}
	return nil
}
