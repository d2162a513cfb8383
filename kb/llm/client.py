"""Asking an OpenAI-compatible chat-completions server, through the official `openai`
client: it talks to OpenAI and to every server that copies its API (Ollama, vLLM,
llama.cpp's llama-server, LM Studio), and retries 408/409/429/5xx answers, time-outs and
refused connections with exponential backoff, honouring Retry-After."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Iterable, Iterator

from extract.llm.prompt import Request, response_format

INSTALL_HINT = "the language-model extractor needs the openai package: pip install -e '.[llm]'"
# what a server may not support, tried in this order: a JSON schema, JSON mode, plain JSON
FORMAT_MODES = ("json_schema", "json_object", "none")


class MissingClient(RuntimeError):
    pass


@dataclass
class Answer:
    request: Request
    body: dict | None  # the chat-completion response, None when the request failed
    error: str | None = None  # one line: what went wrong
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatClient:
    def __init__(self, base_url: str | None = None, api_key: str | None = None, timeout: float = 120.0,
                 max_retries: int = 4):
        try:
            import openai
        except ImportError:
            raise MissingClient(INSTALL_HINT) from None
        self._openai = openai
        # local servers need no key; the client insists on one
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                    max_retries=max_retries)
        self.base_url = str(self.client.base_url)
        self._mode = 0  # index into FORMAT_MODES: lowered once a server refuses a format
        self._lock = threading.Lock()

    def ask(self, request: Request) -> Answer:
        """One request; never raises for what a server or the network does."""
        openai = self._openai
        while True:
            mode = self._mode
            body = _with_format(request.body, FORMAT_MODES[mode])
            try:
                response = self.client.chat.completions.create(**body)
            except openai.BadRequestError as exc:
                if mode + 1 < len(FORMAT_MODES) and _refuses_format(exc):
                    with self._lock:  # the server does not know this format: ask with the next one
                        self._mode = max(self._mode, mode + 1)
                    continue
                return Answer(request, None, f"HTTP 400: {_message(exc)}")
            except openai.APIStatusError as exc:
                return Answer(request, None, f"HTTP {exc.status_code}: {_message(exc)}")
            except openai.APITimeoutError:
                return Answer(request, None, f"timed out after {self.client.timeout}s "
                                             f"({self.client.max_retries} retries)")
            except openai.APIConnectionError as exc:
                return Answer(request, None, f"cannot connect to {self.base_url} ({exc.__cause__ or exc})")
            body = response.model_dump(exclude_unset=True)
            usage = body.get("usage") or {}
            return Answer(request, body, None, usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)

    def ask_all(self, requests: Iterable[Request], concurrency: int = 4) -> Iterator[Answer]:
        """Answers as they arrive, at most `concurrency` requests in flight."""
        requests = list(requests)
        with ThreadPoolExecutor(max(1, concurrency)) as pool:
            futures = [pool.submit(self.ask, r) for r in requests]
            for done in as_completed(futures):
                yield done.result()


def _with_format(body: dict, mode: str) -> dict:
    body = {k: v for k, v in body.items() if k != "response_format"}
    fmt = response_format(mode)
    if fmt:
        body["response_format"] = fmt
    return body


def _refuses_format(exc) -> bool:
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text or "json_object" in text


def _message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        msg = body.get("message") or (body.get("error") or {}).get("message") if isinstance(
            body.get("error"), dict) else body.get("message")
        if msg:
            return str(msg)[:200]
    return str(exc).splitlines()[0][:200]
