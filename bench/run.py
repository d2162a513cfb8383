"""Ingest throughput against jieba itself, on a generated corpus (not part of the tests).

    python bench/run.py [--articles 300] [--seed 1]

Prints characters per second of `jieba.lcut` and of a full ingest (decode → clean →
extract → store) with one process and with --jobs 2, each with its ratio and PASS/FAIL
against the targets of the performance issue, and the peak memory of the ingest.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def jieba_rate(texts: list[str]) -> float:
    import jieba

    jieba.lcut("预热")  # load the dictionary outside the timing
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    return sum(map(len, texts)) / (time.perf_counter() - start)


def ingest_seconds(folder: Path, db: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kb", "ingest", str(folder), "--db", str(db), "-q", "-j", str(jobs),
                    "--no-graph"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(folder), str(args.articles),
                        "--seed", str(args.seed)], check=True)
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())]
        chars = sum(map(len, texts))
        base = jieba_rate(texts)
        one = chars / ingest_seconds(folder, Path(tmp) / "one.db", 1)
        two = chars / ingest_seconds(folder, Path(tmp) / "two.db", 2)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"corpus: {args.articles} generated articles, {chars:,} characters")
    print(f"jieba.lcut:            {base:12,.0f} chars/s")
    print(f"ingest, 1 process:     {one:12,.0f} chars/s  ratio to jieba {one / base:.2f}  "
          f"(target >= 0.5: {'PASS' if one >= 0.5 * base else 'FAIL'})")
    print(f"ingest, --jobs 2:      {two:12,.0f} chars/s  speed-up {two / one:.2f}  "
          f"(target >= 1.7: {'PASS' if two >= 1.7 * one else 'FAIL'})")
    print(f"peak memory of an ingest process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
