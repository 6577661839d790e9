package metrics

import (
	"bytes"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Source tells what is alive right now. *router.Router is one: both calls
// copy a small table under a mutex the crank loop only takes for a moment,
// so a scrape never waits for a crank.
type Source interface {
	// VatsBySubcluster counts live vats per subcluster id.
	VatsBySubcluster() map[string]int
	// WorkerPIDs lists the process id of every live worker by vat id.
	WorkerPIDs() map[string]int
}

// TableSource tells the sizes of the kernel tables garbage collection
// keeps bounded. *router.Router is one; a Source that is one too feeds
// the ocap_kernel_table_entries gauge.
type TableSource interface {
	KernelTables() (objects, promises, clistEntries int64)
}

// Watch makes scrapes read live vats, subclusters and worker memory from
// src. ocap.Make calls it with its router; a later call replaces the
// source (a host that makes a new kernel over the same metrics).
func (k *Kernel) Watch(src Source) {
	if src == nil {
		k.live.src.Store(nil)
		return
	}
	k.live.src.Store(&src)
}

// liveCollector computes its gauges at scrape time. They are not kept
// between scrapes: a vat that is gone leaves nothing behind.
type liveCollector struct {
	src atomic.Pointer[Source]

	vats, subclusters, rss *prometheus.Desc
	tables                 *prometheus.Desc
	pageSize               int64
	statm                  func(pid int) ([]byte, error)
}

func newLiveCollector() *liveCollector {
	return &liveCollector{
		vats: prometheus.NewDesc(namespace+"_vats",
			"Live vats (each one vat-worker process).", nil, nil),
		subclusters: prometheus.NewDesc(namespace+"_subclusters",
			"Subclusters with at least one live vat.", nil, nil),
		rss: prometheus.NewDesc(namespace+"_worker_resident_memory_bytes",
			"Resident memory of all live vat-worker processes together.", nil, nil),
		tables: prometheus.NewDesc(namespace+"_kernel_table_entries",
			"Entries of the kernel tables that garbage collection keeps bounded: objects, promises and c-list entries (one per vat and kref).", []string{"table"}, nil),
		pageSize: int64(os.Getpagesize()),
		statm: func(pid int) ([]byte, error) {
			return os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		},
	}
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.vats
	ch <- c.subclusters
	ch <- c.rss
	ch <- c.tables
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	var vats, subclusters int
	var rss int64
	if p := c.src.Load(); p != nil {
		src := *p
		for _, n := range src.VatsBySubcluster() {
			vats += n
			subclusters++
		}
		for _, pid := range src.WorkerPIDs() {
			rss += c.residentBytes(pid)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.vats, prometheus.GaugeValue, float64(vats))
	ch <- prometheus.MustNewConstMetric(c.subclusters, prometheus.GaugeValue, float64(subclusters))
	ch <- prometheus.MustNewConstMetric(c.rss, prometheus.GaugeValue, float64(rss))
	var objects, promises, clist int64
	if p := c.src.Load(); p != nil {
		if ts, ok := (*p).(TableSource); ok {
			objects, promises, clist = ts.KernelTables()
		}
	}
	ch <- prometheus.MustNewConstMetric(c.tables, prometheus.GaugeValue, float64(objects), "objects")
	ch <- prometheus.MustNewConstMetric(c.tables, prometheus.GaugeValue, float64(promises), "promises")
	ch <- prometheus.MustNewConstMetric(c.tables, prometheus.GaugeValue, float64(clist), "clist")
}

// residentBytes reads a process's resident set from /proc/PID/statm (its
// second field, in pages). A worker that exited since the pid list was
// taken, or a system without /proc, counts as 0.
func (c *liveCollector) residentBytes(pid int) int64 {
	data, err := c.statm(pid)
	if err != nil {
		return 0
	}
	fields := bytes.Fields(data)
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil || pages < 0 {
		return 0
	}
	return pages * c.pageSize
}
