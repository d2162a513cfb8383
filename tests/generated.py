"""Many small distinct articles made of corpus paragraphs, for tests that need a long ingest."""
from __future__ import annotations

import random
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_paragraphs() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if 20 <= len(line) <= 300:
                out.append(line)
    return out


def write_articles(folder: Path, n: int, seed: int = 1, paragraphs: tuple[int, int] = (3, 6)) -> list[Path]:
    """n .txt articles of a few random corpus paragraphs each, every one with distinct text."""
    rng = random.Random(seed)
    pool = corpus_paragraphs()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        chosen = rng.sample(pool, rng.randint(*paragraphs))
        text = f"信用卡委外催收问答第{i}篇\n\n" + "\n\n".join(chosen) + "\n"
        path = folder / f"gen_{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
