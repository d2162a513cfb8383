"""The language-model extractor: requests built from the article, answers replayed from the
recording (tests/llm/responses.jsonl) or served by a local OpenAI-compatible server that
misbehaves on demand (tests/llm_server.py), every quote checked before a claim is stored."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import A000, CORPUS, ROOT, normalise_raw
from extract import load
from extract.document import build_document
from extract.llm.locate import find_quote, normalise
from extract.llm.prompt import prompt, windows
from kb.cli import cli
from llm_server import FABRICATED_QUOTE, ChatServer

RESPONSES = ROOT / "tests" / "llm" / "responses.jsonl"
REQUESTS = ROOT / "tests" / "llm" / "requests.jsonl"
MODEL = "helper-session"  # the name the recording's answers carry
EXTRACTOR = f"llm:{MODEL}@{prompt()['version']}"
FEW = [CORPUS / "h005.txt", CORPUS / "h022.txt", CORPUS / A000]  # A000 needs two windows
CLEAN_ENV = {"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None, "KB_LLM_MODEL": None}


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env={**CLEAN_ENV, **(env or {})})


def ingest_llm(paths, db, server=None, *extra):
    args = ["ingest", *paths, "--db", db, "-q", "--no-graph", "--extractor", "llm", "--llm-model", MODEL]
    if server is not None:
        args += ["--llm-base-url", server.base_url, "--llm-retries", "1", "--llm-concurrency", "2"]
    return run(*args, *extra)


def query(db, sql, params=()):
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def server():
    s = ChatServer().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def replay_db(tmp_path_factory):
    """corpus/ ingested from the recorded answers, with no server at all."""
    db = tmp_path_factory.mktemp("replay") / "x.db"
    result = run("ingest", CORPUS, "--db", db, "-q", "--extractor", "llm", "--llm-responses", RESPONSES)
    assert result.exit_code == 0, result.output
    return db, result


# --- record and replay -----------------------------------------------------------------------

def test_the_recorded_requests_are_what_the_project_sends(tmp_path):
    """`kb llm requests corpus` writes exactly the requests the recording answers: a changed
    prompt, window or cleaning step shows here, and the recording must be made again."""
    out = tmp_path / "requests.jsonl"
    result = run("llm", "requests", CORPUS, "-o", out, "--llm-model", MODEL)
    assert result.exit_code == 0, result.output
    assert "88 requests for 85 articles" in result.output
    assert out.read_bytes() == REQUESTS.read_bytes()
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    assert line["custom_id"].startswith(f"kb-{prompt()['version']}-")
    assert line["body"]["response_format"]["type"] == "json_schema"
    assert line["body"]["messages"][0]["content"].startswith(f"[prompt {prompt()['version']}]")


def test_replay_needs_no_server_and_every_claim_is_the_models(replay_db):
    db, result = replay_db
    assert "88 sent, 0 failed" in result.output
    extractors = query(db, "select extractor, count(*) from claims group by extractor")
    assert [e for e, _ in extractors] == [EXTRACTOR]
    assert query(db, "select distinct extractor from articles") == [(EXTRACTOR,)]
    assert query(db, "select sum(prompt_tokens) > 0, sum(completion_tokens) > 0 from llm_runs") == [(1, 1)]


def test_every_stored_quote_is_in_the_article_at_its_raw_offsets(replay_db):
    """The raw span of every claim holds its quote: the same text once cleaned, or the text
    a recorded cleaning edit (a deleted word restored, a spun phrase undone) explains."""
    db, _ = replay_db
    rows = query(db, "select c.article_id, c.raw, c.text, c.raw_start, c.raw_end, a.raw_text, s.text, "
                     "s.raw_start, s.raw_end from claims c join articles a on a.id = c.article_id "
                     "join sentences s on s.id = c.sentence_id")
    assert len(rows) > 800
    explained_by_edits = 0
    for aid, raw, text, start, end, raw_text, sentence, s_start, s_end in rows:
        assert raw == raw_text[start:end]
        assert s_start <= start < end <= s_end  # inside the sentence it was found in
        assert text in sentence  # what is stored is the article's own cleaned words
        if normalise(normalise_raw(raw))[0] != normalise(text)[0]:
            assert query(db, "select count(*) from edits where article_id = ? and raw_start < ? and raw_end > ?",
                         (aid, end, start))[0][0] > 0, (raw, text)
            explained_by_edits += 1
    assert explained_by_edits < len(rows) / 5


def test_replay_scores_on_the_gold_with_the_examples_left_out(replay_db):
    db, _ = replay_db
    result = run("eval", "--db", db, "--exclude-examples", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["excluded"]) == {ex["article"] for ex in prompt()["examples"]}
    assert report["all"]["articles"] == 83
    # measured 0.840 and 0.887 on the recording; the pipeline must not lose what the model read
    assert report["all"]["micro"]["f1"] >= 0.80
    assert report["all"]["stance_accuracy"] >= 0.85
    assert list(report["by_extractor"]) == [EXTRACTOR]


def test_a_responses_file_without_an_answer_keeps_the_offline_claims(tmp_path):
    lines = RESPONSES.read_text(encoding="utf-8").splitlines()
    wanted = {r.custom_id for f in FEW for r in _requests(f)}
    kept = [line for line in lines if json.loads(line)["custom_id"] in wanted]
    first, *rest = kept
    failed = json.loads(first)
    failed["response"] = {"status_code": 500, "body": {"error": {"message": "server error"}}}
    partial = tmp_path / "responses.jsonl"
    partial.write_text("\n".join([json.dumps(failed, ensure_ascii=False), *rest[:-1]]) + "\n", encoding="utf-8")
    result = ingest_llm(FEW, tmp_path / "kb.db", None, "--llm-responses", partial)
    assert result.exit_code == 1
    fell_back = [line for line in result.stderr.splitlines() if line.startswith("fell back: ")]
    assert len(fell_back) == 2
    assert any("HTTP 500 in the batch output" in line for line in fell_back)
    assert any("no answer for window" in line for line in fell_back)
    assert "fell back: 2 articles kept their offline claims" in result.output
    kinds = dict(query(tmp_path / "kb.db", "select source, extractor from articles"))
    assert sum(e.startswith("offline:") for e in kinds.values()) == 2


def _requests(path):
    from extract.llm.prompt import build_requests
    return build_requests(build_document(next(load(path))), MODEL)


# --- a live server ---------------------------------------------------------------------------

def test_ingest_asks_each_window_once_and_a_second_ingest_asks_nothing(server, tmp_path):
    db = tmp_path / "kb.db"
    first = ingest_llm(FEW, db, server)
    assert first.exit_code == 0, first.output
    distinct = {r.custom_id for f in FEW for r in _requests(f)}
    assert len(distinct) == 4 and sorted(server.received) == sorted(distinct)
    assert query(db, "select count(*) from llm_answers")[0][0] == 4
    again = ingest_llm(FEW, db, server)
    assert again.exit_code == 0
    assert len(server.received) == 4  # nothing more was asked
    assert "3 unchanged" in again.output
    # a copy of an article under another name: the same windows, answered from the cache
    copy = tmp_path / "copy.txt"
    copy.write_bytes(FEW[0].read_bytes())
    third = ingest_llm([copy], tmp_path / "other.db", server)
    assert third.exit_code == 0 and len(server.received) == 5  # another database: its own cache
    fourth = ingest_llm([copy], db, server)
    assert fourth.exit_code == 0 and len(server.received) == 5


def test_a_fabricated_quote_is_rejected_and_counted(server, tmp_path):
    server.plan = ["fabricated"]
    db = tmp_path / "kb.db"
    result = ingest_llm(FEW[:1], db, server)
    assert result.exit_code == 0, result.output
    assert "rejected: 1 claims of the answers not stored (quote not in article: 1)" in result.output
    assert query(db, "select reason, quote from llm_rejected") == [("quote not in article", FABRICATED_QUOTE)]
    assert query(db, "select count(*) from claims where text like ?", (f"%{FABRICATED_QUOTE[:8]}%",)) == [(0,)]
    assert query(db, "select claims_rejected from llm_runs") == [(1,)]


@pytest.mark.parametrize("plan, message", [
    (["malformed"], "answer is not JSON"),
    (["length"], "answer cut off at the token limit (finish_reason: length)"),
    (["refusal"], "the model refused"),
    (["empty"], "empty answer"),
    (["500", "500"], "HTTP 500"),
    (["401"], "HTTP 401"),
    (["404"], "HTTP 404"),
])
def test_a_bad_answer_keeps_the_offline_claims_and_says_why(server, tmp_path, plan, message):
    server.plan = list(plan)
    db = tmp_path / "kb.db"
    result = ingest_llm(FEW[:1], db, server)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"fell back: {FEW[0]}: window 1 of 1: ")
    assert message in lines[0] and lines[0].endswith("; offline claims kept")
    assert query(db, "select extractor like 'offline:%', n_claims > 0 from articles") == [(1, 1)]
    assert query(db, "select count(*) from llm_rejected") == [(0,)]
    assert query(db, "select count(*) from llm_answers") == [(0,)]  # an unusable answer is not kept
    assert query(db, "select failed, fell_back from llm_runs") == [(1, 1)]
    # once the server behaves, the article is read by the model and replaces its offline claims
    retry = ingest_llm(FEW[:1], db, server)
    assert retry.exit_code == 0, retry.output
    assert "1 replaced" in retry.output
    assert query(db, "select distinct extractor from claims") == [(EXTRACTOR,)]


def test_429_is_retried_after_the_servers_delay(server, tmp_path):
    server.plan = ["429"]
    result = ingest_llm(FEW[:1], tmp_path / "kb.db", server)
    assert result.exit_code == 0, result.output
    assert len(server.received) == 2
    assert query(tmp_path / "kb.db", "select distinct extractor from claims") == [(EXTRACTOR,)]


def test_a_time_out_falls_back(server, tmp_path):
    server.plan = ["timeout"]
    result = ingest_llm(FEW[:1], tmp_path / "kb.db", server, "--llm-timeout", "0.5", "--llm-retries", "0")
    assert result.exit_code == 1
    assert "timed out after 0.5s" in result.stderr


def test_a_refused_connection_falls_back(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("ingest", FEW[0], "--db", tmp_path / "kb.db", "-q", "--no-graph", "--extractor", "llm",
                 "--llm-base-url", f"http://127.0.0.1:{port}/v1", "--llm-retries", "0")
    assert result.exit_code == 1
    assert f"cannot connect to http://127.0.0.1:{port}/v1" in result.stderr
    assert query(tmp_path / "kb.db", "select count(*) from articles where extractor like 'offline:%'") == [(1,)]


def test_a_server_without_json_schema_is_asked_in_json_mode(server, tmp_path):
    server.plan = ["no_schema"]
    result = ingest_llm(FEW, tmp_path / "kb.db", server, "--llm-concurrency", "1")
    assert result.exit_code == 0, result.output
    assert server.formats[0] == "json_schema" and server.formats[1] == "json_object"
    assert set(server.formats[1:]) == {"json_object"}  # remembered for the rest of the run


def test_a_killed_run_resumes_without_asking_again(server, tmp_path):
    db = tmp_path / "kb.db"
    server.plan = ["ok", "hang", "hang", "hang"]
    cmd = [sys.executable, "-m", "kb", "ingest", *map(str, FEW), "--db", str(db), "-q", "--no-graph",
           "--extractor", "llm", "--llm-model", MODEL, "--llm-base-url", server.base_url, "--llm-concurrency", "1"]
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (db.exists() and _answers(db) >= 1 and len(server.received) >= 2):
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    assert _answers(db) == 1  # the first answer was kept; the run died waiting for the second
    server.plan = []
    asked_before = len(server.received)
    result = ingest_llm(FEW, db, server)
    assert result.exit_code == 0, result.output
    assert len(server.received) - asked_before == 3  # the 4 windows but the one answered
    assert query(db, "select count(*) from llm_answers") == [(4,)]


def _answers(db) -> int:
    try:
        return query(db, "select count(*) from llm_answers")[0][0]
    except sqlite3.OperationalError:  # not created yet
        return 0


# --- extractors side by side -----------------------------------------------------------------

def test_ingesting_with_the_other_extractor_replaces_the_claims(tmp_path):
    db = tmp_path / "kb.db"
    assert run("ingest", FEW[0], "--db", db, "-q", "--no-graph").exit_code == 0
    offline = query(db, "select count(*) from claims")[0][0]
    result = ingest_llm(FEW[:1], db, None, "--llm-responses", RESPONSES)
    assert result.exit_code == 0, result.output
    assert "1 replaced" in result.output
    assert query(db, "select distinct extractor from claims") == [(EXTRACTOR,)]
    back = run("ingest", FEW[0], "--db", db, "-q", "--no-graph")
    assert "1 replaced" in back.output
    assert query(db, "select count(*) from claims") == [(offline,)]
    assert query(db, "select count(*) from llm_rejected") == [(0,)]


def test_without_the_openai_package_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)  # import openai raises ImportError
    result = run("ingest", FEW[0], "--db", tmp_path / "kb.db", "--extractor", "llm")
    assert result.exit_code == 1
    assert "pip install -e '.[llm]'" in result.output
    assert not (tmp_path / "kb.db").exists() or query(tmp_path / "kb.db", "select count(*) from articles") == [(0,)]


# --- the request and the quote ---------------------------------------------------------------

def test_a_long_article_is_split_at_sections_into_windows():
    doc = build_document(next(load(CORPUS / A000)))
    ws = windows(doc)
    assert len(ws) == 2
    asked = [s.idx for w in ws for s in w.sentences]
    assert asked == [s.idx for s in doc.sentences]  # every sentence asked once, in order
    assert all(sum(len(s.text) for s in w.sentences) <= prompt()["window_chars"] for w in ws)
    second = ws[1]
    assert second.sentences[0].block.heading_path != ws[0].sentences[-1].block.heading_path  # a section starts
    assert [s.idx for s in second.context] == asked[len(ws[0].sentences) - 2:len(ws[0].sentences)]


@pytest.mark.parametrize("quote", [
    "信用卡委外催收是否合法",  # as written
    "信用卡委外催收是否合法?",  # half-width question mark for the full-width one
    "信用卡委外催收 是否 合法",  # spaces
    "信用卡委外催收是否合法",  # simplified as shown
    "信用卡委外催收…合法",  # elided
])
def test_a_quote_is_found_whatever_its_copy_changed(quote):
    sentence = "请问，信用卡委外催收是否合法？"
    span = find_quote(sentence, quote)
    assert span is not None and sentence[span[0]:span[1]].startswith("信用卡委外催收")


def test_a_traditional_quote_is_found_in_simplified_text():
    assert find_quote("银行委托第三方机构进行催收", "銀行委託第三方機構進行催收") == (0, 13)


@pytest.mark.parametrize("quote", ["银行可以随意上门催收", "信用卡…违法…银行", ""])
def test_words_that_are_not_there_are_not_found(quote):
    assert find_quote("银行委托第三方机构进行催收,但不得违法。", quote) is None


# --- teaching the offline model --------------------------------------------------------------

def test_train_claims_fits_on_silver_claims_and_scores_only_the_gold(tmp_path):
    """The language model's claims of articles nobody annotated are training data for the
    offline model; the articles scored are still only the annotated ones."""
    db = tmp_path / "silver.db"
    assert ingest_llm(FEW, db, None, "--llm-responses", RESPONSES).exit_code == 0
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = ROOT / "tests" / "gold" / "seeds.jsonl"
    for name in {json.loads(line)["article"] for line in seeds.read_text(encoding="utf-8").splitlines()}:
        (corpus / name).write_bytes((CORPUS / name).read_bytes())

    def held_out(*extra):
        result = run("train-claims", seeds, "--corpus", corpus, "--folds", "2", "--held-out", "--dry-run", *extra)
        assert result.exit_code == 0, result.output
        rows = {line.split()[0]: line.split() for line in result.output.splitlines()
                if line.split() and line.split()[0] in ("micro",)}
        return result.output, int(rows["micro"][-3]) + int(rows["micro"][-1])  # tp + fn: the gold claims scored

    plain, gold_claims = held_out("--gold-only")
    with_silver, gold_claims_silver = held_out("--silver", db)
    # A000 is annotated: its model-read claims are left out; the two h-articles are silver
    assert "silver: 2 articles" in with_silver
    assert gold_claims_silver == gold_claims  # the same gold claims scored, no silver one
    hashes = [line.split()[-1] for line in (plain + with_silver).splitlines() if line.startswith("model ")]
    assert hashes[0] != hashes[1]  # the data hash names the silver data too
