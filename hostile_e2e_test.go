package ocap_test

// The hostile suite: a vat whose author attacks the kernel through its own
// code (testdata/hostile). Each attack ends with the attacker terminated
// (or refused at launch) for the right reason, or, for attacks the limits
// allow, slowed to its share; meanwhile a bystander subcluster keeps
// answering. The suite asserts on outcomes and order, never on time: it
// prints each attack's time to termination, the bystander's worst latency
// and the kernel's RSS in a table (go test -v -run TestHostile; set
// OCAP_HOSTILE_REPORT=file to also write it to a file).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
)

// hostileLimit is the suite's delivery time limit: long enough for a busy
// machine to start a vat, short enough for the spinning attacks.
const hostileLimit = 5 * time.Second

type hostileRow struct {
	store, attack, outcome string
	toEnd, worst           time.Duration
	answers                int
	rssBefore, rssAfter    int64
}

// hostileEnv is a kernel with the bystander running, and the table rows.
type hostileEnv struct {
	*kernelEnv
	bystander string
	rows      []hostileRow
	store     string
}

func (h *hostileEnv) launchFile(path string) (*ocap.SubclusterLaunchResult, error) {
	cfg, err := ocap.LoadClusterConfig(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	return h.k.LaunchSubcluster(ctx, cfg)
}

// pinger calls the bystander without pause until stopped, keeping the
// worst latency and the number of answers.
type pinger struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	worst   time.Duration
	answers int
	err     error
}

func (h *hostileEnv) startPinger() *pinger {
	p := &pinger{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			start := time.Now()
			v, err := h.call(h.bystander, "hello")
			p.mu.Lock()
			p.worst = max(p.worst, time.Since(start))
			if err != nil || v != "still here" {
				p.err = fmt.Errorf("bystander answered %v, %v", v, err)
			} else {
				p.answers++
			}
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

// waitAnswers waits until the bystander answered n more times.
func (p *pinger) waitAnswers(t *testing.T, n int) {
	t.Helper()
	p.mu.Lock()
	want := p.answers + n
	p.mu.Unlock()
	waitFor(t, patience, fmt.Sprintf("%d answers of the bystander", n), func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.answers >= want || p.err != nil
	})
}

func (p *pinger) finish(t *testing.T) (time.Duration, int) {
	t.Helper()
	close(p.stop)
	<-p.done
	if p.err != nil {
		t.Fatalf("the bystander: %v", p.err)
	}
	return p.worst, p.answers
}

// terminated waits for vat to leave the status and returns the reason its
// root gives.
func (h *hostileEnv) terminated(t *testing.T, sub, root string) string {
	t.Helper()
	waitFor(t, patience, "the attacker's termination", func() bool {
		ok, vats := subclusterVatsOK(h.kernelEnv, sub)
		return !ok || len(vats) < 2
	})
	_, err := h.call(root, "hello")
	if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
		t.Fatalf("the attacker's root after termination: %v", err)
	}
	_, reason, _ := strings.Cut(err.Error(), "was terminated: ")
	return reason
}

func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb >> 10
		}
	}
	return 0
}

type hostileAttack struct {
	name  string
	heavy bool // storage-heavy: run on PostgreSQL too
	// method and args attack a fresh attacker subcluster (config, default
	// attacker.json), which must end terminated with want in its reason.
	config string
	method string
	args   []any
	want   string
	// run, instead, is an attack with its own outcome.
	run func(t *testing.T, h *hostileEnv, p *pinger) string
}

func hostileAttacks() []hostileAttack {
	return []hostileAttack{
		{name: "spin in a method", method: "spin", want: "the delivery ran past the delivery time limit of 5s"},
		{name: "spin in a timer", method: "spinLater", want: "a timer or fetch callback between deliveries ran past the delivery time limit of 5s"},
		// The attacker's creationOptions lower maxMessageBytes, maxSyscalls
		// and maxSends, so that a race-built worker reaches them in time.
		{name: "huge result (2 MiB)", heavy: true, method: "hugeResult", args: []any{2}, want: "maxMessageBytes (1 MiB)"},
		{name: "huge baggage (2 MiB)", heavy: true, method: "hugeBaggage", args: []any{1, 2}, want: "maxVatstoreEntryBytes (1 MiB)"},
		{name: "write storm (6000 writes)", heavy: true, method: "writeStorm", args: []any{6000}, want: "maxSyscalls (5000)"},
		{name: "send storm (1200 sends)", heavy: true, method: "sendStorm", args: []any{1200}, want: "maxSends (1000)"},
		{name: "memory bomb", config: "bomb.json", method: "memoryBomb", want: "vat exceeded its memory limit (128 MiB)"},
		{name: "memory bomb at start", run: launchAttack("bomb-at-start.json", "vat exceeded its memory limit (128 MiB)")},
		{name: "pending promises without end", heavy: true, run: hoardAttack},
		{name: "slow loop under the limit", run: slowLoopAttack},
		{name: "50 self-rescheduling timers", run: timersAttack},
		{name: "log flood (16 MiB)", run: logFloodAttack},
		{name: "import /etc/passwd", run: importAttack("read-absolute.json", "is an absolute path")},
		{name: "import /proc/self/environ", run: importAttack("read-environ.json", "is an absolute path")},
		{name: "import /dev/zero", run: importAttack("read-devzero.json", "is an absolute path")},
		{name: "import ../ out of the folder", run: importAttack("read-escape.json", "outside the vat's source folder")},
		{name: "import ../ to /dev/zero", run: importAttack("read-escape-devzero.json", "outside the vat's source folder")},
		{name: "import the store file", run: storeImportAttack},
		{name: "launch /dev/zero as a config", run: configAttack("/dev/zero", "not a regular file")},
		{name: "launch /etc/shadow as a config", run: configAttack("/etc/shadow", "")},
	}
}

// The two hostile tests run beside each other and the package's other
// parallel tests: they mostly wait on workers.
func TestHostile(t *testing.T) {
	t.Parallel()
	var rows []hostileRow
	forEachStore(t, func(t *testing.T, url string) {
		h := &hostileEnv{kernelEnv: startKernel(t, url, ocap.Options{DeliveryTimeout: hostileLimit}), store: "sqlite"}
		if strings.HasPrefix(url, "postgres") {
			h.store = "postgres"
		}
		by, err := h.launchFile(filepath.Join("testdata", "hostile", "bystander.json"))
		if err != nil {
			t.Fatal(err)
		}
		h.bystander = by.RootKref
		for _, a := range hostileAttacks() {
			if h.store == "postgres" && !a.heavy {
				continue
			}
			h.attack(t, a)
		}
		// The kernel starts again on its store, and the bystander answers.
		h.restart()
		if got := h.mustCall(h.bystander, "hello"); got != "still here" {
			t.Fatalf("the bystander after a restart: %v", got)
		}
		rows = append(rows, h.rows...)
	})
	reportHostile(t, rows, "OCAP_HOSTILE_REPORT")
}

// TestHostileWorker: attacks by a compromised worker (hostileworker_test.go)
// on a kernel whose workers are all this test binary, the bystander's too.
func TestHostileWorker(t *testing.T) {
	t.Parallel()
	reportHostile(t, hostileWorkerRows(t), "OCAP_HOSTILE_WORKER_REPORT")
}

// reportHostile logs the table of rows, and writes it to the file $env
// names, if set.
func reportHostile(t *testing.T, rows []hostileRow, env string) {
	report := hostileTable(rows)
	t.Log("\n" + report)
	if path := os.Getenv(env); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func (h *hostileEnv) attack(t *testing.T, a hostileAttack) {
	t.Helper()
	before := rss()
	p := h.startPinger()
	p.waitAnswers(t, 1)
	start := time.Now()
	var outcome string
	if a.run != nil {
		outcome = a.run(t, h, p)
	} else {
		config := a.config
		if config == "" {
			config = "attacker.json"
		}
		res, err := h.launchFile(filepath.Join("testdata", "hostile", config))
		if err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		go func() { _, _ = h.call(res.RootKref, a.method, a.args...) }()
		outcome = h.terminated(t, res.SubclusterID, res.RootKref)
		if !strings.Contains(outcome, a.want) {
			t.Errorf("%s: the attacker was terminated for %q; want %q", a.name, outcome, a.want)
		}
		outcome = "terminated: " + outcome
	}
	toEnd := time.Since(start)
	p.waitAnswers(t, 1) // the bystander answers after the attack
	worst, answers := p.finish(t)
	h.rows = append(h.rows, hostileRow{store: h.store, attack: a.name, outcome: outcome, toEnd: toEnd, worst: worst,
		answers: answers, rssBefore: before, rssAfter: rss()})
}

// hoardAttack: each delivery leaves 900 more promises pending (under
// maxSends), until the vat holds more references than its maxCListEntries
// (lowered to 5,000 in hoard.json, so that it takes seconds).
func hoardAttack(t *testing.T, h *hostileEnv, p *pinger) string {
	res, err := h.launchFile(filepath.Join("testdata", "hostile", "hoard.json"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := h.call(res.RootKref, "hoard", 900); err != nil {
				return
			}
		}
	}()
	outcome := h.terminated(t, res.SubclusterID, res.RootKref)
	if !strings.Contains(outcome, "maxCListEntries (5000)") {
		t.Errorf("the hoarder was terminated for %q; want maxCListEntries (5000)", outcome)
	}
	return "terminated: " + outcome
}

// slowLoopAttack: each delivery stays under the limit, and the loop
// re-queues itself; the bystander's messages take their turns in between.
func slowLoopAttack(t *testing.T, h *hostileEnv, p *pinger) string {
	res, err := h.launchFile(filepath.Join("testdata", "hostile", "attacker.json"))
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 8
	h.mustCall(res.RootKref, "slowLoop", rounds, 1000)
	p.waitAnswers(t, 3)
	loops := h.mustCall(res.RootKref, "loopCount")
	if n, _ := loops.(float64); n > rounds {
		t.Fatalf("loopCount = %v after the bystander's answers", loops)
	}
	waitFor(t, patience, "the slow loop to end", func() bool {
		v, _ := h.call(res.RootKref, "loopCount")
		return v == float64(rounds+1)
	})
	return fmt.Sprintf("not terminated (under the limit); the bystander answered while the loop was at %v of %d", loops, rounds+1)
}

// timersAttack: 50 timers re-arm themselves; the bystander still answers
// while they tick.
func timersAttack(t *testing.T, h *hostileEnv, p *pinger) string {
	res, err := h.launchFile(filepath.Join("testdata", "hostile", "attacker.json"))
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall(res.RootKref, "timers", 50)
	p.waitAnswers(t, 20)
	ticks := h.mustCall(res.RootKref, "stopTimers")
	if n, _ := ticks.(float64); n < 50 {
		t.Fatalf("the timers ticked %v times while the bystander answered 20 times", ticks)
	}
	return fmt.Sprintf("not terminated; %v timer runs while the bystander answered 20 times", ticks)
}

// logFloodAttack: the vat logs 16 MiB in one delivery, sixteen times the
// kernel's per-second log budget, and a race-built worker still does it well
// inside the delivery limit; the kernel log takes its budget
// and a line saying how much it dropped.
func logFloodAttack(t *testing.T, h *hostileEnv, p *pinger) string {
	res, err := h.launchFile(filepath.Join("testdata", "hostile", "attacker.json"))
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall(res.RootKref, "logFlood", 16, 1024)
	waitFor(t, patience, "the summary of the dropped log lines", func() bool {
		return strings.Contains(h.logs.String(), "worker log over its rate limit")
	})
	return fmt.Sprintf("not terminated; kernel log rate-limited, %d bytes logged in all", len(h.logs.String()))
}

func importAttack(config, want string) func(t *testing.T, h *hostileEnv, p *pinger) string {
	return launchAttack(filepath.Join("imports", config), want)
}

// launchAttack: launching config (in testdata/hostile) fails naming want.
func launchAttack(config, want string) func(t *testing.T, h *hostileEnv, p *pinger) string {
	return func(t *testing.T, h *hostileEnv, p *pinger) string {
		_, err := h.launchFile(filepath.Join("testdata", "hostile", config))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("launching %s: %v, want an error containing %q", config, err, want)
		}
		return "refused at launch: " + lineWith(err.Error(), want)
	}
}

// storeImportAttack: a vat beside the store tries to import the store file
// itself, by absolute path and by ../.
func storeImportAttack(t *testing.T, h *hostileEnv, p *pinger) string {
	storeFile := strings.TrimPrefix(h.url, "sqlite://")
	if h.store != "sqlite" || !filepath.IsAbs(storeFile) {
		storeFile = filepath.Join(t.TempDir(), "kernel.db")
		if err := os.WriteFile(storeFile, []byte("SQLite format 3\x00"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var outcomes []string
	for _, how := range []string{"absolute", "relative"} {
		dir := filepath.Join(filepath.Dir(storeFile), "vat-"+how)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		spec := storeFile
		if how == "relative" {
			spec = filepath.Join("..", filepath.Base(storeFile))
		}
		vat := fmt.Sprintf("import s from %q with { type: 'bytes' };\nexport function buildRootObject() { return { s: () => s.length }; }\n", spec)
		if err := os.WriteFile(filepath.Join(dir, "thief.js"), []byte(vat), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := `{"bootstrap": "thief", "vats": {"thief": {"sourceSpec": "thief.js"}}}`
		if err := os.WriteFile(filepath.Join(dir, "cluster.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := h.launchFile(filepath.Join(dir, "cluster.json"))
		if err == nil || !(strings.Contains(err.Error(), "is an absolute path") || strings.Contains(err.Error(), "outside the vat's source folder")) {
			t.Fatalf("importing the store file (%s): %v", how, err)
		}
		outcomes = append(outcomes, how+": "+lastLine(err.Error()))
	}
	return "refused at launch: " + strings.Join(outcomes, "; ")
}

func configAttack(path, want string) func(t *testing.T, h *hostileEnv, p *pinger) string {
	return func(t *testing.T, h *hostileEnv, p *pinger) string {
		_, err := h.launchFile(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("launching %s: %v, want an error containing %q", path, err, want)
		}
		if strings.Contains(err.Error(), "'") && !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("launching %s quotes the file: %v", path, err)
		}
		return "refused: " + lastLine(err.Error())
	}
}

// lineWith is the line of s that says want: the reason, not the stack
// trace an error may end with.
func lineWith(s, want string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, want) {
			return strings.TrimSpace(line)
		}
	}
	return lastLine(s)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func hostileTable(rows []hostileRow) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "store\tattack\toutcome\ttime to end\tbystander worst\tbystander answers\tkernel RSS before/after")
	slices.SortStableFunc(rows, func(a, b hostileRow) int { return strings.Compare(a.store, b.store) * -1 })
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d/%d MiB\n", r.store, r.attack, r.outcome,
			r.toEnd.Round(time.Millisecond), r.worst.Round(time.Millisecond), r.answers, r.rssBefore, r.rssAfter)
	}
	w.Flush()
	return b.String()
}

// hostileWorkerRows runs the compromised worker's attacks.
func hostileWorkerRows(t *testing.T) []hostileRow {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	url := "sqlite://" + filepath.Join(t.TempDir(), "kernel.db")
	// The default delivery limit: this test binary, race-built, is a slow
	// worker, and no attack here spins.
	e := &kernelEnv{t: t, url: url, logs: &syncBuffer{}, opts: ocap.Options{},
		worker: &platform.Options{WorkerPath: exe, Env: []string{roleEnv + "=hostile-worker"}}}
	e.open()
	t.Cleanup(e.close)
	h := &hostileEnv{kernelEnv: e, store: "sqlite, forged by the worker"}
	by, err := h.launchFile(filepath.Join("testdata", "hostile", "bystander.json"))
	if err != nil {
		t.Fatal(err)
	}
	h.bystander = by.RootKref
	for _, a := range []hostileAttack{
		{name: "worker: a 65 MiB message", config: "forge-oversized.json", method: "attack", want: "its worker broke the message size limit"},
		{name: "worker: 200,000 syscalls", config: "forge-syscalls.json", method: "attack", want: "maxSyscalls (50000)"},
		{name: "worker: crank requests without pause", run: forgedFlood("forge-cranks.json", "", 20)},
		{name: "worker: 16 MiB on stderr", run: forgedFlood("forge-stderr.json", "worker log over its rate limit", 3)},
	} {
		h.attack(t, a)
	}
	h.restart()
	if got := h.mustCall(h.bystander, "hello"); got != "still here" {
		t.Fatalf("the bystander after a restart: %v", got)
	}
	return h.rows
}

// forgedFlood: the worker floods the kernel while the bystander answers
// answers times; the worker is not terminated, and the kernel's log, when
// logLine is set, says the flood was cut.
func forgedFlood(config, logLine string, answers int) func(t *testing.T, h *hostileEnv, p *pinger) string {
	return func(t *testing.T, h *hostileEnv, p *pinger) string {
		res, err := h.launchFile(filepath.Join("testdata", "hostile", config))
		if err != nil {
			t.Fatal(err)
		}
		if got := h.mustCall(res.RootKref, "attack"); got != "attacking" {
			t.Fatalf("attack: %v", got)
		}
		p.waitAnswers(t, answers)
		cut := false
		if logLine != "" {
			// A kernel too busy to read past the rate cuts nothing: the
			// flood then ends with its own last line.
			waitFor(t, patience, "the kernel's line about the flood, or its end", func() bool {
				logs := h.logs.String()
				cut = strings.Contains(logs, logLine)
				return cut || strings.Contains(logs, floodOver)
			})
		}
		if got := h.mustCall(res.RootKref, "hello"); got != "still here" {
			t.Fatalf("the flooding vat after its flood: %v", got)
		}
		outcome := fmt.Sprintf("not terminated; the bystander answered %d times meanwhile", answers)
		if cut {
			outcome += "; the kernel log says " + strconv.Quote(logLine)
		} else if logLine != "" {
			outcome += "; read slower than the log rate, so nothing was cut"
		}
		return outcome
	}
}
