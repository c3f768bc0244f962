#!/usr/bin/env bash
# Installs the Debian packages the tests, the demo and the benchmarks need. Idempotent.
set -euo pipefail
pkgs=(python3 curl iproute2 iputils-ping iptables tshark tcpdump iperf3 procps psmisc socat openssl util-linux
      # the interop tests' strongSwan peer (tests/Rampart.Interop.Tests/Harness/StrongSwanPeer.cs): charon, swanctl
      # and vici, socket-default, openssl, and kernel-libipsec (ESP in userspace) from libcharon-extra-plugins
      strongswan-charon strongswan-swanctl strongswan-libcharon libstrongswan libstrongswan-standard-plugins
      libcharon-extra-plugins
      # the benchmarks' strongSwan (bench/ike-rate.sh); pki makes the interop certificate tests' CAs and certificates
      strongswan-pki libstrongswan-extra-plugins
      # fuzz/run.sh (coverage-guided fuzzing with SharpFuzz)
      afl++)
# the Kerberos lab (src/Rampart.Lab/KerberosRealm.cs, KdcHost.cs): a private MIT realm and its KDC, klist; noninteractive,
# krb5-config's default /etc/krb5.conf is never read (every lab process gets KRB5_CONFIG)
pkgs+=(krb5-kdc krb5-admin-server krb5-user)
pkgs+=(passwd) # useradd and groupadd: the control socket tests run the CLI as unprivileged users (setpriv, util-linux)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
