#!/usr/bin/env bash
# The sandbox demos. `npm run demo` builds what is missing, brings the sandbox fleet up, and shows
#  1. inside cluster1, a toolbox pod on the worker node reaching nginx.default.svc.cluster.local on the
#     gateway node, through the cluster's real CoreDNS and kube-proxy;
#  2. cluster1 and cluster2 connected with Submariner over an IPsec tunnel (strongSwan, ESP in UDP), and the toolbox
#     pod reaching cluster2's nginx as nginx.default.svc.clusterset.local.
# `npm run demo -- globalnet` shows GlobalNet instead: two clusters with the very same Pod and Service CIDRs
# (`sandbox up --overlapping`) talking through global IPs, as Submariner's GlobalNet walk-through does.
# `npm run demo -- hub` shows the fleet way: OCM's hub and three managed clusters (`sandbox up --hub`), the
# Submariner addon installed on the hub, the agents delivered to the placement's clusters by ManifestWork,
# connected and serving nginx.default.svc.clusterset.local, and a progressive rollout one cluster at a time.
# The fleet stays up afterwards; `kubectl submariner sandbox down` removes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
demo="${1:-default}"
case "$demo" in
  default | globalnet | hub) ;;
  *)
    echo "unknown demo \"$demo\": run \`npm run demo\`, \`npm run demo -- globalnet\` or \`npm run demo -- hub\`" >&2
    exit 2
    ;;
esac
bash src/sandbox/binaries/setup.sh
npm run --silent build

cache="${KSUB_CACHE:-$HOME/.cache/kubectl-submariner}"
export PATH="$PWD/dist/bin:$cache/kubernetes-v${K8S_VERSION:-1.36.3}:$PATH"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# manifests/examples/<name>.yaml placed on a node.
example() { sed "s/NODE_NAME/$2/" "manifests/examples/$1.yaml"; }
# Retries a command (quietly) until it prints something; prints that.
until_output() {
  local out=""
  for _ in $(seq 1 "$1"); do
    out="$("${@:2}" 2>/dev/null || true)"
    [ -n "$out" ] && break
    sleep 1
  done
  echo "$out"
}
# Fetches a URL from cluster1's toolbox pod, quietly trying again while the path comes up (a new Service is
# refused until kube-proxy has programmed it); fails when nothing answers within 30 tries.
fetch() {
  local out
  out="$(until_output 30 kubectl --context cluster1 exec toolbox -- curl -s --max-time 5 "$1")"
  [ -n "$out" ] || { echo "no answer from $1 within 30 tries" >&2; return 1; }
  echo "$out"
}
# Waits until `show connections` reports every connection of the clusters (default cluster1,cluster2; each to
# every other) connected, and prints it.
connections() {
  local contexts="${1:-cluster1,cluster2}" out="" n
  n="$(tr ',' '\n' <<<"$contexts" | wc -l)"
  for _ in $(seq 1 "${2:-60}"); do
    out="$(kubectl submariner show connections --contexts "$contexts" 2>/dev/null || true)"
    [ "$(grep ' connected ' <<<"$out" | grep -vc '<none>')" = "$((n * (n - 1)))" ] && break
    sleep 1
  done
  echo "$out"
}
# `sandbox up` leaves a fleet that is already up as it is: the sandbox that is up goes first unless the JavaScript
# condition $1 holds for it (`s`: `sandbox status -o json`; `members`: its clusters but the hub; `worker(c)`:
# cluster c has a node <c>-worker). $2 says what the demo needs.
replace_unfit_fleet() {
  local status fits
  status="$(kubectl submariner sandbox status -o json 2>/dev/null)" || return 0
  fits="$(node -e "
    const s = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    const members = s.clusters.filter((c) => !c.hub);
    const worker = (c) => c.nodes.some((n) => n.name === c.cluster + '-worker');
    console.log(($1) ? 'yes' : 'no');
  " <<<"$status")"
  if [ "$fits" != yes ]; then
    step "kubectl submariner sandbox down (the sandbox that is up is not the one this demo needs)"
    echo "This demo needs $2, so the sandbox that is up is removed first."
    kubectl submariner sandbox down
  fi
}
finish() {
  printf '\nThe sandbox is still up. Explore it with:\n  export KUBECONFIG=%s\n  export PATH=%s:$PATH\n  kubectl submariner sandbox status\nRemove it with: kubectl submariner sandbox down\n' \
    "$KUBECONFIG" "$PWD/dist/bin:$cache/kubernetes-v${K8S_VERSION:-1.36.3}"
}

globalnet_demo() {
  replace_unfit_fleet 'members.length >= 2 && members.every((c) => c.podCidr === members[0].podCidr && c.serviceCidr === members[0].serviceCidr && worker(c))' \
    "two clusters whose CIDRs overlap, each with a worker node"

  step "kubectl submariner sandbox up --overlapping (both clusters get the same Pod and Service CIDRs)"
  kubectl submariner sandbox up --overlapping
  export KUBECONFIG="$(kubectl submariner sandbox kubeconfig --path)"

  step "a toolbox pod on cluster1's worker node, nginx on cluster2's worker node"
  example toolbox cluster1-worker | kubectl --context cluster1 apply -n default -f -
  example nginx cluster2-worker | kubectl --context cluster2 apply -n default -f -
  kubectl --context cluster1 wait --for=condition=Ready pod/toolbox --timeout=120s
  kubectl --context cluster2 rollout status deployment/nginx --timeout=120s
  kubectl --context cluster1 get pods -o wide
  kubectl --context cluster2 get pods -o wide

  step "kubectl submariner deploy-broker --globalnet --globalnet-cidr-range 242.0.0.0/16 --globalnet-cluster-size 8192 --enable-clusterset-ip=false, then join cluster1 and cluster2"
  local workdir
  workdir="$(mktemp -d)"
  # Submariner's GlobalNet walk-through: clusterset IPs off, so the clusterset name answers the global IP.
  kubectl submariner deploy-broker --context cluster1 --globalnet --globalnet-cidr-range 242.0.0.0/16 --globalnet-cluster-size 8192 \
    --enable-clusterset-ip=false --broker-info "$workdir/broker-info.subm"
  # One after the other: cluster1 gets the first /19 of the range, cluster2 the second.
  for c in cluster1 cluster2; do
    kubectl submariner join "$workdir/broker-info.subm" --context "$c" --clusterid "$c" --cable-driver vxlan
  done

  step "kubectl submariner show networks --contexts cluster1,cluster2 (the same CIDRs, a global CIDR each)"
  kubectl submariner show networks --contexts cluster1,cluster2

  step "nginx in cluster2, exported to the clusterset"
  kubectl submariner export service nginx --context cluster2 -n default
  echo "nginx's GlobalIngressIP in cluster2: $(until_output 60 kubectl --context cluster2 -n default get globalingressips nginx -o 'jsonpath={.status.allocatedIP}')"

  step "kubectl submariner show connections --contexts cluster1,cluster2"
  connections

  step "kubectl submariner show gateways --contexts cluster1,cluster2 (each gateway's global IP)"
  until_output 30 kubectl --context cluster1 -n submariner-operator get gateways.submariner.io -o 'jsonpath={.items[*].metadata.annotations.submariner\.io/globalIp}' >/dev/null
  kubectl submariner show gateways --contexts cluster1,cluster2

  step "from cluster1: dig +short nginx.default.svc.clusterset.local (the global IP of cluster2's nginx)"
  until_output 60 kubectl --context cluster1 exec toolbox -- dig +short nginx.default.svc.clusterset.local

  step "on cluster1's worker: the route to cluster2's global CIDR goes over vx-submariner to the gateway"
  ip netns exec ksub-cluster1-worker ip route show | grep vx-submariner || true

  step "from cluster1: curl http://nginx.default.svc.clusterset.local"
  kubectl --context cluster1 exec toolbox -- curl -sS --max-time 10 --retry 20 --retry-all-errors --retry-delay 1 http://nginx.default.svc.clusterset.local

  step "kubectl --context cluster2 logs deployment/nginx: the client is one of cluster1's global egress IPs"
  kubectl --context cluster2 logs deployment/nginx --tail 3
  echo "cluster1's global egress IPs (ClusterGlobalEgressIP cluster-egress.submariner.io):" \
    "$(kubectl --context cluster1 get clusterglobalegressips cluster-egress.submariner.io -o 'jsonpath={.status.allocatedIPs}')"

  local gw
  gw="$(kubectl --context cluster1 -n submariner-operator get pods -l gateway.submariner.io/status=active -o 'jsonpath={.items[0].spec.nodeName}' 2>/dev/null || true)"
  gw="${gw:-cluster1-gateway}"
  step "GlobalNet's chains on cluster1's active gateway: ip netns exec ksub-$gw iptables -t nat -S | grep -E 'SUBMARINER-GN|SM-GN'"
  ip netns exec "ksub-$gw" iptables -t nat -S | grep -E 'SUBMARINER-GN|SM-GN'

  finish
}

hub_demo() {
  replace_unfit_fleet 's.clusters.some((c) => c.hub) && members.length === 3' "OCM's hub and three managed clusters"

  step "kubectl submariner sandbox up --hub --clusters 3 --nodes 1 (OCM's hub and three managed clusters)"
  kubectl submariner sandbox up --hub --clusters 3 --nodes 1
  export KUBECONFIG="$(kubectl submariner sandbox kubeconfig --path)"

  step "kubectl --context hub get managedclusters (joined through OCM's CSR flow, accepted, in the set submariner)"
  kubectl --context hub get managedclusters -L cluster.open-cluster-management.io/clusterset

  step "kubectl submariner addon install --context hub --clusterset submariner"
  kubectl submariner addon install --context hub --clusterset submariner

  step "OCM's placement submariner-addon/submariner chooses the set's clusters"
  echo "decisions: $(until_output 60 kubectl --context hub -n submariner-addon get placementdecisions \
    -l cluster.open-cluster-management.io/placement=submariner -o 'jsonpath={.items[*].status.decisions[*].clusterName}')"
  until_output 60 kubectl --context hub get managedclusteraddons -A --no-headers >/dev/null
  kubectl --context hub get managedclusteraddons -A

  step "the agents arrive by ManifestWork, applied by each cluster's OCM work agent"
  for c in cluster1 cluster2 cluster3; do
    kubectl --context hub -n "$c" wait --for=create manifestwork/addon-submariner-deploy-0 --timeout=120s >/dev/null
    kubectl --context hub -n "$c" wait --for=condition=Applied manifestwork/addon-submariner-deploy-0 --timeout=180s >/dev/null
  done
  kubectl --context hub get manifestworks -A -l open-cluster-management.io/addon-name=submariner
  # The gateway DaemonSet runs once the operator has labelled a gateway node.
  for c in cluster1 cluster2 cluster3; do
    until_output 180 bash -c "kubectl --context $c -n submariner-operator get pods -l app=submariner-gateway \
      -o 'jsonpath={.items[*].status.containerStatuses[*].ready}' | grep -w true" >/dev/null
  done
  kubectl --context cluster1 -n submariner-operator get pods -o wide

  step "kubectl submariner show connections --contexts cluster1,cluster2,cluster3"
  connections cluster1,cluster2,cluster3 180

  step "nginx in cluster2, exported to the clusterset; a toolbox pod in cluster1"
  example nginx cluster2-gateway | kubectl --context cluster2 apply -n default -f -
  example toolbox cluster1-gateway | kubectl --context cluster1 apply -n default -f -
  kubectl --context cluster2 rollout status deployment/nginx --timeout=120s
  kubectl --context cluster1 wait --for=condition=Ready pod/toolbox --timeout=120s
  kubectl submariner export service nginx --context cluster2 -n default

  step "from cluster1: curl http://nginx.default.svc.clusterset.local (cluster2's nginx, agents delivered by OCM)"
  kubectl --context cluster1 exec toolbox -- curl -sS --max-time 10 --retry 30 --retry-all-errors --retry-delay 1 http://nginx.default.svc.clusterset.local

  step "kubectl submariner addon status --context hub"
  for _ in $(seq 1 60); do
    [ "$(kubectl submariner addon status --context hub -o json 2>/dev/null | grep -c '"connections": "2/2 connected"')" = 3 ] && break
    sleep 1
  done
  kubectl submariner addon status --context hub

  local version=0.1.1 out archive
  archive="dist/image/kubectl-submariner-agent-$(node -p 'require("./package.json").version').oci.tar"
  step "kubectl submariner sandbox load-image $archive --name kubectl-submariner/kubectl-submariner-agent:$version"
  echo "The new version's agent image (here the same build under the new tag) goes where the nodes pull images from:"
  kubectl submariner sandbox load-image "$archive" --name "kubectl-submariner/kubectl-submariner-agent:$version"
  step "kubectl submariner addon rollout --context hub --version $version --strategy progressive --max-concurrency 1 --min-success-time 10s"
  echo "OCM moves one cluster at a time to the new config, each 10s after the previous one completed; the others wait:"
  kubectl submariner addon rollout --context hub --version "$version" --strategy progressive --max-concurrency 1 --min-success-time 10s &
  local rollout=$!
  # One look at the fleet while the rollout is under way: the first cluster on the new version, the others Waiting.
  for _ in $(seq 1 120); do
    out="$(kubectl submariner addon status --context hub 2>/dev/null || true)"
    if grep -q Waiting <<<"$out" && grep -q " $version " <<<"$out"; then
      printf '\n$ kubectl submariner addon status --context hub   (during the rollout)\n%s\n\n' "$out"
      break
    fi
    sleep 0.5
  done
  wait "$rollout"

  step "kubectl submariner addon status --context hub (every cluster on $version, connected)"
  for _ in $(seq 1 120); do
    out="$(kubectl submariner addon status --context hub -o json 2>/dev/null || true)"
    [ "$(grep -c '"connections": "2/2 connected"' <<<"$out")" = 3 ] && [ "$(grep -c "\"version\": \"$version\"" <<<"$out")" = 3 ] && break
    sleep 1
  done
  kubectl submariner addon status --context hub

  step "from cluster1, on the new agents: curl http://nginx.default.svc.clusterset.local"
  kubectl --context cluster1 exec toolbox -- curl -sS --max-time 10 --retry 30 --retry-all-errors --retry-delay 1 http://nginx.default.svc.clusterset.local

  printf '\nRemove Submariner from the fleet with: kubectl submariner addon uninstall --context hub\n'
  finish
}

if [ "$demo" = globalnet ]; then
  globalnet_demo
  exit 0
fi
if [ "$demo" = hub ]; then
  hub_demo
  exit 0
fi

replace_unfit_fleet '!s.clusters.some((c) => c.hub) && members.length >= 2 && new Set(members.map((c) => c.podCidr)).size === members.length && members.every(worker)' \
  "two clusters with different CIDRs, each with a worker node, and no hub"

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
fetch http://nginx.default.svc.cluster.local

step "kubectl logs deployment/nginx (nginx's access log)"
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
connections

step "from cluster1: dig +short nginx.default.svc.clusterset.local"
until_output 30 kubectl --context cluster1 exec toolbox -- dig +short nginx.default.svc.clusterset.local

step "from cluster1: curl http://nginx.default.svc.clusterset.local (cluster2's nginx, through the tunnel)"
fetch http://nginx.default.svc.clusterset.local

step "the IPsec SA of cluster1's active gateway, from its Gateway status"
kubectl --context cluster1 -n submariner-operator get gateways.submariner.io -o jsonpath='{range .items[*].status.connections[*]}{.endpoint.cluster_id}: {.status} {.statusMessage}{"\n"}{end}'

finish
