"""The CounterMeasure CRD (deploy/crds/vigil.dev_countermeasures.yaml), its samples (config/samples/countermeasure-*.yaml)
and `vigil validate` on CounterMeasures, against kube-sim with real kubectl.

The CRD is applied once with kubectl 1.33 and must become Established; the tests then run with the newest and the
oldest kubectl (1.33 and 1.27): `ctm` and the category `vigil` resolve, the samples apply, `kubectl get ctm -A` prints
TRIGGER, LAST FIRED, RUNS, READY and AGE from status, status is written only through the status subresource, the API
server fills in the schema defaults, and the structural schema rejects wrong types, enums, ranges and two members in an
exactly-one object with the apiserver's messages. kube-sim stores the CRD's CEL rules but does not evaluate them (the
test checks they are there); `vigil validate` applies every rule offline, with the field and the message.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from conftest import REPO, Kubectl, kubectl_binary, write
from test_vigil_e2e import vigil_binary

SIM_ARGS = ["--no-workloads"]

CRD_FILE = REPO / "deploy" / "crds" / "vigil.dev_countermeasures.yaml"
CRD_NAME = "countermeasures.vigil.dev"
SAMPLES = REPO / "config" / "samples"
# The CounterMeasure samples; they name their namespace (the examples, copied exactly).
SAMPLE_FILES = {
    "checkout-thread-dump": SAMPLES / "countermeasure-thread-dump.yaml",
    "api-memory": SAMPLES / "countermeasure-memory-promql.yaml",
    "api-restart-on-errors": SAMPLES / "countermeasure-restart-slack.yaml",
}
SAMPLE_NAMESPACE = "shop"

AGE = r"\d+[smhdy][0-9smhdy]*"
HDR = lambda *cols: re.compile(r"^" + r"\s+".join(re.escape(c) for c in cols) + r"\s*$")  # noqa: E731
COLUMNS = ("NAME", "TRIGGER", "LAST FIRED", "RUNS", "READY", "AGE")


def lines(out: str) -> list[str]:
    return out.rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def crd(sim, tmp_path_factory) -> str:
    """Apply the CRD file with kubectl 1.33, wait until it is Established, and create the samples' namespace."""
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path_factory.mktemp("kube-cache"))
    assert k.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} created\n"
    out = k.ok("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=30s")
    assert out == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} condition met\n"
    r = sim.http("POST", "/api/v1/namespaces",
                 json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SAMPLE_NAMESPACE}})
    assert r.status_code == 201, r.text
    return CRD_NAME


@pytest.fixture
def samples(kubectl, crd):
    """The three samples applied as users apply them (no -n: they name namespace shop), deleted afterwards."""
    args = [a for f in SAMPLE_FILES.values() for a in ("-f", str(f))]
    out = kubectl.ok("apply", *args)
    assert sorted(lines(out)) == sorted(f"countermeasure.vigil.dev/{n} created" for n in SAMPLE_FILES), out
    yield kubectl
    kubectl.ok("delete", *args)


def measure_yaml(name: str, spec: dict, ns: str) -> str:
    return yaml.safe_dump({"apiVersion": "vigil.dev/v1alpha1", "kind": "CounterMeasure",
                           "metadata": {"name": name, "namespace": ns}, "spec": spec})


def validate(*args: str):
    p = subprocess.run([str(vigil_binary()), "validate", *args], capture_output=True, text=True, cwd=REPO, timeout=60)
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------- the CRD

def test_crd_is_discoverable(kubectl, crd):
    res = kubectl.ok("api-resources", "--api-group=vigil.dev")
    assert re.search(r"^countermeasures\s+ctm\s+vigil\.dev/v1alpha1\s+true\s+CounterMeasure\s*$", res, re.M), res
    got = kubectl.json("get", "crd", crd)
    assert got["spec"]["names"]["categories"] == ["vigil"]
    assert got["spec"]["scope"] == "Namespaced"
    version = got["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == ["Trigger", "Last Fired", "Runs", "Ready", "Age"]
    # Applying the same file again changes nothing.
    assert kubectl.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{crd} unchanged\n"


def test_crd_keeps_the_cel_rules(kubectl, crd):
    """kube-sim does not evaluate CEL, but a real API server will: the exactly-one rules must be in the stored CRD."""
    spec = kubectl.json("get", "crd", crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    trigger_rules = [r["rule"] for r in spec["properties"]["trigger"]["x-kubernetes-validations"]]
    assert any("has(self.alert)" in r and "has(self.promql)" in r and "== 1" in r for r in trigger_rules), trigger_rules
    action_rules = [r["rule"] for r in spec["properties"]["actions"]["items"]["x-kubernetes-validations"]]
    members = ["deletePod", "delete", "restart", "scale", "scaleDown", "patch", "resize", "debug", "job", "webhook",
               "event", "deleteNamespace"]
    assert any(all(f"has(self.{m})" in r for m in members) and "== 1" in r for r in action_rules), action_rules
    assert set(spec["properties"]["actions"]["items"]["properties"]) == set(members)
    assert [r["rule"] for r in spec["x-kubernetes-validations"]] == ["!has(self.resetAfter) || has(self.maxRuns)"]


def test_kubectl_explain(kubectl, crd):
    out = kubectl.ok("explain", "countermeasure.spec.actions")
    assert "FIELD: actions" in out and "deletePod" in out, out


# --------------------------------------------------------------------------- the samples and the columns

def test_samples_apply_and_print_columns(samples):
    kubectl = samples
    out = kubectl.ok("get", "ctm", "-A")
    rows = lines(out)
    assert HDR("NAMESPACE", *COLUMNS).match(rows[0]), out
    assert rows[0].split().count("NAMESPACE") == 1, rows[0]
    # TRIGGER, LAST FIRED, RUNS and READY come from status, which only the controller writes: empty so far.
    for row, name in zip(rows[1:], sorted(SAMPLE_FILES)):
        assert re.fullmatch(rf"{SAMPLE_NAMESPACE}\s+{name}\s+{AGE}", row), out
    assert len(rows) == 1 + len(SAMPLE_FILES), out
    # The short name, the category and the full name list the same objects.
    names = [f"countermeasure.vigil.dev/{n}" for n in sorted(SAMPLE_FILES)]
    assert lines(kubectl.ok("get", "vigil", "-n", SAMPLE_NAMESPACE, "-o", "name")) == names
    assert lines(kubectl.ok("get", "countermeasures.vigil.dev", "-n", SAMPLE_NAMESPACE, "-o", "name")) == names
    # The stored spec is the sample's (the examples must work exactly as written).
    stored = kubectl.json("get", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE)["spec"]
    written = yaml.safe_load(SAMPLE_FILES["checkout-thread-dump"].read_text())["spec"]
    assert stored["actions"][0]["debug"]["command"] == written["actions"][0]["debug"]["command"] == \
        ["jcmd", "1", "Thread.print"]
    assert stored["trigger"]["alert"]["matchers"] == ['severity=~"warning|critical"']
    assert (stored["cooldown"], stored["maxRuns"], stored["resetAfter"]) == ("10m", 5, "1h")


def test_defaults_are_applied(samples):
    kubectl = samples
    dump = kubectl.json("get", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE)["spec"]
    # No default for source: unset means "default", or Alertmanager's pushes alone when no source is configured.
    assert "source" not in dump and (dump["dryRun"], dump["paused"]) == (False, False), dump
    assert dump["trigger"]["alert"]["includePending"] is False
    assert dump["actions"][0]["debug"]["capture"] is True
    memory = kubectl.json("get", "ctm", "api-memory", "-n", SAMPLE_NAMESPACE)["spec"]
    assert memory["dryRun"] is True and memory["paused"] is False
    assert memory["actions"][0] == {"event": {"type": "Normal", "reason": "MemoryHigh",
                                              "message": "{{labels.pod}} uses {{value}} bytes"}}, memory["actions"]
    assert memory["trigger"]["promql"] == {
        "expr": 'max by (namespace, pod) (container_memory_working_set_bytes{namespace="shop", container!=""})',
        "above": 500000000, "for": "30s"}
    slack = kubectl.json("get", "ctm", "api-restart-on-errors", "-n", SAMPLE_NAMESPACE)["spec"]
    assert slack["maxTargetsPerWindow"] == {"count": 2, "window": "1h"}
    assert json.loads(slack["actions"][0]["webhook"]["body"].replace("{{", "").replace("}}", ""))["text"]


def test_status_subresource_feeds_the_columns(samples):
    kubectl = samples
    status = {"status": {
        "observedGeneration": 1, "trigger": "alert HighCPU", "source": "default",
        "lastFiredAt": "2026-01-01T00:00:00Z", "lastRunAt": "2026-01-01T00:00:00Z", "runCount": 2, "totalRuns": 7,
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "Watching", "message": "watching alert HighCPU",
             "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1},
            {"type": "SourceReachable", "status": "True", "reason": "Polled", "message": "polled",
             "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}],
        "runs": [{"instance": "alert/0123456789abcdef/2026-01-01T00:00:00Z", "target": "0123456789abcdef",
                  "phase": "Succeeded", "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:05Z",
                  "actions": [{"index": 0, "type": "debug", "phase": "Succeeded", "summary": "added ...",
                               "output": {"configMap": "checkout-thread-dump-out-0123456789", "bytes": 42,
                                          "head": "Full thread dump"}}]}]}}
    # Status written through the main resource is ignored ...
    kubectl.ok("patch", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE, "--type=merge", "-p", json.dumps(status))
    assert "status" not in kubectl.json("get", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE)
    # ... and kept through the status subresource.
    out = kubectl.ok("patch", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE, "--subresource=status",
                     "--type=merge", "-p", json.dumps(status))
    assert out == "countermeasure.vigil.dev/checkout-thread-dump patched\n", out
    got = kubectl.json("get", "ctm", "checkout-thread-dump", "-n", SAMPLE_NAMESPACE)
    assert got["status"]["runs"] == status["status"]["runs"]
    assert got["metadata"]["generation"] == 1  # status writes do not bump the generation
    row = [r for r in lines(kubectl.ok("get", "ctm", "-n", SAMPLE_NAMESPACE)) if r.startswith("checkout-thread-dump")][0]
    assert re.fullmatch(rf"checkout-thread-dump\s+alert HighCPU\s+{AGE}\s+7\s+True\s+{AGE}", row), row


# --------------------------------------------------------------------------- the structural schema

def test_structural_rules_are_enforced(kubectl, crd, ns, tmp_path):
    spec = {
        "trigger": {"alert": {"name": "HighCPU"}, "promql": {"expr": "up", "above": 1}},
        "actions": [
            {"deletePod": {"name": "{{labels.pod}}"}, "restart": {"kind": "Deployment", "name": "api"}},
            {"restart": {"kind": "CronJob", "name": "api"}},
            {"event": {"reason": "not camel", "message": "hi"}},
            {"webhook": {"url": "https://hooks.example.com", "maxAttempts": 50}},
            {"debug": {"pod": "p", "image": "busybox", "timeout": "5x"}},
        ],
        "maxRuns": 0,
        "dryRun": "yes",
    }
    f = write(tmp_path, "bad.yaml", measure_yaml("bad", spec, ns))
    r = kubectl.fail("apply", "-f", f)
    for text in [
        'The CounterMeasure "bad" is invalid',
        "spec.trigger: Too many: 2: must have at most 1 items",
        "spec.actions[0]: Too many: 2: must have at most 1 items",
        'spec.actions[1].restart.kind: Unsupported value: "CronJob": supported values: "Deployment", "StatefulSet", '
        '"DaemonSet"',
        'spec.actions[2].event.reason: Invalid value: "not camel"',
        "spec.actions[3].webhook.maxAttempts: Invalid value: 50: spec.actions[3].webhook.maxAttempts in body should be "
        "less than or equal to 20",
        'spec.actions[4].debug.timeout: Invalid value: "5x"',
        "spec.maxRuns: Invalid value: 0: spec.maxRuns in body should be greater than or equal to 1",
        'spec.dryRun: Invalid value: "string": spec.dryRun in body must be of type boolean: "string"',
    ]:
        assert text in r.err, f"missing {text!r}\n{r}"
    r = kubectl.fail("get", "ctm", "bad", "-n", ns)
    assert r.err == 'Error from server (NotFound): countermeasures.vigil.dev "bad" not found\n', r
    f = write(tmp_path, "empty.yaml", measure_yaml("empty", {"trigger": {}, "actions": []}, ns))
    r = kubectl.fail("apply", "-f", f)
    assert "spec.actions: Invalid value: 0: spec.actions in body should have at least 1 items" in r.err, r
    assert "spec.trigger: Invalid value: 0: spec.trigger in body should have at least 1 properties" in r.err, r


# --------------------------------------------------------------------------- vigil validate

def test_vigil_validate_passes_the_samples():
    rc, out, err = validate("-f", "config/samples/")
    assert rc == 0, (out, err)
    n = len([f for f in SAMPLES.iterdir() if f.suffix in (".yaml", ".yml", ".json")])
    assert f"{n} resources valid" in out, out
    assert n >= 3 + len(SAMPLE_FILES)
    # Against the deployed configuration (source "default" configured) they are still valid ...
    rc, out, err = validate("--config", "deploy/vigil.yaml", *[a for f in SAMPLE_FILES.values() for a in ("-f", str(f))])
    assert (rc, out) == (0, f"{len(SAMPLE_FILES)} resources valid\n"), (out, err)
    # ... and against config/vigil.yaml, which configures no source, each names spec.source.
    rc, out, err = validate("--config", "config/vigil.yaml", "-f", str(SAMPLE_FILES["api-memory"]))
    assert rc == 1, (out, err)
    assert out == (f"{SAMPLE_FILES['api-memory']}: document 1 (CounterMeasure shop/api-memory): spec.source: "
                   '"default" is not a configured Prometheus source: vigil.yaml configures none '
                   "(add prometheus.sources.default.url)\n1 problem in 1 resource\n"), out


BROKEN = """apiVersion: vigil.dev/v1alpha1
kind: CounterMeasure
metadata: {name: broken, namespace: shop}
spec:
  trigger:
    promql: {expr: 'up{job="api"}', for: 1m}
  actions:
    - deletePod: {name: "{{labels.pod}}"}
      restart: {kind: Deployment, name: api}
    - deletePod: {name: "{{label.pod}}"}
    - event: {reason: Dumped, message: "{{alert.name}}"}
    - webhook: {url: "https://hooks.example.com", body: '{"t": "{{outputs.3}}"}'}
    - job: {template: {backoffLimit: 0}, capture: true}
  cooldown: 0s
  resetAfter: 1h
"""


def test_vigil_validate_names_the_field_and_the_message(tmp_path):
    f = write(tmp_path, "broken.yaml", BROKEN)
    rc, out, err = validate("-f", f)
    assert rc == 1, (out, err)
    prefix = f"{f}: document 1 (CounterMeasure shop/broken): "
    expected = [
        "spec.trigger.promql: set above, below or both: the threshold a series' value must pass to fire",
        "spec.actions[0]: exactly one of deletePod, delete, restart, scale, scaleDown, patch, resize, debug, job, "
        "webhook, event, deleteNamespace must be set, found deletePod and restart",
        "spec.actions[1].deletePod.name: {{label.pod}} is not a known value: use namespace, labels.<name>, "
        "annotations.<name>, value, alert.name, alert.fingerprint, alert.startsAt, resource.name, "
        "outputs.<index of an earlier action>",
        "spec.actions[3].webhook.body: {{outputs.3}} names action 3, which does not run before this one (action 3): "
        "only earlier actions' output can be used",
        "spec.actions[4].job.template: must be a Job spec with a pod template: "
        "{template: {spec: {containers: [...], restartPolicy: Never}}}",
        "spec.actions[4].job.capture: capture needs wait: true (the log is read after the Job finishes)",
        # A promql trigger has no alert: {{alert.name}} is refused (checked after every action is decoded).
        "spec.actions[2].event.message: a promql trigger has no alert: {{alert.name}}, {{alert.fingerprint}} and "
        "{{alert.startsAt}} exist only for alert triggers",
        "spec.cooldown: must be greater than zero",
        "spec.resetAfter: resetAfter only means something with maxRuns: set maxRuns too",
    ]
    # Every problem at once, each on its own line with the file, the document, the field and the message.
    assert lines(out) == [prefix + e for e in expected] + [f"{len(expected)} problems in 1 resource"], out
