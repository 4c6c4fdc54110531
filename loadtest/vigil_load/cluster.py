"""The cluster target (`VIGIL_TARGET=cluster`): a cluster where Vigil was installed with `kubectl apply -k deploy`
(for kind: deploy/kind/up.sh), reached through KUBECONFIG only. Replica changes are `kubectl scale deployment/vigil`;
kills are `kubectl delete pod --grace-period=0 --force`; each replica's /shards and /metrics are read through a
`kubectl port-forward` per pod, or at the URLs VIGIL_ENDPOINTS names (`name=http://host:port,…`) when the replicas
are reachable directly (CI runs Vigil as if deployed, on kube-sim, which has no port-forward)."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import threading
import time

import requests


class ClusterTarget:
    name = "cluster"

    def __init__(self, scenario, log=print):
        self.s = scenario
        self.log = log
        self.kubeconfig = os.environ.get("KUBECONFIG")
        if not self.kubeconfig:
            raise RuntimeError("VIGIL_TARGET=cluster needs KUBECONFIG: the kubeconfig of the cluster Vigil runs in")
        self.namespace = os.environ.get("VIGIL_NAMESPACE", "vigil-system")
        self.deployment = os.environ.get("VIGIL_DEPLOYMENT", "vigil")
        self.selector = os.environ.get("VIGIL_SELECTOR", "app.kubernetes.io/name=vigil")
        self.kubectl_bin = os.environ.get("KUBECTL") or shutil.which("kubectl") or shutil.which("kubectl.1.33")
        if not self.kubectl_bin:
            raise RuntimeError("kubectl not found: set KUBECTL or put kubectl on PATH")
        self.fixed = self._parse_endpoints(os.environ.get("VIGIL_ENDPOINTS", ""))
        self.forwards: dict[str, tuple[subprocess.Popen, str]] = {}
        self.lock = threading.Lock()
        self.rng = random.Random(7)
        self.kills: list[dict] = []
        self.stopped_at: dict[str, float] = {}

    @staticmethod
    def _parse_endpoints(text: str) -> dict[str, str]:
        out = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, url = part.partition("=")
            if not sep or not re.match(r"https?://", url):
                raise RuntimeError(f"VIGIL_ENDPOINTS: {part!r} is not name=http://host:port")
            out[name] = url.rstrip("/")
        return out

    def kubectl(self, *args: str, timeout: float = 60) -> str:
        r = subprocess.run([self.kubectl_bin, "--kubeconfig", self.kubeconfig, *args], capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def start(self) -> str:
        out = self.kubectl("get", "deployment", self.deployment, "-n", self.namespace, "-o", "jsonpath={.spec.replicas}")
        self.log(f"cluster target: deployment {self.namespace}/{self.deployment} has {out or '?'} replicas")
        return self.kubeconfig

    def pods(self) -> list[str]:
        out = self.kubectl("get", "pods", "-n", self.namespace, "-l", self.selector, "--field-selector=status.phase=Running",
                           "-o", "jsonpath={range .items[*]}{.metadata.name}{'\\n'}{end}")
        return [l for l in out.splitlines() if l]

    def endpoints(self) -> dict[str, str]:
        if self.fixed:
            return dict(self.fixed)
        live = set(self.pods())
        with self.lock:
            for name in list(self.forwards):
                proc, _ = self.forwards[name]
                if name not in live or proc.poll() is not None:
                    proc.kill()
                    del self.forwards[name]
            for name in live - set(self.forwards):
                url = self._forward(name)
                if url:
                    self.forwards[name] = url
            return {n: u for n, (_, u) in self.forwards.items()}

    def _forward(self, pod: str):
        proc = subprocess.Popen([self.kubectl_bin, "--kubeconfig", self.kubeconfig, "port-forward", "-n", self.namespace,
                                 f"pod/{pod}", ":8080"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline()  # Forwarding from 127.0.0.1:PORT -> 8080
        m = re.search(r"127\.0\.0\.1:(\d+)", line or "")
        if not m:
            proc.kill()
            return None
        return proc, f"http://127.0.0.1:{m.group(1)}"

    def set_replicas(self, n: int) -> None:
        self.kubectl("scale", f"deployment/{self.deployment}", "-n", self.namespace, f"--replicas={n}")

    def leader(self, shards: dict[str, dict]) -> str | None:
        return next((i["leader"] for i in shards.values() if i.get("leader")), None)

    def kill(self, how: str, shards: dict[str, dict]) -> list[dict]:
        pods = self.pods()
        if not pods:
            return []
        leader = self.leader(shards)
        if how == "leader":
            victims = [p for p in pods if p == leader][:1] or [self.rng.choice(pods)]
        elif how == "two":
            victims = self.rng.sample(pods, min(2, len(pods)))
        else:
            victims = [self.rng.choice(pods)]
        self.kubectl("delete", "pod", "-n", self.namespace, "--grace-period=0", "--force", *victims)
        out = [{"at": time.time(), "replica": v, "leader": v == leader} for v in victims]
        self.kills.extend(out)
        return out

    def zombie(self, seconds: float, shards: dict[str, dict]):
        self.log("chaos: zombie (SIGSTOP) is not possible through a kubeconfig; skipped on the cluster target")
        return None

    def fault(self, f) -> str:
        return f"{f.kind}: not injected on the cluster target (kube-sim's /sim/faults and local processes only)"

    def unexpected_exits(self) -> list[str]:
        return []  # a crashed pod is restarted by its ReplicaSet; its restarts show in `kubectl get pods`

    def prometheus_health(self, seconds: float):
        return None

    def first_visible(self, seconds: float) -> dict:
        """Not read on a cluster (the runner does not know its Prometheus): latency is from the trigger only."""
        return {}

    def sim_stats(self):
        return None

    def api_requests(self):
        return None

    def resize_requests(self):
        return {}

    def usage(self) -> dict[str, dict]:
        return {}

    def sim_cpu(self):
        return None

    def close(self) -> None:
        with self.lock:
            for proc, _ in self.forwards.values():
                proc.kill()
            self.forwards.clear()

    def describe(self) -> dict:
        return {"target": "cluster", "kubeconfig": self.kubeconfig, "namespace": self.namespace,
                "deployment": self.deployment, "endpoints": "VIGIL_ENDPOINTS" if self.fixed else "kubectl port-forward"}
