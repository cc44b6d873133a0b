#!/usr/bin/env bash
# Fixed-seed run of every output-producing command on the simulated endpoint
# (a TEST DOUBLE), to show that a refactoring leaves every output byte-identical:
#   PORT=28411 scripts/output-checksums.sh CHECKOUT OUTDIR > after.txt
#   diff before.txt after.txt
# It builds CHECKOUT's binary, runs synthesize (5 methods + the adaptive
# budget), export (6 formats), compare, eval (greedy, maj@5), report (eval and
# synthesis) and train --dry-run (4 engines), and prints the sha256 of every
# file written, with wall-clock times, the output folder and the port masked
# (scripts/output-checksums.py). Needs python3 and sqlite3.
set -euo pipefail
HASH=$(cd "$(dirname "$0")" && pwd)/output-checksums.py
SRC=$(cd "$1" && pwd); OUT=$2
rm -rf "$OUT"; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
BIN=$OUT/../rg-$(basename "$OUT")
(cd "$SRC" && go build -o "$BIN" ./cmd/regenesis)
DATA=${DATA:-$(cd "$(dirname "$0")/../../shared/data" && pwd)}
PORT=${PORT:-28411}
"$BIN" simulate-server --task gsm8k --task arc_challenge --split train --split test --data-dir $DATA --addr 127.0.0.1:$PORT --seed 7 >"$OUT.sim.log" 2>&1 &
SP=$!
trap 'kill $SP 2>/dev/null || true' EXIT
for i in $(seq 50); do curl -s 127.0.0.1:$PORT/v1/models >/dev/null && break; sleep 0.1; done
SIM=http://127.0.0.1:$PORT/v1
cd "$OUT"
C="--seed 3 --model simulated --base-url $SIM --data-dir $DATA --concurrency 4"
for m in regenesis star lmsi cot selfdiscover; do
  "$BIN" synthesize --task gsm8k --limit 12 --method $m $C --out syn-$m >/dev/null 2>&1
done
"$BIN" synthesize --task arc_challenge --limit 8 --method regenesis --budget adaptive $C --out syn-adaptive >/dev/null 2>&1
for f in messages sharegpt openai alpaca parquet dpo; do
  "$BIN" export syn-regenesis --format $f --out exp-$f >/dev/null 2>&1 || echo "export $f failed"
done
"$BIN" compare syn-regenesis syn-star syn-lmsi > compare.txt 2>&1
"$BIN" eval --task gsm8k,arc_challenge --limit 40 $C --out ev-greedy >/dev/null 2>&1
"$BIN" eval --task gsm8k --limit 30 --mode maj --samples 5 $C --out ev-maj >/dev/null 2>&1
"$BIN" report ev-greedy ev-maj --baseline ev-greedy --out rep >/dev/null 2>&1
"$BIN" report syn-regenesis syn-star --out synrep >/dev/null 2>&1
"$BIN" train --engine hf --data syn-regenesis --base-model base-model --out tr-hf --dry-run >/dev/null 2>&1 || echo "train plan failed"
"$BIN" train --engine llamafactory --data syn-regenesis --base-model base-model --out tr-lf --dry-run >/dev/null 2>&1 || echo "train lf plan failed"
for e in trl axolotl; do "$BIN" train --engine $e --data syn-star --base-model base-model --out tr-$e --dry-run >/dev/null 2>&1 || echo "train $e failed"; done
cd "$OUT" && PORT=$PORT python3 "$HASH" "$OUT" | sed "s|$OUT|.|"
