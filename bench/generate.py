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
import re
from collections import deque
from pathlib import Path

import opencc

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SPINS = [("过程中", "进展中"), ("第一时间", "之一时间"), ("措施", "措"), ("重要", "要紧")]
COPY_SHARE = 0.08
TRADITIONAL_SHARE = 0.05
RECENT = 500  # copies are made of one of the last RECENT articles (memory stays flat)
# a sentence and its clauses: the generator rebuilds each sentence from clauses of the
# whole corpus, so that, as in real text, few sentences repeat (recombined whole lines
# made 74 % of the sentences repeats, against 2 % in corpus/, and flattered every memo)
_END = "。！？!?；;"
_SENTENCE = re.compile(f"[^{_END}]+(?:[{_END}]+|$)")  # a line's last sentence may lack its end mark
_CLAUSE = re.compile(r"[^，,、]+")
_TO_SIMPLIFIED = opencc.OpenCC("t2s").convert


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


def corpus_clauses(lines: list[str]) -> dict[bool, list[str]]:
    """Every clause of every sentence of the sample lines, garbling and all, by whether
    it is in simplified script: a simplified article draws simplified clauses only."""
    pools: dict[bool, list[str]] = {True: [], False: []}
    for line in lines:
        for sentence in _SENTENCE.findall(line):
            for c in _CLAUSE.findall(sentence.rstrip(_END)):
                if c.strip():
                    pools[_simplified(c)].append(c)
    return pools


def _simplified(text: str) -> bool:
    return _TO_SIMPLIFIED(text) == text


def rewrite(rng: random.Random, line: str, pools: dict[bool, list[str]]) -> str:
    """The line with each of its sentences made anew: its first clause, then one to three
    clauses drawn from the whole corpus, its own end mark. A line without a sentence
    (heading, label, date) gets the second half of another clause instead: headings
    differ between real articles too."""
    clauses = pools[_simplified(line)]
    if not any(mark in line for mark in _END):
        if len(line) < 4:
            return short_line(rng, line, clauses)
        other = rng.choice(clauses)
        return line[:len(line) // 2] + other[len(other) // 2:]
    def new_sentence(match: re.Match) -> str:
        sentence = match.group(0)
        end = len(sentence.rstrip(_END))
        own = _CLAUSE.findall(sentence[:end]) or [sentence[:end]]
        drawn = [rng.choice(clauses) for _ in range(rng.randint(1, 3))]
        return "，".join([own[0], *drawn]) + sentence[end:]
    return _SENTENCE.sub(new_sentence, line)


_DIGIT = re.compile(r"\d")


def short_line(rng: random.Random, line: str, clauses: list[str]) -> str:
    """A line of a few characters (a page number, a vote count, a category word) drawn
    anew: drawn again and again from corpus/, they would repeat far more than real pages'."""
    if _DIGIT.search(line):
        return _DIGIT.sub(lambda _m: str(rng.randint(0, 9)), line) + str(rng.randint(0, 999))
    clause = rng.choice(clauses).strip()
    at = rng.randrange(max(1, len(clause) - 3))
    return clause[at:at + rng.randint(2, 4)] or line


COMMENT_HEADINGS = ["精彩评论", "网友评论", "热门评论", "最新评论", "全部评论", "评论区", "用户评论"]
COMMENT_SHARE = 0.25  # of the made articles, those with a comment block (a heading repeats)


def comment_header(rng: random.Random) -> str:
    """A reader comment's header (头像 NAME DATE), with a commenter and date of its own."""
    name = "".join(rng.sample("春日喧嚣李如一铁木君亚丽胡大小白丽颖王张陈", rng.randint(2, 4)))
    return f"头像 {name} 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make_article(rng: random.Random, lines: list[str], comments: list[list[str]], pools: dict[bool, list[str]]) -> str:
    start = rng.randrange(len(lines))
    body = lines[start:start + rng.randint(8, 30)]
    body += rng.sample(lines, rng.randint(2, 8))  # recombined paragraphs
    body = [rewrite(rng, line, pools) for line in body]
    if rng.random() < 0.3:
        a, b = rng.sample(range(len(body)), 2)
        body[a], body[b] = body[b], body[a]
    text = spin(rng, "\n\n".join(body))
    if rng.random() < COMMENT_SHARE:
        text += f"\n\n{rng.choice(COMMENT_HEADINGS)}\n\n" + "\n".join(
            line for _header, said in rng.sample(comments, 2)
            for line in (comment_header(rng), rewrite(rng, said, pools)))
    return text + "\n"


def retouch(rng: random.Random, text: str, share: float = 0.8) -> str:
    """`share` of the sentences edited as republishers do: a character left out, or a
    space or comma put in (which MinHash's normalising ignores). The copy stays near, but
    few of its sentences are identical."""
    def edit(match: re.Match) -> str:
        sentence = match.group(0)
        if rng.random() >= share or len(sentence) < 8:
            return sentence
        at = rng.randrange(1, len(sentence) - 1)
        if rng.random() < 0.3:
            return sentence[:at] + sentence[at + 1:]
        return sentence[:at] + rng.choice(" ，、") + sentence[at:]
    return "\n".join(_SENTENCE.sub(edit, line) for line in text.split("\n"))  # never a line break


def near_copy(rng: random.Random, text: str, lines: list[str]) -> str:
    """A republication: a new first line, a paragraph dropped, a line of its own added,
    phrases spun, sentences retouched."""
    paragraphs = retouch(rng, text.rstrip("\n")).split("\n\n")
    paragraphs[0] = rng.choice(lines)
    if len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    paragraphs.insert(rng.randint(1, len(paragraphs)), rng.choice(lines))
    return spin(rng, "\n\n".join(paragraphs), share=0.5) + "\n"


def generate(n: int, seed: int = 1):
    """The n article texts, in order."""
    rng = random.Random(seed)
    lines, comments = corpus_lines()
    pools = corpus_clauses(lines)
    to_traditional = opencc.OpenCC("s2t").convert
    recent: deque[str] = deque(maxlen=RECENT)
    for _ in range(n):
        if recent and rng.random() < COPY_SHARE:
            text = near_copy(rng, rng.choice(recent), lines)
        else:
            text = make_article(rng, lines, comments, pools)
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
