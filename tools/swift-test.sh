#!/usr/bin/env bash
# Runs `swift test --skip-build ARGS...` under a time limit and, when it fails,
# repeats the failing tests' issue lines at the very end of the output, so a
# CI log that keeps only its tail still says which test failed and why.
#
# A test process that has printed its final "Test run with N tests ..." line
# but has not exited 60 s later (SWIFT_TEST_EXIT_GRACE) FAILS the run, whatever that line says: a
# process that does not exit is a bug (a task, thread, child process or handle
# left behind). Before it is killed, the log gets what is still alive: the
# process tree with each process's open pipes, and every thread's stack of
# each process still in the group (gdb, when installed), so the cause is in
# the CI log rather than guessed at.
#
# usage: tools/swift-test.sh LIMIT_SECONDS LABEL [swift test arguments...]
set -uo pipefail
limit=$1
label=$2
shift 2
grace=${SWIFT_TEST_EXIT_GRACE:-60}  # seconds a finished test process has to exit
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
  if [ -n "$finished_at" ] && [ $((now - finished_at)) -ge "$grace" ]; then verdict="no-exit"; break; fi
  if [ $((now - start)) -ge "$limit" ]; then verdict="timeout"; break; fi
done
# What is still alive in the test run's process group, and where each thread is.
diagnose() {
  echo
  echo "=== $label: processes still running in the test's process group ==="
  local members
  members=$(ps -eo pid=,pgid= | awk -v g="$pid" '$2 == g {print $1}')
  # shellcheck disable=SC2086
  [ -n "$members" ] && ps -o pid,ppid,stat,etime,args -p "$(echo $members | tr ' ' ,)" | cut -c1-200
  for p in $members; do
    echo "--- pid $p: open pipes and sockets"
    ls -l "/proc/$p/fd" 2>/dev/null | awk '/pipe:|socket:/ {print "  " $9 " -> " $11}'
    if command -v gdb >/dev/null 2>&1; then
      echo "--- pid $p: thread stacks"
      timeout 60 gdb -p "$p" -batch -nx -ex "set pagination off" -ex "thread apply all bt 25" 2>/dev/null \
        | grep -E '^(Thread|#)' | cut -c1-220 | head -400
    fi
  done
  echo "=== end of $label processes ==="
}
if [ -n "$verdict" ]; then
  diagnose
  kill -9 -- -"$pid" 2>/dev/null
fi
wait "$pid"
rc=$?
wait "$tailer" 2>/dev/null

if [ "$verdict" = "no-exit" ]; then
  echo
  echo "=== $label: every test had finished, but the test process had not exited $grace s later: killed it, and the run FAILS (see the processes above) ==="
  rc=125
elif [ "$verdict" = "timeout" ]; then
  rc=124
fi

if [ "$rc" -ne 0 ]; then
  echo
  echo "=== $label: FAILED (exit $rc) ==="
  if [ "$rc" -eq 125 ]; then
    echo "the test process did not exit after its last test (exit code 125 is this script's): what was left running is listed above"
  fi
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
