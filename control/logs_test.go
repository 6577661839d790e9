package control

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func TestVatLogsKeepsBoundedLinesPerVat(t *testing.T) {
	v := NewVatLogs(hclog.Info)
	v.Accept("k", hclog.Debug, "below the level", "vat", "v1")
	v.Accept("k", hclog.Info, "no vat")
	for i := range logLinesPerVat + 5 {
		v.Accept("k", hclog.Info, fmt.Sprint("line ", i), "vat", "v1", "subcluster", "s1", "n", i)
	}
	v.Accept("k", hclog.Warn, "other", "vat", "v2", "subcluster", "s2")
	lines := v.Lines(LogFilter{Vat: "v1"})
	if len(lines) != logLinesPerVat || lines[0].Message != "line 5" || lines[len(lines)-1].Fields["n"] != fmt.Sprint(logLinesPerVat+4) {
		t.Fatalf("v1 kept %d lines, first %+v", len(lines), lines[0])
	}
	if got := v.Lines(LogFilter{Subcluster: "s2"}); len(got) != 1 || got[0].Vat != "v2" || got[0].Level != "warn" {
		t.Fatalf("subcluster s2: %+v", got)
	}
	if got := v.Lines(LogFilter{Vat: "v1", Since: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Fatalf("lines from the future: %d", len(got))
	}
	for i := range logVats + 1 {
		v.Accept("k", hclog.Info, "x", "vat", fmt.Sprint("w", i))
	}
	if got := v.Lines(LogFilter{Vat: "v1"}); len(got) != 0 {
		t.Fatalf("the least recently heard of vat is still kept: %d lines", len(got))
	}
}

func TestVatLogsFollow(t *testing.T) {
	v := NewVatLogs(hclog.Info)
	v.Accept("k", hclog.Info, "before", "vat", "v1")
	ctx, cancel := context.WithCancel(context.Background())
	past, later := v.Follow(ctx, LogFilter{Vat: "v1"})
	if len(past) != 1 || past[0].Message != "before" {
		t.Fatalf("past: %+v", past)
	}
	v.Accept("k", hclog.Info, "elsewhere", "vat", "v2")
	v.Accept("k", hclog.Info, "after", "vat", "v1")
	if l := <-later; l.Message != "after" {
		t.Fatalf("followed %+v", l)
	}
	cancel()
	for range later { // closes once ctx ends
	}
}
