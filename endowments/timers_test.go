package endowments

import (
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
)

func TestTimers(t *testing.T) {
	v := newTestVat(t, []string{"setTimeout", "clearTimeout", "setInterval", "clearInterval"}, "")
	// Order: by deadline, then by creation; a cleared timer never fires;
	// arguments are passed; this is undefined.
	v.expect(`const log = [];
		await new Promise(resolve => {
			setTimeout(() => log.push('b'), 20);
			setTimeout((x, y) => log.push(x + y), 0, 'a', '1');
			const c = setTimeout(() => log.push('cleared'), 5);
			setTimeout(function () { 'use strict'; log.push(this === undefined ? 'c' : 'this!') }, 20);
			clearTimeout(c);
			setTimeout(resolve, 40);
		});
		return log.join()`, "ok: a1,b,c")
	v.expect(`let n = 0;
		await new Promise(resolve => {
			const id = setInterval(() => { n += 1; if (n === 3) { clearInterval(id); setTimeout(resolve, 30); } }, 1);
		});
		return n`, "ok: 3")
	// A throwing callback is reported and the loop goes on.
	v.expect(`await new Promise(resolve => { setTimeout(() => { throw new Error('boom') }, 0); setTimeout(resolve, 5); }); return 'on'`, "ok: on")
	if !strings.Contains(v.logs.String(), "boom") {
		t.Errorf("the throw was not reported: %s", v.logs)
	}
	v.expect(`try { setTimeout('alert(1)', 0); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`return [typeof setTimeout(() => {}, 1e12), setTimeout.length, clearTimeout(12345), clearInterval('x')].join()`, "ok: number,1,,")
}

func TestTimerStormIsBounded(t *testing.T) {
	v := newTestVat(t, []string{"setTimeout", "clearTimeout"}, "", func(c *Config) { c.MaxTimers = 1000 })
	v.expect(`const ids = []; let err;
		try { for (let i = 0; i < 100000; i++) ids.push(setTimeout(() => {}, 60000)); } catch (e) { err = e }
		const n = ids.length;
		ids.forEach(clearTimeout);
		setTimeout(() => {}, 1);
		return [n, err.name, err.message].join('|')`,
		"ok: 1000|RangeError|setTimeout: too many pending timers (a vat may have 1000)")
}

func TestTeardownStopsTimers(t *testing.T) {
	v := newTestVat(t, []string{"setInterval"}, "")
	v.eval(`globalThis.ticks = 0; setInterval(() => { ticks += 1 }, 1)`)
	if !v.spin(testutil.Patience, func() bool { return v.eval("ticks").ToInteger() >= 3 }) {
		t.Fatal("the interval did not tick")
	}
	v.end.Teardown()
	v.turn() // whatever was queued before teardown
	before := v.eval("ticks").ToInteger()
	time.Sleep(30 * time.Millisecond) // the interval would tick ~30 times
	v.turn()
	if after := v.eval("ticks").ToInteger(); after != before {
		t.Fatalf("ticked %d times after teardown", after-before)
	}
	v.expect(`try { setInterval(() => {}, 1); return 'no' } catch (e) { return e.name }`, "ok: RangeError")
}

func TestDateAndMath(t *testing.T) {
	v := newTestVat(t, []string{"Date", "Math"}, "")
	// Date.now() reads the host clock, adding up to 1ms of jitter.
	before := time.Now().UnixMilli()
	now := v.eval(`Date.now()`).ToFloat()
	after := time.Now().UnixMilli() + 1
	if now < float64(before) || now > float64(after) || now != float64(int64(now)) {
		t.Fatalf("Date.now() = %v, host clock %v to %v", now, before, after)
	}
	v.expect(`let last = Date.now(), back = 0;
		for (let i = 0; i < 5000; i++) { const t = Date.now(); if (t < last) back++; last = t; }
		const before = Date.now(), d = new Date(), after = Date.now();
		return [back, d instanceof Date, typeof Date(), new Date(0).toISOString(), before <= d.getTime() && d.getTime() <= after,
			Date.UTC(2020, 0, 1), Date.length, Date.now.name].join()`,
		"ok: 0,true,string,1970-01-01T00:00:00.000Z,true,1577836800000,7,now")
	v.expect(`const seen = new Set(); let bad = 0;
		for (let i = 0; i < 1000; i++) { const r = Math.random(); if (!(r >= 0 && r < 1)) bad++; seen.add(r); }
		return [bad, seen.size, Math.max(1, 3), Math.PI.toFixed(2), Object.isFrozen(Math), Object.prototype.toString.call(Math)].join()`,
		"ok: 0,1000,3,3.14,true,[object Math]")
}

func TestAbort(t *testing.T) {
	v := newTestVat(t, []string{"AbortController", "AbortSignal", "setTimeout"}, "")
	v.expect(`const c = new AbortController(); const log = [];
		c.signal.addEventListener('abort', e => log.push('listener:' + e.type + ':' + (e.target === c.signal)));
		c.signal.onabort = () => log.push('onabort');
		c.signal.addEventListener('abort', () => log.push('once'), {once: true});
		const other = () => log.push('removed'); c.signal.addEventListener('abort', other); c.signal.removeEventListener('abort', other);
		c.signal.addEventListener('abort', () => { throw new Error('listener threw') });
		c.signal.addEventListener('abort', () => log.push('after throw'));
		c.abort('why'); c.abort('again');
		let thrown; try { c.signal.throwIfAborted() } catch (e) { thrown = e }
		return [c.signal.aborted, c.signal.reason, thrown, log.join('+')].join()`,
		"ok: true,why,why,listener:abort:true+onabort+once+after throw")
	v.expect(`const c = new AbortController(); c.abort(); return [c.signal.reason.name, c.signal.reason.code, c.signal.reason instanceof Error].join()`,
		"ok: AbortError,20,true")
	v.expect(`const s = AbortSignal.timeout(10); await new Promise(r => s.addEventListener('abort', r)); return s.reason.name`, "ok: TimeoutError")
	v.expect(`return [AbortSignal.abort(1).reason, AbortSignal.any([AbortSignal.abort(2)]).reason].join()`, "ok: 1,2")
	v.expect(`const c = new AbortController(); const any = AbortSignal.any([new AbortController().signal, c.signal]); c.abort(3); return any.aborted + ',' + any.reason`, "ok: true,3")
	v.expect(`try { new AbortSignal(); return 'no' } catch (e) { return e.name }`, "ok: TypeError")

	w := newTestVat(t, []string{"AbortSignal"}, "")
	w.expect(`try { AbortSignal.timeout(1); return 'no' } catch (e) { return e.name }`, "ok: NotSupportedError")
}
