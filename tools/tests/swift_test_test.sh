#!/usr/bin/env bash
# Tests tools/swift-test.sh with stand-in `swift` commands (SWIFT=...): a pass, a failure, a hang
# (time limit) and a test process that prints its last line but does not exit (a failure, with
# what was left running in the log). Run by `make test` (the test-tools target); about 10 s.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

stand_in() {  # stand_in NAME BODY: an executable stand-in for `swift`
  printf '#!/usr/bin/env bash\n%s\n' "$2" > "$dir/$1"
  chmod +x "$dir/$1"
}
stand_in pass 'echo "◇ Test a() started."; echo "✔ Test a() passed after 0.1 seconds."; echo "✔ Test run with 1 test in 1 suite passed after 0.1 seconds."'
stand_in failing 'echo "◇ Test a() started."; echo "✘ Test a() recorded an issue at X.swift:3:5: Expectation failed: 1 == 2"; echo "✘ Test run with 1 test in 1 suite failed after 0.1 seconds with 1 issue."; exit 1'
stand_in hang 'echo "◇ Test slow() started."; echo "◇ Test quick() started."; echo "✔ Test quick() passed after 0.1 seconds."; exec sleep 300'
stand_in no_exit 'echo "✔ Test run with 1 test in 1 suite passed after 0.1 seconds."; sleep 300 & wait'

run() {  # run STAND_IN LIMIT: sets rc and out
  out=$(SWIFT="$dir/$1" SWIFT_TEST_EXIT_GRACE=2 tools/swift-test.sh "$2" "stand-in $1" 2>&1)
  rc=$?
}

run pass 30
[[ $rc == 0 && $out != *FAILED* ]] || fail "a passing run: exit $rc, output: $out"

run failing 30
[[ $rc == 1 && $out == *"=== stand-in failing: FAILED (exit 1) ==="* && $out == *"Expectation failed: 1 == 2"* ]] ||
  fail "a failing run must fail and repeat the issue at the end: exit $rc, output: $out"

start=$(date +%s)
run hang 3
[[ $rc == 124 && $out == *"a test hangs. Tests started but never finished:"* && $out == *"  slow()"* && $out != *"  quick()"* ]] ||
  fail "a hang must fail at the limit and name the test that never finished: exit $rc, output: $out"
(( $(date +%s) - start < 20 )) || fail "the hang was not stopped at its limit"
pgrep -f "$dir/hang" >/dev/null && fail "the hanging stand-in was left running"

run no_exit 30
[[ $rc == 125 && $out == *"had not exited 2 s later"* && $out == *"the run FAILS"* && $out == *"processes still running in the test's process group"* && $out == *"sleep 300"* ]] ||
  fail "a test process that does not exit must fail, listing what was left running: exit $rc, output: $out"
pgrep -f "$dir/no_exit" >/dev/null && fail "the stand-in that did not exit was left running"

if (( failures )); then echo "tools/tests/swift_test_test.sh: $failures failed" >&2; exit 1; fi
echo "tools/tests/swift_test_test.sh: all passed"
