#!/usr/bin/env bash
# Builds bench/rpc-floor (a gRPC server with fixed replies, the latency floor bench-rpc measures
# beside the scaler) into a per-user cache outside the checkout and prints the binary's path as
# its last line (the only line on stdout; progress goes to stderr). Go's default module and build
# caches are used; it is rebuilt when main.go, go.mod or go.sum change.
#
# Layout: ${XDG_CACHE_HOME:-~/.cache}/kstreams-scaler/rpc-floor/bin/rpc-floor
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${XDG_CACHE_HOME:-$HOME/.cache}/kstreams-scaler/rpc-floor
bin=$root/bin/rpc-floor

say() { echo "rpc-floor build: $*" >&2; }
fail() {
  echo "rpc-floor build: FAILED: $*" >&2
  exit 1
}

export GOTOOLCHAIN=local CGO_ENABLED=0
command -v go >/dev/null || fail "no 'go' on PATH"

if [[ -x $bin && $bin -nt $here/main.go && $bin -nt $here/go.mod && $bin -nt $here/go.sum ]]; then
  say "up to date"
  echo "$bin"
  exit 0
fi
mkdir -p "$root/bin" || fail "cannot create $root"
say "building (niced)"
(cd "$here" && nice -n 19 go build -trimpath -buildvcs=false -mod=readonly -o "$bin.tmp" .) ||
  fail "go build in $here (is the Go module proxy reachable?)"
mv "$bin.tmp" "$bin"
say "built"
echo "$bin"
