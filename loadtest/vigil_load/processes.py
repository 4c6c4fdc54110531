"""Process helpers the load-test runner and the conformance suite share (conformance/conftest.py imports these)."""
from __future__ import annotations

import signal
import socket
import subprocess


def stop_process(proc: subprocess.Popen | None, grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds (nothing when there is no process or it has exited)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
