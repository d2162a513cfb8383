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


def _served_metadata(kb_path, cwd) -> tuple[dict, list[str]]:
    """(/-/metadata.json, the served process's command line) of `kb serve` run in `cwd`."""
    import json

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kb", "serve", str(kb_path), "--port", str(port)], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        meta = json.loads(wait_for(f"http://127.0.0.1:{port}/-/metadata.json"))
        with open(f"/proc/{proc.pid}/cmdline", "rb") as f:  # kb serve execs Datasette: the same process
            return meta, f.read().decode().split("\0")
    finally:
        proc.kill()
        proc.wait(10)


def test_kb_serve_gives_the_project_metadata_once(kb_path):
    # the plugin gives metadata.yml to the knowledge base; passed as --metadata too, every
    # metadata lookup of a page would merge two copies
    meta, cmdline = _served_metadata(kb_path, ROOT)
    assert meta["title"] == "信用卡委外催收 claims knowledge base"
    assert "--metadata" not in cmdline


def test_kb_serve_passes_a_readers_own_metadata(kb_path, tmp_path):
    (tmp_path / "metadata.yml").write_text("title: 我的催收研究\n", encoding="utf-8")
    meta, cmdline = _served_metadata(kb_path, tmp_path)
    assert meta["title"] == "我的催收研究"
    assert "--metadata" in cmdline
