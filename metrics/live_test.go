package metrics

import (
	"errors"
	"os"
	"testing"
)

type fakeSource struct {
	vats map[string]int
	pids map[string]int
}

func (f fakeSource) VatsBySubcluster() map[string]int { return f.vats }
func (f fakeSource) WorkerPIDs() map[string]int       { return f.pids }

func TestLiveGaugesReadTheSourceAtScrape(t *testing.T) {
	reg, k := setup(t)
	if got := value(t, reg, "ocap_vats"); got != 0 {
		t.Fatalf("ocap_vats with no source = %v, want 0", got)
	}
	// This test process stands in for two workers: its memory is real.
	self := os.Getpid()
	k.Watch(fakeSource{
		vats: map[string]int{"s1": 2, "s2": 1},
		pids: map[string]int{"v1": self, "v2": self, "v3": self},
	})
	if got := value(t, reg, "ocap_vats"); got != 3 {
		t.Errorf("ocap_vats = %v, want 3", got)
	}
	if got := value(t, reg, "ocap_subclusters"); got != 2 {
		t.Errorf("ocap_subclusters = %v, want 2", got)
	}
	rss := value(t, reg, "ocap_worker_resident_memory_bytes")
	if rss <= 0 || int64(rss)%int64(os.Getpagesize()) != 0 {
		t.Errorf("ocap_worker_resident_memory_bytes = %v, want a positive number of pages", rss)
	}

	// Nothing is kept between scrapes: gone vats read 0 at once.
	k.Watch(fakeSource{})
	for _, name := range []string{"ocap_vats", "ocap_subclusters", "ocap_worker_resident_memory_bytes"} {
		if got := value(t, reg, name); got != 0 {
			t.Errorf("%s after the vats went = %v, want 0", name, got)
		}
	}
	k.Watch(nil)
	if got := value(t, reg, "ocap_vats"); got != 0 {
		t.Errorf("ocap_vats after Watch(nil) = %v", got)
	}
}

func TestResidentBytes(t *testing.T) {
	c := newLiveCollector()
	c.pageSize = 4096
	for _, tc := range []struct {
		statm string
		err   error
		want  int64
	}{
		{"1000 250 100 1 0 300 0\n", nil, 250 * 4096},
		{"", errors.New("no such process"), 0}, // exited since the pid list was taken
		{"1000", nil, 0},
		{"1000 lots", nil, 0},
	} {
		c.statm = func(int) ([]byte, error) { return []byte(tc.statm), tc.err }
		if got := c.residentBytes(1); got != tc.want {
			t.Errorf("statm %q, %v: %d bytes, want %d", tc.statm, tc.err, got, tc.want)
		}
	}
}

// tableSource is a Source that also tells the kernel's table sizes.
type tableSource struct {
	fakeSource
	objects, promises, clist int64
}

func (s tableSource) KernelTables() (int64, int64, int64) { return s.objects, s.promises, s.clist }

func TestKernelTableGauges(t *testing.T) {
	reg, k := setup(t)
	k.Watch(fakeSource{}) // a source that does not tell: zeros
	if got := value(t, reg, "ocap_kernel_table_entries", "table=objects"); got != 0 {
		t.Fatalf("objects from a source without tables = %v", got)
	}
	k.Watch(tableSource{objects: 7, promises: 2, clist: 11})
	for table, want := range map[string]float64{"objects": 7, "promises": 2, "clist": 11} {
		if got := value(t, reg, "ocap_kernel_table_entries", "table="+table); got != want {
			t.Errorf("ocap_kernel_table_entries{table=%s} = %v, want %v", table, got, want)
		}
	}
}
