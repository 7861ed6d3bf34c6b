#!/usr/bin/env bash
# Builds the local test cluster's binaries into a per-user cache outside the checkout, and
# prints where they are (stdout: `k8s=<dir>`, `keda=<dir>` and `keda-crds=<dir>`, KEDA's CRDs; progress on stderr).
#
#   k8s-<version>/bin/   etcd, kube-apiserver, kube-controller-manager, kubectl
#                        (this module: go.mod, go.sum, cmd/etcd)
#   keda-<version>/cluster-bin/  keda-operator, keda-adapter
#                        (a writable copy of KEDA's module, built with its own go.mod and go.sum;
#                        its replace directives make `go install …@version` refuse it)
#
# One build-time change to KEDA, through `go build -overlay` (KEDA's files in the copy stay as released): the
# adapter's Prometheus endpoint binds 127.0.0.1 instead of every interface (its --port flag takes
# a port only), so the local cluster listens on loopback alone.
#
# Go's default module and build caches are used. The first build on a machine compiles
# Kubernetes and KEDA (about 20-25 min on an idle 2-core machine, much longer on a busy one);
# after that a fresh checkout finds the binaries by a hash of what they are built from, and a
# change relinks in seconds to a minute.
set -euo pipefail

K8S_VERSION=v1.36.4
KEDA_VERSION=v2.21.0
KEDA_MODULE=github.com/kedacore/keda/v2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kstreams-scaler
k8s=$cache/k8s-$K8S_VERSION
keda=$cache/keda-$KEDA_VERSION

say() { echo "cluster build: $*" >&2; }
fail() {
  echo "cluster build: FAILED: $*" >&2
  exit 1
}
command -v go >/dev/null || fail "no 'go' on PATH (Kubernetes $K8S_VERSION and KEDA $KEDA_VERSION need Go >= 1.26)"

# One build at a time per cache (a second waits): builds share the cache's folders.
mkdir -p "$cache" || fail "cannot create $cache"
exec 9>"$cache/.cluster-build.lock"
if ! flock -n 9; then
  say "another build of the cluster is running; waiting for it"
  flock 9 || fail "cannot lock $cache/.cluster-build.lock"
fi
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
NICE=${NICE:-10}

# stamp FILES...: what a build is made from; a binary directory holding the same stamp is current.
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

# 1. The control plane, from this module.
k8s_stamp=$(stamp "$here/go.mod" "$here/go.sum" "$here/cmd/etcd/main.go" "$here/build.sh")
if [[ $(cat "$k8s/bin/.stamp" 2>/dev/null) != "$k8s_stamp" ]]; then
  mkdir -p "$k8s" || fail "cannot create $k8s"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    # Without these, the binaries call themselves v0.0.0-master and kubectl warns of a version skew.
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=36 -X $p.gitTreeState=clean"
  done
  say "building etcd, kube-apiserver, kube-controller-manager, kubectl $K8S_VERSION into $k8s/bin"
  say "(the first build on a machine compiles Kubernetes: many minutes; later ones relink)"
  rm -rf "$k8s/bin.tmp" && mkdir -p "$k8s/bin.tmp"
  (cd "$here" && nice -n "$NICE" go build -trimpath -ldflags "$ld" -o "$k8s/bin.tmp/" ./cmd/etcd \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl) ||
    fail "go build of the control plane in $here"
  echo "$k8s_stamp" >"$k8s/bin.tmp/.stamp"
  rm -rf "$k8s/bin" && mv "$k8s/bin.tmp" "$k8s/bin"
fi

# 2. KEDA's operator and metrics adapter, inside a copy of KEDA's module.
src=$keda/src
if [[ ! -f $src/go.mod ]]; then
  say "fetching $KEDA_MODULE@$KEDA_VERSION"
  mkdir -p "$keda" || fail "cannot create $keda"
  json=$(cd "$keda" && go mod download -json "$KEDA_MODULE@$KEDA_VERSION") ||
    fail "go mod download $KEDA_MODULE@$KEDA_VERSION (is the Go module proxy reachable?)"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -n $dir && -f $dir/go.mod ]] || fail "no module directory in: go mod download -json $KEDA_MODULE@$KEDA_VERSION"
  rm -rf "$src.tmp"
  cp -r "$dir" "$src.tmp" && chmod -R u+w "$src.tmp" && mv "$src.tmp" "$src" || fail "copying $dir to $src"
fi
adapter_main=$src/cmd/adapter/main.go
patched=$keda/adapter-main-loopback.go
sed 's|metricsBindAddress := fmt.Sprintf(":%v", metricsAPIServerPort)|metricsBindAddress := fmt.Sprintf("127.0.0.1:%v", metricsAPIServerPort)|' \
  "$adapter_main" >"$patched.$$" || fail "reading $adapter_main"
grep -q '"127.0.0.1:%v", metricsAPIServerPort' "$patched.$$" ||
  fail "KEDA's cmd/adapter/main.go no longer binds its metrics with \":%v\"; update build.sh"
mv "$patched.$$" "$patched"
printf '{"Replace":{"%s":"%s"}}\n' "$adapter_main" "$patched" >"$keda/overlay.json"
keda_stamp=$(stamp "$src/go.mod" "$src/go.sum" "$here/build.sh" "$patched")
if [[ $(cat "$keda/cluster-bin/.stamp" 2>/dev/null) != "$keda_stamp" ]]; then
  say "building keda-operator, keda-adapter $KEDA_VERSION into $keda/cluster-bin"
  rm -rf "$keda/cluster-bin.tmp" && mkdir -p "$keda/cluster-bin.tmp"
  ld="-s -w -X=$KEDA_MODULE/version.Version=$KEDA_VERSION -X=$KEDA_MODULE/version.GitCommit=none"
  (cd "$src" && nice -n "$NICE" go build -trimpath -overlay "$keda/overlay.json" -ldflags "$ld" \
    -o "$keda/cluster-bin.tmp/" ./cmd/operator ./cmd/adapter) ||
    fail "go build of KEDA in $src"
  mv "$keda/cluster-bin.tmp/operator" "$keda/cluster-bin.tmp/keda-operator"
  mv "$keda/cluster-bin.tmp/adapter" "$keda/cluster-bin.tmp/keda-adapter"
  echo "$keda_stamp" >"$keda/cluster-bin.tmp/.stamp"
  rm -rf "$keda/cluster-bin" && mv "$keda/cluster-bin.tmp" "$keda/cluster-bin"
fi

echo "k8s=$k8s/bin"
echo "keda=$keda/cluster-bin"
echo "keda-crds=$src/config/crd/bases"
