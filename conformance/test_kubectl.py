"""kubectl against kube-sim: output, exit codes and error text must match a real cluster.

Every test runs with the newest (1.33) and the oldest (1.27) installed kubectl. The server runs with
--no-workloads so objects stay exactly as written (pods stay Pending, Deployments get no ReplicaSets), which
is what a real apiserver with no controllers/kubelet shows; tests needing controllers are in
test_kubectl_workloads.py.
"""
from __future__ import annotations

import json
import queue
import re
import threading
import time

import pytest
import yaml

from conftest import wait_until, write

SIM_ARGS = ["--no-workloads"]

AGE = r"\d+[smhd]"  # "0s", "12s", "3m" ...
HDR = lambda *cols: re.compile(r"^" + r"\s+".join(re.escape(c) for c in cols) + r"\s*$")  # noqa: E731


def pod_yaml(name, labels=None, image="nginx:1.25", extra_container_fields=""):
    labels = labels or {"app": name}
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }) + extra_container_fields


def cm_yaml(name, data, ns=None, **meta):
    md = {"name": name, **meta}
    if ns:
        md["namespace"] = ns
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data})


def deploy_yaml(name, replicas=2, containers=None):
    containers = containers or [{"name": "app", "image": "nginx:1.25"}]
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}}},
    })


def pod(name, labels=None, image="nginx:1.25"):
    return yaml.safe_load(pod_yaml(name, labels, image))


def cm(name, data, **meta):
    return yaml.safe_load(cm_yaml(name, data, **meta))


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


def last_line(text):
    """Last line of stderr: newer kubectl may log klog lines (E1122 ...) before the final error."""
    ls = [l for l in text.splitlines() if l.strip() and not re.match(r"^[IWE]\d{4} ", l)]
    return ls[-1] if ls else ""


def row(text, name):
    """The whitespace-split cells of the table row whose NAME cell is ``name``."""
    for l in lines(text)[1:]:
        cells = l.split()
        if name in cells[:2]:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{text}")


# ----------------------------------------------------------------------------------------- discovery

def test_version(kubectl):
    out = kubectl.ok("version")
    if kubectl.version == "1.27":  # 1.27 still prints the long version.Info form by default
        assert re.search(r'^Client Version: version.Info{Major:"1", Minor:"27", GitVersion:"v1.27.', out, re.M), out
        assert re.search(r'^Server Version: version.Info{Major:"1", Minor:"\d+\+?", GitVersion:"v1\.\d+\.\d+',
                         out, re.M), out
    else:
        assert re.search(rf"^Client Version: v{re.escape(kubectl.version)}\.\d+", out, re.M), out
        assert re.search(r"^Server Version: v1\.\d+\.\d+\S*$", out, re.M), out
    info = json.loads(kubectl.ok("version", "-o", "json"))
    sv = info["serverVersion"]
    assert sv["major"] == "1" and re.fullmatch(r"\d+\+?", sv["minor"]), sv
    assert sv["gitVersion"].startswith(f"v1.{sv['minor'].rstrip('+')}."), sv
    for k in ("gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"):
        assert k in sv, (k, sv)


def test_api_versions(kubectl):
    got = set(lines(kubectl.ok("api-versions")))
    for gv in ["v1", "apps/v1", "batch/v1", "coordination.k8s.io/v1", "apiextensions.k8s.io/v1",
               "events.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1"]:
        assert gv in got, (gv, got)


def test_api_resources(kubectl):
    out = kubectl.ok("api-resources")
    assert HDR("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND").match(lines(out)[0]), out
    rows = {tuple(l.split()) for l in lines(out)[1:]}
    expected = [
        ("pods", "po", "v1", "true", "Pod"),
        ("namespaces", "ns", "v1", "false", "Namespace"),
        ("configmaps", "cm", "v1", "true", "ConfigMap"),
        ("secrets", "v1", "true", "Secret"),
        ("services", "svc", "v1", "true", "Service"),
        ("nodes", "no", "v1", "false", "Node"),
        ("deployments", "deploy", "apps/v1", "true", "Deployment"),
        ("replicasets", "rs", "apps/v1", "true", "ReplicaSet"),
        ("jobs", "batch/v1", "true", "Job"),
        ("leases", "coordination.k8s.io/v1", "true", "Lease"),
        ("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"),
    ]
    for e in expected:
        assert e in rows, (e, out)
    # --namespaced=false lists only cluster-scoped resources, -o name prints resource[.group]
    names = set(lines(kubectl.ok("api-resources", "--namespaced=false", "-o", "name")))
    assert {"namespaces", "nodes", "customresourcedefinitions.apiextensions.k8s.io"} <= names, names
    assert "pods" not in names
    wide = kubectl.ok("api-resources", "--api-group=apps", "-o", "wide")
    assert HDR("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES").match(
        lines(wide)[0]), wide
    dep = row(wide, "deployments")
    assert dep[5].split(",") == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    assert dep[6] == "all", wide


# ----------------------------------------------------------------------------------------- create

def test_create_f_and_already_exists(kubectl, ns, tmp_path):
    f = write(tmp_path, "pod.yaml", pod_yaml("web"))
    assert kubectl.ok("create", "-f", f, "-n", ns) == "pod/web created\n"
    r = kubectl.fail("create", "-f", f, "-n", ns)
    assert r.out == ""
    assert r.err == f'Error from server (AlreadyExists): error when creating "{f}": pods "web" already exists\n'


def test_create_namespace(kubectl, sim):
    name = f"made-by-{kubectl.version.replace('.', '-')}"
    assert kubectl.ok("create", "namespace", name) == f"namespace/{name} created\n"
    r = kubectl.fail("create", "namespace", name)
    assert r.err == f'Error from server (AlreadyExists): namespaces "{name}" already exists\n'
    got = kubectl.json("get", "namespace", name)
    assert got["status"]["phase"] == "Active"
    assert got["metadata"]["labels"] == {"kubernetes.io/metadata.name": name}
    assert got["spec"] == {"finalizers": ["kubernetes"]}


def test_invalid_name(kubectl, ns, tmp_path):
    r = kubectl.fail("create", "namespace", "Bad_Name")
    assert r.err == (
        'The Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label '
        "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
        "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n")
    f = write(tmp_path, "bad.yaml", cm_yaml("Bad_Name", {"a": "b"}))
    r = kubectl.fail("create", "-f", f, "-n", ns)
    assert r.err == (
        'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 '
        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n")


def test_unknown_field_builtin_strict(kubectl, ns, tmp_path):
    """Default --validate=strict: unknown fields in a built-in object are rejected by the server (400)."""
    f = write(tmp_path, "pod.yaml", pod_yaml("strict") + "")
    doc = yaml.safe_load(open(f))
    doc["spec"]["containers"][0]["bogus"] = 1
    f = write(tmp_path, "pod.yaml", yaml.safe_dump(doc))
    r = kubectl.fail("create", "-f", f, "-n", ns)
    assert r.err == (f'Error from server (BadRequest): error when creating "{f}": Pod in version "v1" cannot be '
                     f'handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus"\n')
    kubectl.fail("get", "pod", "strict", "-n", ns)


def test_create_generators(kubectl, ns):
    assert kubectl.ok("create", "configmap", "gen-cm", "--from-literal=a=1", "--from-literal=b=two",
                      "-n", ns) == "configmap/gen-cm created\n"
    assert kubectl.json("get", "cm", "gen-cm", "-n", ns)["data"] == {"a": "1", "b": "two"}
    assert kubectl.ok("create", "secret", "generic", "gen-s", "--from-literal=user=admin",
                      "-n", ns) == "secret/gen-s created\n"
    s = kubectl.json("get", "secret", "gen-s", "-n", ns)
    assert s["type"] == "Opaque" and s["data"] == {"user": "YWRtaW4="}, s
    out = kubectl.ok("get", "secret", "gen-s", "-n", ns)
    assert HDR("NAME", "TYPE", "DATA", "AGE").match(lines(out)[0]), out
    assert re.fullmatch(rf"gen-s\s+Opaque\s+1\s+{AGE}", lines(out)[1]), out
    assert kubectl.ok("create", "deployment", "gen-d", "--image=nginx:1.25", "--replicas=2",
                      "-n", ns) == "deployment.apps/gen-d created\n"
    d = kubectl.json("get", "deploy", "gen-d", "-n", ns)
    assert d["spec"]["replicas"] == 2
    assert d["spec"]["selector"] == {"matchLabels": {"app": "gen-d"}}
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["name"] == "nginx" and c["image"] == "nginx:1.25"
    # server-side defaulting as a real apiserver does it
    assert d["spec"]["strategy"] == {"type": "RollingUpdate",
                                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}, d["spec"]
    assert d["spec"]["revisionHistoryLimit"] == 10 and d["spec"]["progressDeadlineSeconds"] == 600
    assert c["imagePullPolicy"] == "IfNotPresent" and c["terminationMessagePath"] == "/dev/termination-log"


# ----------------------------------------------------------------------------------------- apply

def test_apply_created_configured_unchanged(kubectl, ns, tmp_path):
    f = write(tmp_path, "cm.yaml", cm_yaml("applied", {"k": "v1"}))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "configmap/applied created\n"
    got = kubectl.json("get", "cm", "applied", "-n", ns)
    assert "kubectl.kubernetes.io/last-applied-configuration" in got["metadata"]["annotations"]
    f = write(tmp_path, "cm.yaml", cm_yaml("applied", {"k": "v2", "new": "x"}))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "configmap/applied configured\n"
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "configmap/applied unchanged\n"
    assert kubectl.json("get", "cm", "applied", "-n", ns)["data"] == {"k": "v2", "new": "x"}
    # removing a key from the manifest removes it from the object (three-way merge)
    f = write(tmp_path, "cm.yaml", cm_yaml("applied", {"k": "v2"}))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "configmap/applied configured\n"
    assert kubectl.json("get", "cm", "applied", "-n", ns)["data"] == {"k": "v2"}


def test_apply_pod_label_change(kubectl, ns, tmp_path):
    f = write(tmp_path, "pod.yaml", pod_yaml("ap", labels={"app": "ap"}))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "pod/ap created\n"
    f = write(tmp_path, "pod.yaml", pod_yaml("ap", labels={"app": "ap", "tier": "fe"}))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "pod/ap configured\n"
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "pod/ap unchanged\n"


def test_apply_server_side(kubectl, ns, tmp_path):
    f = write(tmp_path, "cm.yaml", cm_yaml("ssa", {"k": "v1"}))
    assert kubectl.ok("apply", "--server-side", "-f", f, "-n", ns) == "configmap/ssa serverside-applied\n"
    f = write(tmp_path, "cm.yaml", cm_yaml("ssa", {"k": "v2"}))
    assert kubectl.ok("apply", "--server-side", "-f", f, "-n", ns) == "configmap/ssa serverside-applied\n"
    got = kubectl.json("get", "cm", "ssa", "-n", ns, "--show-managed-fields")
    assert got["data"] == {"k": "v2"}
    mf = got["metadata"]["managedFields"]
    apply_entries = [m for m in mf if m["operation"] == "Apply"]
    assert [m["manager"] for m in apply_entries] == ["kubectl"], mf
    assert apply_entries[0]["fieldsV1"]["f:data"] == {"f:k": {}}, mf
    assert apply_entries[0]["fieldsType"] == "FieldsV1" and apply_entries[0]["apiVersion"] == "v1"
    # a different field manager changing an owned field is a conflict (409) unless --force-conflicts
    f = write(tmp_path, "cm2.yaml", cm_yaml("ssa", {"k": "other"}))
    r = kubectl.fail("apply", "--server-side", "--field-manager=other", "-f", f, "-n", ns)
    assert "Apply failed with 1 conflict" in r.err and 'conflict with "kubectl"' in r.err and ".data.k" in r.err, r
    assert kubectl.ok("apply", "--server-side", "--field-manager=other", "--force-conflicts",
                      "-f", f, "-n", ns) == "configmap/ssa serverside-applied\n"
    assert kubectl.json("get", "cm", "ssa", "-n", ns)["data"] == {"k": "other"}


# ----------------------------------------------------------------------------------------- get

@pytest.fixture
def three_pods(sim, ns):
    for name, tier in (("fe-1", "fe"), ("fe-2", "fe"), ("be-1", "be")):
        sim.create(pod(name, {"app": "shop", "tier": tier}), ns)
    return ns


def test_create_f_multi_doc(kubectl, ns, tmp_path):
    docs = [pod("m-1"), cm("m-2", {"a": "1"})]
    f = write(tmp_path, "multi.yaml", yaml.safe_dump_all(docs))
    assert kubectl.ok("create", "-f", f, "-n", ns) == "pod/m-1 created\nconfigmap/m-2 created\n"


def test_get_default_columns(kubectl, three_pods):
    ns = three_pods
    out = kubectl.ok("get", "pods", "-n", ns)
    ls = lines(out)
    assert HDR("NAME", "READY", "STATUS", "RESTARTS", "AGE").match(ls[0]), out
    assert [l.split()[0] for l in ls[1:]] == ["be-1", "fe-1", "fe-2"], out  # sorted by name
    for l in ls[1:]:
        assert re.fullmatch(rf"\S+\s+0/1\s+Pending\s+0\s+{AGE}", l), out
    one = kubectl.ok("get", "pod", "fe-1", "-n", ns)
    assert len(lines(one)) == 2 and lines(one)[1].split()[0] == "fe-1"
    r = kubectl.fail("get", "pod", "nope", "-n", ns)
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n' and r.out == ""


def test_get_empty(kubectl, ns):
    r = kubectl.run("get", "pods", "-n", ns)
    assert r.rc == 0 and r.out == "" and r.err == f"No resources found in {ns} namespace.\n", r


def test_get_wide(kubectl, three_pods):
    out = kubectl.ok("get", "pods", "-n", three_pods, "-o", "wide")
    assert HDR("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
               "READINESS GATES").match(lines(out)[0]), out
    assert re.fullmatch(rf"fe-1\s+0/1\s+Pending\s+0\s+{AGE}\s+<none>\s+<none>\s+<none>\s+<none>",
                        lines(out)[2]), out


def test_get_yaml_json(kubectl, three_pods):
    ns = three_pods
    doc = yaml.safe_load(kubectl.ok("get", "pod", "fe-1", "-n", ns, "-o", "yaml"))
    assert doc["apiVersion"] == "v1" and doc["kind"] == "Pod"
    md = doc["metadata"]
    assert md["name"] == "fe-1" and md["namespace"] == ns and md["labels"] == {"app": "shop", "tier": "fe"}
    assert re.fullmatch(r"[0-9a-f-]{36}", md["uid"]) and md["resourceVersion"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", md["creationTimestamp"])
    assert "managedFields" not in md  # hidden by default
    assert doc["status"]["phase"] == "Pending"
    # pod defaults a real apiserver fills in
    spec = doc["spec"]
    assert spec["restartPolicy"] == "Always" and spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30 and spec["schedulerName"] == "default-scheduler"
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    lst = json.loads(kubectl.ok("get", "pods", "-n", ns, "-o", "json"))
    assert lst["kind"] == "List" and lst["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in lst["items"]] == ["be-1", "fe-1", "fe-2"]
    assert all(i["kind"] == "Pod" and i["apiVersion"] == "v1" for i in lst["items"])


def test_get_jsonpath_and_name(kubectl, three_pods):
    ns = three_pods
    assert kubectl.ok("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}") == "be-1 fe-1 fe-2"
    assert kubectl.ok("get", "pod", "fe-2", "-n", ns, "-o", "jsonpath={.metadata.labels.tier}") == "fe"
    assert kubectl.ok("get", "pods", "-n", ns, "-o", "name") == "pod/be-1\npod/fe-1\npod/fe-2\n"
    out = kubectl.ok("get", "pods", "-n", ns, "-o", "custom-columns=N:.metadata.name,T:.metadata.labels.tier")
    assert lines(out) == ["N      T", "be-1   be", "fe-1   fe", "fe-2   fe"], out


def test_get_label_selectors(kubectl, three_pods):
    ns = three_pods
    names = lambda *a: kubectl.ok("get", "pods", "-n", ns, "-o", "name", *a).split()  # noqa: E731
    assert names("-l", "tier=fe") == ["pod/fe-1", "pod/fe-2"]
    assert names("-l", "tier!=fe") == ["pod/be-1"]
    assert names("-l", "tier in (be)") == ["pod/be-1"]
    assert names("-l", "tier notin (be),app=shop") == ["pod/fe-1", "pod/fe-2"]
    assert names("-l", "tier") == ["pod/be-1", "pod/fe-1", "pod/fe-2"]
    r = kubectl.run("get", "pods", "-n", ns, "-l", "!tier")
    assert r.rc == 0 and r.out == "" and r.err == f"No resources found in {ns} namespace.\n", r
    # kubectl passes the selector through; the server rejects it (400)
    r = kubectl.fail("get", "pods", "-n", ns, "-l", "tier in (")
    assert r.err == ('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector '
                     '"tier in (", field selector "": unable to parse requirement: found \'\', expected: \',\', '
                     "')' or identifier\n"), r


def test_get_field_selectors(kubectl, three_pods):
    ns = three_pods
    assert kubectl.ok("get", "pods", "-n", ns, "-o", "name", "--field-selector",
                      "metadata.name=fe-2") == "pod/fe-2\n"
    assert kubectl.ok("get", "pods", "-n", ns, "-o", "name", "--field-selector",
                      "metadata.name!=fe-2,status.phase=Pending") == "pod/be-1\npod/fe-1\n"
    r = kubectl.run("get", "pods", "-n", ns, "--field-selector", "status.phase=Running")
    assert r.rc == 0 and r.err == f"No resources found in {ns} namespace.\n", r
    r = kubectl.fail("get", "pods", "-n", ns, "--field-selector", "spec.bogus=x")
    assert r.err == ('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", '
                     'field selector "spec.bogus=x": field label not supported: spec.bogus\n'), r


def test_get_show_labels_and_all_namespaces(kubectl, three_pods):
    ns = three_pods
    out = kubectl.ok("get", "pods", "-n", ns, "--show-labels")
    assert HDR("NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS").match(lines(out)[0]), out
    assert row(out, "be-1")[-1] == "app=shop,tier=be"
    out = kubectl.ok("get", "pods", "-A")
    assert HDR("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE").match(lines(out)[0]), out
    mine = [l.split() for l in lines(out)[1:] if l.split()[0] == ns]
    assert [c[1] for c in mine] == ["be-1", "fe-1", "fe-2"], out
    out = kubectl.ok("get", "namespaces")
    assert HDR("NAME", "STATUS", "AGE").match(lines(out)[0]), out
    for n in ("default", "kube-system", "kube-public", "kube-node-lease", ns):
        assert row(out, n)[1] == "Active", out


# ----------------------------------------------------------------------------------------- describe

def test_describe_pod(kubectl, three_pods):
    out = kubectl.ok("describe", "pod", "fe-1", "-n", three_pods)
    assert re.search(r"^Name:\s+fe-1$", out, re.M), out
    assert re.search(rf"^Namespace:\s+{three_pods}$", out, re.M), out
    assert re.search(r"^Labels:\s+app=shop\n\s+tier=fe$", out, re.M), out
    assert re.search(r"^Status:\s+Pending$", out, re.M), out
    assert re.search(r"^Node:\s+<none>$", out, re.M), out
    assert re.search(r"^Containers:\n  app:\n    Image:\s+nginx:1.25$", out, re.M), out
    assert re.search(r"^Events:\s+<none>$", out, re.M), out
    r = kubectl.fail("describe", "pod", "nope", "-n", three_pods)
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n', r


def test_describe_deployment(kubectl, sim, ns):
    sim.create(yaml.safe_load(deploy_yaml("dd", replicas=3)), ns)
    out = kubectl.ok("describe", "deployment", "dd", "-n", ns)
    assert re.search(r"^Name:\s+dd$", out, re.M), out
    assert re.search(r"^Selector:\s+app=dd$", out, re.M), out
    assert re.search(r"^StrategyType:\s+RollingUpdate$", out, re.M), out
    assert re.search(r"^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$", out, re.M), out
    assert re.search(r"^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$",
                     out, re.M), out
    assert re.search(r"^Pod Template:\n  Labels:\s+app=dd\n  Containers:\n   app:\n    Image:\s+nginx:1.25",
                     out, re.M), out


def test_describe_namespace(kubectl, ns):
    out = kubectl.ok("describe", "namespace", ns)
    assert re.search(rf"^Name:\s+{ns}$", out, re.M), out
    assert re.search(rf"^Labels:\s+kubernetes.io/metadata.name={ns}$", out, re.M), out
    assert re.search(r"^Status:\s+Active$", out, re.M), out
    assert "No resource quota." in out and "No LimitRange resource." in out, out


# ----------------------------------------------------------------------------------------- mutate

def test_patch_merge_json_strategic(kubectl, sim, ns):
    containers = [{"name": "app", "image": "nginx:1.25"}, {"name": "side", "image": "busybox:1.36"}]
    sim.create(yaml.safe_load(deploy_yaml("pd", replicas=1, containers=containers)), ns)
    assert kubectl.ok("patch", "deploy", "pd", "-n", ns, "--type", "merge",
                      "-p", '{"metadata":{"labels":{"m":"1"}}}') == "deployment.apps/pd patched\n"
    assert kubectl.ok("patch", "deploy", "pd", "-n", ns, "--type", "merge",
                      "-p", '{"metadata":{"labels":{"m":"1"}}}') == "deployment.apps/pd patched (no change)\n"
    assert kubectl.ok("patch", "deploy", "pd", "-n", ns, "--type", "json",
                      "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]') == "deployment.apps/pd patched\n"
    # strategic merge: containers are merged by name, the other container stays
    assert kubectl.ok("patch", "deploy", "pd", "-n", ns, "--type", "strategic",
                      "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}'
                      ) == "deployment.apps/pd patched\n"
    d = kubectl.json("get", "deploy", "pd", "-n", ns)
    assert d["metadata"]["labels"] == {"app": "pd", "m": "1"}
    assert d["spec"]["replicas"] == 4
    assert [(c["name"], c["image"]) for c in d["spec"]["template"]["spec"]["containers"]] == \
        [("app", "nginx:1.27"), ("side", "busybox:1.36")]
    assert d["metadata"]["generation"] == 3  # replicas and template changes bump generation; labels don't
    # a merge patch replaces lists wholesale
    kubectl.ok("patch", "deploy", "pd", "-n", ns, "--type", "merge",
               "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"nginx:1.27"}]}}}}')
    d = kubectl.json("get", "deploy", "pd", "-n", ns)
    assert [c["name"] for c in d["spec"]["template"]["spec"]["containers"]] == ["only"]
    # json patch "test" op failing is a 422
    r = kubectl.fail("patch", "deploy", "pd", "-n", ns, "--type", "json",
                     "-p", '[{"op":"test","path":"/spec/replicas","value":99}]')
    assert r.err.startswith('The request is invalid: the server rejected our request due to an error in our request') \
        or "testing value /spec/replicas failed" in r.err, r
    r = kubectl.fail("patch", "pod", "nope", "-n", ns, "--type", "merge", "-p", "{}")
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n', r


def test_replace_conflict(kubectl, sim, ns, tmp_path):
    sim.create(cm("cc", {"a": "1"}), ns)
    stale = kubectl.json("get", "cm", "cc", "-n", ns)
    kubectl.ok("patch", "cm", "cc", "-n", ns, "--type", "merge", "-p", '{"data":{"a":"2"}}')
    stale["data"]["a"] = "3"
    f = write(tmp_path, "stale.json", json.dumps(stale))
    r = kubectl.fail("replace", "-f", f, "-n", ns)
    assert r.err == (f'Error from server (Conflict): error when replacing "{f}": Operation cannot be fulfilled on '
                     f'configmaps "cc": the object has been modified; please apply your changes to the latest '
                     f'version and try again\n'), r
    del stale["metadata"]["resourceVersion"]
    f = write(tmp_path, "fresh.json", json.dumps(stale))
    assert kubectl.ok("replace", "-f", f, "-n", ns) == "configmap/cc replaced\n"


def test_scale(kubectl, sim, ns):
    sim.create(yaml.safe_load(deploy_yaml("sc", replicas=1)), ns)
    assert kubectl.ok("scale", "deployment", "sc", "--replicas=3", "-n", ns) == "deployment.apps/sc scaled\n"
    assert kubectl.json("get", "deploy", "sc", "-n", ns)["spec"]["replicas"] == 3
    r = kubectl.fail("scale", "deployment", "sc", "--replicas=2", "--current-replicas=5", "-n", ns)
    assert r.err == "error: Expected replicas to be 5, was 3\n", r
    r = kubectl.fail("scale", "deployment", "nope", "--replicas=2", "-n", ns)
    # client-side wording: 1.27 drops the server error, 1.33 appends it
    expected = {"1.27": "error: no objects passed to scale\n",
                "1.33": 'error: no objects passed to scale deployments.apps "nope" not found\n'}[kubectl.version]
    assert r.err == expected, r


def test_label_annotate(kubectl, sim, ns):
    sim.create(pod("lp"), ns)
    assert kubectl.ok("label", "pod", "lp", "env=prod", "-n", ns) == "pod/lp labeled\n"
    r = kubectl.fail("label", "pod", "lp", "env=dev", "-n", ns)
    assert r.err == "error: 'env' already has a value (prod), and --overwrite is false\n", r
    assert kubectl.ok("label", "pod", "lp", "env=dev", "--overwrite", "-n", ns) == "pod/lp labeled\n"
    assert kubectl.ok("get", "pods", "-l", "env=dev", "-n", ns, "-o", "name") == "pod/lp\n"
    assert kubectl.ok("label", "pod", "lp", "env-", "-n", ns) == "pod/lp unlabeled\n"
    assert kubectl.json("get", "pod", "lp", "-n", ns)["metadata"]["labels"] == {"app": "lp"}
    verb = "annotate" if kubectl.version == "1.27" else "annotated"  # kubectl 1.27's own wording
    assert kubectl.ok("annotate", "pod", "lp", "note=hello world", "-n", ns) == f"pod/lp {verb}\n"
    r = kubectl.fail("annotate", "pod", "lp", "note=x", "-n", ns)
    assert "'note' already has a value (hello world)" in r.err and "--overwrite is false" in r.err, r
    assert kubectl.ok("annotate", "pod", "lp", "note-", "-n", ns) == f"pod/lp {verb}\n"
    # the map is now empty: a real apiserver omits it (omitempty), it does not send "annotations": {}
    assert "annotations" not in kubectl.json("get", "pod", "lp", "-n", ns)["metadata"]
    # an invalid label key is rejected by the server's metadata validation (422)
    r = kubectl.fail("label", "pod", "lp", "bad key!=x", "-n", ns)
    assert r.err.startswith('The Pod "lp" is invalid: metadata.labels: Invalid value: "bad key!": name part must '
                            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                            "alphanumeric character"), r


def test_delete(kubectl, sim, ns):
    sim.create(pod("del"), ns)
    # an unscheduled pod is deleted immediately by a real apiserver (no grace period without a node)
    assert kubectl.ok("delete", "pod", "del", "-n", ns) == 'pod "del" deleted\n'
    r = kubectl.fail("get", "pod", "del", "-n", ns)
    assert r.err == 'Error from server (NotFound): pods "del" not found\n'
    r = kubectl.fail("delete", "pod", "del", "-n", ns)
    assert r.err == 'Error from server (NotFound): pods "del" not found\n', r
    r = kubectl.run("delete", "pod", "del", "--ignore-not-found", "-n", ns)
    assert (r.rc, r.out, r.err) == (0, "", ""), r
    sim.create(cm("d1", {"a": "1"}), ns)
    sim.create(cm("d2", {"a": "1"}), ns)
    assert kubectl.ok("delete", "cm", "d1", "d2", "-n", ns) == 'configmap "d1" deleted\nconfigmap "d2" deleted\n'


def test_delete_wait_with_finalizer(kubectl, sim, ns):
    sim.create(cm("fin", {"a": "1"}, finalizers=["example.com/hold"]), ns)
    # --wait=false returns at once; the object stays, marked for deletion
    assert kubectl.ok("delete", "cm", "fin", "--wait=false", "-n", ns) == 'configmap "fin" deleted\n'
    obj = kubectl.json("get", "cm", "fin", "-n", ns)
    assert obj["metadata"]["deletionTimestamp"] and obj["metadata"]["finalizers"] == ["example.com/hold"]
    # --wait (the default) blocks until it is gone: times out while the finalizer is there
    r = kubectl.fail("delete", "cm", "fin", "--timeout=2s", "-n", ns)
    assert 'configmap "fin" deleted' in r.out, r
    assert last_line(r.err) == "error: timed out waiting for the condition on configmaps/fin", r
    # remove the finalizer while `delete --wait` runs: it returns 0 once the object is gone
    p = kubectl.popen("delete", "cm", "fin", "--wait=true", "--timeout=30s", "-n", ns)
    time.sleep(1.0)
    kubectl.ok("patch", "cm", "fin", "-n", ns, "--type", "merge", "-p", '{"metadata":{"finalizers":null}}')
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, (out, err)
    assert out == 'configmap "fin" deleted\n'
    kubectl.fail("get", "cm", "fin", "-n", ns)


def test_wait_for_delete_and_condition(kubectl, sim, ns):
    sim.create(cm("w1", {"a": "1"}), ns)
    p = kubectl.popen("wait", "--for=delete", "configmap/w1", "--timeout=30s", "-n", ns)
    time.sleep(1.0)
    kubectl.ok("delete", "cm", "w1", "-n", ns)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0 and out == "configmap/w1 condition met\n", (out, err)
    sim.create(cm("w2", {"a": "1"}), ns)
    r = kubectl.fail("wait", "--for=delete", "configmap/w2", "--timeout=1s", "-n", ns)
    assert last_line(r.err) == "error: timed out waiting for the condition on configmaps/w2", r
    out = kubectl.ok("wait", "--for=jsonpath={.data.a}=1", "configmap/w2", "--timeout=10s", "-n", ns)
    assert out == "configmap/w2 condition met\n"
    r = kubectl.fail("wait", "--for=condition=Ready", "pod/nope", "--timeout=1s", "-n", ns)
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n', r


def test_get_watch_output_watch_events(kubectl, sim, ns):
    sim.create(cm("pre", {"a": "1"}), ns)
    p = kubectl.popen("get", "configmaps", "-n", ns, "--watch", "--output-watch-events")
    q: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [q.put(l.rstrip("\n")) for l in p.stdout], daemon=True).start()

    def read_line(timeout=10.0):
        try:
            return q.get(timeout=timeout)
        except queue.Empty:
            p.kill()
            pytest.fail(f"no watch line within {timeout}s; stderr: {p.stderr.read()}")

    try:
        got = []
        # header + initial ADDED for the existing objects (kube-root-ca.crt is not published by kube-sim
        # --no-workloads; accept it if present)
        hdr = read_line()
        assert HDR("EVENT", "NAME", "DATA", "AGE").match(hdr), hdr
        first = read_line()
        while first.split()[1] == "kube-root-ca.crt":
            first = read_line()
        assert re.fullmatch(rf"ADDED\s+pre\s+1\s+{AGE}", first), first
        base = f"/api/v1/namespaces/{ns}/configmaps"
        sim.create(cm("live", {"a": "1"}), ns)
        assert sim.http("PATCH", f"{base}/live", data='{"data":{"b":"2"}}',
                        headers={"Content-Type": "application/merge-patch+json"}).status_code == 200
        assert sim.http("DELETE", f"{base}/live").status_code == 200
        for _ in range(3):
            got.append(read_line())
        assert re.fullmatch(rf"ADDED\s+live\s+1\s+{AGE}", got[0]), got
        assert re.fullmatch(rf"MODIFIED\s+live\s+2\s+{AGE}", got[1]), got
        assert re.fullmatch(rf"DELETED\s+live\s+2\s+{AGE}", got[2]), got
        assert p.poll() is None, "kubectl get --watch exited early"
    finally:
        p.kill()
        p.wait()


def test_lease_via_file(kubectl, ns, tmp_path):
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "lock"},
             "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 15,
                      "renewTime": "2026-01-02T03:04:05.000000Z", "leaseTransitions": 2}}
    f = write(tmp_path, "lease.yaml", yaml.safe_dump(lease))
    assert kubectl.ok("create", "-f", f, "-n", ns) == "lease.coordination.k8s.io/lock created\n"
    out = kubectl.ok("get", "lease", "lock", "-n", ns)
    assert HDR("NAME", "HOLDER", "AGE").match(lines(out)[0]), out
    assert re.fullmatch(rf"lock\s+node-a\s+{AGE}", lines(out)[1]), out
    got = kubectl.json("get", "leases.coordination.k8s.io", "lock", "-n", ns)
    assert got["spec"]["renewTime"] == "2026-01-02T03:04:05.000000Z"  # MicroTime keeps microseconds
    assert got["spec"]["leaseTransitions"] == 2 and got["spec"]["leaseDurationSeconds"] == 15


# ----------------------------------------------------------------------------------------- CRDs

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "size": {"type": "integer"}, "color": {"type": "string"}}}}}},
            "additionalPrinterColumns": [
                {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
        }],
    },
}


@pytest.fixture(scope="module")
def crd(sim):
    """Install the Widget CRD once over HTTP and wait for Established; the CRD tests run with both kubectls."""
    sim.create(CRD)

    def established():
        r = sim.http("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").json()
        conds = {c["type"]: c["status"] for c in r.get("status", {}).get("conditions", [])}
        return conds.get("Established") == "True" and conds.get("NamesAccepted") == "True"
    wait_until(established, 20, what="CRD Established+NamesAccepted")
    return "widgets.example.com"


def test_crd_wait_established(kubectl, crd):
    out = kubectl.ok("wait", "--for=condition=Established", f"crd/{crd}", "--timeout=20s")
    assert out == f"customresourcedefinition.apiextensions.k8s.io/{crd} condition met\n"


def widget(name, **spec):
    return yaml.safe_dump({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name},
                           "spec": spec})


def test_crd_apply_unchanged_and_list(kubectl, crd, tmp_path):
    # created without kubectl: the first apply adopts it ("configured", with a warning), the next is "unchanged"
    f = write(tmp_path, "crd.yaml", yaml.safe_dump(CRD))
    r = kubectl.run("apply", "-f", f)
    assert r.rc == 0 and r.out in (
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com configured\n",
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com unchanged\n"), r
    assert kubectl.ok("apply", "-f", f) == \
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com unchanged\n"
    out = kubectl.ok("get", "crd", crd)
    assert HDR("NAME", "CREATED AT").match(lines(out)[0]), out
    assert re.fullmatch(r"widgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines(out)[1]), out
    res = kubectl.ok("api-resources", "--api-group=example.com")
    assert re.search(r"^widgets\s+wd\s+example\.com/v1\s+true\s+Widget\s*$", res, re.M), res


def test_cr_apply_get_delete(kubectl, crd, ns, tmp_path):
    f = write(tmp_path, "w.yaml", widget("w1", size=3, color="red"))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "widget.example.com/w1 created\n"
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "widget.example.com/w1 unchanged\n"
    f = write(tmp_path, "w.yaml", widget("w1", size=5, color="red"))
    assert kubectl.ok("apply", "-f", f, "-n", ns) == "widget.example.com/w1 configured\n"
    out = kubectl.ok("get", "widgets", "-n", ns)
    assert HDR("NAME", "SIZE", "COLOR", "AGE").match(lines(out)[0]), out
    assert re.fullmatch(rf"w1\s+5\s+red\s+{AGE}", lines(out)[1]), out
    out = kubectl.ok("get", "wd", "w1", "-n", ns, "-o", "wide")
    assert re.fullmatch(rf"w1\s+5\s+red\s+{AGE}", lines(out)[1]), out
    obj = kubectl.json("get", "widget.example.com", "w1", "-n", ns)
    assert obj["spec"] == {"size": 5, "color": "red"} and obj["metadata"]["generation"] == 2
    r = kubectl.fail("patch", "widget", "w1", "-n", ns, "--type", "strategic", "-p", '{"spec":{"size":1}}')
    assert "the body of the request was in an unknown format - accepted media types include: " \
           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" in r.err, r
    assert kubectl.ok("patch", "widget", "w1", "-n", ns, "--type", "merge",
                      "-p", '{"spec":{"size":1}}') == "widget.example.com/w1 patched\n"
    assert kubectl.ok("delete", "-f", f, "-n", ns) == 'widget.example.com "w1" deleted\n'
    r = kubectl.fail("get", "widget", "w1", "-n", ns)
    assert r.err == 'Error from server (NotFound): widgets.example.com "w1" not found\n', r


def test_cr_unknown_field_strict(kubectl, crd, ns, tmp_path):
    f = write(tmp_path, "w.yaml", widget("w2", size=1, bogus="x"))
    r = kubectl.fail("apply", "-f", f, "-n", ns)
    assert r.err == (f'Error from server (BadRequest): error when creating "{f}": Widget in version "v1" cannot be '
                     f'handled as a Widget: strict decoding error: unknown field "spec.bogus"\n'), r
    kubectl.fail("get", "widget", "w2", "-n", ns)
    # a type error is a 422 from schema validation
    f = write(tmp_path, "w3.yaml", widget("w3", size="big"))
    r = kubectl.fail("create", "-f", f, "-n", ns)
    assert r.err.startswith('The Widget "w3" is invalid: spec.size: Invalid value: "string": '
                            'spec.size in body must be of type integer: "string"'), r
