#!/usr/bin/env bash
# Vigil on a local kind cluster, for users with Docker:
#   1. create the kind cluster (deploy/kind/cluster.yaml), or reuse it if it exists;
#   2. build the image from deploy/Dockerfile;
#   3. load the image into the cluster's nodes (no registry needed);
#   4. kubectl apply -k deploy, with the image replaced by the one just built;
#   5. wait until the CRDs are established and the Deployment has rolled out.
#
# Usage: deploy/kind/up.sh            (from anywhere; paths are relative to this script)
# Environment:
#   VIGIL_KIND_CLUSTER   cluster name                    (default: vigil; kubectl context kind-<name>)
#   VIGIL_IMAGE_NAME     image repository                (default: ghcr.io/vigil-dev/vigil)
#   VIGIL_IMAGE_TAG      image tag                       (default: dev-<timestamp>, a new tag per run,
#                                                         so every run rolls the Deployment)
#   KUBECTL              kubectl binary                  (default: kubectl)
#   ROLLOUT_TIMEOUT      how long to wait for the rollout (default: 180s)
# Remove everything again with: kind delete cluster --name vigil
set -euo pipefail

die() {
  echo "up.sh: $*" >&2
  exit 1
}

need() {
  local tool=$1 hint=$2
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' was not found on PATH. $hint"
}

# Checks first, before anything is created.
need docker "This script builds an image and runs kind, which need Docker: https://docs.docker.com/engine/install/"
need kind "Install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
KUBECTL=${KUBECTL:-kubectl}
need "$KUBECTL" "Install kubectl (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL to its path."
docker info >/dev/null 2>&1 \
  || die "docker is installed but its daemon does not answer ('docker info' failed): is it running, and may this user use it?"

src=${BASH_SOURCE[0]}
[[ $src == */* ]] || src=./$src
script_dir=$(cd "${src%/*}" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
[[ -f "$repo_root/Package.swift" && -f "$repo_root/deploy/kustomization.yaml" ]] \
  || die "expected the Vigil repository at $repo_root (Package.swift and deploy/kustomization.yaml)"

cluster=${VIGIL_KIND_CLUSTER:-vigil}
context="kind-$cluster"
image_name=${VIGIL_IMAGE_NAME:-ghcr.io/vigil-dev/vigil}
image_tag=${VIGIL_IMAGE_TAG:-dev-$(date +%Y%m%d%H%M%S)}
image="$image_name:$image_tag"
timeout=${ROLLOUT_TIMEOUT:-180s}
kc() { "$KUBECTL" --context "$context" "$@"; }

echo "==> kind cluster '$cluster'"
# Read the list first: with pipefail, grep -q closing the pipe early could make an existing
# cluster look missing.
clusters=$(kind get clusters 2>/dev/null || true)
if grep -qx -- "$cluster" <<<"$clusters"; then
  echo "    exists, reusing it"
else
  kind create cluster --name "$cluster" --config "$script_dir/cluster.yaml" --wait 120s
fi

echo "==> docker build $image"
docker build -f "$repo_root/deploy/Dockerfile" -t "$image" "$repo_root"

echo "==> kind load docker-image $image"
kind load docker-image "$image" --name "$cluster"

echo "==> kubectl apply -k deploy (image $image)"
# A throw-away overlay that only swaps the image, on a copy of deploy/ (kustomize accepts only
# relative paths to a base), so nothing in the repository is written or edited.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$repo_root/deploy" "$work/base"
mkdir "$work/overlay"
overlay="$work/overlay"
cat >"$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
images:
  - name: ghcr.io/vigil-dev/vigil
    newName: $image_name
    newTag: "$image_tag"
YAML
kc apply -k "$overlay"

echo "==> waiting for the rollout"
kc wait --for=condition=Established crd -l app.kubernetes.io/part-of=vigil --timeout=60s
kc -n vigil-system rollout status deployment/vigil --timeout="$timeout"
kc -n vigil-system get pods -o wide

cat <<MSG

Vigil is running in kind cluster '$cluster' (kubectl context $context).
  Logs:     $KUBECTL --context $context -n vigil-system logs deploy/vigil -f
  Shards:   $KUBECTL --context $context -n vigil-system port-forward svc/vigil 8080:http
            then curl localhost:8080/shards
  Remove:   kind delete cluster --name $cluster
MSG
