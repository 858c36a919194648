#!/usr/bin/env bash
# The sandbox demo (`npm run demo`): builds what is missing, brings the sandbox fleet up, and shows
#  1. inside cluster1, a toolbox pod on the worker node reaching nginx.default.svc.cluster.local on the
#     gateway node, through the cluster's real CoreDNS and kube-proxy;
#  2. cluster1 and cluster2 connected with Submariner over an IPsec tunnel (strongSwan, ESP in UDP), and the toolbox
#     pod reaching cluster2's nginx as nginx.default.svc.clusterset.local.
# The fleet stays up afterwards; `kubectl submariner sandbox down` removes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash src/sandbox/binaries/setup.sh
npm run --silent build

cache="${KSUB_CACHE:-$HOME/.cache/kubectl-submariner}"
export PATH="$PWD/dist/bin:$cache/kubernetes-v${K8S_VERSION:-1.36.3}:$PATH"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# manifests/examples/<name>.yaml placed on a node.
example() { sed "s/NODE_NAME/$2/" "manifests/examples/$1.yaml"; }

step "kubectl submariner sandbox up"
kubectl submariner sandbox up
export KUBECONFIG="$(kubectl submariner sandbox kubeconfig --path)"

step "nginx on cluster1's gateway node, a toolbox pod on its worker node"
{ example nginx cluster1-gateway; echo ---; example toolbox cluster1-worker; } | kubectl --context cluster1 apply -n default -f -
kubectl --context cluster1 rollout status deployment/nginx --timeout=120s
kubectl --context cluster1 wait --for=condition=Ready pod/toolbox --timeout=120s
kubectl --context cluster1 get pods -o wide

step "kubectl exec toolbox -- dig +short nginx.default.svc.cluster.local"
kubectl --context cluster1 exec toolbox -- dig +short nginx.default.svc.cluster.local

step "kubectl exec toolbox -- curl -s http://nginx.default.svc.cluster.local"
kubectl --context cluster1 exec toolbox -- curl -sS --max-time 10 --retry 10 --retry-connrefused --retry-delay 1 http://nginx.default.svc.cluster.local

step "kubectl logs deployment/nginx (the nginx stand-in's access log)"
kubectl --context cluster1 logs deployment/nginx

step "kubectl submariner deploy-broker, then join cluster1 and cluster2 (IPsec with strongSwan, the default cable driver)"
workdir="$(mktemp -d)"
kubectl submariner deploy-broker --context cluster1 --broker-info "$workdir/broker-info.subm"
for c in cluster1 cluster2; do
  kubectl submariner join "$workdir/broker-info.subm" --context "$c" --clusterid "$c"
done

step "nginx in cluster2, exported to the clusterset"
example nginx cluster2-worker | kubectl --context cluster2 apply -n default -f -
kubectl --context cluster2 rollout status deployment/nginx --timeout=120s
kubectl submariner export service nginx --context cluster2 -n default

step "kubectl submariner show connections --contexts cluster1,cluster2"
for i in $(seq 1 60); do
  out="$(kubectl submariner show connections --contexts cluster1,cluster2 2>/dev/null)"
  [ "$(grep ' connected ' <<<"$out" | grep -vc '<none>')" = 2 ] && break
  sleep 1
done
echo "$out"

step "from cluster1: dig +short nginx.default.svc.clusterset.local"
for i in $(seq 1 30); do
  answer="$(kubectl --context cluster1 exec toolbox -- dig +short nginx.default.svc.clusterset.local)"
  [ -n "$answer" ] && break
  sleep 1
done
echo "$answer"

step "from cluster1: curl http://nginx.default.svc.clusterset.local (cluster2's nginx, through the tunnel)"
kubectl --context cluster1 exec toolbox -- curl -sS --max-time 10 --retry 10 --retry-all-errors --retry-delay 1 http://nginx.default.svc.clusterset.local

step "the IPsec SA on cluster1's active gateway (kubectl submariner show connections, STATUS MESSAGE)"
kubectl --context cluster1 -n submariner-operator get gateways.submariner.io -o jsonpath='{range .items[*].status.connections[*]}{.endpoint.cluster_id}: {.status} {.statusMessage}{"\n"}{end}'

printf '\nThe sandbox is still up. Explore it with:\n  export KUBECONFIG=%s\n  export PATH=%s:$PATH\n  kubectl submariner sandbox status\nRemove it with: kubectl submariner sandbox down\n' \
  "$KUBECONFIG" "$PWD/dist/bin:$cache/kubernetes-v${K8S_VERSION:-1.36.3}"
