"""loadtest/run.py as a user runs it: CI's short mixed scenario on the local target (kube-sim, real Prometheus and
Alertmanager, real `vigil run` replicas, a replica-count change and 20 SIGKILLs), the cluster path
(VIGIL_TARGET=cluster) against kube-sim with Vigil installed by `kubectl apply -k deploy` and its replicas started
from the deployed configuration, and the scenario file's errors."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Kubectl, free_port, kubectl_binary, stop_process, wait_until

sys.path.insert(0, str(REPO / "loadtest"))
from vigil_load.scenario import ScenarioError, parse  # noqa: E402

RUN = REPO / "loadtest" / "run.py"
VIGIL = Path(os.environ.get("TEST_VIGIL_BIN") or REPO / ".build" / "debug" / "vigil")


def runner(args: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    """Runs loadtest/run.py; past `timeout` it gets SIGTERM (it then stops everything it started) and the test fails."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    full.update(env)
    proc = subprocess.Popen([sys.executable, str(RUN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        out, err = proc.communicate(timeout=60)
        pytest.fail(f"loadtest/run.py did not finish within {timeout:.0f} s\n{out[-4000:]}\n{err[-3000:]}", pytrace=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def explain(p: subprocess.CompletedProcess) -> str:
    return f"exit {p.returncode}\n--- stdout (tail)\n{p.stdout[-6000:]}\n--- stderr (tail)\n{p.stderr[-3000:]}"


# --------------------------------------------------------------------------- the CI mixed scenario

@pytest.mark.timeout(720)
def test_ci_mixed_scenario_every_effect_once_through_a_replica_change_and_20_sigkills(tmp_path):
    sim = os.environ.get("KUBE_SIM_BIN") or str(REPO / ".build" / "debug" / "kube-sim")
    p = runner(["loadtest/scenarios/ci-mixed.yaml", "--out", str(tmp_path / "out")],
               {"KUBE_SIM_BIN": sim, "VIGIL_BIN": str(VIGIL)}, timeout=660)
    print(p.stdout[p.stdout.find("== loadtest"):])
    assert p.returncode == 0, explain(p)
    r = json.loads((tmp_path / "out" / "report.json").read_text())
    assert r["clean"] is True
    assert r["effects"]["expected"] == r["effects"]["delivered"] == 200, r["effects"]
    assert (r["duplicatesAfterDedupe"], r["lost"], r["unexpected"], r["overlaps"]) == (0, 0, 0, 0), r
    assert len(r["kills"]) == 20, r["kills"]
    for kind in ("NamespacePolicy", "CounterMeasure", "HealthCheck", "MemoryScaler"):
        assert r["latency"][kind]["count"] == 50, (kind, r["latency"])
    # When Prometheus first showed each trigger was read back from it: every CounterMeasure and MemoryScaler effect
    # has visibleAt, no earlier than a scrape before the pod was seen Running, and the latency from it is Vigil's share.
    timeline = json.loads((tmp_path / "out" / "timeline.json").read_text())
    pods = [e for e in timeline["expected"] if e["kind"] in ("CounterMeasure", "MemoryScaler")]
    assert all(e.get("visibleAt") for e in pods), [e for e in pods if not e.get("visibleAt")][:5]
    assert all(e["visibleAt"] > e["triggerAt"] - 2 for e in pods), [e for e in pods if e["visibleAt"] <= e["triggerAt"] - 2][:5]
    for kind in ("CounterMeasure", "MemoryScaler"):
        assert r["latencyFromVisible"][kind]["count"] == 50, r["latencyFromVisible"]
        assert r["latencyFromVisible"][kind]["p50"] <= r["latency"][kind]["p50"] + 1, (r["latency"], r["latencyFromVisible"])
    [change] = r["replicaChanges"]
    assert (change["from"], change["to"]) == (3, 4) and change["commitSeconds"] is not None, change
    assert r["queriesWithinDistinct"] is True, r["prometheusQueriesPerIntervalPerReplica"]
    # The judge's inputs are written, and the judge agrees when run on them alone.
    j = subprocess.run([sys.executable, str(REPO / "chaos" / "judge.py"), str(tmp_path / "out" / "timeline.json")],
                       capture_output=True, text=True)
    assert j.returncode == 0 and "verdict: clean" in j.stdout, j.stdout[-3000:]
    assert len(timeline["rounds"]) > 100 and all(e["triggerAt"] for e in timeline["expected"])
    for plot in ("latency.png", "shards.png"):
        assert (tmp_path / "out" / plot).stat().st_size > 1000, plot


# --------------------------------------------------------------------------- the cluster path

@pytest.mark.timeout(420)
def test_cluster_target_drives_vigil_installed_with_kubectl_apply_k_deploy(sim, tmp_path):
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path / "kube-cache")
    k.ok("apply", "-k", str(REPO / "deploy"))
    k.ok("wait", "--for=condition=Established", "crd", "-l", "app.kubernetes.io/part-of=vigil", "--timeout=30s")
    # The replicas run from the configuration the Deployment mounts, as the pods would, but reach kube-sim through
    # its kubeconfig (no in-cluster service account here) and use the fast lease profile so the test is short.
    cms = k.json("get", "configmaps", "-n", "vigil-system")["items"]
    deployed = yaml.safe_load(next(c for c in cms if c["metadata"]["name"].startswith("vigil-config"))["data"]["vigil.yaml"])
    procs, endpoints = [], []
    try:
        for ident in ("vigil-a", "vigil-b"):
            cfg = json.loads(json.dumps(deployed))
            port = free_port()
            cfg.update(kubeconfig=str(sim.kubeconfig), identity=ident)
            cfg["http"] = {**cfg.get("http", {}), "host": "127.0.0.1", "port": port}
            cfg["leaderElection"] = {"profile": "fast"}
            cfg.pop("alertmanager", None)  # its token file is a mounted Secret in the pod
            path = tmp_path / f"{ident}.yaml"
            path.write_text(yaml.safe_dump(cfg))
            env = {k_: v for k_, v in os.environ.items() if not k_.startswith("VIGIL_") and k_ != "TEST_VIGIL_BIN"}
            procs.append(subprocess.Popen([str(VIGIL), "run", "--config", str(path)], stdout=open(tmp_path / f"{ident}.log", "wb"),
                                          stderr=subprocess.STDOUT, start_new_session=True, env=env))
            endpoints.append(f"{ident}=http://127.0.0.1:{port}")
        p = runner(["loadtest/scenarios/kind.yaml", "--out", str(tmp_path / "out")],
                   {"VIGIL_TARGET": "cluster", "KUBECONFIG": str(sim.kubeconfig), "VIGIL_ENDPOINTS": ",".join(endpoints),
                    "KUBECTL": kubectl_binary("1.33")}, timeout=300)
        print(p.stdout[p.stdout.find("== loadtest"):])
        assert p.returncode == 0, explain(p) + "\n" + "\n".join(
            (tmp_path / f"{i}.log").read_text(errors="replace")[-2000:] for i in ("vigil-a", "vigil-b"))
        r = json.loads((tmp_path / "out" / "report.json").read_text())
        assert r["target"] == "cluster" and r["clean"] is True
        assert r["effects"]["expected"] == r["effects"]["delivered"] == 80, r["effects"]
        assert r["latency"]["NamespacePolicy"]["count"] == 40 and r["latency"]["HealthCheck"]["count"] == 40
        # The runner scaled the Deployment through kubectl (kind.yaml: replicas 2) and removed what it created.
        assert k.json("get", "deployment", "vigil", "-n", "vigil-system")["spec"]["replicas"] == 2
        wait_until(lambda: not [n for n in k.json("get", "namespaces")["items"]
                                if n["metadata"].get("labels", {}).get("vigil-load")
                                and n["status"].get("phase") != "Terminating"], 30, 0.5, "the run's namespaces to go")
    finally:
        for proc in procs:
            stop_process(proc, 10)


def test_cluster_target_says_what_is_missing(tmp_path):
    p = runner(["loadtest/scenarios/kind.yaml", "--out", str(tmp_path / "a")], {"VIGIL_TARGET": "cluster"}, timeout=60)
    assert p.returncode == 2 and "VIGIL_TARGET=cluster needs KUBECONFIG" in p.stderr, explain(p)
    p = runner(["loadtest/scenarios/kind.yaml", "--out", str(tmp_path / "b")],
               {"VIGIL_TARGET": "cluster", "KUBECONFIG": "/nonexistent", "VIGIL_ENDPOINTS": "broken"}, timeout=60)
    assert p.returncode == 2 and "VIGIL_ENDPOINTS: 'broken' is not name=http://host:port" in p.stderr, explain(p)
    p = runner(["loadtest/scenarios/kind.yaml"], {"VIGIL_TARGET": "kind"}, timeout=60)
    assert p.returncode == 2 and "VIGIL_TARGET='kind': use local (the default) or cluster" in p.stderr, explain(p)


# --------------------------------------------------------------------------- scenario files

@pytest.mark.parametrize("path", sorted((REPO / "loadtest" / "scenarios").glob("*.yaml"))
                         + sorted((REPO / "chaos" / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_parses(path):
    s = parse(path.read_text(), path)
    assert s.total_namespaces > 0 and s.replicas[0].at == 0


@pytest.mark.parametrize("text, error", [
    ("name: x\nnamespaces: {namespacePolicy: 1}\nreplica: 3\n", "unknown field 'replica'; known:"),
    ("name: x\nnamespaces: {namespacePolicies: 1}\n", "namespaces: unknown field 'namespacePolicies'"),
    ("name: x\nnamespaces: {}\n", "at least one kind needs namespaces"),
    ("name: x\nnamespaces: {healthCheck: 1}\nleases: slow\n", "leases: 'slow'; use fast or conservative"),
    ("name: x\nnamespaces: {healthCheck: 1}\nprometheus: {poll: 0.5s}\n", "prometheus.poll: at least 1s"),
    ("name: x\nnamespaces: {healthCheck: 1}\ntriggers: {over: soon}\n", "triggers.over: 'soon' is not a duration"),
    ("name: x\nnamespaces: {healthCheck: 1}\nreplicas: [{at: 5s, count: 2}]\n", "replicas[0].at: the first step"),
    ("name: x\nnamespaces: {healthCheck: 1}\nreplicas: [{at: 0s, count: 2}, {at: 0s, count: 3}]\n", "in order of `at`"),
    ("name: x\nnamespaces: {healthCheck: 1}\nchaos: {target: everyone}\n", "chaos.target: 'everyone'"),
    ("name: x\nnamespaces: {healthCheck: 1}\nchaos: {faults: [{kind: meteor}]}\n", "chaos.faults[0].kind: 'meteor'"),
    ("name: X\nnamespaces: {healthCheck: 1}\n", "name: required, lower-case"),
    ("name: [x\n", "not YAML"),
])
def test_a_bad_scenario_is_refused_with_the_field_named(text, error):
    with pytest.raises(ScenarioError) as e:
        parse(text, Path("bad.yaml"))
    assert error in str(e.value) and str(e.value).startswith("bad.yaml"), str(e.value)


def test_a_bad_scenario_exits_2_before_starting_anything(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnamespaces: {namespacePolicy: 1}\nsettle: forever\n")
    started = time.monotonic()
    p = runner([str(bad), "--out", str(tmp_path / "out")], {}, timeout=60)
    assert p.returncode == 2 and f"{bad}: settle: 'forever' is not a duration" in p.stderr, explain(p)
    assert time.monotonic() - started < 30


@pytest.mark.timeout(180)
def test_a_run_stopped_with_sigterm_leaves_no_process_behind(tmp_path):
    scenario = tmp_path / "short.yaml"
    scenario.write_text("name: short\nnamespaces: {namespacePolicy: 4}\ntriggers: {start: 60s, over: 10s}\nreplicas: 2\n")
    sim = os.environ.get("KUBE_SIM_BIN") or str(REPO / ".build" / "debug" / "kube-sim")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(KUBE_SIM_BIN=sim, VIGIL_BIN=str(VIGIL))
    proc = subprocess.Popen([sys.executable, str(RUN), str(scenario), "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    lines = []
    try:
        for line in proc.stdout:  # up to the point where kube-sim, Prometheus, Alertmanager and 2 replicas run
            lines.append(line)
            if "created 4 namespaces" in line:
                break
        assert any("created 4 namespaces" in l for l in lines), "".join(lines)
        started = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout.split()
        assert len(started) >= 5, f"kube-sim, Prometheus, Alertmanager and two replicas should run: {started}"
        proc.terminate()
        rest, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "interrupted" in rest, "".join(lines) + rest
    left = subprocess.run(["pgrep", "-fa", str(out)], capture_output=True, text=True).stdout
    assert left == "", f"processes left behind:\n{left}"


def test_a_broken_effect_leaves_its_resource_and_events_as_evidence(sim, tmp_path):
    sys.path.insert(0, str(REPO / "loadtest"))
    import importlib.util
    spec = importlib.util.spec_from_file_location("loadtest_run", RUN)
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    from vigil_load.workload import Kube
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path / "kube-cache")
    k.ok("apply", "-f", str(REPO / "deploy" / "crds"))
    wait_until(lambda: k.run("get", "namespacepolicies", "-A").rc == 0, 10, 0.2, "the CRDs to be served")
    k.ok("create", "namespace", "lt-nsp-00001")
    k.ok("apply", "-f", "-", input=yaml.safe_dump({
        "apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy", "metadata": {"name": "load", "namespace": "lt-nsp-00001"},
        "spec": {"policies": [{"name": "notify", "condition": {"ttl": "1h"}, "action": {"webhook": {"url": "http://x"}}}]}}))
    verdict = {"duplicatesAfterDedupe": ["nsp/lt-nsp-00001 delivered under 2 ids: ['a', 'b']"], "lost": ["ctm/lt-nope-00001"]}
    run.save_evidence(Kube(str(sim.kubeconfig)), verdict, tmp_path)
    saved = json.loads((tmp_path / "evidence" / "lt-nsp-00001.json").read_text())
    assert saved["effect"] == "nsp/lt-nsp-00001" and saved["resource"]["kind"] == "NamespacePolicy", saved
    assert isinstance(saved["events"], list) and "error" not in saved
    missing = json.loads((tmp_path / "evidence" / "lt-nope-00001.json").read_text())
    assert "404" in missing["error"] or "Not Found" in missing["error"], missing
