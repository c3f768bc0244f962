#!/usr/bin/env bash
# IKE negotiation rate, Rampart beside strongSwan in the same run (as root):
#   1. bench/ike-rate: IKEv1 Main Mode + Quick Mode (PSK, aes128-sha256, DH 14 then DH 19, ESP AES-GCM-128)
#      between Rampart engines in memory, $IKE_RATE_THREADS initiator/responder pairs on the machine's cores;
#   2. bench/ike-rate-agents.sh: the same negotiations between two real rampartd in network namespaces, over UDP,
#      SAs installed in both data paths, driven by UDP echoes through a Negotiate filter (concurrency 4 and 8);
#   3. strongSwan 5.9.8's `bench.sh rate` (load-tester plugin, IKEv2 PSK + CHILD_SA with a fake kernel,
#      two charons in network namespaces) with the same groups, count and initiators.
# strongSwan's load-tester speaks IKEv2 only, so the comparison is per DH group, not per protocol version.
# Environment: IKE_RATE_N (1000), IKE_RATE_THREADS (2), the IKE_RATE_* of ike-rate-agents.sh, SS_EXTRA_PLUGIN_DIR
# (default: artifacts/strongswan-plugins, built once with the harness's build-extra-plugins.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count=${IKE_RATE_N:-1000}
threads=${IKE_RATE_THREADS:-2}

peer=""
for dir in "$root/.." "$root/../.." "$root/../../.."; do
  [[ -x "$dir/shared/peers/strongswan/bench.sh" ]] && { peer="$(cd "$dir/shared/peers/strongswan" && pwd)"; break; }
done

out="$root/artifacts/ike-rate"
dotnet build "$root/bench/ike-rate/Rampart.IkeRate.csproj" -c Release -o "$out" -nologo -v q >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
status=0
dotnet "$out/ike-rate.dll" engines "$count" "$threads" || status=1
if [[ $(id -u) == 0 ]]; then
  bash "$root/bench/ike-rate-agents.sh" || status=1
else
  echo "Rampart agents: needs root (network namespaces)" >&2
  status=1
fi

if [[ -z "$peer" ]]; then
  echo "strongSwan: skipped (shared/peers/strongswan not found next to $root)" >&2
  exit 1
fi
if [[ $(id -u) != 0 ]]; then
  echo "strongSwan: needs root (network namespaces)" >&2
  exit 1
fi
plugins="${SS_EXTRA_PLUGIN_DIR:-$root/artifacts/strongswan-plugins}"
bash "$peer/build-extra-plugins.sh" "$plugins" >/dev/null 2>&1 || { echo "strongSwan: building the load-tester plugin failed (run $peer/build-extra-plugins.sh $plugins)" >&2; exit 1; }
echo "load average before strongSwan: $(cut -d' ' -f1-3 /proc/loadavg)"
SS_EXTRA_PLUGIN_DIR="$plugins" SS_LEFT_NS="ikerate-$$-l" SS_RIGHT_NS="ikerate-$$-r" \
  SS_BENCH_RATE_N="$count" SS_BENCH_RATE_INITIATORS="$threads" \
  SS_BENCH_RATE_IKE="aes128-sha256-modp2048 aes128-sha256-ecp256" \
  bash "$peer/bench.sh" rate 2>/dev/null | grep -E '^BENCH|responder:' || status=1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
