#!/usr/bin/env python3
"""The official Python `kubernetes` client doing the same work as
kube-client-bench, for a side-by-side ratio. Prints one JSON object.

usage: bench_python_client.py URL NAMESPACE GETS EVENTS_FILE
  GETS         sequential GETs of configmap "bench" over one keep-alive connection
  EVENTS_FILE  a recorded watch stream (one event a line), decoded as the
               client decodes every event it streams (Watch.unmarshal_event
               into V1Pod)
"""
import json
import sys
import time

from kubernetes import client, watch


def main():
    url, namespace, gets, events_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cfg = client.Configuration()
    cfg.host = url
    api = client.CoreV1Api(client.ApiClient(cfg))
    api.read_namespaced_config_map("bench", namespace)  # warm up the connection
    t0 = time.perf_counter()
    for _ in range(gets):
        api.read_namespaced_config_map("bench", namespace)
    get_s = time.perf_counter() - t0

    with open(events_file, "rb") as f:
        lines = [l.decode("utf-8") for l in f.read().split(b"\n") if l.strip()]
    w = watch.Watch()
    t0 = time.perf_counter()
    names = 0
    for line in lines:
        ev = w.unmarshal_event(line, "V1Pod")
        if ev["object"].metadata.name:
            names += 1
    decode_s = time.perf_counter() - t0
    print(json.dumps({"getsPerSecond": round(gets / get_s, 1), "watchEventsDecodedPerSecond": round(len(lines) / decode_s, 1),
                      "decodedEvents": len(lines), "named": names}))


if __name__ == "__main__":
    main()
