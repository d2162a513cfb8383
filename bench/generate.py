"""A scale corpus: N articles of realistic shape made by recombining and lightly varying
the sample articles' lines (headings, paragraphs, comment blocks), deterministic for a seed.

    python bench/generate.py OUT_DIR N [--seed 1]
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SPINS = [("过程中", "进展中"), ("第一时间", "之一时间"), ("措施", "措"), ("重要", "要紧")]


def corpus_lines() -> tuple[list[str], list[list[str]]]:
    lines, comments = [], []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(text):
            if line.startswith("头像") and i + 1 < len(text):
                comments.append([line, text[i + 1]])
            elif line.strip() and not line.startswith("头像"):
                lines.append(line.strip())
    return lines, comments


def make_article(rng: random.Random, lines: list[str], comments: list[list[str]]) -> str:
    start = rng.randrange(len(lines))
    body = lines[start:start + rng.randint(8, 30)]
    body += rng.sample(lines, rng.randint(2, 8))  # recombined paragraphs
    if rng.random() < 0.3:
        a, b = rng.sample(range(len(body)), 2)
        body[a], body[b] = body[b], body[a]
    text = "\n\n".join(body)
    for plain, spun in SPINS:
        if rng.random() < 0.3:
            text = text.replace(plain, spun)
    if rng.random() < 0.4:
        text += "\n\n精彩评论\n\n" + "\n".join(line for c in rng.sample(comments, 2) for line in c)
    return text + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines, comments = corpus_lines()
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.n):
        (args.out / f"gen{i:07d}.txt").write_text(make_article(rng, lines, comments), encoding="utf-8")


if __name__ == "__main__":
    main()
