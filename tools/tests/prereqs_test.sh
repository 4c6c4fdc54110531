#!/usr/bin/env bash
# Tests tools/prereqs.sh without installing anything: its pure helpers (sourced), and whole runs
# on the path systems other than Debian/Ubuntu take (VIGIL_PREREQS_OS=other), with checks made
# to fail on purpose (VIGIL_PREREQS_MISSING). Run by `make test` (the test-tools target).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tools/prereqs.sh
source tools/prereqs.sh
set +e

failures=0
pass() { :; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {  # expect DESCRIPTION COMMAND...: the command succeeds
  local what=$1; shift
  if "$@"; then pass; else fail "$what"; fi
}
expect_not() {
  local what=$1; shift
  if "$@"; then fail "$what"; else pass; fi
}

# version_ge
expect "6.3.1 >= 6.2" version_ge 6.3.1 6 2
expect "6.2 >= 6.2" version_ge 6.2 6 2
expect "7.0 >= 6.2" version_ge 7.0 6 2
expect "6.10 >= 6.2" version_ge 6.10 6 2
expect_not "6.1.2 < 6.2" version_ge 6.1.2 6 2
expect_not "5.10 < 6.2" version_ge 5.10 6 2
expect_not "empty is no version" version_ge "" 6 2
expect "6.3-dev >= 6.2" version_ge 6.3-dev 6 2

# swift_version_from
[[ $(swift_version_from "Swift version 6.3.1 (swift-6.3.1-RELEASE)
Target: x86_64-unknown-linux-gnu") == 6.3.1 ]] || fail "swift_version_from: release"
[[ $(swift_version_from "Swift version 6.2-dev (LLVM abc, Swift def)") == 6.2 ]] || fail "swift_version_from: snapshot"
[[ $(swift_version_from "swift-driver version: 1.127 Apple Swift version 6.2 (swiftlang-6.2.0.19.9 clang-1700.3.19.1)") == 6.2 ]] ||
  fail "swift_version_from: Apple"
[[ -z $(swift_version_from "bash: swift: command not found") ]] || fail "swift_version_from: no swift"

# os_family
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prereqs-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'ID=debian\nVERSION_ID="12"\n' >"$tmp/debian"
printf 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n' >"$tmp/ubuntu"
printf 'ID=linuxmint\nID_LIKE="ubuntu debian"\n' >"$tmp/mint"
printf 'ID="fedora"\nVERSION_ID=40\n' >"$tmp/fedora"
printf 'ID="rocky"\nID_LIKE="rhel centos fedora"\n' >"$tmp/rocky"
for f in debian ubuntu mint; do
  [[ $(VIGIL_PREREQS_OS="" os_family "$tmp/$f") == debian ]] || fail "os_family $f"
done
for f in fedora rocky missing; do
  [[ $(VIGIL_PREREQS_OS="" os_family "$tmp/$f") == other ]] || fail "os_family $f"
done
[[ $(VIGIL_PREREQS_OS=other os_family "$tmp/debian") == other ]] || fail "VIGIL_PREREQS_OS overrides os-release"

# Whole runs on the "other" path: nothing is installed, the commands are printed, exit 1.
out=$(VIGIL_PREREQS_OS=other VIGIL_PREREQS_MISSING="libcurl4-openssl-dev prometheus kubectl.1.27" tools/prereqs.sh test 2>&1)
rc=$?
[[ $rc == 1 ]] || fail "other OS, missing packages: exit $rc, not 1"
[[ $out == *"apt-get install -y --no-install-recommends libcurl4-openssl-dev prometheus"$'\n'* ]] ||
  fail "other OS: the apt-get command is printed with exactly the missing packages"
[[ $out == *"curl/curl.h"* && $out == *"/usr/bin/prometheus"* ]] || fail "other OS: says what was looked for"
[[ $out == *"missing kubectl.1.27"*"dl.k8s.io/release/v1.27.0"* ]] || fail "kubectl.1.27: how to get it"
[[ $out != *"installed "* ]] || fail "other OS: nothing is installed"

# demo needs neither Prometheus nor kubectl.1.27 ...
out=$(VIGIL_PREREQS_OS=other VIGIL_PREREQS_MISSING="prometheus nginx-light kubectl.1.27" tools/prereqs.sh demo 2>&1)
rc=$?
[[ $rc == 0 && -z $out ]] || fail "demo without Prometheus, nginx, kubectl.1.27: exit $rc, output: $out"
# ... but kubectl.1.33 (demo/demo.py runs it) and Swift.
out=$(VIGIL_PREREQS_OS=other VIGIL_PREREQS_MISSING="swift kubectl.1.33" tools/prereqs.sh demo 2>&1)
rc=$?
[[ $rc == 1 && $out == *"Swift 6.2 or newer"* && $out == *"missing kubectl.1.33"* ]] ||
  fail "demo without Swift and kubectl.1.33: exit $rc, output: $out"

out=$(tools/prereqs.sh nonsense 2>&1)
[[ $? == 2 && $out == usage:* ]] || fail "an unknown mode is a usage error"

if (( failures )); then echo "tools/tests/prereqs_test.sh: $failures failed" >&2; exit 1; fi
echo "tools/tests/prereqs_test.sh: all passed"
