"""A scale corpus: N articles of realistic shape made by recombining and lightly varying
the sample articles' lines (headings, paragraphs, comment blocks), deterministic for a seed.

    python bench/generate.py OUT_DIR N [--seed 1]

What the content farms do is in it: near-duplicate copies of an earlier article with a
few edits (COPY_SHARE of the articles), whole articles in traditional script
(TRADITIONAL_SHARE), spun phrases and reader comments; the garbling of the sample lines
(pinyin readings, mojibake runs, deleted words) comes with them.
"""
from __future__ import annotations

import argparse
import random
from collections import deque
from pathlib import Path

import opencc

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SPINS = [("过程中", "进展中"), ("第一时间", "之一时间"), ("措施", "措"), ("重要", "要紧")]
COPY_SHARE = 0.1
TRADITIONAL_SHARE = 0.05
RECENT = 500  # copies are made of one of the last RECENT articles (memory stays flat)


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


def spin(rng: random.Random, text: str, share: float = 0.3) -> str:
    for plain, spun in SPINS:
        if rng.random() < share:
            text = text.replace(plain, spun)
    return text


def make_article(rng: random.Random, lines: list[str], comments: list[list[str]]) -> str:
    start = rng.randrange(len(lines))
    body = lines[start:start + rng.randint(8, 30)]
    body += rng.sample(lines, rng.randint(2, 8))  # recombined paragraphs
    if rng.random() < 0.3:
        a, b = rng.sample(range(len(body)), 2)
        body[a], body[b] = body[b], body[a]
    text = spin(rng, "\n\n".join(body))
    if rng.random() < 0.4:
        text += "\n\n精彩评论\n\n" + "\n".join(line for c in rng.sample(comments, 2) for line in c)
    return text + "\n"


def near_copy(rng: random.Random, text: str, lines: list[str]) -> str:
    """A republication: a new first line, a paragraph dropped, a line of its own added,
    phrases spun."""
    paragraphs = text.rstrip("\n").split("\n\n")
    paragraphs[0] = rng.choice(lines)
    if len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    paragraphs.insert(rng.randint(1, len(paragraphs)), rng.choice(lines))
    return spin(rng, "\n\n".join(paragraphs), share=0.5) + "\n"


def generate(n: int, seed: int = 1):
    """The n article texts, in order."""
    rng = random.Random(seed)
    lines, comments = corpus_lines()
    to_traditional = opencc.OpenCC("s2t").convert
    recent: deque[str] = deque(maxlen=RECENT)
    for _ in range(n):
        if recent and rng.random() < COPY_SHARE:
            text = near_copy(rng, rng.choice(recent), lines)
        else:
            text = make_article(rng, lines, comments)
        if rng.random() < TRADITIONAL_SHARE:
            text = to_traditional(text)
        recent.append(text)
        yield text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(generate(args.n, args.seed)):
        (args.out / f"gen{i:07d}.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
