"""What a run watches: the webhook receiver (tools/webhook_receiver.py, deduplicating on webhook-id), the health
server the HealthChecks probe, each replica's /shards (the ownership rounds the chaos judge reads) and /metrics."""
from __future__ import annotations

import importlib.util
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def _receiver_module():
    spec = importlib.util.spec_from_file_location("webhook_receiver", REPO / "tools" / "webhook_receiver.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback when a SIGKILLed replica drops its connection."""
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        pass


class Receiver:
    """The demo's and the e2e suites' webhook receiver, in this process."""

    def __init__(self, host: str = "127.0.0.1", fail_first: int = 0):
        mod = _receiver_module()
        self.state = mod.State(None, fail_first, False)
        self.server = QuietServer((host, 0), mod.make_handler(self.state))
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True, name="receiver").start()

    def deliveries(self) -> list[dict]:
        """Every accepted delivery as the judge reads it: the effect is the path (/<kind>/<namespace>)."""
        with self.state.lock:
            return [{"effect": d["path"].strip("/"), "id": d["id"], "at": d["at"]} for d in self.state.deliveries]

    def close(self) -> None:
        self.server.shutdown()


class HealthServer:
    """Answers GET /hc/<namespace> with what `status(namespace)` says."""

    def __init__(self, status, host: str = "127.0.0.1"):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                code = status(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/hc/") else 404
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = QuietServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True, name="health").start()

    def close(self) -> None:
        self.server.shutdown()


class Sampler:
    """Ownership rounds (twice a second) and /metrics scrapes (every `scrape_every` s) of the replicas the target
    names; `endpoints()` returns {replica: base URL} for the replicas alive now."""

    METRICS = {
        "vigil_shard_owned_namespaces", "vigil_shard_active_namespaces", "vigil_shard_committed_epoch",
        "vigil_actions_total", "vigil_prometheus_requests_total", "vigil_prometheus_expressions", "vigil_api_requests_total", "workqueue_depth",
        "controller_reconcile_total",
    }

    def __init__(self, endpoints, scrape_every: float = 5.0, namespaces: set[str] | None = None):
        self.endpoints = endpoints
        self.scrape_every = scrape_every
        self.namespaces = namespaces
        self.rounds: list[dict] = []
        self.scrapes: list[dict] = []  # {"at", "replica", "values": {series: value}}
        self.shards: dict[str, dict] = {}  # the last /shards of each replica
        self.lock = threading.Lock()
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))

    def run(self, stop: threading.Event) -> None:
        last_scrape = 0.0
        while not stop.is_set():
            at = time.time()
            claims = []
            for replica, url in self.endpoints().items():
                sent = time.time()
                try:
                    r = self.http.get(f"{url}/shards", timeout=2)
                    received = time.time()
                    if r.status_code != 200:
                        continue
                    j = r.json()
                except (requests.RequestException, ValueError):
                    continue
                with self.lock:
                    self.shards[replica] = {k: v for k, v in j.items() if k not in ("ownedNamespaces", "activeNamespaces")}
                    self.shards[replica]["owned"] = j.get("ownedNamespaces") or []
                active = j.get("activeNamespaces") or []
                if self.namespaces is not None:
                    active = [n for n in active if n in self.namespaces]
                claims.append({"replica": replica, "sent": sent, "received": received, "active": active})
            with self.lock:
                self.rounds.append({"at": at, "claims": claims})
            if at - last_scrape >= self.scrape_every:
                last_scrape = at
                self.scrape()
            stop.wait(max(0.0, 0.5 - (time.time() - at)))

    def scrape(self) -> None:
        for replica, url in self.endpoints().items():
            try:
                r = self.http.get(f"{url}/metrics", timeout=3)
            except requests.RequestException:
                continue
            if r.status_code != 200:
                continue
            values: dict[str, float] = {}
            for line in r.text.splitlines():
                if not line or line[0] == "#":
                    continue
                m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
                if m and m.group(1) in self.METRICS:
                    try:
                        values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
                    except ValueError:
                        pass
            with self.lock:
                self.scrapes.append({"at": time.time(), "replica": replica, "values": values})

    def owners(self) -> dict[str, str]:
        """Namespace → replica, from the last round."""
        with self.lock:
            last = self.rounds[-1] if self.rounds else {"claims": []}
        return {ns: c["replica"] for c in last["claims"] for ns in c["active"]}


def metric_sum(values: dict[str, float], name: str, **labels) -> float:
    total = 0.0
    for series, v in values.items():
        if series == name or series.startswith(name + "{"):
            if all(f'{k}="{val}"' in series for k, val in labels.items()):
                total += v
    return total
