"""deploy/: the kustomization that installs Vigil.

* It renders with the kustomize built into kubectl 1.33 and 1.27, and the rendered objects are what
  docs/deploy.md promises: the kinds and names, a hardened three-replica Deployment wired to its
  config, Service, PDB and ServiceAccount, and least-privilege RBAC (every rule named in the tables
  below, no wildcards, nothing missing).
* ``kubectl.1.33 apply -k deploy`` against kube-sim creates every object, the CRDs become Established,
  the Deployment rolls out (kube-sim runs its pods), and a second apply changes nothing.
* The optional ServiceMonitor, the Dockerfile and deploy/kind/ agree with the manifests, and
  deploy/kind/up.sh refuses to start, with a clear message, when docker or kind is missing.
"""
from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, KUBECTL_VERSIONS, Kubectl, kubectl_binary

DEPLOY = REPO / "deploy"
NAMESPACE = "vigil-system"
IMAGE = "ghcr.io/vigil-dev/vigil:0.1.0"
POD_LABELS = {"app.kubernetes.io/name": "vigil", "app.kubernetes.io/component": "controller"}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}

# Everything the kustomization renders except CRDs (their set grows with each resource kind; checked apart).
EXPECTED_OBJECTS = {
    ("Namespace", NAMESPACE),
    ("ServiceAccount", "vigil"),
    ("ClusterRole", "vigil"),
    ("ClusterRoleBinding", "vigil"),
    ("Role", "vigil"),
    ("RoleBinding", "vigil"),
    ("ClusterRole", "vigil-viewer"),
    ("ClusterRole", "vigil-editor"),
    ("ClusterRole", "vigil-extensions"),  # aggregated: rules come from ClusterRoles labelled AGGREGATION_LABEL
    ("ClusterRoleBinding", "vigil-extensions"),
    ("ConfigMap", "vigil-config"),  # name without the generator's content hash
    ("Deployment", "vigil"),
    ("PodDisruptionBudget", "vigil"),
    ("Service", "vigil"),
}

# The controller's ClusterRole, exactly: (apiGroup, resource) -> verbs. A rule outside this table, a verb
# beyond it, or an entry not granted at all fails the test. Keep it in step with docs/deploy.md.
CLUSTER_GRANTS = {
    ("vigil.dev", "namespacepolicies"): {"get", "list", "watch", "patch"},  # patch: spec.deactivated after firing
    ("vigil.dev", "namespacepolicies/status"): {"update", "patch"},
    ("vigil.dev", "countermeasures"): {"get", "list", "watch"},  # no spec writes
    ("vigil.dev", "countermeasures/status"): {"patch"},  # merge patches and the ledger's JSON patches
    ("vigil.dev", "healthchecks"): {"get", "list", "watch", "patch"},  # patch: the level: cluster finalizer only
    ("vigil.dev", "healthchecks/status"): {"patch"},  # resourceVersion-tested JSON patches
    ("vigil.dev", "memoryscalers"): {"get", "list", "watch"},  # no spec writes
    ("vigil.dev", "memoryscalers/status"): {"patch"},  # merge patches and the ledger's JSON patches
    ("apps", "replicasets"): {"get"},  # MemoryScaler: a pod's Deployment, through its ReplicaSet
    ("", "serviceaccounts"): {"create", "get"},  # a Job check's ServiceAccount (level)
    ("rbac.authorization.k8s.io", "roles"): {"create", "get", "patch"},  # level: namespace
    ("rbac.authorization.k8s.io", "rolebindings"): {"create", "get", "patch"},
    ("rbac.authorization.k8s.io", "clusterroles"): {"create", "get", "patch", "delete"},  # level: cluster
    ("rbac.authorization.k8s.io", "clusterrolebindings"): {"create", "get", "patch", "delete"},
    ("", "namespaces"): {"get", "list", "watch", "delete"},
    ("", "pods"): {"get", "list", "watch", "delete"},  # delete: deletePod
    ("", "pods/ephemeralcontainers"): {"patch"},  # debug
    ("", "pods/resize"): {"patch"},  # resize; MemoryScaler in place
    ("", "pods/log"): {"get"},  # captured output of debug and job
    ("apps", "deployments"): {"get", "list", "watch", "patch"},  # patch: scaleDown, scale, restart
    ("apps", "statefulsets"): {"get", "list", "watch", "patch"},
    ("apps", "daemonsets"): {"get", "patch"},  # restart
    ("batch", "jobs"): {"create", "get", "delete"},  # job; delete: a check's Job past its timeout
    ("", "configmaps"): {"create", "get", "list", "delete"},  # captured output, the newest 10 kept
    ("apps", "deployments/scale"): {"get", "patch", "update"},
    ("apps", "statefulsets/scale"): {"get", "patch", "update"},
    ("", "secrets"): {"get"},
    ("", "events"): {"create"},
    ("events.k8s.io", "events"): {"create"},
}
# The label that adds a ClusterRole's rules to vigil-extensions (and that the controller's 403 messages name).
AGGREGATION_LABEL = "rbac.vigil.dev/aggregate-to-vigil"
# The Role in vigil-system: (apiGroup, resource, resourceName or None) -> verbs.
NAMESPACE_GRANTS = {
    ("coordination.k8s.io", "leases", None): {"get", "list", "watch", "create", "patch"},
    ("", "configmaps", "vigil-shardmap"): {"get", "patch"},
    ("", "configmaps", None): {"create"},
}


# --------------------------------------------------------------------------- helpers

def kustomize(version: str, path: Path = DEPLOY) -> list[dict]:
    p = subprocess.run([kubectl_binary(version), "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"kubectl.{version} kustomize {path} failed (rc={p.returncode}):\n{p.stderr}"
    return [d for d in yaml.safe_load_all(p.stdout) if d]


def only(objs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {[o['metadata']['name'] for o in found]}"
    return found[0]


def base_name(obj: dict) -> str:
    """The name without the configMapGenerator's '-<hash>' suffix."""
    name = obj["metadata"]["name"]
    return re.sub(r"-[a-z0-9]{10}$", "", name) if obj["kind"] == "ConfigMap" else name


def selects(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels"}, f"only matchLabels selectors are expected here: {selector}"
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def pod_spec(objs):
    return only(objs, "Deployment", "vigil")["spec"]["template"]["spec"]


def container(objs):
    cs = pod_spec(objs)["containers"]
    assert [c["name"] for c in cs] == ["vigil"], cs
    return cs[0]


@pytest.fixture(scope="module", params=KUBECTL_VERSIONS, ids=lambda v: f"kustomize-kubectl{v}")
def rendered(request) -> list[dict]:
    return kustomize(request.param)


# --------------------------------------------------------------------------- rendering

def test_renders_the_expected_objects(rendered):
    kinds_names = {(o["kind"], base_name(o)) for o in rendered if o["kind"] != "CustomResourceDefinition"}
    assert kinds_names == EXPECTED_OBJECTS
    crds = [o for o in rendered if o["kind"] == "CustomResourceDefinition"]
    assert "namespacepolicies.vigil.dev" in {c["metadata"]["name"] for c in crds}
    assert all(c["spec"]["group"] == "vigil.dev" for c in crds), [c["metadata"]["name"] for c in crds]
    # Optional parts stay out of the default install.
    assert not [o for o in rendered if o["apiVersion"].startswith("monitoring.coreos.com/")]


def test_every_namespaced_object_lands_in_vigil_system(rendered):
    for o in rendered:
        ns = o["metadata"].get("namespace")
        if o["kind"] in CLUSTER_SCOPED:
            assert ns is None, f"{o['kind']}/{o['metadata']['name']} is cluster-scoped but has namespace {ns}"
        else:
            assert ns == NAMESPACE, f"{o['kind']}/{o['metadata']['name']} in namespace {ns!r}"
        assert o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "vigil", o["metadata"]


def test_both_kubectl_versions_render_the_same_objects():
    assert kustomize("1.33") == kustomize("1.27")


def test_deployment_shape(rendered):
    d = only(rendered, "Deployment", "vigil")
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["selector"] == {"matchLabels": POD_LABELS}
    assert selects(d["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
    ru = d["spec"]["strategy"]["rollingUpdate"]
    assert (d["spec"]["strategy"]["type"], ru["maxUnavailable"], ru["maxSurge"]) == ("RollingUpdate", 0, 1)
    spec = pod_spec(rendered)
    assert spec["serviceAccountName"] == "vigil"
    assert spec["terminationGracePeriodSeconds"] == 30
    terms = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert [(t["podAffinityTerm"]["topologyKey"], t["podAffinityTerm"]["labelSelector"]) for t in terms] == \
        [("kubernetes.io/hostname", {"matchLabels": POD_LABELS})]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in spec["affinity"]["podAntiAffinity"]
    c = container(rendered)
    assert c["image"] == IMAGE
    assert c["args"] == ["run", "--config", "/etc/vigil/vigil.yaml"]
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


def test_probes(rendered):
    c = container(rendered)
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The startup probe gives the process at least a minute before liveness can kill it.
    sp = c["startupProbe"]
    assert sp["periodSeconds"] * sp["failureThreshold"] >= 60, sp


def test_resources(rendered):
    r = container(rendered)["resources"]
    assert set(r["requests"]) == {"cpu", "memory"} and set(r["limits"]) == {"cpu", "memory"}, r


def test_security_context(rendered):
    pod = pod_spec(rendered)["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 65532 and pod["runAsGroup"] == 65532
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = container(rendered)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsNonRoot"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in sc and "add" not in sc["capabilities"]
    ns = only(rendered, "Namespace", NAMESPACE)
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_env_from_the_downward_api(rendered):
    env = {e["name"]: e for e in container(rendered)["env"]}
    assert {n: e["valueFrom"]["fieldRef"]["fieldPath"] for n, e in env.items()} == {
        "POD_NAME": "metadata.name", "POD_IP": "status.podIP", "POD_NAMESPACE": "metadata.namespace"}


def volumes_by_name(spec: dict) -> dict:
    return {v["name"]: v for v in spec["volumes"]}


def test_volumes_config_and_tmp(rendered):
    spec, c = pod_spec(rendered), container(rendered)
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert set(mounts) == {"/etc/vigil", "/tmp", "/var/run/secrets/vigil/alertmanager"}, mounts
    token = volumes_by_name(spec)[mounts["/var/run/secrets/vigil/alertmanager"]["name"]]
    assert token["secret"] == {"secretName": "vigil-alertmanager-token", "optional": True}, token
    assert mounts["/var/run/secrets/vigil/alertmanager"]["readOnly"] is True
    volumes = {v["name"]: v for v in spec["volumes"]}
    tmp = volumes[mounts["/tmp"]["name"]]
    assert "emptyDir" in tmp, tmp
    assert mounts["/etc/vigil"]["readOnly"] is True
    config_volume = volumes[mounts["/etc/vigil"]["name"]]
    cm = only(rendered, "ConfigMap")
    # The generated name carries a content hash, and the Deployment refers to exactly that name.
    assert re.fullmatch(r"vigil-config-[a-z0-9]{10}", cm["metadata"]["name"]), cm["metadata"]["name"]
    assert config_volume["configMap"]["name"] == cm["metadata"]["name"]
    # --config points at the file the ConfigMap provides.
    config_path = c["args"][c["args"].index("--config") + 1]
    assert config_path == "/etc/vigil/" + next(iter(cm["data"]))


def test_generated_config(rendered):
    cm = only(rendered, "ConfigMap")
    assert set(cm["data"]) == {"vigil.yaml"}
    config = yaml.safe_load(cm["data"]["vigil.yaml"])
    assert config == yaml.safe_load((DEPLOY / "vigil.yaml").read_text())
    assert config["leaderElection"] == {"profile": "conservative"}
    assert config["http"] == {"port": 8080}
    assert config["namespacePolicy"] == {"allowCrossNamespace": False}
    assert config["http"]["port"] == container(rendered)["ports"][0]["containerPort"]


def rule_grants(rule: dict) -> list[tuple]:
    """(apiGroup, resource, resourceName|None, verb) for every combination a rule allows."""
    assert "nonResourceURLs" not in rule, rule
    names = rule.get("resourceNames") or [None]
    return [(g, r, n, v) for g in rule["apiGroups"] for r in rule["resources"] for n in names for v in rule["verbs"]]


def no_wildcards(role: dict):
    for rule in role["rules"]:
        for key in ("apiGroups", "resources", "verbs", "resourceNames"):
            assert not [x for x in rule.get(key, []) if "*" in x], \
                f"{role['kind']}/{role['metadata']['name']}: wildcard in {key}: {rule}"


def test_cluster_role_is_exactly_the_listed_grants(rendered):
    role = only(rendered, "ClusterRole", "vigil")
    no_wildcards(role)
    granted: dict[tuple, set] = {}
    for rule in role["rules"]:
        assert not rule.get("resourceNames"), f"unexpected resourceNames in the ClusterRole: {rule}"
        for g, r, _, v in rule_grants(rule):
            assert (g, r) in CLUSTER_GRANTS, f"ClusterRole rule for a resource that is not listed: {g or 'core'}/{r}"
            assert v in CLUSTER_GRANTS[(g, r)], f"ClusterRole grants {v} on {g or 'core'}/{r}, not listed"
            granted.setdefault((g, r), set()).add(v)
    assert granted == CLUSTER_GRANTS


def test_namespace_role_is_exactly_the_listed_grants(rendered):
    role = only(rendered, "Role", "vigil")
    assert role["metadata"]["namespace"] == NAMESPACE
    no_wildcards(role)
    granted: dict[tuple, set] = {}
    for rule in role["rules"]:
        for g, r, n, v in rule_grants(rule):
            assert (g, r, n) in NAMESPACE_GRANTS, f"Role rule not listed: {g or 'core'}/{r} name={n}"
            assert v in NAMESPACE_GRANTS[(g, r, n)], f"Role grants {v} on {g or 'core'}/{r} name={n}, not listed"
            granted.setdefault((g, r, n), set()).add(v)
    assert granted == NAMESPACE_GRANTS


def test_bindings_point_at_the_service_account(rendered):
    sa = only(rendered, "ServiceAccount", "vigil")
    subject = {"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": sa["metadata"]["namespace"]}
    crb = only(rendered, "ClusterRoleBinding", "vigil")
    assert crb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "vigil"}
    assert crb["subjects"] == [subject]
    rb = only(rendered, "RoleBinding", "vigil")
    assert rb["metadata"]["namespace"] == NAMESPACE
    assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "vigil"}
    assert rb["subjects"] == [subject]
    assert pod_spec(rendered)["serviceAccountName"] == sa["metadata"]["name"]


def test_extensions_role_only_aggregates(rendered):
    """vigil-extensions grants nothing itself: its rules come from ClusterRoles the admins label."""
    role = only(rendered, "ClusterRole", "vigil-extensions")
    assert role["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {AGGREGATION_LABEL: "true"}}]}
    assert role.get("rules") in ([], None), role.get("rules")
    sa = only(rendered, "ServiceAccount", "vigil")
    crb = only(rendered, "ClusterRoleBinding", "vigil-extensions")
    assert crb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "vigil-extensions"}
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "vigil", "namespace": sa["metadata"]["namespace"]}]
    # The install itself adds nothing to it: no role of ours carries the label.
    labelled = [o["metadata"]["name"] for o in rendered
                if o["kind"] == "ClusterRole" and AGGREGATION_LABEL in o["metadata"].get("labels", {})]
    assert labelled == [], labelled
    # Only vigil-extensions aggregates; the controller's own role is the exact table above.
    assert [o["metadata"]["name"] for o in rendered if o["kind"] == "ClusterRole" and "aggregationRule" in o] == \
        ["vigil-extensions"]


def test_the_controller_names_the_same_aggregation_label():
    """A 403 tells the user to grant the verb with a ClusterRole carrying this label: it must be the manifest's."""
    source = (REPO / "Sources" / "VigilControllers" / "Actions" / "ActionExecutor.swift").read_text()
    m = re.search(r'static let aggregationLabel = "([^"]+)"', source)
    assert m, "ActionExecutor.aggregationLabel not found"
    assert m[1] == AGGREGATION_LABEL


def documented_cluster_grants() -> dict[tuple, set]:
    """The ClusterRole table of docs/deploy.md as (apiGroup, resource) -> verbs."""
    text = (REPO / "docs" / "deploy.md").read_text()
    section = text.split("### ClusterRole `vigil`", 1)[1].split("\n### ", 1)[0]
    grants: dict[tuple, set] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] in ("API group", "") or set(cells[0]) <= {"-"}:
            continue
        groups = ["" if g.strip() == "core" else g.strip().strip("`") for g in cells[0].split(" and ")]
        resources = [r.strip().strip("`") for r in cells[1].split(",")]
        verbs = {v.strip() for v in cells[2].split(",")}
        for g in groups:
            for r in resources:
                grants.setdefault((g, r), set()).update(verbs)
    return grants


def test_docs_rbac_table_matches_the_cluster_role():
    assert documented_cluster_grants() == CLUSTER_GRANTS


def test_user_roles(rendered):
    viewer, editor = only(rendered, "ClusterRole", "vigil-viewer"), only(rendered, "ClusterRole", "vigil-editor")
    for role in (viewer, editor):
        no_wildcards(role)
        assert {g for rule in role["rules"] for g in rule["apiGroups"]} == {"vigil.dev"}, role["rules"]
    assert {v for rule in viewer["rules"] for v in rule["verbs"]} == {"get", "list", "watch"}
    assert viewer["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    # A NamespacePolicy can delete its own namespace: creating one must not come with the built-in edit/admin.
    assert not [k for k in editor["metadata"]["labels"] if k.startswith("rbac.authorization.k8s.io/aggregate-to-")]
    assert {v for g, r, _, v in (x for rule in editor["rules"] for x in rule_grants(rule))
            if r.endswith("/status")} <= {"get", "list", "watch"}, "editors must not write the controller's status"


def test_pdb_allows_one_disruption_at_a_time(rendered):
    pdb = only(rendered, "PodDisruptionBudget", "vigil")
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    assert pdb["spec"]["selector"] == only(rendered, "Deployment", "vigil")["spec"]["selector"]


def test_service_exposes_http(rendered):
    svc = only(rendered, "Service", "vigil")
    template_labels = only(rendered, "Deployment", "vigil")["spec"]["template"]["metadata"]["labels"]
    assert selects({"matchLabels": svc["spec"]["selector"]}, template_labels)
    assert svc["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]


# --------------------------------------------------------------------------- installing on kube-sim

@pytest.fixture(scope="module")
def installed(sim, tmp_path_factory):
    """``kubectl.1.33 apply -k deploy`` once against this module's kube-sim."""
    k = Kubectl(kubectl_binary("1.33"), "1.33", sim.kubeconfig, tmp_path_factory.mktemp("kube-cache"))
    first = k.run("apply", "-k", str(DEPLOY))
    return k, first


def applied(out: str) -> dict[str, str]:
    """'kind.group/name verb' lines -> {kind.group/name: verb}."""
    result = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(\S+/\S+) (created|configured|unchanged)", line)
        assert m, f"unexpected apply output line: {line!r}\n{out}"
        result[m[1]] = m[2]
    return result


def resource_ref(obj: dict) -> str:
    """How kubectl names an object in its apply output: 'deployment.apps/vigil', 'configmap/x'."""
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    kind = obj["kind"].lower()
    return f"{kind}.{group}/{obj['metadata']['name']}" if group else f"{kind}/{obj['metadata']['name']}"


def test_apply_creates_every_object(installed):
    k, first = installed
    assert first.rc == 0, f"apply -k deploy failed\n{first}"
    expected = {resource_ref(o) for o in kustomize("1.33")}
    assert applied(first.out) == {ref: "created" for ref in expected}, first


def test_crds_become_established(installed):
    k, first = installed
    assert first.rc == 0, first
    out = k.ok("wait", "--for=condition=Established", "crd/namespacepolicies.vigil.dev", "--timeout=30s")
    assert out == "customresourcedefinition.apiextensions.k8s.io/namespacepolicies.vigil.dev condition met\n"
    # The new resource is served: an empty list, not an error about an unknown resource type.
    r = k.run("get", "namespacepolicies", "-A")
    assert (r.rc, r.out, r.err) == (0, "", "No resources found\n"), r


@pytest.mark.workloads
def test_deployment_rolls_out(installed):
    k, first = installed
    assert first.rc == 0, first
    out = k.ok("rollout", "status", "deployment/vigil", "-n", NAMESPACE, "--timeout=60s", timeout=90)
    assert out.splitlines()[-1] == 'deployment "vigil" successfully rolled out', out
    pods = k.json("get", "pods", "-n", NAMESPACE, "-l", ",".join(f"{a}={b}" for a, b in POD_LABELS.items()))["items"]
    running = [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 3, [(p["metadata"]["name"], p["status"].get("phase")) for p in pods]
    for p in running:
        assert p["spec"]["serviceAccountName"] == "vigil"
        assert p["spec"]["containers"][0]["image"] == IMAGE
        assert p["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
        assert p["status"]["podIP"], p["status"]
    # The ConfigMap the pods mount exists under its hashed name.
    cm_name = next(v["configMap"]["name"] for v in running[0]["spec"]["volumes"] if "configMap" in v)
    cm = k.json("get", "configmap", cm_name, "-n", NAMESPACE)
    assert yaml.safe_load(cm["data"]["vigil.yaml"])["http"]["port"] == 8080


@pytest.mark.workloads
def test_second_apply_changes_nothing(installed):
    k, first = installed
    assert first.rc == 0, first
    k.ok("rollout", "status", "deployment/vigil", "-n", NAMESPACE, "--timeout=60s", timeout=90)
    rs_before = {r["metadata"]["name"] for r in k.json("get", "replicasets", "-n", NAMESPACE)["items"]}
    again = applied(k.ok("apply", "-k", str(DEPLOY)))
    # kubectl always sends the PDB's selector (its patch strategy is "replace"), so a real cluster prints
    # "configured" for an unchanged PodDisruptionBudget too; everything else must be "unchanged".
    pdb = "poddisruptionbudget.policy/vigil"
    assert again.pop(pdb) in ("configured", "unchanged")
    assert set(again.values()) == {"unchanged"}, again
    rs_after = {r["metadata"]["name"] for r in k.json("get", "replicasets", "-n", NAMESPACE)["items"]}
    assert rs_after == rs_before, "re-applying the same manifests started a new rollout"


# --------------------------------------------------------------------------- the optional and the outside parts

def test_servicemonitor_scrapes_the_service(rendered):
    path = DEPLOY / "monitoring" / "servicemonitor.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert len(docs) == 1
    sm = docs[0]
    assert (sm["apiVersion"], sm["kind"]) == ("monitoring.coreos.com/v1", "ServiceMonitor")
    assert sm["metadata"]["namespace"] == NAMESPACE  # applied with -f, outside the kustomization
    svc = only(rendered, "Service", "vigil")
    assert selects(sm["spec"]["selector"], svc["metadata"]["labels"])
    port_names = {p["name"] for p in svc["spec"]["ports"]}
    assert [(e["port"], e["path"]) for e in sm["spec"]["endpoints"]] == [("http", "/metrics")]
    assert sm["spec"]["endpoints"][0]["port"] in port_names
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert not [r for r in kustomization["resources"] if "servicemonitor" in r.lower()]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_agrees_with_the_deployment(rendered):
    ins = dockerfile_instructions()
    stages = [rest for word, rest in ins if word == "FROM"]
    assert len(stages) == 2 and stages[0].endswith(" AS build"), stages
    args = dict(rest.split("=", 1) for word, rest in ins if word == "ARG" and "=" in rest)
    assert re.fullmatch(r"swift:6\.\d+-(bookworm|jammy)", args["SWIFT_IMAGE"]), args
    assert args["RUNTIME_IMAGE"] == "debian:bookworm-slim"
    runs = " ".join(rest for word, rest in ins if word == "RUN")
    assert "swift build -c release --product vigil --static-swift-stdlib" in runs
    for pkg in ("libcurl4-openssl-dev", "libssl-dev", "libcurl4", "libssl3", "ca-certificates"):
        assert re.search(rf"\b{re.escape(pkg)}\b", runs), pkg
    final = ins[max(i for i, (w, _) in enumerate(ins) if w == "FROM"):]
    user = [rest for word, rest in final if word == "USER"]
    pod_sc = pod_spec(rendered)["securityContext"]
    assert user == [f"{pod_sc['runAsUser']}:{pod_sc['runAsGroup']}"]
    entry = [json.loads(rest) for word, rest in final if word == "ENTRYPOINT"]
    cmd = [json.loads(rest) for word, rest in final if word == "CMD"]
    assert entry == [["/usr/local/bin/vigil"]]
    assert cmd == [container(rendered)["args"]]  # the image runs the same command without the Deployment's args
    assert [rest for word, rest in final if word == "EXPOSE"] == ["8080"]


def test_kind_cluster_has_a_node_per_replica(rendered):
    cluster = yaml.safe_load((DEPLOY / "kind" / "cluster.yaml").read_text())
    assert (cluster["apiVersion"], cluster["kind"]) == ("kind.x-k8s.io/v1alpha4", "Cluster")
    workers = [n for n in cluster["nodes"] if n["role"] == "worker"]
    assert len(workers) >= only(rendered, "Deployment", "vigil")["spec"]["replicas"]


def fake_tool(bindir: Path, name: str, log: Path, rc: int = 0) -> None:
    p = bindir / name
    p.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {rc}\n')
    p.chmod(p.stat().st_mode | stat.S_IXUSR)


def run_up(bindir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(DEPLOY / "kind" / "up.sh")], capture_output=True, text=True, timeout=30,
                          env={"PATH": str(bindir), "HOME": str(bindir)})


UP_SH_CASES = {
    # tools present (name -> exit code of the fake) : expected message
    "no-docker": ({}, r"'docker' was not found on PATH\. .*https://docs\.docker\.com/engine/install/"),
    "no-kind": ({"docker": 0}, r"'kind' was not found on PATH\. Install kind: https://kind\.sigs\.k8s\.io/"),
    "no-kubectl": ({"docker": 0, "kind": 0}, r"'kubectl' was not found on PATH\. Install kubectl"),
    "daemon-down": ({"docker": 1, "kind": 0, "kubectl": 0}, r"docker is installed but its daemon does not answer"),
}


@pytest.mark.parametrize("case", list(UP_SH_CASES))
def test_kind_up_checks_its_tools_before_doing_anything(case, tmp_path):
    tools, message = UP_SH_CASES[case]
    bindir, log = tmp_path / "bin", tmp_path / "calls.log"
    bindir.mkdir()
    for name, rc in tools.items():
        fake_tool(bindir, name, log, rc)
    p = run_up(bindir)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stdout == ""
    assert re.fullmatch(rf"up\.sh: {message}.*\n", p.stderr), p.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    assert calls == (["docker info"] if case == "daemon-down" else []), calls


@pytest.mark.parametrize("cluster_exists", [False, True], ids=["new-cluster", "existing-cluster"])
def test_kind_up_builds_loads_and_applies_the_built_image(cluster_exists, tmp_path):
    """up.sh with stand-ins for docker, kind and kubectl: the calls in order, and the manifests it applies
    are deploy/ with only the image replaced (rendered by the real kustomize in kubectl 1.33)."""
    bindir, log, render = tmp_path / "bin", tmp_path / "calls.log", tmp_path / "applied.yaml"
    bindir.mkdir()
    fake_tool(bindir, "docker", log)
    (bindir / "kind").write_text(
        f'#!/bin/sh\necho "kind $*" >> "{log}"\n'
        + ('[ "$1 $2" = "get clusters" ] && echo vigil\n' if cluster_exists else "")
        + "exit 0\n")
    (bindir / "kubectl").write_text(
        f'#!/bin/sh\necho "kubectl $*" >> "{log}"\nprev=""\n'
        f'for a in "$@"; do [ "$prev" = "-k" ] && {{ "{kubectl_binary("1.33")}" kustomize "$a" > "{render}" || exit 1; '
        f'echo "$a" > "{tmp_path}/overlay-path"; }}; prev=$a; done\nexit 0\n')
    for name in ("kind", "kubectl"):
        (bindir / name).chmod(0o755)
    p = subprocess.run(["/bin/bash", str(DEPLOY / "kind" / "up.sh")], capture_output=True, text=True, timeout=60,
                       env={"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path), "VIGIL_IMAGE_TAG": "test-1"})
    assert p.returncode == 0, (p.stdout, p.stderr)
    image = "ghcr.io/vigil-dev/vigil:test-1"
    overlay = (tmp_path / "overlay-path").read_text().strip()
    calls = log.read_text().splitlines()
    assert calls == [
        "docker info",
        "kind get clusters",
        *([] if cluster_exists else [f"kind create cluster --name vigil --config {DEPLOY}/kind/cluster.yaml --wait 120s"]),
        f"docker build -f {DEPLOY}/Dockerfile -t {image} {REPO}",
        f"kind load docker-image {image} --name vigil",
        f"kubectl --context kind-vigil apply -k {overlay}",
        "kubectl --context kind-vigil wait --for=condition=Established crd -l app.kubernetes.io/part-of=vigil "
        "--timeout=60s",
        "kubectl --context kind-vigil -n vigil-system rollout status deployment/vigil --timeout=180s",
        "kubectl --context kind-vigil -n vigil-system get pods -o wide",
    ]
    assert not Path(overlay).exists(), "the temporary overlay was not removed"
    applied_objs = [d for d in yaml.safe_load_all(render.read_text()) if d]
    assert container(applied_objs)["image"] == image
    container(applied_objs)["image"] = IMAGE
    assert applied_objs == kustomize("1.33")
