"""Getting the answers an ingest with the language-model extractor needs: from the
database's cache first, then from a Batch output file or a server. Only questions never
answered cost a request: an unchanged article, a re-ingest, or a copy whose windows are
the same as another's asks nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from extract import InputError
from extract.formats import MAX_BYTES
from extract.llm.answers import AnswerError, extractor_name, parse_answer

from ..store.articles import stored_articles
from ..store.schema import open_db
from .cache import cached_answers, store_answer
from .client import Answer, ChatClient
from .requests import article_requests


@dataclass
class Gathered:
    model: str
    answers: dict[str, dict | str] = field(default_factory=dict)  # custom_id -> body, or what went wrong
    articles: int = 0  # articles that needed the model's reading
    requests: int = 0  # distinct requests those articles make
    cached: int = 0  # answered from the database
    sent: int = 0  # sent to the server (or read from the responses file)
    failed: int = 0  # sent and not answered
    prompt_tokens: int = 0
    completion_tokens: int = 0
    source: str = "cache"

    def run_row(self) -> dict:
        """The run's row of llm_runs (kb.llm.cache.record_run), without what the ingest adds."""
        return {"model": self.model, "source": self.source, "articles": self.articles, "requests": self.requests,
                "cached": self.cached, "sent": self.sent, "failed": self.failed,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}

    def line(self) -> str:
        return (f"llm: {self.articles} articles, {self.requests} requests: {self.cached} answered from the cache, "
                f"{self.sent} sent, {self.failed} failed; tokens spent: {self.prompt_tokens} prompt, "
                f"{self.completion_tokens} completion")


def gather_answers(paths: Iterable[str | Path], db_path: str, model: str, client: ChatClient | None = None,
                   responses: Mapping[str, dict | str] | None = None, concurrency: int = 4,
                   max_bytes: int = MAX_BYTES, progress: Callable = lambda it, **kw: it) -> Gathered:
    """The answers to every request of the articles under `paths` that are not stored with
    this extractor's claims already: cached ones, then `responses` (a Batch output file's)
    or `client`'s. Each new answer is stored as it arrives."""
    db = open_db(db_path)
    try:
        extractor = extractor_name(model)
        needed = [item for item in article_requests(paths, model, max_bytes,
                                                    stored=lambda p: stored_articles(db, p, extractor))
                  if not isinstance(item, InputError)]  # kb ingest reports those itself
        requests = {r.custom_id: r for item in needed for r in item.requests}
        out = Gathered(model, articles=len(needed), requests=len(requests),
                       source="responses file" if responses is not None else client.base_url if client else "cache")
        out.answers.update(cached_answers(db, model, requests))
        out.cached = len(out.answers)
        missing = [r for cid, r in requests.items() if cid not in out.answers]
        if responses is not None:
            answers = (_from_file(r, responses) for r in missing if r.custom_id in responses)
        elif client is not None:
            answers = client.ask_all(missing, concurrency)
        else:
            answers = iter(())
        for answer in progress(answers, total=len(missing)):
            _take(db, out, answer)
        return out
    finally:
        db.close()


def _from_file(request, responses) -> Answer:
    got = responses[request.custom_id]
    if isinstance(got, str):
        return Answer(request, None, got)
    usage = got.get("usage") or {}
    return Answer(request, got, None, usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)


def _unreadable(body: dict) -> str | None:
    """What makes an answer unusable as a whole (not JSON, cut off, a refusal ...), or None."""
    try:
        parse_answer(body)
    except AnswerError as exc:
        return str(exc)
    return None


def _take(db, out: Gathered, answer: Answer) -> None:
    out.sent += 1
    cid = answer.request.custom_id
    error = answer.error if answer.body is None else _unreadable(answer.body)
    if error:  # not kept: the next run asks again
        out.failed += 1
        out.answers[cid] = error
        return
    store_answer(db, out.model, cid, answer.body, answer.prompt_tokens, answer.completion_tokens)
    out.answers[cid] = answer.body
    out.prompt_tokens += answer.prompt_tokens
    out.completion_tokens += answer.completion_tokens

