"""Wrap recorded answers as an OpenAI Batch API output file (tests/llm/responses.jsonl).

    python tools/batch_output.py REQUESTS.jsonl ANSWERS.jsonl... --model helper-session -o tests/llm/responses.jsonl

REQUESTS.jsonl is what `kb llm requests corpus -o REQUESTS.jsonl` wrote; each ANSWERS
line is {"custom_id", "content"}: the message a language model (a helper session, given
the system prompt, the examples and the window) answered to that request. The usage
figures are estimates (no tokenizer is at hand offline): one token per CJK character,
one per four other characters, counted over the messages sent and the answer."""
from __future__ import annotations

import argparse
import json
import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("requests")
    ap.add_argument("answers", nargs="+")
    ap.add_argument("--model", required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    requests = {r["custom_id"]: r for r in map(json.loads, open(args.requests, encoding="utf-8"))}
    answers = {}
    for path in args.answers:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                answers[rec["custom_id"]] = rec["content"]
    with open(args.output, "w", encoding="utf-8") as out:
        for n, (cid, req) in enumerate(requests.items()):
            if cid not in answers:
                continue
            content = answers[cid]
            prompt = sum(estimate_tokens(m["content"]) + 4 for m in req["body"]["messages"])
            completion = estimate_tokens(content)
            body = {"id": f"chatcmpl-{cid}", "object": "chat.completion", "created": 1796500000, "model": args.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion}}
            out.write(json.dumps({"id": f"batch_req_{n:04d}", "custom_id": cid,
                                  "response": {"status_code": 200, "request_id": f"req_{n:04d}", "body": body},
                                  "error": None}, ensure_ascii=False) + "\n")
    print(f"{sum(c in answers for c in requests)} of {len(requests)} requests answered -> {args.output}")


if __name__ == "__main__":
    main()
