#!/usr/bin/env bash
# Installs what the sandbox and the tests need on a fresh Debian machine, each step only when missing:
# Debian packages (iproute2, iptables, WireGuard, Libreswan, DNS and load tools) and the control-plane
# binaries built from the Go module proxy (build.sh). Needs root for the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=(iproute2 iptables nftables openssl dnsutils curl iperf3 netcat-openbsd iputils-ping wireguard-tools wireguard-go libreswan dnsperf util-linux)
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

bash "$here/build.sh" all
