"""The MemoryScaler CRD (deploy/crds/vigil.dev_memoryscalers.yaml), its samples (config/samples/memoryscaler-*.yaml)
and `vigil validate` on MemoryScalers, against kube-sim with real kubectl.

The CRD is applied once with kubectl 1.33 and must become Established; the tests then run with the newest and the
oldest kubectl (1.33 and 1.27): `msc` and the category `vigil` resolve, both samples apply as written (the cache one is
the issue's example), `kubectl get msc` prints SELECTOR, THRESHOLD, MULTIPLIER, RESIZED, LAST and AGE (SELECTOR,
RESIZED and LAST from status, written only through the status subresource), the API server fills in the schema
defaults, and the structural schema refuses the invalid examples with the apiserver's messages, each naming the
field. kube-sim stores the CRD's CEL rule (multiplier > 1) but does not evaluate it: the test checks it is there and
that exclusiveMinimum refuses the same value. `vigil validate` refuses the same examples, naming the same field.
"""
from __future__ import annotations

import copy
import datetime
import json
import re
import subprocess

import pytest
import yaml

from conftest import REPO, Kubectl, kubectl_binary, write
from test_vigil_e2e import vigil_binary

SIM_ARGS = ["--no-workloads"]

CRD_FILE = REPO / "deploy" / "crds" / "vigil.dev_memoryscalers.yaml"
CRD_NAME = "memoryscalers.vigil.dev"
SWIFT = REPO / "Sources" / "VigilAPI" / "MemoryScaler"
SAMPLES = REPO / "config" / "samples"
# The MemoryScaler samples; they name their namespace (cache is the example, which must work as written).
SAMPLE_FILES = {
    "cache": SAMPLES / "memoryscaler-cache.yaml",
    "jvm": SAMPLES / "memoryscaler-jvm-owner.yaml",
}
SAMPLE_NAMESPACE = "shop"
API = "/apis/vigil.dev/v1alpha1/namespaces/{ns}/memoryscalers"

AGE = r"\d+[smhdy][0-9smhdy]*"
HDR = lambda *cols: re.compile(r"^" + r"\s+".join(re.escape(c) for c in cols) + r"\s*$")  # noqa: E731
COLUMNS = ("NAME", "SELECTOR", "THRESHOLD", "MULTIPLIER", "RESIZED", "LAST", "AGE")
# What the API server fills in when a field is unset.
DEFAULTS = {"thresholdPercent": 80, "multiplier": 1.5, "onOOMKilled": True, "cooldown": "5m", "mode": "Auto",
            "dryRun": False, "paused": False}


def lines(out: str) -> list[str]:
    return out.rstrip("\n").split("\n")


def file_schema() -> dict:
    return yaml.safe_load(CRD_FILE.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def spec_pattern(field: str) -> str:
    return file_schema()["properties"]["spec"]["properties"][field]["pattern"]


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
    """Both samples applied as users apply them (no -n: they name namespace shop), deleted afterwards."""
    args = [a for f in SAMPLE_FILES.values() for a in ("-f", str(f))]
    out = kubectl.ok("apply", *args)
    assert sorted(lines(out)) == sorted(f"memoryscaler.vigil.dev/{n} created" for n in SAMPLE_FILES), out
    yield kubectl
    kubectl.ok("delete", *args)


def scaler_yaml(name: str, spec: dict, ns: str) -> str:
    return yaml.safe_dump({"apiVersion": "vigil.dev/v1alpha1", "kind": "MemoryScaler",
                           "metadata": {"name": name, "namespace": ns}, "spec": spec})


def sample_spec(name: str) -> dict:
    return yaml.safe_load(SAMPLE_FILES[name].read_text())["spec"]


def validate(*args: str):
    p = subprocess.run([str(vigil_binary()), "validate", *args], capture_output=True, text=True, cwd=REPO, timeout=60)
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------- the CRD

def test_crd_is_discoverable(kubectl, crd):
    res = kubectl.ok("api-resources", "--api-group=vigil.dev")
    assert re.search(r"^memoryscalers\s+msc\s+vigil\.dev/v1alpha1\s+true\s+MemoryScaler\s*$", res, re.M), res
    got = kubectl.json("get", "crd", crd)
    assert got["metadata"]["labels"] == {"app.kubernetes.io/name": "vigil", "app.kubernetes.io/part-of": "vigil"}
    assert got["spec"]["names"] == {"kind": "MemoryScaler", "listKind": "MemoryScalerList", "plural": "memoryscalers",
                                    "singular": "memoryscaler", "shortNames": ["msc"], "categories": ["vigil"]}
    assert got["spec"]["scope"] == "Namespaced"
    [version] = got["spec"]["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}
    assert [(c["name"], c["type"], c["jsonPath"]) for c in version["additionalPrinterColumns"]] == [
        ("Selector", "string", ".status.selector"),
        ("Threshold", "integer", ".spec.thresholdPercent"),
        ("Multiplier", "number", ".spec.multiplier"),
        ("Resized", "integer", ".status.resizes"),
        ("Last", "date", ".status.lastResizeAt"),
        ("Age", "date", ".metadata.creationTimestamp"),
    ]
    # Served: an empty list through the short name, not an error about an unknown resource type.
    r = kubectl.run("get", "msc", "-A")
    assert (r.rc, r.out, r.err) == (0, "", "No resources found\n"), r
    # Applying the same file again changes nothing.
    assert kubectl.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{crd} unchanged\n"


def test_crd_keeps_the_cel_rule(kubectl, crd):
    """kube-sim does not evaluate CEL, but a real API server will: the rule and its message must be in the stored CRD.
    exclusiveMinimum refuses the same values, so kube-sim (and a server without CEL) refuses multiplier 1 too."""
    spec = kubectl.json("get", "crd", crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec["x-kubernetes-validations"] == [
        {"rule": "!has(self.multiplier) || self.multiplier > 1.0", "message": "multiplier must be greater than 1"}]
    multiplier = spec["properties"]["multiplier"]
    assert (multiplier["type"], multiplier["minimum"], multiplier["exclusiveMinimum"], multiplier["maximum"]) == \
        ("number", 1, True, 10), multiplier
    assert spec["required"] == ["maxMemory"]


def swift(name: str) -> str:
    return (SWIFT / name).read_text()


def test_schema_mirrors_the_decoder():
    """The CRD and Sources/VigilAPI/MemoryScaler agree: field names, the enum, ranges and defaults."""
    src = swift("MemoryScalerSpec.swift")
    props = file_schema()["properties"]["spec"]["properties"]
    known = re.findall(r'"([^"]*)"', re.search(r"static let known = (\[[^\]]*\])", src).group(1))
    assert list(props) == known
    assert props["mode"]["enum"] == re.findall(r'case \w+ = "(\w+)"', src) == ["InPlace", "Owner", "Auto"]
    low, high = map(int, re.search(r"thresholdRange: ClosedRange<Int64> = (\d+)\.\.\.(\d+)", src).groups())
    assert (props["thresholdPercent"]["minimum"], props["thresholdPercent"]["maximum"]) == (low, high) == (1, 100)
    assert props["multiplier"]["maximum"] == float(re.search(r"static let maximum = ([\d.]+)", src).group(1)) == 10
    assert props["thresholdPercent"]["default"] == int(
        re.search(r"defaultThresholdPercent: Int64 = (\d+)", src).group(1)) == DEFAULTS["thresholdPercent"]
    assert str(props["multiplier"]["default"]) == re.search(
        r'defaultMultiplier = Multiplier\(value: [\d.]+, text: "([^"]*)"', src).group(1) == "1.5"
    assert props["cooldown"]["default"] == re.search(r'defaultCooldown = GoDuration\([^)]*text: "([^"]*)"', src).group(1) \
        == DEFAULTS["cooldown"]
    assert props["mode"]["default"] == {"inPlace": "InPlace", "owner": "Owner", "auto": "Auto"}[
        re.search(r"defaultMode = Mode\.(\w+)", src).group(1)] == DEFAULTS["mode"]
    assert props["onOOMKilled"]["default"] is (re.search(r'"onOOMKilled", at: path\) \?\? (\w+)', src).group(1) == "true")
    assert {k: props[k].get("default") for k in DEFAULTS} == DEFAULTS
    # maxMemory has no default: it is required.
    assert "default" not in props["maxMemory"] and "default" not in props["selector"] and "default" not in props["source"]


# --------------------------------------------------------------------------- the samples and the columns

def test_samples_apply_and_print_columns(samples):
    kubectl = samples
    out = kubectl.ok("get", "msc", "-n", SAMPLE_NAMESPACE)
    rows = lines(out)
    assert HDR(*COLUMNS).match(rows[0]), out
    assert len(rows) == 3, out
    # SELECTOR, RESIZED and LAST come from status, which only the controller writes: empty so far.
    assert re.fullmatch(rf"cache\s+75\s+1\.5\s+{AGE}", rows[1]), out
    assert re.fullmatch(rf"jvm\s+90\s+2\s+{AGE}", rows[2]), out
    # The short name, the category, the singular and the full name list the same objects.
    names = ["memoryscaler.vigil.dev/cache", "memoryscaler.vigil.dev/jvm"]
    assert lines(kubectl.ok("get", "vigil", "-n", SAMPLE_NAMESPACE, "-o", "name")) == names
    assert lines(kubectl.ok("get", "memoryscalers.vigil.dev", "-n", SAMPLE_NAMESPACE, "-o", "name")) == names
    assert lines(kubectl.ok("get", "memoryscaler", "-n", SAMPLE_NAMESPACE, "-o", "name")) == names
    # The category prints the MemoryScaler table (its only kind in this kube-sim, so no kind prefix on the names).
    out = kubectl.ok("get", "vigil", "-n", SAMPLE_NAMESPACE)
    rows = lines(out)
    assert HDR(*COLUMNS).match(rows[0]) and len(rows) == 3, out
    assert re.fullmatch(rf"cache\s+75\s+1\.5\s+{AGE}", rows[1]) and re.fullmatch(rf"jvm\s+90\s+2\s+{AGE}", rows[2]), out


def test_defaults_are_applied(samples, ns, tmp_path):
    kubectl = samples
    # The samples: what they write is kept; what they leave out gets the schema's default.
    cache = kubectl.json("get", "msc", "cache", "-n", SAMPLE_NAMESPACE)["spec"]
    assert cache == {**sample_spec("cache"), "dryRun": False, "paused": False}, cache
    assert cache["selector"] == {"matchLabels": {"app": "cache"}} and cache["maxMemory"] == "2Gi"
    jvm = kubectl.json("get", "msc", "jvm", "-n", SAMPLE_NAMESPACE)["spec"]
    assert jvm == {**sample_spec("jvm"), "onOOMKilled": True, "dryRun": False, "paused": False}, jvm
    assert (jvm["cooldown"], jvm["mode"], jvm["multiplier"]) == ("30m", "Owner", 2)  # written: not the defaults
    assert "selector" not in jvm and "source" not in jvm  # no default: only annotated pods, source "default"
    # A minimal scaler: every default at once. Explicit nulls are pruned and defaulted as if unset.
    docs = [scaler_yaml("minimal", {"maxMemory": "1Gi"}, ns),
            scaler_yaml("nulls", {"maxMemory": "1Gi", "onOOMKilled": None, "multiplier": None, "cooldown": None}, ns)]
    f = write(tmp_path, "minimal.yaml", "---\n".join(docs))
    assert lines(kubectl.ok("apply", "-f", f)) == ["memoryscaler.vigil.dev/minimal created",
                                                     "memoryscaler.vigil.dev/nulls created"]
    for name in ("minimal", "nulls"):
        got = kubectl.json("get", "msc", name, "-n", ns)["spec"]
        assert got == {"maxMemory": "1Gi", **DEFAULTS}, (name, got)
    row = lines(kubectl.ok("get", "msc", "minimal", "-n", ns))[1]
    assert re.fullmatch(rf"minimal\s+80\s+1\.5\s+{AGE}", row), row


def test_status_subresource_feeds_the_columns(samples, sim):
    kubectl = samples
    last = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {"selector": "app=cache", "resizes": 2, "lastResizeAt": last,
              "conditions": [{"type": "Ready", "status": "True", "reason": "Watching", "message": "1 pod watched",
                              "lastTransitionTime": last, "observedGeneration": 1}]}
    # Status written through the main resource is ignored ...
    kubectl.ok("patch", "msc", "cache", "-n", SAMPLE_NAMESPACE, "--type=merge", "-p", json.dumps({"status": status}))
    assert "status" not in kubectl.json("get", "msc", "cache", "-n", SAMPLE_NAMESPACE)
    # ... and kept through the status subresource (a plain HTTP merge patch, as the controller sends it).
    path = API.format(ns=SAMPLE_NAMESPACE) + "/cache/status"
    r = sim.http("PATCH", path, data=json.dumps({"status": status}),
                 headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == status
    got = kubectl.json("get", "msc", "cache", "-n", SAMPLE_NAMESPACE)
    assert got["status"] == status
    assert got["metadata"]["generation"] == 1  # status writes do not bump the generation
    assert got["spec"] == {**sample_spec("cache"), "dryRun": False, "paused": False}  # nor touch the spec
    rows = lines(kubectl.ok("get", "msc", "-n", SAMPLE_NAMESPACE))
    assert HDR(*COLUMNS).match(rows[0]), rows
    # LAST is a date column: the time since lastResizeAt (3 hours ago).
    assert re.fullmatch(rf"cache\s+app=cache\s+75\s+1\.5\s+2\s+3h\s+{AGE}", rows[1]), rows
    assert re.fullmatch(rf"jvm\s+90\s+2\s+{AGE}", rows[2]), rows  # the other one still has no status
    # The declared status members are typed.
    r = sim.http("PATCH", path, data=json.dumps({"status": {"resizes": "many", "lastResizeAt": "yesterday"}}),
                 headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 422, r.text
    msg = r.json()["message"]
    assert 'status.resizes: Invalid value: "string": status.resizes in body must be of type integer: "string"' in msg, msg
    assert ('status.lastResizeAt: Invalid value: "yesterday": status.lastResizeAt in body must be of type date-time: '
            '"yesterday"') in msg, msg
    assert kubectl.json("get", "msc", "cache", "-n", SAMPLE_NAMESPACE)["status"]["resizes"] == 2


# --------------------------------------------------------------------------- invalid objects: the API server and vigil validate

# name -> (the spec, the API server's message for it, vigil validate's message for it). Both must name the same field.
INVALID = {
    "multiplier-one": (
        {"maxMemory": "2Gi", "multiplier": 1},
        "spec.multiplier: Invalid value: 1: spec.multiplier in body should be greater than 1",
        "spec.multiplier: 1 is too small: must be greater than 1 (each step multiplies the memory limit by it; "
        "1.5 adds half)"),
    "multiplier-eleven": (
        {"maxMemory": "2Gi", "multiplier": 11},
        "spec.multiplier: Invalid value: 11: spec.multiplier in body should be less than or equal to 10",
        "spec.multiplier: 11 is too large: must be at most 10"),
    "threshold-zero": (
        {"maxMemory": "2Gi", "thresholdPercent": 0},
        "spec.thresholdPercent: Invalid value: 0: spec.thresholdPercent in body should be greater than or equal to 1",
        "spec.thresholdPercent: 0 is out of range: must be between 1 and 100"),
    "threshold-101": (
        {"maxMemory": "2Gi", "thresholdPercent": 101},
        "spec.thresholdPercent: Invalid value: 101: spec.thresholdPercent in body should be less than or equal to 100",
        "spec.thresholdPercent: 101 is out of range: must be between 1 and 100"),
    "no-max-memory": (
        {"thresholdPercent": 75},
        "spec.maxMemory: Required value",
        'spec.maxMemory: required: the most memory a step may give a container, a quantity such as "2Gi"'),
    "max-memory-milli": (
        {"maxMemory": "500m"},
        f"""spec.maxMemory: Invalid value: "500m": spec.maxMemory in body should match '{spec_pattern("maxMemory")}'""",
        'spec.maxMemory: "500m" is 500 millibytes (m is the milli suffix of CPU quantities): memory is counted in '
        'bytes; write mebibytes as Mi, e.g. "500Mi"'),
    "max-memory-negative": (
        {"maxMemory": "-1Gi"},
        f"""spec.maxMemory: Invalid value: "-1Gi": spec.maxMemory in body should match '{spec_pattern("maxMemory")}'""",
        'spec.maxMemory: "-1Gi" is negative: a memory size must be greater than zero, e.g. "2Gi"'),
    "mode-sometimes": (
        {"maxMemory": "2Gi", "mode": "Sometimes"},
        'spec.mode: Unsupported value: "Sometimes": supported values: "InPlace", "Owner", "Auto"',
        'spec.mode: "Sometimes" is not supported: must be one of InPlace, Owner or Auto'),
    "cooldown-words": (
        {"maxMemory": "2Gi", "cooldown": "5 minutes"},
        f"""spec.cooldown: Invalid value: "5 minutes": spec.cooldown in body should match '{spec_pattern("cooldown")}'""",
        'spec.cooldown: "5 minutes" is not a valid duration: unknown unit " minutes" (valid units: h, m, s, ms); '
        'write e.g. "90s" or "1h30m"'),
}
UNKNOWN = ("unknown-field", {"maxMemory": "2Gi", "bogus": "x"})
UNKNOWN_VIGIL = ("spec.bogus: unknown field: valid fields are source, selector, thresholdPercent, multiplier, maxMemory, "
                 "onOOMKilled, cooldown, mode, dryRun and paused")
# At the limits, on the valid side: both accept them.
BOUNDARIES = {
    "limits-low": {"maxMemory": "1", "thresholdPercent": 1, "multiplier": 1.01, "cooldown": "0"},
    "limits-high": {"maxMemory": "1.5Gi", "thresholdPercent": 100, "multiplier": 10, "cooldown": "1h30m",
                    "mode": "InPlace", "selector": {}, "source": "default", "onOOMKilled": False},
}


def field_of(message: str) -> str:
    return message.split(":", 1)[0]


def test_invalid_objects_are_refused_naming_the_field(kubectl, crd, ns, tmp_path):
    f = write(tmp_path, "invalid.yaml", "---\n".join(scaler_yaml(n, spec, ns) for n, (spec, _, _) in INVALID.items()))
    r = kubectl.fail("apply", "-f", f)
    assert r.out == "", r
    for name, (_, api, _) in INVALID.items():
        # One error per object, whole: the object, the field, the value and the rule.
        assert (f'Error from server (Invalid): error when creating "{f}": MemoryScaler.vigil.dev "{name}" is invalid: '
                f'{api}') in lines(r.err), f"missing {api!r}\n{r}"
    assert len(lines(r.err)) == len(INVALID), r
    r = kubectl.run("get", "msc", "-n", ns)
    assert (r.rc, r.out, r.err) == (0, "", f"No resources found in {ns} namespace.\n"), r
    # The same objects at their limits, on the valid side, are accepted.
    f = write(tmp_path, "limits.yaml", "---\n".join(scaler_yaml(n, spec, ns) for n, spec in BOUNDARIES.items()))
    assert lines(kubectl.ok("apply", "-f", f)) == [f"memoryscaler.vigil.dev/{n} created" for n in BOUNDARIES]
    low = kubectl.json("get", "msc", "limits-low", "-n", ns)["spec"]
    assert low == {**DEFAULTS, **BOUNDARIES["limits-low"]}, low


def test_unknown_field_is_refused_with_strict_validation(kubectl, crd, ns, tmp_path):
    name, spec = UNKNOWN
    f = write(tmp_path, "unknown.yaml", scaler_yaml(name, spec, ns))
    r = kubectl.fail("apply", "--validate=strict", "-f", f)
    assert r.err == (f'Error from server (BadRequest): error when creating "{f}": MemoryScaler in version "v1alpha1" '
                     f'cannot be handled as a MemoryScaler: strict decoding error: unknown field "spec.bogus"\n'), r
    r = kubectl.fail("get", "msc", name, "-n", ns)
    assert r.err == f'Error from server (NotFound): memoryscalers.vigil.dev "{name}" not found\n', r
    # Without validation the server prunes the unknown field (the schema has no preserve-unknown-fields under spec).
    assert kubectl.ok("apply", "--validate=false", "-f", f) == f"memoryscaler.vigil.dev/{name} created\n"
    got = kubectl.json("get", "msc", name, "-n", ns)["spec"]
    assert got == {"maxMemory": "2Gi", **DEFAULTS}, got


def test_vigil_validate_passes_the_samples():
    files = [a for f in SAMPLE_FILES.values() for a in ("-f", str(f.relative_to(REPO)))]
    rc, out, err = validate(*files)
    assert (rc, out) == (0, f"{len(SAMPLE_FILES)} resources valid\n"), (out, err)
    # Against the deployed configuration too (source "default" is configured there).
    rc, out, err = validate("--config", "deploy/vigil.yaml", *files)
    assert (rc, out) == (0, f"{len(SAMPLE_FILES)} resources valid\n"), (out, err)


def test_vigil_validate_agrees_with_the_crd(tmp_path):
    """Each invalid example is refused offline too, naming the field the API server names; the limits pass."""
    docs = [(n, spec) for n, (spec, _, _) in INVALID.items()] + [UNKNOWN]
    f = write(tmp_path, "invalid.yaml", "---\n".join(scaler_yaml(n, spec, "shop") for n, spec in docs))
    rc, out, err = validate("-f", f)
    assert rc == 1, (out, err)
    expected = [f"{f}: document {i} (MemoryScaler shop/{name}): {vigil}"
                for i, (name, (_, _, vigil)) in enumerate(INVALID.items(), start=1)]
    expected.append(f"{f}: document {len(docs)} (MemoryScaler shop/{UNKNOWN[0]}): {UNKNOWN_VIGIL}")
    # Every problem at once, one line each with the file, the document, the field and the message.
    assert lines(out) == expected + [f"{len(docs)} problems in {len(docs)} resources"], out
    for name, (_, api, vigil) in INVALID.items():
        assert field_of(vigil) == field_of(api), name
    # The CEL rule's message, which a real API server shows for multiplier 1, is what vigil validate says too.
    assert "must be greater than 1" in INVALID["multiplier-one"][2]
    f = write(tmp_path, "limits.yaml", "---\n".join(scaler_yaml(n, spec, "shop") for n, spec in BOUNDARIES.items()))
    rc, out, err = validate("-f", f)
    assert (rc, out) == (0, f"{len(BOUNDARIES)} resources valid\n"), (out, err)


def test_vigil_validate_treats_null_as_unset(tmp_path):
    """`onOOMKilled:` with no value is null; the API server accepts it and stores the default (see
    test_defaults_are_applied), so vigil validate must not refuse it."""
    f = write(tmp_path, "nulls.yaml", scaler_yaml(
        "nulls", {"maxMemory": "1Gi", "onOOMKilled": None, "multiplier": None, "cooldown": None}, "shop"))
    assert "onOOMKilled: null" in open(f).read()
    rc, out, err = validate("-f", f)
    assert (rc, out) == (0, "1 resource valid\n"), (out, err)
