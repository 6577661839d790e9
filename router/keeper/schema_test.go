package keeper

import (
	"crypto/sha256"
	"encoding/hex"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

// docSchemaLines returns the key patterns of the schema blocks of the
// package doc in doc.go: the first word of every line of its code blocks.
func docSchemaLines(t *testing.T) (patterns []string, docText string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("doc.go has no package doc comment")
	}
	docText = f.Doc.Text()
	var p comment.Parser
	for _, block := range p.Parse(docText).Content {
		code, ok := block.(*comment.Code)
		if !ok {
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(code.Text, "\n"), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			if len(fields) < 2 {
				t.Errorf("schema line %q of doc.go says nothing of its key", line)
			}
			patterns = append(patterns, fields[0])
		}
	}
	return patterns, docText
}

func TestSchemaMatchesPackageDoc(t *testing.T) {
	docPatterns, docText := docSchemaLines(t)
	if len(docPatterns) == 0 {
		t.Fatal("doc.go's package doc has no schema blocks")
	}
	for _, p := range Schema {
		if !strings.Contains(docText, p) {
			t.Errorf("Schema pattern %q is not in the package doc", p)
		}
		if !slices.Contains(docPatterns, p) {
			t.Errorf("Schema pattern %q is not a key line of the package doc's schema blocks", p)
		}
	}
	for _, p := range docPatterns {
		if !slices.Contains(Schema, p) {
			t.Errorf("the package doc lists key %q, which is not in Schema", p)
		}
	}
	for what, list := range map[string][]string{"Schema": Schema, "the package doc": docPatterns} {
		seen := map[string]bool{}
		for _, p := range list {
			if seen[p] {
				t.Errorf("%s lists %q twice", what, p)
			}
			seen[p] = true
		}
	}
}

func TestFamily(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	good := map[string]string{
		"kernel.nextKo":         "kernel.nextKo",
		"kernel.nextSub":        "kernel.nextSub",
		"rq.head":               "rq.head",
		"rq.tail":               "rq.tail",
		"rq.0":                  "rq.<n>",
		"rq.120":                "rq.<n>",
		"o.ko1":                 "o.<ko>",
		"o.ko12.gone":           "o.<ko>.gone",
		"o.ko12.revoked":        "o.<ko>.revoked",
		"o.ko12.iface":          "o.<ko>.iface",
		"kp.kp7":                "kp.<kp>",
		"kp.kp7.q.10":           "kp.<kp>.q.<n>",
		"c.v1.o+0":              "c.<vat>.<vref>",
		"c.v10.p-4":             "c.<vat>.<vref>",
		"c.v1.ko12":             "c.<vat>.<kref>",
		"c.v1.kp3":              "c.<vat>.<kref>",
		"vat.v3":                "vat.<vat>",
		"vat.v3.next":           "vat.<vat>.next",
		"vs.v3.baggage.count":   "vs.<vat>.<key>",
		"vs.v3.idCounters":      "vs.<vat>.<key>",
		"sc.s2":                 "sc.<sub>",
		"sys.weather-system":    "sys.<name>",
		"sys.a.b":               "sys.<name>",
		"bundle." + hash:        "bundle.<sha256>",
		"svc.calc":              "svc.<name>",
		"svc.io.s1.input":       "svc.<name>",
		"svcwait.next":          "svcwait.next",
		"svcwait.ko3.12":        "svcwait.<kref>.<n>",
		"svccall.kp9":           "svccall.<kp>",
		"kernel.nextKp":         "kernel.nextKp",
		"kernel.nextVat":        "kernel.nextVat",
		"vs.v1.vat.v1.c.v1.o+0": "vs.<vat>.<key>",
	}
	for key, want := range good {
		if got, ok := Family(key); !ok || got != want {
			t.Errorf("Family(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	bad := []string{
		"o.ko1.bogus", "vat.v1.x", "rq.x", "c.v1.zz",
		"", "rq", "rq.", "rq.01", "rq.-1", "rq.head.x",
		"kernel.nextFoo", "kernel.nextko",
		"o.ko0", "o.kp1", "o.ko1.", "o.ko1.gone.x",
		"kp.kp1.q", "kp.kp1.q.x", "kp.ko1",
		"c.v1.o+", "c.v1.x+1", "c.v01.o+1", "c.v1.o+1.x", "c.vat.o+1", "c.v1.kx1",
		"vat.v0", "vat.s1", "vs.v1.", "vs.v1",
		"sc.v1", "sc.s1.x", "sys.", "sys..x",
		"bundle.abc", "bundle." + strings.ToUpper(hash), "bundle." + hash + "0",
		"svc.", "svc..x", "svcwait.ko1", "svcwait.ko1.x", "svcwait.v1.1",
		"svccall.ko1", "svccall.kp1.x",
		"x.y", "kernel", "unknown",
	}
	for _, key := range bad {
		if got, ok := Family(key); ok {
			t.Errorf("Family(%q) = %q, want no family", key, got)
		}
	}
}

// exerciseAll calls every accessor that writes, over several cranks, and
// leaves some of everything in the store.
func exerciseAll(t *testing.T, k *Keeper) {
	t.Helper()
	script := "export function buildRootObject() {}"
	sum := sha256.Sum256([]byte(script))
	hash := hex.EncodeToString(sum[:])
	methargs := &marshal.CapData{Body: `#["m",[]]`, Slots: []string{}}
	var svc string

	committed(t, k, func() {
		sub := k.NewSubclusterID()
		v1, v2 := k.NewVatID(), k.NewVatID()
		k.SetBundle(hash, script)
		root := k.NewObject(v1)
		k.SetVat(&Vat{ID: v1, Name: "alice", Subcluster: sub, Bundle: hash})
		k.SetVat(&Vat{ID: v2, Name: "bob", Subcluster: sub, Bundle: hash})
		k.SetSubcluster(&Subcluster{ID: sub, State: Running, Vats: []string{v1, v2}, RootKref: root})
		sys := k.NewSubclusterID()
		k.SetSubcluster(&Subcluster{ID: sys, Name: "admin.system", System: true, State: Running})
		k.CListAdd(v1, "o+0", root)
		k.CListAdd(v2, "o-"+k.NextImport(v2), root)
		kp := k.NewPromise(v1)
		k.CListAdd(v1, "p+1", kp)
		k.CListAdd(v2, "p-"+k.NextImport(v2), kp)
		k.VatstoreSet(v1, "baggage.count", "1")
		k.VatstoreSet(v1, "idCounters", `{"exportID":1,"promiseID":2}`)
		k.Enqueue(RunItem{Type: "send", Target: root, Methargs: methargs, Result: kp})
		k.Enqueue(RunItem{Type: "notify", Vat: v2, KP: kp})

		svc = k.NewObject(KernelOwner)
		k.SetIface(svc, "Alleged: calc")
		k.SetServiceKref("calc", svc)
		k.SetServiceKref("io.s1.input", k.NewObject(KernelOwner))
		k.SetIOChannel("s1", "output", k.NewObject(KernelOwner))
		k.ParkServiceCall(svc, RunItem{Type: "send", Target: svc, Methargs: methargs})
		k.ParkServiceCall(svc, RunItem{Type: "send", Target: svc, Methargs: methargs})
		callKP := k.NewPromise(KernelOwner)
		k.SetServiceCall(callKP, "calc")
	})
	committed(t, k, func() {
		item, _ := k.Peek()
		k.Pop()
		p, _ := k.Promise(item.Result)
		k.QueueOnPromise(item.Result, p, item)
		k.QueueOnPromise(item.Result, p, item)
		p2, _ := k.Promise(item.Result)
		k.TakePromiseQueue(item.Result, p2)
		k.SetPromise(item.Result, p2)
		p2.State, p2.Data = Fulfilled, methargs
		k.SetPromise(item.Result, p2)
		queued := k.NewPromise("v2")
		pq, _ := k.Promise(queued)
		k.QueueOnPromise(queued, pq, item)

		gone := k.NewObject("v2")
		k.SetObjectGone(gone, "its vat restarted")
		k.SetRevoked(item.Target)
		k.CListDrop("v2", "o-1", item.Target)
		k.VatstoreDelete("v1", "baggage.count")
		k.VatstoreSet("v1", "baggage.name", "x")

		if n := len(k.TakeParkedCalls(svc)); n != 2 {
			t.Errorf("TakeParkedCalls(%s) took %d calls, want 2", svc, n)
		}
		k.ParkServiceCall(svc, RunItem{Type: "send", Target: svc})
		for _, c := range k.ServiceCalls() {
			k.ClearServiceCall(c.KP)
		}
		k.SetServiceCall(k.NewPromise(KernelOwner), "io.s1.input")
		// An io channel kept as a service by older stores moves to its own family.
		if kref, ok := k.IOChannel("s1", "input"); !ok || kref == "" {
			t.Errorf("the io channel kept as service io.s1.input was not found")
		}
		if _, ok := k.ServiceKref("io.s1.input"); ok {
			t.Errorf("the io channel is still kept as a service after it moved")
		}
		k.SetServiceKref("late", "ko99")
		k.MarkRefsKept()
		k.AddHostRef(item.Target)
		k.QueueGC(GCAction{Vat: "v2", Kind: DropExports, Krefs: []string{item.Target}})
		k.QueueGC(GCAction{Vat: "v2", Kind: RetireExports, Krefs: []string{item.Target}})
		k.TakeGC()
	})
	committed(t, k, func() {
		// A vat and a subcluster that come and go.
		v3 := k.NewVatID()
		sub := k.NewSubclusterID()
		k.SetVat(&Vat{ID: v3, Subcluster: sub})
		k.NextImport(v3)
		k.CListAdd(v3, "o+0", k.NewObject(v3))
		k.VatstoreSet(v3, "baggage.x", "1")
		k.SetSubcluster(&Subcluster{ID: sub, Name: "gone.too", State: Launching, Vats: []string{v3}})
	})
	committed(t, k, func() {
		k.DeleteVat("v3")
		k.DeleteSubcluster(&Subcluster{ID: "s3", Name: "gone.too"})
	})
}

func TestEveryKeyWrittenFollowsTheSchema(t *testing.T) {
	k, st := memKeeper(t)
	exerciseAll(t, k)
	keys := storeKeys(t, st)
	var outside []string
	count := map[string]int{}
	for key := range keys {
		pattern, ok := Family(key)
		if !ok {
			outside = append(outside, key)
			continue
		}
		count[pattern]++
	}
	sort.Strings(outside)
	if len(outside) > 0 {
		t.Errorf("keys outside the schema: %q", outside)
	}
	// The exercise reaches every family: a pattern no accessor writes is
	// dead schema, or an accessor this test does not know about.
	for _, p := range Schema {
		if count[p] == 0 {
			t.Errorf("no key of %q after exercising every accessor", p)
		}
	}
	t.Logf("%d keys: %v", len(keys), count)
}
