"""Article -> chat-completion requests for the language-model extractor.

The model sees the cleaned text (simplified script, pinyin readings removed) as numbered
sentences under their headings, so it can answer with a sentence number and a quote that
extract/llm/answers.py finds again. Long articles are split at section boundaries into
windows, each with the headings above it and a few sentences before it as context. The
wording, the examples and the JSON schema are data (extract/data/llm_prompt.yml); its
`version` is part of every request and of every claim the answers give."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from ..document import Document
from ..rules import load_data
from ..structure import Sentence

PROMPT_FILE = "llm_prompt.yml"
CHAT_URL = "/v1/chat/completions"


@lru_cache(maxsize=1)
def prompt() -> dict:
    return load_data(PROMPT_FILE)


def prompt_version() -> str:
    return prompt()["version"]


def example_articles() -> list[str]:
    """The corpus articles whose annotations the prompt shows: left out when it is scored."""
    return [ex["article"] for ex in prompt().get("examples", [])]


@dataclass(frozen=True)
class Window:
    """Sentences asked about in one request, and the ones shown before them as context."""
    number: int  # 0, 1, ... in the article
    sentences: tuple[Sentence, ...]
    context: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class Request:
    """One chat-completion request: its body (as sent, with `model`), the hash of what it
    asks (the body without `model`: the same window asked of another model is the same
    question) and the Batch API custom_id derived from that hash."""
    article_id: str
    window: Window
    body: dict

    @property
    def request_hash(self) -> str:
        return request_hash(self.body)

    @property
    def custom_id(self) -> str:
        return f"kb-{prompt_version()}-{self.request_hash[:24]}"

    def batch_line(self) -> dict:
        """The request as a line of an OpenAI Batch API input file."""
        return {"custom_id": self.custom_id, "method": "POST", "url": CHAT_URL, "body": self.body}


def request_hash(body: dict) -> str:
    asked = {k: v for k, v in body.items() if k != "model"}
    return hashlib.sha256(json.dumps(asked, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def sentence_number(s: Sentence) -> int:
    """The number a sentence carries in the request (1-based, the same in every window)."""
    return s.idx + 1


def windows(doc: Document, max_chars: int | None = None, context: int | None = None) -> list[Window]:
    """The article's sentences in windows of at most `max_chars` characters, cut where a
    section (a heading) starts when one is near; a window longer than that only when one
    sentence is."""
    cfg = prompt()
    max_chars = cfg["window_chars"] if max_chars is None else max_chars
    context = cfg["context_sentences"] if context is None else context
    sentences = doc.sentences
    groups: list[list[Sentence]] = []
    size = 0
    for i, s in enumerate(sentences):
        starts_section = i > 0 and s.block.heading_path != sentences[i - 1].block.heading_path
        full = groups and size + len(s.text) > max_chars
        # cut at a section boundary once the window is half full, anywhere once it is full
        if not groups or full or (starts_section and size > max_chars // 2):
            groups.append([])
            size = 0
        groups[-1].append(s)
        size += len(s.text)
    out, before = [], 0
    for n, group in enumerate(groups):
        out.append(Window(n, tuple(group), tuple(sentences[max(0, before - context):before])))
        before += len(group)
    return out


def render_window(window: Window) -> str:
    """The user message: which sentences to read, then context and sentences numbered, each
    heading they sit under shown once as a `#` line."""
    asked = window.sentences
    lines = [f"Sentences to read: {sentence_number(asked[0])}-{sentence_number(asked[-1])}"]
    shown_headings: tuple[str, ...] = ()
    for s in (*window.context, *asked):
        for heading in s.block.heading_path[_common_prefix(shown_headings, s.block.heading_path):]:
            lines.append(f"# {heading}")
        shown_headings = tuple(s.block.heading_path)
        mark = " (comment)" if s.section == "comment" else ""
        lines.append(f"[{sentence_number(s)}]{mark} {s.text}")
    return "\n".join(lines)


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def messages(user: str) -> list[dict]:
    """System prompt, the annotated examples as earlier turns, then the article's window."""
    cfg = prompt()
    # the prompt version opens the system message: every request says which prompt it is
    out = [{"role": "system", "content": f"[prompt {cfg['version']}]\n" + cfg["system"].strip()}]
    for ex in cfg.get("examples", []):
        out.append({"role": "user", "content": ex["user"].strip()})
        out.append({"role": "assistant", "content": ex["answer"].strip()})
    out.append({"role": "user", "content": user})
    return out


def response_format(mode: str = "json_schema") -> dict | None:
    """The structured-output option: a JSON schema, JSON mode, or none (plain JSON asked for
    in the prompt) for servers that support less."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": prompt()["schema"]}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def build_requests(doc: Document, model: str, mode: str = "json_schema") -> list[Request]:
    """Every request the article needs (none when it has no sentences)."""
    cfg = prompt()
    out = []
    for window in windows(doc):
        body = {"model": model, "messages": messages(render_window(window)),
                "temperature": cfg.get("temperature", 0)}
        fmt = response_format(mode)
        if fmt:
            body["response_format"] = fmt
        out.append(Request(doc.article.id, window, body))
    return out
