#!/usr/bin/env bash
# iperf3 TCP throughput (1 stream) between two network namespaces, in one run:
#   (a) the plain veth, (b) Rampart ESP AES-GCM-128 transport mode, manual SAs, the real rampartd in each
#   namespace, (c) strongSwan's userspace ESP (libipsec, aes128gcm16) between two private charons
#   (bench/strongswan-iperf.sh, Debian's packages).
# Prints the three figures and the ratios Rampart/strongSwan and Rampart/veth, and the CPU time both agents used
# per Gbit carried (user + system, from /proc/PID/stat): a figure that moves less than throughput when other work
# competes for the cores.
# Usage: sudo bench/iperf.sh            (env: SECONDS_PER_RUN=10, SKIP_STRONGSWAN=1 to measure only (a) and (b),
#                                         PERF_DATA=FILE to record `perf record -a -g` during (b))
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${SECONDS_PER_RUN:-10}"
[[ $EUID -eq 0 ]] || { echo "iperf.sh: run as root (network namespaces, netfilter queues)" >&2; exit 1; }
for tool in ip iperf3 iptables; do
  command -v "$tool" >/dev/null || { echo "iperf.sh: '$tool' missing (apt-get install iproute2 iperf3 iptables)" >&2; exit 1; }
done

"$repo/rampart" --version >/dev/null   # builds CLI + agent into artifacts/bin when sources changed
bin="$repo/artifacts/bin"
ns_a="rbench-$$-a"; ns_b="rbench-$$-b"; a=192.0.2.1; b=192.0.2.2
work="$(mktemp -d /tmp/rampart-iperf.XXXXXX)"
pids=()
agent_pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for ns in "$ns_a" "$ns_b"; do
    if [[ -e "/var/run/netns/$ns" ]]; then
      for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns_a"; ip netns add "$ns_b"
ip -n "$ns_a" link add veth-a type veth peer name veth-b netns "$ns_b"
for side in "$ns_a veth-a $a" "$ns_b veth-b $b"; do
  read -r ns dev addr <<<"$side"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
done

iperf_mbits() {   # $1 = label; receiver-side Mbit/s on stdout
  ip netns exec "$ns_a" iperf3 -c "$b" -p 5201 -t "$seconds" -P 1 -f m -V >"$work/iperf-$1.log" 2>&1 ||
    { cat "$work/iperf-$1.log" >&2; echo 0; return; }
  sed -n "s/^CPU Utilization: /BENCH $1 iperf3 CPU: /p" "$work/iperf-$1.log" >&2
  awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i-1) } END { print v + 0 }' "$work/iperf-$1.log"
}

ip netns exec "$ns_b" iperf3 -s -B "$b" -p 5201 >"$work/iperf-server.log" 2>&1 &
pids+=($!); disown
sleep 0.5
plain=$(iperf_mbits plain)
echo "BENCH plain veth: $plain Mbit/s"

start_agent() {   # $1 = namespace, $2 = home
  mkdir -p "$2"
  ip netns exec "$1" env RAMPART_HOME="$2" DOTNET_PerfMapEnabled="${PERF_DATA:+1}" "$bin/rampartd" >"$2/agent.out" 2>&1 &
  pids+=($!); agent_pids+=($!); disown
  for _ in $(seq 1 200); do [[ -S "$2/rampartd.sock" ]] && return; sleep 0.1; done
  echo "iperf.sh: rampartd did not start in $1:" >&2; cat "$2/agent.out" >&2; exit 1
}
start_agent "$ns_a" "$work/home-a"
start_agent "$ns_b" "$work/home-b"
key_ab=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
key_ba=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
for side in "$ns_a $work/home-a" "$ns_b $work/home-b"; do
  read -r ns home <<<"$side"
  ip netns exec "$ns" env RAMPART_HOME="$home" "$bin/rampart" sa add --src "$a" --dst "$b" --spi 4097 --aead "aes-gcm-128:$key_ab" >/dev/null
  ip netns exec "$ns" env RAMPART_HOME="$home" "$bin/rampart" sa add --src "$b" --dst "$a" --spi 4098 --aead "aes-gcm-128:$key_ba" >/dev/null
done
ip netns exec "$ns_a" ping -c 1 -W 2 "$b" >/dev/null || { echo "iperf.sh: no ping through Rampart ESP" >&2; exit 1; }
if [[ -n "${PERF_DATA:-}" ]]; then
  perf record -a -g -o "$PERF_DATA" -- sleep "$((seconds > 4 ? seconds - 2 : seconds))" >"$work/perf.log" 2>&1 &
  pids+=($!); disown
fi
cpu_ticks() {   # user + system clock ticks of the given processes (fields 14 and 15 of /proc/PID/stat)
  local total=0 pid
  for pid in "$@"; do total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'))); done
  echo "$total"
}
ticks_before=$(cpu_ticks "${agent_pids[@]}")
rampart=$(iperf_mbits rampart)
ticks_after=$(cpu_ticks "${agent_pids[@]}")
echo "BENCH Rampart ESP aes-gcm-128 (transport, NFQUEUE, manual SAs): $rampart Mbit/s"
awk -v t="$((ticks_after - ticks_before))" -v hz="$(getconf CLK_TCK)" -v r="$rampart" -v s="$seconds" 'BEGIN {
  printf "BENCH Rampart agents CPU: %.2f s in %d s, %.2f core-seconds per Gbit\n", t / hz, s, (r > 0 ? (t / hz) / (r * s / 1000) : 0) }'
ip netns exec "$ns_a" env RAMPART_HOME="$work/home-a" "$bin/rampart" sa list | sed 's/^/    /'
# Packets each queue took from the kernel (8th column, id sequence): against the SA packet counts above, how many
# wire packets one queue round trip carried.
for ns in "$ns_a" "$ns_b"; do
  ip netns exec "$ns" awk -v ns="$ns" '{ printf "BENCH queue %s in %s: %s packets queued\n", $1, ns, $8 }' /proc/net/netfilter/nfnetlink_queue
done
cleanup; pids=(); trap - EXIT; trap cleanup EXIT
work="$(mktemp -d /tmp/rampart-iperf.XXXXXX)"

strongswan=0
if [[ "${SKIP_STRONGSWAN:-0}" != 1 ]]; then
  ESP=aes128gcm16 SECONDS_PER_RUN="$seconds" bash "$repo/bench/strongswan-iperf.sh" >"$work/strongswan.log" 2>&1 ||
    { cat "$work/strongswan.log" >&2; echo "iperf.sh: strongSwan bench failed" >&2; exit 1; }
  grep '^BENCH' "$work/strongswan.log"
  strongswan=$(awk '/^BENCH strongSwan/ { for (i = 1; i <= NF; i++) if ($i == "Mbit/s") v = $(i-1) } END { print v + 0 }' "$work/strongswan.log")
fi
awk -v r="$rampart" -v s="$strongswan" -v p="$plain" 'BEGIN {
  printf "RESULT plain %.0f Mbit/s, Rampart %.0f Mbit/s, strongSwan %.0f Mbit/s; Rampart/strongSwan %s, Rampart/veth %.3f\n",
    p, r, s, (s > 0 ? sprintf("%.1f", r / s) : "n/a"), (p > 0 ? r / p : 0) }'
