"""Reading an article with a language model's answers in hand (pure: the answers are given).

kb.llm fetches the answers (from a server, the database's cache or a Batch output file);
this turns them into the article's claims. An article is read by the model as a whole or
not at all: when a window has no answer, or an answer cannot be read, the article keeps
its offline claims and says why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..claims import Claim
from ..document import Document
from .answers import AnswerError, Rejected, answer_claims, extractor_name
from .prompt import build_requests


@dataclass
class Reading:
    claims: list[Claim] | None  # None: not read by the model, the offline claims stand
    rejected: list[Rejected] = field(default_factory=list)
    fallback: str | None = None  # why the offline claims stand
    model: str | None = None

    @property
    def extractor(self) -> str:
        return extractor_name(self.model or "")


@dataclass(frozen=True)
class AnswerReader:
    """Claims of a document from the answers to its requests. `answers`: custom_id -> a
    chat-completion response body (as a server or a Batch output line gives it), or an
    error message when the request failed. `model`: the model the requests named, which
    the claims record (a server may answer with a dated name of it)."""
    answers: Mapping[str, dict | str]
    model: str

    def __call__(self, doc: Document) -> Reading:
        requests = build_requests(doc, self.model)
        claims: list[Claim] = []
        rejected: list[Rejected] = []
        for r in requests:
            body = self.answers.get(r.custom_id)
            where = f"window {r.window.number + 1} of {len(requests)}"
            if body is None:
                return Reading(None, fallback=f"no answer for {where} ({r.custom_id})")
            if isinstance(body, str):
                return Reading(None, fallback=f"{where}: {body}")
            try:
                got, lost = answer_claims(doc, r, body, self.model)
            except AnswerError as exc:
                return Reading(None, fallback=f"{where}: {exc}")
            claims.extend(got)
            rejected.extend(lost)
        claims.sort(key=lambda c: (c.sentence.idx, c.span or (0, 0)))
        return Reading(claims, rejected, model=self.model)
