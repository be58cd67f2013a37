package main

import (
	"context"
	"fmt"
	"strings"
)

// direction says which way a metric is better.
type direction int

const (
	higher   direction = iota // a rate: more is better
	lower                     // a time or a size: less is better
	baseline                  // measures this machine, not the guest; the ratio shows the noise
	info                      // informational: no goal
)

// metric is one row of the table.
type metric struct {
	name string
	unit string
	dir  direction
}

// metrics are the rows, in the table's order.
var metrics = []metric{
	{"mkdir16", "calls/s", higher},
	{"mkdir_seq_p50", "µs", lower},
	{"mkdir_seq_p99", "µs", lower},
	{"tcp_direct", "MiB/s", baseline},
	{"tcp_proxy", "MiB/s", higher},
	{"tcp_proxy/direct", "ratio", higher},
	{"unix_direct", "MiB/s", baseline},
	{"unix_proxy", "MiB/s", higher},
	{"unix_proxy/direct", "ratio", higher},
	{"host_proxy_tcp", "MiB/s", higher},
	{"rss_idle", "KiB", lower},
	{"rss_1000", "KiB", lower},
	{"rss_after_1000", "KiB", lower},
	{"rss_per_conn", "KiB", lower},
	{"fds_left_1000", "fds", lower},
	{"start_to_info", "ms", lower},
	{"run_10mib", "ms", lower},
	{"write_16mib", "ms", lower},
	{"run_true", "µs", lower},
	{"spawn_true", "µs", baseline},
	{"run_true/spawn", "ratio", lower},
	{"binary_bytes", "bytes", info},
}

func metricByName(name string) metric {
	for _, m := range metrics {
		if m.name == name {
			return m
		}
	}
	panic("unknown metric " + name)
}

// group is a set of metrics measured together, in one fresh guest process
// (start_to_info: several) for one guest in one round.
type group struct {
	name    string
	metrics []string
	run     func(ctx context.Context, b *bench, g guestSpec) (map[string]float64, error)
	// floor: the -floor guest serves this group (Guest.Mkdir and tcp and unix proxies).
	floor bool
}

// groups run in this order in every round.
var groups = []group{
	{"mkdir16", []string{"mkdir16"}, runMkdir16, true},
	{"mkdir_seq", []string{"mkdir_seq_p50", "mkdir_seq_p99"}, runMkdirSeq, true},
	{"tcp", []string{"tcp_direct", "tcp_proxy", "tcp_proxy/direct"}, func(ctx context.Context, b *bench, g guestSpec) (map[string]float64, error) {
		return runStream(ctx, b, g, "tcp")
	}, true},
	{"unix", []string{"unix_direct", "unix_proxy", "unix_proxy/direct"}, func(ctx context.Context, b *bench, g guestSpec) (map[string]float64, error) {
		return runStream(ctx, b, g, "unix")
	}, true},
	{"host_proxy_tcp", []string{"host_proxy_tcp"}, runHostProxy, false},
	{"rss", []string{"rss_idle", "rss_1000", "rss_after_1000", "rss_per_conn", "fds_left_1000"}, runRSS, false},
	{"start_to_info", []string{"start_to_info"}, runStartToInfo, false},
	{"run_10mib", []string{"run_10mib"}, runRun10MiB, false},
	{"write_16mib", []string{"write_16mib"}, runWrite16MiB, false},
	{"run_true", []string{"run_true", "spawn_true", "run_true/spawn"}, runTrue, false},
}

func groupNames() []string {
	var names []string
	for _, g := range groups {
		names = append(names, g.name)
	}
	return names
}

// selectGroups is the groups named in a comma-separated list, in the
// standard order; all of them for "".
func selectGroups(list string) ([]group, error) {
	if list == "" {
		return groups, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, g := range groups {
			found = found || g.name == n
		}
		if !found {
			return nil, fmt.Errorf("unknown group %q (groups: %s)", n, strings.Join(groupNames(), ","))
		}
		want[n] = true
	}
	var out []group
	for _, g := range groups {
		if want[g.name] {
			out = append(out, g)
		}
	}
	return out, nil
}
