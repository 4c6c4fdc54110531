"""The chaos judge (chaos/judge.py) on planted timelines: it must find each planted fault and nothing else."""
import copy
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "chaos"))
import judge  # noqa: E402


def claim(replica: str, at: float, *active: str) -> dict:
    return {"replica": replica, "sent": at, "received": at + 0.02, "active": list(active)}


def clean_timeline() -> dict:
    """Two namespaces, three replicas; ns-b hands off from r1 to r2: r1 holds it in rounds 0–1, neither in round 2
    (the drain), r2 from round 3."""
    rounds = []
    for i in range(8):
        t = float(i)
        a_owner = "r3"
        b_claims = {"r1": ("ns-b",) if t < 2 else (), "r2": ("ns-b",) if t >= 3 else ()}
        rounds.append({"at": t, "claims": [claim("r1", t, *b_claims["r1"]), claim("r2", t + 0.1, *b_claims["r2"]),
                                           claim(a_owner, t + 0.2, "ns-a")]})
    return {
        "expected": [{"effect": "nsp/ns-a", "kind": "NamespacePolicy", "namespace": "ns-a", "triggerAt": 1.0},
                     {"effect": "ctm/ns-b", "kind": "CounterMeasure", "namespace": "ns-b", "triggerAt": 2.0}],
        "deliveries": [{"effect": "nsp/ns-a", "id": "msg_1", "at": 1.5},
                       {"effect": "ctm/ns-b", "id": "msg_2", "at": 4.0},
                       {"effect": "ctm/ns-b", "id": "msg_2", "at": 4.2}],  # a retry: raw, deduplicated
        "rounds": rounds, "namespaces": ["ns-a", "ns-b"], "end": 8.0,
    }


def test_a_clean_run_is_clean_and_measured():
    v = judge.judge(clean_timeline())
    assert v["clean"], judge.summary(v)
    assert (v["expected"], v["delivered"], v["deliveries"], v["rawRedeliveries"]) == (2, 2, 3, 1)
    assert v["duplicatesAfterDedupe"] == [] and v["lost"] == [] and v["unexpected"] == [] and v["overlaps"] == []
    assert v["latency"]["NamespacePolicy"]["p99"] == 0.5 and v["latency"]["CounterMeasure"]["p50"] == 2.0
    # ns-b had no active owner from round 2 (t=2) until round 3 (t=3).
    assert v["longestUnowned"]["namespace"] == "ns-b" and v["longestUnowned"]["seconds"] == 1.0, v["longestUnowned"]


def test_latency_from_visible_starts_where_prometheus_first_showed_the_trigger():
    t = clean_timeline()
    v = judge.judge(t)
    assert v["visibleKnown"] == 0 and v["latencyFromVisible"] == v["latency"]
    assert "visible → action" not in judge.summary(v)
    t["expected"][1]["visibleAt"] = 3.5  # the pod ran at 2.0; Prometheus' first sample of it is at 3.5
    v = judge.judge(t)
    assert v["visibleKnown"] == 1
    assert v["latency"]["CounterMeasure"]["p50"] == 2.0 and v["latencyFromVisible"]["CounterMeasure"]["p50"] == 0.5
    assert v["latencyFromVisible"]["NamespacePolicy"]["p99"] == 0.5  # no visibleAt: from the trigger
    assert "visible → action, CounterMeasure: p50 0.50 s" in judge.summary(v)


def test_a_namespace_is_judged_unowned_only_from_its_creation():
    t = clean_timeline()
    for rnd in t["rounds"]:  # ns-a appears in round 3 (t=3): nobody has it before
        for c in rnd["claims"]:
            if rnd["at"] < 3:
                c["active"] = [n for n in c["active"] if n != "ns-a"]
    assert judge.judge(t)["longestUnowned"] == {"seconds": 3.0, "namespace": "ns-a", "from": 0.0}
    t["created"] = {"ns-a": 2.5}  # created half a second before its owner reported it
    u = judge.judge(t)["longestUnowned"]
    assert u == {"seconds": 1.0, "namespace": "ns-b", "from": 2.0}, u  # ns-b's hand-off is now the longest
    # A later loss of its owner is still counted from the round it was first seen without one.
    for rnd in t["rounds"]:
        if rnd["at"] in (5.0, 6.0):
            for c in rnd["claims"]:
                c["active"] = [n for n in c["active"] if n != "ns-a"]
    assert judge.judge(t)["longestUnowned"] == {"seconds": 2.0, "namespace": "ns-a", "from": 5.0}


def test_a_planted_duplicate_is_reported():
    t = clean_timeline()
    t["deliveries"].append({"effect": "nsp/ns-a", "id": "msg_9", "at": 6.0})  # the effect done again, a new id
    v = judge.judge(t)
    assert not v["clean"]
    assert v["duplicatesAfterDedupe"] == ["nsp/ns-a delivered under 2 ids: ['msg_1', 'msg_9']"]
    assert v["lost"] == [] and v["overlaps"] == []
    assert "DUPLICATE: nsp/ns-a" in judge.summary(v) and "verdict: BROKEN" in judge.summary(v)


def test_a_planted_loss_is_reported():
    t = clean_timeline()
    t["deliveries"] = [d for d in t["deliveries"] if d["effect"] != "ctm/ns-b"]
    v = judge.judge(t)
    assert not v["clean"] and v["lost"] == ["ctm/ns-b"] and v["duplicatesAfterDedupe"] == []
    assert "LOST: ctm/ns-b" in judge.summary(v)


def test_an_unexpected_effect_is_reported():
    t = clean_timeline()
    t["deliveries"].append({"effect": "hc/ns-z", "id": "msg_3", "at": 3.0})
    v = judge.judge(t)
    assert not v["clean"] and v["unexpected"] == ["hc/ns-z"]


def test_a_planted_overlap_is_reported():
    t = clean_timeline()
    # r2 claims ns-a at t=4.1 while r3 held it from round 0 to round 7 without a break.
    for rnd in t["rounds"]:
        if rnd["at"] == 4.0:
            rnd["claims"][1]["active"].append("ns-a")
    v = judge.judge(t)
    assert not v["clean"]
    assert len(v["overlaps"]) == 1 and v["overlaps"][0].startswith("ns-a: r2 held it at 4.100"), v["overlaps"]
    assert "OVERLAP: ns-a" in judge.summary(v)


def test_a_hand_off_sampled_late_is_not_an_overlap():
    t = clean_timeline()
    # r1 is asked in round 3 just before r2 (sent 2.9) and answers slowly (3.3), still naming ns-b: its answer may
    # describe an instant before r2 took ns-b at 3.1–3.12, so it proves nothing and is not an overlap.
    for rnd in t["rounds"]:
        if rnd["at"] == 3.0:
            rnd["claims"][0].update(sent=2.9, received=3.3, active=["ns-b"])
    v = judge.judge(t)
    assert v["overlaps"] == [], v["overlaps"]
    # The same answer given quickly (2.95), with r1 still naming ns-b a round later while r2 held it: an overlap.
    for rnd in t["rounds"]:
        if rnd["at"] == 3.0:
            rnd["claims"][0]["received"] = 2.95
        if rnd["at"] == 4.0:
            rnd["claims"][0]["active"] = ["ns-b"]
    v = judge.judge(t)
    assert v["overlaps"] == ["ns-b: r2 held it at 3.100–3.120 while r1 held it from 2.950 to 4.000",
                             "ns-b: r1 held it at 4.000–4.020 while r2 held it from 3.120 to 7.100"], v["overlaps"]


def test_a_namespace_given_back_later_is_not_an_overlap():
    t = clean_timeline()
    # r1 gets ns-b back at t=6 (a later shard change): r1's runs are [0, 1] and [6, 7], r2's [3, 5].
    for rnd in t["rounds"]:
        if rnd["at"] >= 6:
            rnd["claims"][0]["active"] = ["ns-b"]
            rnd["claims"][1]["active"] = []
    v = judge.judge(t)
    assert v["overlaps"] == [], v["overlaps"]


def test_a_namespace_without_owner_until_the_end_is_measured_to_the_end():
    t = clean_timeline()
    for rnd in t["rounds"]:
        if rnd["at"] >= 5:
            rnd["claims"][2]["active"] = []
    v = judge.judge(t)
    assert v["longestUnowned"] == {"seconds": 3.0, "namespace": "ns-a", "from": 5.0, "untilEnd": True}
    assert v["clean"], "no owner is measured, not a broken promise"


def test_the_command_exits_1_on_a_broken_run_and_0_on_a_clean_one(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(clean_timeline()))
    bad_t = copy.deepcopy(clean_timeline())
    bad_t["deliveries"].pop(0)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_t))
    ok = subprocess.run([sys.executable, str(REPO / "chaos" / "judge.py"), str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "verdict: clean" in ok.stdout, ok.stdout + ok.stderr
    broken = subprocess.run([sys.executable, str(REPO / "chaos" / "judge.py"), str(bad)], capture_output=True, text=True)
    assert broken.returncode == 1 and "LOST: nsp/ns-a" in broken.stdout, broken.stdout + broken.stderr
    missing = subprocess.run([sys.executable, str(REPO / "chaos" / "judge.py"), str(tmp_path / "nope.json")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read timeline" in missing.stderr
