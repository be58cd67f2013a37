package main

// The results: every round's values, the table of medians and ratios, and
// the JSON file.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// results holds values[metric][guest][round], NaN where not measured.
type results struct {
	guests  []guestSpec
	rounds  int
	quick   bool
	started time.Time
	values  map[string][][]float64
	errors  []string
}

func newResults(guests []guestSpec, rounds int, quick bool) *results {
	r := &results{guests: guests, rounds: rounds, quick: quick, started: time.Now(), values: map[string][][]float64{}}
	for _, m := range metrics {
		per := make([][]float64, len(guests))
		for i := range per {
			per[i] = make([]float64, rounds)
			for j := range per[i] {
				per[i][j] = math.NaN()
			}
		}
		r.values[m.name] = per
	}
	return r
}

func (r *results) set(metric string, guest, round int, v float64) {
	r.values[metric][guest][round] = v
}

func (r *results) errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// measureBinaries records each binary's size, once, as round 1.
func (r *results) measureBinaries() {
	for i, g := range r.guests {
		if g.floor {
			continue
		}
		fi, err := os.Stat(g.path)
		if err != nil {
			r.errorf("binary_bytes, guest %s: %v", g.name, err)
			continue
		}
		r.set("binary_bytes", i, 0, float64(fi.Size()))
	}
}

// median is the median of the measured values (NaN when none) and how many
// there were.
func median(vs []float64) (float64, int) {
	var ok []float64
	for _, v := range vs {
		if !math.IsNaN(v) {
			ok = append(ok, v)
		}
	}
	if len(ok) == 0 {
		return math.NaN(), 0
	}
	sort.Float64s(ok)
	n := len(ok)
	if n%2 == 1 {
		return ok[n/2], n
	}
	return (ok[n/2-1] + ok[n/2]) / 2, n
}

// paired reports whether there are two guests (the -floor guest aside) to
// compare.
func (r *results) paired() bool { return len(r.guests) >= 2 && !r.guests[1].floor }

// ratio is the second guest's median over the first's (NaN without two).
func (r *results) ratio(metric string) float64 {
	if !r.paired() {
		return math.NaN()
	}
	return r.ratioOf(metric, 1)
}

// floorRatio is the -floor guest's median over the first guest's (NaN
// without a floor guest).
func (r *results) floorRatio(metric string) float64 {
	if i := r.floorIndex(); i > 0 {
		return r.ratioOf(metric, i)
	}
	return math.NaN()
}

// floorIndex is the -floor guest's index, -1 without one.
func (r *results) floorIndex() int {
	for i, g := range r.guests {
		if g.floor {
			return i
		}
	}
	return -1
}

// ratioOf is guest gi's median over the first guest's.
func (r *results) ratioOf(metric string, gi int) float64 {
	a, _ := median(r.values[metric][0])
	b, _ := median(r.values[metric][gi])
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case a == b: // both 0 too
		return 1
	case a == 0:
		return math.Inf(1)
	}
	return b / a
}

// goal describes what the ratio should be and whether it is.
func goal(dir direction, ratio float64) (better, want, met string) {
	switch dir {
	case higher:
		better, want = "higher", ">= 1"
		if !math.IsNaN(ratio) {
			met = yesNo(ratio >= 1)
		}
	case lower:
		better, want = "lower", "<= 1"
		if !math.IsNaN(ratio) {
			met = yesNo(ratio <= 1)
		}
	case baseline:
		return "baseline", "~1", "(noise)"
	default:
		return "info", "", ""
	}
	if met == "" {
		met = "?"
	}
	return better, want, met
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// formatValue prints v with a precision that suits its unit and size.
func formatValue(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 0):
		return "inf"
	case unit == "bytes" || unit == "fds" || unit == "KiB" && v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case unit == "ratio":
		return fmt.Sprintf("%.2f", v)
	case math.Abs(v) >= 1000:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// printTable writes the table: a Markdown table, aligned, then the errors.
// With a -floor guest, its column and its ratio to the first guest come
// after the ratio of the two guests.
func (r *results) printTable(w io.Writer) {
	header := []string{"metric", "unit"}
	for _, g := range r.guests {
		header = append(header, g.name)
	}
	two := r.paired()
	fi := r.floorIndex()
	numeric := len(r.guests)
	if two {
		header = append(header, r.guests[1].name+"/"+r.guests[0].name)
		numeric++
	}
	if fi > 0 {
		header = append(header, r.guests[fi].name+"/"+r.guests[0].name)
		numeric++
	}
	if two {
		header = append(header, "better", "goal", r.guests[1].name+" meets goal")
	}
	rows := [][]string{header}
	for _, m := range metrics {
		row := []string{m.name, m.unit}
		seen := false
		for gi, g := range r.guests {
			v, n := median(r.values[m.name][gi])
			cell := formatValue(v, m.unit)
			if want := r.roundsOf(m); n > 0 && n < want && !g.floor {
				cell += fmt.Sprintf(" (%d/%d)", n, want)
			}
			seen = seen || n > 0
			row = append(row, cell)
		}
		if !seen {
			continue
		}
		ratio := r.ratio(m.name)
		if two {
			row = append(row, formatValue(ratio, "ratio"))
		}
		if fi > 0 {
			row = append(row, formatValue(r.floorRatio(m.name), "ratio"))
		}
		if two {
			better, want, met := goal(m.dir, ratio)
			row = append(row, better, want, met)
		}
		rows = append(rows, row)
	}
	fmt.Fprintf(w, "%d round(s)%s, medians over rounds; guests: %s\n\n", r.rounds, map[bool]string{true: " (-quick)"}[r.quick], r.describeGuests())
	writeAligned(w, rows, numeric)
	if len(r.errors) > 0 {
		fmt.Fprintf(w, "\n%d error(s):\n", len(r.errors))
		for _, e := range r.errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// roundsOf is how many values a metric should have per guest.
func (r *results) roundsOf(m metric) int {
	if m.name == "binary_bytes" {
		return 1
	}
	return r.rounds
}

func (r *results) describeGuests() string {
	var s []string
	for _, g := range r.guests {
		if g.floor {
			s = append(s, "floor "+g.name+"="+g.path)
			continue
		}
		s = append(s, g.name+"="+g.path)
	}
	return strings.Join(s, ", ")
}

// writeAligned writes rows as a Markdown table with padded columns; rows[0]
// is the header. The numeric columns after metric and unit are
// right-aligned, the others left-aligned.
func writeAligned(w io.Writer, rows [][]string, numeric int) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			if n := utf8.RuneCountInString(c); n > width[i] {
				width[i] = n
			}
		}
	}
	line := func(row []string, body bool) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if body && i >= 2 && i < 2+numeric {
				fmt.Fprintf(&b, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(&b, " %s%s |", c, pad)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(rows[0], false)
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep, false)
	for _, row := range rows[1:] {
		line(row, true)
	}
}

// jsonFile is what -json writes.
type jsonFile struct {
	Started time.Time   `json:"started"`
	Rounds  int         `json:"rounds"`
	Quick   bool        `json:"quick"`
	Guests  []jsonGuest `json:"guests"`
	Order   [][]string  `json:"order"` // per round, the guests in the order they ran
	// Per round, the order in the groups that the -floor guest serves.
	FloorOrder [][]string     `json:"floor_order,omitempty"`
	Metrics    []jsonMetric   `json:"metrics"`
	Errors     []string       `json:"errors"`
	Sizes      map[string]any `json:"sizes"`
}

type jsonGuest struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

type jsonMetric struct {
	Name   string                `json:"name"`
	Unit   string                `json:"unit"`
	Better string                `json:"better"`
	Rounds map[string][]*float64 `json:"rounds"` // per guest, one per round (null: not measured)
	Median map[string]*float64   `json:"median"`
	Ratio  *float64              `json:"ratio,omitempty"` // second guest's median / first's
	// The -floor guest's median / the first guest's.
	FloorRatio *float64 `json:"floor_ratio,omitempty"`
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func (r *results) writeJSON(path string) error {
	s := sizesFor(r.quick)
	out := jsonFile{
		Started: r.started, Rounds: r.rounds, Quick: r.quick, Errors: r.errors,
		Sizes: map[string]any{
			"mkdir16_calls": s.mkdir16Calls, "mkdir_seq_calls": s.mkdirSeqCalls, "stream_bytes": s.streamBytes,
			"rss_connections": s.rssConns, "starts": s.starts, "big_calls": s.bigCalls, "true_calls": s.trueCalls,
		},
	}
	if out.Errors == nil {
		out.Errors = []string{}
	}
	for _, g := range r.guests {
		out.Guests = append(out.Guests, jsonGuest{g.name, g.path})
	}
	names := func(order []int) []string {
		var s []string
		for _, gi := range order {
			s = append(s, r.guests[gi].name)
		}
		return s
	}
	for round := 0; round < r.rounds; round++ {
		out.Order = append(out.Order, names(turns(r.guests, false, round)))
		if r.floorIndex() > 0 {
			out.FloorOrder = append(out.FloorOrder, names(turns(r.guests, true, round)))
		}
	}
	for _, m := range metrics {
		better, _, _ := goal(m.dir, math.NaN())
		jm := jsonMetric{Name: m.name, Unit: m.unit, Better: better,
			Rounds: map[string][]*float64{}, Median: map[string]*float64{}, Ratio: ptr(r.ratio(m.name)),
			FloorRatio: ptr(r.floorRatio(m.name))}
		for gi, g := range r.guests {
			vs := r.values[m.name][gi][:r.roundsOf(m)]
			for _, v := range vs {
				jm.Rounds[g.name] = append(jm.Rounds[g.name], ptr(v))
			}
			med, _ := median(vs)
			jm.Median[g.name] = ptr(med)
		}
		out.Metrics = append(out.Metrics, jm)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
