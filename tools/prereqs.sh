#!/usr/bin/env bash
# Checks, and where it can installs, what `make demo` and `make test` need.
#
# usage: tools/prereqs.sh demo|test|ci
#   demo  building Vigil and kube-sim, and running demo/demo.py
#   test  everything `make test` needs (the Swift suites and the conformance suite)
#   ci    the same as test, and prints the toolchain versions for the log (.ci/run)
#
# Supported: Linux (x86_64, aarch64). On Debian 12 and Ubuntu 22.04 or newer, run as root or
# with sudo, it installs the missing apt packages (one `apt-get update`, only when something is
# missing; then `apt-get install -y --no-install-recommends ...`). Elsewhere, or without root or
# sudo, it prints what is missing and the command that installs it, and exits 1.
# For `test` and `ci` it keeps a Python virtual environment in .venv/ with
# conformance/requirements.txt installed from PyPI (never into the system's Python); it is
# re-installed only when requirements.txt changes (.venv/.vigil-requirements.txt is the copy
# that was installed). Nothing is downloaded except by apt and by pip.
#
# Not installed by this script, only checked (they are not Debian packages): Swift 6.2 or newer,
# and the versioned kubectl binaries kubectl.1.33 (demo and tests) and kubectl.1.27 (tests), on
# PATH or in /usr/lib/google-cloud-sdk/bin. When one is missing it says how to get it and fails.
#
# Quiet when everything is present (and then takes well under a second, with no apt or pip
# call); one line per thing it installs.
#
# Environment:
#   SWIFT                   the swift driver to check (default: swift), as in the Makefile
#   PYTHON3                 the interpreter that creates .venv (default: python3)
#   VIGIL_PREREQS_OS        debian | other: skip /etc/os-release detection (for testing the
#                           path other systems take: VIGIL_PREREQS_OS=other)
#   VIGIL_PREREQS_MISSING   space-separated check names to treat as missing (for testing), e.g.
#                           "prometheus kubectl.1.27 swift"; names are the Debian package names
#                           listed below, swift, kubectl.1.33, kubectl.1.27
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SWIFT=${SWIFT:-swift}
PYTHON3=${PYTHON3:-python3}
SWIFT_MIN_MAJOR=6
SWIFT_MIN_MINOR=2
GCLOUD_BIN=/usr/lib/google-cloud-sdk/bin
VENV=$ROOT/.venv
REQUIREMENTS=$ROOT/conformance/requirements.txt
VENV_STAMP=$VENV/.vigil-requirements.txt

say() { echo "prereqs: $*"; }

# version_ge A.B[.C] MAJOR MINOR: whether the version is at least MAJOR.MINOR.
version_ge() {
  local major minor
  major=${1%%.*}
  minor=${1#*.}; minor=${minor%%.*}; minor=${minor%%[!0-9]*}
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  (( major > $2 || (major == $2 && minor >= $3) ))
}

# swift_version_from TEXT: "6.3.1" from `swift --version` output (Linux and Apple forms).
swift_version_from() {
  sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' <<<"$1" | head -n 1
}

# os_family [OS_RELEASE_FILE]: "debian" for Debian, Ubuntu and their derivatives, else "other".
os_family() {
  if [[ -n ${VIGIL_PREREQS_OS:-} ]]; then echo "$VIGIL_PREREQS_OS"; return; fi
  local file=${1:-/etc/os-release} ids
  ids=$(sed -n 's/^\(ID\|ID_LIKE\)=//p' "$file" 2>/dev/null | tr -d '"' | tr '\n' ' ')
  case " $ids " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *) echo other ;;
  esac
}

pretend_missing() { [[ " ${VIGIL_PREREQS_MISSING:-} " == *" $1 "* ]]; }

# any_exists GLOB...: whether one of the paths exists.
any_exists() {
  local p
  for p in "$@"; do [[ -e $p ]] && return 0; done
  return 1
}

# find_kubectl VERSION: the path of kubectl.VERSION (PATH, then the Google Cloud SDK's bin).
find_kubectl() {
  local name=kubectl.$1
  if command -v "$name" 2>/dev/null; then return 0; fi
  if [[ -x $GCLOUD_BIN/$name ]]; then echo "$GCLOUD_BIN/$name"; return 0; fi
  return 1
}

# --------------------------------------------------------------------------------------- checks
# Each apt-installable check: name (the Debian package), whether it is present, what it is for.
# present_<check> functions return 0 when it is there; `check_apt` records what is missing.
APT_MISSING=()     # Debian package names
APT_WHY=()         # "package: what it is for (what was looked for)", same order
MANUAL=()          # things this script does not install: full explanation lines

check_apt() {  # check_apt PACKAGE "what it is for" "what was looked for" CONDITION...
  local pkg=$1 why=$2 looked=$3
  shift 3
  if ! pretend_missing "$pkg" && "$@"; then return 0; fi
  APT_MISSING+=("$pkg")
  APT_WHY+=("$pkg: $why (looked for $looked)")
}

have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_exe() { [[ -x $1 ]]; }
have_curl_dev() {
  any_exists /usr/include/curl/curl.h /usr/include/*/curl/curl.h /usr/local/include/curl/curl.h &&
    any_exists /usr/lib/*/libcurl.so /usr/lib/libcurl.so /usr/lib64/libcurl.so /usr/local/lib/libcurl.so
}
have_ssl_dev() {
  any_exists /usr/include/openssl/ssl.h /usr/include/*/openssl/ssl.h /usr/local/include/openssl/ssl.h &&
    any_exists /usr/lib/*/libcrypto.so /usr/lib/libcrypto.so /usr/lib64/libcrypto.so /usr/local/lib/libcrypto.so
}
# python_ok MIN_MINOR: python3 (3.MIN_MINOR or newer) runs.
python_ok() {
  have_cmd "$PYTHON3" && "$PYTHON3" -c "import sys; sys.exit(sys.version_info < (3, $1))" 2>/dev/null
}
venv_usable() { [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c '' 2>/dev/null; }
# Debian's python3 has no ensurepip (and so no working `python3 -m venv`) without python3-venv;
# pyenv's and python.org's builds have it. Only asked when .venv has to be created.
have_venv_module() { "$PYTHON3" -c 'import venv, ensurepip' 2>/dev/null; }

check_swift() {
  local out version
  if pretend_missing swift; then out=""; else out=$("$SWIFT" --version 2>&1) || out=""; fi
  version=$(swift_version_from "$out")
  if [[ -n $version ]] && version_ge "$version" $SWIFT_MIN_MAJOR $SWIFT_MIN_MINOR; then return 0; fi
  local found="not found"
  [[ -n $version ]] && found="found $version"
  MANUAL+=("Swift $SWIFT_MIN_MAJOR.$SWIFT_MIN_MINOR or newer ($SWIFT: $found). It is not a Debian package and this script does not install it:
      install a Swift $SWIFT_MIN_MAJOR.$SWIFT_MIN_MINOR+ toolchain for your distribution from https://www.swift.org/install/linux/
      (swiftly or the release tarball, with the system packages listed there) and put its usr/bin on PATH,
      or build in the swift:6.3-bookworm Docker image.")
}

check_kubectl() {  # check_kubectl VERSION
  local v=$1 arch
  if ! pretend_missing "kubectl.$v" && find_kubectl "$v" >/dev/null; then return 0; fi
  case $(uname -m) in aarch64 | arm64) arch=arm64 ;; *) arch=amd64 ;; esac
  MANUAL+=("kubectl.$v (kubectl $v, named kubectl.$v, on PATH or in $GCLOUD_BIN). This script does not install it. Either
      - put a kubectl $v release binary on PATH under that name:
          curl -fLo kubectl.$v https://dl.k8s.io/release/v$v.0/bin/linux/$arch/kubectl && sudo install -m 0755 kubectl.$v /usr/local/bin/kubectl.$v
      - or install kubectl from the Kubernetes apt repository for v$v (https://pkgs.k8s.io/core:/stable:/v$v/deb/,
        see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/) and copy it: sudo cp /usr/bin/kubectl /usr/local/bin/kubectl.$v
      - or install the Google Cloud CLI's kubectl package, which puts kubectl.1.27 ... kubectl.1.33 in $GCLOUD_BIN.")
}

run_checks() {  # run_checks MODE
  local mode=$1
  APT_MISSING=(); APT_WHY=(); MANUAL=()
  check_swift
  check_apt git "SwiftPM fetches the package dependencies" "git" have_cmd git
  check_apt make "the build and test entry points" "make" have_cmd make
  check_apt libcurl4-openssl-dev "Vigil's HTTP client (the CCurl shim)" "curl/curl.h and libcurl.so" have_curl_dev
  check_apt libssl-dev "Vigil's crypto (the CCrypto shim)" "openssl/ssl.h and libcrypto.so" have_ssl_dev
  if [[ $mode == demo ]]; then
    check_apt python3 "demo/demo.py and tools/webhook_receiver.py" "$PYTHON3 3.8 or newer" python_ok 8
  else
    check_apt python3 "the conformance suite (pytest)" "$PYTHON3 3.10 or newer" python_ok 10
    if ! venv_usable; then
      if ! have_cmd "$PYTHON3" || [[ $(command -v "$PYTHON3") == /usr/bin/* ]]; then
        check_apt python3-venv "creates .venv for the conformance suite's Python packages" "$PYTHON3 -m venv (ensurepip)" have_venv_module
      elif pretend_missing python3-venv || ! have_venv_module; then
        MANUAL+=("the venv module of $(command -v "$PYTHON3") (\`$PYTHON3 -m venv\` needs ensurepip): install a Python 3.10+ that has it,
      or run with PYTHON3=/usr/bin/python3 after installing Debian's python3-venv.")
      fi
    fi
    check_apt prometheus "the Prometheus that scrapes kube-sim in the conformance suite" "/usr/bin/prometheus and promtool" \
      eval 'have_exe /usr/bin/prometheus && have_cmd promtool'
    check_apt prometheus-alertmanager "Alertmanager for the alerting tests" "prometheus-alertmanager and amtool" \
      eval 'have_cmd prometheus-alertmanager && have_cmd amtool'
    check_apt nginx-light "the TLS front (client certificates, HTTP/2) in the HTTP client tests" "/usr/sbin/nginx" have_exe /usr/sbin/nginx
    check_apt openssl "makes the TLS tests' certificates" "/usr/bin/openssl" have_exe /usr/bin/openssl
    check_apt gnuplot-nox "loadtest/run.py's plots (latency and per-shard work over time)" "gnuplot" have_cmd gnuplot
    check_apt gdb "tools/swift-test.sh prints every thread's stack of a test process that does not exit" "/usr/bin/gdb" have_exe /usr/bin/gdb
  fi
  check_kubectl 1.33
  if [[ $mode != demo ]]; then check_kubectl 1.27; fi
}

# ------------------------------------------------------------------------------------- installing
SUDO=()
can_install() {  # whether apt packages can be installed here (sets SUDO)
  [[ $(os_family /etc/os-release) == debian ]] || return 1
  have_cmd apt-get || return 1
  if [[ $(id -u) == 0 ]]; then SUDO=(); return 0; fi
  have_cmd sudo || return 1
  if sudo -n true 2>/dev/null; then SUDO=(sudo); return 0; fi
  if [[ -t 0 ]]; then SUDO=(sudo); return 0; fi  # sudo can ask for the password
  return 1
}

apt_run() {  # apt_run ARGS...: quiet apt-get; prints its output only when it fails
  local log rc=0
  log=$(mktemp "${TMPDIR:-/tmp}/vigil-prereqs.XXXXXX")
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 "$@" </dev/null >"$log" 2>&1 || rc=$?
  if (( rc != 0 )); then
    cat "$log" >&2
    echo "prereqs: apt-get $* failed (exit $rc)" >&2
  fi
  rm -f "$log"
  return $rc
}

# apt_available PACKAGE: whether apt knows a version of it (after apt-get update).
apt_available() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  [[ -n $candidate && $candidate != "(none)" ]]
}

install_apt() {
  local pkgs=("${APT_MISSING[@]}") i
  say "apt-get update"
  apt_run update || return 1
  for i in "${!pkgs[@]}"; do
    # Newer releases (Debian 13) fold nginx-light into nginx.
    if [[ ${pkgs[$i]} == nginx-light ]] && ! apt_available nginx-light; then
      pkgs[i]=nginx; APT_WHY[i]="nginx${APT_WHY[$i]#nginx-light}"
    fi
  done
  apt_run install -y --no-install-recommends "${pkgs[@]}" || return 1
  local why
  for i in "${!pkgs[@]}"; do
    why=${APT_WHY[$i]#*: }
    say "installed ${pkgs[$i]} — ${why%% (looked for*}"
  done
}

print_apt_instructions() {
  local line
  echo "prereqs: missing:" >&2
  for line in "${APT_WHY[@]}"; do echo "  - $line" >&2; done
  if [[ $(os_family /etc/os-release) == debian ]]; then
    echo "prereqs: install them as root (this script does that itself when run as root or with sudo):" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${APT_MISSING[*]}" >&2
  else
    echo "prereqs: this is not Debian or Ubuntu, so this script installs nothing. Install what is looked for above" >&2
    echo "  with your distribution's package manager (the names above are Debian's). On Debian/Ubuntu it would be:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${APT_MISSING[*]}" >&2
  fi
}

# ----------------------------------------------------------------------------------- Python venv
ensure_venv() {
  # (Called in an `||` list, where set -e does not apply: each step checks for itself.)
  if ! venv_usable; then
    "$PYTHON3" -m venv --clear "$VENV" >/dev/null || return 1
    venv_usable || return 1
    say "created .venv ($("$VENV/bin/python" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])'))"
  fi
  if ! cmp -s "$REQUIREMENTS" "$VENV_STAMP"; then
    rm -f "$VENV_STAMP"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" || return 1
    cp "$REQUIREMENTS" "$VENV_STAMP" || return 1
    say "installed conformance/requirements.txt into .venv (pip)"
  fi
}

# ------------------------------------------------------------------------------------------ main
main() {
  local mode=${1:-}
  case $mode in
    demo | test | ci) ;;
    *) echo "usage: tools/prereqs.sh demo|test|ci" >&2; exit 2 ;;
  esac
  if [[ $(uname -s) != Linux ]]; then
    echo "prereqs: Vigil builds and tests on Linux only (this is $(uname -s))" >&2
    exit 1
  fi

  local failed=0 line
  run_checks "$mode"
  if (( ${#APT_MISSING[@]} > 0 )); then
    if can_install; then
      if install_apt; then
        local manual=("${MANUAL[@]}")
        VIGIL_PREREQS_MISSING="" run_checks "$mode"  # what is still missing after installing
        MANUAL=("${manual[@]}")
        if (( ${#APT_MISSING[@]} > 0 )); then
          echo "prereqs: still missing after apt-get install:" >&2
          for line in "${APT_WHY[@]}"; do echo "  - $line" >&2; done
          failed=1
        fi
      else
        failed=1
      fi
    else
      print_apt_instructions
      failed=1
    fi
  fi

  if [[ $mode != demo ]] && python_ok 10 && [[ " ${APT_MISSING[*]} " != *" python3-venv "* ]]; then
    if venv_usable || have_venv_module; then
      ensure_venv || { echo "prereqs: could not set up .venv (see pip's output above)" >&2; failed=1; }
    else
      failed=1  # reported above as a missing venv module
    fi
  fi

  for line in "${MANUAL[@]}"; do echo "prereqs: missing $line" >&2; done
  (( ${#MANUAL[@]} == 0 )) || failed=1

  if [[ $mode == ci ]]; then
    say "$("$SWIFT" --version 2>&1 | head -n 1 || true)"
    say "$("$VENV/bin/python" --version 2>&1 || true) in .venv; kubectl.1.33: $(find_kubectl 1.33 || echo missing); kubectl.1.27: $(find_kubectl 1.27 || echo missing)"
  fi
  if (( failed )); then
    local target=test
    [[ $mode == demo ]] && target=demo
    echo "prereqs: not everything \`make $target\` needs is here (see above)" >&2
    exit 1
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
