# Vigil — build, run and test. `make help` lists the targets.
SWIFT      ?= swift
# PYTHON runs the conformance suite: the virtual environment tools/prereqs.sh keeps in .venv/
# (conformance/requirements.txt installed). PYTHON3 runs the demo (standard library only) and
# creates .venv.
PYTHON     ?= $(CURDIR)/.venv/bin/python
PYTHON3    ?= python3
PREREQS    = SWIFT="$(SWIFT)" PYTHON3="$(PYTHON3)" tools/prereqs.sh
SIM_DIR    ?= .sim-run
SIM_PORT   ?= 0
BIN        := .build/debug

.PHONY: help demo build test test-tools test-swift test-conformance sim bench-sim bench-client bench-ha bench-nsp bench-ctm bench-alerts bench-hc bench-msc loadtest chaos chaos-ha clean

help:
	@echo "make demo              Vigil on kube-sim: 3 replicas, policies firing, webhooks, a leader SIGKILL (< 3 min)"
	@echo "make build             build everything (debug)"
	@echo "make test              Swift test suites + kubectl/Python/Prometheus conformance against kube-sim"
	@echo "                       (demo and test first run tools/prereqs.sh: checks, and installs what is missing)"
	@echo "make sim               run kube-sim in the foreground (kubeconfig in $(SIM_DIR)/kubeconfig)"
	@echo "make bench-sim         kube-sim benchmark: creates/s, list latency, watch delay, RSS (JSON + summary)"
	@echo "make bench-client      Kubernetes client: GETs/s and watch events decoded/s vs the Python client"
	@echo "make bench-ha          HA: failover after SIGKILL, hand-off on SIGTERM, balance, moved, queue throughput, RSS (JSON + summary)"
	@echo "make bench-nsp         NamespacePolicies on 3 vigil replicas: TTL → deletion delay, webhooks/s, RSS, CPU, API requests per policy"
	@echo "make bench-alerts      Alertmanager pushes to 3 vigil replicas at rising rates: receipt → action (local, forwarded), errors, losses, duplicates"
	@echo "make bench-ctm         CounterMeasures on 3 vigil replicas + real Prometheus: Prometheus requests/interval, trigger → action, actions/s, RSS, CPU"
	@echo "make bench-msc         500 MemoryScalers over 10,000 pods on 3 vigil replicas + Prometheus: queries per interval, raise → resize p50/p99, resizes/s, RSS, CPU"
	@echo "make bench-hc          2,000 HTTP HealthChecks on 3 vigil replicas, a SIGKILL a minute for 10 min: start jitter, doubled/missed runs, API requests per run, RSS, CPU"
	@echo "make loadtest          a scenario (SCENARIO=loadtest/scenarios/mixed.yaml): all four kinds, real Prometheus/Alertmanager,"
	@echo "                       replicas scaled under load; latency per kind, queries, requests, RSS/CPU, per-shard work, plots"
	@echo "                       (VIGIL_TARGET=cluster KUBECONFIG=… drives a cluster Vigil was installed in: docs/loadtest.md)"
	@echo "make chaos             a chaos scenario (SCENARIO=chaos/scenarios/default.yaml): kills, zombie, API faults, Prometheus and"
	@echo "                       Alertmanager restarts, webhook 500s; the judge prints duplicates, losses, overlap, failover"
	@echo "make chaos-ha          SIGKILL replicas of the HA test controller while they work; judge overlap, loss, duplicates"
	@echo "make clean             remove build output and run directories"

build:
	$(SWIFT) build

# `make demo` and `make test` first check what they need and, on Debian/Ubuntu as root or with
# sudo, install what is missing (tools/prereqs.sh says what it does; elsewhere it says what to install).
demo:
	$(PREREQS) demo
	$(SWIFT) build --product vigil
	$(SWIFT) build --product kube-sim
	$(PYTHON3) demo/demo.py

test:
	$(PREREQS) test
	$(MAKE) --no-print-directory test-tools test-swift test-conformance

# The scripts' own tests: tools/prereqs.sh (no installing: it runs the paths other systems take) and
# tools/swift-test.sh (stand-in swift commands that pass, fail, hang and do not exit).
test-tools:
	tools/tests/prereqs_test.sh
	tools/tests/swift_test_test.sh

# Builds every product first: the HTTP and client suites start the kube-sim binary.
# The suites take seconds; the time limit turns a hang into a clear failure, and
# tools/swift-test.sh repeats what failed (or which test hangs) at the end of the log.
test-swift:
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) tools/swift-test.sh 300 "swift test" --skip VigilLoadTestTests --skip ReplicaCoordinationThreadTests
	@echo "--- the multi-process HA suites (replica processes, SIGKILLs), on their own so they do not compete with the rest"
	SWIFT=$(SWIFT) tools/swift-test.sh 420 "swift test (HA)" --filter VigilLoadTestTests
	@echo "--- the coordination thread under a flooded pool, on its own: its flood of Swift's pool would slow every suite beside it"
	SWIFT=$(SWIFT) tools/swift-test.sh 120 "swift test (coordination thread)" --filter ReplicaCoordinationThreadTests

test-conformance: build
	@command -v "$(PYTHON)" >/dev/null || { echo "$(PYTHON) not found: run tools/prereqs.sh test (make test does) to create .venv, or set PYTHON"; exit 1; }
	KUBE_SIM_BIN=$(CURDIR)/$(BIN)/kube-sim TEST_VIGIL_BIN=$(CURDIR)/$(BIN)/vigil $(PYTHON) -m pytest -q conformance

sim: build
	@mkdir -p $(SIM_DIR)
	$(BIN)/kube-sim --port $(SIM_PORT) --kubeconfig-out $(SIM_DIR)/kubeconfig

bench-sim:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product kube-sim-bench
	@mkdir -p loadtest/results
	.build/release/kube-sim-bench --kube-sim .build/release/kube-sim $(BENCH_ARGS) | tee loadtest/results/bench-sim-latest.txt

bench-client:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product kube-client-bench
	@mkdir -p loadtest/results
	.build/release/kube-client-bench --kube-sim .build/release/kube-sim $(BENCH_ARGS) | tee loadtest/results/bench-client-latest.txt

# Release builds; the replicas are vigil-loadtest itself, kube-sim the release one.
bench-ha:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-ha --run-directory .ha-run/bench $(BENCH_ARGS) | tee loadtest/results/bench-ha-latest.txt

bench-nsp:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-nsp --run-directory .ha-run/nsp $(BENCH_ARGS) | tee loadtest/results/bench-nsp-latest.txt

bench-ctm:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-ctm --run-directory .ha-run/ctm $(BENCH_ARGS) | tee loadtest/results/bench-ctm-latest.txt

bench-alerts:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-alerts --run-directory .ha-run/alerts $(BENCH_ARGS) | tee loadtest/results/bench-alerts-latest.txt

bench-hc:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-hc --run-directory .ha-run/hc $(BENCH_ARGS) | tee loadtest/results/bench-hc-latest.txt

bench-msc:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest bench-msc --run-directory .ha-run/msc $(BENCH_ARGS) | tee loadtest/results/bench-msc-latest.txt

# loadtest/run.py (Python, .venv): local by default (release kube-sim and vigil, Debian's Prometheus and Alertmanager);
# VIGIL_TARGET=cluster KUBECONFIG=… drives a cluster instead and builds nothing. Results in loadtest/results/<name>-<time>/.
SCENARIO ?= loadtest/scenarios/mixed.yaml
CHAOS_SCENARIO ?= chaos/scenarios/default.yaml

loadtest:
	$(PREREQS) test
	@if [ "$(VIGIL_TARGET)" != cluster ]; then $(SWIFT) build -c release --product kube-sim && $(SWIFT) build -c release --product vigil; fi
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim VIGIL_BIN=$(CURDIR)/.build/release/vigil $(PYTHON) loadtest/run.py $(SCENARIO)

chaos:
	$(PREREQS) test
	@if [ "$(VIGIL_TARGET)" != cluster ]; then $(SWIFT) build -c release --product kube-sim && $(SWIFT) build -c release --product vigil; fi
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim VIGIL_BIN=$(CURDIR)/.build/release/vigil $(PYTHON) loadtest/run.py $(if $(filter command line,$(origin SCENARIO)),$(SCENARIO),$(CHAOS_SCENARIO))

chaos-ha:
	$(SWIFT) build -c release --product kube-sim
	$(SWIFT) build -c release --product vigil-loadtest
	@mkdir -p loadtest/results
	KUBE_SIM_BIN=$(CURDIR)/.build/release/kube-sim .build/release/vigil-loadtest chaos --run-directory .ha-run/chaos $(CHAOS_ARGS) | tee loadtest/results/chaos-latest.txt

clean:
	rm -rf .build $(SIM_DIR) .ha-run
