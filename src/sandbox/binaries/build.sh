#!/usr/bin/env bash
# Builds the real Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kube-proxy, kubectl), etcd and CoreDNS from the Go module proxy into a per-machine cache keyed by version.
# Re-running is cheap: a binary whose --version already matches is not rebuilt.
#
#   KSUB_CACHE     cache root (default ~/.cache/kubectl-submariner)
#   K8S_VERSION    k8s.io/kubernetes version (default 1.36.3)
#   ETCD_VERSION   go.etcd.io/etcd/server/v3 version (default 3.6.16)
#   COREDNS_VERSION github.com/coredns/coredns version (default 1.14.7)
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
COREDNS_VERSION="${COREDNS_VERSION:-1.14.7}"
CACHE="${KSUB_CACHE:-${HOME:-/root}/.cache/kubectl-submariner}"
ONLY="${1:-all}"   # all | k8s | etcd | coredns

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

case "$ONLY" in
  all) build_etcd; build_coredns; build_k8s ;;
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  coredns) build_coredns ;;
  *) echo "usage: build.sh [all|k8s|etcd|coredns]" >&2; exit 2 ;;
esac
