"""End-to-end: MemoryScaler with real parts (issue 13, "Show it works").

One kube-sim WITH workloads (its simulated kubelet ramps each container's working set as the pod's
``sim.vigil.dev/memory-ramp`` annotation says, OOM-kills a container over its limit, applies ``pods/resize`` and rolls
Deployments), a real Prometheus (Debian's) scraping kube-sim's ``/metrics/cadvisor`` every second, three real
``vigil run`` replicas and real kubectl 1.33. What a user sees is checked: the pods' resources, ``kubectl get msc`` and
``kubectl describe msc``, status, Events, Vigil's metrics, and kube-sim's write log (``GET /sim/requests``), which
proves how many resizes and template patches were sent.

The issue's example (config/samples/memoryscaler-cache.yaml) is applied as written, in a namespace of its own; its
5-minute cooldown is then shortened to 3 s so the second step and the cap happen within the test.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from conftest import REPO, Kubectl, kubectl_binary, wait_until
from test_countermeasure_e2e import CRDS, LEASE_NS, Env, Prometheus, stable_copy

pytestmark = pytest.mark.workloads

MSC_API = "/apis/vigil.dev/v1alpha1/namespaces/{ns}/memoryscalers"
EXAMPLE = REPO / "config" / "samples" / "memoryscaler-cache.yaml"
MI = 1 << 20


@pytest.fixture(scope="module")
def env(sim, tmp_path_factory, request):
    workdir = tmp_path_factory.mktemp("msc-e2e")
    bindir = workdir / "bin"
    bindir.mkdir()
    vigil = stable_copy(Path(os.environ.get("TEST_VIGIL_BIN") or REPO / ".build" / "debug" / "vigil"), bindir)
    kubectl = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, workdir / "kube-cache")
    kubectl.ok("create", "namespace", LEASE_NS)
    kubectl.ok("apply", "-f", str(CRDS))
    wait_until(lambda: sim.http("GET", MSC_API.format(ns="default")).status_code == 200, 10, 0.1, "the MemoryScaler CRD to be served")
    prom = Prometheus("default", workdir / "prom-default", urlparse(sim.url).netloc)
    e = Env(sim, kubectl, workdir, vigil, prom, prom)
    request.addfinalizer(e.close)
    prom.start()
    e.config = {
        "namespace": LEASE_NS,
        "kubeconfig": str(sim.kubeconfig),
        "leaderElection": {"profile": "fast"},
        "logging": {"format": "text"},
        "prometheus": {"sources": {"default": {"url": prom.url, "interval": "1s", "timeout": "1s"}}},
    }
    print(f"msc e2e work dir (vigil logs, vigil-*.yaml, prometheus): {workdir}")
    for ident in ("msc-a", "msc-b", "msc-c"):
        e.start_replica(ident)
    with e.diagnostics():
        e.wait_settled(40)
    return e


@pytest.fixture
def cluster(env):
    """Three live replicas agreeing on the shard map, and Prometheus up."""
    with env.diagnostics():
        if env.prom.proc is None or env.prom.proc.poll() is not None:
            env.prom.start()
        while len(env.live()) < 3:
            env.start_replica()
        env.wait_settled(30)
    return env


# --------------------------------------------------------------------------- helpers

def deployment(env: Env, ns: str, name: str, limit: str, request: str, annotations: dict, replicas: int = 1,
               extra: dict | None = None, template_annotations: dict | None = None) -> None:
    container = {"name": "app", "image": "redis:7",
                 "resources": {"limits": {"memory": limit, "cpu": "500m"}, "requests": {"memory": request, "cpu": "100m"}}}
    container.update(extra or {})
    doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}, "annotations": {**annotations, **(template_annotations or {})}},
                                 "spec": {"containers": [container]}}}}
    out = env.apply(json.dumps(doc))
    assert f"deployment.apps/{name}" in out, out
    dep = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
    wait_until(lambda: ((env.get(dep) or {}).get("status") or {}).get("readyReplicas") == replicas, 30, 0.2,
               f"deployment {ns}/{name} to have {replicas} ready pod(s)")


def pods(env: Env, ns: str, app: str) -> list[dict]:
    items = env.get(f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3D{app}")["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def limit_of(pod: dict) -> str:
    return pod["spec"]["containers"][0]["resources"]["limits"]["memory"]


def applied_limit(pod: dict) -> str | None:
    st = next(iter(pod.get("status", {}).get("containerStatuses") or []), {})
    return ((st.get("resources") or {}).get("limits") or {}).get("memory")


def restarts(pod: dict) -> int:
    return sum(c.get("restartCount", 0) for c in pod.get("status", {}).get("containerStatuses") or [])


def msc(env: Env, ns: str, name: str) -> dict:
    return env.get(MSC_API.format(ns=ns) + "/" + name) or {}


def status(env: Env, ns: str, name: str) -> dict:
    return msc(env, ns, name).get("status") or {}


def condition(st: dict, type_: str) -> dict:
    return next((c for c in st.get("conditions") or [] if c["type"] == type_), {})


def reasons(env: Env, ns: str, name: str) -> list[str]:
    return [e["reason"] for e in env.events(ns) if e.get("involvedObject", {}).get("kind") == "MemoryScaler"
            and e["involvedObject"].get("name") == name]


def resize_patches(env: Env, since: int, ns: str, pod: str) -> list[dict]:
    return [w for w in env.writes(since) if w["method"] == "PATCH" and w["path"] == f"/api/v1/namespaces/{ns}/pods/{pod}/resize"
            and not w.get("dryRun")]


def metric(env: Env, name: str, **labels) -> float:
    """A metric summed over the live replicas' /metrics."""
    total = 0.0
    for r in env.live():
        resp = r.get("/metrics")
        assert resp is not None and resp.status_code == 200, f"GET /metrics of {r.identity}"
        for line in resp.text.splitlines():
            m = re.match(rf"{name}\{{(.*)\}}\s+(\S+)$", line)
            if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
                total += float(m.group(2))
    return total


def example(ns: str) -> str:
    doc = yaml.safe_load(EXAMPLE.read_text())
    assert doc["metadata"] == {"name": "cache", "namespace": "shop"}, doc["metadata"]
    return EXAMPLE.read_text().replace("namespace: shop", f"namespace: {ns}")


# --------------------------------------------------------------------------- the example, in place

def test_example_resizes_in_place_once_then_steps_again_and_stops_at_the_cap(cluster):
    env = cluster
    with env.diagnostics():
        _in_place(env)


def _in_place(env: Env) -> None:
    ns = env.namespace("msc-inplace")
    # 10Mi → 260Mi over 80 s: 75 % of 100Mi at ~21 s; never OOM-killed if each step comes in time.
    deployment(env, ns, "cache", "100Mi", "64Mi", {"sim.vigil.dev/memory-ramp": "10Mi->260Mi/80s"})
    [pod] = pods(env, ns, "cache")
    name = pod["metadata"]["name"]
    since = env.seq()
    out = env.apply(example(ns))
    assert "memoryscaler.vigil.dev/cache created" in out, out
    # The first step: 100Mi → 150Mi in place (request 64Mi → 96Mi), once.
    wait_until(lambda: status(env, ns, "cache").get("resizes") == 1, 60, 0.5, "the first step")
    wait_until(lambda: applied_limit(env.get(f"/api/v1/namespaces/{ns}/pods/{name}")) == "150Mi", 10, 0.2, "the kubelet to apply 150Mi")
    p = env.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    assert p["spec"]["containers"][0]["resources"]["requests"]["memory"] == "96Mi", p["spec"]["containers"][0]
    st = status(env, ns, "cache")
    w = st["workloads"][0]
    assert (w["kind"], w["name"], w["container"], w["mode"], w["memory"], w["previous"]) == ("Pod", name, "app", "InPlace", "150Mi", "100Mi"), w
    assert w["lastTrigger"].startswith("working set "), w
    # The 5m cooldown holds: no second step while the usage keeps climbing past 75 % of 150Mi (at ~33 s).
    table = env.kubectl.ok("get", "msc", "-n", ns)
    assert re.search(r"^NAME\s+SELECTOR\s+THRESHOLD\s+MULTIPLIER\s+RESIZED\s+LAST\s+AGE$", table, re.M), table
    assert re.search(r"^cache\s+app=cache\s+75\s+1\.5\s+1\s+\S+\s+\S+$", table, re.M), table
    assert len(resize_patches(env, since, ns, name)) == 1
    # Shorter cooldown and a 300Mi cap: 150Mi → 225Mi → 300Mi, then AtMaximum.
    env.kubectl.ok("patch", "msc", "cache", "-n", ns, "--type", "merge", "-p", '{"spec": {"cooldown": "3s", "maxMemory": "300Mi"}}')
    wait_until(lambda: status(env, ns, "cache").get("resizes") == 3, 60, 0.5, "steps to 225Mi and 300Mi")
    wait_until(lambda: condition(status(env, ns, "cache"), "AtMaximum").get("status") == "True", 60, 0.5, "AtMaximum")
    p = env.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    assert limit_of(p) == "300Mi" and applied_limit(p) == "300Mi", p["spec"]["containers"][0]
    assert restarts(p) == 0, f"OOM-killed on the way: {p['status']['containerStatuses']}"
    assert [x["metadata"]["name"] for x in pods(env, ns, "cache")] == [name], "in place: the pod was not replaced"
    time.sleep(3)
    st = status(env, ns, "cache")
    assert st["resizes"] == 3 and len(resize_patches(env, since, ns, name)) == 3, (st, resize_patches(env, since, ns, name))
    assert st["workloads"][0]["phase"] == "AtMaximum", st["workloads"]
    assert condition(st, "AtMaximum")["message"].startswith("at maxMemory 300Mi and still over the threshold"), st
    got = reasons(env, ns, "cache")
    assert got.count("Resized") == 3 and "AtMaximum" in got, got
    described = env.kubectl.ok("describe", "msc", "cache", "-n", ns)
    for needle in ("Selector:", "app=cache", "Resizes:", "AtMaximum", "Resized"):
        assert needle in described, f"{needle!r} not in kubectl describe:\n{described}"
    assert metric(env, "vigil_memoryscaler_resizes_total", mode="InPlace", result="applied") >= 3
    # Every MemoryScaler subscribes the same expression: one query per interval on each replica that owns one.
    for r in env.live():
        text = r.get("/metrics").text
        m = re.search(r'^vigil_prometheus_expressions\{source="default"\}\s+(\S+)$', text, re.M)
        assert m and float(m.group(1)) <= 1, f"{r.identity}: {m and m.group(0)}"


# --------------------------------------------------------------------------- Owner mode

def test_owner_mode_raises_the_deployment_template_and_the_pods_roll(cluster):
    env = cluster
    with env.diagnostics():
        _owner(env)


def _owner(env: Env) -> None:
    ns = env.namespace("msc-owner")
    extra = {"env": [{"name": "MODE", "value": "lru"}], "ports": [{"containerPort": 6379}],
             "resizePolicy": [{"resourceName": "memory", "restartPolicy": "NotRequired"}]}
    deployment(env, ns, "api", "100Mi", "100Mi", {"sim.vigil.dev/memory-ramp": "10Mi->80Mi/10s"}, replicas=2, extra=extra,
               template_annotations={"team": "storage"})
    dep = f"/apis/apps/v1/namespaces/{ns}/deployments/api"
    before = env.get(dep)["spec"]["template"]
    old = {p["metadata"]["name"] for p in pods(env, ns, "api")}
    since = env.seq()
    env.apply(f"""
apiVersion: vigil.dev/v1alpha1
kind: MemoryScaler
metadata: {{name: api, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  thresholdPercent: 75
  maxMemory: 1Gi
  mode: Owner
""")
    wait_until(lambda: env.get(dep)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "150Mi", 60, 0.5,
               "the template to be raised to 150Mi")
    after = env.get(dep)["spec"]["template"]
    c = after["spec"]["containers"][0]
    assert c["resources"]["requests"]["memory"] == "150Mi", c
    for t in (before, after):
        for r in ("limits", "requests"):
            t["spec"]["containers"][0]["resources"][r].pop("memory")
    assert before == after, f"other fields of the template changed:\n{before}\n{after}"
    # The rollout replaces both pods; the new ones have 150Mi; nobody resized a pod in place.
    out = env.kubectl.ok("rollout", "status", "deployment/api", "-n", ns, "--timeout=60s")
    assert "successfully rolled out" in out, out
    wait_until(lambda: {p["metadata"]["name"] for p in pods(env, ns, "api")}.isdisjoint(old) and len(pods(env, ns, "api")) == 2, 60, 0.5,
               "the old pods to be gone")
    assert all(limit_of(p) == "150Mi" for p in pods(env, ns, "api"))
    time.sleep(3)  # the old pods measured 80 % of 100Mi until they went: no second template step from them
    patches = [w for w in env.writes(since) if w["method"] == "PATCH" and w["path"] == f"/apis/apps/v1/namespaces/{ns}/deployments/api"]
    assert len(patches) == 1, patches
    assert not [w for w in env.writes(since) if w["path"].endswith("/resize") and f"/namespaces/{ns}/" in w["path"]]
    st = status(env, ns, "api")
    assert st["resizes"] == 1, st
    w = next(x for x in st["workloads"] if x["kind"] == "Deployment")
    assert (w["name"], w["mode"], w["memory"]) == ("api", "Owner", "150Mi"), w


# --------------------------------------------------------------------------- SIGKILL between the resize and its status write

def test_a_replica_killed_between_the_resize_and_its_status_write_resizes_once(cluster):
    env = cluster
    with env.diagnostics():
        try:
            _sigkill(env)
        finally:
            env.sim.faults(None)


def _sigkill(env: Env) -> None:
    ns = env.namespace("msc-kill")
    deployment(env, ns, "cache", "100Mi", "64Mi", {"sim.vigil.dev/memory": "80Mi"})  # 80 % from the start
    [pod] = pods(env, ns, "cache")
    name = pod["metadata"]["name"]
    owner = wait_until(lambda: env.owner(ns), 20, 0.2, f"an owner of {ns}")
    # Every MemoryScaler status write (the ledger's included) waits 4 s in kube-sim: after the resize, its
    # replica is stuck in the write that records it, and is SIGKILLed there.
    env.sim.faults({"rules": [{"delayMs": 4000, "verbs": ["patch"], "resources": ["memoryscalers/status"]}]})
    since = env.seq()
    env.apply(f"""
apiVersion: vigil.dev/v1alpha1
kind: MemoryScaler
metadata: {{name: cache, namespace: {ns}}}
spec: {{selector: {{matchLabels: {{app: cache}}}}, thresholdPercent: 75, maxMemory: 1Gi, cooldown: 1s}}
""")
    wait_until(lambda: resize_patches(env, since, ns, name), 60, 0.05, "the resize request")
    owner.sigkill()
    env.sim.faults(None)
    print(f"SIGKILLed {owner.identity} right after its resize of {ns}/{name}")
    env.start_replica()
    env.wait_settled(40)
    wait_until(lambda: status(env, ns, "cache").get("resizes") == 1, 60, 0.5, "the step recorded by the next owner")
    time.sleep(5)  # several polls at the new limit: 80Mi of 150Mi is 53 %, no further step
    st = status(env, ns, "cache")
    p = env.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    assert limit_of(p) == "150Mi", p["spec"]["containers"][0]
    assert st["resizes"] == 1 and st["workloads"][0]["memory"] == "150Mi", st
    assert len(resize_patches(env, since, ns, name)) == 1, resize_patches(env, since, ns, name)
    steps = [e for e in st.get("effects") or [] if e["action"].startswith("raiseMemory:")]
    assert len(steps) == 1 and steps[0]["phase"] == "Succeeded", steps


# --------------------------------------------------------------------------- OOM kills, Prometheus down

def test_prometheus_unreachable_nothing_resized_on_missing_data_the_oom_path_still_works(cluster):
    env = cluster
    with env.diagnostics():
        try:
            _oom(env)
        finally:
            env.prom.start()


def _oom(env: Env) -> None:
    ns = env.namespace("msc-oom")
    env.prom.sigkill()
    # Over the threshold but never killed: with no data, nothing is resized.
    deployment(env, ns, "steady", "100Mi", "64Mi", {"sim.vigil.dev/memory": "90Mi"})
    # Killed again and again: 10Mi → 90Mi in 2 s against a 64Mi limit.
    deployment(env, ns, "leaky", "64Mi", "64Mi", {"sim.vigil.dev/memory-ramp": "10Mi->90Mi/2s",
                                                  "sim.vigil.dev/restart-backoff-seconds": "0.5"})
    [leaky] = pods(env, ns, "leaky")
    name = leaky["metadata"]["name"]
    wait_until(lambda: restarts(env.get(f"/api/v1/namespaces/{ns}/pods/{name}")) >= 1, 20, 0.2, "an OOM kill")
    last = env.get(f"/api/v1/namespaces/{ns}/pods/{name}")["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert last["reason"] == "OOMKilled" and last["exitCode"] == 137, last
    since = env.seq()
    env.apply(f"""
apiVersion: vigil.dev/v1alpha1
kind: MemoryScaler
metadata: {{name: leaky, namespace: {ns}}}
spec: {{selector: {{matchLabels: {{app: leaky}}}}, multiplier: 2, maxMemory: 1Gi, cooldown: 2s}}
---
apiVersion: vigil.dev/v1alpha1
kind: MemoryScaler
metadata: {{name: steady, namespace: {ns}}}
spec: {{selector: {{matchLabels: {{app: steady}}}}, thresholdPercent: 75, maxMemory: 1Gi, onOOMKilled: false}}
""")
    wait_until(lambda: status(env, ns, "leaky").get("resizes") == 1, 30, 0.3, "the OOM step")
    wait_until(lambda: applied_limit(env.get(f"/api/v1/namespaces/{ns}/pods/{name}")) == "128Mi", 10, 0.2, "the kubelet to apply 128Mi")
    raised = restarts(env.get(f"/api/v1/namespaces/{ns}/pods/{name}"))
    st = status(env, ns, "leaky")
    assert st["workloads"][0]["lastTrigger"].startswith("OOMKilled at"), st["workloads"]
    for who in ("leaky", "steady"):
        c = wait_until(lambda: condition(status(env, ns, who), "SourceReachable").get("status") == "False"
                       and condition(status(env, ns, who), "SourceReachable"), 30, 0.3, f"SourceReachable=False on {who}")
        assert c["reason"] == "Unreachable", c
    time.sleep(6)
    # 90Mi fits in 128Mi: the restarts stop (one more at most, a kill that raced the resize).
    now = restarts(env.get(f"/api/v1/namespaces/{ns}/pods/{name}"))
    assert now <= raised + 1, (raised, now)
    assert status(env, ns, "leaky")["resizes"] == 1
    [steady] = pods(env, ns, "steady")
    assert limit_of(steady) == "100Mi" and not resize_patches(env, since, ns, steady["metadata"]["name"])
    assert status(env, ns, "steady").get("resizes", 0) == 0
    described = env.kubectl.ok("describe", "msc", "steady", "-n", ns)
    assert "Unreachable" in described, described
