"""deploy/monitoring/: the PrometheusRule and the Grafana dashboard agree with what Vigil exports.

* The rule groups (``spec`` of the PrometheusRule) pass Debian's ``promtool check rules``, and
  ``promtool test rules`` shows each alert firing on the series that should fire it and staying quiet
  on healthy ones.
* Every metric name in the dashboard's and the rules' expressions is one a real ``vigil run`` exports:
  a replica on kube-sim, with a NamespacePolicy that fires (so the action and effect counters exist),
  a CounterMeasure polling an unreachable Prometheus source (so the poller's counters exist) and a
  NamespacePolicy whose ledger holds an hour-old Pending entry (so the ledger-age gauge shows it), is
  scraped, and the names are compared.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml

from conftest import REPO, free_port, stop_process, wait_until

MONITORING = REPO / "deploy" / "monitoring"
RULE = MONITORING / "prometheusrule.yaml"
DASHBOARD = MONITORING / "grafana-dashboard.json"
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "increase", "irate", "histogram_quantile", "unless",
    "and", "or", "on", "ignoring", "label_values", "le", "humanizeDuration", "bool", "offset",
}


def vigil_binary() -> Path:
    return Path(os.environ.get("TEST_VIGIL_BIN", REPO / ".build" / "debug" / "vigil"))


def rule_groups() -> dict:
    doc = yaml.safe_load(RULE.read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    return doc["spec"]


def dashboard_exprs() -> list[str]:
    dash = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    exprs += [v["query"]["query"] for v in dash["templating"]["list"] if isinstance(v.get("query"), dict)]
    return exprs


def metric_names(expr: str) -> set[str]:
    """Identifiers in a PromQL expression that name metrics (not functions, keywords, labels or strings)."""
    expr = re.sub(r"label_values\(\s*([^,()]+),\s*\w+\s*\)", r"\1", expr)  # Grafana's label_values(metric, label)
    expr = re.sub(r'"[^"]*"', '""', expr)           # label values
    expr = re.sub(r"\{[^}]*\}", "{}", expr)          # matchers
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)         # ranges
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)) - PROMQL_WORDS
    return {n for n in names if not n.startswith("$") and not n.startswith("__")}


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool (Debian's prometheus package) is not installed: run tools/prereqs.sh", pytrace=False)
    return path


def test_rules_pass_promtool_check(tmp_path):
    rules = tmp_path / "vigil-rules.yaml"
    rules.write_text(yaml.safe_dump(rule_groups()))
    p = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SUCCESS: 4 rules found" in p.stdout, p.stdout


def test_each_alert_fires_on_what_it_watches_and_not_on_health(tmp_path):
    (tmp_path / "vigil-rules.yaml").write_text(yaml.safe_dump(rule_groups()))
    tests = {
        "rule_files": ["vigil-rules.yaml"],
        "evaluation_interval": "30s",
        "tests": [{
            "interval": "30s",
            "input_series": [
                # 100 namespaces; after 5 min replica b's 40 stop being startable (it died, its lease not yet expired).
                {"series": 'vigil_informer_store_objects{resource="namespaces",shard="a"}', "values": "100x20"},
                {"series": 'vigil_shard_active_namespaces{shard="a"}', "values": "60x20"},
                {"series": 'vigil_shard_active_namespaces{shard="b"}', "values": "40x9 0x10"},
                # b fenced from minute 2.
                {"series": 'vigil_shard_fenced{shard="a"}', "values": "0x20"},
                {"series": 'vigil_shard_fenced{shard="b"}', "values": "0x3 1x16"},
                # a's oldest Pending effect ages two seconds a second (past 10 min after 5 min); b's stays young.
                {"series": 'vigil_ledger_pending_oldest_seconds{shard="a"}', "values": "0+60x40"},
                {"series": 'vigil_ledger_pending_oldest_seconds{shard="b"}', "values": "5x20"},
                # Prometheus source "down" answers nothing; "up" answers every query.
                {"series": 'vigil_prometheus_requests_total{source="down",endpoint="query",code="error"}', "values": "0+2x20"},
                {"series": 'vigil_prometheus_requests_total{source="up",endpoint="query",code="200"}', "values": "0+2x20"},
                {"series": 'vigil_prometheus_requests_total{source="up",endpoint="query",code="503"}', "values": "0+1x20"},
            ],
            "alert_rule_test": [
                {"eval_time": "4m", "alertname": "VigilNamespacesWithoutOwner", "exp_alerts": []},
                {"eval_time": "8m", "alertname": "VigilNamespacesWithoutOwner", "exp_alerts": [{
                    "exp_labels": {"severity": "warning"},
                    "exp_annotations": {
                        "summary": "40 namespaces have had no Vigil replica working on them for 2 minutes",
                        "description": "No replica may start work in them: a replica died and its lease has not expired yet, a hand-off is stuck, or a replica is not scraped. Check `kubectl -n vigil-system get pods` and each replica's /shards.",
                    }}]},
                {"eval_time": "1m", "alertname": "VigilReplicaFenced", "exp_alerts": []},
                {"eval_time": "4m", "alertname": "VigilReplicaFenced", "exp_alerts": [{
                    "exp_labels": {"severity": "warning", "shard": "b"},
                    "exp_annotations": {
                        "summary": "Vigil replica b is fenced: it works on no namespace",
                        "description": "It lost its member lease (API server unreachable, or it stalled longer than the lease) and stopped acting so that no two replicas act on one namespace. It rejoins by itself once it can renew; if it does not, check its logs and its access to the API server.",
                    }}]},
                {"eval_time": "5m", "alertname": "VigilEffectPendingTooLong", "exp_alerts": []},
                {"eval_time": "12m", "alertname": "VigilEffectPendingTooLong", "exp_alerts": [{
                    "exp_labels": {"severity": "warning", "shard": "a"},
                    "exp_annotations": {
                        "summary": "An effect on shard a has been Pending for 24m 0s",
                        "description": "An action was started and never recorded as finished. Find it with `kubectl get nsp,ctm,hc,msc -A -o json | jq '.items[] | select(.status.effects[]?.phase == \"Pending\") | .metadata'` and read the owning replica's logs.",
                    }}]},
                {"eval_time": "10m", "alertname": "VigilPrometheusUnreachable", "exp_alerts": [{
                    "exp_labels": {"severity": "critical", "source": "down"},
                    "exp_annotations": {
                        "summary": "Vigil cannot query Prometheus source down",
                        "description": "Every query of the last 5 minutes failed: CounterMeasures, HealthChecks and MemoryScalers on this source act on nothing (their SourceReachable condition is False). Check the source's url in the vigil-config ConfigMap and the network path to Prometheus.",
                    }}]},
            ],
        }],
    }
    (tmp_path / "vigil-rules.test.yaml").write_text(yaml.safe_dump(tests, width=10_000))
    p = subprocess.run([promtool(), "test", "rules", "vigil-rules.test.yaml"], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr


def test_the_dashboard_is_valid_and_covers_every_shard_view():
    dash = json.loads(DASHBOARD.read_text())
    titles = [p["title"] for p in dash["panels"]]
    for wanted in ("Owned namespaces per shard", "Work queue depth", "Reconciles per second", "Reconcile latency p99",
                   "Actions by kind and result", "Prometheus queries per second", "Leader, epoch, fenced", "Hand-off time"):
        assert wanted in titles, titles
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"]), "panel ids must be unique"
    assert [v["name"] for v in dash["templating"]["list"]] == ["datasource", "shard"]
    for p in dash["panels"]:
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", p["title"]


@pytest.fixture(scope="module")
def exported(sim, tmp_path_factory) -> tuple[set[str], str]:
    """The metric names a real `vigil run` exports once a NamespacePolicy fired and a CounterMeasure polls."""
    work = tmp_path_factory.mktemp("monitoring")
    for crd in sorted((REPO / "deploy" / "crds").glob("*.yaml")):
        r = sim.http("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", data=crd.read_bytes(),
                     headers={"Content-Type": "application/yaml"})
        assert r.status_code == 201, f"{crd.name}: {r.status_code} {r.text}"
    for ns in ("vigil-system", "mon-ttl", "mon-ctm", "mon-held"):
        r = sim.http("POST", "/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        assert r.status_code == 201, r.text
    closed = free_port()  # nothing listens: every query fails with code "error"
    config = {"namespace": "vigil-system", "kubeconfig": str(sim.kubeconfig), "leaderElection": {"profile": "fast"},
              "prometheus": {"sources": {"default": {"url": f"http://127.0.0.1:{closed}", "interval": "1s", "timeout": "1s"}}}}
    (work / "vigil.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEST_VIGIL_BIN"}
    log = open(work / "vigil.log", "wb")
    proc = subprocess.Popen([str(vigil_binary()), "run", "--config", str(work / "vigil.yaml"), "--identity", "mon-0",
                             "--http-host", "127.0.0.1", "--http-port", str(port)],
                            cwd=work, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        api = "/apis/vigil.dev/v1alpha1/namespaces/{ns}/{plural}"
        wait_until(lambda: sim.http("GET", api.format(ns="mon-ttl", plural="namespacepolicies")).status_code == 200, 10, 0.1,
                   "the CRDs to be served")
        r = sim.http("POST", api.format(ns="mon-ttl", plural="namespacepolicies"), json={
            "apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy", "metadata": {"name": "gone", "namespace": "mon-ttl"},
            "spec": {"policies": [{"name": "ttl", "condition": {"ttl": "1s"}, "action": {"deleteNamespace": {}}}]}})
        assert r.status_code == 201, r.text
        r = sim.http("POST", api.format(ns="mon-ctm", plural="countermeasures"), json={
            "apiVersion": "vigil.dev/v1alpha1", "kind": "CounterMeasure", "metadata": {"name": "mem", "namespace": "mon-ctm"},
            "spec": {"trigger": {"promql": {"expr": "vector(1)", "above": 0}},
                     "actions": [{"event": {"reason": "High", "message": "high"}}], "dryRun": True}})
        assert r.status_code == 201, r.text
        # A policy whose ledger holds an effect some replica started an hour ago and never finished.
        held = api.format(ns="mon-held", plural="namespacepolicies")
        r = sim.http("POST", held, json={
            "apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy", "metadata": {"name": "held", "namespace": "mon-held"},
            "spec": {"policies": [{"name": "ttl", "condition": {"ttl": "24h"}, "action": {"deleteNamespace": {}}}]}})
        assert r.status_code == 201, r.text
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        r = sim.http("PATCH", held + "/held/status", headers={"Content-Type": "application/merge-patch+json"}, data=json.dumps(
            {"status": {"effects": [{"key": "0" * 32, "action": "webhook:ttl", "phase": "Pending", "attempts": 1,
                                     "owner": "ghost", "startedAt": started}]}}))
        assert r.status_code == 200, r.text

        def pending_age(text: str) -> float:
            m = re.search(r'^vigil_ledger_pending_oldest_seconds\{[^}]*\} (\S+)$', text, re.M)
            return float(m.group(1)) if m else 0.0

        def scrape() -> tuple[set[str], str] | None:
            if proc.poll() is not None:
                pytest.fail(f"vigil run exited with {proc.returncode}:\n{(work / 'vigil.log').read_text()[-3000:]}", pytrace=False)
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except requests.RequestException:
                return None
            names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
            needed = {"vigil_actions_total", "vigil_prometheus_requests_total", "vigil_effect_runs_total"}
            return (names, text) if needed <= names and pending_age(text) >= 3600 else None
        # The ledger-age loop looks every 15 s.
        return wait_until(scrape, 60, 0.5, "the action, effect and poller counters and the Pending entry's age in /metrics")
    finally:
        stop_process(proc)
        log.close()


def test_every_metric_the_dashboard_and_rules_use_is_exported(exported):
    exported, text = exported
    used: dict[str, set[str]] = {}
    for expr in dashboard_exprs():
        for n in metric_names(expr):
            used.setdefault(n, set()).add("dashboard")
    for group in rule_groups()["groups"]:
        for rule in group["rules"]:
            for n in metric_names(rule["expr"]):
                used.setdefault(n, set()).add(rule.get("alert", "rule"))
    assert "vigil_shard_owned_namespaces" in used and "vigil_actions_total" in used, used
    missing = {n: sorted(w) for n, w in used.items() if n not in exported}
    assert not missing, f"used but not exported by vigil run: {missing}\nexported: {sorted(exported)}"
    # The label values the rules and panels select on exist too.
    assert re.search(r'^vigil_informer_store_objects\{resource="namespaces"', text, re.M), "the namespace informer's store size"
    for name in ("workqueue_depth", "controller_reconcile_total", "vigil_actions_total", "vigil_ledger_pending_oldest_seconds"):
        assert re.search(rf'^{name}\{{[^}}]*shard="mon-0"', text, re.M), f"{name} has no shard label"
    assert re.search(r'^vigil_actions_total\{[^}]*kind="NamespacePolicy"[^}]*action="deleteNamespace"[^}]*result="succeeded"', text, re.M), \
        [l for l in text.splitlines() if l.startswith("vigil_actions_total")]
    assert re.search(r'^vigil_prometheus_requests_total\{[^}]*code="error"', text, re.M)


def test_metric_name_extraction():
    assert metric_names('histogram_quantile(0.99, sum by (le, shard) (rate(x_bucket{shard=~"$shard"}[$__rate_interval])))') == {"x_bucket"}
    assert metric_names('max(a{resource="namespaces"}) - sum(b) > 0') == {"a", "b"}
    assert metric_names("label_values(vigil_shard_owned_namespaces, shard)") == {"vigil_shard_owned_namespaces"}
    assert metric_names('sum by (source) (increase(c{code!="200"}[5m])) > 0 unless sum by (source) (d[5m]) > 0') == {"c", "d"}
