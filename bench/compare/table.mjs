// Prints the rows of two `-json` runs side by side: node table.mjs
// ocap.jsonl js.jsonl. A row only one kernel has shows "—" for the other.
import fs from 'node:fs';

const read = (file) =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const [ours, theirs] = process.argv.slice(2).map(read);
const key = (r) => `${r.name} ${r.store}`;
const byKey = (rows) => new Map(rows.map((r) => [key(r), r]));
const [ocap, js] = [byKey(ours), byKey(theirs)];
const num = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const cell = (r) => (r ? `${num(r.value)} (${num(r.min)}–${num(r.max)}, n=${r.n})` : '—');
console.log(`${'benchmark'.padEnd(20)} ${'store'.padEnd(7)} ${'ocap'.padStart(28)} ${'JS kernel 0.5.0'.padStart(28)}  unit`);
const seen = new Set();
for (const r of [...ours, ...theirs]) {
  if (seen.has(key(r))) continue;
  seen.add(key(r));
  console.log(`${r.name.padEnd(20)} ${r.store.padEnd(7)} ${cell(ocap.get(key(r))).padStart(28)} ${cell(js.get(key(r))).padStart(28)}  ${r.unit}`);
}
