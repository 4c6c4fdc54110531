#!/usr/bin/env python3
"""Runs a load-test or chaos scenario against Vigil and judges it (docs/loadtest.md, docs/chaos.md).

  make loadtest SCENARIO=loadtest/scenarios/mixed.yaml
  make chaos    SCENARIO=chaos/scenarios/default.yaml

By default it starts kube-sim, a real Prometheus and Alertmanager and the scenario's `vigil run` replicas itself
(release builds: KUBE_SIM_BIN, VIGIL_BIN override). With VIGIL_TARGET=cluster and KUBECONFIG it drives the cluster
Vigil was installed in. It writes timeline.json (what chaos/judge.py reads), report.json, summary.txt and the
plots into the output directory, prints the summary, and exits 0 when every effect happened exactly once with no
two replicas holding one namespace at one instant, 1 when not, 2 on a usage or set-up error.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "loadtest"))
sys.path.insert(0, str(REPO / "chaos"))

import judge  # noqa: E402
from vigil_load import report  # noqa: E402
from vigil_load.observe import HealthServer, Receiver, Sampler  # noqa: E402
from vigil_load.scenario import ScenarioError, load  # noqa: E402
from vigil_load.workload import Kube, Workload  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def settled(sampler: Sampler, endpoints: dict[str, str]) -> dict | None:
    """Every replica named answers /shards with one committed epoch whose members are exactly those replicas."""
    with sampler.lock:
        maps = [sampler.shards.get(r) for r in endpoints]
    if not endpoints or any(m is None for m in maps):
        return None
    want = sorted(endpoints)
    if all(sorted(m.get("members") or []) == want and m.get("epoch") == m.get("committedEpoch") and m.get("phase") == "active"
           for m in maps) and len({m["epoch"] for m in maps}) == 1:
        return maps[0]
    return None


class Run:
    def __init__(self, scenario, target):
        self.s = scenario
        self.target = target
        self.op = threading.Lock()  # one replica operation at a time (a step, a kill, a fault)
        self.stop = threading.Event()
        self.changes: list[dict] = []
        self.faults: list[dict] = []
        self.errors: list[str] = []
        self.usage: dict[str, dict] = {}
        self.chaos_done = threading.Event()
        self.faults_done = threading.Event()

    def wait_settled(self, sampler: Sampler, timeout: float) -> float | None:
        start = time.time()
        while time.time() - start < timeout and not self.stop.is_set():
            if settled(sampler, self.target.endpoints()):
                return time.time() - start
            time.sleep(0.25)
        return None

    def replica_steps(self, sampler: Sampler, namespaces: set[str]) -> None:
        current = self.s.replicas[0].count
        for step in self.s.replicas[1:]:
            if self.stop.wait(max(0.0, self.t0 + step.at - time.time())):
                return
            before = sampler.owners()
            with self.op:
                began = time.time()
                at = began - self.t0
                log(f"replicas {current} → {step.count}")
                self.target.set_replicas(step.count)  # locally, returns once the leaving replicas have exited
            settled_after = self.wait_settled(sampler, 90)
            commit = None if settled_after is None else time.time() - began
            time.sleep(1.5)  # a round or two under the new map
            after = sampler.owners()
            judged = [n for n in namespaces if n in before and n in after]
            moved = sum(1 for n in judged if before[n] != after[n])
            ideal = abs(step.count - current) / max(step.count, current)
            frac = moved / len(judged) if judged else 0.0

            def balance(owners):
                counts: dict[str, int] = {}
                for n in namespaces:
                    if n in owners:
                        counts[owners[n]] = counts.get(owners[n], 0) + 1
                return round(max(counts.values()) / (sum(counts.values()) / len(counts)), 3) if counts else None
            self.changes.append({"at": at, "from": current, "to": step.count,
                                 "commitSeconds": round(commit, 2) if commit is not None else None,
                                 "judged": len(judged), "moved": moved, "movedFraction": frac, "idealFraction": ideal,
                                 "movedRatio": round(frac / ideal, 3) if ideal else None,
                                 "balanceBefore": balance(before), "balanceAfter": balance(after)})
            current = step.count

    def chaos(self, sampler: Sampler) -> None:
        try:
            self._chaos(sampler)
        finally:
            self.chaos_done.set()

    def _chaos(self, sampler: Sampler) -> None:
        c = self.s.chaos
        if not c.kills or self.stop.wait(max(0.0, self.t0 + c.start - time.time())):
            return
        done = 0
        while done < c.kills and not self.stop.is_set():
            with sampler.lock:
                shards = dict(sampler.shards)
            with self.op:
                victims = self.target.kill(c.target, shards)
            done += max(1, len(victims))
            for v in victims:
                log(f"SIGKILL {v['replica']}{' (leader)' if v['leader'] else ''} ({done}/{c.kills})")
            if self.stop.wait(c.every):
                return

    def faults_at(self, sampler: Sampler) -> None:
        try:
            self._faults(sampler)
        finally:
            self.faults_done.set()

    def _faults(self, sampler: Sampler) -> None:
        for f in sorted(self.s.chaos.faults, key=lambda f: f.at):
            if self.stop.wait(max(0.0, self.t0 + f.at - time.time())):
                return
            at = time.time() - self.t0
            with sampler.lock:
                shards = dict(sampler.shards)
            if f.kind == "zombie":
                z = self.target.zombie(f.duration, shards)
                what = f"{z['replica']} SIGSTOPped for {f.duration:g} s, then SIGCONT" if z else "zombie: skipped"
            else:
                what = self.target.fault(f)
            log(f"fault: {what}")
            self.faults.append({"at": at, "kind": f.kind, "what": what})

    def sample_usage(self, sampler: Sampler) -> None:
        while not self.stop.wait(2.0):
            with sampler.lock:
                owned = {r: len(i.get("owned") or []) for r, i in sampler.shards.items()}
            for ident, u in self.target.usage().items():
                prev = self.usage.get(ident)
                if prev is None or u["peakRss"] > prev["peakRss"]:
                    u["ownedAtPeak"] = owned.get(ident)
                else:
                    u["ownedAtPeak"] = prev.get("ownedAtPeak")
                self.usage[ident] = u


def failovers(kills: list[dict], rounds: list[dict]) -> dict:
    """Per kill: seconds until every namespace the victim had active (in the last round before) is active again."""
    times = []
    for k in kills:
        before = [r for r in rounds if r["at"] < k["at"]]
        held = set()
        for c in (before[-1]["claims"] if before else []):
            if c["replica"] == k["replica"]:
                held = set(c["active"])
        if not held:
            continue
        for r in rounds:
            if r["at"] <= k["at"]:
                continue
            active = set().union(*(set(c["active"]) for c in r["claims"])) if r["claims"] else set()
            if held <= active:
                times.append(r["at"] - k["at"])
                break
    times.sort()
    if not times:
        return {"count": 0}
    return {"count": len(times), "p50": round(judge.percentile(times, 50), 2), "p99": round(judge.percentile(times, 99), 2),
            "max": round(times[-1], 2)}


def save_evidence(kube: Kube, verdict: dict, out: Path) -> None:
    """For each duplicate or lost effect (at most 20), the resource and its namespace's Events, read before the
    run's kube-sim stops, into <out>/evidence/<namespace>.json: what the next person needs to find out why."""
    from vigil_load.workload import GROUP, PLURAL, SHORT, VERSION
    plural = {SHORT[k]: PLURAL[k] for k in PLURAL}
    effects = [d.split(" ", 1)[0] for d in verdict["duplicatesAfterDedupe"]] + verdict["lost"]
    if not effects:
        return
    (out / "evidence").mkdir(exist_ok=True)
    for effect in effects[:20]:
        kind, _, ns = effect.partition("/")
        doc = {"effect": effect}
        try:
            doc["resource"] = kube.custom.get_namespaced_custom_object(GROUP, VERSION, ns, plural[kind], "load")
            events = kube.core.list_namespaced_event(ns).items
            doc["events"] = kube.api.sanitize_for_serialization(events)
        except Exception as e:  # noqa: BLE001 (evidence is best effort: say why it is missing)
            doc["error"] = f"{type(e).__name__}: {e}"[:500]
        (out / "evidence" / f"{ns}.json").write_text(json.dumps(doc, indent=2, default=str))
    log(f"evidence for {min(20, len(effects))} broken effect(s) in {out / 'evidence'}")


def stop_on_sigterm(signum, frame):
    """SIGTERM (a CI time-out, `kill`): stop like Ctrl-C, so the finally block stops every process the run started."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    p = argparse.ArgumentParser(description="Run a Vigil load-test or chaos scenario and judge it.")
    p.add_argument("scenario", nargs="?", default=os.environ.get("SCENARIO"), help="scenario YAML (or SCENARIO=…)")
    p.add_argument("--out", help="output directory (default loadtest/results/<scenario>-<time>)")
    p.add_argument("--keep", action="store_true", help="cluster target: leave the namespaces created")
    a = p.parse_args()
    if not a.scenario:
        p.error("name a scenario: loadtest/run.py loadtest/scenarios/mixed.yaml (or SCENARIO=…)")
    try:
        s = load(a.scenario)
    except ScenarioError as e:
        print(f"loadtest: {e}", file=sys.stderr)
        return 2
    out = Path(a.out) if a.out else REPO / "loadtest" / "results" / f"{s.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    mode = os.environ.get("VIGIL_TARGET", "local")
    try:
        if mode == "local":
            from vigil_load.local import LocalTarget
            target = LocalTarget(out / "run", s, REPO)
        elif mode == "cluster":
            from vigil_load.cluster import ClusterTarget
            target = ClusterTarget(s, log)
        else:
            raise RuntimeError(f"VIGIL_TARGET={mode!r}: use local (the default) or cluster")
    except RuntimeError as e:
        print(f"loadtest: {e}", file=sys.stderr)
        return 2
    bind = os.environ.get("VIGIL_LOAD_BIND", "127.0.0.1")
    host = os.environ.get("VIGIL_LOAD_HOST", "127.0.0.1")
    run = Run(s, target)
    receiver = health = None
    threads: list[threading.Thread] = []
    workload = None
    try:
        log(f"scenario {s.name}: {s.total_namespaces} namespaces {s.namespaces}; target {mode}; output {out}")
        kubeconfig = target.start()
        kube = Kube(kubeconfig)
        missing = kube.crds_served()
        if missing:
            raise RuntimeError(f"the cluster does not serve {', '.join(missing)}: kubectl apply -f deploy/crds")
        if mode == "cluster" and (s.namespaces["counterMeasure"] or s.namespaces["memoryScaler"]):
            nodes = [n.metadata.name for n in kube.core.list_node().items]
            if "sim-node-1" not in nodes:
                raise RuntimeError("CounterMeasure and MemoryScaler triggers use kube-sim's simulated memory "
                                   "(sim.vigil.dev/memory); on a real cluster set namespaces.counterMeasure and "
                                   "namespaces.memoryScaler to 0 (loadtest/scenarios/kind.yaml)")
        receiver = Receiver(bind, s.webhook_fail_first)
        prefix = "lt" + uuid.uuid4().hex[:4]
        workload = Workload(kube, s, prefix, f"http://{host}:{receiver.port}", "")
        health = HealthServer(workload.health_status, bind)
        workload.health_url = f"http://{host}:{health.port}"
        namespaces = set(workload.namespaces)
        sampler = Sampler(target.endpoints, 5.0, namespaces)
        if mode == "local" or s.replicas[0].count:
            target.set_replicas(s.replicas[0].count)
        t = threading.Thread(target=sampler.run, args=(run.stop,), daemon=True, name="sampler")
        t.start()
        threads.append(t)
        if run.wait_settled(sampler, 90) is None:
            raise RuntimeError(f"the replicas did not settle on one shard map within 90 s: {target.endpoints()}")
        run.t0 = time.time()
        sim_requests0 = target.api_requests()
        sim_cpu0 = target.sim_cpu()
        for fn, args in ((workload.watch_pods, (run.stop,)), (workload.pull_triggers, (run.t0, run.stop)),
                         (run.replica_steps, (sampler, namespaces)), (run.chaos, (sampler,)),
                         (run.faults_at, (sampler,)), (run.sample_usage, (sampler,))):
            t = threading.Thread(target=fn, args=args, daemon=True, name=fn.__name__)
            t.start()
            threads.append(t)
        created = workload.create(run.t0)
        log(f"created {s.total_namespaces} namespaces and their resources in {created:.1f} s"
            + (" — longer than triggers.start: the first triggers are late" if created > s.trigger_start else ""))
        deadline = run.t0 + s.last_trigger + s.settle
        want = {e["effect"] for e in workload.expected()}
        last_report = 0.0
        while time.time() < deadline:
            got = {d["effect"] for d in receiver.deliveries()} | {d["effect"] for d in workload.limits}
            steps_done = len(run.changes) == len(s.replicas) - 1 and run.chaos_done.is_set() and run.faults_done.is_set()
            if want <= got and steps_done and time.time() > run.t0 + s.last_trigger:
                break
            if time.time() - last_report > 10:
                log(f"{len(want & got)}/{len(want)} effects delivered")
                last_report = time.time()
            time.sleep(1)
        time.sleep(3)  # late duplicates
        run.stop.set()
        end = time.time()  # the sampler's last round
        for t in threads:
            t.join(40)
        deliveries = receiver.deliveries() + list(workload.limits)
        # Raw MemoryScaler re-deliveries: resize writes beyond the steps seen (the same resize repeated).
        for ns, n in target.resize_requests().items():
            steps = [d for d in workload.limits if d["effect"] == f"msc/{ns}"]
            deliveries += [dict(steps[-1])] * max(0, n - len(steps)) if steps else []
        expected = workload.expected(target.first_visible(end - run.t0))
        with workload.lock:
            born = dict(workload.created_at)
        timeline = {"expected": expected, "deliveries": deliveries, "rounds": sampler.rounds,
                    "namespaces": sorted(namespaces), "created": born, "end": end}
        (out / "timeline.json").write_text(json.dumps(timeline))
        verdict = judge.judge(timeline)
        save_evidence(kube, verdict, out)
        api = target.api_requests()
        triggers = [e["triggerAt"] for e in expected if e["triggerAt"] is not None]
        firsts = [d["at"] for d in deliveries]
        data = {"t0": run.t0, "end": end, "target": mode, "scrapes": sampler.scrapes, "usage": run.usage,
                "createSeconds": created, "changes": run.changes, "kills": target.kills, "faults": run.faults,
                "apiRequests": (api - sim_requests0) if api is not None and sim_requests0 is not None else None,
                "simCpu": (target.sim_cpu() - sim_cpu0) if sim_cpu0 is not None else None,
                "firstTrigger": min(triggers) if triggers else None, "lastAction": max(firsts) if firsts else None,
                "failover": failovers(target.kills, sampler.rounds), "errors": workload.errors + run.errors,
                "unexpectedExits": target.unexpected_exits(), "simStats": target.sim_stats(),
                "prometheus": target.prometheus_health(end - run.t0)}
        rep = report.build(s, verdict, data)
        rep["plots"] = report.plots(out, data, expected, deliveries) or ["latency.png", "shards.png"]
        rep["setup"] = target.describe()
        (out / "report.json").write_text(json.dumps(rep, indent=2))
        text = report.summary(rep, judge.summary(verdict))
        (out / "summary.txt").write_text(text + "\n")
        print(json.dumps(rep, indent=2))
        print(text)
        print(f"results in {out}")
        return 0 if rep["clean"] else 1
    except (RuntimeError, OSError) as e:
        print(f"loadtest: {e}", file=sys.stderr)
        traceback.print_exc()
        return 2
    except KeyboardInterrupt as e:
        print(f"loadtest: interrupted ({e}); stopping what the run started", file=sys.stderr)
        return 130
    finally:
        run.stop.set()
        if workload is not None and mode == "cluster" and not a.keep:
            workload.delete_all()
        target.close()
        for srv in (receiver, health):
            if srv:
                srv.close()


if __name__ == "__main__":
    sys.exit(main())
