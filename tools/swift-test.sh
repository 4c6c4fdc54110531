#!/usr/bin/env bash
# Runs `swift test --skip-build ARGS...` under a time limit and, when it fails,
# repeats the failing tests' issue lines at the very end of the output, so a
# CI log that keeps only its tail still says which test failed and why.
#
# usage: tools/swift-test.sh LIMIT_SECONDS LABEL [swift test arguments...]
set -uo pipefail
limit=$1
label=$2
shift 2
log=$(mktemp "${TMPDIR:-/tmp}/vigil-swift-test.XXXXXX")
trap 'rm -f "$log"' EXIT

timeout "$limit" "${SWIFT:-swift}" test --skip-build "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  echo
  echo "=== $label: FAILED (exit $rc) ==="
  if [ "$rc" -eq 124 ]; then
    echo "no result after $limit s: a test hangs. Tests started but never finished:"
    # Swift Testing prints "◇ Test x() started." and "✔/✘ Test x() passed/failed".
    sed -n '/^◇ Test case /d; /^◇ Test run started/d; s/^◇ Test \(.*\) started\.$/\1/p' "$log" | sort -u > "$log.started"
    sed -n -E 's/^[✔✘] Test (.*) (passed|failed) after .*/\1/p' "$log" | sed -E 's/ with [0-9]+ test cases?$//' | sort -u > "$log.ended"
    comm -23 "$log.started" "$log.ended" | sed 's/^/  /'
    rm -f "$log.started" "$log.ended"
  fi
  echo "issues recorded (each with the lines after it):"
  grep -A4 'recorded an issue\|Test .* failed\|error:' "$log" | grep -v '^--$' | head -80 | sed 's/^/  /'
  echo "=== end of $label failures ==="
fi
exit "$rc"
