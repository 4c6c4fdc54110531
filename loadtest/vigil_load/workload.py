"""What a scenario creates in the cluster, and the triggers it pulls, through any kubeconfig (the official client).

Every kind's effect is countable once:

- NamespacePolicy: `ttl` → a webhook to the receiver at /nsp/<namespace>. Trigger: the namespace's
  creationTimestamp + ttl.
- CounterMeasure: a pod `hot` whose container `hot` uses 400Mi appears at the trigger time; half the
  CounterMeasures fire on the Prometheus alert VigilLoadHot (rule: that working set > 300Mi, polled from Prometheus
  and pushed by Alertmanager), half on a PromQL threshold over the same series (one expression for all of them).
  `maxRuns: 1` → one webhook at /ctm/<namespace>. Trigger: the pod seen Running.
- HealthCheck: an HTTP check of the health server's /hc/<namespace>, which answers 200 until the trigger time and
  500 after; `failureThreshold: 1`, remedy a webhook at /hc/<namespace>, `runsLimit: 1`. Trigger: the first check
  answered 500 (the wait for the next scheduled run after the flip belongs to the schedule).
- MemoryScaler: a pod `cache` (limit 256Mi, working set 240Mi: 94 %) appears at the trigger time; threshold 90 %,
  ×2, in place → one resize to 512Mi (at 47 % no second step is due; a second step would show as 1024Mi, a duplicate).
  Trigger: the pod seen Running; action: its limit seen raised.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from .scenario import KINDS, Scenario

GROUP, VERSION = "vigil.dev", "v1alpha1"
PLURAL = {"namespacePolicy": "namespacepolicies", "counterMeasure": "countermeasures",
          "healthCheck": "healthchecks", "memoryScaler": "memoryscalers"}
SHORT = {"namespacePolicy": "nsp", "counterMeasure": "ctm", "healthCheck": "hc", "memoryScaler": "msc"}
KIND_NAME = {"nsp": "NamespacePolicy", "ctm": "CounterMeasure", "hc": "HealthCheck", "msc": "MemoryScaler"}
HOT_EXPR = 'max by (namespace, pod) (container_memory_working_set_bytes{container="hot"})'
HOT_BYTES = 300 * 2**20
ALERT = "VigilLoadHot"
RULES = {"groups": [{"name": "vigil-load", "interval": "1s", "rules": [
    {"alert": ALERT, "expr": f"{HOT_EXPR} > {HOT_BYTES}", "labels": {"severity": "warning"},
     "annotations": {"summary": "a load-test pod uses more than 300Mi"}}]}]}


def parse_time(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


@dataclass
class Planned:
    kind: str  # nsp | ctm | hc | msc
    namespace: str
    offset: float  # seconds after the run's start
    trigger_at: float | None = None  # wall clock, once known
    alert: bool = False  # a CounterMeasure on the alert (else on the PromQL threshold)


class Kube:
    """The official Kubernetes client on the kubeconfig given (kube-sim's, kind's, any cluster's)."""

    def __init__(self, kubeconfig: str | None, context: str | None = None):
        cfg = client.Configuration()
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=cfg)
        cfg.connection_pool_maxsize = 32
        cfg.retries = 3
        self.api = client.ApiClient(cfg)
        self.core = client.CoreV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.apps = client.AppsV1Api(self.api)

    @staticmethod
    def retry(what: str, fn, budget: float = 60.0):
        """Calls `fn` until it succeeds: the runner's own writes must survive the faults a chaos scenario injects
        (429 and 5xx storms, a stalled API server). 409 AlreadyExists (a retry of a write whose answer was lost)
        counts as done and returns None; other 4xx are the runner's bug and raise at once."""
        deadline = time.monotonic() + budget
        delay = 0.2
        while True:
            try:
                return fn()
            except ApiException as e:
                if e.status == 409:
                    return None
                if e.status not in (429, 500, 502, 503, 504) or time.monotonic() > deadline:
                    raise RuntimeError(f"{what}: {e.status} {e.reason}: {(e.body or '')[:300]}") from None
            except Exception as e:  # noqa: BLE001 (connection reset, timeout)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what}: {type(e).__name__}: {e}") from None
            time.sleep(delay)
            delay = min(2.0, delay * 2)

    def crds_served(self) -> list[str]:
        """The Vigil kinds the cluster does not serve (their CRDs are missing)."""
        missing = []
        for kind, plural in PLURAL.items():
            try:
                self.custom.list_cluster_custom_object(GROUP, VERSION, plural, limit=1)
            except ApiException as e:
                if e.status == 404:
                    missing.append(kind)
                else:
                    raise
        return missing


class Workload:
    def __init__(self, kube: Kube, scenario: Scenario, prefix: str, receiver_url: str, health_url: str):
        self.kube = kube
        self.s = scenario
        self.prefix = prefix
        self.receiver_url = receiver_url
        self.health_url = health_url
        self.plan: list[Planned] = []
        self.lock = threading.Lock()
        self.created_at: dict[str, float] = {}  # namespace → its creationTimestamp (whole seconds)
        self.pod_running: dict[str, float] = {}  # namespace → when its trigger pod was first seen Running
        self.limits: list[dict] = []  # MemoryScaler steps seen: {"effect", "id", "at"}
        self._last_limit: dict[str, str] = {}
        self.flip_at: dict[str, float] = {}  # hc namespace → wall clock of the 200 → 500 flip
        self.first_failure: dict[str, float] = {}  # hc namespace → when the health server first answered 500
        self.errors: list[str] = []
        # Interleave the kinds over the trigger window: the j-th namespace of all triggers at start + over·j/(n-1).
        n = scenario.total_namespaces
        cursors = {k: 0 for k in KINDS}
        while len(self.plan) < n:
            for k in KINDS:
                if cursors[k] < scenario.namespaces[k]:
                    j = len(self.plan)
                    offset = scenario.trigger_start + (scenario.trigger_over * j / (n - 1) if n > 1 else 0)
                    self.plan.append(Planned(SHORT[k], f"{prefix}-{SHORT[k]}-{cursors[k]:05d}", offset))
                    cursors[k] += 1

    @property
    def namespaces(self) -> list[str]:
        return [p.namespace for p in self.plan]

    # ---------------------------------------------------------------- creation
    def create(self, t0: float, workers: int = 16) -> float:
        """Creates every namespace and resource; returns the seconds it took."""
        start = time.time()
        with ThreadPoolExecutor(workers) as pool:
            for f in [pool.submit(self._create_one, p, t0) for p in self.plan]:
                f.result()
        return time.time() - start

    def _create_one(self, p: Planned, t0: float) -> None:
        labels = {"vigil-load": self.prefix, "vigil-load-kind": p.kind}
        body = client.V1Namespace(metadata=client.V1ObjectMeta(name=p.namespace, labels=labels))
        created = Kube.retry(f"creating namespace {p.namespace}", lambda: self.kube.core.create_namespace(body))
        if created is None:  # created by an attempt whose answer was lost
            created = Kube.retry(f"reading namespace {p.namespace}", lambda: self.kube.core.read_namespace(p.namespace))
        created_at = created.metadata.creation_timestamp.timestamp()
        with self.lock:
            self.created_at[p.namespace] = created_at
        due = t0 + p.offset
        if p.kind == "nsp":
            # creationTimestamp has whole seconds: the policy fires at creation + ttl, which is what is judged.
            ttl = max(1, math.ceil(due - created_at))
            p.trigger_at = created_at + ttl
            self._custom(p, "namespacePolicy", {"policies": [{
                "name": "notify", "condition": {"ttl": f"{ttl}s"},
                "action": {"webhook": {"url": f"{self.receiver_url}/nsp/{p.namespace}"}}}]})
        elif p.kind == "ctm":
            use_alert = {"alert": True, "promql": False}.get(self.s.ctm_triggers, int(p.namespace[-5:]) % 2 == 0)
            p.alert = use_alert
            trigger = {"alert": {"name": ALERT}} if use_alert else {"promql": {"expr": HOT_EXPR, "above": HOT_BYTES}}
            self._custom(p, "counterMeasure", {
                "trigger": trigger, "maxRuns": 1, "resetAfter": "24h",
                "actions": [{"webhook": {"url": f"{self.receiver_url}/ctm/{p.namespace}",
                                         "body": '{"namespace": "{{namespace}}", "pod": "{{labels.pod}}"}'}}]})
        elif p.kind == "hc":
            with self.lock:
                self.flip_at[p.namespace] = due
            p.trigger_at = max(due, time.time())
            self._custom(p, "healthCheck", {
                "schedule": {"every": f"{self.s.hc_every:g}s"},
                "check": {"http": {"url": f"{self.health_url}/hc/{p.namespace}", "timeout": "2s"}},
                "failureThreshold": 1,
                "remedy": {"actions": [{"webhook": {"url": f"{self.receiver_url}/hc/{p.namespace}"}}],
                           "runsLimit": 1, "resetInterval": "24h"}})
        elif p.kind == "msc":
            self._custom(p, "memoryScaler", {
                "selector": {"matchLabels": {"app": "cache"}}, "thresholdPercent": 90, "multiplier": 2,
                "maxMemory": "2Gi", "onOOMKilled": False, "cooldown": "1h", "mode": "InPlace"})

    def _custom(self, p: Planned, kind: str, spec: dict) -> None:
        k = kind[0].upper() + kind[1:]  # namespacePolicy → NamespacePolicy
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": k, "metadata": {"name": "load"}, "spec": spec}
        Kube.retry(f"creating {k} {p.namespace}/load", lambda: self.kube.custom.create_namespaced_custom_object(
            GROUP, VERSION, p.namespace, PLURAL[kind], body))

    # ---------------------------------------------------------------- triggers
    def health_status(self, namespace: str) -> int:
        """The health server's answer for /hc/<namespace>: 200 before the flip, 500 after. The first 500 is the
        HealthCheck's trigger: the first run that could see the failure (the wait for the next scheduled run after
        the flip, up to `healthCheck.every`, is the schedule's, not Vigil's latency)."""
        now = time.time()
        with self.lock:
            flip = self.flip_at.get(namespace)
            if flip is None or now < flip:
                return 200
            self.first_failure.setdefault(namespace, now)
        return 500

    def pull_triggers(self, t0: float, stop: threading.Event) -> None:
        """Creates the CounterMeasure and MemoryScaler pods at their trigger times (a thread)."""
        pods = sorted((p for p in self.plan if p.kind in ("ctm", "msc")), key=lambda p: p.offset)
        with ThreadPoolExecutor(8) as pool:
            for p in pods:
                wait = t0 + p.offset - time.time()
                if wait > 0 and stop.wait(wait):
                    return
                pool.submit(self._pod, p)

    def _pod(self, p: Planned) -> None:
        if p.kind == "ctm":
            name, container = "hot", {"name": "hot", "image": "busybox"}
            ann = {"sim.vigil.dev/memory": "400Mi"}
        else:
            name = "cache"
            container = {"name": "cache", "image": "busybox",
                         "resources": {"limits": {"memory": "256Mi"}, "requests": {"memory": "128Mi"}}}
            ann = {"sim.vigil.dev/memory": "240Mi"}
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "labels": {"app": name, "vigil-load": self.prefix}, "annotations": ann},
               "spec": {"containers": [container]}}
        try:
            Kube.retry(f"creating pod {p.namespace}/{name}", lambda: self.kube.core.create_namespaced_pod(p.namespace, pod))
        except RuntimeError as e:
            with self.lock:
                self.errors.append(str(e))

    def watch_pods(self, stop: threading.Event) -> None:
        """Records when each trigger pod runs and every MemoryScaler step (a thread). Watches resume from the last
        resourceVersion every 5 s (so the thread sees `stop` soon); an error (a dropped watch, 410 Gone) re-lists."""
        w = watch.Watch()
        selector = f"vigil-load={self.prefix}"
        rv = None
        while not stop.is_set():
            try:
                if rv is None:
                    lst = self.kube.core.list_pod_for_all_namespaces(label_selector=selector)
                    for pod in lst.items:
                        self._seen(pod)
                    rv = lst.metadata.resource_version
                for ev in w.stream(self.kube.core.list_pod_for_all_namespaces, label_selector=selector,
                                   resource_version=rv, timeout_seconds=5):
                    if ev["type"] == "ERROR":
                        rv = None
                        break
                    self._seen(ev["object"])
                    rv = ev["object"].metadata.resource_version
                    if stop.is_set():
                        break
            except Exception as e:  # noqa: BLE001 (a dropped or failed watch: re-list)
                rv = None
                if not stop.is_set():
                    with self.lock:
                        first = (str(e).splitlines() or [""])[0]
                        self.errors.append(f"pod watch (re-listed): {type(e).__name__}: {first}"[:200])
                    stop.wait(1)
        w.stop()

    def _seen(self, pod) -> None:
        now = time.time()
        ns = pod.metadata.namespace
        with self.lock:
            if pod.status and pod.status.phase == "Running" and ns not in self.pod_running:
                self.pod_running[ns] = now
            if pod.metadata.name == "cache" and pod.spec.containers:
                res = pod.spec.containers[0].resources
                limit = (res.limits or {}).get("memory") if res else None
                if limit and limit != "256Mi" and self._last_limit.get(ns) != limit:
                    self.limits.append({"effect": f"msc/{ns}", "id": f"limit={limit}", "at": now})
                self._last_limit[ns] = limit

    # ---------------------------------------------------------------- what the judge reads
    def expected(self, visible: dict[str, dict[str, float]] | None = None) -> list[dict]:
        """Every effect with its trigger time; with `visible` (from the target's `first_visible`), CounterMeasure and
        MemoryScaler effects also get visibleAt: Prometheus' first firing sample of the alert, or first sample of the
        trigger pod's series, for the namespace."""
        visible = visible or {}
        out = []
        with self.lock:
            for p in self.plan:
                at = p.trigger_at
                seen = None
                if p.kind in ("ctm", "msc"):
                    at = self.pod_running.get(p.namespace)
                    source = "cache" if p.kind == "msc" else ("alert" if p.alert else "hot")
                    seen = visible.get(source, {}).get(p.namespace)
                elif p.kind == "hc":
                    at = self.first_failure.get(p.namespace, at)
                e = {"effect": f"{p.kind}/{p.namespace}", "kind": KIND_NAME[p.kind], "namespace": p.namespace,
                     "triggerAt": at}
                if seen is not None:
                    e["visibleAt"] = seen
                out.append(e)
        return out

    def delete_all(self, workers: int = 16) -> None:
        with ThreadPoolExecutor(workers) as pool:
            for p in self.plan:
                pool.submit(self._delete_ns, p.namespace)

    def _delete_ns(self, name: str) -> None:
        try:
            self.kube.core.delete_namespace(name)
        except ApiException:
            pass
