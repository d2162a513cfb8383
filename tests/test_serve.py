"""`kb serve`: Datasette on the requested port, stopped when `kb serve` is stopped."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys

from conftest import ROOT, free_port, wait_for


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
