#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ and SharpFuzz.
#   fuzz/run.sh TARGET SECONDS   fuzz one target (ike-parse, ike-engine, esp, policy-import, control)
#   fuzz/run.sh all SECONDS      fuzz every target SECONDS each
# Installs afl++ if missing, restores the sharpfuzz tool, publishes and instruments the harness, runs afl-fuzz
# from fuzz/corpus/TARGET, copies each crashing input to fuzz/crashes/TARGET/ and ends with "N execs, N crashes".
# Environment: FUZZ_NICE (nice level for afl-fuzz, default 0), FUZZ_WORK (build and output folder, default artifacts/fuzz),
# FUZZ_REUSE_BIN=1 (fuzz with the build a previous run left in FUZZ_WORK).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
targets=(ike-parse ike-engine esp policy-import control)

usage() { echo "usage: fuzz/run.sh TARGET|all SECONDS (targets: ${targets[*]})" >&2; exit 2; }
[[ $# -eq 2 && "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]] || usage
if [[ "$1" == all ]]; then selected=("${targets[@]}"); else
  [[ " ${targets[*]} " == *" $1 "* ]] || usage
  selected=("$1")
fi
seconds="$2"

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
dotnet tool restore >/dev/null

# Publish into a fresh folder each time: the instrumented assemblies are rewritten in place. FUZZ_REUSE_BIN=1 takes
# the folder a previous run instrumented (several targets fuzzed in parallel from one build).
work="${FUZZ_WORK:-$root/artifacts/fuzz}"
bin="$work/bin"
if [[ "${FUZZ_REUSE_BIN:-0}" != 1 || ! -f "$bin/instrumented" ]]; then
rm -rf "$bin"
dotnet publish fuzz/Rampart.Fuzz/Rampart.Fuzz.csproj -c Release -nologo -v q -o "$bin" >/dev/null
# Seeds come from the harness before instrumentation (instrumented code runs only under afl-fuzz).
for target in "${selected[@]}"; do
  if [[ -z "$(ls -A "fuzz/corpus/$target" 2>/dev/null)" ]]; then
    dotnet "$bin/rampart-fuzz.dll" seeds "$target" "fuzz/corpus/$target"
  fi
done
for assembly in Rampart.Core.dll Rampart.Ike.dll Rampart.DataPath.dll rampartd.dll; do
  dotnet tool run sharpfuzz "$bin/$assembly" >/dev/null
done
touch "$bin/instrumented"
fi

export AFL_SKIP_BIN_CHECK=1            # dotnet itself is not instrumented; SharpFuzz speaks the fork server protocol
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_QUIET=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FAST_CAL=1
total_execs=0 total_crashes=0
for target in "${selected[@]}"; do
  corpus="$root/fuzz/corpus/$target"
  out="$work/out/$target"
  # Under heavy load AFL++ sometimes sees no coverage from the first dry run ("No instrumentation detected"): try again.
  for attempt in 1 2 3; do
    rm -rf "$out"; mkdir -p "$out"
    nice -n "${FUZZ_NICE:-0}" afl-fuzz -i "$corpus" -o "$out" -t 5000 -m none -V "$seconds" \
      -- dotnet "$bin/rampart-fuzz.dll" "$target" >"$out.log" 2>&1 && break
    grep -q "No instrumentation detected" "$out.log" && [[ $attempt -lt 3 ]] && continue
    echo "afl-fuzz failed for $target:" >&2; tail -20 "$out.log" >&2; exit 1
  done
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F: '$1 ~ /^execs_done/ {gsub(/ /, "", $2); print $2}' "$stats")
  crashes=$(awk -F: '$1 ~ /^(saved_crashes|unique_crashes)/ {gsub(/ /, "", $2); print $2; exit}' "$stats")
  speed=$(awk -F: '$1 ~ /^execs_per_sec/ {gsub(/ /, "", $2); print $2}' "$stats")
  for crash in "$out"/default/crashes/id*; do
    [[ -e "$crash" ]] || continue
    mkdir -p "$root/fuzz/crashes/$target"
    cp "$crash" "$root/fuzz/crashes/$target/$(sha1sum "$crash" | cut -c1-16)"
    echo "crash: $target: fuzz/crashes/$target/$(sha1sum "$crash" | cut -c1-16)"
  done
  echo "$target: $execs execs in ${seconds}s ($speed/s), $crashes crashes"
  total_execs=$((total_execs + execs)) total_crashes=$((total_crashes + crashes))
done
echo "$total_execs execs, $total_crashes crashes"
