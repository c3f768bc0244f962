#!/usr/bin/env bash
# Installs the Debian packages the tests, the demo and the benchmarks need. Idempotent.
set -euo pipefail
pkgs=(python3 curl iproute2 iputils-ping iptables tshark tcpdump iperf3 procps psmisc socat openssl util-linux
      # the strongSwan interop peer (../shared/peers/strongswan)
      strongswan-charon strongswan-swanctl strongswan-pki strongswan-libcharon
      libcharon-extra-plugins libstrongswan-extra-plugins libstrongswan-standard-plugins
      # fuzz/run.sh (coverage-guided fuzzing with SharpFuzz)
      afl++)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
