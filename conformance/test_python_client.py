"""The official Python `kubernetes` client against kube-sim: list/watch semantics, resume, 410, 409,
pagination, selectors and leader election on a Lease. kube-sim runs with --no-workloads so the event
streams contain only what the tests do."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from conftest import wait_until

SIM_ARGS = ["--no-workloads"]


def api_for(sim):
    return client.CoreV1Api(config.new_client_from_config(config_file=str(sim.kubeconfig)))


@pytest.fixture(scope="module")
def v1(sim):
    return api_for(sim)


def cm(name, data=None, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data or {"a": "1"})


def rv(obj) -> int:
    return int(obj.metadata.resource_version)


class Collector:
    """Runs ``Watch.stream`` in a thread and collects (type, name, rv) tuples."""

    def __init__(self, func, *args, **kwargs):
        self.w = watch.Watch()
        self.events: list[tuple[str, str, int]] = []
        self.error: BaseException | None = None
        self.t = threading.Thread(target=self._run, args=(func, args, kwargs), daemon=True)
        self.t.start()

    def _run(self, func, args, kwargs):
        try:
            for e in self.w.stream(func, *args, **kwargs):
                if e["type"] == "BOOKMARK":
                    continue
                o = e["object"]
                self.events.append((e["type"], o.metadata.name, int(o.metadata.resource_version)))
        except BaseException as exc:  # noqa: BLE001
            self.error = exc

    def wait_for(self, n, timeout=10.0):
        wait_until(lambda: len(self.events) >= n or self.error, timeout, what=f"{n} watch events")
        assert self.error is None, f"watch failed: {self.error!r}"
        return self.events


def test_list_then_watch_in_order(v1, ns):
    v1.create_namespaced_config_map(ns, cm("pre"))
    lst = v1.list_namespaced_config_map(ns)
    assert [i.metadata.name for i in lst.items] == ["pre"]
    list_rv = int(lst.metadata.resource_version)
    assert list_rv >= rv(lst.items[0])
    c = Collector(v1.list_namespaced_config_map, ns, resource_version=str(list_rv), timeout_seconds=20)
    time.sleep(0.3)
    for i in range(5):
        v1.create_namespaced_config_map(ns, cm(f"c{i}"))
    v1.patch_namespaced_config_map("c1", ns, {"data": {"a": "2"}})
    v1.delete_namespaced_config_map("c2", ns)
    ev = c.wait_for(7)
    c.w.stop()
    assert [(t, n) for t, n, _ in ev[:7]] == [("ADDED", "c0"), ("ADDED", "c1"), ("ADDED", "c2"), ("ADDED", "c3"),
                                             ("ADDED", "c4"), ("MODIFIED", "c1"), ("DELETED", "c2")], ev
    rvs = [r for _, _, r in ev[:7]]
    assert rvs == sorted(rvs) and len(set(rvs)) == 7 and rvs[0] > list_rv, rvs
    # the DELETED event carries the deleted object's final state at a new resourceVersion
    assert ev[6][2] > ev[5][2]


def test_watch_resumes_after_dropped_stream(sim, v1, ns):
    list_rv = v1.list_namespaced_config_map(ns).metadata.resource_version
    # no timeout_seconds: Watch.stream re-opens the watch from its last seen resourceVersion when the stream ends
    c = Collector(v1.list_namespaced_config_map, ns, resource_version=list_rv)
    try:
        time.sleep(0.3)
        for i in range(3):
            v1.create_namespaced_config_map(ns, cm(f"before{i}"))
        c.wait_for(3)
        sim.faults({"dropWatches": True})
        # changes while no watch is open must be delivered after the resume
        for i in range(3):
            v1.create_namespaced_config_map(ns, cm(f"after{i}"))
        ev = c.wait_for(6, timeout=15)
        time.sleep(0.5)
        names = [n for _, n, _ in c.events]
        assert names == [f"before{i}" for i in range(3)] + [f"after{i}" for i in range(3)], c.events
        rvs = [r for _, _, r in c.events]
        assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)
    finally:
        sim.faults(None)
        c.w.stop()
        sim.faults({"dropWatches": True})
        sim.faults(None)


def test_watch_from_compacted_rv_is_410(sim_factory, tmp_path):
    small = sim_factory("--no-workloads", "--event-window", "5")
    api = api_for(small)
    api.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="gone")))
    first = api.create_namespaced_config_map("gone", cm("x"))
    old_rv = first.metadata.resource_version
    for i in range(8):
        api.patch_namespaced_config_map("x", "gone", {"data": {"a": str(i)}})
    # raw request: a real apiserver answers 200 and sends one ERROR event with a 410 Status
    resp = api.list_namespaced_config_map("gone", watch=True, resource_version=old_rv, timeout_seconds=5,
                                          _preload_content=False)
    assert resp.status == 200
    first_line = resp.readline() if hasattr(resp, "readline") else next(resp.stream())
    resp.close()
    ev = json.loads(first_line)
    assert ev["type"] == "ERROR", ev
    st = ev["object"]
    assert st["kind"] == "Status" and st["apiVersion"] == "v1" and st["status"] == "Failure", st
    assert st["code"] == 410 and st["reason"] == "Expired", st
    assert st["message"].startswith(f"too old resource version: {old_rv} ("), st
    # kubernetes.watch.Watch surfaces it as ApiException(410) when it may not retry (timeout_seconds given)
    with pytest.raises(ApiException) as ei:
        for _ in watch.Watch().stream(api.list_namespaced_config_map, "gone", resource_version=old_rv,
                                      timeout_seconds=5):
            pass
    assert ei.value.status == 410 and "Expired: too old resource version" in ei.value.reason, ei.value
    # a fresh list gives a usable resourceVersion again
    cur = api.list_namespaced_config_map("gone").metadata.resource_version
    api.patch_namespaced_config_map("x", "gone", {"data": {"a": "final"}})
    got = next(iter(watch.Watch().stream(api.list_namespaced_config_map, "gone", resource_version=cur,
                                         timeout_seconds=5)))
    assert got["type"] == "MODIFIED" and got["object"].data == {"a": "final"}


def test_replace_with_stale_rv_is_409(v1, ns):
    v1.create_namespaced_config_map(ns, cm("cf"))
    stale = v1.read_namespaced_config_map("cf", ns)
    v1.patch_namespaced_config_map("cf", ns, {"data": {"a": "2"}})
    stale.data = {"a": "3"}
    with pytest.raises(ApiException) as ei:
        v1.replace_namespaced_config_map("cf", ns, stale)
    e = ei.value
    assert e.status == 409
    body = json.loads(e.body)
    assert body["reason"] == "Conflict" and body["code"] == 409 and body["kind"] == "Status"
    assert body["message"] == ('Operation cannot be fulfilled on configmaps "cf": the object has been modified; '
                               'please apply your changes to the latest version and try again')
    assert body["details"] == {"name": "cf", "kind": "configmaps"}
    assert v1.read_namespaced_config_map("cf", ns).data == {"a": "2"}
    # create of an existing name is 409 AlreadyExists
    with pytest.raises(ApiException) as ei:
        v1.create_namespaced_config_map(ns, cm("cf"))
    body = json.loads(ei.value.body)
    assert ei.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["message"] == 'configmaps "cf" already exists'


def test_delete_held_by_finalizer(v1, ns):
    v1.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="held", finalizers=["example.com/hold"]), data={"a": "1"}))
    resp = v1.delete_namespaced_config_map("held", ns, _preload_content=False)
    # 200 with the object, now carrying deletionTimestamp (202 only for orphanDependents=false)
    assert resp.status == 200
    body = json.loads(resp.data)
    assert body["kind"] == "ConfigMap" and body["metadata"]["deletionTimestamp"], body
    assert body["metadata"]["deletionGracePeriodSeconds"] == 0
    still = v1.read_namespaced_config_map("held", ns)
    assert still.metadata.deletion_timestamp is not None
    v1.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as ei:
        v1.read_namespaced_config_map("held", ns)
    assert ei.value.status == 404
    # an immediate delete of a ConfigMap answers a Success Status (its store does not return the object)
    uid = v1.create_namespaced_config_map(ns, cm("plain")).metadata.uid
    resp = v1.delete_namespaced_config_map("plain", ns, _preload_content=False)
    assert resp.status == 200
    assert json.loads(resp.data) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                     "details": {"name": "plain", "kind": "configmaps", "uid": uid}}


def test_pagination(v1, ns):
    for i in range(7):
        v1.create_namespaced_config_map(ns, cm(f"p{i}"))
    page = v1.list_namespaced_config_map(ns, limit=3)
    names = [i.metadata.name for i in page.items]
    assert names == ["p0", "p1", "p2"]
    assert page.metadata._continue and page.metadata.remaining_item_count == 4
    pages = 1
    while page.metadata._continue:
        page = v1.list_namespaced_config_map(ns, limit=3, _continue=page.metadata._continue)
        names += [i.metadata.name for i in page.items]
        pages += 1
    assert names == [f"p{i}" for i in range(7)] and pages == 3
    assert page.metadata.remaining_item_count is None
    with pytest.raises(ApiException) as ei:
        v1.list_namespaced_config_map(ns, limit=3, _continue="not-a-token")
    assert ei.value.status == 400 and json.loads(ei.value.body)["reason"] == "BadRequest"


def test_label_and_field_selectors(v1, ns):
    for name, tier in (("a", "fe"), ("b", "fe"), ("c", "be"), ("d", None)):
        v1.create_namespaced_config_map(ns, cm(name, labels={"tier": tier} if tier else {"x": "y"}))
    sel = lambda **kw: [i.metadata.name for i in v1.list_namespaced_config_map(ns, **kw).items]  # noqa: E731
    assert sel(label_selector="tier=fe") == ["a", "b"]
    assert sel(label_selector="tier in (fe,be)") == ["a", "b", "c"]
    assert sel(label_selector="!tier") == ["d"]
    assert sel(label_selector="tier!=fe") == ["c", "d"]
    assert sel(field_selector="metadata.name=c") == ["c"]
    assert sel(field_selector="metadata.name!=c", label_selector="tier") == ["a", "b"]
    with pytest.raises(ApiException) as ei:
        v1.list_namespaced_config_map(ns, field_selector="data.a=1")
    assert ei.value.status == 400
    # a watch with a label selector only sees matching objects; a label change out of the selector is DELETED
    lst_rv = v1.list_namespaced_config_map(ns).metadata.resource_version
    c = Collector(v1.list_namespaced_config_map, ns, label_selector="tier=fe", resource_version=lst_rv,
                  timeout_seconds=10)
    time.sleep(0.3)
    v1.create_namespaced_config_map(ns, cm("e", labels={"tier": "be"}))
    v1.create_namespaced_config_map(ns, cm("f", labels={"tier": "fe"}))
    v1.patch_namespaced_config_map("a", ns, {"metadata": {"labels": {"tier": "be"}}})
    v1.patch_namespaced_config_map("c", ns, {"metadata": {"labels": {"tier": "fe"}}})
    ev = c.wait_for(3)
    time.sleep(0.5)
    c.w.stop()
    assert [(t, n) for t, n, _ in c.events] == [("ADDED", "f"), ("DELETED", "a"), ("ADDED", "c")], c.events


# ----------------------------------------------------------------------------------------- leader election

CANDIDATE = textwrap.dedent('''
    import sys, threading, time
    from kubernetes import client, config
    from kubernetes.leaderelection import leaderelection, electionconfig
    from kubernetes.leaderelection.resourcelock.leaselock import LeaseLock

    class CountingLeaseLock(LeaseLock):
        """client-go's LeaseLock bumps spec.leaseTransitions when the holder changes; the Python one does not."""
        def get_lease_spec(self, record, current_spec=None):
            prev = current_spec.holder_identity if current_spec else None
            transitions = (current_spec.lease_transitions or 0) if current_spec else 0
            spec = super().get_lease_spec(record, current_spec)
            if prev and prev != record.holder_identity:
                transitions += 1
            spec.lease_transitions = transitions
            return spec

    kubeconfig, ns, ident, lease_s, retry_s = sys.argv[1:6]
    config.load_kube_config(config_file=kubeconfig)
    lock = CountingLeaseLock("le-lock", ns, ident)

    def lead():
        print("LEADING", ident, time.time(), flush=True)

    cfg = electionconfig.Config(lock, lease_duration=int(lease_s), renew_deadline=int(lease_s) - 1,
                                retry_period=int(retry_s), onstarted_leading=lead,
                                onstopped_leading=lambda: print("STOPPED", ident, flush=True))
    print("STARTED", ident, flush=True)
    leaderelection.LeaderElection(cfg).run()
''')

LEASE_S, RETRY_S = 4, 1


def test_leader_election_failover(sim, ns, tmp_path):
    script = tmp_path / "candidate.py"
    script.write_text(CANDIDATE)
    procs = {}
    lines: dict[str, list[str]] = {}

    def start(ident):
        p = subprocess.Popen([sys.executable, str(script), str(sim.kubeconfig), ns, ident, str(LEASE_S),
                              str(RETRY_S)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        procs[ident] = p
        lines[ident] = []
        threading.Thread(target=lambda: [lines[ident].append(l.rstrip()) for l in p.stdout], daemon=True).start()

    def leading(ident):
        return any(l.startswith("LEADING") for l in lines[ident])

    coord = client.CoordinationV1Api(config.new_client_from_config(config_file=str(sim.kubeconfig)))
    try:
        start("cand-a")
        wait_until(lambda: leading("cand-a"), 15, what="cand-a to lead")
        start("cand-b")
        wait_until(lambda: any(l.startswith("STARTED") for l in lines["cand-b"]), 15, what="cand-b to start")
        time.sleep(LEASE_S + 2 * RETRY_S)  # b must keep following while a renews
        assert not leading("cand-b"), lines
        lease = coord.read_namespaced_lease("le-lock", ns)
        assert lease.spec.holder_identity == "cand-a"
        assert lease.spec.lease_duration_seconds == LEASE_S
        assert lease.spec.lease_transitions == 0
        now = dt.datetime.now(dt.timezone.utc)
        assert abs((now - lease.spec.renew_time).total_seconds()) < RETRY_S + 1.5, (now, lease.spec)
        assert lease.spec.acquire_time <= lease.spec.renew_time

        procs["cand-a"].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: leading("cand-b"), LEASE_S + RETRY_S + 5, interval=0.05, what="cand-b to take over")
        took = time.monotonic() - killed
        # takeover within lease duration + retry period (+0.5 s for process/HTTP scheduling)
        assert took <= LEASE_S + RETRY_S + 0.5, f"took {took:.2f}s"
        lease = coord.read_namespaced_lease("le-lock", ns)
        assert lease.spec.holder_identity == "cand-b"
        assert lease.spec.lease_transitions == 1
        now = dt.datetime.now(dt.timezone.utc)
        assert abs((now - lease.spec.renew_time).total_seconds()) < RETRY_S + 1.5, (now, lease.spec)
        assert lease.spec.acquire_time <= lease.spec.renew_time
        # the new leader keeps renewing
        r1 = lease.spec.renew_time
        time.sleep(RETRY_S * 2 + 0.5)
        assert coord.read_namespaced_lease("le-lock", ns).spec.renew_time > r1
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
            p.wait(5)
