"""The local target: kube-sim, a real Prometheus and Alertmanager (Debian's), and N `vigil run` processes, each in a
slot with a fixed port (Alertmanager notifies every slot; a killed slot's replacement listens on the same port under
a new identity, as a Deployment's new pod would have a new name)."""
from __future__ import annotations

import ctypes
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from .processes import free_port, stop_process as stop
from .workload import ALERT, RULES

PROMETHEUS = "/usr/bin/prometheus"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
LEASE_NS = "vigil-system"
TOKEN = "load-am-token"


def die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the runner dies, however it dies (Linux's PR_SET_PDEATHSIG), so a
    killed run leaves no kube-sim, Prometheus or replica behind. The signal comes when the *thread* that forked the
    child ends, so every child is started from one thread that lives as long as the target (`LocalTarget.spawner`)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def wait_for(fn, timeout: float, what: str, interval: float = 0.2, proc: subprocess.Popen | None = None,
             log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:]) if log and log.exists() else ""
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}\n{tail}")
        v = fn()
        if v:
            return v
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def binary(env: str, default: Path, hint: str) -> Path:
    p = Path(os.environ.get(env) or default).resolve()
    if not p.exists():
        raise RuntimeError(f"{p} not found ({env}): {hint}")
    return p


class Slot:
    def __init__(self, index: int, port: int):
        self.index = index
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.identity = ""
        self.generation = 0
        self.history: list[tuple[str, subprocess.Popen]] = []  # every process this slot ran

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class LocalTarget:
    name = "local"

    def __init__(self, workdir: Path, scenario, repo: Path):
        self.dir = workdir
        self.s = scenario
        self.kube_sim = binary("KUBE_SIM_BIN", repo / ".build/release/kube-sim", "build it with `swift build -c release --product kube-sim`")
        self.vigil = binary("VIGIL_BIN", repo / ".build/release/vigil", "build it with `swift build -c release --product vigil`")
        self.crds = repo / "deploy" / "crds"
        self.procs: dict[str, subprocess.Popen] = {}
        self.slots = [Slot(i, free_port()) for i in range(scenario.max_replicas)]
        self.stopped_at: dict[str, float] = {}  # replicas the runner stopped or killed
        self.restarting: set[str] = set()  # Prometheus or Alertmanager while a fault has them down
        self.rng = random.Random(7)
        self.kills: list[dict] = []
        # Every child is forked from this one thread (see die_with_parent); it ends in close(), after the children.
        self.spawner = ThreadPoolExecutor(1, thread_name_prefix="spawner")

    # ---------------------------------------------------------------- processes
    def _popen(self, cmd: list[str], **kw) -> subprocess.Popen:
        return self.spawner.submit(lambda: subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True,
                                                            preexec_fn=die_with_parent, **kw)).result()

    def _spawn(self, name: str, cmd: list[str], env=None) -> subprocess.Popen:
        with open(self.dir / f"{name}.log", "ab") as out:
            return self._popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.dir)

    def start(self) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        kubeconfig = self.dir / "kubeconfig"
        sim_out = self.dir / "kube-sim.url"
        with open(sim_out, "wb") as out, open(self.dir / "kube-sim.log", "wb") as err:
            self.procs["kube-sim"] = self._popen([str(self.kube_sim), "--port", "0", "--kubeconfig-out", str(kubeconfig)],
                                                 stdout=out, stderr=err)
        self.sim_url = wait_for(lambda: (sim_out.read_text().splitlines() or [""])[0].strip()
                                if kubeconfig.exists() and "server:" in kubeconfig.read_text() else None,
                                20, "kube-sim to listen")
        self.kubeconfig = str(kubeconfig)
        self._kubectl("create", "namespace", LEASE_NS)
        self._kubectl("apply", "-f", str(self.crds))
        self.prom_port, self.am_port = free_port(), free_port()
        self._start_alertmanager()
        self._start_prometheus()
        (self.dir / "am-token").write_text(TOKEN + "\n")
        return self.kubeconfig

    def _kubectl(self, *args: str) -> str:
        kubectl = shutil.which("kubectl.1.33") or shutil.which("kubectl")
        if not kubectl:
            raise RuntimeError("kubectl not found: run tools/prereqs.sh test")
        r = subprocess.run([kubectl, "--kubeconfig", self.kubeconfig, *args], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def _start_prometheus(self) -> None:
        binary_ = PROMETHEUS if Path(PROMETHEUS).exists() else shutil.which("prometheus")
        if not binary_:
            raise RuntimeError("prometheus not found: apt-get install prometheus (tools/prereqs.sh test does)")
        d = self.dir / "prometheus"
        d.mkdir(exist_ok=True)
        (d / "rules.yml").write_text(yaml.safe_dump(RULES))
        iv = f"{round(self.s.interval * 1000)}ms"  # Prometheus durations have no fractions
        target = self.sim_url.split("://", 1)[1]
        cfg = {"global": {"scrape_interval": iv, "evaluation_interval": iv},
               "rule_files": [str(d / "rules.yml")],
               "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{self.am_port}"]}]}]},
               "scrape_configs": [{"job_name": "kube-sim-cadvisor", "metrics_path": "/metrics/cadvisor",
                                   "scrape_timeout": f"{round(min(self.s.interval * 0.9, 10) * 1000)}ms",
                                   "static_configs": [{"targets": [target]}]}]}
        (d / "prometheus.yml").write_text(yaml.safe_dump(cfg))
        self.procs["prometheus"] = self._spawn("prometheus", [
            binary_, f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}", "--log.level=warn"])
        wait_for(lambda: self._ready(f"http://127.0.0.1:{self.prom_port}/-/ready"), 30, "prometheus /-/ready",
                 proc=self.procs["prometheus"], log=self.dir / "prometheus.log")

    def _start_alertmanager(self) -> None:
        binary_ = ALERTMANAGER if Path(ALERTMANAGER).exists() else shutil.which("prometheus-alertmanager")
        if not binary_:
            raise RuntimeError("prometheus-alertmanager not found: apt-get install prometheus-alertmanager")
        d = self.dir / "alertmanager"
        d.mkdir(exist_ok=True)
        token = self.dir / "am-token"
        cfg = {"route": {"receiver": "vigil", "group_by": ["alertname", "namespace"], "group_wait": "0s",
                         "group_interval": "1s", "repeat_interval": "1h"},
               "receivers": [{"name": "vigil", "webhook_configs": [
                   {"url": f"http://127.0.0.1:{s.port}/alertmanager/webhook", "send_resolved": False,
                    "http_config": {"authorization": {"type": "Bearer", "credentials_file": str(token)}}}
                   for s in self.slots]}]}
        (d / "am.yml").write_text(yaml.safe_dump(cfg))
        self.procs["alertmanager"] = self._spawn("alertmanager", [
            binary_, f"--config.file={d / 'am.yml'}", f"--storage.path={d / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.am_port}", f"--cluster.listen-address=", "--log.level=warn"])
        wait_for(lambda: self._ready(f"http://127.0.0.1:{self.am_port}/-/ready"), 30, "alertmanager /-/ready",
                 proc=self.procs["alertmanager"], log=self.dir / "alertmanager.log")

    @staticmethod
    def _ready(url: str) -> bool:
        try:
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def _config(self, slot: Slot) -> Path:
        cfg = {"identity": slot.identity, "namespace": LEASE_NS, "kubeconfig": self.kubeconfig,
               "http": {"host": "127.0.0.1", "port": slot.port},
               "leaderElection": {"profile": self.s.leases}, "logging": {"format": "text"},
               "kubeAPI": {"qps": self.s.qps, "burst": int(self.s.qps * 2)},
               "prometheus": {"sources": {"default": {"url": f"http://127.0.0.1:{self.prom_port}",
                                                      "interval": f"{self.s.poll:g}s", "timeout": f"{self.s.poll:g}s"}}},
               "alertmanager": {"tokenFile": str(self.dir / "am-token")},
               "actions": {"maxRunsPerMinute": self.s.max_runs_per_minute}}
        path = self.dir / f"vigil-{slot.identity}.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        return path

    def _start_slot(self, slot: Slot) -> None:
        slot.identity = f"vigil-{slot.index}-{slot.generation}"
        slot.generation += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        slot.proc = self._spawn(f"vigil-{slot.identity}", [str(self.vigil), "run", "--config", str(self._config(slot))], env)
        slot.history.append((slot.identity, slot.proc))

    # ---------------------------------------------------------------- what the runner asks
    def endpoints(self) -> dict[str, str]:
        return {s.identity: f"http://127.0.0.1:{s.port}" for s in self.slots if s.alive}

    def unexpected_exits(self) -> list[str]:
        """Replicas (and kube-sim, Prometheus, Alertmanager) that exited without the runner stopping them: a crash."""
        out = [f"{name} exited with {p.returncode}" for name, p in self.procs.items() if p.poll() is not None
               and name not in self.restarting]
        for s in self.slots:
            for ident, p in s.history:
                if p.poll() is not None and ident not in self.stopped_at:
                    out.append(f"replica {ident} exited with {p.returncode} without being stopped (see vigil-{ident}.log)")
        return out

    def set_replicas(self, n: int) -> None:
        """Starts slots up to n and stops (SIGTERM: a graceful hand-off) the ones past it."""
        for s in self.slots[:n]:
            if not s.alive:
                self._start_slot(s)
        leaving = [s for s in self.slots[n:] if s.alive]
        for s in leaving:
            self.stopped_at[s.identity] = time.time()
            s.proc.send_signal(signal.SIGTERM)
        for s in leaving:
            try:
                s.proc.wait(60)
            except subprocess.TimeoutExpired:
                s.proc.kill()
            self.stopped_at[s.identity] = time.time()

    def leader(self, shards: dict[str, dict]) -> str | None:
        for info in shards.values():
            if info.get("leader"):
                return info["leader"]
        return None

    def kill(self, how: str, shards: dict[str, dict]) -> list[dict]:
        """SIGKILLs one replica (random or the leader) or two at once; each slot restarts after restartDelay."""
        live = [s for s in self.slots if s.alive]
        if not live:
            return []
        leader = self.leader(shards)
        if how == "leader":
            victims = [s for s in live if s.identity == leader][:1] or [self.rng.choice(live)]
        elif how == "two":
            victims = self.rng.sample(live, min(2, len(live)))
        else:
            victims = [self.rng.choice(live)]
        out = []
        for s in victims:
            self.stopped_at[s.identity] = time.time()
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(10)
            out.append({"at": time.time(), "replica": s.identity, "leader": s.identity == leader})
        self.kills.extend(out)
        time.sleep(self.s.chaos.restart_delay)
        for s in victims:
            self._start_slot(s)
        return out

    def zombie(self, seconds: float, shards: dict[str, dict]) -> dict | None:
        """SIGSTOPs a replica for `seconds` (longer than its lease), then SIGCONTs it: it must not act."""
        live = [s for s in self.slots if s.alive]
        if not live:
            return None
        s = self.rng.choice(live)
        s.proc.send_signal(signal.SIGSTOP)
        time.sleep(seconds)
        s.proc.send_signal(signal.SIGCONT)
        return {"replica": s.identity, "stoppedFor": seconds}

    def fault(self, f) -> str:
        sim = self.sim_url
        if f.kind == "apiErrors":
            requests.post(f"{sim}/sim/faults", json={"rules": [{"status": f.status, "count": f.count, "probability": 1}]},
                          timeout=5).raise_for_status()
            return f"the next {f.count} API requests answered {f.status}"
        if f.kind == "dropWatches":
            requests.post(f"{sim}/sim/faults", json={"dropWatches": True}, timeout=5).raise_for_status()
            return "every watch stream closed"
        if f.kind == "stall":
            requests.post(f"{sim}/sim/faults", json={"stallSeconds": f.duration}, timeout=5).raise_for_status()
            return f"the API server stalled {f.duration:g} s"
        if f.kind in ("prometheusRestart", "alertmanagerRestart"):
            name = "prometheus" if f.kind == "prometheusRestart" else "alertmanager"
            p = self.procs[name]
            self.restarting.add(name)
            p.send_signal(signal.SIGKILL)
            p.wait(10)
            time.sleep(f.duration)
            (self._start_prometheus if name == "prometheus" else self._start_alertmanager)()
            self.restarting.discard(name)
            return f"{name} SIGKILLed, restarted after {f.duration:g} s"
        raise RuntimeError(f"fault {f.kind} is not handled by the local target")

    def prometheus_health(self, seconds: float) -> dict | None:
        """How Prometheus' scrapes of kube-sim went over the last `seconds`: the fraction that succeeded and the
        longest scrape (a scrape past its timeout leaves CounterMeasure and MemoryScaler without data)."""
        window = f"{max(1, int(seconds))}s"
        out = {}
        for key, q in (("upFraction", f'avg_over_time(up{{job="kube-sim-cadvisor"}}[{window}])'),
                       ("scrapeSecondsMax", f'max_over_time(scrape_duration_seconds{{job="kube-sim-cadvisor"}}[{window}])'),
                       ("seriesScraped", 'scrape_samples_scraped{job="kube-sim-cadvisor"}')):
            try:
                r = requests.get(f"http://127.0.0.1:{self.prom_port}/api/v1/query", params={"query": q}, timeout=10).json()
                v = r["data"]["result"]
                out[key] = round(float(v[0]["value"][1]), 3) if v else None
            except (requests.RequestException, ValueError, KeyError, IndexError):
                out[key] = None
        return out

    def first_visible(self, seconds: float) -> dict[str, dict[str, float]]:
        """When Prometheus could first answer each trigger, per namespace, over the last `seconds`: `hot` and `cache`,
        the first sample of the trigger pod's working set (the scrape that first carried it); `alert`, the first
        evaluation at which the alert fired (its first ALERTS sample). `timestamp()` inside a subquery gives each
        step's latest sample's own time, so the minimum is the first sample's time, not a step's."""
        window = f"{max(1, math.ceil(seconds))}s"
        step = f"{max(1, round(self.s.interval * 1000))}ms"
        out: dict[str, dict[str, float]] = {}
        for key, series in (("hot", 'container_memory_working_set_bytes{container="hot"}'),
                            ("cache", 'container_memory_working_set_bytes{container="cache"}'),
                            ("alert", f'ALERTS{{alertname="{ALERT}",alertstate="firing"}}')):
            q = f"min by (namespace) (min_over_time(timestamp({series})[{window}:{step}]))"
            try:
                r = requests.get(f"http://127.0.0.1:{self.prom_port}/api/v1/query", params={"query": q}, timeout=120).json()
                out[key] = {v["metric"].get("namespace", ""): float(v["value"][1]) for v in r["data"]["result"]}
            except (requests.RequestException, ValueError, KeyError) as e:
                print(f"cannot read when Prometheus first showed the {key} triggers: {e}", file=sys.stderr, flush=True)
                out[key] = {}
        return out

    def sim_stats(self) -> dict | None:
        """kube-sim's request counts by verb and by resource (every client's)."""
        try:
            j = requests.get(f"{self.sim_url}/sim/stats", timeout=5).json()
            return {"byVerb": j.get("byVerb"), "byResource": j.get("byResource"), "byCode": j.get("byCode")}
        except (requests.RequestException, ValueError):
            return None

    def api_requests(self) -> int | None:
        try:
            return int(requests.get(f"{self.sim_url}/sim/stats", timeout=5).json()["requests"])
        except (requests.RequestException, ValueError, KeyError):
            return None

    def resize_requests(self) -> dict[str, int]:
        """pods/resize writes per namespace, from kube-sim's write log (raw MemoryScaler re-deliveries)."""
        try:
            items = requests.get(f"{self.sim_url}/sim/requests?since=0", timeout=30).json()["items"]
        except (requests.RequestException, ValueError, KeyError):
            return {}
        out: dict[str, int] = {}
        for it in items:
            if it.get("resource") == "pods/resize" and it.get("code", 0) < 300:
                ns = it["path"].split("/namespaces/", 1)[1].split("/", 1)[0]
                out[ns] = out.get(ns, 0) + 1
        return out

    def usage(self) -> dict[str, dict]:
        """RSS (bytes) and CPU seconds of each live replica, from /proc."""
        out = {}
        tick = os.sysconf("SC_CLK_TCK")
        for s in self.slots:
            if not s.alive:
                continue
            try:
                status = Path(f"/proc/{s.proc.pid}/status").read_text()
                stat = Path(f"/proc/{s.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            rss = next(int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmRSS:"))
            hwm = next(int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmHWM:"))
            out[s.identity] = {"rss": rss, "peakRss": hwm, "cpu": (int(stat[11]) + int(stat[12])) / tick}
        return out

    def sim_cpu(self) -> float | None:
        p = self.procs.get("kube-sim")
        try:
            stat = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, AttributeError):
            return None

    def close(self) -> None:
        for s in self.slots:
            if s.alive:
                self.stopped_at[s.identity] = time.time()
            stop(s.proc, 20)
        for name in ("alertmanager", "prometheus", "kube-sim"):
            stop(self.procs.get(name), 5)
        self.spawner.shutdown()

    def describe(self) -> dict:
        return {"target": "local", "kubeSim": str(self.kube_sim), "vigil": str(self.vigil), "workdir": str(self.dir),
                "prometheus": f"http://127.0.0.1:{self.prom_port}", "alertmanager": f"http://127.0.0.1:{self.am_port}"}
