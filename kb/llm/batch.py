"""The OpenAI Batch API's file formats: requests written one a line
(`{"custom_id", "method", "url", "body"}`), answers read one a line
(`{"custom_id", "response": {"status_code", "body"}}` or `{"custom_id", "error"}`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from extract.decode import InputError
from extract.llm.prompt import Request


def write_requests(requests: Iterable[Request], path: str | Path) -> int:
    """Write each distinct request once (copies of a window are asked once); the count."""
    seen: set[str] = set()
    with open(path, "w", encoding="utf-8") as out:
        for r in requests:
            if r.custom_id not in seen:
                seen.add(r.custom_id)
                out.write(json.dumps(r.batch_line(), ensure_ascii=False) + "\n")
    return len(seen)


def read_responses(path: str | Path) -> Iterator[tuple[str, dict | str]]:
    """(custom_id, response body) of each answered line, or (custom_id, error message) of
    each failed one. A line that is not a Batch output line is an InputError naming it."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                custom_id = rec["custom_id"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{n}: not a Batch output line (expected custom_id and response)") from None
            yield custom_id, _body_or_error(rec)


def _body_or_error(rec: dict) -> dict | str:
    response = rec.get("response") or {}
    if rec.get("error"):
        err = rec["error"]
        return f"batch error: {err.get('message', err) if isinstance(err, dict) else err}"
    status = response.get("status_code")
    if status != 200:
        return f"HTTP {status} in the batch output"
    body = response.get("body")
    return body if isinstance(body, dict) else "batch output line without a response body"


def responses_model(bodies) -> str | None:
    """The model named by the first answer of a responses file."""
    return next((b.get("model") for b in bodies if isinstance(b, dict) and b.get("model")), None)
