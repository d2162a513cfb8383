"""Nothing leaks: personal data in an article is in no table and no Datasette page or
export; HTML in an article is shown escaped; Datasette cannot write."""
from __future__ import annotations

import asyncio
import hashlib
import sqlite3

import pytest
import yaml
from datasette.app import Datasette

from conftest import ROOT
from kb.store.ingest import ingest

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))

SECRETS = ["13812345678", "15907551234", "zhangwei1988@163.com", "lawyer.li@example.com.cn", "987654321",
           "2851234567", "110101199003071234", "44030619851212345X", "62345678", "4008205555"]
PII_ARTICLE = f"""信用卡逾期后催收员打电话的真实经历

2023年5月,张先生的信用卡逾期了三个月,欠款约两万元。银行将债务委托给外包催收公司,催收员每天从{SECRETS[0]}和{SECRETS[1]}给他打电话。
催收员自称律师,让他把还款凭证发到邮箱{SECRETS[2]},还留了另一个邮箱{SECRETS[3]}。
对方还要求添加QQ:{SECRETS[4]},说可以办理分期,另一个QQ号码{SECRETS[5]}发来了所谓的律师函。
更过分的是,催收员在电话里念出了他的身份证号{SECRETS[6]},还有他妻子的身份证号{SECRETS[7]}。
张先生拨打银行客服电话010-{SECRETS[8]}和{SECRETS[9][:3]}-{SECRETS[9][3:6]}-{SECRETS[9][6:]}投诉,银行表示委外催收必须合法合规。
根据《个人信息保护法》,催收公司不得泄露债务人的个人信息,否则属于违法行为。
"""
SCRIPT_ARTICLE = """委外催收是否合法<script>alert(1)</script>

信用卡逾期后,银行可以委托第三方催收机构进行催收,但催收机构不得采用暴力、恐吓等违法手段。<script>alert(1)</script>
"""
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def leak_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaks")
    (folder / "pii.txt").write_text(PII_ARTICLE, encoding="utf-8")
    (folder / "xss.txt").write_text(SCRIPT_ARTICLE, encoding="utf-8")
    db_path = folder / "kb.db"
    summary = ingest([str(folder / "pii.txt"), str(folder / "xss.txt")], str(db_path))
    assert (summary.added, summary.failed) == (2, 0), summary.errors
    return db_path


@pytest.fixture(scope="module")
def client(leak_db):
    ds = Datasette([str(leak_db)], metadata=METADATA)

    def request(method: str, path: str, **kw):
        return asyncio.run(getattr(ds.client, method)(path, **kw))
    return request


def ids(db_path, sql):
    with sqlite3.connect(str(db_path)) as conn:
        return [r[0] for r in conn.execute(sql)]


def assert_no_secret(text: str, where: str) -> None:
    found = [s for s in SECRETS if s in text]
    assert not found, f"{found} in {where}"


def test_the_article_was_analysed(leak_db):
    with sqlite3.connect(str(leak_db)) as conn:
        n_claims, pii = conn.execute("select n_claims, pii_masked from articles where source like '%pii.txt'").fetchone()
    assert n_claims > 0 and pii >= len(SECRETS)


def test_no_secret_in_any_text_column(leak_db):
    conn = sqlite3.connect(str(leak_db))
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
        checked = 0
        for table in tables:
            for cid, name, type_, *_ in conn.execute(f"pragma table_info([{table}])").fetchall():
                for (value,) in conn.execute(f"select [{name}] from [{table}] where typeof([{name}]) = 'text'"):
                    assert_no_secret(value, f"{table}.{name}")
                    checked += 1
        assert checked > 50
    finally:
        conn.close()


@pytest.mark.parametrize("table", ["articles", "claims", "sentences", "sections"])
def test_no_secret_in_pages_and_exports(client, leak_db, table):
    for suffix in ("", ".json", ".csv"):
        r = client("get", f"/kb/{table}{suffix}", params={"_size": "max"})
        assert r.status_code == 200, (table, suffix)
        assert_no_secret(r.text, f"/kb/{table}{suffix}")
    for pk in ids(leak_db, f"select id from [{table}]")[:40]:
        for suffix in ("", ".json"):
            r = client("get", f"/kb/{table}/{pk}{suffix}")
            assert r.status_code == 200, (table, pk, suffix)
            assert_no_secret(r.text, f"/kb/{table}/{pk}{suffix}")


def test_script_in_an_article_is_shown_escaped(client, leak_db):
    (aid,) = ids(leak_db, "select id from articles where source like '%xss.txt'")
    r = client("get", f"/kb/articles/{aid}")
    assert r.status_code == 200
    assert XSS not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def fingerprint(db_path) -> str:
    conn = sqlite3.connect(str(db_path))
    try:
        h = hashlib.sha256()
        for (table,) in conn.execute("select name from sqlite_master where type = 'table' order by name"):
            # sorted in Python: FTS shadow tables are WITHOUT ROWID
            for row in sorted(map(repr, conn.execute(f"select * from [{table}]"))):
                h.update(row.encode())
        return h.hexdigest()
    finally:
        conn.close()


def test_datasette_cannot_write(client, leak_db):
    before = fingerprint(leak_db)
    for path in ("/kb/-/insert", "/kb/articles/-/insert", "/kb/articles/-/upsert", "/kb/-/create"):
        body = {"table": "articles", "row": {"id": "x", "title": "pwned"}}
        try:
            r = client("post", path, json=body)
        except ValueError as exc:
            # Datasette 0.65 has no write API: its 404 handler, with rich installed, fails
            # in the in-process client ("Value for 'trace' required"); nothing was written
            assert "trace" in str(exc)
        else:
            assert r.status_code >= 400, path
    for sql in ("update articles set title = 'pwned'", "delete from claims",
                "insert into articles (id, title) values ('x', 'pwned')", "drop table claims"):
        r = client("get", "/kb.json", params={"sql": sql})
        assert r.status_code >= 400, sql
        assert "pwned" not in (r.json().get("rows") or [])
    assert fingerprint(leak_db) == before


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_no_secret_in_graph_exports(leak_db, tmp_path, fmt):
    from kb.graph.build import rebuild
    from kb.graph.export import export_graph, graph_from_db
    import sqlite_utils

    rebuild(str(leak_db))
    out = tmp_path / f"graph.{fmt}"
    export_graph(graph_from_db(sqlite_utils.Database(leak_db)), fmt, out)
    assert_no_secret(out.read_text(encoding="utf-8"), f"graph export ({fmt})")
