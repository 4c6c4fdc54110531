"""End-to-end: CounterMeasure with real parts (issue 17, section 4 "Show it works").

One kube-sim WITH workloads (pods run, use the CPU and memory their ``sim.vigil.dev/*`` annotations say, and
``/metrics/cadvisor`` reports it), two real Prometheus servers (Debian's ``/usr/bin/prometheus``) scraping it and
evaluating the same alert rules (``default``, and ``flaky``, which one test SIGKILLs and restarts), three real
``vigil run`` replicas configured by a ``vigil.yaml`` each (only identity and HTTP port differ), and real kubectl
1.33. Each scenario works in namespaces of its own and checks what a user would see: status (``status.runs[]``,
``status.totalRuns``, conditions Ready/SourceReachable), Events, the captured-output ConfigMap, ``kubectl describe``,
and kube-sim's write log (``GET /sim/requests``), which proves what was written and with ``dryRun=All`` or not.

"Exactly once" is checked without relying on cooldown: per pod, one DELETE and one ephemeral-container PATCH in the
write log; per run, a distinct trigger instance; no effect key twice.

Binaries: ``TEST_VIGIL_BIN`` (default ``<repo>/.build/debug/vigil``; copied once it is stable, because the package
may be rebuilt while the suite runs), ``KUBE_SIM_BIN`` (see conftest), ``/usr/bin/prometheus``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml

from conftest import REPO, Kubectl, Sim, kubectl_binary, wait_until, VigilEndpoints, free_port, stop_process

pytestmark = pytest.mark.workloads

PROMETHEUS = "/usr/bin/prometheus"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AM_TOKEN = "am-s3cret"
CRDS = REPO / "deploy" / "crds"
LEASE_NS = "vigil-system"
CTM_API = "/apis/vigil.dev/v1alpha1/namespaces/{ns}/countermeasures"
POLL = 2.0  # prometheus.sources.*.interval in vigil.yaml

# Alert rules evaluated by both Prometheus servers (the manual recipe's HighCPU, plus two for single scenarios).
RULES = """\
groups:
- name: vigil
  interval: 1s
  rules:
  - alert: HighCPU
    expr: sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{container!=""}[10s])) > 0.5
    for: 2s
    labels: {severity: warning}
  # One alert per namespace: its target (label set) stays the same whatever pods come and go. The short window
  # lets it resolve a few seconds after the pods are gone, so a test can make it fire again (a new instance).
  - alert: HotNamespace
    expr: sum by (namespace) (rate(container_cpu_usage_seconds_total{container!=""}[3s])) > 0.5
    for: 1s
    labels: {severity: warning}
  # Fires only for pods of namespace "other".
  - alert: OtherNamespaceCPU
    expr: sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace="other", container!=""}[10s])) > 0.5
    for: 1s
    labels: {severity: critical}
"""

# Issue 17, section 1, exactly as written there.
ISSUE_THREAD_DUMP = """\
apiVersion: vigil.dev/v1alpha1
kind: CounterMeasure
metadata: {name: checkout-thread-dump, namespace: shop}
spec:
  trigger:
    alert:
      name: HighCPU
      matchers: ['severity=~"warning|critical"']
      includePending: false
  actions:
    - debug:
        pod: "{{labels.pod}}"
        targetContainer: "{{labels.container}}"
        image: eclipse-temurin:21-jdk
        command: ["jcmd", "1", "Thread.print"]
        capture: true
    - deletePod:
        name: "{{labels.pod}}"
  cooldown: 10m
  maxRuns: 5
  resetAfter: 1h
"""

ISSUE_API_MEMORY = """\
apiVersion: vigil.dev/v1alpha1
kind: CounterMeasure
metadata: {name: api-memory, namespace: shop}
spec:
  trigger:
    promql:
      expr: 'max by (namespace, pod) (container_memory_working_set_bytes{namespace="shop", container!=""})'
      above: 500000000
      for: 30s
  actions:
    - event: {reason: MemoryHigh, message: "{{labels.pod}} uses {{value}} bytes"}
    - restart: {kind: Deployment, name: api}
  dryRun: true
"""


# --------------------------------------------------------------------------- small helpers

def parse_time(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def cond(obj: dict | None, type_: str) -> dict:
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return {}


def runs(obj: dict | None) -> list[dict]:
    return ((obj or {}).get("status") or {}).get("runs") or []


def total_runs(obj: dict | None) -> int:
    return int(((obj or {}).get("status") or {}).get("totalRuns") or 0)


def stable_copy(src: Path, dest_dir: Path) -> Path:
    """Copy a binary once it has stopped changing (another engineer may be relinking it right now)."""
    if not (src.is_file() and os.access(src, os.X_OK)):
        pytest.fail(f"binary not found or not executable at {src} (set TEST_VIGIL_BIN or build the package)",
                    pytrace=False)
    deadline = time.monotonic() + 120
    last = None
    while time.monotonic() < deadline:
        st = src.stat()
        cur = (st.st_size, st.st_mtime_ns)
        if cur == last and os.access(src, os.X_OK):
            dest = dest_dir / src.name
            shutil.copy2(src, dest)
            if dest.stat().st_size == st.st_size and src.stat().st_mtime_ns == st.st_mtime_ns:
                return dest
        last = cur
        time.sleep(1.0)
    pytest.fail(f"{src} kept changing for 120 s (a build in progress?)", pytrace=False)


# --------------------------------------------------------------------------- Prometheus

@dataclass
class Prometheus:
    name: str
    workdir: Path
    target: str  # host:port of kube-sim
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "Prometheus":
        binary = PROMETHEUS if Path(PROMETHEUS).exists() else shutil.which("prometheus")
        if not binary:
            pytest.fail(f"{PROMETHEUS} not found: install it with `apt-get install prometheus`", pytrace=False)
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "rules.yml").write_text(RULES)
        cfg = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
               "rule_files": [str(self.workdir / "rules.yml")],
               "scrape_configs": [{"job_name": "kube-sim-cadvisor", "metrics_path": "/metrics/cadvisor",
                                   "scrape_interval": "1s", "scrape_timeout": "900ms",
                                   "static_configs": [{"targets": [self.target]}]}]}
        (self.workdir / "prometheus.yml").write_text(yaml.safe_dump(cfg))
        if not self.port:
            self.port = free_port()
        self._log = open(self.workdir / "prometheus.log", "ab")
        # Same port and data dir on a restart.
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.workdir / 'prometheus.yml'}", f"--storage.tsdb.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"prometheus {self.name} exited {self.proc.returncode}:\n{self.tail()}", pytrace=False)
            try:
                return requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_until(ready, timeout, 0.1, f"prometheus {self.name} /-/ready")
        return self

    def sigkill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc, 10)
        if getattr(self, "_log", None):
            self._log.close()

    def alerts(self, name: str, namespace: str, state: str = "firing") -> list[dict]:
        try:
            r = requests.get(f"{self.url}/api/v1/alerts", timeout=2)
            r.raise_for_status()
        except requests.RequestException:
            return []
        return [a for a in r.json()["data"]["alerts"] if a["labels"].get("alertname") == name
                and a["labels"].get("namespace") == namespace and a["state"] == state]

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join((self.workdir / "prometheus.log").read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return "<no log>"


# --------------------------------------------------------------------------- vigil replicas

@dataclass
class Replica(VigilEndpoints):
    """One ``vigil run --config <its vigil.yaml>``."""
    identity: str
    binary: Path
    workdir: Path
    config: dict
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> "Replica":
        self.port = free_port()
        cfg = json.loads(json.dumps(self.config))
        cfg["identity"] = self.identity
        cfg["http"] = {"host": "127.0.0.1", "port": self.port}
        self.config_path = self.workdir / f"vigil-{self.identity}.yaml"
        self.config_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        self.log_path = self.workdir / f"vigil-{self.identity}.log"
        self._log = open(self.log_path, "wb")
        # vigil refuses unknown VIGIL_* variables; TEST_VIGIL_BIN is this suite's own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_") and k != "TEST_VIGIL_BIN"}
        self.proc = subprocess.Popen([str(self.binary), "run", "--config", str(self.config_path)], cwd=self.workdir,
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env=env)
        return self

    def stop(self) -> None:
        stop_process(self.proc, 5)
        if getattr(self, "_log", None):
            self._log.close()

    def tail(self, n: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return "<no log>"


# --------------------------------------------------------------------------- the environment

@dataclass
class Env:
    sim: Sim
    kubectl: Kubectl
    workdir: Path
    vigil: Path
    prom: Prometheus  # source "default"
    flaky: Prometheus  # source "flaky" (killed and restarted by one test)
    config: dict = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    generation: int = 0

    # ---- processes
    def start_replica(self, identity: str | None = None) -> Replica:
        identity = identity or f"ctm-{self.generation}"
        self.generation += 1
        r = Replica(identity, self.vigil, self.workdir, self.config).start()
        self.replicas.append(r)
        return r

    def live(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive]

    def wait_settled(self, timeout: float = 30) -> dict:
        """Every live replica sees the same committed shard map listing exactly the live replicas."""
        def settled():
            for r in self.replicas:
                if r.proc.poll() is not None and r.proc.returncode != -signal.SIGKILL:
                    pytest.fail(f"replica {r.identity} exited with {r.proc.returncode}:\n{r.tail()}", pytrace=False)
            live = self.live()
            want = sorted(r.identity for r in live)
            maps = [r.shards() for r in live]
            if any(m is None for m in maps) or not all(r.ready() for r in live):
                return None
            if all(sorted(m["members"]) == want and m["committedEpoch"] == m["epoch"] and m["phase"] == "active"
                   for m in maps) and len({m["epoch"] for m in maps}) == 1:
                return maps[0]
            return None
        return wait_until(settled, timeout, 0.3, f"replicas {[r.identity for r in self.live()]} to settle")

    def owner(self, ns: str) -> Replica | None:
        owners = [r for r in self.live() if ns in ((r.shards() or {}).get("ownedNamespaces") or [])]
        return owners[0] if len(owners) == 1 else None

    def prometheus_requests(self, source: str, code: str) -> float:
        """vigil_prometheus_requests_total{source, code} summed over the live replicas' /metrics."""
        total = 0.0
        for r in self.live():
            resp = r.get("/metrics")
            assert resp is not None and resp.status_code == 200, f"GET /metrics of {r.identity}"
            for line in resp.text.splitlines():
                m = re.match(r"vigil_prometheus_requests_total\{(.*)\}\s+(\S+)$", line)
                if m and f'source="{source}"' in m.group(1) and f'code="{code}"' in m.group(1):
                    total += float(m.group(2))
        return total

    def close(self) -> None:
        for r in self.replicas:
            r.stop()
        self.prom.stop()
        self.flaky.stop()

    @contextlib.contextmanager
    def diagnostics(self):
        """On failure, print what the processes said (shown in the failure report)."""
        try:
            yield
        except BaseException:
            for r in self.replicas:
                state = "alive" if r.alive else f"exited {r.proc.returncode}"
                print(f"\n===== vigil {r.identity} ({state}, {r.log_path}) last lines =====\n{r.tail()}")
            for p in (self.prom, self.flaky):
                print(f"\n===== prometheus {p.name} ({p.url}) last lines =====\n{p.tail(10)}")
            raise

    # ---- cluster access (set-up and observation over plain HTTP; kubectl where a user would use it)
    def namespace(self, name: str) -> str:
        r = self.sim.http("POST", "/api/v1/namespaces",
                          json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        assert r.status_code in (201, 409), f"creating namespace {name}: {r.status_code} {r.text}"
        return name

    def apply(self, text: str) -> str:
        return self.kubectl.ok("apply", "-f", "-", input=text)

    def ctm(self, ns: str, name: str) -> dict | None:
        r = self.sim.http("GET", CTM_API.format(ns=ns) + "/" + name)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, f"GET ctm {ns}/{name}: {r.status_code} {r.text}"
        return r.json()

    def get(self, path: str) -> dict | None:
        r = self.sim.http("GET", path)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r.json()

    def events(self, ns: str, involved: str | None = None) -> list[dict]:
        r = self.sim.http("GET", f"/api/v1/namespaces/{ns}/events")
        assert r.status_code == 200, r.text
        items = r.json().get("items", [])
        if involved is None:
            return items
        return [e for e in items if e.get("involvedObject", {}).get("name") == involved
                and e.get("involvedObject", {}).get("kind") == "CounterMeasure"]

    def reasons(self, ns: str, involved: str) -> list[str]:
        return [e["reason"] for e in self.events(ns, involved)]

    def seq(self) -> int:
        return int(self.sim.http("GET", "/sim/requests?since=999999999").json()["next"])

    def writes(self, since: int) -> list[dict]:
        r = self.sim.http("GET", f"/sim/requests?since={since}")
        assert r.status_code == 200, r.text
        return r.json()["items"]

    def deployment(self, ns: str, name: str, annotations: dict, container: str = "app", replicas: int = 1,
                   image: str = "eclipse-temurin:21-jre") -> None:
        doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}, "annotations": annotations},
                                     "spec": {"containers": [{"name": container, "image": image}]}}}}
        out = self.apply(json.dumps(doc))
        assert f"deployment.apps/{name}" in out, out
        dep = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
        wait_until(lambda: ((self.get(dep) or {}).get("status") or {}).get("readyReplicas") == replicas, 20, 0.2,
                   f"deployment {ns}/{name} to have {replicas} ready pod(s)")

    def pods(self, ns: str) -> list[dict]:
        return self.get(f"/api/v1/namespaces/{ns}/pods")["items"]


@pytest.fixture(scope="module")
def env(sim, tmp_path_factory, request):
    workdir = tmp_path_factory.mktemp("ctm-e2e")
    bindir = workdir / "bin"
    bindir.mkdir()
    vigil = stable_copy(Path(os.environ.get("TEST_VIGIL_BIN") or REPO / ".build" / "debug" / "vigil"), bindir)
    kubectl = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, workdir / "kube-cache")
    kubectl.ok("create", "namespace", LEASE_NS)
    kubectl.ok("apply", "-f", str(CRDS))  # both CRDs: each kind's informer must sync for /readyz
    wait_until(lambda: sim.http("GET", CTM_API.format(ns="default")).status_code == 200
               and sim.http("GET", "/apis/vigil.dev/v1alpha1/namespaces/default/namespacepolicies").status_code == 200,
               10, 0.1, "Vigil's CRDs to be served")
    target = urlparse(sim.url).netloc
    prom = Prometheus("default", workdir / "prom-default", target)
    flaky = Prometheus("flaky", workdir / "prom-flaky", target)
    e = Env(sim, kubectl, workdir, vigil, prom, flaky)
    request.addfinalizer(e.close)
    prom.start()
    flaky.start()
    e.config = {
        "namespace": LEASE_NS,
        "kubeconfig": str(sim.kubeconfig),
        "leaderElection": {"profile": "fast"},
        "logging": {"format": "text"},
        "prometheus": {"sources": {
            "default": {"url": prom.url, "interval": f"{POLL:g}s", "timeout": "1s"},
            "flaky": {"url": flaky.url, "interval": f"{POLL:g}s", "timeout": "1s"},
        }},
    }
    token = workdir / "alertmanager-token"
    token.write_text(AM_TOKEN + "\n")
    e.config["alertmanager"] = {"tokenFile": str(token)}
    print(f"ctm e2e work dir (vigil logs, vigil-*.yaml, prometheus): {workdir}")
    for ident in ("ctm-a", "ctm-b", "ctm-c"):
        e.start_replica(ident)
    with e.diagnostics():
        e.wait_settled(40)
    return e


@pytest.fixture
def cluster(env):
    """The module's environment, with three live replicas agreeing on the shard map."""
    with env.diagnostics():
        while len(env.live()) < 3:
            env.start_replica()
        env.wait_settled(30)
    return env


def ctm_doc(ns: str, name: str, trigger: dict, actions: list[dict], **spec) -> str:
    return json.dumps({"apiVersion": "vigil.dev/v1alpha1", "kind": "CounterMeasure",
                       "metadata": {"name": name, "namespace": ns},
                       "spec": {"trigger": trigger, "actions": actions, **spec}})


def marker_patch(configmap: str) -> dict:
    """An action whose every execution is one PATCH of a ConfigMap (easy to count in the write log)."""
    return {"patch": {"apiVersion": "v1", "kind": "ConfigMap", "name": configmap, "type": "merge",
                      "patch": '{"data": {"startsAt": "{{alert.startsAt}}", "fingerprint": "{{alert.fingerprint}}"}}'}}


def marker_configmap(env: Env, ns: str, name: str) -> None:
    env.sim.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}, ns)


def pod_writes(writes: list[dict], ns: str, pod: str, method: str, sub: str = "") -> list[dict]:
    path = f"/api/v1/namespaces/{ns}/pods/{pod}" + (f"/{sub}" if sub else "")
    return [w for w in writes if w["method"] == method and w["path"] == path]


def parse_watch_stream(text: str) -> list[dict]:
    """``kubectl get -w -o json`` prints one JSON document after another."""
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        try:
            obj, i = dec.raw_decode(text, i)
        except ValueError:
            return out  # a document still being written
        out.append(obj)


# --------------------------------------------------------------------------- 1. thread dump, three replicas

def test_thread_dump_end_to_end_exactly_once_per_pod(cluster):
    env = cluster
    with env.diagnostics():
        _thread_dump(env)


def _thread_dump(env: Env) -> None:
    ns = env.namespace("shop")
    assert len(env.live()) == 3 and len({r.identity for r in env.live()}) == 3
    assert len({r.port for r in env.live()}) == 3
    # A real kubectl watch records every version of the pods, so the ephemeral container is seen even though the
    # pod is deleted right after.
    watch_out = env.workdir / "shop-pods.watch.json"
    with open(watch_out, "wb") as f:
        watcher = subprocess.Popen(env.kubectl.base() + ["get", "pods", "-n", ns, "-w", "--output-watch-events",
                                                         "-o", "json"],
                                   stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        seq0 = env.seq()
        env.deployment(ns, "checkout", {"sim.vigil.dev/cpu": "0.9"}, container="checkout-api")
        out = env.apply(ISSUE_THREAD_DUMP)
        assert "countermeasure.vigil.dev/checkout-thread-dump created" in out, out
        applied = time.monotonic()

        obj = wait_until(lambda: (o := env.ctm(ns, "checkout-thread-dump"))
                         and any(r["phase"] == "Succeeded" for r in runs(o)) and o,
                         45, 0.3, "a Succeeded run of checkout-thread-dump")
        print(f"first run succeeded {time.monotonic() - applied:.1f}s after the CounterMeasure was applied")
        first = next(r for r in runs(obj) if r["phase"] == "Succeeded")
        labels = first["values"]["labels"]
        pod, container = labels["pod"], labels["container"]
        assert container == "checkout-api" and labels["namespace"] == ns and labels["alertname"] == "HighCPU", labels
        assert pod.startswith("checkout-"), labels
        assert first["instance"].startswith("alert/") and first.get("dryRun") is not True, first
        # From the alert's `for` (2 s) being satisfied to the run: a rule evaluation (1 s) and one poll interval,
        # with a second of slack (issue 17 section 5's goal is one interval + 1 s).
        latency = parse_time(first["startedAt"]) - parse_time(first["values"]["alertStartsAt"]) - 2
        print(f"alert activeAt + for -> run started: {latency:.1f}s")
        assert latency <= 1 + POLL + 1, f"the run started {latency:.1f}s after the alert began firing"
        assert [a["type"] for a in first["actions"]] == ["debug", "deletePod"], first["actions"]
        assert all(a["phase"] == "Succeeded" for a in first["actions"]), first["actions"]
        assert f"pod {ns}/{pod}" in first["actions"][1]["summary"], first["actions"][1]

        # The captured output: a ConfigMap owned by the CounterMeasure, with the dump.
        output = first["actions"][0].get("output") or {}
        cm_name = output.get("configMap", "")
        assert re.fullmatch(r"checkout-thread-dump-out-[0-9a-f]{10}", cm_name), first["actions"][0]
        assert "Full thread dump" in output.get("head", "") and output.get("bytes", 0) > 1000, output
        cm = env.get(f"/api/v1/namespaces/{ns}/configmaps/{cm_name}")
        assert cm is not None, f"ConfigMap {cm_name} named in status does not exist"
        refs = cm["metadata"].get("ownerReferences") or []
        assert [(r["kind"], r["name"], r["uid"]) for r in refs] == \
            [("CounterMeasure", "checkout-thread-dump", obj["metadata"]["uid"])], refs
        dump = cm["data"]["output"]
        assert "Full thread dump" in dump and "com.example.checkoutapi.CheckoutApiApplication" in dump, dump[:500]
        assert len(dump.encode()) == output["bytes"], (len(dump.encode()), output["bytes"])

        # The ephemeral container appeared on the pod (seen by the watch), with the spec's image and command.
        suffix = cm_name.rsplit("-", 1)[1]

        def debug_containers():
            docs = parse_watch_stream(watch_out.read_text(errors="replace"))
            seen = {}
            for d in docs:
                o = d.get("object") or {}
                if o.get("metadata", {}).get("name") != pod:
                    continue
                for c in (o.get("spec") or {}).get("ephemeralContainers") or []:
                    seen[c["name"]] = c
            return seen
        eph = wait_until(debug_containers, 10, 0.3, f"the watch to show an ephemeral container on pod {pod}")
        assert list(eph) == [f"vigil-debug-{suffix}"], eph
        c = eph[f"vigil-debug-{suffix}"]
        assert c["image"] == "eclipse-temurin:21-jdk" and c["command"] == ["jcmd", "1", "Thread.print"], c
        assert c.get("targetContainerName") == "checkout-api", c

        # The pod is gone (deleted once), and the Deployment replaced it.
        wait_until(lambda: env.get(f"/api/v1/namespaces/{ns}/pods/{pod}") is None, 15, 0.2, f"pod {pod} to be gone")

        # Events say so; describe shows where the dump is; get shows the printer columns.
        reasons = wait_until(lambda: (rs := env.reasons(ns, "checkout-thread-dump")).count("ActionTaken") >= 2
                             and "Fired" in rs and rs, 10, 0.2, "Fired and ActionTaken Events")
        evs = env.events(ns, "checkout-thread-dump")
        taken = [e["message"] for e in evs if e["reason"] == "ActionTaken"]
        assert any(cm_name in m and "Full thread dump" in m for m in taken), taken
        assert any(f"delete pod {ns}/{pod}" in m for m in taken), taken
        assert not {"ActionFailed", "DryRun", "DryRunAction"} & set(reasons), reasons
        described = env.kubectl.ok("describe", "ctm", "checkout-thread-dump", "-n", ns)
        assert cm_name in described, described
        got = env.kubectl.ok("get", "ctm", "-n", ns)
        assert re.search(r"NAME\s+TRIGGER\s+LAST FIRED\s+RUNS\s+READY\s+AGE", got), got
        ready = cond(env.ctm(ns, "checkout-thread-dump"), "Ready")
        assert ready.get("status") == "True", ready

        # Stop the churn (each replacement pod is a new target and gets its own run), let running runs end.
        env.kubectl.ok("scale", "deployment", "checkout", "--replicas=0", "-n", ns)
        wait_until(lambda: not [p for p in env.pods(ns) if p["metadata"]["name"].startswith("checkout-")], 20, 0.3,
                   "checkout's pods to be gone")
        final = wait_until(lambda: (o := env.ctm(ns, "checkout-thread-dump"))
                           and all(r["phase"] != "Running" for r in runs(o)) and o, 20, 0.3, "no run still running")
        time.sleep(POLL + 0.5)  # a late duplicate write would show up in the log here
        final = env.ctm(ns, "checkout-thread-dump")
        writes = env.writes(seq0)

        # Exactly once, without relying on cooldown: per run a distinct instance and pod; per pod one DELETE and
        # one ephemeral-container PATCH; no effect key twice.
        rs = runs(final)
        assert total_runs(final) == len(rs) >= 1, (total_runs(final), rs)
        assert total_runs(final) <= 5, f"maxRuns 5 exceeded: {total_runs(final)}"
        instances = [r["instance"] for r in rs]
        assert len(set(instances)) == len(instances), instances
        pods = [r["values"]["labels"]["pod"] for r in rs]
        assert len(set(pods)) == len(pods), f"a pod got two runs: {pods}"
        deleted = sorted(w["path"].rsplit("/", 1)[1] for w in writes
                         if w["method"] == "DELETE" and w["resource"] == "pods" and f"/namespaces/{ns}/" in w["path"])
        assert len(set(deleted)) == len(deleted), f"a pod was DELETEd more than once: {deleted}"
        for r in rs:
            p = r["values"]["labels"]["pod"]
            dels = pod_writes(writes, ns, p, "DELETE")
            ephs = pod_writes(writes, ns, p, "PATCH", "ephemeralcontainers")
            if r["phase"] == "Succeeded":
                assert len(dels) == 1 and len(ephs) == 1, (p, dels, ephs)
                assert not dels[0]["dryRun"] and not ephs[0]["dryRun"], (dels, ephs)
            else:  # cut short by the scale-down (the pod was gone): at most once each
                assert len(dels) <= 1 and len(ephs) <= 1, (r, dels, ephs)
        assert set(deleted) <= set(pods), f"deleted pods no run was for: {set(deleted) - set(pods)}"
        keys = [e["key"] for e in (final["status"].get("effects") or [])]
        assert len(keys) == len(set(keys)), keys
        assert final["status"]["runs"][0]["instance"] == first["instance"]
        print(f"thread dump: {len(rs)} run(s) for pods {pods}; DELETEs {deleted}")
    finally:
        stop_process(watcher, 2)


# --------------------------------------------------------------------------- 2. PromQL + for + dryRun

def test_promql_for_dry_run_changes_nothing(cluster):
    env = cluster
    with env.diagnostics():
        _promql_dry_run(env)


def _promql_dry_run(env: Env) -> None:
    # The issue's example exactly as written (namespace shop, for 30s): accepted, and Ready once polled.
    env.namespace("shop")
    out = env.apply(ISSUE_API_MEMORY)
    assert "countermeasure.vigil.dev/api-memory created" in out, out
    stored = env.ctm("shop", "api-memory")
    assert stored["spec"]["trigger"]["promql"] == {
        "expr": 'max by (namespace, pod) (container_memory_working_set_bytes{namespace="shop", container!=""})',
        "above": 500000000, "for": "30s"}, stored["spec"]
    assert stored["spec"]["dryRun"] is True
    wait_until(lambda: cond(o := env.ctm("shop", "api-memory"), "Ready").get("status") == "True"
               and cond(o, "SourceReachable").get("status") == "True" and o, 3 * POLL + 5, 0.3,
               "the issue's api-memory to be Ready and its source reachable")
    assert cond(env.ctm("shop", "api-memory"), "Ready")["reason"] == "DryRun"

    # The same CounterMeasure for a namespace of its own, with a shorter for.
    ns = env.namespace("mem")
    env.deployment(ns, "api", {"sim.vigil.dev/memory": "600Mi"}, container="api")
    dep_path = f"/apis/apps/v1/namespaces/{ns}/deployments/api"
    before = env.get(dep_path)
    pods_before = sorted(p["metadata"]["name"] for p in env.pods(ns))
    rs_before = sorted(r["metadata"]["name"] for r in env.get(f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"])
    seq0 = env.seq()
    fast = ISSUE_API_MEMORY.replace("namespace: shop", f"namespace: {ns}") \
        .replace('namespace="shop"', f'namespace="{ns}"').replace("for: 30s", "for: 4s")
    assert "namespace: " + ns + "}" in fast and f'namespace="{ns}"' in fast and "for: 4s" in fast, fast
    out = env.apply(fast)
    assert "countermeasure.vigil.dev/api-memory created" in out, out

    obj = wait_until(lambda: (o := env.ctm(ns, "api-memory")) and any(r["phase"] != "Running" for r in runs(o)) and o,
                     30, 0.3, "a finished dry run of api-memory")
    (run,) = runs(obj)
    assert run["phase"] == "Succeeded" and run.get("dryRun") is True, run
    # for: the series passed the threshold at the instance's instant; the run started at least 4 s later.
    first_breach = parse_time(run["instance"].rsplit("/", 1)[1])
    assert parse_time(run["startedAt"]) - first_breach >= 4 - 1, (run["instance"], run["startedAt"])
    assert run["values"]["labels"]["pod"] == pods_before[0] and float(run["values"]["value"]) >= 600 * 2 ** 20, run
    assert [a["type"] for a in run["actions"]] == ["event", "restart"], run["actions"]
    assert all("would" in a["summary"] for a in run["actions"]), run["actions"]
    assert total_runs(obj) == 1
    assert cond(obj, "Ready")["reason"] == "DryRun", obj["status"]["conditions"]

    reasons = wait_until(lambda: (rs := env.reasons(ns, "api-memory")).count("DryRunAction") >= 2 and rs, 10, 0.2,
                         "DryRun and DryRunAction Events")
    assert reasons.count("DryRun") == 1 and reasons.count("DryRunAction") == 2, reasons
    assert not {"Fired", "ActionTaken", "ActionFailed"} & set(reasons), reasons
    time.sleep(POLL + 0.5)  # anything written late shows up below

    # The event action in a dry run records nothing: no MemoryHigh Event anywhere in the namespace.
    assert [e for e in env.events(ns) if e["reason"] == "MemoryHigh"] == []
    writes = env.writes(seq0)
    to_api = [w for w in writes if w["path"].startswith(dep_path)]
    assert to_api, "the dry run sent nothing to Deployment api (expected a PATCH with dryRun=All)"
    assert all(w["dryRun"] and w["query"].get("dryRun") == ["All"] for w in to_api), to_api
    # Every other write in the namespace is the CounterMeasure's own status or an Event about it.
    agents = {w["userAgent"] for w in writes}
    assert any(a.startswith("vigil") for a in agents), agents
    others = [w for w in writes if f"/namespaces/{ns}/" in w["path"] and not w["dryRun"]
              and not w["userAgent"].startswith("kubectl")  # this test's own apply
              and not (w["resource"] == "events" or w["path"].endswith("/countermeasures/api-memory/status"))]
    assert others == [], others
    after = env.get(dep_path)
    assert after["spec"]["template"] == before["spec"]["template"], (before["spec"]["template"],
                                                                     after["spec"]["template"])
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert sorted(p["metadata"]["name"] for p in env.pods(ns)) == pods_before
    assert sorted(r["metadata"]["name"] for r in
                  env.get(f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"]) == rs_before
    assert total_runs(env.ctm(ns, "api-memory")) == 1, "the same series ran twice"


# --------------------------------------------------------------------------- 5. template naming a missing label

def test_template_with_missing_label_fails_and_deletes_nothing(cluster):
    env = cluster
    with env.diagnostics():
        ns = env.namespace("tmpl")
        marker_configmap(env, ns, "marker")
        seq0 = env.seq()
        env.deployment(ns, "hot", {"sim.vigil.dev/cpu": "0.9"})
        out = env.apply(ctm_doc(ns, "bad-template", {"alert": {"name": "HighCPU"}},
                                [{"deletePod": {"name": "{{labels.nope}}"}}]))
        assert "countermeasure.vigil.dev/bad-template created" in out, out
        # The missing label is in the second action: "nothing runs" (issue 17), so not the first one either.
        out = env.apply(ctm_doc(ns, "bad-second", {"alert": {"name": "HighCPU"}},
                                [marker_patch("marker"), {"deletePod": {"name": "{{labels.nope}}"}}]))
        assert "countermeasure.vigil.dev/bad-second created" in out, out
        obj = wait_until(lambda: (o := env.ctm(ns, "bad-template")) and any(r["phase"] != "Running" for r in runs(o))
                         and o, 30, 0.3, "the run of bad-template to finish")
        (run,) = runs(obj)
        assert run["phase"] == "Failed", run
        assert "{{labels.nope}}" in (run.get("message") or ""), run
        (step,) = run["actions"]
        assert step["phase"] == "Failed" and "{{labels.nope}}" in step.get("error", ""), step
        ev = wait_until(lambda: [e for e in env.events(ns, "bad-template") if e["reason"] == "ActionFailed"], 10, 0.2,
                        "an ActionFailed Event")
        assert ev[0]["type"] == "Warning" and "{{labels.nope}}" in ev[0]["message"], ev
        second = wait_until(lambda: (o := env.ctm(ns, "bad-second")) and any(r["phase"] != "Running" for r in runs(o))
                            and o, 15, 0.3, "the run of bad-second to finish")
        (run2,) = runs(second)
        assert run2["phase"] == "Failed" and "{{labels.nope}}" in (run2.get("message") or ""), run2
        assert not [a for a in run2["actions"] if a["phase"] == "Succeeded"], run2["actions"]
        wait_until(lambda: [e for e in env.events(ns, "bad-second") if e["reason"] == "ActionFailed"], 10, 0.2,
                   "an ActionFailed Event for bad-second")
        time.sleep(POLL + 0.5)
        writes = env.writes(seq0)
        deletes = [w for w in writes if w["method"] == "DELETE"]
        assert deletes == [], f"something was deleted: {deletes}"
        patched = [w for w in writes if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker"]
        assert patched == [], f"the first action ran although the second names a missing label: {patched}"
        assert "ActionTaken" not in env.reasons(ns, "bad-second")
        pods = [p["metadata"]["name"] for p in env.pods(ns)]
        assert len(pods) == 1 and all("deletionTimestamp" not in p["metadata"] for p in env.pods(ns)), pods
        assert total_runs(env.ctm(ns, "bad-template")) == 1, "the failed instance was run again"
        assert total_runs(env.ctm(ns, "bad-second")) == 1, "the failed instance was run again"


# --------------------------------------------------------------------------- 6. alert from another namespace

def test_alert_from_another_namespace_does_not_run(cluster):
    env = cluster
    with env.diagnostics():
        shop = env.namespace("shop")
        other = env.namespace("other")
        out = env.apply(ctm_doc(shop, "foreign", {"alert": {"name": "OtherNamespaceCPU"}},
                                [{"deletePod": {"name": "{{labels.pod}}"}}, marker_patch("foreign-marker")]))
        assert "countermeasure.vigil.dev/foreign created" in out, out
        marker_configmap(env, shop, "foreign-marker")
        wait_until(lambda: cond(env.ctm(shop, "foreign"), "SourceReachable").get("status") == "True", 3 * POLL + 5,
                   0.3, "foreign's source to be reachable")
        seq0 = env.seq()
        env.deployment(other, "hot", {"sim.vigil.dev/cpu": "0.9"})
        alerts = wait_until(lambda: env.prom.alerts("OtherNamespaceCPU", other), 30, 0.3,
                            "Prometheus to fire OtherNamespaceCPU for namespace other")
        print(f"OtherNamespaceCPU firing: {alerts}")
        time.sleep(3 * POLL + 1)  # three polls see the firing alert
        obj = env.ctm(shop, "foreign")
        assert runs(obj) == [] and total_runs(obj) == 0, obj["status"]
        assert not set(env.reasons(shop, "foreign")) & {"Fired", "ActionTaken", "ActionFailed"}
        writes = env.writes(seq0)
        acted = [w for w in writes if w["method"] == "DELETE" or "foreign-marker" in w["path"]]
        assert acted == [], acted
        assert len(env.pods(other)) == 1
        assert cond(obj, "Ready").get("status") == "True", obj["status"]
        # Ignored, with an Event (issue 17: "an alert whose namespace label differs is ignored, with an Event").
        ignored = [e for e in env.events(shop, "foreign") if e["reason"] == "IgnoredOtherNamespace"]
        assert len(ignored) == 1, [(e["reason"], e["message"]) for e in env.events(shop, "foreign")]
        assert ignored[0]["type"] == "Warning" and "OtherNamespaceCPU" in ignored[0]["message"], ignored
        assert re.search(r"\bother\b", ignored[0]["message"]), ignored
        assert obj["status"].get("ignoredNamespaces") == ["other"], obj["status"]


# --------------------------------------------------------------------------- 4. Prometheus killed and restarted

def test_prometheus_killed_and_restarted_fires_once(cluster):
    env = cluster
    with env.diagnostics():
        try:
            _prometheus_restart(env)
        finally:
            if not (env.flaky.proc and env.flaky.proc.poll() is None):
                env.flaky.start()


def _prometheus_restart(env: Env) -> None:
    ns = env.namespace("flaky")
    marker_configmap(env, ns, "marker")
    out = env.apply(ctm_doc(ns, "hot-flaky", {"alert": {"name": "HotNamespace"}}, [marker_patch("marker")],
                            source="flaky"))
    assert "countermeasure.vigil.dev/hot-flaky created" in out, out
    wait_until(lambda: cond(o := env.ctm(ns, "hot-flaky"), "SourceReachable").get("status") == "True"
               and cond(o, "Ready").get("status") == "True", 3 * POLL + 5, 0.3, "hot-flaky Ready, source reachable")

    env.flaky.sigkill()
    killed = time.monotonic()
    obj = wait_until(lambda: (o := env.ctm(ns, "hot-flaky")) and cond(o, "SourceReachable").get("status") == "False"
                     and o, 3 * POLL + 4, 0.2, "SourceReachable=False after Prometheus was killed")
    print(f"SourceReachable=False {time.monotonic() - killed:.1f}s after the SIGKILL")
    msg = cond(obj, "SourceReachable")["message"]
    assert f"127.0.0.1:{env.flaky.port}" in msg, f"the error does not name the URL: {msg!r}"
    assert cond(obj, "Ready")["status"] == "False", obj["status"]["conditions"]
    print(f"SourceReachable message: {msg!r}")

    # The alert starts while the source is down: nothing fires on missing data.
    seq0 = env.seq()
    env.deployment(ns, "hot", {"sim.vigil.dev/cpu": "0.9"})
    wait_until(lambda: env.prom.alerts("HotNamespace", ns), 30, 0.3,
               f"HotNamespace to fire for {ns} (seen on the other Prometheus)")
    time.sleep(2 * POLL)
    obj = env.ctm(ns, "hot-flaky")
    assert total_runs(obj) == 0 and runs(obj) == [], obj["status"]
    assert cond(obj, "SourceReachable")["status"] == "False", obj["status"]["conditions"]

    # The failed polls are counted (code "error": no answer), and polling backs off: without back-off a poll
    # would go out every interval.
    down = time.monotonic() - killed
    errors = env.prometheus_requests("flaky", "error")
    print(f"requests to the dead source in {down:.1f}s: {errors}")
    assert errors >= 1, "vigil_prometheus_requests_total{source=flaky,code=error} did not count the failures"
    assert errors <= down / POLL * 0.75, f"{errors} polls of a dead source in {down:.1f}s (interval {POLL}s): no back-off"

    env.flaky.start()
    restarted = time.monotonic()
    wait_until(lambda: cond(env.ctm(ns, "hot-flaky"), "SourceReachable").get("status") == "True", 30, 0.3,
               "SourceReachable=True after Prometheus came back")
    print(f"SourceReachable=True {time.monotonic() - restarted:.1f}s after the restart")
    obj = wait_until(lambda: (o := env.ctm(ns, "hot-flaky")) and any(r["phase"] != "Running" for r in runs(o)) and o,
                     30, 0.3, "the run after recovery")
    (run,) = runs(obj)
    assert run["phase"] == "Succeeded", run
    time.sleep(2 * POLL + 0.5)  # more polls of the still-firing alert
    obj = env.ctm(ns, "hot-flaky")
    assert total_runs(obj) == 1 and len(runs(obj)) == 1, obj["status"]
    assert cond(obj, "Ready")["status"] == "True", obj["status"]["conditions"]
    patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker"]
    assert len(patches) == 1 and patches[0]["method"] == "PATCH", patches


# --------------------------------------------------------------------------- 3. cooldown/maxRuns across SIGKILL

def test_cooldown_and_max_runs_hold_across_sigkill_of_owner(cluster):
    env = cluster
    with env.diagnostics():
        _cooldown_failover(env)  # (the next test's `cluster` starts a third replica again)


def _cooldown_failover(env: Env) -> None:
    ns = env.namespace("cool")
    marker_configmap(env, ns, "marker-cooldown")
    marker_configmap(env, ns, "marker-capped")
    seq0 = env.seq()
    env.deployment(ns, "hot", {"sim.vigil.dev/cpu": "0.9"})
    trigger = {"alert": {"name": "HotNamespace", "matchers": ['severity="warning"']}}
    env.apply(ctm_doc(ns, "cooldown", trigger, [marker_patch("marker-cooldown"),
                                                 {"event": {"reason": "NamespaceHot", "message": "{{namespace}} hot"}}],
                      cooldown="10m"))
    env.apply(ctm_doc(ns, "capped", trigger, [marker_patch("marker-capped")], maxRuns=1, resetAfter="1h"))

    def first_runs():
        objs = [env.ctm(ns, n) for n in ("cooldown", "capped")]
        return all(runs(o) and runs(o)[0]["phase"] == "Succeeded" for o in objs) and objs
    cool, capped = wait_until(first_runs, 40, 0.3, "the first run of both CounterMeasures")
    first_instance = runs(cool)[0]["instance"]
    first_active = env.prom.alerts("HotNamespace", ns)[0]["activeAt"]

    owner = wait_until(lambda: env.owner(ns), 5, 0.2, f"the one replica owning {ns}")
    acted_by = {e.get("reportingInstance") for e in env.events(ns, "cooldown") if e["reason"] == "Fired"}
    assert acted_by == {owner.identity}, (acted_by, owner.identity)
    owner.sigkill()
    killed = time.monotonic()
    print(f"SIGKILLed {owner.identity}, the owner of {ns}")

    # While the same alert keeps firing (same instance) another replica takes the namespace over.
    new_owner = wait_until(lambda: (o := env.owner(ns)) and o.identity != owner.identity and o, 30, 0.3,
                           f"another replica to own {ns}")
    print(f"{new_owner.identity} owns {ns} {time.monotonic() - killed:.1f}s after the kill")

    # Make the alert end and fire again: a new instance for the same target, within cooldown and past maxRuns.
    env.kubectl.ok("scale", "deployment", "hot", "--replicas=0", "-n", ns)
    wait_until(lambda: not env.prom.alerts("HotNamespace", ns) and not env.prom.alerts("HotNamespace", ns, "pending"),
               30, 0.3, f"HotNamespace to resolve for {ns}")
    env.kubectl.ok("scale", "deployment", "hot", "--replicas=1", "-n", ns)
    again = wait_until(lambda: [a for a in env.prom.alerts("HotNamespace", ns) if a["activeAt"] != first_active], 30,
                       0.3, f"HotNamespace to fire again for {ns}")
    print(f"HotNamespace fired again: activeAt {first_active} -> {again[0]['activeAt']}")

    blocked_cool = wait_until(lambda: [e for e in env.events(ns, "cooldown") if e["reason"] == "Cooldown"], 30, 0.3,
                              "a Cooldown Event for the new instance")
    blocked_cap = wait_until(lambda: [e for e in env.events(ns, "capped") if e["reason"] == "MaxRunsReached"], 15,
                             0.3, "a MaxRunsReached Event for the new instance")
    survivors = {r.identity for r in env.live()}
    assert blocked_cool[0]["reportingInstance"] in survivors and blocked_cool[0]["type"] == "Warning", blocked_cool
    assert blocked_cap[0]["reportingInstance"] in survivors and blocked_cap[0]["type"] == "Warning", blocked_cap
    time.sleep(2 * POLL + 0.5)  # more polls of the re-fired alert: a second run would start here

    for name in ("cooldown", "capped"):
        obj = env.ctm(ns, name)
        assert total_runs(obj) == 1 and len(runs(obj)) == 1, (name, obj["status"])
        assert runs(obj)[0]["instance"] == (first_instance if name == "cooldown" else runs(capped)[0]["instance"])
        blocked = obj["status"].get("blocked") or {}
        assert list(blocked.values()) == ["Cooldown" if name == "cooldown" else "MaxRunsReached"], (name, blocked)
        assert list(blocked) != [first_instance], blocked
        reasons = env.reasons(ns, name)
        assert reasons.count("Fired") == 1, (name, reasons)
    writes = env.writes(seq0)
    for cm in ("marker-cooldown", "marker-capped"):
        patches = [w for w in writes if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/{cm}"]
        assert len(patches) == 1 and patches[0]["method"] == "PATCH", (cm, patches)
    hot_events = [e for e in env.events(ns, "cooldown") if e["reason"] == "NamespaceHot"]
    assert len(hot_events) == 1 and hot_events[0].get("count", 1) == 1, hot_events


# --------------------------------------------------------------------------- 7. SIGKILL in the middle of a run

def test_owner_killed_mid_run_resumes_and_acts_once(cluster):
    env = cluster
    with env.diagnostics():
        _killed_mid_run(env)  # (the next test's `cluster` starts a third replica again)


def _killed_mid_run(env: Env) -> None:
    """The owner dies while its debug container runs (captured output not yet stored, the pod not yet deleted).
    The next owner resumes the run under the same effect keys: it finds the debug container already there,
    captures its output, and deletes the pod. Each happens once."""
    ns = env.namespace("slow")
    seq0 = env.seq()
    # The debug container runs 8 s: long enough to kill the owner while the run waits for it.
    env.deployment(ns, "slowpod", {"sim.vigil.dev/cpu": "0.9", "sim.vigil.dev/debug-seconds": "8"}, container="app")
    pod = env.pods(ns)[0]["metadata"]["name"]
    env.apply(ISSUE_THREAD_DUMP.replace("namespace: shop", f"namespace: {ns}"))
    debug_patch = wait_until(lambda: pod_writes(env.writes(seq0), ns, pod, "PATCH", "ephemeralcontainers"), 40, 0.2,
                             "the debug container to be added")
    owner = wait_until(lambda: env.owner(ns), 5, 0.2, f"the one replica owning {ns}")
    assert not pod_writes(env.writes(seq0), ns, pod, "DELETE"), "the pod was deleted before the debug container ended"
    owner.sigkill()
    print(f"SIGKILLed {owner.identity} mid-run ({len(debug_patch)} debug PATCH so far)")

    def done():
        o = env.ctm(ns, "checkout-thread-dump")
        return [r for r in runs(o) if r["phase"] == "Succeeded" and pod in json.dumps(r["values"])] and o
    obj = wait_until(done, 60, 0.5, "another replica to finish the run")
    run = [r for r in runs(obj) if pod in json.dumps(r["values"])][0]
    assert [a["phase"] for a in run["actions"]] == ["Succeeded", "Succeeded"], run
    writes = env.writes(seq0)
    assert len(pod_writes(writes, ns, pod, "PATCH", "ephemeralcontainers")) == 1, "the debug container was added twice"
    assert len(pod_writes(writes, ns, pod, "DELETE")) == 1, "the pod was deleted more than once"
    cm_name = run["actions"][0]["output"]["configMap"]
    cm = env.get(f"/api/v1/namespaces/{ns}/configmaps/{cm_name}")
    assert "Full thread dump" in cm["data"]["output"]
    # The ledger shows the takeover: the debug effect was resumed by a surviving replica.
    effects = [e for e in obj["status"]["effects"] if e["action"] == "debug:0"]
    debug = [e for e in effects if e["phase"] == "Succeeded"]
    assert debug and debug[0]["owner"] != owner.identity and debug[0]["attempts"] >= 2, effects
    finishers = {e.get("reportingInstance") for e in env.events(ns, "checkout-thread-dump") if e["reason"] == "ActionTaken"}
    assert owner.identity not in finishers, finishers


# --------------------------------------------------------------------------- 8. Alertmanager pushes (issue 11)

class Alertmanager:
    """A real Alertmanager (Debian's prometheus-alertmanager) whose webhook receiver is one vigil replica."""

    def __init__(self, workdir: Path, target_port: int, token_file: Path, peer: "Alertmanager | None" = None):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.cluster_port = free_port()
        self.peer = peer
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = {"route": {"receiver": "vigil", "group_by": ["alertname", "namespace"], "group_wait": "0s",
                         "group_interval": "1s", "repeat_interval": "1h"},
               "receivers": [{"name": "vigil", "webhook_configs": [{
                   "url": f"http://127.0.0.1:{target_port}/alertmanager/webhook", "send_resolved": True,
                   "http_config": {"authorization": {"type": "Bearer", "credentials_file": str(token_file)}}}]}]}
        (self.dir / "am.yml").write_text(yaml.safe_dump(cfg))
        self.log = self.dir / "am.log"

    def start(self) -> "Alertmanager":
        if not Path(ALERTMANAGER).exists():
            pytest.fail(f"{ALERTMANAGER} not found: install it with `apt-get install prometheus-alertmanager`", pytrace=False)
        # Alone, or clustered with `peer` (gossip on loopback: the two deduplicate notifications, at least once).
        cluster = [f"--cluster.listen-address=127.0.0.1:{self.cluster_port}", "--cluster.peer-timeout=1s",
                   "--cluster.gossip-interval=100ms", "--cluster.pushpull-interval=1s"]
        if self.peer:
            cluster.append(f"--cluster.peer=127.0.0.1:{self.peer.cluster_port}")
        self.proc = subprocess.Popen([ALERTMANAGER, f"--config.file={self.dir / 'am.yml'}", f"--storage.path={self.dir / 'data'}",
                                      f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=info", *cluster],
                                     stdout=open(self.log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"alertmanager exited {self.proc.returncode}: {self.log.read_text()[-2000:]}", pytrace=False)
            try:
                return requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_until(ready, 30, 0.1, "alertmanager /-/ready")
        return self

    def post(self, labels: dict, starts_at: str | None = None) -> None:
        alert = {"labels": labels, "annotations": {"summary": "pushed by the test"}}
        if starts_at:
            alert["startsAt"] = starts_at
        r = requests.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=5)
        assert r.status_code == 200, r.text

    def stop(self) -> None:
        stop_process(getattr(self, "proc", None), 3)


def received_total(replica: Replica, outcome: str) -> float:
    resp = replica.get("/metrics")
    assert resp is not None and resp.status_code == 200
    total = 0.0
    for line in resp.text.splitlines():
        m = re.match(r"vigil_alerts_received_total\{(.*)\}\s+(\S+)$", line)
        if m and f'outcome="{outcome}"' in m.group(1):
            total += float(m.group(2))
    return total


def test_alertmanager_push_to_a_non_owner_is_forwarded_and_acted_on_once(cluster):
    env = cluster
    with env.diagnostics():
        ns = env.namespace("pushed")
        marker_configmap(env, ns, "marker-push")
        seq0 = env.seq()
        env.apply(ctm_doc(ns, "pushed", {"alert": {"name": "PushedOnly", "matchers": ['severity="page"']}},
                          [marker_patch("marker-push"), {"event": {"reason": "Paged", "message": "{{labels.pod}} paged"}}]))
        owner = wait_until(lambda: env.owner(ns), 10, 0.2, f"the one replica owning {ns}")
        other = next(r for r in env.live() if r.identity != owner.identity)
        am = Alertmanager(env.workdir / "alertmanager", other.port, Path(env.config["alertmanager"]["tokenFile"])).start()
        try:
            # The alert is in no Prometheus rule: it can only arrive by push, at a replica that does not own it.
            am.post({"alertname": "PushedOnly", "namespace": ns, "pod": "p-1", "severity": "page"})
            am.post({"alertname": "PushedOnly", "namespace": ns, "pod": "p-2", "severity": "info"})  # matchers exclude it
            obj = wait_until(lambda: (o := env.ctm(ns, "pushed")) and total_runs(o) >= 1
                             and runs(o)[0]["phase"] == "Succeeded" and o, 30, 0.3, "the pushed alert's run")
            fp = runs(obj)[0]["values"]["alertFingerprint"]
            assert list(obj["status"]["pushed"]) and all(k.startswith(fp + "/") for k in obj["status"]["pushed"]), obj["status"]["pushed"]
            assert received_total(other, "forwarded") >= 1 and received_total(owner, "handled") >= 1
            fired = [e for e in env.events(ns, "pushed") if e["reason"] == "Fired"]
            assert {e.get("reportingInstance") for e in fired} == {owner.identity}, fired
            # Alertmanager re-sends (group_interval) and a second post of the same alert change nothing.
            am.post({"alertname": "PushedOnly", "namespace": ns, "pod": "p-1", "severity": "page"})
            time.sleep(3 * POLL)
            obj = env.ctm(ns, "pushed")
            assert total_runs(obj) == 1, obj["status"]
            patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker-push"]
            assert len(patches) == 1, patches
            assert [e["reason"] for e in env.events(ns, "pushed")].count("Paged") == 1
        finally:
            am.stop()
            if os.environ.get("KEEP_AM_LOG"):
                print(am.log.read_text()[-3000:])


def test_alertmanager_receiver_rejects_what_it_cannot_take(cluster):
    env = cluster
    with env.diagnostics():
        r = env.live()[0]
        url = f"http://127.0.0.1:{r.port}/alertmanager/webhook"
        good = {"version": "4", "groupKey": "g", "status": "firing", "receiver": "vigil",
                "alerts": [{"status": "firing", "labels": {"alertname": "X"}, "startsAt": "2026-12-07T04:00:00Z"}]}
        auth = {"Authorization": f"Bearer {AM_TOKEN}"}
        assert requests.post(url, json=good, timeout=5).status_code == 401
        assert requests.post(url, json=good, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
        bad = requests.post(url, json={**good, "version": "3"}, headers=auth, timeout=5)
        assert bad.status_code == 400 and bad.text.startswith('version: "3" is not supported'), bad.text
        bad = requests.post(url, json={**good, "alerts": [{"status": "firing", "labels": {"alertname": "X"}}]}, headers=auth, timeout=5)
        assert bad.status_code == 400 and bad.text.startswith("alerts[0].startsAt: required"), bad.text
        big = requests.post(url, data=b"{" + b" " * (1024 * 1024 + 10) + b"}", headers={**auth, "Content-Type": "application/json"}, timeout=10)
        assert big.status_code == 413, big.status_code
        before = received_total(r, "no_namespace")
        ok = requests.post(url, json=good, headers=auth, timeout=5)
        assert ok.status_code == 200 and "without a namespace label 1" in ok.text, ok.text
        assert received_total(r, "no_namespace") == before + 1
        assert "has no namespace label" in r.tail(200)


def test_pushed_and_polled_alert_runs_once(cluster):
    """The same alert polled from Prometheus (activeAt) and pushed by Alertmanager (startsAt = Prometheus' FiredAt,
    later than activeAt when the rule has `for`): one instance, one run."""
    env = cluster
    with env.diagnostics():
        ns = env.namespace("both")
        marker_configmap(env, ns, "marker-both")
        seq0 = env.seq()
        env.deployment(ns, "hot", {"sim.vigil.dev/cpu": "0.9"})
        env.apply(ctm_doc(ns, "both", {"alert": {"name": "HotNamespace"}}, [marker_patch("marker-both")]))
        obj = wait_until(lambda: (o := env.ctm(ns, "both")) and total_runs(o) == 1 and runs(o)[0]["phase"] == "Succeeded" and o,
                         40, 0.3, "the polled alert's run")
        polled = wait_until(lambda: env.prom.alerts("HotNamespace", ns), 10, 0.3, "HotNamespace firing in Prometheus")[0]
        active = parse_time(polled["activeAt"])
        fired_at = dt.datetime.fromtimestamp(active + 1.5, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        am = Alertmanager(env.workdir / "alertmanager-both", env.live()[-1].port, Path(env.config["alertmanager"]["tokenFile"])).start()
        try:
            am.post(polled["labels"], starts_at=fired_at)
            wait_until(lambda: (env.ctm(ns, "both")["status"].get("pushed") or None), 20, 0.3, "the pushed copy recorded")
            time.sleep(2 * POLL + 1)
            obj = env.ctm(ns, "both")
            assert total_runs(obj) == 1, obj["status"]
            patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker-both"]
            assert len(patches) == 1, patches
            episode = list(obj["status"]["episodes"].values())[0]
            assert "activeAt" in episode and "startsAt" in episode, episode
        finally:
            am.stop()


def test_two_clustered_alertmanagers_notifying_different_replicas_act_once(cluster):
    env = cluster
    with env.diagnostics():
        ns = env.namespace("amha")
        marker_configmap(env, ns, "marker-ha")
        seq0 = env.seq()
        env.apply(ctm_doc(ns, "ha", {"alert": {"name": "PushedHA"}}, [marker_patch("marker-ha")]))
        token = Path(env.config["alertmanager"]["tokenFile"])
        a, b = env.live()[0], env.live()[1]
        am1 = Alertmanager(env.workdir / "am-ha-1", a.port, token).start()
        am2 = Alertmanager(env.workdir / "am-ha-2", b.port, token, peer=am1).start()
        try:
            wait_until(lambda: len(requests.get(f"{am2.url}/api/v2/status", timeout=2).json()["cluster"]["peers"]) == 2, 20, 0.3,
                       "the two Alertmanagers to form a cluster")
            # Prometheus sends every alert to every Alertmanager of the pair.
            labels = {"alertname": "PushedHA", "namespace": ns, "pod": "p-1"}
            am1.post(labels)
            am2.post(labels)
            wait_until(lambda: (o := env.ctm(ns, "ha")) and total_runs(o) == 1 and runs(o)[0]["phase"] == "Succeeded", 30, 0.3,
                       "the run of the alert both Alertmanagers hold")
            time.sleep(3 * POLL)
            assert total_runs(env.ctm(ns, "ha")) == 1
            patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker-ha"]
            assert len(patches) == 1, patches
        finally:
            am2.stop()
            am1.stop()


def test_the_receiving_replica_killed_while_alertmanager_sends_loses_nothing(cluster):
    """Alertmanager sends through a load balancer (nginx, standing in for the Service) to any replica. The replica it
    would reach first is SIGKILLed: the request goes on to another replica (as a Service sends a retry), which
    forwards or records each alert; every alert is acted on once, none lost. (A kill between recording and
    answering is covered by the design: the record is in the API server before the 200.)"""
    env = cluster
    with env.diagnostics():
        ns = env.namespace("amkill")
        marker_configmap(env, ns, "marker-kill")
        seq0 = env.seq()
        env.apply(ctm_doc(ns, "kill", {"alert": {"name": "PushedKill"}}, [marker_patch("marker-kill")]))
        owner = wait_until(lambda: env.owner(ns), 10, 0.2, f"the one replica owning {ns}")
        victim = next(r for r in env.live() if r.identity != owner.identity)
        others = [r for r in env.live() if r.identity != victim.identity]
        lb_port = free_port()
        lb_dir = env.workdir / "nginx"
        lb_dir.mkdir(exist_ok=True)
        # The victim first; the others only when it fails (the Service's load balancing, made deterministic).
        upstream = f"server 127.0.0.1:{victim.port} max_fails=1 fail_timeout=30s;\n" + "".join(
            f"server 127.0.0.1:{r.port} backup;\n" for r in others)
        (lb_dir / "nginx.conf").write_text(f"""
pid {lb_dir}/nginx.pid;
error_log {lb_dir}/error.log;
daemon off;
events {{}}
http {{
  access_log {lb_dir}/access.log;
  client_body_temp_path {lb_dir}/body;
  proxy_temp_path {lb_dir}/proxy;
  upstream vigil {{ {upstream} }}
  server {{
    listen 127.0.0.1:{lb_port};
    location / {{
      proxy_pass http://vigil;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_connect_timeout 1s;
    }}
  }}
}}
""")
        lb = subprocess.Popen(["/usr/sbin/nginx", "-c", str(lb_dir / "nginx.conf"), "-p", str(lb_dir)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        am = Alertmanager(env.workdir / "am-kill", lb_port, Path(env.config["alertmanager"]["tokenFile"]))
        try:
            def lb_up():
                if lb.poll() is not None:
                    pytest.fail(f"nginx exited {lb.returncode}: {(lb_dir / 'error.log').read_text()[-1500:]}", pytrace=False)
                try:
                    return requests.get(f"http://127.0.0.1:{lb_port}/healthz", timeout=1).status_code == 200
                except requests.RequestException:
                    return False
            wait_until(lb_up, 10, 0.2, "nginx in front of the replicas")
            victim.sigkill()
            print(f"SIGKILLed {victim.identity}, the replica nginx sends to first")
            am.start()
            for i in range(5):
                am.post({"alertname": "PushedKill", "namespace": ns, "pod": f"p-{i}"})
            wait_until(lambda: total_runs(env.ctm(ns, "kill")) == 5 and all(r["phase"] == "Succeeded" for r in runs(env.ctm(ns, "kill"))),
                       40, 0.3, "a run for every pushed alert")
            time.sleep(3 * POLL)
            obj = env.ctm(ns, "kill")
            assert total_runs(obj) == 5 and len({r["instance"] for r in runs(obj)}) == 5, obj["status"]
            patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker-kill"]
            assert len(patches) == 5, patches
            tried = (lb_dir / "error.log").read_text()
            assert f"127.0.0.1:{victim.port}" in tried, "nginx never tried the killed replica: the test proved nothing"
        finally:
            am.stop()
            stop_process(lb, 3)


def test_a_hand_off_while_alerts_arrive_acts_on_each_once(cluster):
    """The owner of the alerts' namespace is SIGTERMed while Alertmanager keeps sending to another replica: while the
    namespace has no committed owner that replica answers 503 and Alertmanager retries (how many 503s depends on the
    timing, often none: the count is printed; the receiver's unit test proves the 503 itself). Every alert runs once."""
    env = cluster
    with env.diagnostics():
        ns = env.namespace("amhandoff")
        marker_configmap(env, ns, "marker-handoff")
        seq0 = env.seq()
        env.apply(ctm_doc(ns, "handoff", {"alert": {"name": "PushedHandoff"}}, [marker_patch("marker-handoff")]))
        owner = wait_until(lambda: env.owner(ns), 10, 0.2, f"the one replica owning {ns}")
        receiver = next(r for r in env.live() if r.identity != owner.identity)
        am = Alertmanager(env.workdir / "am-handoff", receiver.port, Path(env.config["alertmanager"]["tokenFile"])).start()
        try:
            unavailable_before = received_total(receiver, "unavailable")
            for i in range(12):
                am.post({"alertname": "PushedHandoff", "namespace": ns, "pod": f"p-{i}"})
                if i == 4:
                    owner.proc.send_signal(signal.SIGTERM)
                    print(f"SIGTERMed {owner.identity}, the owner of {ns}")
                time.sleep(0.25)
            obj = wait_until(lambda: (o := env.ctm(ns, "handoff")) and total_runs(o) == 12
                             and all(r["phase"] == "Succeeded" for r in runs(o)) and o, 60, 0.3, "a run for each of the 12 alerts")
            time.sleep(2 * POLL)
            obj = env.ctm(ns, "handoff")
            assert total_runs(obj) == 12 and len({r["instance"] for r in runs(obj)}) == 12, obj["status"]
            patches = [w for w in env.writes(seq0) if w["path"] == f"/api/v1/namespaces/{ns}/configmaps/marker-handoff"]
            assert len(patches) == 12, len(patches)
            print(f"{receiver.identity} answered 503 {received_total(receiver, 'unavailable') - unavailable_before:g} time(s) during the hand-off")
            assert owner.proc.wait(20) == 0, "the SIGTERMed owner did not exit cleanly"
        finally:
            am.stop()
