#!/usr/bin/env bash
# Runs `swift test --skip-build ARGS...` under a time limit and, when it fails,
# repeats the failing tests' issue lines at the very end of the output, so a
# CI log that keeps only its tail still says which test failed and why.
#
# A test process that has printed its final "Test run with N tests ..." line
# but has not exited 60 s later is killed, and the run is judged by that line
# (with a loud warning): this was seen once in about 40 runs of the suite, with
# every test finished, the process parked in the Swift runtime's main-queue
# loop and no thread of ours left running.
#
# usage: tools/swift-test.sh LIMIT_SECONDS LABEL [swift test arguments...]
set -uo pipefail
limit=$1
label=$2
shift 2
log=$(mktemp "${TMPDIR:-/tmp}/vigil-swift-test.XXXXXX")
trap 'rm -f "$log" "$log.started" "$log.ended"' EXIT

set -m  # the test run gets its own process group, so it can be killed whole
"${SWIFT:-swift}" test --skip-build "$@" > "$log" 2>&1 &
pid=$!
set +m
tail -n +1 -f --pid="$pid" "$log" &
tailer=$!

start=$(date +%s)
finished_at=""
verdict=""  # "", "timeout" or "no-exit"
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  now=$(date +%s)
  if [ -z "$finished_at" ] && grep -qE '^. Test run with .* (passed|failed) after' "$log"; then finished_at=$now; fi
  if [ -n "$finished_at" ] && [ $((now - finished_at)) -ge 60 ]; then verdict="no-exit"; break; fi
  if [ $((now - start)) -ge "$limit" ]; then verdict="timeout"; break; fi
done
if [ -n "$verdict" ]; then kill -9 -- -"$pid" 2>/dev/null; fi
wait "$pid"
rc=$?
wait "$tailer" 2>/dev/null

if [ "$verdict" = "no-exit" ]; then
  echo
  echo "=== $label: WARNING: every test had finished, but the test process had not exited 60 s later; killed it ==="
  if grep -qE '^. Test run with .* passed after' "$log"; then rc=0; else rc=1; fi
elif [ "$verdict" = "timeout" ]; then
  rc=124
fi

if [ "$rc" -ne 0 ]; then
  echo
  echo "=== $label: FAILED (exit $rc) ==="
  if [ "$rc" -eq 124 ]; then
    echo "no result after $limit s: a test hangs. Tests started but never finished:"
    # Swift Testing prints "◇ Test x() started." and "✔/✘ Test x() passed/failed after …".
    sed -n '/^◇ Test case /d; /^◇ Test run started/d; s/^◇ Test \(.*\) started\.$/\1/p' "$log" | sort -u > "$log.started"
    sed -n -E 's/^[✔✘] Test (.*) (passed|failed) after .*/\1/p' "$log" | sed -E 's/ with [0-9]+ test cases?$//' | sort -u > "$log.ended"
    comm -23 "$log.started" "$log.ended" | sed 's/^/  /'
  fi
  echo "issues recorded (each with the lines after it):"
  grep -A4 'recorded an issue\|Test .* failed\|error:' "$log" | grep -v '^--$' | head -80 | sed 's/^/  /'
  echo "=== end of $label failures ==="
fi
exit "$rc"
