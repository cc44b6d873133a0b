#!/usr/bin/env bash
# Bench command: eval of GSM8K test (1,319 questions) against the simulated
# endpoint (a test double), clean and with 10% each of 429 (Retry-After),
# 500 and dropped connections, side by side, 16 requests in flight.
# usage: scripts/bench-eval-faults.sh [BINARY] [extra eval flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then bin=$(mktemp -d)/regenesis; go build -o "$bin" ./cmd/regenesis; fi
shift || true
data=${REGENESIS_DATA_DIR:-../shared/data}
tmp=$(mktemp -d)
"$bin" simulate-server --task gsm8k --data-dir "$data" --addr 127.0.0.1:8191 --latency 5ms >/dev/null 2>&1 & clean=$!
"$bin" simulate-server --task gsm8k --data-dir "$data" --addr 127.0.0.1:8192 --latency 5ms \
	--fault-rate-limit 0.1 --fault-server-error 0.1 --fault-drop 0.1 >/dev/null 2>&1 & faulty=$!
trap 'kill $clean $faulty 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 2
for run in clean:8191 faulty:8192; do
	name=${run%%:*} port=${run##*:}
	start=$(date +%s.%N)
	"$bin" eval --task gsm8k --model simulated --base-url "http://127.0.0.1:$port/v1" --server-concurrency 16 \
		--data-dir "$data" --out "$tmp/$name" "$@" >/dev/null 2>"$tmp/$name.err"
	end=$(date +%s.%N)
	printf '%s\t%.2f s\n' "$name" "$(echo "$end - $start" | bc)"
done
