"""A model's answers -> claims, every quote checked against the article.

An answer that cannot be read at all (no content, a refusal, cut off at the token limit,
not JSON, not the schema's shape) raises AnswerError: the article keeps its offline
claims. Within a readable answer each claim is checked on its own: its type and stance
must be the schema's, and its quote must be found (extract/llm/locate.py) in the sentence
it names or, the number being off, in another sentence of the same window. A claim that
fails is never a claim: it is returned as a Rejected record saying why."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ValidationError

from ..claims import Claim, procedure_step
from ..claims_rules import TYPES
from ..document import Document
from ..stance import STANCES
from ..structure import Sentence
from .locate import find_quote
from .prompt import Request, prompt_version, sentence_number


# a quote shorter than this is a few words, not a claim, unless it is the whole sentence
MIN_QUOTE_CHARS = 4


class AnswerError(ValueError):
    """An answer that gives no claims to check: the message says what was wrong with it."""


class _Answer(BaseModel):
    claims: list[dict]


class _Claim(BaseModel):
    sentence: int
    type: Literal[TYPES]  # type: ignore[valid-type]
    stance: Literal[STANCES] | None = None  # type: ignore[valid-type]
    subject: str | None = None
    quote: str


@dataclass
class Rejected:
    """A claim of an answer that is not stored, and why."""
    custom_id: str
    reason: str
    sentence: int | None
    type: str | None
    quote: str | None


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def answer_content(body: dict) -> str:
    """The message text of a chat-completion body; AnswerError when there is none to read."""
    choices = body.get("choices") or []
    if not choices:
        raise AnswerError("answer has no choices")
    choice = choices[0]
    message = choice.get("message") or {}
    if message.get("refusal"):
        raise AnswerError(f"the model refused: {str(message['refusal'])[:80]}")
    if choice.get("finish_reason") == "length":
        raise AnswerError("answer cut off at the token limit (finish_reason: length)")
    content = message.get("content")
    if not content or not content.strip():
        raise AnswerError("empty answer")
    return content


def parse_answer(body: dict) -> list[dict]:
    """The claims list of an answer, each item still unchecked."""
    content = _FENCE.sub("", answer_content(body))
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"answer is not JSON ({exc.msg} at char {exc.pos})") from None
    try:
        return _Answer.model_validate(data).claims
    except ValidationError:
        raise AnswerError("answer is JSON but not the schema's shape (expected {\"claims\": [...]})") from None


def extractor_name(model: str) -> str:
    return f"llm:{model}@{prompt_version()}"


def answer_claims(doc: Document, request: Request, body: dict, model: str) -> tuple[list[Claim], list[Rejected]]:
    """Claims of one window's answer whose quotes are in the article, and the rejected rest."""
    claims: list[Claim] = []
    rejected: list[Rejected] = []
    seen: set[tuple] = set()
    window = request.window
    by_number = {sentence_number(s): s for s in (*window.context, *window.sentences)}
    asked = window.sentences
    for item in parse_answer(body):
        try:
            c = _Claim.model_validate(item)
        except ValidationError as exc:
            field = ".".join(map(str, exc.errors()[0]["loc"])) or "claim"
            rejected.append(Rejected(request.custom_id, f"{field} outside the schema",
                                     _int(item.get("sentence")), _str(item.get("type")), _str(item.get("quote"))))
            continue
        located = locate(c.quote, by_number.get(c.sentence), asked)
        if located is None:
            rejected.append(Rejected(request.custom_id, "quote not in article", c.sentence, c.type, c.quote))
            continue
        sentence, span = located
        if span[1] - span[0] < MIN_QUOTE_CHARS and span != (0, len(sentence.text)):
            rejected.append(Rejected(request.custom_id, "quote too short to be a claim", c.sentence, c.type, c.quote))
            continue
        key = (sentence.idx, span, c.type)
        if key in seen:
            continue
        seen.add(key)
        claims.append(_claim(c, sentence, span, model))
    return claims, rejected


def locate(quote: str, named: Sentence | None, window: tuple[Sentence, ...]) -> tuple[Sentence, tuple[int, int]] | None:
    """The sentence holding the quote and its span there: the named sentence first, then
    the others the window asked about."""
    for s in ([named] if named else []) + [s for s in window if s is not named]:
        span = find_quote(s.text, quote)
        if span:
            return s, span
    return None


def _claim(c: _Claim, sentence: Sentence, span: tuple[int, int], model: str) -> Claim:
    claim = Claim(c.type, sentence, rule=f"prompt:{prompt_version()}", confidence=None,
                  stance=c.stance if c.type == "legality" else None,
                  subject=(c.subject or "").strip() or None, extractor=extractor_name(model), span=span)
    if c.type == "procedure":
        claim.process, claim.step = procedure_step(sentence, None)
    return claim


def _int(v) -> int | None:
    return v if isinstance(v, int) else None


def _str(v) -> str | None:
    return v if isinstance(v, str) else None
