#!/usr/bin/env bash
# Runs every test in the solution and ends with one line: "N passed, N failed".
# Tests that need root, network namespaces or Debian packages fail (never skip) when those are missing;
# .ci/install-deps.sh installs the packages (run here first when root; it is idempotent).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
if [[ $EUID -eq 0 ]]; then
  .ci/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
dotnet build Rampart.slnx -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet test Rampart.slnx -c Release --no-build -nologo --logger "trx" --results-directory "$results" "$@"
status=$?
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(sys.argv[1] + "/*.trx")
for f in files:
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed")); failed += int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    skipped += int(c.get("notExecuted"))
if not files:
    failed += 1
# A skipped test is a test that did not prove anything: count it as failed so nothing is skipped silently.
print(f"{passed} passed, {failed + skipped} failed")
sys.exit(1 if failed + skipped else 0)
PY
summary=$?
[[ $status -eq 0 && $summary -eq 0 ]]
