package endowments

import (
	"container/heap"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// timers.go: setTimeout, clearTimeout, setInterval, clearInterval. The
// JavaScript half (js/timers.js) keeps the callbacks; this half keeps the
// deadlines. A timer is one entry in a per-vat heap ordered by (deadline,
// order of creation), with a single Go timer armed for the earliest: when it
// fires, every due entry is enqueued in heap order, each as its own turn.
// So two timers due together fire in the order they were set, whatever Go's
// timer goroutines do, and a vat's timers cost one Go timer however many
// there are.

func makeTimers(e *env) (map[string]goja.Value, error) {
	e.scheduler()
	return e.exports("timers", "setTimeout", "clearTimeout", "setInterval", "clearInterval"), nil
}

// scheduler returns the vat's timer heap, making it (and running
// timers.js) on first use: AbortSignal.timeout uses it too.
func (e *env) scheduler() *scheduler {
	if e.sched != nil {
		return e.sched
	}
	s := &scheduler{byID: map[int64]*timerEntry{}, max: e.cfg.MaxTimers, enqueue: e.cfg.Enqueue}
	e.sched = s
	host := e.rt.NewObject()
	_ = host.Set("schedule", func(id int64, delay float64) bool { return s.schedule(id, delay) })
	_ = host.Set("cancel", func(id int64) { s.cancel(id) })
	_ = host.Set("max", s.max)
	e.set("host_timers", host)
	fire := callable(e.get("timers", "fire"))
	s.fire = func(id int64) {
		if _, err := fire(goja.Undefined(), e.rt.ToValue(id)); err != nil {
			e.reportError("a timer callback", err)
		}
	}
	e.onTeardown(s.close)
	return s
}

type timerEntry struct {
	id    int64
	when  time.Time
	seq   uint64
	index int
}

// timerHeap orders entries by deadline, then creation.
type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timerEntry)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

type scheduler struct {
	mu      sync.Mutex
	heap    timerHeap
	byID    map[int64]*timerEntry
	timer   *time.Timer
	seq     uint64
	max     int
	closed  bool
	enqueue func(func()) bool
	fire    func(id int64) // on the vat's goroutine
}

// schedule (re)arms timer id to fire after delay milliseconds. It refuses
// when the vat already has max timers pending or is torn down.
func (s *scheduler) schedule(id int64, delay float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if old, ok := s.byID[id]; ok {
		heap.Remove(&s.heap, old.index)
		delete(s.byID, id)
	}
	if len(s.byID) >= s.max {
		return false
	}
	s.seq++
	t := &timerEntry{id: id, when: time.Now().Add(time.Duration(delay * float64(time.Millisecond))), seq: s.seq}
	s.byID[id] = t
	heap.Push(&s.heap, t)
	if t.index == 0 {
		s.arm()
	}
	return true
}

func (s *scheduler) cancel(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.byID[id]; ok {
		heap.Remove(&s.heap, t.index)
		delete(s.byID, id)
	}
}

// arm sets the Go timer for the earliest entry. Called with mu held.
func (s *scheduler) arm() {
	if len(s.heap) == 0 {
		if s.timer != nil {
			s.timer.Stop()
		}
		return
	}
	d := time.Until(s.heap[0].when)
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.due)
	} else {
		s.timer.Reset(d)
	}
}

// due runs on a Go timer goroutine: it hands every entry whose deadline
// has passed to the vat's event loop, in heap order.
func (s *scheduler) due() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := time.Now()
	for len(s.heap) > 0 && !s.heap[0].when.After(now) {
		t := heap.Pop(&s.heap).(*timerEntry)
		delete(s.byID, t.id)
		id := t.id
		s.enqueue(func() { s.fire(id) })
	}
	s.arm()
}

// close cancels every timer: the teardown.
func (s *scheduler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.heap, s.byID = nil, map[int64]*timerEntry{}
}
