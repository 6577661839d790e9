#!/bin/sh
# Runs the workloads both kernels can run (bench/README.md, "Against the
# JavaScript kernel") on ocap and on MetaMask's JavaScript kernel 0.5.0,
# with the same vat sources and sizes (go run ./bench -quick), and prints
# them side by side. make bench-compare runs it after make build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-pingpong,pipelined,service,bytes,launch,rss}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cd "$here"
if [ ! -d node_modules ]; then
	# --ignore-scripts: @metamask/streams 0.4.0's postinstall runs
	# "yarn playwright install chromium". better-sqlite3 then builds from
	# source against the installed node's headers (a few minutes, once).
	npm ci --no-audit --no-fund --ignore-scripts
	npm rebuild better-sqlite3
fi
node bundle.mjs

echo "ocap: go run ./bench -quick -json -stores sqlite -rows $rows" >&2
(cd "$root" && OCAP_WORKER_PATH=${OCAP_WORKER_PATH:-$root/bin/vat-worker} \
	go run ./bench -quick -json -stores sqlite -rows "$rows") >"$out/ocap.jsonl"
echo "JavaScript kernel: node run.mjs -json -rows=$rows (its log: $here/js-kernel.log)" >&2
node run.mjs -json -rows="$rows" >"$out/js.jsonl" 2>"$here/js-kernel.log"
node table.mjs "$out/ocap.jsonl" "$out/js.jsonl"
