"""`kb serve`: Datasette on the requested port, stopped when `kb serve` is stopped."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> bytes:
    for _ in range(150):
        try:
            return urllib.request.urlopen(url, timeout=1).read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def test_stopping_kb_serve_stops_datasette(kb_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kb", "serve", str(kb_path), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert b"claims" in wait_for(f"http://127.0.0.1:{port}/kb.json")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        with socket.socket() as s:  # nothing left listening on the port
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        proc.kill()
