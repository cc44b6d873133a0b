#!/usr/bin/env bash
# The project's test command (README.md "Run the tests"): every package, with
# the race detector on the concurrent ones.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./...
go test -count=1 -race ./internal/llm/... ./internal/store/... ./internal/synth/... ./internal/simserver/... ./internal/progress/...
