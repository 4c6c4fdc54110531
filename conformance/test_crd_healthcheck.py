"""The HealthCheck CRD (deploy/crds/vigil.dev_healthchecks.yaml), its samples (config/samples/healthcheck-*.yaml) and
`vigil validate` on HealthChecks, against kube-sim with real kubectl.

The CRD is applied once with kubectl 1.33 and must become Established; the tests then run with the newest and the
oldest kubectl (1.33 and 1.27): `hc` and the category `vigil` resolve, `kubectl explain` reads the schema, the samples
apply, `kubectl get hc -A` prints SCHEDULE, LAST RESULT, SUCCESS, FAILED, REMEDIES and NEXT RUN from status, status is
written only through the status subresource, the API server fills in the schema defaults, and the structural schema
rejects wrong types, enums, ranges and two members in an exactly-one object with the apiserver's messages. The schema
is checked against the decoder in Sources/VigilAPI/HealthCheck (field names, enums, ranges, defaults), and remedy.actions
must be CounterMeasure's spec.actions. kube-sim stores the CRD's CEL rules but does not evaluate them (the test checks
they are there); `vigil validate` applies every rule offline, with the field and the message.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess

import pytest
import yaml

from conftest import REPO, Kubectl, kubectl_binary, write
from test_vigil_e2e import vigil_binary

SIM_ARGS = ["--no-workloads"]

CRD_FILE = REPO / "deploy" / "crds" / "vigil.dev_healthchecks.yaml"
CRD_NAME = "healthchecks.vigil.dev"
COUNTERMEASURE_CRD_FILE = REPO / "deploy" / "crds" / "vigil.dev_countermeasures.yaml"
SWIFT = REPO / "Sources" / "VigilAPI" / "HealthCheck"
SAMPLES = REPO / "config" / "samples"
# The HealthCheck samples: name -> (file, the namespace it names).
SAMPLE_FILES = {
    "checkout-http": (SAMPLES / "healthcheck-http.yaml", "shop"),
    "dns": (SAMPLES / "healthcheck-dns-job.yaml", "health"),
    "checkout-restarts": (SAMPLES / "healthcheck-promql.yaml", "shop"),
}
SAMPLE_NAMESPACES = sorted({ns for _, ns in SAMPLE_FILES.values()})

AGE = r"\d+[smhdy][0-9smhdy]*"
HDR = lambda *cols: re.compile(r"^" + r"\s+".join(re.escape(c) for c in cols) + r"\s*$")  # noqa: E731
COLUMNS = ("NAME", "SCHEDULE", "LAST RESULT", "SUCCESS", "FAILED", "REMEDIES", "NEXT RUN", "AGE")


def lines(out: str) -> list[str]:
    return out.rstrip("\n").split("\n")


def file_schema(path=CRD_FILE) -> dict:
    return yaml.safe_load(path.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


@pytest.fixture(scope="module")
def crd(sim, tmp_path_factory) -> str:
    """Apply the CRD file with kubectl 1.33, wait until it is Established, and create the samples' namespaces."""
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path_factory.mktemp("kube-cache"))
    assert k.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} created\n"
    out = k.ok("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=30s")
    assert out == f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME} condition met\n"
    for ns in SAMPLE_NAMESPACES:
        r = sim.http("POST", "/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        assert r.status_code == 201, r.text
    return CRD_NAME


@pytest.fixture
def samples(kubectl, crd):
    """The three samples applied as users apply them (no -n: they name their namespace), deleted afterwards."""
    args = [a for f, _ in SAMPLE_FILES.values() for a in ("-f", str(f))]
    out = kubectl.ok("apply", *args)
    assert sorted(lines(out)) == sorted(f"healthcheck.vigil.dev/{n} created" for n in SAMPLE_FILES), out
    yield kubectl
    kubectl.ok("delete", *args)


def check_yaml(name: str, spec: dict, ns: str) -> str:
    return yaml.safe_dump({"apiVersion": "vigil.dev/v1alpha1", "kind": "HealthCheck",
                           "metadata": {"name": name, "namespace": ns}, "spec": spec})


def validate(*args: str):
    p = subprocess.run([str(vigil_binary()), "validate", *args], capture_output=True, text=True, cwd=REPO, timeout=60)
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------- the CRD

def test_crd_is_discoverable(kubectl, crd):
    res = kubectl.ok("api-resources", "--api-group=vigil.dev")
    assert re.search(r"^healthchecks\s+hc\s+vigil\.dev/v1alpha1\s+true\s+HealthCheck\s*$", res, re.M), res
    got = kubectl.json("get", "crd", crd)
    assert got["metadata"]["labels"] == {"app.kubernetes.io/name": "vigil", "app.kubernetes.io/part-of": "vigil"}
    assert got["spec"]["names"] == {"kind": "HealthCheck", "listKind": "HealthCheckList", "plural": "healthchecks",
                                    "singular": "healthcheck", "shortNames": ["hc"], "categories": ["vigil"]}
    assert got["spec"]["scope"] == "Namespaced"
    [version] = got["spec"]["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}
    assert [(c["name"], c["type"], c["jsonPath"]) for c in version["additionalPrinterColumns"]] == [
        ("Schedule", "string", ".status.schedule"),
        ("Last Result", "string", ".status.lastResult"),
        ("Success", "integer", ".status.successCount"),
        ("Failed", "integer", ".status.failedCount"),
        ("Remedies", "integer", ".status.remedy.total"),
        ("Next Run", "string", ".status.nextRunAt"),
        ("Age", "date", ".metadata.creationTimestamp"),
    ]
    # Served: an empty list through the short name, not an error about an unknown resource type.
    r = kubectl.run("get", "hc", "-A")
    assert (r.rc, r.out, r.err) == (0, "", "No resources found\n"), r
    # Applying the same file again changes nothing.
    assert kubectl.ok("apply", "-f", str(CRD_FILE)) == f"customresourcedefinition.apiextensions.k8s.io/{crd} unchanged\n"


def test_crd_keeps_the_cel_rules(kubectl, crd):
    """kube-sim does not evaluate CEL, but a real API server will: the cross-field rules must be in the stored CRD."""
    schema = kubectl.json("get", "crd", crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    spec = schema["properties"]["spec"]
    props = spec["properties"]

    def rules(s: dict) -> list[str]:
        return [r["rule"] for r in s.get("x-kubernetes-validations", [])]

    assert rules(props["schedule"]) == ["(has(self.every) ? 1 : 0) + (has(self.cron) ? 1 : 0) == 1",
                                        "!has(self.timeZone) || has(self.cron)"]
    assert rules(props["check"]) == ["(has(self.http) ? 1 : 0) + (has(self.job) ? 1 : 0) + (has(self.promql) ? 1 : 0) == 1"]
    pod_spec = props["check"]["properties"]["job"]["properties"]["template"]["properties"]["spec"]
    assert rules(pod_spec) == ["has(self.containers) && size(self.containers) > 0"]
    # CEL cannot see fields kept by x-kubernetes-preserve-unknown-fields alone: containers must be declared.
    assert pod_spec["x-kubernetes-preserve-unknown-fields"] is True and pod_spec["properties"]["containers"]["type"] == "array"
    assert rules(spec) == ["!has(self.level) || has(self.check.job)", "!has(self.rbacRules) || has(self.level)"]
    assert rules(props["rbacRules"]["items"]) == ["has(self.resources) || has(self.nonResourceURLs)",
                                                  "!has(self.resources) || has(self.apiGroups)"]
    # Every rule carries a message (a real API server shows it instead of "failed rule: ...").
    def all_rules(s):
        if isinstance(s, dict):
            yield from s.get("x-kubernetes-validations", [])
            for v in s.values():
                yield from all_rules(v)
        elif isinstance(s, list):
            for v in s:
                yield from all_rules(v)
    found = list(all_rules(schema))
    ctm_actions = file_schema(COUNTERMEASURE_CRD_FILE)["properties"]["spec"]["properties"]["actions"]["items"]
    assert len(found) == 8 + len(list(all_rules(ctm_actions))) and all(r.get("message") for r in found), found
    # The remedy's actions keep CounterMeasure's exactly-one rule.
    action_rules = rules(props["remedy"]["properties"]["actions"]["items"])
    assert len(action_rules) == 1 and "has(self.deleteNamespace)" in action_rules[0] and action_rules[0].endswith("== 1")


def test_remedy_actions_are_countermeasure_actions(kubectl, crd):
    """remedy.actions runs through the shared action engine: its item schema is CounterMeasure's spec.actions item."""
    ctm_actions = file_schema(COUNTERMEASURE_CRD_FILE)["properties"]["spec"]["properties"]["actions"]
    stored = kubectl.json("get", "crd", crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    actions = stored["properties"]["spec"]["properties"]["remedy"]["properties"]["actions"]
    # The same schema; only the descriptions differ (a remedy's templates have no alert, and its Events go on the HealthCheck).
    assert without_descriptions(actions["items"]) == without_descriptions(ctm_actions["items"])
    assert "{{alert." not in json.dumps(actions) and "{{annotations." not in json.dumps(actions)
    assert (actions["minItems"], actions["maxItems"]) == (ctm_actions["minItems"], ctm_actions["maxItems"]) == (1, 20)


def without_descriptions(schema):
    if isinstance(schema, dict):
        return {k: without_descriptions(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [without_descriptions(v) for v in schema]
    return schema


def swift(name: str) -> str:
    return (SWIFT / name).read_text()


def swift_strings(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


def swift_cases(source: str, enum: str) -> list[str]:
    body = re.search(rf"enum {enum}\b[^{{]*\{{(.*?)\n\s*\}}", source, re.S)
    assert body, f"enum {enum} not found"
    return re.findall(r"^\s*case (\w+)", body.group(1), re.M)


def swift_known(source: str, reader: str) -> list[str]:
    """The field names a `r.rejectUnknown(<reader>, known: [...]` call accepts."""
    m = re.search(rf"rejectUnknown\({reader}, known: (\[[^\]]*\]|Self\.\w+)", source)
    assert m, f"rejectUnknown({reader}, ...) not found"
    if m.group(1).startswith("Self."):
        m = re.search(rf"static let {m.group(1)[5:]}\s*=\s*(\[[^\]]*\])", source)
    return swift_strings(m.group(1))


def swift_range(source: str, key: str) -> tuple[int, int]:
    m = re.search(rf'"{key}", at: \w+, in: (\d+)\.\.\.(\d+|Int64\(Int32\.max\))\)', source)
    assert m, f"the range of {key} not found"
    return int(m.group(1)), (2**31 - 1 if "Int32" in m.group(2) else int(m.group(2)))


def test_schema_mirrors_the_decoder():
    """The CRD and Sources/VigilAPI/HealthCheck agree: field names, enums, ranges and defaults."""
    spec_src, probe_src, schedule_src = swift("HealthCheckSpec.swift"), swift("HealthCheckProbe.swift"), swift("HealthCheckSchedule.swift")
    spec = file_schema()["properties"]["spec"]
    props = spec["properties"]
    check = props["check"]["properties"]
    http, job, promql = check["http"]["properties"], check["job"]["properties"], check["promql"]["properties"]
    remedy = props["remedy"]["properties"]
    rule = props["rbacRules"]["items"]["properties"]
    # Field names: everything the decoder reads, and nothing else.
    assert list(props) == swift_known(spec_src, "o")
    assert list(props["schedule"]["properties"]) == swift_known(schedule_src, "o")
    assert list(check) == swift_strings(re.search(r"fieldNames = (\[[^\]]*\])", probe_src).group(1))
    assert list(http) == swift_known(probe_src, "h")
    assert list(job) == swift_known(probe_src, "j")
    assert list(job["template"]["properties"]) == swift_known(probe_src, "template")
    assert list(promql) == swift_known(probe_src, "q")
    assert list(remedy) == swift_known(spec_src, "m")
    assert list(rule) == swift_strings(re.search(r'rejectUnknown\(o, known: (\["apiGroups"[^\]]*\])', spec_src).group(1))
    assert list(http["headers"]["items"]["properties"]) == swift_known(probe_src, "m")
    assert spec["required"] == ["schedule", "check"]
    # Enums.
    assert http["method"]["enum"] == swift_strings(re.search(r"static let methods = (\[[^\]]*\])", probe_src).group(1))
    assert http["method"]["default"] == "GET"
    assert props["level"]["enum"] == swift_cases(spec_src, "Level")
    assert promql["failWhen"]["enum"] == swift_cases(probe_src, "FailWhen")
    assert promql["failWhen"]["default"] == "nonEmpty"
    # Ranges.
    for schema, source, key in [(props["failureThreshold"], spec_src, "failureThreshold"),
                                (props["historyLimit"], spec_src, "historyLimit"),
                                (remedy["runsLimit"], spec_src, "runsLimit"),
                                (job["backoffLimit"], probe_src, "backoffLimit"),
                                (job["ttlSecondsAfterFinished"], probe_src, "ttlSecondsAfterFinished")]:
        low, high = swift_range(source, key)
        assert schema["minimum"] == low, key
        assert schema.get("maximum", 2**31 - 1) == high, key
        assert schema["format"] == "int32", key
    status = http["expectStatus"]["items"]
    assert (status["minimum"], status["maximum"]) == tuple(map(int, re.search(r"\((\d+)\.\.\.(\d+)\)\.contains\(n\)", probe_src).groups()))
    assert remedy["actions"]["maxItems"] == int(re.search(r"static let maxActions = (\d+)", spec_src).group(1))
    # Defaults.
    assert props["historyLimit"]["default"] == int(re.search(r"defaultHistoryLimit: Int64 = (\d+)", spec_src).group(1)) == 10
    assert remedy["runsLimit"]["default"] == int(re.search(r"defaultRunsLimit: Int64 = (\d+)", spec_src).group(1)) == 3
    assert props["failureThreshold"]["default"] == int(re.search(r'"failureThreshold", at: path, in: [^)]*\) \?\? (\d+)', spec_src).group(1)) == 1
    assert job["ttlSecondsAfterFinished"]["default"] == int(re.search(r"defaultTTL: Int64 = (\d+)", probe_src).group(1)) == 3600
    assert job["backoffLimit"]["default"] == int(re.search(r'"backoffLimit", at: p, in: [^)]*\) \?\? (\d+)', probe_src).group(1)) == 0
    units = {"seconds": "s", "minutes": "m", "hours": "h"}
    timeouts = re.findall(r"static let defaultTimeout = GoDuration\.(\w+)\((\d+)\)", probe_src)
    assert [http["timeout"]["default"], job["timeout"]["default"]] == [f"{n}{units[u]}" for u, n in timeouts] == ["10s", "10m"]
    # Durations: the CounterMeasure CRD's pattern, the units GoDuration accepts (h, m, s, ms).
    pattern = file_schema(COUNTERMEASURE_CRD_FILE)["properties"]["spec"]["properties"]["cooldown"]["pattern"]
    durations = [props["schedule"]["properties"]["every"], props["schedule"]["properties"]["startingDeadline"],
                 http["timeout"], job["timeout"], remedy["resetInterval"]]
    assert all(d["pattern"] == pattern and d["type"] == "string" for d in durations), durations
    for text, ok in [("30s", True), ("1h30m", True), ("1.5h", True), ("250ms", True), ("0", True), ("5x", False),
                     ("10us", False), ("-1s", False), ("30", False)]:
        assert bool(re.fullmatch(pattern, text)) is ok, text


def test_kubectl_explain(kubectl, crd):
    out = kubectl.ok("explain", "hc.spec.check.http")
    assert re.search(r"^FIELD:\s+http\b", out, re.M), out
    for field in ["url", "method", "headers", "body", "expectStatus", "bodyContains", "timeout"]:
        assert re.search(rf"^\s+{field}\s+<", out, re.M), f"{field} missing\n{out}"
    assert "An absolute http:// or https:// URL" in out, out
    out = kubectl.ok("explain", "healthcheck.spec.schedule")
    for field in ["every", "cron", "timeZone", "startingDeadline"]:
        assert re.search(rf"^\s+{field}\s+<", out, re.M), f"{field} missing\n{out}"


# --------------------------------------------------------------------------- the samples and the columns

def sample_spec(name: str) -> dict:
    return yaml.safe_load(SAMPLE_FILES[name][0].read_text())["spec"]


def test_samples_apply_and_print_columns(samples):
    kubectl = samples
    out = kubectl.ok("get", "hc", "-A")
    rows = lines(out)
    assert HDR("NAMESPACE", *COLUMNS).match(rows[0]), out
    assert rows[0].split().count("NAMESPACE") == 1, rows[0]
    # Every column but NAME and AGE comes from status, which only the controller writes: empty so far.
    expected = sorted((ns, name) for name, (_, ns) in SAMPLE_FILES.items())
    assert len(rows) == 1 + len(expected), out
    for row, (ns, name) in zip(rows[1:], expected):
        assert re.fullmatch(rf"{ns}\s+{name}\s+{AGE}", row), out
    # The short name, the category, the singular and the full name list the same objects.
    names = [f"healthcheck.vigil.dev/{n}" for n in sorted(n for n, (_, ns) in SAMPLE_FILES.items() if ns == "shop")]
    assert names == ["healthcheck.vigil.dev/checkout-http", "healthcheck.vigil.dev/checkout-restarts"]
    assert lines(kubectl.ok("get", "vigil", "-n", "shop", "-o", "name")) == names
    assert lines(kubectl.ok("get", "healthchecks.vigil.dev", "-n", "shop", "-o", "name")) == names
    assert lines(kubectl.ok("get", "healthcheck", "-n", "health", "-o", "name")) == ["healthcheck.vigil.dev/dns"]
    # The stored spec is the sample's, as written (plus defaults, checked below).
    stored = kubectl.json("get", "hc", "checkout-restarts", "-n", "shop")["spec"]
    written = sample_spec("checkout-restarts")
    assert stored["check"]["promql"]["expr"] == written["check"]["promql"]["expr"] == \
        'increase(kube_pod_container_status_restarts_total{namespace="shop", pod=~"checkout-.*"}[10m]) > 0'
    assert stored["remedy"]["actions"] == written["remedy"]["actions"]
    dns = kubectl.json("get", "hc", "dns", "-n", "health")["spec"]
    assert dns["schedule"] == {"cron": "*/5 * * * *", "timeZone": "Europe/Berlin"}
    assert dns["check"]["job"]["template"] == sample_spec("dns")["check"]["job"]["template"]


def with_defaults(spec: dict, **extra) -> dict:
    out = copy.deepcopy(spec)
    out.setdefault("failureThreshold", 1)
    out.setdefault("historyLimit", 10)
    out.setdefault("dryRun", False)
    out.setdefault("paused", False)
    if "remedy" in out:
        out["remedy"].setdefault("runsLimit", 3)
    for path, value in extra.items():
        *parents, leaf = path.split("__")
        node = out
        for p in parents:
            node = node[p]
        node[leaf] = value
    return out


def test_defaults_are_applied(samples):
    kubectl = samples
    dns = kubectl.json("get", "hc", "dns", "-n", "health")["spec"]
    assert (dns["failureThreshold"], dns["historyLimit"]) == (1, 10), dns
    job = dns["check"]["job"]
    assert (job["ttlSecondsAfterFinished"], job["backoffLimit"]) == (3600, 0), job
    assert job["timeout"] == "2m"  # written: the default (10m) does not replace it
    assert "remedy" not in dns and "rbacRules" not in dns  # no defaults for optional objects
    assert dns == with_defaults(sample_spec("dns"), check__job__ttlSecondsAfterFinished=3600, check__job__backoffLimit=0)
    http = kubectl.json("get", "hc", "checkout-http", "-n", "shop")["spec"]
    assert http == with_defaults(sample_spec("checkout-http"), check__http__method="GET"), http
    assert http["check"]["http"]["timeout"] == "5s" and http["failureThreshold"] == 2
    promql = kubectl.json("get", "hc", "checkout-restarts", "-n", "shop")["spec"]
    assert promql == with_defaults(sample_spec("checkout-restarts")), promql
    assert promql["remedy"]["runsLimit"] == 1  # written: not the default 3


def test_defaults_of_a_minimal_check(kubectl, crd, ns, tmp_path):
    docs = [
        check_yaml("minimal-http", {"schedule": {"every": "1m"}, "check": {"http": {"url": "http://app/healthz"}}}, ns),
        check_yaml("minimal-job", {"schedule": {"every": "1m"}, "check": {"job": {"template": {
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}}, ns),
        check_yaml("minimal-promql", {"schedule": {"every": "1m"}, "check": {"promql": {"expr": "up == 0"}},
                                      "remedy": {"actions": [{"event": {"reason": "Down", "message": "down"}}]}}, ns),
    ]
    f = write(tmp_path, "minimal.yaml", "---\n".join(docs))
    assert sorted(lines(kubectl.ok("apply", "-f", f))) == [f"healthcheck.vigil.dev/minimal-{k} created" for k in ("http", "job", "promql")]
    base = {"failureThreshold": 1, "historyLimit": 10, "dryRun": False, "paused": False}
    got = kubectl.json("get", "hc", "minimal-http", "-n", ns)["spec"]
    assert got == {"schedule": {"every": "1m"}, "check": {"http": {"url": "http://app/healthz", "method": "GET", "timeout": "10s"}}, **base}
    got = kubectl.json("get", "hc", "minimal-job", "-n", ns)["spec"]["check"]["job"]
    assert {k: got[k] for k in ("timeout", "ttlSecondsAfterFinished", "backoffLimit")} == {
        "timeout": "10m", "ttlSecondsAfterFinished": 3600, "backoffLimit": 0}, got
    got = kubectl.json("get", "hc", "minimal-promql", "-n", ns)["spec"]
    assert got["check"] == {"promql": {"expr": "up == 0", "failWhen": "nonEmpty"}}
    assert got["remedy"] == {"actions": [{"event": {"type": "Normal", "reason": "Down", "message": "down"}}], "runsLimit": 3}
    kubectl.ok("delete", "-f", f)


STATUS = {
    "observedGeneration": 1,
    "schedule": "every 30s",
    "check": "http GET http://checkout.shop.svc:8080/healthz",
    "runs": 15,
    "nextRunAt": "2026-01-01T00:07:30Z",
    "lastRun": {"number": 15, "scheduledAt": "2026-01-01T00:07:00Z", "startedAt": "2026-01-01T00:07:00Z",
                "finishedAt": "2026-01-01T00:07:05Z", "result": "Failed", "message": "GET returned 503",
                "durationSeconds": 5.002},
    "lastResult": "Failed",
    "successCount": 12,
    "failedCount": 3,
    "consecutiveFailures": 2,
    "remedy": {"runs": 1, "total": 2, "lastRunAt": "2026-01-01T00:07:05Z", "lastRun": 15, "lastResult": "Succeeded",
               "actions": [{"index": 0, "type": "restart", "phase": "Succeeded", "summary": "restarted Deployment checkout"}]},
    "history": [{"number": 15, "scheduledAt": "2026-01-01T00:07:00Z", "result": "Failed", "message": "GET returned 503"}],
    "conditions": [{"type": "Ready", "status": "True", "reason": "Scheduled", "message": "next run at 2026-01-01T00:07:30Z",
                    "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}],
}


def test_status_subresource_feeds_the_columns(samples):
    kubectl = samples
    patch = json.dumps({"status": STATUS})
    # Status written through the main resource is ignored ...
    kubectl.ok("patch", "hc", "checkout-http", "-n", "shop", "--type=merge", "-p", patch)
    assert "status" not in kubectl.json("get", "hc", "checkout-http", "-n", "shop")
    # ... and kept through the status subresource, whole: the members the schema does not declare too
    # (status and status.remedy preserve unknown fields: lastRun, history, the remedy's actions).
    out = kubectl.ok("patch", "hc", "checkout-http", "-n", "shop", "--subresource=status", "--type=merge", "-p", patch)
    assert out == "healthcheck.vigil.dev/checkout-http patched\n", out
    got = kubectl.json("get", "hc", "checkout-http", "-n", "shop")
    assert got["status"] == STATUS
    assert got["metadata"]["generation"] == 1  # status writes do not bump the generation
    row = [r for r in lines(kubectl.ok("get", "hc", "-n", "shop")) if r.startswith("checkout-http")][0]
    # NEXT RUN is the time itself: a date column would print a future time as <invalid>.
    assert re.fullmatch(rf"checkout-http\s+every 30s\s+Failed\s+12\s+3\s+2\s+2026-01-01T00:07:30Z\s+{AGE}", row), row
    # The declared status members are typed.
    r = kubectl.fail("patch", "hc", "checkout-http", "-n", "shop", "--subresource=status", "--type=merge",
                     "-p", json.dumps({"status": {"successCount": "many", "nextRunAt": "soon"}}))
    assert 'status.successCount: Invalid value: "string": status.successCount in body must be of type integer: "string"' in r.err, r
    assert 'status.nextRunAt: Invalid value: "soon": status.nextRunAt in body must be of type date-time: "soon"' in r.err, r
    assert kubectl.json("get", "hc", "checkout-http", "-n", "shop")["status"]["successCount"] == 12


# --------------------------------------------------------------------------- the structural schema

def test_structural_rules_are_enforced(kubectl, crd, ns, tmp_path):
    spec = {
        "schedule": {"every": "5x"},
        "check": {"promql": {"expr": "up", "failWhen": "sometimes"}},
        "level": "galaxy",
        "rbacRules": [{"apiGroups": [""], "resources": ["pods"]}],
        "failureThreshold": 0,
        "historyLimit": "ten",
        "remedy": {"actions": [{"restart": {"kind": "CronJob", "name": "api"}}], "runsLimit": 0},
        "paused": "yes",
    }
    f = write(tmp_path, "bad.yaml", check_yaml("bad", spec, ns))
    r = kubectl.fail("apply", "-f", f)
    for text in [
        'The HealthCheck "bad" is invalid',
        'spec.schedule.every: Invalid value: "5x"',
        'spec.check.promql.failWhen: Unsupported value: "sometimes": supported values: "nonEmpty", "empty"',
        'spec.level: Unsupported value: "galaxy": supported values: "namespace", "cluster"',
        "spec.rbacRules[0].verbs: Required value",
        "spec.failureThreshold: Invalid value: 0: spec.failureThreshold in body should be greater than or equal to 1",
        'spec.historyLimit: Invalid value: "string": spec.historyLimit in body must be of type integer: "string"',
        'spec.remedy.actions[0].restart.kind: Unsupported value: "CronJob": supported values: "Deployment", '
        '"StatefulSet", "DaemonSet"',
        "spec.remedy.runsLimit: Invalid value: 0: spec.remedy.runsLimit in body should be greater than or equal to 1",
        'spec.paused: Invalid value: "string": spec.paused in body must be of type boolean: "string"',
    ]:
        assert text in r.err, f"missing {text!r}\n{r}"
    r = kubectl.fail("get", "hc", "bad", "-n", ns)
    assert r.err == 'Error from server (NotFound): healthchecks.vigil.dev "bad" not found\n', r
    spec = {
        "schedule": {"cron": "*/5 * * * *"},
        "check": {
            "http": {"url": "http://app/healthz", "method": "FETCH", "expectStatus": [200, 700], "timeout": "1 minute"},
            "job": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Always"}},
                    "backoffLimit": 11},
        },
        "historyLimit": 101,
    }
    f = write(tmp_path, "two.yaml", check_yaml("two", spec, ns))
    r = kubectl.fail("apply", "-f", f)
    for text in [
        "spec.check: Too many: 2: must have at most 1 items",
        'spec.check.http.method: Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "PATCH", '
        '"DELETE", "OPTIONS"',
        "spec.check.http.expectStatus[1]: Invalid value: 700: spec.check.http.expectStatus[1] in body should be less "
        "than or equal to 599",
        'spec.check.http.timeout: Invalid value: "1 minute"',
        'spec.check.job.template.spec.restartPolicy: Unsupported value: "Always": supported values: "Never", "OnFailure"',
        "spec.check.job.backoffLimit: Invalid value: 11: spec.check.job.backoffLimit in body should be less than or "
        "equal to 10",
        "spec.historyLimit: Invalid value: 101: spec.historyLimit in body should be less than or equal to 100",
    ]:
        assert text in r.err, f"missing {text!r}\n{r}"
    f = write(tmp_path, "empty.yaml", check_yaml("empty", {"schedule": {}, "check": {}, "remedy": {"actions": []}}, ns))
    r = kubectl.fail("apply", "-f", f)
    assert "spec.check: Invalid value: 0: spec.check in body should have at least 1 properties" in r.err, r
    assert "spec.remedy.actions: Invalid value: 0: spec.remedy.actions in body should have at least 1 items" in r.err, r
    f = write(tmp_path, "nospec.yaml", check_yaml("nospec", {"check": {"promql": {"expr": "up"}}}, ns))
    r = kubectl.fail("apply", "-f", f)
    assert "spec.schedule: Required value" in r.err, r


# --------------------------------------------------------------------------- vigil validate

def test_vigil_validate_passes_the_samples():
    rc, out, err = validate("-f", "config/samples/")
    assert rc == 0, (out, err)
    n = len([f for f in SAMPLES.iterdir() if f.suffix in (".yaml", ".yml", ".json")])
    assert out == f"{n} resources valid\n", out
    assert n >= 6 + len(SAMPLE_FILES)
    files = [a for f, _ in SAMPLE_FILES.values() for a in ("-f", str(f.relative_to(REPO)))]
    rc, out, err = validate(*files)
    assert (rc, out) == (0, f"{len(SAMPLE_FILES)} resources valid\n"), (out, err)
    # Against the deployed configuration (source "default" configured, no cluster-level checks) they are still valid ...
    rc, out, err = validate("--config", "deploy/vigil.yaml", *files)
    assert (rc, out) == (0, f"{len(SAMPLE_FILES)} resources valid\n"), (out, err)
    # ... and against config/vigil.yaml, which configures no source, the promql check names spec.check.promql.source.
    promql = "config/samples/healthcheck-promql.yaml"
    rc, out, err = validate("--config", "config/vigil.yaml", "-f", promql)
    assert rc == 1, (out, err)
    assert out == (f"{promql}: document 1 (HealthCheck shop/checkout-restarts): spec.check.promql.source: "
                   '"default" is not a configured Prometheus source: vigil.yaml configures none '
                   "(add prometheus.sources.default.url)\n1 problem in 1 resource\n"), out


BROKEN = """apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: bad-cron, namespace: shop}
spec:
  schedule: {cron: "61 * * * *"}
  check:
    http: {url: "http://checkout.shop.svc:8080/healthz"}
---
apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: bad-zone, namespace: shop}
spec:
  schedule: {cron: "*/5 * * * *", timeZone: Europe/Berln}
  check:
    http: {url: "http://checkout.shop.svc:8080/healthz"}
---
apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: no-containers, namespace: health}
spec:
  schedule: {every: 1m}
  check:
    job:
      template:
        spec: {restartPolicy: Never}
---
apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: no-scheme, namespace: shop}
spec:
  schedule: {every: 30s}
  check:
    http: {url: "checkout.shop.svc/healthz"}
"""


def problems(out: str, f: str) -> list[tuple[str, str, str]]:
    """(subject, field, message) of each problem line; the summary line is left out."""
    got = []
    for line in lines(out)[:-1]:
        m = re.fullmatch(rf"{re.escape(f)}: document (\d+) \(HealthCheck ([^)]*)\): (spec[^:]*): (.*)", line)
        assert m, f"not FILE: document N (HealthCheck ns/name): field: message\n{line}"
        got.append((m.group(1) + " " + m.group(2), m.group(3), m.group(4)))
    return got


def test_vigil_validate_names_the_field_and_the_message(tmp_path):
    f = write(tmp_path, "broken.yaml", BROKEN)
    rc, out, err = validate("-f", f)
    assert rc == 1, (out, err)
    # Every problem at once, each on its own line with the file, the document, the field and the message.
    got = problems(out, f)
    assert [(s, field) for s, field, _ in got] == [
        ("1 shop/bad-cron", "spec.schedule.cron"),
        ("2 shop/bad-zone", "spec.schedule.timeZone"),
        ("3 health/no-containers", "spec.check.job.template.spec.containers"),
        ("4 shop/no-scheme", "spec.check.http.url"),
    ], out
    cron, zone, containers, url = (m for _, _, m in got)
    assert "minute" in cron and "61" in cron and "out of range" in cron, cron
    assert 'unknown time zone "Europe/Berln"' in zone, zone
    assert "at least one container" in containers, containers
    assert '"checkout.shop.svc/healthz" has no http:// or https:// scheme' in url, url
    assert lines(out)[-1] == "4 problems in 4 resources", out


CROSS_FIELD = """apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: cross, namespace: shop}
spec:
  schedule: {every: 30s, timeZone: Europe/Berlin}
  level: namespace
  check:
    http: {url: "http://checkout.shop.svc:8080/healthz"}
---
apiVersion: vigil.dev/v1alpha1
kind: HealthCheck
metadata: {name: rules, namespace: shop}
spec:
  schedule: {every: 30s, cron: "*/5 * * * *"}
  rbacRules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
  check:
    job:
      template:
        spec: {containers: [{name: c, image: busybox}]}
"""


def test_vigil_validate_applies_the_cel_rules(tmp_path):
    """What the CRD's CEL rules say (and kube-sim does not evaluate), `vigil validate` reports, with the field."""
    f = write(tmp_path, "cross.yaml", CROSS_FIELD)
    rc, out, err = validate("-f", f)
    assert rc == 1, (out, err)
    got = problems(out, f)
    assert sorted((s, field) for s, field, _ in got) == [
        ("1 shop/cross", "spec.level"),                # !has(self.level) || has(self.check.job)
        ("1 shop/cross", "spec.schedule.timeZone"),    # !has(self.timeZone) || has(self.cron)
        ("2 shop/rules", "spec.rbacRules"),            # !has(self.rbacRules) || has(self.level)
        ("2 shop/rules", "spec.schedule"),             # exactly one of every, cron
    ], out
    messages = {(s, field): m for s, field, m in got}
    assert "timeZone only applies to cron" in messages[("1 shop/cross", "spec.schedule.timeZone")]
    assert "applies only to check.job" in messages[("1 shop/cross", "spec.level")]
    assert "set level too" in messages[("2 shop/rules", "spec.rbacRules")]
    assert "exactly one of every, cron must be set" in messages[("2 shop/rules", "spec.schedule")]
    assert lines(out)[-1] == f"{len(got)} problems in 2 resources", out
