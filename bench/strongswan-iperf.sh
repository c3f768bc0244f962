#!/usr/bin/env bash
# iperf3 TCP throughput (1 stream) through strongSwan 5.9.8's userspace ESP (kernel-libipsec, ESP in UDP 4500,
# tunnel mode) between two private charons, one per network namespace: the reference bench/iperf.sh compares
# Rampart with. Debian's packages only (.ci/install-deps.sh); each charon has its own configuration directory,
# vici socket, log and pid file under a temporary directory and its own /run (a private mount namespace), and is
# stopped by PID at the end. The same peer as the interop tests (tests/Rampart.Interop.Tests/Harness/StrongSwanPeer.cs).
# Usage: sudo bench/strongswan-iperf.sh    (env: SECONDS_PER_RUN=10, ESP=aes128gcm16)
# Prints: BENCH strongSwan libipsec ESP <esp> (tunnel, UDP-encap): N Mbit/s
set -euo pipefail
seconds="${SECONDS_PER_RUN:-10}"
esp="${ESP:-aes128gcm16}"
charon=/usr/lib/ipsec/charon
[[ $EUID -eq 0 ]] || { echo "strongswan-iperf.sh: run as root (network namespaces, TUN, mounts)" >&2; exit 1; }
for tool in ip iperf3 swanctl unshare "$charon"; do
  command -v "$tool" >/dev/null || { echo "strongswan-iperf.sh: '$tool' missing (run .ci/install-deps.sh)" >&2; exit 1; }
done
[[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]] ||
  { echo "strongswan-iperf.sh: kernel-libipsec missing (apt-get install libcharon-extra-plugins)" >&2; exit 1; }

ns_a="rswan-$$-a"; ns_b="rswan-$$-b"; a=192.0.2.1; b=192.0.2.2
work="$(mktemp -d /tmp/rampart-swan-iperf.XXXXXX)"
pids=()
cleanup() {
  # charon first, by PID, so it removes its SAs and TUN device; then whatever is left in the namespaces.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
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
  # Decrypted packets come in on charon's TUN device: no reverse-path filtering.
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
done

write_conf() {   # $1 = directory, $2 = local address, $3 = remote address
  mkdir -p "$1/run"; chmod 700 "$1"
  # kernel-libipsec before kernel-netlink (it must be the IPsec back end); charon's own sockets carry mark 0x42 so
  # the host-to-host tunnel route (table 220, "not fwmark 0x42") does not capture IKE and ESP-in-UDP.
  cat >"$1/strongswan.conf" <<EOF
charon {
    load = kernel-libipsec kernel-netlink socket-default vici random nonce openssl sha1 sha2 hmac kdf
    install_virtual_ip = no
    routing_table = 220
    routing_table_prio = 220
    filelog {
        bench {
            path = $1/charon.log
            default = 1
        }
    }
    syslog {
    }
    plugins {
        vici {
            socket = unix://$1/run/charon.vici
        }
        kernel-libipsec {
            allow_peer_ts = yes
            mtu = 1400
        }
        kernel-netlink {
            fwmark = !0x42
        }
        socket-default {
            fwmark = 0x42
        }
    }
}
swanctl {
    socket = unix://$1/run/charon.vici
    load = random nonce openssl
}
EOF
  cat >"$1/swanctl.conf" <<EOF
connections {
    bench {
        local_addrs = $2
        remote_addrs = $3
        proposals = aes128-sha256-x25519
        local {
            auth = psk
            id = $2
        }
        remote {
            auth = psk
            id = $3
        }
        children {
            bench-tun {
                mode = tunnel
                esp_proposals = $esp
            }
        }
    }
}
secrets {
    ike-bench {
        secret = "bench-psk-not-a-secret"
    }
}
EOF
  chmod 600 "$1/swanctl.conf"
}

swanctl_in() {   # $1 = directory, then swanctl's arguments
  local dir=$1; shift
  STRONGSWAN_CONF="$dir/strongswan.conf" SWANCTL_DIR="$dir" swanctl "$@"
}

start_charon() {   # $1 = namespace, $2 = directory; charon 5.9.8 always writes /run/charon.pid: give it its own /run
  STRONGSWAN_CONF="$2/strongswan.conf" ip netns exec "$1" unshare --mount --propagation private -- \
    sh -c 'mount --bind "$0" /run && exec "$1"' "$2/run" "$charon" >"$2/charon.out" 2>&1 </dev/null &
  pids+=($!)   # ip netns exec, unshare and sh all exec: this is charon's PID
  for _ in $(seq 1 150); do
    [[ -S "$2/run/charon.vici" ]] && swanctl_in "$2" --stats >/dev/null 2>&1 && return
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "strongswan-iperf.sh: charon did not start in $1:" >&2; cat "$2/charon.out" "$2/charon.log" >&2 2>/dev/null; exit 1
}

write_conf "$work/a" "$a" "$b"
write_conf "$work/b" "$b" "$a"
start_charon "$ns_a" "$work/a"
start_charon "$ns_b" "$work/b"
for side in a b; do
  # stderr: warnings about credential directories a pre-shared key does not need
  swanctl_in "$work/$side" --load-all >"$work/load.log" 2>&1 || { cat "$work/load.log" >&2; exit 1; }
done
swanctl_in "$work/a" --initiate --ike bench --child bench-tun --timeout 30 >"$work/initiate.log" 2>&1 ||
  { cat "$work/initiate.log" "$work/a/charon.log" >&2; exit 1; }
ip netns exec "$ns_a" ping -c 1 -W 2 "$b" >/dev/null || { echo "strongswan-iperf.sh: no ping through the tunnel" >&2; exit 1; }

ip netns exec "$ns_b" iperf3 -s -B "$b" -p 5201 >"$work/iperf-server.log" 2>&1 &
server=$!
sleep 0.5
ip netns exec "$ns_a" iperf3 -c "$b" -p 5201 -t "$seconds" -P 1 -f m >"$work/iperf.log" 2>&1 ||
  { cat "$work/iperf.log" >&2; exit 1; }
kill -TERM "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
# Every byte crossed the wire as ESP: strongSwan's inbound CHILD_SA counted them.
swanctl_in "$work/b" --list-sas | grep -q 'INSTALLED, TUNNEL-in-UDP' ||
  { echo "strongswan-iperf.sh: no UDP-encapsulated tunnel SA" >&2; exit 1; }
mbits=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i-1) } END { print v + 0 }' "$work/iperf.log")
echo "BENCH strongSwan libipsec ESP $esp (tunnel, UDP-encap): $mbits Mbit/s"
