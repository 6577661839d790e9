package platform

import (
	"fmt"
	"strings"
	"testing"
)

func TestTailKeepsLastLines(t *testing.T) {
	var tl tail
	if tl.String() != "" {
		t.Fatalf("empty tail says %q", tl.String())
	}
	for i := range tailLines + 5 {
		// go-plugin writes the line, then the newline.
		fmt.Fprintf(&tl, "line %d", i)
		fmt.Fprint(&tl, "\n")
	}
	fmt.Fprint(&tl, "partial")
	got := strings.Split(strings.TrimPrefix(tl.String(), "\n  "), "\n  ")
	if len(got) != tailLines+1 || got[0] != "line 5" || got[tailLines-1] != fmt.Sprintf("line %d", tailLines+4) || got[tailLines] != "partial" {
		t.Fatalf("tail kept %q", got)
	}
}

func TestTailCutsLongLines(t *testing.T) {
	var tl tail
	fmt.Fprintf(&tl, "%s\nnext\n", strings.Repeat("x", 3*tailLineMax))
	got := strings.Split(strings.TrimPrefix(tl.String(), "\n  "), "\n  ")
	if len(got) != 2 || len(got[0]) != tailLineMax || got[1] != "next" {
		t.Fatalf("tail kept %d lines, first %d bytes", len(got), len(got[0]))
	}
}
