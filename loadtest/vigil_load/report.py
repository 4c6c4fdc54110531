"""The run's figures (JSON), its summary (text) and its plots (gnuplot) from what the runner collected."""
from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from .observe import metric_sum


def _delta(scrapes: list[dict], name: str, start: float, end: float, **labels) -> dict[str, float]:
    """Per replica: the counter's growth between the scrapes nearest `start` and `end` (a replica that started late
    counts from its first scrape)."""
    by: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for s in scrapes:
        by[s["replica"]].append((s["at"], metric_sum(s["values"], name, **labels)))
    out = {}
    for replica, seq in by.items():
        inside = [v for at, v in seq if start <= at <= end]
        before = [v for at, v in seq if at < start]
        if not inside:
            continue
        first = before[-1] if before else 0.0 if seq[0][0] >= start else inside[0]
        out[replica] = max(0.0, inside[-1] - first)
    return out


def _rate(scrapes: list[dict], name: str, start: float, end: float) -> dict[str, tuple[float, float]]:
    """Per replica: the counter's growth per second between its first and last scrape inside [start, end], and
    the seconds between those scrapes."""
    by: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for s in scrapes:
        if start <= s["at"] <= end:
            by[s["replica"]].append((s["at"], metric_sum(s["values"], name)))
    return {r: ((seq[-1][1] - seq[0][1]) / (seq[-1][0] - seq[0][0]), seq[-1][0] - seq[0][0]) for r, seq in by.items()
            if len(seq) >= 2 and seq[-1][0] > seq[0][0]}


def build(scenario, verdict: dict, run: dict) -> dict:
    """Everything the run measured, as one JSON object."""
    scrapes = run["scrapes"]
    start, end = run["t0"] + scenario.trigger_start, run["end"]
    effects = verdict["delivered"]
    window = max(1e-9, run["lastAction"] - run["firstTrigger"]) if run.get("lastAction") else None
    rates = _rate(scrapes, "vigil_prometheus_requests_total", start, end)
    queries = {r: round(v * scenario.poll, 2) for r, (v, _) in sorted(rates.items())}
    expressions = int(max((metric_sum(s["values"], "vigil_prometheus_expressions") for s in scrapes), default=0))
    actions = _delta(scrapes, "vigil_actions_total", run["t0"], end)
    vigil_api = sum(_delta(scrapes, "vigil_api_requests_total", run["t0"], end).values())
    # What one replica owning every kind asks per interval: the alerts request (alert-triggered CounterMeasures),
    # the one threshold expression all PromQL CounterMeasures share, and MemoryScaler's one query.
    distinct = (2 if scenario.namespaces["counterMeasure"] else 0) + (1 if scenario.namespaces["memoryScaler"] else 0)
    # Polls run on a timer and scrapes every 5 s, so the stretch between two scrapes may hold one round of polls
    # more than it has intervals: a replica is within when its polls ≤ distinct × (intervals + 1). For a replica
    # killed after a few scrapes that one round is a large share of its rate, so the slack is per replica.
    within = all(v * span <= distinct * (span / scenario.poll + 1) for v, span in rates.values())
    depth: dict[str, float] = defaultdict(float)
    for s in scrapes:
        depth[s["replica"]] = max(depth[s["replica"]], metric_sum(s["values"], "workqueue_depth"))
    usage = run["usage"]
    report = {
        "scenario": scenario.name, "target": run["target"], "namespaces": scenario.total_namespaces,
        "interval": scenario.interval, "poll": scenario.poll, "healthCheckEvery": scenario.hc_every,
        "maxRunsPerMinute": scenario.max_runs_per_minute if run["target"] == "local" else "the installed vigil.yaml's",
        "perKind": scenario.namespaces, "replicaSteps": [{"at": s.at, "count": s.count} for s in scenario.replicas],
        "createSeconds": round(run["createSeconds"], 1),
        "effects": {k: verdict[k] for k in ("expected", "delivered", "deliveries", "rawRedeliveries")},
        "duplicatesAfterDedupe": len(verdict["duplicatesAfterDedupe"]), "lost": len(verdict["lost"]),
        "unexpected": len(verdict["unexpected"]), "overlaps": len(verdict["overlaps"]),
        "latency": verdict["latency"],
        "latencyFromVisible": verdict["latencyFromVisible"] if verdict.get("visibleKnown") else None,
        "actionsPerSecond": round(effects / window, 1) if window else None,
        "prometheusQueriesPerIntervalPerReplica": queries,
        "distinctQueriesPerReplica": distinct,
        "prometheusExpressionsMax": expressions,
        "queriesWithinDistinct": within,
        "apiRequestsPerAction": round(vigil_api / effects, 2) if effects else None,
        "kubeSimRequestsPerAction": (round(run["apiRequests"] / effects, 2) if run.get("apiRequests") and effects else None),
        "actionsPerReplica": {r: int(v) for r, v in sorted(actions.items())},
        "queueDepthMaxPerReplica": {r: int(v) for r, v in sorted(depth.items())},
        "replicas": usage,
        "kubeSimCpuSeconds": run.get("simCpu"),
        "kubeSimRequests": run.get("simStats"),
        "prometheusScrapes": run.get("prometheus"),
        "replicaChanges": run["changes"], "kills": run["kills"], "faults": run["faults"],
        "longestUnowned": verdict["longestUnowned"],
        "failoverSeconds": run.get("failover"),
        "unexpectedExits": run["unexpectedExits"],
        "clean": verdict["clean"] and verdict["delivered"] == verdict["expected"] and not run["unexpectedExits"],
        "errors": run["errors"][:20],
    }
    return report


def summary(report: dict, judged: str) -> str:
    r = report
    lines = [f"== loadtest {r['scenario']} ({r['target']}): {r['namespaces']} namespaces {r['perKind']}, "
             f"replica steps {[(s['at'], s['count']) for s in r['replicaSteps']]}",
             f"created in {r['createSeconds']} s; actions/s {r['actionsPerSecond']} (action cap "
             f"actions.maxRunsPerMinute: {r['maxRunsPerMinute']}, 0 = none); "
             f"Vigil's API requests per action {r['apiRequestsPerAction']} (every request of the run, reconciles and "
             f"leases included; kube-sim saw {r['kubeSimRequestsPerAction']} per action from every client, the "
             f"runner's creates included)",
             f"Prometheus queries per interval per replica {r['prometheusQueriesPerIntervalPerReplica']}: "
             f"{'within' if r['queriesWithinDistinct'] else 'MORE THAN'} the {r['distinctQueriesPerReplica']} distinct "
             f"queries a replica owning every kind makes (alerts, the shared threshold, MemoryScaler's; "
             f"vigil_prometheus_expressions at most {r['prometheusExpressionsMax']})",
             f"queue depth max per replica {r['queueDepthMaxPerReplica']}; actions per replica {r['actionsPerReplica']}"]
    for ident, u in sorted(r["replicas"].items()):
        lines.append(f"  replica {ident}: peak RSS {u['peakRss'] / 2**20:.1f} MiB at {u.get('ownedAtPeak', '?')} "
                     f"namespaces owned, CPU {u['cpu']:.1f} s")
    if r["kubeSimCpuSeconds"] is not None:
        lines.append(f"kube-sim CPU {r['kubeSimCpuSeconds']:.1f} s")
    if r.get("prometheusScrapes"):
        p = r["prometheusScrapes"]
        lines.append(f"Prometheus scrapes of kube-sim: {p.get('upFraction')} succeeded, longest {p.get('scrapeSecondsMax')} s "
                     f"(timeout {0.9 * r['interval']:.1f} s), {p.get('seriesScraped')} samples per scrape")
    if r.get("kubeSimRequests") and r["kubeSimRequests"].get("byResource"):
        top = sorted(r["kubeSimRequests"]["byResource"].items(), key=lambda kv: -kv[1])[:8]
        lines.append("kube-sim requests by resource (every client, whole run): " + ", ".join(f"{k} {v}" for k, v in top))
    for c in r["replicaChanges"]:
        lines.append(f"replicas {c['from']} → {c['to']} at {c['at']:.0f} s: shard map committed after "
                     f"{c['commitSeconds']} s; moved {c['moved']} of {c['judged']} namespaces "
                     f"({c['movedFraction']:.3f}, ideal {c['idealFraction']:.3f}, ratio {c['movedRatio']}); "
                     f"balance max/mean {c['balanceBefore']} → {c['balanceAfter']}")
    if r["kills"]:
        f = r["failoverSeconds"] or {}
        lines.append(f"SIGKILLs {len(r['kills'])} ({sum(1 for k in r['kills'] if k['leader'])} of the leader); "
                     f"failover (kill → every namespace active again) p50 {f.get('p50')} s, p99 {f.get('p99')} s, "
                     f"max {f.get('max')} s over {f.get('count', 0)}")
    for fault in r["faults"]:
        lines.append(f"fault at {fault['at']:.0f} s: {fault['what']}")
    lines.append(judged)
    for e in r["unexpectedExits"]:
        lines.append(f"  CRASH: {e}")
    for e in r["errors"]:
        lines.append(f"  runner error: {e}")
    lines.append("RESULT: " + ("clean" if r["clean"] else "BROKEN"))
    return "\n".join(lines)


def plots(out: Path, run: dict, expected: list[dict], deliveries: list[dict]) -> list[str]:
    """latency.png (trigger → first action over the run, per kind) and shards.png (actions per replica over time)."""
    if not shutil.which("gnuplot"):
        return ["gnuplot not found (apt-get install gnuplot): no plots"]
    t0 = run["t0"]
    first: dict[str, float] = {}
    for d in sorted(deliveries, key=lambda d: d["at"]):
        first.setdefault(d["effect"], d["at"])
    kinds = sorted({e["kind"] for e in expected})
    for k in kinds:
        with open(out / f"latency-{k}.dat", "w") as f:
            for e in expected:
                if e["kind"] == k and e["effect"] in first and e["triggerAt"] is not None:
                    f.write(f"{e['triggerAt'] - t0:.3f} {first[e['effect']] - e['triggerAt']:.3f}\n")
    replicas = sorted({s["replica"] for s in run["scrapes"]})
    for i, rep in enumerate(replicas):
        with open(out / f"shard-{i}.dat", "w") as f:
            prev = None
            for s in (x for x in run["scrapes"] if x["replica"] == rep):
                v = metric_sum(s["values"], "vigil_actions_total")
                if prev is not None and s["at"] > prev[0]:
                    f.write(f"{s['at'] - t0:.1f} {(v - prev[1]) / (s['at'] - prev[0]):.3f}\n")
                prev = (s["at"], v)
    lat = ", ".join(f"'{out}/latency-{k}.dat' using 1:2 with points title '{k}'" for k in kinds)
    shard = ", ".join(f"'{out}/shard-{i}.dat' using 1:2 with linespoints title '{r}'" for i, r in enumerate(replicas))
    script = f"""set terminal png size 1000,500
set output '{out}/latency.png'
set title 'trigger → action latency'
set xlabel 'trigger, seconds since start'
set ylabel 'seconds'
plot {lat or "0 notitle"}
set output '{out}/shards.png'
set title 'actions per second, per replica (shard)'
set xlabel 'seconds since start'
set ylabel 'actions/s'
plot {shard or "0 notitle"}
"""
    (out / "plots.gp").write_text(script)
    r = subprocess.run(["gnuplot", str(out / "plots.gp")], capture_output=True, text=True)
    return [] if r.returncode == 0 else [f"gnuplot: {r.stderr.strip()[:300]}"]
