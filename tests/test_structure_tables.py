"""Tables and views a researcher queries for structure: reader comments one row each,
FAQ question/answer pairs, and the ordered steps of described processes."""
from __future__ import annotations

from conftest import A000


def article_id(db, name: str) -> str:
    return next(db.query("select id from articles where source like ?", [f"%{name}"]))["id"]


def test_each_reader_comment_is_one_row_with_commenter_and_date(db):
    rows = list(db.query("select commenter, comment_date, text from comments where article_id = ? order by comment_idx",
                         [article_id(db, A000)]))
    assert [r["commenter"] for r in rows] == ["胡大", "春日喧嚣", "亚丽", "铁木君", "丽颖"]
    assert all(r["comment_date"] == "2024-06-13" for r in rows)
    assert "上门催款的表现在中国是不合法的" in rows[-1]["text"]


def test_faq_pairs_of_003(db):
    rows = list(db.query("select question, answer from faq where article_id = ? order by id",
                         [article_id(db, "003_886f49acf3056d93.txt")]))
    assert len(rows) == 9
    assert rows[2]["question"].endswith("微粒贷的流程是不是合法?")
    assert rows[2]["answer"].startswith("微粒贷的流程是合法的")


def test_steps_of_001_outsourcing_process_are_ordered(db):
    rows = list(db.query(
        "select step, name from procedure_steps where article_id = ? and process = '委外的流程' order by step, id",
        [article_id(db, "001_d1e87e6a91d97939.txt")]))
    names = list(dict.fromkeys((r["step"], r["name"]) for r in rows))
    assert names == [(1, "委托"), (2, "策略制定"), (3, "实"), (4, "追踪监")]


def test_inline_stages_of_003_are_steps(db):
    rows = list(db.query("select step, name from procedure_steps where process = '微粒贷的流程' order by step"))
    assert [r["name"] for r in rows] == ["预催", "正式催", "高强度催", "法律诉讼", "司法强制实"]
