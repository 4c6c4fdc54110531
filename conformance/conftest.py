"""Shared fixtures for the kube-sim conformance suites.

* ``sim``      -- one kube-sim per test module (port 0, temp dir, kubeconfig),
                  killed at module teardown; its stderr is attached to the report
                  of every failing test that used it.
* ``sim_factory`` -- start extra kube-sims with other flags (module scoped).
* ``kubectl``  -- parametrized over the newest and the oldest installed kubectl
                  (1.33 and 1.27); a missing binary FAILS the test.
* ``ns``       -- a fresh namespace per test (created over plain HTTP).
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "loadtest"))
from vigil_load.processes import free_port, stop_process  # noqa: E402,F401 (shared with loadtest/run.py)
GCLOUD_BIN = Path("/usr/lib/google-cloud-sdk/bin")
KUBECTL_VERSIONS = ["1.33", "1.27"]  # newest and oldest installed

_live_sims: list["Sim"] = []


# --------------------------------------------------------------------------- binary lookup

def kube_sim_binary() -> Path:
    env = os.environ.get("KUBE_SIM_BIN")
    p = Path(env) if env else REPO / ".build" / "debug" / "kube-sim"
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(
            f"kube-sim binary not found or not executable at {p} "
            f"(set KUBE_SIM_BIN or build the package so {REPO}/.build/debug/kube-sim exists)",
            pytrace=False,
        )
    return p


def kubectl_binary(version: str) -> str:
    name = f"kubectl.{version}"
    found = shutil.which(name)
    if found:
        return found
    cand = GCLOUD_BIN / name
    if cand.is_file() and os.access(cand, os.X_OK):
        return str(cand)
    pytest.fail(f"{name} not found on PATH nor in {GCLOUD_BIN}: this suite must run with it "
                f"(install the google-cloud-cli kubectl component)", pytrace=False)


# --------------------------------------------------------------------------- kube-sim process

@dataclass
class Sim:
    binary: Path
    workdir: Path
    args: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    url: str = ""
    kubeconfig: Path | None = None
    stderr_path: Path | None = None

    def start(self, timeout: float = 20.0) -> "Sim":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.kubeconfig = self.workdir / "kubeconfig"
        self.stderr_path = self.workdir / "kube-sim.stderr"
        stdout_path = self.workdir / "kube-sim.stdout"
        cmd = [str(self.binary), "--port", "0", "--kubeconfig-out", str(self.kubeconfig), *self.args]
        self._out = open(stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = stdout_path.read_text().splitlines()
            if line and line[0].startswith("http") and self.kubeconfig.exists():
                self.url = line[0].strip()
                break
            if self.proc.poll() is not None:
                pytest.fail(f"kube-sim exited with {self.proc.returncode} before listening; "
                            f"cmd={cmd}\nstderr:\n{self.stderr_tail()}", pytrace=False)
            time.sleep(0.05)
        else:
            self.stop()
            pytest.fail(f"kube-sim did not print its URL within {timeout}s; stderr:\n{self.stderr_tail()}",
                        pytrace=False)
        # The kubeconfig may be written just before/after the URL line; wait until it is complete.
        while time.monotonic() < deadline:
            try:
                if "server:" in self.kubeconfig.read_text():
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        _live_sims.append(self)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(1)  # kube-sim (11:38 build) ignores SIGTERM; don't wait long for it
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f:
                f.close()
        if self in _live_sims:
            _live_sims.remove(self)

    def stderr_tail(self, n: int = 80) -> str:
        try:
            lines = self.stderr_path.read_text(errors="replace").splitlines()
        except Exception:  # noqa: BLE001
            return "<no stderr>"
        return "\n".join(lines[-n:])

    # small HTTP helpers (for fixtures and the /sim endpoints; tests use real clients)
    def http(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.url + path, timeout=kw.pop("timeout", 10), **kw)

    _PATHS = {
        ("v1", "Pod"): "/api/v1/namespaces/{ns}/pods",
        ("v1", "ConfigMap"): "/api/v1/namespaces/{ns}/configmaps",
        ("v1", "Secret"): "/api/v1/namespaces/{ns}/secrets",
        ("apps/v1", "Deployment"): "/apis/apps/v1/namespaces/{ns}/deployments",
        ("batch/v1", "Job"): "/apis/batch/v1/namespaces/{ns}/jobs",
        ("coordination.k8s.io/v1", "Lease"): "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"):
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    }

    def create(self, obj: dict, ns: str | None = None) -> dict:
        """Set-up helper: POST an object as JSON (so a test's fixture does not depend on the client under test)."""
        path = self._PATHS[(obj["apiVersion"], obj["kind"])].format(ns=ns)
        r = self.http("POST", path, json=obj)
        assert r.status_code == 201, f"set-up POST {path}: {r.status_code} {r.text}"
        return r.json()

    def faults(self, body: dict | None) -> None:
        r = self.http("DELETE", "/sim/faults") if body is None else self.http("POST", "/sim/faults", json=body)
        assert r.status_code < 300, f"/sim/faults {body}: {r.status_code} {r.text}"


@pytest.fixture(scope="module")
def sim_factory(tmp_path_factory):
    started: list[Sim] = []
    counter = itertools.count()

    def make(*args: str) -> Sim:
        d = tmp_path_factory.mktemp(f"kube-sim-{next(counter)}")
        s = Sim(kube_sim_binary(), d, list(args)).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def sim(sim_factory, request):
    """One kube-sim per module; a module can set ``SIM_ARGS = [...]`` for extra flags."""
    return sim_factory(*getattr(request.module, "SIM_ARGS", []))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _live_sims:
        for s in _live_sims:
            rep.sections.append((f"kube-sim stderr ({s.url}, {s.workdir})", s.stderr_tail()))


# --------------------------------------------------------------------------- namespaces

_ns_counter = itertools.count()


@pytest.fixture
def ns(sim, request):
    """A fresh namespace for one test (created with a plain POST, not via the client under test)."""
    name = f"t{next(_ns_counter)}-{os.getpid() % 10000}"
    r = sim.http("POST", "/api/v1/namespaces",
                 json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert r.status_code == 201, f"creating namespace {name}: {r.status_code} {r.text}"
    return name


# --------------------------------------------------------------------------- kubectl

@dataclass
class Result:
    args: list[str]
    rc: int
    out: str
    err: str

    def __str__(self) -> str:
        return (f"$ {' '.join(self.args)}\n-> rc={self.rc}\n--- stdout ---\n{self.out}"
                f"--- stderr ---\n{self.err}")


class Kubectl:
    def __init__(self, binary: str, version: str, kubeconfig: Path, cache_dir: Path):
        self.binary = binary
        self.version = version
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir

    def base(self) -> list[str]:
        return [self.binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir)]

    def run(self, *args: str, input: str | None = None, timeout: float = 60) -> Result:
        cmd = self.base() + list(args)
        p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
        return Result(cmd, p.returncode, p.stdout, p.stderr)

    def ok(self, *args: str, input: str | None = None, timeout: float = 60) -> str:
        r = self.run(*args, input=input, timeout=timeout)
        assert r.rc == 0, f"expected success\n{r}"
        return r.out

    def fail(self, *args: str, input: str | None = None, rc: int = 1) -> Result:
        r = self.run(*args, input=input)
        assert r.rc == rc, f"expected exit code {rc}\n{r}"
        return r

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.base() + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, bufsize=1, start_new_session=True)

    def json(self, *args: str) -> dict:
        return json.loads(self.ok(*args, "-o", "json"))


@pytest.fixture(params=KUBECTL_VERSIONS, ids=lambda v: f"kubectl{v}")
def kubectl(request, sim, tmp_path) -> Kubectl:
    binary = kubectl_binary(request.param)
    return Kubectl(binary, request.param, sim.kubeconfig, tmp_path / "kube-cache")


def wait_until(fn, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``fn`` until it returns a truthy value; return it or fail with the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {last!r}", pytrace=False)


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


class VigilEndpoints:
    """What the suites ask of a running ``vigil run`` process (``self.proc``, listening on ``self.port``)."""
    proc: subprocess.Popen | None
    port: int

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def get(self, path: str) -> requests.Response | None:
        try:
            return requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=2)
        except requests.RequestException:
            return None

    def shards(self) -> dict | None:
        r = self.get("/shards")
        return r.json() if r is not None and r.status_code == 200 else None

    def ready(self) -> bool:
        r = self.get("/readyz")
        return r is not None and r.status_code == 200

    def sigkill(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

