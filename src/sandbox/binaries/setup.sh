#!/usr/bin/env bash
# Installs what the sandbox and the tests need on a fresh Debian machine, each step only when missing:
# Debian packages (iproute2, iptables, WireGuard, Libreswan, DNS and load tools, chromium for the browser
# tests, mmdebstrap, umoci, skopeo and runc for the OCI images), strongSwan unpacked into the cache and the
# control-plane binaries built from the Go module proxy (build.sh: Kubernetes, etcd, CoreDNS and Open Cluster
# Management). Needs root for the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=(iproute2 iptables ipset nftables openssl dnsutils curl iperf3 netcat-openbsd iputils-ping wireguard-tools wireguard-go libreswan dnsperf util-linux chromium
  mmdebstrap umoci skopeo runc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "[setup] installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Libreswan's package enables an ipsec service; the sandbox runs its own pluto per gateway.
  systemctl disable --now ipsec >/dev/null 2>&1 || true
fi

# strongSwan's Debian packages conflict with Libreswan's, so strongSwan is unpacked into the cache
# instead of installed; the strongswan cable driver finds charon, swanctl and the plugins there.
strongswan_packages=(libstrongswan strongswan-libcharon strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins)
strongswan_root="${KSUB_CACHE:-${HOME:-/root}/.cache/kubectl-submariner}/strongswan"
strongswan_ok() {
  local conf="$1/etc/strongswan.conf" lib="$1/usr/lib/ipsec"
  STRONGSWAN_CONF="$conf" LD_LIBRARY_PATH="$lib" "$lib/charon" --version 2>/dev/null | grep -q 'strongSwan 5' &&
    STRONGSWAN_CONF="$conf" LD_LIBRARY_PATH="$lib" "$1/usr/sbin/swanctl" --help 2>/dev/null | grep -q 'swanctl --initiate' &&
    [ -f "$lib/plugins/libstrongswan-kernel-libipsec.so" ] && [ -f "$lib/plugins/libstrongswan-openssl.so" ] && [ -f "$lib/plugins/libstrongswan-kdf.so" ]
}
if strongswan_ok "$strongswan_root"; then
  echo "[setup] strongSwan already unpacked in $strongswan_root" >&2
else
  echo "[setup] unpacking strongSwan (${strongswan_packages[*]}) into $strongswan_root" >&2
  debs="$(mktemp -d)"
  staging="$strongswan_root.new"
  rm -rf "$staging"
  mkdir -p "$staging"
  # apt's _apt user cannot write into the private temporary directory: apt then downloads as root, and says so.
  (cd "$debs" && apt-get download -qq "${strongswan_packages[@]}" 2>&1 | grep -v 'Download is performed unsandboxed' >&2 || true)
  [ "$(ls "$debs"/*.deb 2>/dev/null | wc -l)" = "${#strongswan_packages[@]}" ] || { echo "[setup] could not download ${strongswan_packages[*]}" >&2; exit 1; }
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$staging"; done
  rm -rf "$debs"
  strongswan_ok "$staging" || { echo "[setup] the unpacked strongSwan does not run (see $staging)" >&2; exit 1; }
  rm -rf "$strongswan_root"
  mv "$staging" "$strongswan_root"
fi

bash "$here/build.sh" all
