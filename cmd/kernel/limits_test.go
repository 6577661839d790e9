package main

import (
	"strings"
	"testing"
)

func TestParseLimits(t *testing.T) {
	l, err := parseLimits([]string{"maxSends=20", "maxVatstoreBytes=2MiB", "maxWorkerMessageBytes=16MiB", "logBytesPerSecond=64KiB"})
	if err != nil {
		t.Fatal(err)
	}
	if l.vat.MaxSends != 20 || l.vat.MaxVatstoreBytes != 2<<20 || l.maxMessage != 16<<20 || l.logRate != 64<<10 {
		t.Errorf("parsed %+v", l)
	}
	for flag, want := range map[string]string{
		"maxSends":          "NAME=VALUE",
		"maxSends=0":        "positive whole number",
		"maxSends=-3":       "positive whole number",
		"maxSends=4GiB":     "positive whole number",
		"maxFrobs=3":        `unknown limit "maxFrobs"`,
		"maxMessageBytes=x": "positive whole number",
	} {
		if _, err := parseLimits([]string{flag}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--limit %s: %v, want an error containing %q", flag, err, want)
		}
	}
}
