"""A real Prometheus scraping kube-sim's /metrics/cadvisor (needs simulated workloads).

Requires the Debian `prometheus` package (/usr/bin/prometheus); CI installs it. Missing -> FAIL."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml

from conftest import wait_until, free_port, stop_process

pytestmark = pytest.mark.workloads
PROMETHEUS = "/usr/bin/prometheus"


@pytest.fixture(scope="module")
def prometheus(sim, tmp_path_factory):
    binary = PROMETHEUS if Path(PROMETHEUS).exists() else shutil.which("prometheus")
    if not binary:
        pytest.fail(f"{PROMETHEUS} not found: install it with `apt-get install prometheus` (CI installs it)",
                    pytrace=False)
    d = tmp_path_factory.mktemp("prometheus")
    target = urlparse(sim.url).netloc
    cfg = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
           "scrape_configs": [{"job_name": "kube-sim-cadvisor", "metrics_path": "/metrics/cadvisor",
                               "scrape_interval": "1s", "scrape_timeout": "900ms",
                               "static_configs": [{"targets": [target]}]}]}
    (d / "prometheus.yml").write_text(yaml.safe_dump(cfg))
    port = free_port()
    log = open(d / "prometheus.log", "wb")
    p = subprocess.Popen([binary, f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
                          f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def ready():
        if p.poll() is not None:
            pytest.fail(f"prometheus exited {p.returncode}: {(d / 'prometheus.log').read_text()[-2000:]}")
        try:
            return requests.get(f"{url}/-/ready", timeout=1).status_code == 200
        except requests.RequestException:
            return False
    wait_until(ready, 30, what="prometheus /-/ready")
    yield url
    stop_process(p, 10)
    log.close()


def query(url, q):
    r = requests.get(f"{url}/api/v1/query", params={"query": q}, timeout=5)
    r.raise_for_status()
    return r.json()["data"]["result"]


def test_scrape_target_up(prometheus):
    res = wait_until(lambda: query(prometheus, 'up{job="kube-sim-cadvisor"}'), 15, what="up series")
    wait_until(lambda: query(prometheus, 'up{job="kube-sim-cadvisor"} == 1'), 15,
               what=f"kube-sim target up (got {res})")


def test_container_memory_working_set(sim, prometheus, ns):
    sim.create({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "mem", "annotations": {"sim.vigil.dev/memory": "200Mi"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}, ns)
    q = f'container_memory_working_set_bytes{{namespace="{ns}",pod="mem",container="app"}}'

    def value():
        res = query(prometheus, q)
        return res and float(res[0]["value"][1]) == 209715200 and res
    res = wait_until(value, 30, interval=0.5, what=f"{q} == 209715200 (last: {query(prometheus, q)})")
    labels = res[0]["metric"]
    assert labels["namespace"] == ns and labels["pod"] == "mem" and labels["container"] == "app", labels
