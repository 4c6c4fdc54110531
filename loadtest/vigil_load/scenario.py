"""A load-test scenario: what a run creates, when it triggers, how the replica count changes and what chaos it does.

Scenarios are YAML files (loadtest/scenarios/, chaos/scenarios/); docs/loadtest.md lists every field. Errors name
the file and the field, and unknown fields are refused (a misspelt field would otherwise be silently ignored).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("namespacePolicy", "counterMeasure", "healthCheck", "memoryScaler")
TARGETS = ("random", "leader", "two")
CTM_TRIGGERS = ("mixed", "alert", "promql")
FAULTS = ("apiErrors", "dropWatches", "stall", "prometheusRestart", "alertmanagerRestart", "zombie")


class ScenarioError(ValueError):
    pass


def seconds(value, where: str) -> float:
    """`30s`, `2m`, `500ms`, `1h` or a number of seconds."""
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: {value!r} is not a duration: use 30s, 2m, 500ms")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ScenarioError(f"{where}: {value} is negative")
        return float(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*", str(value))
    if not m:
        raise ScenarioError(f"{where}: {value!r} is not a duration: use 30s, 2m, 500ms")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


@dataclass
class ReplicaStep:
    at: float
    count: int


@dataclass
class Fault:
    at: float
    kind: str
    duration: float = 0.0  # stall, zombie: how long; prometheusRestart/alertmanagerRestart: how long it stays down
    status: int = 500  # apiErrors
    count: int = 50  # apiErrors: requests that fail


@dataclass
class Chaos:
    kills: int = 0
    every: float = 3.0
    start: float = 10.0
    target: str = "random"  # random | leader | two (two at once, counting as two kills)
    restart_delay: float = 1.0
    faults: list[Fault] = field(default_factory=list)


@dataclass
class Scenario:
    name: str
    path: Path
    namespaces: dict[str, int]
    trigger_start: float = 20.0
    trigger_over: float = 30.0
    interval: float = 1.0  # Prometheus' scrape and rule-evaluation interval
    poll: float = 1.0  # Vigil's poll interval of the source (its request timeout too); the interval unless set
    hc_every: float = 2.0
    replicas: list[ReplicaStep] = field(default_factory=lambda: [ReplicaStep(0.0, 3)])
    chaos: Chaos = field(default_factory=Chaos)
    settle: float = 120.0
    qps: float = 200.0
    # The replicas' lease profile (vigil.yaml's leaderElection.profile): fast (4/3/0.5 s) keeps failovers short; a
    # machine too loaded to renew a lease within 3 s needs conservative (15/10/2 s, Vigil's default).
    leases: str = "fast"
    webhook_fail_first: int = 0
    # vigil.yaml's actions.maxRunsPerMinute for the local replicas. 0 (the default here): no cap, so a run measures
    # Vigil's own capacity; Vigil's default, 120 a minute across the ring, bounds any load test at 2 actions/s.
    max_runs_per_minute: int = 0
    # CounterMeasure triggers: half alert, half PromQL threshold (mixed), or all of one.
    ctm_triggers: str = "mixed"
    description: str = ""

    @property
    def total_namespaces(self) -> int:
        return sum(self.namespaces.values())

    @property
    def max_replicas(self) -> int:
        return max(s.count for s in self.replicas)

    @property
    def last_trigger(self) -> float:
        return self.trigger_start + self.trigger_over


def _take(doc: dict, allowed: set[str], where: str) -> dict:
    if not isinstance(doc, dict):
        raise ScenarioError(f"{where}: must be a mapping, found {type(doc).__name__}")
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r}; known: {', '.join(sorted(allowed))}")
    return doc


def _int(value, where: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(f"{where}: {value!r} must be a whole number ≥ {low}")
    return value


def parse(text: str, path: Path) -> Scenario:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ScenarioError(f"{path}: not YAML: {e}") from None
    w = str(path)
    doc = _take(doc, {"name", "description", "namespaces", "triggers", "prometheus", "healthCheck", "replicas",
                      "chaos", "settle", "qps", "leases", "webhook", "actions", "counterMeasure"}, w)
    if "name" not in doc or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(doc["name"])):
        raise ScenarioError(f"{w}: name: required, lower-case letters, digits and '-'")
    ns = _take(doc.get("namespaces") or {}, set(KINDS), f"{w}: namespaces")
    counts = {k: _int(ns.get(k, 0), f"{w}: namespaces.{k}") for k in KINDS}
    if sum(counts.values()) == 0:
        raise ScenarioError(f"{w}: namespaces: at least one kind needs namespaces ({', '.join(KINDS)})")
    s = Scenario(name=doc["name"], path=path, namespaces=counts, description=str(doc.get("description", "")))
    t = _take(doc.get("triggers") or {}, {"start", "over"}, f"{w}: triggers")
    s.trigger_start = seconds(t.get("start", "20s"), f"{w}: triggers.start")
    s.trigger_over = seconds(t.get("over", "30s"), f"{w}: triggers.over")
    p = _take(doc.get("prometheus") or {}, {"interval", "poll"}, f"{w}: prometheus")
    s.interval = seconds(p.get("interval", "1s"), f"{w}: prometheus.interval")
    if s.interval < 1:
        raise ScenarioError(f"{w}: prometheus.interval: at least 1s (Prometheus scrapes no faster here)")
    s.poll = seconds(p.get("poll", p.get("interval", "1s")), f"{w}: prometheus.poll")
    if s.poll < 1:
        raise ScenarioError(f"{w}: prometheus.poll: at least 1s (Vigil's shortest source interval)")
    h = _take(doc.get("healthCheck") or {}, {"every"}, f"{w}: healthCheck")
    s.hc_every = seconds(h.get("every", "2s"), f"{w}: healthCheck.every")
    if s.hc_every < 1:
        raise ScenarioError(f"{w}: healthCheck.every: at least 1s (HealthCheck's minimum)")
    steps = doc.get("replicas", [{"at": "0s", "count": 3}])
    if isinstance(steps, int):
        steps = [{"at": "0s", "count": steps}]
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{w}: replicas: a count, or a list of {{at, count}} steps")
    s.replicas = []
    for i, st in enumerate(steps):
        st = _take(st, {"at", "count"}, f"{w}: replicas[{i}]")
        s.replicas.append(ReplicaStep(seconds(st.get("at", 0), f"{w}: replicas[{i}].at"),
                                      _int(st.get("count"), f"{w}: replicas[{i}].count", 1)))
    if s.replicas[0].at != 0:
        raise ScenarioError(f"{w}: replicas[0].at: the first step sets the starting count, at 0s")
    if any(b.at <= a.at for a, b in zip(s.replicas, s.replicas[1:])):
        raise ScenarioError(f"{w}: replicas: steps must be in order of `at`, each later than the one before")
    c = _take(doc.get("chaos") or {}, {"kills", "every", "start", "target", "restartDelay", "faults"}, f"{w}: chaos")
    s.chaos = Chaos(kills=_int(c.get("kills", 0), f"{w}: chaos.kills"),
                    every=seconds(c.get("every", "3s"), f"{w}: chaos.every"),
                    start=seconds(c.get("start", "10s"), f"{w}: chaos.start"),
                    target=str(c.get("target", "random")),
                    restart_delay=seconds(c.get("restartDelay", "1s"), f"{w}: chaos.restartDelay"))
    if s.chaos.target not in TARGETS:
        raise ScenarioError(f"{w}: chaos.target: {s.chaos.target!r}; use one of {', '.join(TARGETS)}")
    if s.chaos.kills and s.chaos.every <= 0:
        raise ScenarioError(f"{w}: chaos.every: must be greater than 0")
    for i, f in enumerate(c.get("faults") or []):
        f = _take(f, {"at", "kind", "duration", "status", "count"}, f"{w}: chaos.faults[{i}]")
        if f.get("kind") not in FAULTS:
            raise ScenarioError(f"{w}: chaos.faults[{i}].kind: {f.get('kind')!r}; use one of {', '.join(FAULTS)}")
        s.chaos.faults.append(Fault(at=seconds(f.get("at", 0), f"{w}: chaos.faults[{i}].at"), kind=f["kind"],
                                    duration=seconds(f.get("duration", "10s"), f"{w}: chaos.faults[{i}].duration"),
                                    status=_int(f.get("status", 500), f"{w}: chaos.faults[{i}].status", 400),
                                    count=_int(f.get("count", 50), f"{w}: chaos.faults[{i}].count", 1)))
    s.settle = seconds(doc.get("settle", "120s"), f"{w}: settle")
    q = doc.get("qps", 200)
    if isinstance(q, bool) or not isinstance(q, (int, float)) or q <= 0:
        raise ScenarioError(f"{w}: qps: {q!r} must be a number greater than 0 (each replica's kubeAPI.qps)")
    s.qps = float(q)
    s.leases = str(doc.get("leases", "fast"))
    if s.leases not in ("fast", "conservative"):
        raise ScenarioError(f"{w}: leases: {s.leases!r}; use fast or conservative (vigil.yaml's leaderElection.profile)")
    cm = _take(doc.get("counterMeasure") or {}, {"triggers"}, f"{w}: counterMeasure")
    s.ctm_triggers = str(cm.get("triggers", "mixed"))
    if s.ctm_triggers not in CTM_TRIGGERS:
        raise ScenarioError(f"{w}: counterMeasure.triggers: {s.ctm_triggers!r}; use one of {', '.join(CTM_TRIGGERS)}")
    act = _take(doc.get("actions") or {}, {"maxRunsPerMinute"}, f"{w}: actions")
    s.max_runs_per_minute = _int(act.get("maxRunsPerMinute", 0), f"{w}: actions.maxRunsPerMinute")
    wh = _take(doc.get("webhook") or {}, {"failFirst"}, f"{w}: webhook")
    s.webhook_fail_first = _int(wh.get("failFirst", 0), f"{w}: webhook.failFirst")
    return s


def load(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ScenarioError(f"{p}: cannot read the scenario: {e.strerror}") from None
    return parse(text, p)
