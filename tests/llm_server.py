"""A local OpenAI-compatible chat-completions server for the tests, on 127.0.0.1: it
answers from recorded responses (tests/llm/responses.jsonl, the Batch output format) and
can be told to misbehave, one planned behaviour per request received:

    ok          the recorded answer
    429         HTTP 429 with Retry-After: 0
    500 / 401 / 404   that HTTP status
    timeout     sleeps longer than any test's --llm-timeout, then answers
    malformed   an answer whose content is not JSON
    fabricated  the recorded answer plus a claim whose quote is in no article
    length      the answer cut off (finish_reason: length)
    refusal     a refusal
    empty       an empty message
    no_schema   HTTP 400 refusing response_format json_schema (a server without it)
    hang        never answers (until the server stops)

Requests are counted (server.received) with the custom_id each one would have."""
from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from extract.llm.prompt import prompt_version, request_hash, response_format

RECORDED = Path(__file__).parent / "llm" / "responses.jsonl"
FABRICATED_QUOTE = "银行委外催收完全合法且从无任何风险这是本文从未写过的一句话。"


def recorded_answers(path: Path = RECORDED) -> dict[str, dict]:
    return {rec["custom_id"]: rec["response"]["body"] for rec in map(json.loads, path.open(encoding="utf-8"))}


def custom_id_of(body: dict) -> str:
    """The custom_id of the request as the project computes it (on the JSON-schema form,
    whatever format the client fell back to)."""
    canonical = {k: v for k, v in body.items() if k != "response_format"}
    canonical["response_format"] = response_format("json_schema")
    return f"kb-{prompt_version()}-{request_hash(canonical)[:24]}"


class ChatServer:
    def __init__(self, answers: dict[str, dict] | None = None):
        self.answers = recorded_answers() if answers is None else answers
        self.plan: list[str] = []  # behaviours of the next requests; then "ok"
        self.received: list[str] = []  # custom_id of every request, in order
        self.formats: list[str | None] = []  # response_format type of every request
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def start(self) -> "ChatServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self, custom_id: str, fmt: str | None) -> str:
        with self._lock:
            self.received.append(custom_id)
            self.formats.append(fmt)
            return self.plan.pop(0) if self.plan else "ok"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fmt = (body.get("response_format") or {}).get("type")
                cid = custom_id_of(body)
                behaviour = server._next(cid, fmt)
                if behaviour == "no_schema":
                    return self._send(400, {"error": {"message": "response_format json_schema is not supported",
                                                      "type": "invalid_request_error"}})
                if behaviour in ("429", "500", "401", "404"):
                    headers = {"Retry-After": "0"} if behaviour == "429" else {}
                    return self._send(int(behaviour), {"error": {"message": f"planned {behaviour}"}}, headers)
                if behaviour == "hang":
                    server._stop.wait(60)
                    return
                if behaviour == "timeout":
                    time.sleep(3)
                answer = server.answers.get(cid)
                if answer is None:
                    return self._send(404, {"error": {"message": f"no recorded answer for {cid}"}})
                return self._send(200, _misbehave(copy.deepcopy(answer), behaviour))

            def _send(self, status, payload, headers=None):
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out test)

        return Handler


def _misbehave(answer: dict, behaviour: str) -> dict:
    message = answer["choices"][0]["message"]
    if behaviour == "malformed":
        message["content"] = '{"claims": [{"sentence": 1, "type": "risk", '
    elif behaviour == "fabricated":
        claims = json.loads(message["content"])["claims"]
        claims.append({"sentence": 1, "type": "legality", "stance": "legal", "subject": "委外催收",
                       "quote": FABRICATED_QUOTE})
        message["content"] = json.dumps({"claims": claims}, ensure_ascii=False)
    elif behaviour == "length":
        answer["choices"][0]["finish_reason"] = "length"
        message["content"] = message["content"][:40]
    elif behaviour == "refusal":
        message["content"] = None
        message["refusal"] = "I can't help with that."
    elif behaviour == "empty":
        message["content"] = ""
    return answer
