package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// row is one measurement: the median of n runs, with their extremes. Its
// JSON form is what -json prints, one object per line.
type row struct {
	Name  string  `json:"name"`
	Store string  `json:"store"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	N     int     `json:"n"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// reporter prints rows as they are measured, so a long run shows progress.
type reporter struct {
	w    io.Writer
	json bool
}

func newReporter(w io.Writer, jsonOut bool) *reporter { return &reporter{w: w, json: jsonOut} }

func (r *reporter) header() {
	if !r.json {
		fmt.Fprintf(r.w, "%-32s %-8s %10s %21s %-16s %s\n", "benchmark", "store", "median", "min–max", "unit", "runs")
	}
}

// add reports the median of samples (one per run) under name.
func (r *reporter) add(name, store, unit string, samples []float64) {
	if len(samples) == 0 {
		return
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	x := row{Name: name, Store: store, Value: med, Unit: unit, N: len(s), Min: s[0], Max: s[len(s)-1]}
	if r.json {
		b, _ := json.Marshal(x)
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	fmt.Fprintf(r.w, "%-32s %-8s %10s %21s %-16s %d\n", x.Name, x.Store, num(x.Value),
		num(x.Min)+"–"+num(x.Max), x.Unit, x.N)
}

// num prints a number with about three significant digits.
func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// rate is count per second of elapsed time.
func rate(count int, elapsed time.Duration) float64 { return float64(count) / elapsed.Seconds() }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(n int64) float64 { return float64(n) / (1 << 20) }
