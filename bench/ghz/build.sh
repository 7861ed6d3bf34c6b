#!/usr/bin/env bash
# Builds ghz (github.com/bojand/ghz, a gRPC load generator) into a per-user cache outside the
# checkout and prints the binary's path as its last line (the only line on stdout; progress goes
# to stderr). Later runs find it built and print the path at once.
#
# Layout: ${XDG_CACHE_HOME:-~/.cache}/kstreams-scaler/ghz-<version>/bin/ghz
set -euo pipefail

GHZ_VERSION=v0.120.0
root=${XDG_CACHE_HOME:-$HOME/.cache}/kstreams-scaler/ghz-$GHZ_VERSION
bin=$root/bin/ghz

say() { echo "ghz build: $*" >&2; }
fail() {
  echo "ghz build: FAILED: $*" >&2
  exit 1
}

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
command -v go >/dev/null || fail "no 'go' on PATH"

if [[ -x $bin ]]; then
  say "up to date"
  echo "$bin"
  exit 0
fi
mkdir -p "$root/bin" || fail "cannot create $root"
say "building github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION (niced; a minute or two the first time)"
GOBIN=$root/bin nice -n 19 go install -trimpath "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" ||
  fail "go install github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION (is the Go module proxy reachable?)"
say "built"
echo "$bin"
