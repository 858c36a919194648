#!/usr/bin/env bash
# Builds the real Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kube-proxy, kubectl), etcd, CoreDNS, wireguard-go and Open Cluster Management's hub controllers and klusterlet
# agent from the Go module proxy into a per-machine cache keyed by version, and the sandbox daemon's subreaper
# (reaper/) from this project's source.
# Re-running is cheap: a binary whose --version already matches is not rebuilt.
#
#   KSUB_CACHE     cache root (default ~/.cache/kubectl-submariner)
#   K8S_VERSION    k8s.io/kubernetes version (default 1.36.3)
#   ETCD_VERSION   go.etcd.io/etcd/server/v3 version (default 3.6.16)
#   COREDNS_VERSION github.com/coredns/coredns version (default 1.14.7)
#   WIREGUARD_GO_VERSION golang.zx2c4.com/wireguard version (default 0.0.0-20260522210424-ecfc5a8d5446)
# OCM's version is the one pinned by the wrapper module ocm/go.mod (and its go.sum) beside this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

K8S_VERSION="${K8S_VERSION:-1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
COREDNS_VERSION="${COREDNS_VERSION:-1.14.7}"
WIREGUARD_GO_VERSION="${WIREGUARD_GO_VERSION:-0.0.0-20260522210424-ecfc5a8d5446}"
CACHE="${KSUB_CACHE:-${HOME:-/root}/.cache/kubectl-submariner}"
ONLY="${1:-all}"   # all | reaper | k8s | etcd | coredns | wireguard-go | ocm

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE="${GOMODCACHE:-$CACHE/gomodcache}" GOCACHE="${GOCACHE:-$CACHE/gocache}"

log() { printf '[build] %s\n' "$*" >&2; }

build_k8s() {
  local out="$CACHE/kubernetes-v$K8S_VERSION" minor staging build ldf gomod godebug m bin
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  staging="v0.${K8S_VERSION#1.}"
  local all_ok=1
  for bin in kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl; do
    local ask=(--version)
    [ "$bin" = kubectl ] && ask=(version --client)
    # Read the whole answer first: grep -q closing the pipe early would fail the check under pipefail.
    local said
    said="$("$out/$bin" "${ask[@]}" 2>/dev/null || true)"
    [[ "$said" == *"v$K8S_VERSION"* ]] || all_ok=0
  done
  if [ "$all_ok" = 1 ]; then log "kubernetes v$K8S_VERSION already built in $out"; return; fi
  build="$CACHE/build/kubernetes-v$K8S_VERSION"
  mkdir -p "$build" "$out"
  cd "$build"
  [ -f go.mod ] || go mod init local.invalid/k8sbins >/dev/null 2>&1
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  godebug="$(sed -n 's/^godebug default=\(go1\.[0-9]*\).*/\1/p' "$gomod")"
  go mod edit -go=1.26.0 ${godebug:+-godebug=default=$godebug}
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod"); do
    go mod edit -replace="$m=$m@$staging"
  done
  log "resolving k8s.io/kubernetes v$K8S_VERSION"
  go get -tool \
    "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-proxy@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" >/dev/null
  ldf="-s -w"
  for kv in "gitVersion=v$K8S_VERSION" "gitMajor=1" "gitMinor=$minor" "gitTreeState=clean" \
            "gitCommit=module-v$K8S_VERSION" "buildDate=2026-01-01T00:00:00Z"; do
    ldf="$ldf -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  log "building kubernetes v$K8S_VERSION (cold: tens of minutes on 2 cores)"
  go build -p 2 -trimpath -tags selinux,notest -ldflags "$ldf" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  "$out/kube-apiserver" --version >&2
}

build_etcd() {
  local out="$CACHE/etcd-v$ETCD_VERSION" build
  if "$out/etcd" --version 2>/dev/null | grep -q "etcd Version: $ETCD_VERSION"; then
    log "etcd v$ETCD_VERSION already built in $out"; return
  fi
  build="$CACHE/build/etcd-v$ETCD_VERSION"
  mkdir -p "$build" "$out"; cd "$build"
  [ -f go.mod ] || go mod init local.invalid/etcdbin >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null
  log "building etcd v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" \
    -o "$out/etcd" go.etcd.io/etcd/server/v3
  "$out/etcd" --version >&2
}

build_coredns() {
  local out="$CACHE/coredns-v$COREDNS_VERSION"
  if "$out/coredns" -version 2>/dev/null | grep -q "CoreDNS-$COREDNS_VERSION"; then
    log "coredns v$COREDNS_VERSION already built in $out"; return
  fi
  mkdir -p "$out"
  log "building coredns v$COREDNS_VERSION"
  GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION"
  "$out/coredns" -version >&2
}

# wireguard-go has no release tags on the proxy: the pseudo-version pins a commit, and `go version -m` tells
# which one a binary was built from. The cable driver finds it at this version-less path (else on PATH).
build_wireguard_go() {
  local out="$CACHE/wireguard-go" build
  if go version -m "$out/wireguard-go" 2>/dev/null | grep -q "golang.zx2c4.com/wireguard[[:space:]]*v$WIREGUARD_GO_VERSION"; then
    log "wireguard-go v$WIREGUARD_GO_VERSION already built in $out"; return
  fi
  build="$CACHE/build/wireguard-go-v$WIREGUARD_GO_VERSION"
  mkdir -p "$build" "$out"; cd "$build"
  [ -f go.mod ] || go mod init local.invalid/wireguardgo >/dev/null 2>&1
  go get -tool "golang.zx2c4.com/wireguard@v$WIREGUARD_GO_VERSION" >/dev/null
  log "building wireguard-go v$WIREGUARD_GO_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$out/wireguard-go.new" golang.zx2c4.com/wireguard
  mv "$out/wireguard-go.new" "$out/wireguard-go"
  "$out/wireguard-go" --version | head -1 >&2
}

# The sandbox daemon's subreaper (reaper/main.go, this project's own): rebuilt when its source changes.
build_reaper() {
  local out="$CACHE/reaper" sum
  sum="$(cat "$here/reaper/go.mod" "$here/reaper/main.go" | sha256sum | cut -d' ' -f1)"
  if [ -x "$out/ksub-reaper" ] && [ "$(cat "$out/source.sha256" 2>/dev/null)" = "$sum" ]; then
    log "ksub-reaper already built in $out"; return
  fi
  mkdir -p "$out"
  log "building ksub-reaper"
  (cd "$here/reaper" && go build -trimpath -ldflags "-s -w" -o "$out/ksub-reaper.new" .)
  mv "$out/ksub-reaper.new" "$out/ksub-reaper"
  echo "$sum" >"$out/source.sha256"
}

# OCM v1.2.x: `go install open-cluster-management.io/ocm/cmd/x@v` fails (the proxy answers 403 for the
# sub-path module look-ups), so the commands are built inside a wrapper module whose build list pins them.
# The CRDs come from the open-cluster-management.io/api module that OCM's go.mod selects.
OCM_COMMANDS=(registration placement addon registration-operator)
build_ocm() {
  local version out build bin all_ok=1 api_dir api_version
  version="$(sed -n 's#^require open-cluster-management.io/ocm v\(.*\)$#\1#p' "$here/ocm/go.mod")"
  out="$CACHE/ocm-v$version"
  for bin in "${OCM_COMMANDS[@]}"; do
    local said
    said="$(go version -m "$out/$bin" 2>/dev/null || true)"
    [[ "$said" == *"open-cluster-management.io/ocm"$'\t'"v$version"* ]] || all_ok=0
  done
  [ -f "$out/crds/.complete" ] || all_ok=0
  if [ "$all_ok" = 1 ]; then log "ocm v$version already built in $out"; return; fi
  build="$CACHE/build/ocm-v$version"
  mkdir -p "$build" "$out"
  cp "$here/ocm/go.mod" "$here/ocm/go.sum" "$build/"
  cd "$build"
  log "building ocm v$version (${OCM_COMMANDS[*]}; cold: about 10 minutes on 2 cores)"
  local pkgs=()
  for bin in "${OCM_COMMANDS[@]}"; do pkgs+=("open-cluster-management.io/ocm/cmd/$bin"); done
  go build -mod=readonly -p 2 -trimpath -ldflags "-s -w" -o "$out/" "${pkgs[@]}"
  api_dir="$(go list -mod=readonly -m -f '{{.Dir}}' open-cluster-management.io/api)"
  api_version="$(go list -mod=readonly -m -f '{{.Version}}' open-cluster-management.io/api)"
  rm -rf "$out/crds"
  mkdir -p "$out/crds"
  (cd "$api_dir" && find cluster work addon -name '*.crd.yaml' | while read -r f; do
    mkdir -p "$out/crds/$(dirname "$f")"; cp "$f" "$out/crds/$f"; chmod 644 "$out/crds/$f"
  done)
  echo "open-cluster-management.io/api $api_version" >"$out/crds/.complete"
  log "ocm v$version built; CRDs of api $api_version in $out/crds"
}

case "$ONLY" in
  all) build_reaper; build_etcd; build_coredns; build_wireguard_go; build_k8s; build_ocm ;;
  reaper) build_reaper ;;
  ocm) build_ocm ;;
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  coredns) build_coredns ;;
  wireguard-go) build_wireguard_go ;;
  *) echo "usage: build.sh [all|reaper|k8s|etcd|coredns|wireguard-go|ocm]" >&2; exit 2 ;;
esac
