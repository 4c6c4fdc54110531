#!/usr/bin/env python3
"""The official Python `kubernetes` client doing the same work as
kube-client-bench, for a side-by-side ratio. Prints one JSON object."""
import json
import sys
import time

from kubernetes import client, watch


def main():
    url, namespace, gets, events = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cfg = client.Configuration()
    cfg.host = url
    api = client.CoreV1Api(client.ApiClient(cfg))
    api.read_namespaced_config_map("bench", namespace)  # warm up the connection
    t0 = time.perf_counter()
    for _ in range(gets):
        api.read_namespaced_config_map("bench", namespace)
    get_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    seen = 0
    w = watch.Watch()
    for _ in w.stream(api.list_namespaced_pod, namespace, resource_version="0", timeout_seconds=120):
        seen += 1
        if seen >= events:
            w.stop()
            break
    watch_s = time.perf_counter() - t0
    print(json.dumps({"getsPerSecond": round(gets / get_s, 1), "watchEventsPerSecond": round(seen / watch_s, 1), "watchEvents": seen}))


if __name__ == "__main__":
    main()
