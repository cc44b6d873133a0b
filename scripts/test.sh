#!/usr/bin/env bash
# The project's test command (README.md "Run the tests"): every package,
# with the race detector on (the client, store, runner and servers are
# concurrent; the whole suite takes a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -race -count=1 ./...
