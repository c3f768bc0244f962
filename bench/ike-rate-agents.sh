#!/usr/bin/env bash
# IKEv1 Main Mode + Quick Mode negotiations per second between two real rampartd (as root):
# namespaces A (192.0.2.1) and B (192.0.2.2 plus 198.51.100.1-254 and 203.0.113.1-254) joined by a veth, a policy
# on each built with the rampart CLI (PSK, ESP AES-GCM-128, main mode aes-cbc-128/sha256/GROUP), a UDP echo server
# on every address of B and `ike-rate probe` in A. Each address of B is a fresh Main Mode + Quick Mode (A's SAs
# are bound per filter and host pair, its main modes per peer address); the echo returns once both agents
# installed the SA pair. For each group and concurrency K the agents are started afresh, a few addresses warm up
# (not counted), and after the run both agents must show the expected SAs and main modes and no failures.
#
# IKE_RATE_INITIATORS=distinct (the default) also gives A the addresses 192.0.2.3-254 and probes the i-th address
# of B from the i-th of them, so B sees a distinct peer in every negotiation too (at most 244 counted). With
# `single` every negotiation comes from 192.0.2.1, as Windows 2000 hosts with one address would; the responder
# engine then lets each new Main Mode's INITIAL-CONTACT delete the SAs of the earlier ones from that address
# (IkeV1Engine.ForgetOtherSas matches the remote address only, not the local one), so that mode fails its checks
# until the engine is fixed (see docs/ike-benchmarks.md).
# The prober resends every IKE_RATE_RESEND_MS (100) while it waits: the initiator releases the held datagram as soon
# as it installed its SAs, but the responder installs its own only when Quick Mode's third message arrives, so
# the datagram is sometimes there first and dropped (B's badSpiPackets); a one-second resend would measure that
# race rather than IKE.
# Environment: IKE_RATE_AGENT_N (240 counted negotiations), IKE_RATE_CONCURRENCY ("4 8": the responder allows 8
# half-open main modes per source), IKE_RATE_GROUPS ("modp2048 ecp256"), IKE_RATE_INITIATORS (distinct|single),
# IKE_RATE_RESEND_MS (100), IKE_RATE_IKE_TRACE (on|off: the agents' IKE trace, on by default as in a fresh
# install), IKE_RATE_AGENT_ENV (DOTNET_TieredCompilation=0: the agents run fully optimised code from the start, as a
# long-running daemon does after its first minutes; empty = a fresh agent's tiered JIT, about half the rate),
# IKE_RATE_SUCCESS_AUDIT (on|off: auditing of established SAs, on by default), IKE_RATE_KEEP_WORKDIR (1 = keep the agents' homes, logs and traces in the printed directory).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count=${IKE_RATE_AGENT_N:-240}
initiators=${IKE_RATE_INITIATORS:-distinct}
concurrencies=${IKE_RATE_CONCURRENCY:-4 8}
groups=${IKE_RATE_GROUPS:-modp2048 ecp256}
ike_trace=${IKE_RATE_IKE_TRACE:-on}
resend_ms=${IKE_RATE_RESEND_MS:-100}
success_audit=${IKE_RATE_SUCCESS_AUDIT:-on}
agent_env=${IKE_RATE_AGENT_ENV-DOTNET_TieredCompilation=0}
warmup=8
port=7
psk=ABC123

[[ $(id -u) == 0 ]] || { echo "ike-rate-agents: needs root (network namespaces, netfilter)" >&2; exit 1; }
for tool in ip iptables jq; do
  command -v "$tool" >/dev/null || { echo "ike-rate-agents: $tool is missing (apt-get install iproute2 iptables jq)" >&2; exit 1; }
done
case $initiators in
  distinct) max=$((252 - warmup)) ;;
  single) max=$((508 - warmup)) ;;
  *) echo "ike-rate-agents: IKE_RATE_INITIATORS must be distinct or single" >&2; exit 1 ;;
esac
(( count >= 1 && count <= max )) || { echo "ike-rate-agents: IKE_RATE_AGENT_N must be 1 to $max with IKE_RATE_INITIATORS=$initiators" >&2; exit 1; }

"$root/rampart" --help >/dev/null   # builds the CLI and rampartd into artifacts/bin
bin="$root/artifacts/bin"
driver="$root/artifacts/ike-rate"
dotnet build "$root/bench/ike-rate/Rampart.IkeRate.csproj" -c Release -o "$driver" -nologo -v q >/dev/null

ns_a="ikeagents-$$-a"
ns_b="ikeagents-$$-b"
work="$(mktemp -d /tmp/ike-rate-agents.XXXXXX)"
declare -A pids=()
stop() {   # stop NAME: SIGTERM the process started under NAME, wait for it
  local pid=${pids[$1]:-}
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "pids[$1]"
}
cleanup() {
  local name
  for name in "${!pids[@]}"; do stop "$name"; done
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  if [[ ${IKE_RATE_KEEP_WORKDIR:-0} == 1 ]]; then echo "ike-rate-agents: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns_a"
ip netns add "$ns_b"
ip -n "$ns_a" link add veth-a type veth peer name veth-b netns "$ns_b"
ip -n "$ns_a" link set lo up
ip -n "$ns_b" link set lo up
ip -n "$ns_a" addr add 192.0.2.1/24 dev veth-a
ip -n "$ns_b" addr add 192.0.2.2/24 dev veth-b
ip -n "$ns_a" link set veth-a up
ip -n "$ns_b" link set veth-b up
{
  for host in $(seq 1 254); do
    echo "addr add 198.51.100.$host/32 dev veth-b"
    echo "addr add 203.0.113.$host/32 dev veth-b"
  done
} | ip -n "$ns_b" -batch -
if [[ $initiators == distinct ]]; then
  for host in $(seq 3 254); do echo "addr add 192.0.2.$host/32 dev veth-a"; done | ip -n "$ns_a" -batch -
fi
ip -n "$ns_a" route add 198.51.100.0/24 via 192.0.2.2
ip -n "$ns_a" route add 203.0.113.0/24 via 192.0.2.2

# Targets: warm-up first, then the counted ones, alternating between the two /24s of B.
targets=()
for host in $(seq 1 254); do targets+=("198.51.100.$host" "203.0.113.$host"); done
targets=("${targets[@]:0:$((warmup + count))}")
sources=()
if [[ $initiators == distinct ]]; then
  sources=(--sources "192.0.2.3-$((2 + warmup + count))")
fi

home_a="$work/a"
home_b="$work/b"
cli() {   # cli HOST ARGS...: the rampart CLI in that host's namespace and home
  local host=$1; shift
  local ns=$ns_a home=$home_a
  [[ $host == b ]] && { ns=$ns_b; home=$home_b; }
  ip netns exec "$ns" env RAMPART_HOME="$home" "$bin/rampart" "$@"
}
cli a filterlist create "Bench Filter" >/dev/null
cli a filter add "Bench Filter" --src me --dst 198.51.100.0/24 >/dev/null
cli a filter add "Bench Filter" --src me --dst 203.0.113.0/24 >/dev/null
cli b filterlist create "Bench Filter" >/dev/null
if [[ $initiators == distinct ]]; then
  cli b filter add "Bench Filter" --src me --dst 192.0.2.0/24 >/dev/null
else
  cli b filter add "Bench Filter" --src me --dst 192.0.2.1 >/dev/null
fi
for host in a b; do
  cli $host filteraction create "Bench Action" --negotiate --method esp:aes-gcm-128 >/dev/null
  cli $host policy create Bench --no-default-response >/dev/null
  cli $host rule add Bench --filterlist "Bench Filter" --action "Bench Action" --auth "psk:$psk" >/dev/null
done

start_agent() {   # start_agent HOST: a fresh rampartd enforcing Bench
  local host=$1 ns=$ns_a home=$home_a
  [[ $host == b ]] && { ns=$ns_b; home=$home_b; }
  rm -rf "$home/trace"
  ip netns exec "$ns" env RAMPART_HOME="$home" ${agent_env} "$bin/rampartd" >>"$work/rampartd-$host.log" 2>&1 &
  pids[agent-$host]=$!
  for _ in $(seq 300); do
    [[ "$(cli "$host" agent status --json 2>/dev/null | jq -r '.policy.assignedPolicy // empty' 2>/dev/null)" == Bench* ]] && break
    kill -0 "${pids[agent-$host]}" 2>/dev/null || { echo "rampartd in $host exited:" >&2; tail -20 "$work/rampartd-$host.log" >&2; return 1; }
    sleep 0.1
  done
  [[ "$(cli "$host" agent status --json | jq -r '.policy.assignedPolicy // empty')" == Bench* ]] || { echo "rampartd in $host does not enforce Bench" >&2; return 1; }
  cli "$host" trace ike "$ike_trace" >/dev/null
  cli "$host" audit --success "$success_audit" >/dev/null
}

# verify HOST EXPECTED: the agent holds EXPECTED SA pairs and main modes, with no failure in its statistics.
verify() {
  local host=$1 expected=$2 sas stats
  sas=$(cli "$host" sa list --json | jq length)
  stats=$(cli "$host" monitor --once --json | jq -c '.statistics | {mainModes, quickModes, authenticationFailures, negotiationFailures, activeAssociations, badSpiPackets}')
  echo "    $host: $sas SAs, IKE $stats"
  [[ $sas == $((2 * expected)) ]] || { echo "ike-rate-agents: $host holds $sas SAs, expected $((2 * expected))" >&2; return 1; }
  jq -e --argjson n "$expected" '.mainModes == $n and .quickModes == $n and .authenticationFailures == 0 and .negotiationFailures == 0' \
    <<<"$stats" >/dev/null || { echo "ike-rate-agents: $host's IKE statistics are not $expected clean negotiations" >&2; return 1; }
}

cpu_ticks() {   # cpu_ticks PID: user + system clock ticks the process used so far
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
busiest_threads() {   # busiest_threads PID: the three threads that used the most CPU (top -H in one line)
  local task
  for task in /proc/"$1"/task/*; do
    awk '{ sub(/^[0-9]+ \(/, ""); name = $0; sub(/\) .*/, "", name); split($0, rest, ") "); split(rest[2], f, " "); print f[12] + f[13], name }' "$task/stat"
  done | sort -rn | head -3 | awk -v hz="$(getconf CLK_TCK)" '{ t = $1; $1 = ""; printf "%s%s %.0f ms", (NR > 1 ? ", " : ""), substr($0, 2), t * 1000 / hz }'
}

ip netns exec "$ns_b" dotnet "$driver/ike-rate.dll" echo "$port" 198.51.100.1-254 203.0.113.1-254 >"$work/echo.log" 2>&1 &
pids[echo]=$!

status=0
for group in $groups; do
  for host in a b; do cli $host policy set Bench --mm-method "aes-cbc-128/sha256/$group" >/dev/null; done
  cli a policy assign Bench >/dev/null
  cli b policy assign Bench >/dev/null
  for k in $concurrencies; do
    stop agent-a; stop agent-b
    start_agent b; start_agent a
    echo "load average before agents $group K=$k: $(cut -d' ' -f1-3 /proc/loadavg)"
    cpu_a=$(cpu_ticks "${pids[agent-a]}"); cpu_b=$(cpu_ticks "${pids[agent-b]}")
    ip netns exec "$ns_a" dotnet "$driver/ike-rate.dll" probe --label "Rampart agents IKEv1 PSK aes128-sha256-$group (two rampartd over UDP, $initiators initiator addresses, IKE trace $ike_trace, success audit $success_audit${agent_env:+, $agent_env})" \
      --port "$port" --concurrency "$k" --warmup "$warmup" --timeout 60 --resend-ms "$resend_ms" "${sources[@]}" "${targets[@]}" || status=1
    hz=$(getconf CLK_TCK)
    awk -v a="$(( $(cpu_ticks "${pids[agent-a]}") - cpu_a ))" -v b="$(( $(cpu_ticks "${pids[agent-b]}") - cpu_b ))" -v hz="$hz" -v n="$((warmup + count))" \
      'BEGIN { printf "    CPU per negotiation (warm-up included): rampartd A %.1f ms, B %.1f ms\n", a * 1000 / hz / n, b * 1000 / hz / n }'
    echo "    busiest threads A: $(busiest_threads "${pids[agent-a]}")"
    echo "    busiest threads B: $(busiest_threads "${pids[agent-b]}")"
    verify a $((warmup + count)) || status=1
    verify b $((warmup + count)) || status=1
  done
done
exit $status
