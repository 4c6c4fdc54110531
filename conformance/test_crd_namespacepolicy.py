"""The NamespacePolicy CRD (deploy/crds/vigil.dev_namespacepolicies.yaml) and the samples (config/samples)
against kube-sim, with real kubectl.

The CRD is applied once with kubectl 1.33 and must become Established; the tests then run with the newest and
the oldest kubectl (1.33 and 1.27): the samples apply, `kubectl get nsp` prints the CRD's printer columns, the
API server fills in the schema defaults, status is written only through the status subresource, and the
structural schema rejects wrong types, enums, ranges and duplicate policy names with the apiserver's messages.
(kube-sim stores the CRD's CEL rules but does not evaluate them; Vigil's own validator applies the same rules.)
"""
from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import REPO, Kubectl, kubectl_binary, write

SIM_ARGS = ["--no-workloads"]

CRD_FILE = REPO / "deploy" / "crds" / "vigil.dev_namespacepolicies.yaml"
SAMPLES = REPO / "config" / "samples"
CRD_NAME = "namespacepolicies.vigil.dev"
SAMPLE_NAMES = ["demo-shutdown", "e2e-done", "preview-ttl"]  # metadata.name of the three samples

AGE = r"\d+[smhd]"
HDR = lambda *cols: re.compile(r"^" + r"\s+".join(re.escape(c) for c in cols) + r"\s*$")  # noqa: E731
COLUMNS = ("NAME", "MANAGES", "DEACTIVATED", "DRYRUN", "READY", "FIRED", "AGE")


def lines(out: str) -> list[str]:
    return out.rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def crd(sim, tmp_path_factory) -> str:
    """Apply the CRD file with kubectl 1.33 and wait until it is Established."""
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path_factory.mktemp("kube-cache"))
    assert k.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} created\n"
    out = k.ok("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=30s")
    assert out == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} condition met\n"
    return CRD_NAME


def apply_samples(kubectl, ns) -> None:
    # Only the NamespacePolicy samples: config/samples also holds CounterMeasures (another CRD, their own namespace).
    files = ("ttl-delete-namespace.yaml", "expires-at-scale-down.yaml", "pods-succeeded-webhook.yaml")
    out = kubectl.ok("apply", "-n", ns, *[a for f in files for a in ("-f", str(SAMPLES / f))])
    assert sorted(lines(out)) == [f"namespacepolicy.vigil.dev/{n} created" for n in SAMPLE_NAMES], out


def policy_yaml(name: str, spec: dict) -> str:
    return yaml.safe_dump({"apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy",
                           "metadata": {"name": name}, "spec": spec})


TTL_POLICY = {"name": "p", "condition": {"ttl": "1h"}, "action": {"deleteNamespace": {}}}


def test_crd_is_discoverable(kubectl, crd):
    res = kubectl.ok("api-resources", "--api-group=vigil.dev")
    assert re.search(r"^namespacepolicies\s+nsp\s+vigil\.dev/v1alpha1\s+true\s+NamespacePolicy\s*$", res, re.M), res
    got = kubectl.json("get", "crd", crd)
    assert got["spec"]["names"]["categories"] == ["vigil"]
    assert got["spec"]["versions"][0]["subresources"] == {"status": {}}
    # Applying the same file again changes nothing.
    assert kubectl.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{crd} unchanged\n"


def test_samples_apply_and_print_columns(kubectl, crd, ns):
    apply_samples(kubectl, ns)
    out = kubectl.ok("get", "nsp", "-n", ns)
    rows = lines(out)
    assert HDR(*COLUMNS).match(rows[0]), out
    # MANAGES (spec.namespace), READY and FIRED are empty until set; DEACTIVATED/DRYRUN show the defaults.
    assert re.fullmatch(rf"demo-shutdown\s+false\s+true\s+{AGE}", rows[1]), out
    assert re.fullmatch(rf"e2e-done\s+false\s+false\s+{AGE}", rows[2]), out
    assert re.fullmatch(rf"preview-ttl\s+false\s+false\s+{AGE}", rows[3]), out
    assert len(rows) == 4, out
    # Across namespaces kubectl adds the resource's NAMESPACE column; there must be only that one.
    all_ns = lines(kubectl.ok("get", "nsp", "-A"))
    assert HDR("NAMESPACE", *COLUMNS).match(all_ns[0]), all_ns
    assert all_ns[0].split().count("NAMESPACE") == 1, all_ns[0]
    # The category and the full names list the same objects.
    assert lines(kubectl.ok("get", "vigil", "-n", ns, "-o", "name")) == \
        [f"namespacepolicy.vigil.dev/{n}" for n in SAMPLE_NAMES]
    assert lines(kubectl.ok("get", "namespacepolicies.vigil.dev", "-n", ns, "-o", "name")) == \
        [f"namespacepolicy.vigil.dev/{n}" for n in SAMPLE_NAMES]


def test_defaults_are_applied(kubectl, crd, ns):
    apply_samples(kubectl, ns)
    e2e = yaml.safe_load(kubectl.ok("get", "nsp", "e2e-done", "-n", ns, "-o", "yaml"))
    spec = e2e["spec"]
    assert spec["deactivated"] is False and spec["dryRun"] is False
    assert "namespace" not in spec  # no schema default: the resource's own namespace is implied
    pods = spec["policies"][0]["condition"]["podsSucceeded"]
    assert pods == {"selector": {"matchLabels": {"job-name": "e2e-suite"}},
                    "initialDelay": "2m", "period": "10s", "minSucceeded": 1}, pods
    hook = spec["policies"][0]["action"]["webhook"]
    assert hook == {"url": "https://ci.example.com/hooks/vigil", "secretRef": {"name": "ci-webhook", "key": "signing-key"},
                    "timeout": "10s", "maxAttempts": 8, "headers": {"X-Team": "platform"}}, hook
    ttl = yaml.safe_load(kubectl.ok("get", "nsp", "preview-ttl", "-n", ns, "-o", "yaml"))["spec"]
    assert ttl == {"deactivated": False, "dryRun": False,
                   "policies": [{"name": "expire-after-8h", "condition": {"ttl": "8h"},
                                 "action": {"deleteNamespace": {}}}]}, ttl
    demo = yaml.safe_load(kubectl.ok("get", "nsp", "demo-shutdown", "-n", ns, "-o", "yaml"))["spec"]
    assert demo["dryRun"] is True and demo["deactivated"] is False


def test_status_subresource_feeds_ready_and_fired_columns(kubectl, crd, ns):
    apply_samples(kubectl, ns)
    status = {"status": {"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": "PoliciesValid", "message": "1 policy armed",
         "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1},
        {"type": "Fired", "status": "False", "reason": "NotYet", "message": "",
         "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        "policies": [{"name": "expire-after-8h", "state": "Waiting", "nextEvaluation": "2026-01-01T08:00:00Z"}]}}
    # A status written through the main resource is ignored ...
    kubectl.ok("patch", "nsp", "preview-ttl", "-n", ns, "--type=merge", "-p", json.dumps(status))
    assert "status" not in kubectl.json("get", "nsp", "preview-ttl", "-n", ns)
    # ... and kept through the status subresource.
    out = kubectl.ok("patch", "nsp", "preview-ttl", "-n", ns, "--subresource=status", "--type=merge",
                     "-p", json.dumps(status))
    assert out == "namespacepolicy.vigil.dev/preview-ttl patched\n", out
    got = kubectl.json("get", "nsp", "preview-ttl", "-n", ns)
    assert got["status"]["policies"] == status["status"]["policies"]
    assert got["metadata"]["generation"] == 1  # status writes do not bump the generation
    row = [r for r in lines(kubectl.ok("get", "nsp", "-n", ns)) if r.startswith("preview-ttl")][0]
    assert re.fullmatch(rf"preview-ttl\s+false\s+false\s+True\s+False\s+{AGE}", row), row


def test_wrong_type_is_rejected_by_the_schema(kubectl, crd, ns, tmp_path):
    f = write(tmp_path, "bad.yaml", policy_yaml("bad", {"dryRun": "yes", "policies": [TTL_POLICY]}))
    r = kubectl.fail("apply", "-n", ns, "-f", f)
    assert 'The NamespacePolicy "bad" is invalid: spec.dryRun: Invalid value: "string": ' \
           'spec.dryRun in body must be of type boolean: "string"' in r.err, r
    r = kubectl.fail("get", "nsp", "bad", "-n", ns)
    assert r.err == 'Error from server (NotFound): namespacepolicies.vigil.dev "bad" not found\n', r


def test_structural_rules_are_enforced(kubectl, crd, ns, tmp_path):
    spec = {"policies": [
        {"name": "a", "condition": {"ttl": "1h", "expiresAt": "2030-01-01T00:00:00Z"}, "action": {"deleteNamespace": {}}},
        {"name": "a", "condition": {"ttl": "5x"},
         "action": {"webhook": {"url": "https://hooks.example.com", "maxAttempts": 50}}},
        {"name": "Bad_Name", "condition": {"expiresAt": "tomorrow"},
         "action": {"scaleDown": {"selectors": [{"kind": "DaemonSet"}]}}},
    ]}
    f = write(tmp_path, "bad.yaml", policy_yaml("bad2", spec))
    r = kubectl.fail("apply", "-n", ns, "-f", f)
    for text in [
        'The NamespacePolicy "bad2" is invalid',
        "spec.policies[0].condition: Too many: 2: must have at most 1 items",
        "spec.policies[1]: Duplicate value: map[string]interface {}{\"name\":\"a\"}",
        "spec.policies[1].condition.ttl: Invalid value: \"5x\"",
        "spec.policies[1].action.webhook.maxAttempts: Invalid value: 50: spec.policies[1].action.webhook.maxAttempts "
        "in body should be less than or equal to 20",
        "spec.policies[2].name: Invalid value: \"Bad_Name\"",
        "spec.policies[2].condition.expiresAt: Invalid value: \"tomorrow\"",
        "spec.policies[2].action.scaleDown.selectors[0].kind: Unsupported value: \"DaemonSet\": "
        "supported values: \"Deployment\", \"StatefulSet\"",
    ]:
        assert text in r.err, f"missing {text!r}\n{r}"
    f = write(tmp_path, "empty.yaml", policy_yaml("empty", {"policies": []}))
    r = kubectl.fail("apply", "-n", ns, "-f", f)
    assert "spec.policies: Invalid value: 0: spec.policies in body should have at least 1 items" in r.err, r
    f = write(tmp_path, "none.yaml", policy_yaml("none", {"policies": [{"name": "p", "condition": {}, "action": {}}]}))
    r = kubectl.fail("apply", "-n", ns, "-f", f)
    assert "spec.policies[0].condition: Invalid value: 0: spec.policies[0].condition in body should have at least 1 properties" in r.err, r
    assert "spec.policies[0].action: Invalid value: 0: spec.policies[0].action in body should have at least 1 properties" in r.err, r
