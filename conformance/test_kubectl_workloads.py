"""kubectl against kube-sim WITH simulated workloads (pods Running, Deployments -> ReplicaSets -> pods,
Jobs completing, container logs). Same rules as test_kubectl.py: output must match a real cluster."""
from __future__ import annotations

import re
import time

import pytest
import yaml

from conftest import wait_until

pytestmark = pytest.mark.workloads
AGE = r"\d+[smhd]"


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


def pod(name, annotations=None, image="nginx:1.25"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name}, "annotations": annotations or {}},
            "spec": {"containers": [{"name": "app", "image": image}]}}


def deployment(name, replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


@pytest.fixture(scope="module")
def workloads_live(sim):
    """Probe once: does this kube-sim build run pods? If not, every test here fails fast (not skipped)."""
    sim.http("POST", "/api/v1/namespaces", json={"metadata": {"name": "workloads-probe"}})
    sim.create(pod("probe"), "workloads-probe")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        phase = sim.http("GET", "/api/v1/namespaces/workloads-probe/pods/probe").json().get("status", {}).get("phase")
        if phase == "Running":
            return True
        time.sleep(0.25)
    return phase


@pytest.fixture(autouse=True)
def _needs_workloads(workloads_live):
    if workloads_live is not True:
        pytest.fail(f"simulated workloads are not available in this kube-sim build: a plain pod is still "
                    f"{workloads_live!r} 15 s after creation (a real cluster runs it within seconds)", pytrace=False)


def test_pod_becomes_running_ready(kubectl, sim, ns):
    sim.create(pod("run"), ns)
    out = kubectl.ok("wait", "--for=condition=Ready", "pod/run", "--timeout=30s", "-n", ns)
    assert out == "pod/run condition met\n"
    got = kubectl.ok("get", "pod", "run", "-n", ns)
    assert re.fullmatch(rf"run\s+1/1\s+Running\s+0\s+{AGE}", lines(got)[1]), got
    wide = kubectl.ok("get", "pod", "run", "-n", ns, "-o", "wide")
    cells = lines(wide)[1].split()
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", cells[5]) and cells[6] != "<none>", wide
    p = kubectl.json("get", "pod", "run", "-n", ns)
    assert p["spec"]["nodeName"] == cells[6] and p["status"]["podIP"] == cells[5]
    assert {c["type"] for c in p["status"]["conditions"]} >= {"PodScheduled", "Initialized", "ContainersReady",
                                                              "Ready"}
    cs = p["status"]["containerStatuses"][0]
    assert cs["ready"] is True and cs["restartCount"] == 0 and "running" in cs["state"]
    desc = kubectl.ok("describe", "pod", "run", "-n", ns)
    assert re.search(r"^Status:\s+Running$", desc, re.M), desc
    assert re.search(r"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned "
                     rf"{ns}/run to {re.escape(cells[6])}", desc), desc
    assert re.search(r"Normal\s+Started\s+\S+\s+kubelet\s+Started container app", desc), desc


def test_logs(kubectl, sim, ns):
    sim.create(pod("logger", {"sim.vigil.dev/logs": "hello\nworld\n"}, image="busybox:1.36"), ns)
    kubectl.ok("wait", "--for=condition=Ready", "pod/logger", "--timeout=30s", "-n", ns)
    assert kubectl.ok("logs", "logger", "-n", ns) == "hello\nworld\n"
    assert kubectl.ok("logs", "pod/logger", "-c", "app", "--tail=1", "-n", ns) == "world\n"
    r = kubectl.fail("logs", "nope", "-n", ns)
    # kubectl >= 1.30 rewords the server's NotFound itself (adds the namespace); 1.27 prints it as is
    expected = {"1.27": 'Error from server (NotFound): pods "nope" not found\n',
                "1.33": f'error: error from server (NotFound): pods "nope" not found in namespace "{ns}"\n'}
    assert r.err == expected[kubectl.version], r
    r = kubectl.fail("logs", "logger", "-c", "wrong", "-n", ns)
    assert r.err == "error: container wrong is not valid for pod logger\n" or \
        r.err == "Error from server (BadRequest): container wrong is not valid for pod logger\n", r


def test_deployment_rollout(kubectl, sim, ns):
    sim.create(deployment("web", replicas=2), ns)
    out = kubectl.ok("rollout", "status", "deployment/web", "--timeout=40s", "-n", ns)
    assert lines(out)[-1] == 'deployment "web" successfully rolled out', out
    got = kubectl.ok("get", "deploy", "web", "-n", ns)
    assert re.fullmatch(r"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE", lines(got)[0]), got
    assert re.fullmatch(rf"web\s+2/2\s+2\s+2\s+{AGE}", lines(got)[1]), got
    rs = kubectl.ok("get", "rs", "-n", ns, "-l", "app=web")
    assert re.fullmatch(r"NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE", lines(rs)[0]), rs
    assert re.fullmatch(rf"web-[a-z0-9]{{8,10}}\s+2\s+2\s+2\s+{AGE}", lines(rs)[1]), rs
    pods = kubectl.ok("get", "pods", "-n", ns, "-l", "app=web", "-o", "name").split()
    assert len(pods) == 2 and all(re.fullmatch(r"pod/web-[a-z0-9]{8,10}-[a-z0-9]{5}", p) for p in pods), pods
    assert kubectl.ok("rollout", "restart", "deployment/web", "-n", ns) == "deployment.apps/web restarted\n"
    out = kubectl.ok("rollout", "status", "deployment/web", "--timeout=40s", "-n", ns)
    assert lines(out)[-1] == 'deployment "web" successfully rolled out', out
    d = kubectl.json("get", "deploy", "web", "-n", ns)
    assert "kubectl.kubernetes.io/restartedAt" in d["spec"]["template"]["metadata"]["annotations"]
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"] == 2
    hist = kubectl.ok("rollout", "history", "deployment/web", "-n", ns)
    assert re.search(r"^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>", hist, re.M), hist
    # scale through the scale subresource: the controller follows
    assert kubectl.ok("scale", "deployment", "web", "--replicas=3", "-n", ns) == "deployment.apps/web scaled\n"
    wait_until(lambda: len(kubectl.ok("get", "pods", "-n", ns, "-l", "app=web", "--field-selector",
                                      "status.phase=Running", "-o", "name").split()) == 3, 30,
               what="3 running web pods")
    # The pods run before the controller has counted them (as in a real cluster): wait for the rollout.
    out = kubectl.ok("rollout", "status", "deployment/web", "--timeout=40s", "-n", ns)
    assert lines(out)[-1] == 'deployment "web" successfully rolled out', out
    desc = kubectl.ok("describe", "deployment", "web", "-n", ns)
    assert re.search(r"^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$",
                     desc, re.M), desc
    assert re.search(r"^NewReplicaSet:\s+web-[a-z0-9]+ \(3/3 replicas created\)$", desc, re.M), desc


def test_job_completes(kubectl, sim, ns):
    sim.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
                "spec": {"template": {"metadata": {"annotations": {"sim.vigil.dev/run-seconds": "1"}},
                                      "spec": {"restartPolicy": "Never",
                                               "containers": [{"name": "c", "image": "busybox:1.36"}]}}}}, ns)
    out = kubectl.ok("wait", "--for=condition=complete", "job/once", "--timeout=40s", "-n", ns)
    assert out == "job.batch/once condition met\n"
    got = kubectl.ok("get", "job", "once", "-n", ns)
    assert re.fullmatch(r"NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE", lines(got)[0]), got
    assert re.fullmatch(rf"once\s+Complete\s+1/1\s+{AGE}\s+{AGE}", lines(got)[1]), got
    pods = kubectl.ok("get", "pods", "-n", ns, "-l", "job-name=once")
    assert re.fullmatch(rf"once-[a-z0-9]{{5}}\s+0/1\s+Completed\s+0\s+{AGE}", lines(pods)[1]), pods


def test_delete_running_pod_wait(kubectl, sim, ns):
    sim.create(pod("gone"), ns)
    kubectl.ok("wait", "--for=condition=Ready", "pod/gone", "--timeout=30s", "-n", ns)
    # graceful deletion of a scheduled pod: delete --wait blocks until the kubelet has removed it
    assert kubectl.ok("delete", "pod", "gone", "--wait=true", "--timeout=30s", "-n", ns) == 'pod "gone" deleted\n'
    r = kubectl.fail("get", "pod", "gone", "-n", ns)
    assert r.err == 'Error from server (NotFound): pods "gone" not found\n'
