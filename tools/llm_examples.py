"""Render annotated corpus articles as the examples of extract/data/llm_prompt.yml.

    python tools/llm_examples.py tests/gold/*.jsonl --article h017.txt [--article ...]

Prints YAML for the `examples:` list: each article's window exactly as the extractor
renders it, and the answer its gold annotations give (sentence number, type, stance,
subject, and the cleaned words that cover the gold evidence). Articles used as examples
must be left out when the extractor is scored (kb eval --exclude-examples)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract import load  # noqa: E402
from extract.document import build_document  # noqa: E402
from extract.llm.prompt import render_window, sentence_number, windows  # noqa: E402


def gold_claims(paths: list[str], article: str) -> list[dict]:
    out = []
    for p in paths:
        for line in open(p, encoding="utf-8"):
            if line.strip() and (rec := json.loads(line))["article"] == article:
                out.append(rec)
    return out


def quote_for(doc, start: int, end: int) -> tuple[int, str] | None:
    """(sentence number, cleaned words) of the sentence covering raw [start, end)."""
    for s in doc.sentences:
        if s.raw_start < end and start < s.raw_end:
            line = doc.lines[s.block.idx]
            inside = [i for i in range(s.start, s.end)
                      if start <= line.relative[i] + line.offset < end]
            if inside:
                return sentence_number(s), line.text[inside[0]:inside[-1] + 1]
    return None


def example(article: str, gold_paths: list[str]) -> dict:
    doc = build_document(next(load(ROOT / "corpus" / article)))
    (window,) = windows(doc)  # an example is one window
    claims = []
    for g in gold_claims(gold_paths, article):
        at = doc.raw_text.find(g["evidence"])
        found = quote_for(doc, at, at + len(g["evidence"])) if at >= 0 else None
        if found:
            n, quote = found
            claims.append({"sentence": n, "type": g["type"], "stance": g.get("stance"),
                           "subject": g.get("subject") or "", "quote": quote})
    claims.sort(key=lambda c: c["sentence"])
    answer = "{\"claims\": [\n" + ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in claims) + "\n]}"
    return {"article": article, "user": render_window(window) + "\n", "answer": answer + "\n"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--article", action="append", required=True)
    args = ap.parse_args()
    print(yaml.dump([example(a, args.gold) for a in args.article], Dumper=_LiteralDumper, allow_unicode=True,
                    sort_keys=False, width=10_000))


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks: the examples read as the model sees them."""


_LiteralDumper.add_representer(
    str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


if __name__ == "__main__":
    main()
