#!/usr/bin/env python3
"""The chaos judge: reads a run's timeline (written by loadtest/run.py) and says whether Vigil kept its promises.

A timeline is JSON:

  expected    [{"effect", "kind", "namespace", "triggerAt",    every effect the scenario must cause exactly once;
                "visibleAt"?}]                                 visibleAt, when known: when the trigger could first be
                                                               read where Vigil reads it (Prometheus' first sample or
                                                               firing alert for a trigger pod); else triggerAt
  deliveries  [{"effect", "id", "at"}]                         every delivery seen: a webhook at the receiver (id =
                                                               webhook-id) or a MemoryScaler step seen on the pod
                                                               (id = the limit it was raised to); one per arrival
  rounds      [{"at", "claims": [{"replica", "sent", "received", "active": [namespace…]}]}]
                                                               ownership samples: each round asks every live replica's
                                                               /shards which namespaces it may start work in now
                                                               (activeNamespaces: owned, not draining, lease held)
  namespaces  [namespace…]                                     the namespaces whose ownership is judged
  created     {namespace: time}                                when each was created (optional): a namespace is
                                                               judged unowned only from then on
  end         the end of the run (seconds since the epoch)

and prints (or returns, from `judge`):

  expected / delivered        effects expected, and those delivered at least once
  duplicatesAfterDedupe       effects delivered under more than one id: done twice, which no receiver can dedupe
  rawRedeliveries             deliveries beyond the first of one id (a retry or a resumed effect: the receiver dedupes them)
  lost                        expected effects never delivered
  unexpected                  effects delivered that the scenario did not cause
  latency                     per kind, trigger → first delivery p50 / p99 / max
  latencyFromVisible          per kind, visibleAt (or triggerAt) → first delivery: Vigil's share, without
                              Prometheus' scrape and rule-evaluation intervals
  longestUnowned              the longest stretch of rounds in which a namespace was active on no replica
  overlaps                    a namespace two replicas could both work on at one instant (see `overlaps`)

The judge is pure: it reads a timeline and returns a verdict; `python chaos/judge.py timeline.json` prints it and exits
1 when the run broke a promise (a duplicate, a loss, an unexpected effect or an overlap).
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0…100) of `values`; None when there are none."""
    if not values:
        return None
    s = sorted(values)
    rank = max(1, -(-len(s) * p // 100))  # ceil(len * p / 100), at least 1
    return s[int(rank) - 1]


def effects(timeline: dict) -> dict:
    """Expected against delivered: losses, duplicates after dedupe, raw re-deliveries, latency per kind."""
    expected = {e["effect"]: e for e in timeline.get("expected", [])}
    ids: dict[str, set[str]] = defaultdict(set)
    first: dict[str, float] = {}
    seen: set[tuple[str, str]] = set()
    raw = 0
    for d in sorted(timeline.get("deliveries", []), key=lambda d: d["at"]):
        key = (d["effect"], d["id"])
        if key in seen:
            raw += 1
        seen.add(key)
        ids[d["effect"]].add(d["id"])
        first.setdefault(d["effect"], d["at"])
    duplicates = sorted(f"{effect} delivered under {len(i)} ids: {sorted(i)}" for effect, i in ids.items() if len(i) > 1)
    lost = sorted(e for e in expected if e not in ids)
    unexpected = sorted(e for e in ids if e not in expected)
    by_kind: dict[str, list[float]] = defaultdict(list)
    from_visible: dict[str, list[float]] = defaultdict(list)
    for name, e in expected.items():
        if name in first and e.get("triggerAt") is not None:
            by_kind[e["kind"]].append(first[name] - e["triggerAt"])
        start = e.get("visibleAt") if e.get("visibleAt") is not None else e.get("triggerAt")
        if name in first and start is not None:
            from_visible[e["kind"]].append(first[name] - start)
    return {"expected": len(expected), "delivered": sum(1 for e in expected if e in ids),
            "deliveries": len(timeline.get("deliveries", [])), "rawRedeliveries": raw,
            "duplicatesAfterDedupe": duplicates, "lost": lost, "unexpected": unexpected,
            "latency": latency_table(by_kind), "latencyFromVisible": latency_table(from_visible),
            "visibleKnown": sum(1 for e in expected.values() if e.get("visibleAt") is not None)}


def latency_table(by_kind: dict[str, list[float]]) -> dict:
    """Per kind: count, p50, p99, max."""
    return {kind: {"count": len(v), "p50": percentile(v, 50), "p99": percentile(v, 99), "max": max(v)}
            for kind, v in sorted(by_kind.items())}


def overlaps(timeline: dict) -> list[str]:
    """Instants at which two replicas could both start work in one namespace.

    Every claim is a window [sent, received]: the replica reported the namespace active at some instant in it.
    A replica's claims on a namespace form *runs*: consecutive claims with no answer from that replica in between
    that left the namespace out. Within a run the replica held the namespace throughout (a hand-off away and back
    takes a drain and two shard-map commits, never unseen between two answers). So another replica's claim whose
    whole window lies strictly inside a run — after the run's first window ended and before its last one began —
    proves two replicas held the namespace at one instant. The test is conservative: it never reports a hand-off
    that was merely sampled late, since a window that straddles a run's edge is not counted.
    """
    answers: dict[str, list[tuple[float, float, frozenset]]] = defaultdict(list)
    for rnd in timeline.get("rounds", []):
        for c in rnd["claims"]:
            answers[c["replica"]].append((c["sent"], c["received"], frozenset(c["active"])))
    runs: dict[str, list[tuple[str, float, float]]] = defaultdict(list)  # namespace → (replica, start, end)
    claims: dict[str, list[tuple[str, float, float]]] = defaultdict(list)  # namespace → (replica, sent, received)
    for replica, seq in answers.items():
        seq.sort()
        current: dict[str, list[float]] = {}  # namespace → [first received, last sent] of the run in progress
        for sent, received, active in seq:
            for ns in active:
                claims[ns].append((replica, sent, received))
                if ns in current:
                    current[ns][1] = sent
                else:
                    current[ns] = [received, sent]
            for ns in [n for n in current if n not in active]:
                start, end = current.pop(ns)
                runs[ns].append((replica, start, end))
        for ns, (start, end) in current.items():
            runs[ns].append((replica, start, end))
    out = []
    for ns in sorted(runs):
        for replica, start, end in runs[ns]:
            if end <= start:
                continue
            for other, sent, received in claims[ns]:
                if other != replica and sent > start and received < end:
                    out.append(f"{ns}: {other} held it at {sent:.3f}–{received:.3f} while {replica} held it "
                               f"from {start:.3f} to {end:.3f}")
    return out


def unowned(timeline: dict) -> dict:
    """The longest stretch, over the judged namespaces, from a round in which no replica had the namespace active
    to the next round in which one had. A namespace counts from its creation (`created`, when given): before it
    exists no replica can have it active."""
    names = set(timeline.get("namespaces", []))
    created: dict[str, float] = timeline.get("created") or {}
    since: dict[str, float] = {}
    owned_once: set[str] = set()
    longest = {"seconds": 0.0, "namespace": None, "from": None}
    for rnd in sorted(timeline.get("rounds", []), key=lambda r: r["at"]):
        active = set()
        for c in rnd["claims"]:
            active.update(c["active"])
        for ns in names:
            born = created.get(ns)
            if born is not None and rnd["at"] < born:
                continue
            if ns not in active:
                # Unowned from its creation until first seen owned; later, from the first round without an owner.
                since.setdefault(ns, born if born is not None and ns not in owned_once else rnd["at"])
            else:
                owned_once.add(ns)
            if ns in active and ns in since:
                start = since.pop(ns)
                if rnd["at"] - start > longest["seconds"]:
                    longest = {"seconds": rnd["at"] - start, "namespace": ns, "from": start}
    end = timeline.get("end")
    for ns, start in since.items():  # still without an owner when the run ended
        if end is not None and end - start > longest["seconds"]:
            longest = {"seconds": end - start, "namespace": ns, "from": start, "untilEnd": True}
    return longest


def judge(timeline: dict) -> dict:
    """The verdict on one timeline."""
    v = effects(timeline)
    v["overlaps"] = overlaps(timeline)
    v["longestUnowned"] = unowned(timeline)
    v["rounds"] = len(timeline.get("rounds", []))
    v["clean"] = not (v["duplicatesAfterDedupe"] or v["lost"] or v["unexpected"] or v["overlaps"])
    return v


def summary(v: dict) -> str:
    """A few lines for a person."""
    lines = [f"effects: {v['expected']} expected, {v['delivered']} delivered ({v['deliveries']} deliveries, "
             f"{v['rawRedeliveries']} raw re-deliveries the receiver deduplicated)",
             f"duplicates after dedupe: {len(v['duplicatesAfterDedupe'])}; lost: {len(v['lost'])}; "
             f"unexpected: {len(v['unexpected'])}; overlaps: {len(v['overlaps'])}"]
    for kind, lat in v["latency"].items():
        lines.append(f"trigger → action, {kind}: p50 {lat['p50']:.2f} s, p99 {lat['p99']:.2f} s, max {lat['max']:.2f} s "
                     f"({lat['count']} effects)")
    if v.get("visibleKnown"):
        for kind, lat in v["latencyFromVisible"].items():
            lines.append(f"visible → action, {kind}: p50 {lat['p50']:.2f} s, p99 {lat['p99']:.2f} s, "
                         f"max {lat['max']:.2f} s ({lat['count']} effects)")
    u = v["longestUnowned"]
    if u.get("namespace"):
        lines.append(f"longest time a namespace had no owner: {u['seconds']:.1f} s ({u['namespace']})"
                     + (", still none at the end" if u.get("untilEnd") else ""))
    else:
        lines.append(f"every judged namespace had an owner in every one of {v['rounds']} ownership rounds")
    for title, items in (("DUPLICATE", v["duplicatesAfterDedupe"]), ("LOST", v["lost"]),
                         ("UNEXPECTED", v["unexpected"]), ("OVERLAP", v["overlaps"])):
        for item in items[:20]:
            lines.append(f"  {title}: {item}")
        if len(items) > 20:
            lines.append(f"  … and {len(items) - 20} more {title.lower()}")
    lines.append("verdict: " + ("clean" if v["clean"] else "BROKEN"))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: chaos/judge.py <timeline.json>", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            timeline = json.load(f)
    except (OSError, ValueError) as e:
        print(f"judge: cannot read timeline {argv[1]}: {e}", file=sys.stderr)
        return 2
    v = judge(timeline)
    print(json.dumps(v, indent=2))
    print(summary(v))
    return 0 if v["clean"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
