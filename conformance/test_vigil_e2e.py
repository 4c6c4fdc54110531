"""End-to-end: NamespacePolicy carried out by real ``vigil run`` replicas on kube-sim.

Three replicas (``--profile fast``) share one kube-sim started WITH workloads (pods run and
succeed, Deployments keep their pods). Each scenario works in namespaces of its own and checks
what a user would see: the namespace, the workloads, the resource's status, Events, the replicas'
logs and what a webhook receiver (``tools/webhook_receiver.py``, which verifies Standard Webhooks
signatures and dedupes on ``webhook-id``) got.

The chaos test starts its own kube-sim and replicas, SIGKILLs the leader and other replicas while
webhook policies fire, and checks that every policy was delivered exactly once after dedup (raw
duplicates, from a replica dying between sending and recording, are printed, not hidden).

Binaries: ``TEST_VIGIL_BIN`` (default ``<repo>/.build/debug/vigil``) and ``KUBE_SIM_BIN`` (see conftest).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from conftest import REPO, Kubectl, Sim, kubectl_binary, wait_until, VigilEndpoints, free_port

pytestmark = pytest.mark.workloads

NSP_API = "/apis/vigil.dev/v1alpha1/namespaces/{ns}/namespacepolicies"
CRD = REPO / "deploy" / "crds" / "vigil.dev_namespacepolicies.yaml"
RECEIVER = REPO / "tools" / "webhook_receiver.py"
LEASE_NS = "vigil-system"
RUN_ID = os.getpid() % 10000


# --------------------------------------------------------------------------- processes

def vigil_binary() -> Path:
    env = os.environ.get("TEST_VIGIL_BIN")
    p = Path(env) if env else REPO / ".build" / "debug" / "vigil"
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"vigil binary not found or not executable at {p} (set TEST_VIGIL_BIN or build the package)",
                    pytrace=False)
    return p


@dataclass
class Replica(VigilEndpoints):
    """One ``vigil run`` process."""
    identity: str
    kubeconfig: Path
    workdir: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self) -> "Replica":
        self.port = free_port()
        self.log_path = self.workdir / f"vigil-{self.identity}.log"
        self._log = open(self.log_path, "wb")
        cmd = [str(vigil_binary()), "run", "--kubeconfig", str(self.kubeconfig), "--identity", self.identity,
               "--namespace", LEASE_NS, "--http-host", "127.0.0.1", "--http-port", str(self.port),
               "--profile", "fast", "--log-format", "json", "--log-level", "info"]
        # cwd without config/vigil.yaml: the flags and built-in defaults are all that apply. TEST_VIGIL_BIN (this
        # suite's own setting) is taken out of the environment: `vigil run` refuses unknown VIGIL_* variables.
        env = {k: v for k, v in os.environ.items() if k != "TEST_VIGIL_BIN"}
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        return self

    def stop(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def log_lines(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


class Receiver:
    """``tools/webhook_receiver.py`` on a free loopback port."""

    def __init__(self, secret: str, fail_first: int = 0):
        self.secret = secret
        cmd = [sys.executable, str(RECEIVER), "--port", "0", "--secret", secret]
        if fail_first:
            cmd += ["--fail-first", str(fail_first)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), f"webhook receiver did not print its URL: {line!r}"
        self.url = line

    def stats(self) -> dict:
        return requests.get(self.url + "/stats", timeout=5).json()

    def deliveries(self) -> list[dict]:
        return requests.get(self.url + "/deliveries", timeout=5).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc.stdout.close()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# --------------------------------------------------------------------------- the cluster

@dataclass
class Cluster:
    sim: Sim
    kubectl: Kubectl
    workdir: Path
    replicas: list[Replica] = field(default_factory=list)
    receivers: list[Receiver] = field(default_factory=list)

    # set-up over plain HTTP (fast; kubectl is used where the user would use it)
    def namespace(self, prefix: str) -> str:
        name = f"{prefix}-{RUN_ID}"
        r = self.sim.http("POST", "/api/v1/namespaces",
                          json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        assert r.status_code == 201, f"creating namespace {name}: {r.status_code} {r.text}"
        return name

    def signing_secret(self, ns: str, name: str = "hook-key") -> str:
        value = new_secret()
        self.sim.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                         "stringData": {"signing-key": value}}, ns)
        return value

    def receiver(self, secret: str, fail_first: int = 0) -> Receiver:
        r = Receiver(secret, fail_first)
        self.receivers.append(r)
        return r

    def apply(self, *docs: dict) -> str:
        return self.kubectl.ok("apply", "-f", "-", input="\n---\n".join(json.dumps(d) for d in docs))

    def nsp(self, ns: str, name: str) -> dict | None:
        r = self.sim.http("GET", NSP_API.format(ns=ns) + "/" + name)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, f"GET nsp {ns}/{name}: {r.status_code} {r.text}"
        return r.json()

    def exists(self, path: str) -> bool:
        r = self.sim.http("GET", path)
        assert r.status_code in (200, 404), f"GET {path}: {r.status_code} {r.text}"
        return r.status_code == 200

    def events(self, ns: str, involved: str) -> list[dict]:
        r = self.sim.http("GET", f"/api/v1/namespaces/{ns}/events")
        if r.status_code != 200:
            return []
        return [e for e in r.json().get("items", []) if e.get("involvedObject", {}).get("name") == involved]

    def logs(self) -> list[dict]:
        return [l for rep in self.replicas for l in rep.log_lines()]

    def start_replica(self, identity: str) -> Replica:
        rep = Replica(identity, self.sim.kubeconfig, self.workdir).start()
        self.replicas.append(rep)
        return rep

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

    def close(self) -> None:
        for r in self.replicas:
            r.stop()
        for r in self.receivers:
            r.stop()


def start_cluster(sim: Sim, workdir: Path, identities: list[str]) -> Cluster:
    kubectl = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, workdir / "kube-cache")
    c = Cluster(sim, kubectl, workdir)
    kubectl.ok("create", "namespace", LEASE_NS)
    kubectl.ok("apply", "-f", str(CRD.parent))  # every CRD: each kind's informer must sync for /readyz
    wait_until(lambda: sim.http("GET", NSP_API.format(ns="default")).status_code == 200
               and sim.http("GET", "/apis/vigil.dev/v1alpha1/namespaces/default/countermeasures").status_code == 200, 10, 0.1,
               "Vigil's CRDs to be served")
    print(f"vigil replica logs: {workdir}/vigil-<identity>.log")
    try:
        for ident in identities:
            c.start_replica(ident)
        c.wait_settled(30)
    except BaseException:
        c.close()
        raise
    return c


@pytest.fixture(scope="module")
def cluster(sim, tmp_path_factory, request):
    c = start_cluster(sim, tmp_path_factory.mktemp("vigil-e2e"), ["r-a", "r-b", "r-c"])
    request.addfinalizer(c.close)
    return c


# --------------------------------------------------------------------------- helpers

def policy(ns: str, name: str, *rules: dict, **spec) -> dict:
    return {"apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"policies": list(rules), **spec}}


def rule(name: str, condition: dict, action: dict) -> dict:
    return {"name": name, "condition": condition, "action": action}


def cond(obj: dict | None, type_: str) -> dict:
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return {}


def webhook(url: str, **extra) -> dict:
    return {"webhook": {"url": url, "secretRef": {"name": "hook-key"}, **extra}}


def parse_time(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


# --------------------------------------------------------------------------- 1. ttl → deleteNamespace

def test_ttl_deletes_namespace_and_cross_namespace_policy_is_refused(cluster):
    t0 = time.time()
    a = cluster.namespace("e2e-ttl")
    created = parse_time(cluster.sim.http("GET", f"/api/v1/namespaces/{a}").json()["metadata"]["creationTimestamp"])
    b = cluster.namespace("e2e-ttl-other")
    cluster.sim.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "data"}, "data": {"k": "v"}}, a)
    out = cluster.apply(
        # Not allowed (allowCrossNamespace is false): must not delete b, must not block "expire".
        policy(a, "cross", rule("kill-other", {"ttl": "1s"}, {"deleteNamespace": {}}), namespace=b),
        policy(a, "expire", rule("expire", {"ttl": "4s"}, {"deleteNamespace": {}})),
    )
    assert "namespacepolicy.vigil.dev/cross created" in out and "namespacepolicy.vigil.dev/expire created" in out

    cross = wait_until(lambda: (o := cluster.nsp(a, "cross")) and cond(o, "Ready").get("reason") == "InvalidSpec" and o,
                       3, 0.1, "Ready=False InvalidSpec on the cross-namespace policy")
    ready = cond(cross, "Ready")
    assert ready["status"] == "False"
    assert "spec.namespace" in ready["message"] and "allowCrossNamespace" in ready["message"] and b in ready["message"]
    assert [p["state"] for p in cross["status"]["policies"]] == ["Invalid"]
    warning = wait_until(lambda: [e for e in cluster.events(a, "cross") if e["reason"] == "InvalidPolicy"],
                         3, 0.1, "a Warning Event InvalidPolicy for the cross-namespace policy")
    assert warning[0]["type"] == "Warning" and "allowCrossNamespace" in warning[0]["message"]
    assert warning[0]["involvedObject"]["kind"] == "NamespacePolicy"
    assert cluster.nsp(a, "expire")["status"]["policies"][0]["state"] == "Waiting"
    print(f"cross-namespace refusal checked {time.time() - t0:.1f}s after namespace {a} was created (its ttl is 4s)")
    wait_until(lambda: not cluster.exists(f"/api/v1/namespaces/{a}"), 15, 0.2, f"namespace {a} to be deleted")
    gone_after = time.time() - created
    assert gone_after >= 4, f"namespace deleted {gone_after:.1f}s after creation, before its ttl 4s"
    assert not cluster.exists(f"/api/v1/namespaces/{a}/configmaps/data")
    assert cluster.nsp(a, "expire") is None and cluster.nsp(a, "cross") is None
    # The invalid policy did nothing to the other namespace.
    assert cluster.exists(f"/api/v1/namespaces/{b}"), f"namespace {b} was deleted by a refused cross-namespace policy"
    # The replica that acted says so in its log (the resource's Events went with the namespace).
    wait_until(lambda: [l for l in cluster.logs() if l.get("message", "").startswith(f"delete namespace {a} (policy expire)")
                        and l.get("resource") == f"{a}/expire"], 5, 0.2, "the replica's log line about the deletion")


# --------------------------------------------------------------------------- 2. expiresAt → scaleDown → restore

def test_expires_at_scales_down_and_restore_brings_replicas_back(cluster, tmp_path):
    ns = cluster.namespace("e2e-scale")
    cluster.kubectl.ok("create", "deployment", "web", "--image=nginx", "--replicas=3", "-n", ns)
    cluster.kubectl.ok("create", "deployment", "keep", "--image=nginx", "--replicas=1", "-n", ns)
    cluster.kubectl.ok("label", "deployment", "web", "tier=web", "-n", ns)
    dep = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    wait_until(lambda: cluster.sim.http("GET", dep).json().get("status", {}).get("readyReplicas") == 3, 20, 0.2,
               "deployment web to have 3 ready replicas")
    expires = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=6)
    expires_text = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    cluster.apply(policy(ns, "sleep", rule("night", {"expiresAt": expires_text},
                                           {"scaleDown": {"selectors": [{"kind": "Deployment",
                                                                         "labels": {"matchLabels": {"tier": "web"}}}]}})))

    web = wait_until(lambda: (d := cluster.sim.http("GET", dep).json())["spec"]["replicas"] == 0 and d, 20, 0.2,
                     "deployment web to be scaled to 0")
    assert time.time() >= expires.timestamp(), "scaled down before expiresAt"
    assert web["metadata"]["annotations"]["vigil.dev/scaled-down-from-replicas"] == "3"
    keep = cluster.sim.http("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/keep").json()
    assert keep["spec"]["replicas"] == 1, "a Deployment the selector does not match was scaled"
    assert "vigil.dev/scaled-down-from-replicas" not in (keep["metadata"].get("annotations") or {})

    obj = wait_until(lambda: (o := cluster.nsp(ns, "sleep")) and o["spec"].get("deactivated") is True
                     and cond(o, "Fired").get("status") == "True" and o, 10, 0.2, "the policy to be dormant and Fired")
    assert cond(obj, "Fired")["reason"] == "PolicyFired"
    assert [p["state"] for p in obj["status"]["policies"]] == ["Fired"]
    fired_at = parse_time(obj["status"]["policies"][0]["firedAt"])
    assert fired_at >= expires.timestamp()
    effects = obj["status"]["effects"]
    assert len(effects) == 1 and effects[0]["phase"] == "Succeeded", effects
    # The status already describes the dormant resource (its new generation), so
    # the reconcile after the spec change has nothing to write or announce.
    assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"], obj["status"]
    assert cond(obj, "Ready")["reason"] == "Deactivated", obj["status"]["conditions"]
    wait_until(lambda: any(e["reason"] == "PolicyFired" for e in cluster.events(ns, "sleep")), 5, 0.2,
               "the PolicyFired Event")
    time.sleep(1.0)  # a second announcement would come from the next reconcile, within milliseconds
    reasons = [e["reason"] for e in cluster.events(ns, "sleep")]
    assert reasons.count("PolicyFired") == 1, reasons
    assert not {"ConditionMet", "Deactivated"} & set(reasons), f"one Event per firing: {reasons}"
    assert all(e.get("count", 1) == 1 for e in cluster.events(ns, "sleep")), cluster.events(ns, "sleep")
    wait_until(lambda: cluster.sim.http("GET", dep).json().get("status", {}).get("replicas", 0) == 0, 15, 0.2,
               "web's pods to go away")

    p = subprocess.run([str(vigil_binary()), "restore", "-n", ns, "--kubeconfig", str(cluster.sim.kubeconfig)],
                       capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert p.returncode == 0, f"vigil restore failed: {p.stdout}\n{p.stderr}"
    assert "web" in p.stdout and "3" in p.stdout, p.stdout
    web = cluster.sim.http("GET", dep).json()
    assert web["spec"]["replicas"] == 3
    assert "vigil.dev/scaled-down-from-replicas" not in (web["metadata"].get("annotations") or {})
    wait_until(lambda: cluster.sim.http("GET", dep).json().get("status", {}).get("readyReplicas") == 3, 20, 0.2,
               "web to have 3 ready replicas again")
    # Dormant: the restored Deployment is not scaled down again.
    time.sleep(1.5)
    assert cluster.sim.http("GET", dep).json()["spec"]["replicas"] == 3


# --------------------------------------------------------------------------- 3. podsSucceeded → signed webhook

def test_pods_succeeded_sends_one_signed_webhook(cluster):
    ns = cluster.namespace("e2e-pods")
    key = cluster.signing_secret(ns)
    recv = cluster.receiver(key)
    cluster.sim.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "suite-1", "labels": {"job-name": "suite"},
                                     "annotations": {"sim.vigil.dev/succeed-after-seconds": "2"}},
                        "spec": {"restartPolicy": "Never",
                                 "containers": [{"name": "main", "image": "busybox"}]}}, ns)
    cluster.apply(policy(ns, "done", rule("notify-ci", {"podsSucceeded": {
        "selector": {"matchLabels": {"job-name": "suite"}}, "initialDelay": "1s", "period": "1s"}},
        webhook(recv.url + "/hooks/ci"))))

    wait_until(lambda: recv.stats()["unique"] >= 1, 20, 0.2, "the webhook delivery")
    pod = cluster.sim.http("GET", f"/api/v1/namespaces/{ns}/pods/suite-1").json()
    assert pod["status"]["phase"] == "Succeeded"
    obj = wait_until(lambda: (o := cluster.nsp(ns, "done")) and o["spec"].get("deactivated") is True
                     and cond(o, "Fired").get("status") == "True" and o, 10, 0.2, "the policy to be Fired and dormant")
    time.sleep(2)  # a second delivery would show up here
    stats = recv.stats()
    assert stats == {"deliveries": 1, "unique": 1, "duplicates": 0, "badSignatures": 0, "failedOnPurpose": 0}, stats
    (d,) = recv.deliveries()
    assert d["signed"] is True and d["path"] == "/hooks/ci"
    payload = d["payload"]
    assert payload["namespace"] == ns
    assert payload["namespaceManager"] == {"namespace": ns, "name": "done"}
    assert payload["policy"]["name"] == "notify-ci"
    assert payload["policy"]["condition"]["type"] == "podsSucceeded"
    assert payload["policy"]["action"] == {"type": "webhook", "params": {"url": recv.url + "/hooks/ci"}}
    assert payload["vigil"]["effectKey"] == d["id"] == d["idempotencyKey"]
    assert len(d["id"]) == 32 and all(ch in "0123456789abcdef" for ch in d["id"])
    assert payload["vigil"]["resource"]["uid"] == obj["metadata"]["uid"]
    assert payload["vigil"]["dryRun"] is False
    assert payload["vigil"]["replica"] in {r.identity for r in cluster.replicas}
    finished = pod["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"]
    assert parse_time(payload["vigil"]["firedAt"]) >= parse_time(finished), "fired before the pod succeeded"

    effects = obj["status"]["effects"]
    assert [(e["key"], e["phase"]) for e in effects] == [(d["id"], "Succeeded")], effects
    assert [p["state"] for p in obj["status"]["policies"]] == ["Fired"]
    reasons = [e["reason"] for e in cluster.events(ns, "done")]
    assert reasons.count("PolicyFired") == 1 and "ConditionMet" not in reasons, reasons


# --------------------------------------------------------------------------- 4. dryRun

def test_dry_run_records_and_deletes_nothing(cluster):
    ns = cluster.namespace("e2e-dry")
    created = parse_time(cluster.sim.http("GET", f"/api/v1/namespaces/{ns}").json()["metadata"]["creationTimestamp"])
    cluster.apply(policy(ns, "preview", rule("expire", {"ttl": "3s"}, {"deleteNamespace": {}}), dryRun=True))
    wait_until(lambda: ((cluster.nsp(ns, "preview") or {}).get("status") or {}).get("dryRunActions"), 10, 0.2,
               "status.dryRunActions")
    time.sleep(max(0.0, created + 6 - time.time()))

    nsobj = cluster.sim.http("GET", f"/api/v1/namespaces/{ns}")
    assert nsobj.status_code == 200 and nsobj.json()["status"]["phase"] == "Active"
    assert "deletionTimestamp" not in nsobj.json()["metadata"]
    obj = cluster.nsp(ns, "preview")
    actions = obj["status"]["dryRunActions"]
    assert len(actions) == 1, actions
    assert actions[0]["policy"] == "expire" and actions[0]["description"] == f"would delete namespace {ns}"
    assert obj["spec"]["deactivated"] is False
    assert [p["state"] for p in obj["status"]["policies"]] == ["DryRun"]
    assert cond(obj, "Fired")["status"] == "False" and cond(obj, "Fired")["reason"] == "DryRun"
    assert cond(obj, "Ready")["reason"] == "DryRun"
    assert not obj["status"].get("effects"), obj["status"].get("effects")
    assert [e["reason"] for e in cluster.events(ns, "preview") if e["reason"] == "DryRun"] == ["DryRun"]


# --------------------------------------------------------------------------- 5. malformed resource

def test_invalid_policy_is_refused_and_sibling_still_fires(cluster):
    ns = cluster.namespace("e2e-bad")
    key = cluster.signing_secret(ns)
    recv = cluster.receiver(key)
    # The CRD's structural schema accepts these (its CEL rules would not, but kube-sim does not evaluate CEL,
    # like API servers before 1.25); Vigil's validator must refuse them.
    bad = policy(ns, "bad", rule("too-slow", {"ttl": "1s"},
                                 webhook(recv.url + "/bad", timeout="90s", headers={"Webhook-Id": "mine"})))
    # Header names that are not HTTP tokens, in non-ASCII text: the problem list is longer than an Event's
    # message may be (1024 bytes on a real API server, events.NoteLengthLimit), and multi-byte.
    noisy = policy(ns, "noisy", rule("noisy", {"ttl": "1s"},
                                     webhook(recv.url + "/noisy", headers={f"Grüße-{i:02d}": "x" for i in range(12)})))
    good = policy(ns, "good", rule("notify", {"ttl": "2s"}, webhook(recv.url + "/good")))
    cluster.apply(bad, noisy, good)
    stored = cluster.nsp(ns, "bad")
    assert stored["spec"]["policies"][0]["action"]["webhook"]["timeout"] == "90s", "the API server refused or changed it"

    obj = wait_until(lambda: (o := cluster.nsp(ns, "bad")) and cond(o, "Ready").get("reason") == "InvalidSpec" and o,
                     10, 0.2, "Ready=False InvalidSpec")
    msg = cond(obj, "Ready")["message"]
    assert cond(obj, "Ready")["status"] == "False"
    assert "spec.policies[0].action.webhook.timeout" in msg and "90s" in msg, msg
    assert "Webhook-Id" in msg and "reserved" in msg, msg
    assert [p["state"] for p in obj["status"]["policies"]] == ["Invalid"]
    ev = wait_until(lambda: [e for e in cluster.events(ns, "bad") if e["reason"] == "InvalidPolicy"], 5, 0.2,
                    "a Warning Event InvalidPolicy")
    assert ev[0]["type"] == "Warning" and "90s" in ev[0]["message"]
    noisy_obj = wait_until(lambda: (o := cluster.nsp(ns, "noisy")) and cond(o, "Ready").get("reason") == "InvalidSpec"
                           and o, 10, 0.2, "Ready=False InvalidSpec on the policy with bad header names")
    assert cond(noisy_obj, "Ready")["message"].count("is not a valid HTTP header name") == 12
    noisy_ev = wait_until(lambda: [e for e in cluster.events(ns, "noisy") if e["reason"] == "InvalidPolicy"], 5, 0.2,
                          "a Warning Event InvalidPolicy for the policy with bad header names")
    size = len(noisy_ev[0]["message"].encode())
    assert 900 < size <= 1024, f"Event message is {size} bytes; a real API server refuses more than 1024"
    assert "Grüße-00" in noisy_ev[0]["message"]

    wait_until(lambda: recv.stats()["unique"] >= 1, 15, 0.2, "the valid sibling's webhook")
    time.sleep(1.5)
    ds = recv.deliveries()
    assert [d["payload"]["namespaceManager"]["name"] for d in ds] == ["good"], ds
    assert [d["path"] for d in ds] == ["/good"]
    assert recv.stats()["badSignatures"] == 0
    good_obj = wait_until(lambda: (o := cluster.nsp(ns, "good")) and cond(o, "Fired").get("status") == "True" and o,
                          10, 0.2, "the sibling to be Fired")
    assert good_obj["spec"]["deactivated"] is True
    for name in ("bad", "noisy"):
        o = cluster.nsp(ns, name)
        assert o["spec"]["deactivated"] is False and not o["status"].get("effects"), o


# --------------------------------------------------------------------------- 6. webhook 500 then 200

def test_webhook_retried_after_500_is_delivered_once(cluster):
    ns = cluster.namespace("e2e-retry")
    key = cluster.signing_secret(ns)
    recv = cluster.receiver(key, fail_first=1)
    # A long (valid, 239-character) resource name: Events about it must still get valid names (at most 253).
    name = "flaky-" + "x" * 50 + "." + "y" * 60 + "." + "z" * 60 + "." + "w" * 60
    cluster.apply(policy(ns, name, rule("notify", {"ttl": "2s"}, webhook(recv.url + "/flaky"))))
    wait_until(lambda: recv.stats()["unique"] >= 1, 20, 0.2, "the delivery after the 500")
    obj = wait_until(lambda: (o := cluster.nsp(ns, name)) and cond(o, "Fired").get("status") == "True" and o,
                     10, 0.2, "the policy to be Fired")
    reasons = wait_until(lambda: (r := [e["reason"] for e in cluster.events(ns, name)]) and "PolicyFired" in r and r,
                         5, 0.2, "a PolicyFired Event about the long-named policy")
    assert reasons.count("PolicyFired") == 1, reasons
    time.sleep(1.5)
    stats = recv.stats()
    assert stats == {"deliveries": 1, "unique": 1, "duplicates": 0, "badSignatures": 0, "failedOnPurpose": 1}, stats
    (d,) = recv.deliveries()
    effects = obj["status"]["effects"]
    assert [(e["key"], e["phase"]) for e in effects] == [(d["id"], "Succeeded")], effects


# --------------------------------------------------------------------------- 6b. SIGKILL between an idempotent effect and its record

def test_a_replica_killed_between_an_idempotent_effect_and_its_record(cluster):
    """A scale down is idempotent by itself, so it runs without a Pending write before it; a webhook is not,
    so it still waits for its Pending record. Every status write of NamespacePolicies fails (500) while the
    owner fires both, and the owner is SIGKILLed: the scale happened with no record, the webhook was never
    sent. The next owner scales again (harmlessly: the saved replica count stays 3), records it once, and
    sends the webhook once. Web is scaled back to 2 in between, so the repeat really scales."""
    try:
        _kill_between_effect_and_record(cluster)
    finally:
        cluster.sim.faults(None)


def _kill_between_effect_and_record(cluster) -> None:
    created = time.time()
    ns = cluster.namespace("e2e-kill")
    key = cluster.signing_secret(ns)
    recv = cluster.receiver(key)
    cluster.kubectl.ok("create", "deployment", "web", "--image=nginx", "--replicas=3", "-n", ns)
    cluster.kubectl.ok("label", "deployment", "web", "tier=web", "-n", ns)
    dep = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    wait_until(lambda: cluster.sim.http("GET", dep).json().get("status", {}).get("readyReplicas") == 3, 20, 0.2,
               "deployment web to have 3 ready replicas")
    owner = wait_until(lambda: (o := [r for r in cluster.live() if ns in ((r.shards() or {}).get("ownedNamespaces") or [])])
                       and len(o) == 1 and o[0], 20, 0.2, f"one owner of {ns}")
    cluster.sim.faults({"rules": [{"status": 500, "count": 1000000, "verbs": ["patch"],
                                   "resources": ["namespacepolicies/status"]}]})
    ttl = f"{int(time.time() - created) + 3}s"
    cluster.apply(
        policy(ns, "sleep", rule("night", {"ttl": ttl}, {"scaleDown": {"selectors": [
            {"kind": "Deployment", "labels": {"matchLabels": {"tier": "web"}}}]}})),
        policy(ns, "notify", rule("tell", {"ttl": ttl}, webhook(recv.url + "/kill"))))
    wait_until(lambda: cluster.sim.http("GET", dep).json()["spec"]["replicas"] == 0, 30, 0.1,
               "web scaled to 0 while every status write fails")
    time.sleep(1.0)  # the owner keeps retrying its writes (each a 500)
    for name in ("sleep", "notify"):
        st = (cluster.nsp(ns, name) or {}).get("status") or {}
        assert not st.get("effects"), f"{name}: nothing could be recorded, yet: {st.get('effects')}"
    assert recv.stats()["deliveries"] == 0, "the webhook went out without its Pending record"
    owner.sigkill()
    cluster.sim.faults(None)
    print(f"SIGKILLed {owner.identity}, which had scaled {ns}/web down and recorded nothing")
    # Someone brings web back to 2 meanwhile: the next owner's repeat scales it down again and must keep the
    # replica count saved by the first run (3), not the 2 it finds.
    r = cluster.sim.http("PATCH", dep, data=json.dumps({"spec": {"replicas": 2}}),
                         headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    cluster.start_replica(f"r-kill-{RUN_ID}")
    cluster.wait_settled(40)

    for name in ("sleep", "notify"):
        wait_until(lambda: cond(cluster.nsp(ns, name), "Fired").get("status") == "True", 30, 0.2,
                   f"{name} recorded Fired by the next owner")
    wait_until(lambda: recv.stats()["unique"] == 1, 10, 0.2, "the webhook from the next owner")
    sleep = cluster.nsp(ns, "sleep")
    effects = sleep["status"]["effects"]
    assert [e["phase"] for e in effects] == ["Succeeded"], effects
    assert effects[0]["owner"] != owner.identity, effects
    web = cluster.sim.http("GET", dep).json()
    assert web["spec"]["replicas"] == 0
    assert web["metadata"]["annotations"]["vigil.dev/scaled-down-from-replicas"] == "3", "the repeat overwrote the saved count"
    time.sleep(1.5)
    stats = recv.stats()
    assert stats["deliveries"] == 1 and stats["unique"] == 1 and stats["duplicates"] == 0, stats
    notify = cluster.nsp(ns, "notify")
    assert [e["phase"] for e in notify["status"]["effects"]] == ["Succeeded"], notify["status"]["effects"]
    for name in ("sleep", "notify"):
        reasons = [e["reason"] for e in cluster.events(ns, name)]
        assert reasons.count("PolicyFired") == 1, (name, reasons)


# --------------------------------------------------------------------------- 7. chaos

CHAOS_POLICIES = 24
# Seconds between kills: a little more than the fast profile's lease (4 s), so failovers overlap in part and work
# goes on between them (kills faster than the lease stall every hand-off until they stop: measured, 0 deliveries).
KILL_EVERY = 4.5


def test_chaos_kills_deliver_every_webhook_once(sim_factory, tmp_path):
    started = time.monotonic()
    sim = sim_factory()
    c = start_cluster(sim, tmp_path, ["c-0", "c-1", "c-2"])
    try:
        _chaos(c, started)
    finally:
        c.close()


def _chaos(c: Cluster, started: float) -> None:
    wall_start = time.time() - (time.monotonic() - started)
    key = new_secret()
    recv = c.receiver(key)
    names = [f"chaos-{i:02d}" for i in range(CHAOS_POLICIES)]
    docs = []
    due: dict[str, float] = {}  # when each ttl is reached (creationTimestamp has whole seconds)
    for i, ns in enumerate(names):
        r = c.sim.http("POST", "/api/v1/namespaces",
                       json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        assert r.status_code == 201, r.text
        due[ns] = parse_time(r.json()["metadata"]["creationTimestamp"])
        c.sim.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook-key"},
                      "stringData": {"signing-key": key}}, ns)
        ttl = 3 + round(i * 22 / (CHAOS_POLICIES - 1))  # 3 s .. 25 s
        due[ns] += ttl
        docs.append(policy(ns, "notify", rule("notify", {"ttl": f"{ttl}s"}, webhook(f"{recv.url}/{ns}"))))
    c.apply(*docs)

    kills = []
    gen = 3
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(KILL_EVERY)
        live = c.live()
        leader = next((m["leader"] for r in live if (m := r.shards()) and m.get("leader")), None)
        leaders = [r for r in live if r.identity == leader]
        victim = leaders[0] if leaders and len(kills) % 2 == 0 else next(r for r in live if r.identity != leader)
        victim.sigkill()
        kills.append((round(time.monotonic() - started, 1), victim.identity, victim.identity == leader))
        c.start_replica(f"c-{gen}")  # a new pod name, as a Deployment would give it
        gen += 1
    print(f"chaos kills (t, identity, wasLeader): {kills}")
    assert len(kills) >= 4 and any(k[2] for k in kills) and any(not k[2] for k in kills), kills

    remaining = max(20.0, 85 - (time.monotonic() - started))
    wait_until(lambda: recv.stats()["unique"] >= CHAOS_POLICIES, remaining, 0.5,
               f"{CHAOS_POLICIES} unique deliveries")
    time.sleep(1)
    stats = recv.stats()
    ds = recv.deliveries()
    ids_by_ns: dict[str, set[str]] = {}
    raw_by_ns: dict[str, int] = {}
    for d in ds:
        ns = d["payload"]["namespace"]
        ids_by_ns.setdefault(ns, set()).add(d["id"])
        raw_by_ns[ns] = raw_by_ns.get(ns, 0) + 1
    raw_dups = {ns: n - 1 for ns, n in raw_by_ns.items() if n > 1}
    print(f"chaos receiver stats: {stats}; raw duplicate deliveries (same webhook-id) per namespace: {raw_dups}; "
          f"elapsed {time.monotonic() - started:.1f}s")
    assert stats["unique"] == CHAOS_POLICIES, stats
    assert stats["badSignatures"] == 0, stats
    assert sorted(ids_by_ns) == names, sorted(ids_by_ns)
    assert {ns: len(ids) for ns, ids in ids_by_ns.items() if len(ids) != 1} == {}, ids_by_ns
    assert all(d["idempotencyKey"] == d["id"] == d["payload"]["vigil"]["effectKey"] for d in ds)
    assert stats["duplicates"] == sum(raw_dups.values())

    # The ledger agrees: each resource records its one effect, Succeeded, under the id that was delivered.
    def recorded():
        out = {}
        for ns in names:
            o = c.nsp(ns, "notify") or {}
            out[ns] = [(e["key"], e["phase"]) for e in (o.get("status") or {}).get("effects") or []]
        return out
    want = {ns: [(next(iter(ids_by_ns[ns])), "Succeeded")] for ns in names}
    budget = max(5.0, 88 - (time.monotonic() - started))
    last = wait_until(lambda: (r := recorded()) == want and r, budget, 0.5, "every effect recorded as Succeeded")
    assert all(c.nsp(ns, "notify")["spec"]["deactivated"] is True for ns in names)
    times = sorted(d["at"] for d in ds)
    late = sorted(min(d["at"] for d in ds if d["payload"]["namespace"] == ns) - due[ns] for ns in names)
    assert late[0] > -1.0, f"a webhook was sent {-late[0]:.1f}s before its ttl"
    print(f"chaos delay from ttl to first delivery: median {late[len(late) // 2]:.1f}s, max {late[-1]:.1f}s; "
          f"per namespace (due at t, delay): {[(round(due[ns] - wall_start, 1), round(min(d['at'] for d in ds if d['payload']['namespace'] == ns) - due[ns], 1)) for ns in names]}")
    print(f"chaos deliveries between t={times[0] - wall_start:.1f}s and t={times[-1] - wall_start:.1f}s; "
          f"ledger checked after {time.monotonic() - started:.1f}s ({len(last)} resources)")
