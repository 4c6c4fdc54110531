#!/usr/bin/env python3
"""Generate Sources/KubeSim/Schema/BuiltinSchemaTable.swift.

kube-sim has no OpenAPI schemas for built-in kinds, yet a real kube-apiserver
decodes their bodies into Go structs and so drops (or, with
fieldValidation=Strict, refuses) unknown fields.  This script derives the
field names and types of every struct reachable from the kinds kube-sim serves
from the model classes of the official Python client (`kubernetes`, whose
33.x releases are generated from the Kubernetes 1.33 OpenAPI document), and
writes them as a compact text table inside one Swift raw string literal
(a big array/dictionary literal would take the type checker minutes).

Only the API's shape (type names, JSON field names, field types) goes into the
table; nothing of the client package itself.

Usage (the client is needed only while generating):

    python3 -m venv /tmp/k8s33
    /tmp/k8s33/bin/pip install kubernetes==33.1.0
    /tmp/k8s33/bin/python tools/gen-builtin-schemas.py [OUT]

Table format, one entry a line:

    @ GROUP/VERSION KIND MODEL     a top-level kind (core group: `v1`)
    MODEL field:TYPE field:TYPE …  a struct and its JSON fields

TYPE is a scalar (`str`, `int`, `bool`, `float`, `datetime`, `date`), `object`
(free-form: anything goes below it — IntOrString, RawExtension, JSON, …),
another MODEL, `[TYPE]` (a list) or `{TYPE}` (a map with string keys).
"""

import os
import re
import sys

import kubernetes
import kubernetes.client.models as models

# (group/version, kind, Python model name) for every kind kube-sim serves.
TOP_LEVEL = [
    ("v1", "Namespace", "V1Namespace"),
    ("v1", "Pod", "V1Pod"),
    ("v1", "Event", "CoreV1Event"),
    ("v1", "ConfigMap", "V1ConfigMap"),
    ("v1", "Secret", "V1Secret"),
    ("v1", "Service", "V1Service"),
    ("v1", "ServiceAccount", "V1ServiceAccount"),
    ("v1", "Endpoints", "V1Endpoints"),
    ("v1", "Node", "V1Node"),
    ("v1", "PersistentVolumeClaim", "V1PersistentVolumeClaim"),
    ("apps/v1", "Deployment", "V1Deployment"),
    ("apps/v1", "ReplicaSet", "V1ReplicaSet"),
    ("apps/v1", "StatefulSet", "V1StatefulSet"),
    ("apps/v1", "DaemonSet", "V1DaemonSet"),
    ("apps/v1", "ControllerRevision", "V1ControllerRevision"),
    ("batch/v1", "Job", "V1Job"),
    ("batch/v1", "CronJob", "V1CronJob"),
    ("coordination.k8s.io/v1", "Lease", "V1Lease"),
    ("events.k8s.io/v1", "Event", "EventsV1Event"),
    ("policy/v1", "PodDisruptionBudget", "V1PodDisruptionBudget"),
    ("policy/v1", "Eviction", "V1Eviction"),
    ("rbac.authorization.k8s.io/v1", "Role", "V1Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "V1RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "V1ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "V1ClusterRoleBinding"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "V1CustomResourceDefinition"),
    ("autoscaling/v1", "Scale", "V1Scale"),
    # DeleteOptions is served in every group version; the table lists the
    # canonical meta.k8s.io/v1 one and BuiltinSchema falls back to it.
    ("meta.k8s.io/v1", "DeleteOptions", "V1DeleteOptions"),
]

SCALARS = {"str", "int", "bool", "float", "datetime", "date", "object"}

LIST_RE = re.compile(r"^list\[(.*)\]$")
DICT_RE = re.compile(r"^dict\(str, (.*)\)$")


def encode(type_string, pending):
    """Translate a client type string into the table's notation, queueing
    every model it names."""
    m = LIST_RE.match(type_string)
    if m:
        return "[" + encode(m.group(1), pending) + "]"
    m = DICT_RE.match(type_string)
    if m:
        return "{" + encode(m.group(1), pending) + "}"
    if type_string in SCALARS:
        return type_string
    if not hasattr(models, type_string):
        raise SystemExit(f"unknown type {type_string!r}")
    pending.append(type_string)
    return type_string


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "Sources", "KubeSim", "Schema", "BuiltinSchemaTable.swift")
    out_path = sys.argv[1] if len(sys.argv) > 1 else default_out

    version = kubernetes.__version__
    if not version.startswith("33."):
        print(f"warning: kubernetes client {version} is not a 33.x (Kubernetes 1.33) release", file=sys.stderr)

    lines = []
    for gv, kind, model in TOP_LEVEL:
        lines.append(f"@ {gv} {kind} {model}")

    pending = [model for _, _, model in TOP_LEVEL]
    seen = set()
    model_lines = {}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        cls = getattr(models, name)
        fields = []
        for attr, type_string in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            if " " in json_name or ":" in json_name:
                raise SystemExit(f"{name}.{attr}: JSON name {json_name!r} does not fit the table")
            fields.append(f"{json_name}:{encode(type_string, pending)}")
        model_lines[name] = " ".join([name] + fields)
    lines.extend(model_lines[n] for n in sorted(model_lines))

    table = "\n".join(lines)
    if '"#' in table or "\\" in table:
        raise SystemExit("table text does not fit a raw string literal")

    swift = (
        "// Generated by tools/gen-builtin-schemas.py (Kubernetes "
        f"1.{version.split('.')[0]} API shape, via kubernetes client {version}). Do not edit.\n"
        "//\n"
        "// `@ GROUP/VERSION KIND MODEL` lines name the top-level kinds; every other\n"
        "// line is `MODEL field:TYPE …` with TYPE a scalar (str int bool float datetime\n"
        "// date), `object` (free-form), a MODEL, `[TYPE]` (list) or `{TYPE}` (map).\n"
        "\n"
        "enum BuiltinSchemaTable {\n"
        "    static let text = #\"\"\"\n"
        f"{table}\n"
        "\"\"\"#\n"
        "}\n"
    )
    with open(out_path, "w") as f:
        f.write(swift)
    print(f"wrote {out_path}: {len(model_lines)} models, {len(TOP_LEVEL)} kinds, {len(swift)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
