#!/usr/bin/env python3
"""A webhook receiver for Vigil's demo and end-to-end tests.

It verifies Standard Webhooks signatures (webhook-id, webhook-timestamp,
webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">),
deduplicates on webhook-id, and reports what it saw:

  POST /<anything>   a delivery (answered 500 for the first --fail-first
                     deliveries of each webhook-id, then 204; 401 when the
                     signature is wrong)
  GET  /stats        {"deliveries", "unique", "duplicates", "badSignatures", "failedOnPurpose"}
  GET  /deliveries   every delivery, in arrival order
  GET  /requests     every POST as received (before any delay), in arrival
                     order: headers (names in lower case), body (base64), the
                     signature verdict (null without a secret), the status answered

With --steps it is a scripted peer for tests instead: the N-th POST gets the
N-th step's answer (the last step repeats): {"status", "headers", "body",
"delay" (seconds to wait before answering)}; the signature is checked and
recorded but does not decide the answer.

The secret is given as Standard Webhooks' whsec_<base64> or as raw text
(Vigil accepts both in its Secret). Prints one JSON line per delivery on
stdout when --log is set.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def key_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode()


def verify(key: bytes, msg_id: str, timestamp: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """Standard Webhooks' check; tolerance 0 skips the timestamp's age (for senders on a test clock)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if tolerance and abs(time.time() - ts) > tolerance:
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    for part in header.split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


class State:
    def __init__(self, key, fail_first, log, steps=None, tolerance=300):
        self.lock = threading.Lock()
        self.key = key
        self.fail_first = fail_first
        self.log = log
        self.steps = steps
        self.tolerance = tolerance
        self.requests = []
        self.deliveries = []
        self.attempts = {}
        self.bad = 0
        self.failed_on_purpose = 0

    def stats(self):
        with self.lock:
            ids = [d["id"] for d in self.deliveries]
            return {
                "deliveries": len(ids),
                "unique": len(set(ids)),
                "duplicates": len(ids) - len(set(ids)),
                "badSignatures": self.bad,
                "failedOnPurpose": self.failed_on_purpose,
            }


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, code, obj=None):
            body = b"" if obj is None else json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            if obj is not None:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/stats":
                self.reply(200, state.stats())
            elif self.path == "/deliveries":
                with state.lock:
                    self.reply(200, list(state.deliveries))
            elif self.path == "/requests":
                with state.lock:
                    self.reply(200, list(state.requests))
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            msg_id = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            sig = self.headers.get("webhook-signature", "")
            verified = None if state.key is None else verify(state.key, msg_id, ts, body, sig, state.tolerance)
            with state.lock:
                request = {"headers": [[k.lower(), v] for k, v in self.headers.items()],
                           "body": base64.b64encode(body).decode(), "verified": verified, "status": None}
                index = len(state.requests)
                state.requests.append(request)
            if state.steps is not None:
                self.scripted(state.steps[min(index, len(state.steps) - 1)], request)
                return
            if verified is False:
                request["status"] = 401
                with state.lock:
                    state.bad += 1
                self.reply(401, {"error": "bad signature"})
                return
            with state.lock:
                n = state.attempts.get(msg_id, 0) + 1
                state.attempts[msg_id] = n
                if n <= state.fail_first:
                    state.failed_on_purpose += 1
                    fail = True
                else:
                    fail = False
                    try:
                        payload = json.loads(body or b"{}")
                    except ValueError:
                        payload = None
                    entry = {
                        "id": msg_id, "at": time.time(), "path": self.path,
                        "idempotencyKey": self.headers.get("Idempotency-Key", ""),
                        "signed": bool(sig), "payload": payload,
                    }
                    duplicate = any(d["id"] == msg_id for d in state.deliveries)
                    state.deliveries.append(entry)
                    if state.log:
                        print(json.dumps({"delivery": msg_id, "duplicate": duplicate,
                                          "namespace": (payload or {}).get("namespace")}), flush=True)
            request["status"] = 500 if fail else 204
            if fail:
                self.reply(500, {"error": "failing on purpose", "attempt": n})
            else:
                self.reply(204)

        def scripted(self, step, request):
            request["status"] = step["status"]
            time.sleep(step.get("delay", 0))
            out = step.get("body", "").encode()
            try:
                self.send_response(step["status"])
                for k, v in step.get("headers", {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except OSError:
                pass  # the sender gave up (time-out tests)

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--secret", help="signing secret (whsec_<base64> or raw); omit to accept unsigned deliveries")
    p.add_argument("--fail-first", type=int, default=0, help="answer 500 to the first N deliveries of each webhook-id")
    p.add_argument("--log", action="store_true", help="print a JSON line per delivery")
    p.add_argument("--steps", type=json.loads, help="a JSON list of scripted answers (see above)")
    p.add_argument("--tolerance", type=int, default=300,
                   help="seconds a webhook-timestamp may be off the wall clock (0: not checked)")
    a = p.parse_args()
    if a.steps is not None and (not isinstance(a.steps, list) or not a.steps):
        p.error("--steps must be a non-empty JSON list")
    state = State(key_bytes(a.secret) if a.secret else None, a.fail_first, a.log, a.steps, a.tolerance)
    server = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(state))
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
