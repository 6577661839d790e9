package platformtest

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// Vat is one incarnation of a fake vat: what lives in one worker, from its
// StartVat on. A restarted vat is a new Vat, built again by its BuildFunc
// from its vatstore; everything else it held is gone, as in a real worker.
//
// The syscall methods (Send, Resolve, Set, ...) record a syscall in the
// answer to the delivery being handled (or, inside Worker.Outside, in the
// answer to the next one). Values passed to them are encoded with package
// marshal; a capability is a marshal.Ref whose Kref is a vref (Ref does it).
// A value that cannot be encoded is a bug in the test: it panics, and the
// delivery fails.
type Vat struct {
	ID, Name     string
	SubclusterID string
	// Parameters are the vat's decoded parameters (nil when none).
	Parameters any
	// Notified, when set, sees every resolution of a Notify delivery that
	// no Watch claimed.
	Notified func(v *Vat, r Resolution)
	// Collect, when set, sees the garbage-collection deliveries
	// (KindDropExports, KindRetireExports, KindRetireImports with their
	// vrefs, KindBringOutYourDead with none) and may answer with syscalls,
	// as liveslots answers them.
	Collect func(v *Vat, kind string, vrefs []string)

	w           *Worker
	store       map[string]string
	objects     map[string]*Object
	watches     map[string]func(v *Vat, r Resolution)
	nextExport  int
	nextPromise int
	pending     []*workerpb.Syscall
}

func newVat(w *Worker, s *workerpb.StartVat) *Vat {
	v := &Vat{
		ID: s.GetVatId(), Name: s.GetName(), SubclusterID: s.GetSubclusterId(),
		w: w, store: map[string]string{}, objects: map[string]*Object{}, watches: map[string]func(*Vat, Resolution){},
		nextExport: 1, nextPromise: 1,
	}
	for _, e := range s.GetVatstore() {
		v.store[e.GetKey()] = e.GetValue()
	}
	if read := w.reader.Load(); s.GetVatstorePartial() && read != nil {
		res := (*read)(&workerpb.VatstoreRead{ScanLimit: math.MaxUint32})
		for _, e := range res.GetEntries() {
			v.store[e.GetKey()] = e.GetValue()
		}
	}
	v.objects["o+0"] = &Object{vat: v, Vref: "o+0", Iface: "Alleged: root", methods: map[string]Method{}}
	return v
}

// Object is an object a vat exports.
type Object struct {
	vat     *Vat
	Vref    string
	Iface   string
	methods map[string]Method
	// Default, when set, handles methods without their own handler;
	// otherwise such a call rejects its result with a TypeError, as
	// liveslots does.
	Default Method
}

// Method handles one message to an object.
type Method func(c *Call)

// On makes m handle method; it returns o for chaining.
func (o *Object) On(method string, m Method) *Object {
	o.methods[method] = m
	return o
}

// Ref is o as a value to pass (its vref, with its interface name).
func (o *Object) Ref() marshal.Ref { return marshal.Ref{Kref: o.Vref, Iface: o.Iface} }

// Call is one message delivered to an object of the vat. It embeds the Vat,
// so that its syscall methods read as c.Send, c.Resolve, c.Set.
type Call struct {
	*Vat
	Object *Object
	Method string
	// Args are the decoded arguments; a capability is a marshal.Ref whose
	// Kref is the vref the vat knows it by.
	Args []any
	// Methargs is the message body as delivered.
	Methargs marshal.CapData
	// Result is the vref of the message's result promise, "" for a
	// send-only message.
	Result string
}

// Return fulfils the call's result with value (a no-op without one). A
// value that is exactly a promise (Ref to a p-vref) forwards the result
// to that promise.
func (c *Call) Return(value any) {
	if c.Result != "" {
		c.Resolve(c.Result, value)
	}
}

// Throw rejects the call's result with an Error named name (a no-op
// without a result).
func (c *Call) Throw(name, message string) {
	if c.Result != "" {
		c.Reject(c.Result, &marshal.Error{Name: name, Message: message})
	}
}

// Arg returns argument i, or nil when there are fewer.
func (c *Call) Arg(i int) any {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return nil
}

// Resolution is one settled promise of a Notify delivery.
type Resolution struct {
	Vref     string
	Rejected bool
	// Value is the decoded data; a capability is a marshal.Ref with a vref.
	Value any
	Data  marshal.CapData
}

// Ref is the value for a capability the vat knows by vref.
func Ref(vref string) marshal.Ref { return marshal.Ref{Kref: vref} }

// Root is the vat's root object, o+0.
func (v *Vat) Root() *Object { return v.objects["o+0"] }

// NewObject exports a new object o+N (not durable: a restart forgets it).
func (v *Vat) NewObject(iface string) *Object {
	vref := "o+" + strconv.Itoa(v.nextExport)
	v.nextExport++
	o := &Object{vat: v, Vref: vref, Iface: iface, methods: map[string]Method{}}
	v.objects[vref] = o
	return o
}

// Export exports an object under a vref the vat chose, such as a durable
// object's o+d10/1: a vat defines it again in each incarnation, as
// liveslots redefines a durable kind.
func (v *Vat) Export(vref, iface string) *Object {
	o := &Object{vat: v, Vref: vref, Iface: iface, methods: map[string]Method{}}
	v.objects[vref] = o
	return o
}

// NewPromise allocates a promise p+N that the vat decides. The kernel
// learns of it when the vat first passes it in a syscall.
func (v *Vat) NewPromise() string {
	vref := "p+" + strconv.Itoa(v.nextPromise)
	v.nextPromise++
	return vref
}

// Send sends method(args) to target (a vref, or a marshal.Ref) with a new
// result promise p+N, and returns that promise's vref.
func (v *Vat) Send(target any, method string, args ...any) string {
	result := v.NewPromise()
	v.SendRaw(vrefOf(target), Methargs(method, args...), result)
	return result
}

// SendOnly sends method(args) to target without a result (E.sendOnly).
func (v *Vat) SendOnly(target any, method string, args ...any) {
	v.SendRaw(vrefOf(target), Methargs(method, args...), "")
}

// SendRaw records a send syscall exactly as given, legal or not.
func (v *Vat) SendRaw(target string, methargs marshal.CapData, result string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Send{Send: &workerpb.Send{
		Target: target, Methargs: wireCap(methargs), Result: result,
	}}})
}

// Subscribe asks to be notified when the promise vref settles.
func (v *Vat) Subscribe(vref string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Subscribe{Subscribe: vref}})
}

// Watch subscribes to vref and runs fn (inside the Notify delivery) when
// it settles.
func (v *Vat) Watch(vref string, fn func(v *Vat, r Resolution)) {
	v.watches[vref] = fn
	v.Subscribe(vref)
}

// Resolve fulfils the promise vref with value.
func (v *Vat) Resolve(vref string, value any) { v.ResolveRaw(vref, false, Marshal(value)) }

// Reject rejects the promise vref with reason (an *marshal.Error, usually).
func (v *Vat) Reject(vref string, reason any) { v.ResolveRaw(vref, true, Marshal(reason)) }

// ResolveRaw records a resolve syscall exactly as given, legal or not.
func (v *Vat) ResolveRaw(vref string, rejected bool, data marshal.CapData) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Resolve{Resolve: &workerpb.Resolve{
		Resolutions: []*workerpb.Resolution{{Vref: vref, Rejected: rejected, Data: wireCap(data)}},
	}}})
}

// DropImports says the vat can no longer reach the imports vrefs.
func (v *Vat) DropImports(vrefs ...string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_DropImports{DropImports: &workerpb.VrefList{Vrefs: vrefs}}})
}

// RetireImports says the vat can no longer even recognize the imports vrefs.
func (v *Vat) RetireImports(vrefs ...string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_RetireImports{RetireImports: &workerpb.VrefList{Vrefs: vrefs}}})
}

// RetireExports says the exports vrefs, which the kernel dropped, are gone.
func (v *Vat) RetireExports(vrefs ...string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_RetireExports{RetireExports: &workerpb.VrefList{Vrefs: vrefs}}})
}

// AbandonExports gives up the exports vrefs while others may hold them.
func (v *Vat) AbandonExports(vrefs ...string) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_AbandonExports{AbandonExports: &workerpb.VrefList{Vrefs: vrefs}}})
}

// Exit asks the kernel to terminate the vat.
func (v *Vat) Exit(failure bool, info any) {
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Exit{Exit: &workerpb.Exit{Failure: failure, Info: wireCap(Marshal(info))}}})
}

// Get reads the vatstore (baggage lives there), as the worker does: from
// its own copy, with the writes of this incarnation.
func (v *Vat) Get(key string) (string, bool) {
	val, ok := v.store[key]
	return val, ok
}

// Keys lists the vatstore's keys, sorted.
func (v *Vat) Keys() []string {
	keys := make([]string, 0, len(v.store))
	for k := range v.store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Set writes the vatstore.
func (v *Vat) Set(key, value string) {
	v.store[key] = value
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_VatstoreSet{VatstoreSet: &workerpb.VatstoreEntry{Key: key, Value: value}}})
}

// Delete deletes a vatstore key.
func (v *Vat) Delete(key string) {
	delete(v.store, key)
	v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_VatstoreDelete{VatstoreDelete: key}})
}

// Syscall records sc as it is, legal or not (an empty Syscall is an
// unknown one).
func (v *Vat) Syscall(sc *workerpb.Syscall) { v.pending = append(v.pending, sc) }

func (v *Vat) take() []*workerpb.Syscall {
	out := v.pending
	v.pending = nil
	return out
}

// dispatch runs a message; a non-empty result is a delivery error, as
// liveslots reports one when it cannot decode a delivery.
func (v *Vat) dispatch(m *workerpb.Message) string {
	ma := marshal.CapData{Body: m.GetMethargs().GetBody(), Slots: m.GetMethargs().GetSlots()}
	method, args, err := decodeMethargs(m.GetMethargs())
	if err != nil {
		return fmt.Sprintf("vat %s could not decode a message to %s: %v", v.ID, m.GetTarget(), err)
	}
	c := &Call{Vat: v, Method: method, Args: args, Methargs: ma, Result: m.GetResult()}
	o, ok := v.objects[m.GetTarget()]
	if !ok {
		c.Throw("TypeError", fmt.Sprintf("vat %s has no object %s", v.ID, m.GetTarget()))
		return ""
	}
	c.Object = o
	h, ok := o.methods[method]
	if !ok {
		h = o.Default
	}
	if h == nil {
		c.Throw("TypeError", fmt.Sprintf("target has no method %q", method))
		return ""
	}
	h(c)
	return ""
}

func (v *Vat) notify(n *workerpb.Notify) string {
	for _, r := range n.GetResolutions() {
		data := marshal.CapData{Body: r.GetData().GetBody(), Slots: r.GetData().GetSlots()}
		val, err := marshal.Unmarshal(data)
		if err != nil {
			return fmt.Sprintf("vat %s could not decode the resolution of %s: %v", v.ID, r.GetVref(), err)
		}
		res := Resolution{Vref: r.GetVref(), Rejected: r.GetRejected(), Value: val, Data: data}
		if fn, ok := v.watches[r.GetVref()]; ok {
			delete(v.watches, r.GetVref())
			fn(v, res)
		} else if v.Notified != nil {
			v.Notified(v, res)
		}
	}
	return ""
}

func (v *Vat) collect(kind string, vrefs []string) {
	if v.Collect != nil {
		v.Collect(v, kind, vrefs)
	}
}

// Methargs encodes a message body ["method", [args...]].
func Methargs(method string, args ...any) marshal.CapData {
	if args == nil {
		args = []any{}
	}
	return Marshal([]any{method, args})
}

// Marshal encodes value, panicking if it cannot (a bug in the test).
func Marshal(value any) marshal.CapData {
	cd, err := marshal.Marshal(value)
	if err != nil {
		panic(fmt.Sprintf("platformtest: cannot marshal %#v: %v", value, err))
	}
	return cd
}

func decodeMethargs(cd *workerpb.CapData) (string, []any, error) {
	v, err := marshal.Unmarshal(marshal.CapData{Body: cd.GetBody(), Slots: cd.GetSlots()})
	if err != nil {
		return "", nil, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return "", nil, fmt.Errorf("methargs is not [method, args]")
	}
	method, ok := arr[0].(string)
	if !ok {
		return "", nil, fmt.Errorf("the method is not a string")
	}
	args, ok := arr[1].([]any)
	if !ok {
		return "", nil, fmt.Errorf("the arguments are not an array")
	}
	return method, args, nil
}

func vrefOf(target any) string {
	switch t := target.(type) {
	case string:
		return t
	case marshal.Ref:
		return t.Kref
	case *Object:
		return t.Vref
	}
	panic(fmt.Sprintf("platformtest: a send target must be a vref, a marshal.Ref or an *Object, not %T", target))
}

func wireCap(cd marshal.CapData) *workerpb.CapData {
	return &workerpb.CapData{Body: cd.Body, Slots: cd.Slots}
}
