#!/usr/bin/env bash
# Builds bench/keda-kafka/main.go, the driver of KEDA's own `kafka` scaler, into a per-user cache
# outside the checkout and prints the binary's path as its last line (the only line on stdout;
# progress goes to stderr).
#
# KEDA's go.mod has replace directives, so `go install github.com/kedacore/keda/v2/...@v` is
# refused: the driver is built inside a writable copy of KEDA's own module, with its exact
# go.mod/go.sum. Go's default module and build caches are used, so only the first build compiles
# KEDA's dependency graph (tens of minutes on a busy 2-core machine); later ones relink in seconds.
#
# One build-time change to sarama (a patched copy of the version KEDA pins, through a replace in
# a separate go.mod given to `go build -modfile`): sarama.SetBenchClientID, so the driver's
# -client-id reaches the wire. Everything else is KEDA's and sarama's code as released.
#
# Layout: ${XDG_CACHE_HOME:-~/.cache}/kstreams-scaler/keda-<version>/
#   src/      copy of the KEDA module; the driver goes to src/cmd/keda-kafka-bench/
#   sarama/   patched copy of sarama; bench.mod, bench.sum: KEDA's go.mod + that replace
#   bin/keda-kafka-bench
set -euo pipefail

KEDA_VERSION=v2.21.0
KEDA_MODULE=github.com/kedacore/keda/v2
SARAMA_MODULE=github.com/IBM/sarama

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${XDG_CACHE_HOME:-$HOME/.cache}/kstreams-scaler/keda-$KEDA_VERSION
src=$root/src
patched=$root/sarama
bin=$root/bin/keda-kafka-bench

say() { echo "keda-kafka build: $*" >&2; }
fail() {
  echo "keda-kafka build: FAILED: $*" >&2
  exit 1
}

export GOTOOLCHAIN=local CGO_ENABLED=0

command -v go >/dev/null || fail "no 'go' on PATH (KEDA $KEDA_VERSION needs Go >= 1.26)"

if [[ -x $bin && $bin -nt $here/main.go && $bin -nt $here/build.sh ]]; then
  say "up to date"
  echo "$bin"
  exit 0
fi
mkdir -p "$root/bin" || fail "cannot create $root"

# 1. The KEDA module source, once.
if [[ ! -f $src/go.mod ]]; then
  say "fetching $KEDA_MODULE@$KEDA_VERSION"
  json=$(cd "$root" && go mod download -json "$KEDA_MODULE@$KEDA_VERSION") ||
    fail "go mod download $KEDA_MODULE@$KEDA_VERSION (is the Go module proxy reachable?)"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -n $dir && -f $dir/go.mod ]] || fail "no module directory in: go mod download -json $KEDA_MODULE@$KEDA_VERSION"
  rm -rf "$src.tmp"
  cp -r "$dir" "$src.tmp" && chmod -R u+w "$src.tmp" && mv "$src.tmp" "$src" ||
    fail "copying $dir to $src"
fi

# 2. The driver, as one more command of KEDA's module.
mkdir -p "$src/cmd/keda-kafka-bench"
cp "$here/main.go" "$src/cmd/keda-kafka-bench/main.go" || fail "copying main.go into $src"

# 3. Patched sarama: NewConfig's ClientID can be replaced at run time. The module cache cannot
#    be overlaid (go build -overlay refuses files under GOMODCACHE), so a patched copy of the
#    sarama version KEDA pins is used through a replace directive in a separate go.mod
#    (go build -modfile); the copy of KEDA's go.mod and go.sum stays as released.
sarama_json=$(cd "$src" && go mod download -json "$SARAMA_MODULE") ||
  fail "go mod download $SARAMA_MODULE (the version KEDA's go.mod pins)"
sarama_dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$sarama_json")
[[ -f $sarama_dir/config.go ]] || fail "sarama's config.go not found under '$sarama_dir'"
rm -rf "$patched.tmp"
cp -r "$sarama_dir" "$patched.tmp" && chmod -R u+w "$patched.tmp" || fail "copying $sarama_dir"
awk '
  { print }
  /^\tc\.ClientID = defaultClientID$/ { print "\tif benchClientID != \"\" {\n\t\tc.ClientID = benchClientID\n\t}"; n++ }
  END { exit n == 1 ? 0 : 1 }
' "$sarama_dir/config.go" >"$patched.tmp/config.go" ||
  fail "sarama's config.go no longer has exactly one 'c.ClientID = defaultClientID' line; update build.sh"
cat >"$patched.tmp/zz_bench_clientid.go" <<'GO'
package sarama

// Added by kstreams-scaler's bench/keda-kafka/build.sh; not part of sarama.

var benchClientID string

// SetBenchClientID makes NewConfig use id as Config.ClientID instead of "sarama".
func SetBenchClientID(id string) { benchClientID = id }
GO
rm -rf "$patched" && mv "$patched.tmp" "$patched"
cp "$src/go.mod" "$root/bench.mod" && cp "$src/go.sum" "$root/bench.sum" || fail "copying KEDA's go.mod/go.sum"
go mod edit -replace="$SARAMA_MODULE=$patched" "$root/bench.mod" ||
  fail "go mod edit -replace $SARAMA_MODULE"

# 4. Build (niced: the machine is shared).
say "building in $src (the first build on a machine compiles KEDA's dependencies: tens of minutes; later ones relink in ~30 s)"
ldflags="-s -w -X=$KEDA_MODULE/version.Version=$KEDA_VERSION -X=$KEDA_MODULE/version.GitCommit=none"
(cd "$src" && nice -n 19 go build -trimpath -buildvcs=false -modfile="$root/bench.mod" \
  -ldflags "$ldflags" -o "$bin.tmp" ./cmd/keda-kafka-bench) || fail "go build in $src"
mv "$bin.tmp" "$bin"
say "built"
echo "$bin"
