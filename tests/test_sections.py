"""Structure of corpus/000: body, reader comments (after 精彩评论, each under a 头像 header)
and the related-link list at the end, which must yield nothing."""
from __future__ import annotations

import pytest

from conftest import A000, A002, CORPUS

TEXT_000 = (CORPUS / A000).read_text(encoding="utf-8")
COMMENTS_START = TEXT_000.index("精彩评论")
LINK_TITLES = [line.strip().lstrip("•").strip() for line in TEXT_000.splitlines() if line.strip().startswith("•")]


@pytest.fixture
def art000(article):
    return article(A000)


def test_000_has_a_link_list():
    # the fixture itself: fifteen "• title" lines at the end of the file
    assert len(LINK_TITLES) == 15
    assert "信用卡欠款外包合法吗" in LINK_TITLES


@pytest.mark.parametrize("kind", ["title", "heading", "body", "comment", "links"])
def test_section_kinds_of_000(db, art000, kind):
    n = db.execute("select count(*) from sections where article_id = ? and kind = ?", [art000["id"], kind]).fetchone()[0]
    assert n > 0


def test_comment_sections_have_commenters(db, art000):
    commenters = [r["commenter"] for r in db.query(
        "select commenter from sections where article_id = ? and kind = 'comment' order by raw_start", [art000["id"]])]
    assert commenters == ["胡大", "春日喧嚣", "亚丽", "铁木君", "丽颖"]


@pytest.mark.parametrize("fragment", [
    "上门催款的表现在中国是不合法的",
    "催款公司是依照法律规定依法设立的",
    "信用卡外包也需要遵守《人民民事诉讼法》",
], ids=["illegal-visits", "lawfully-established", "must-obey-law"])
def test_comment_claims_are_marked_comment(db, art000, fragment):
    rows = list(db.query("select section, raw_start from claims where article_id = ? and text like ?",
                         [art000["id"], f"%{fragment}%"]))
    assert rows, f"no claim containing {fragment}"
    for r in rows:
        assert r["section"] == "comment"
        assert r["raw_start"] > COMMENTS_START


def test_section_follows_position(db, art000):
    """Every claim before 精彩评论 is body, every claim after it comment."""
    claims = list(db.query("select section, raw_start, text from claims where article_id = ?", [art000["id"]]))
    assert {c["section"] for c in claims} == {"body", "comment"}
    for c in claims:
        expected = "comment" if c["raw_start"] > COMMENTS_START else "body"
        assert c["section"] == expected, c["text"]


@pytest.mark.parametrize("fragment", ["平安银行加强风控管理", "建立完善的内部机制是关键"], ids=["risk-control", "internal-mechanism"])
def test_body_claims_are_marked_body(db, art000, fragment):
    rows = list(db.query("select section from claims where article_id = ? and text like ?",
                         [art000["id"], f"%{fragment}%"]))
    assert rows and {r["section"] for r in rows} == {"body"}


def test_link_list_yields_no_sentences_or_claims(db, art000):
    links = list(db.query("select raw_start, raw_end from sections where article_id = ? and kind = 'links'",
                          [art000["id"]]))
    assert len(links) == len(LINK_TITLES)
    links_start = min(r["raw_start"] for r in links)
    assert links_start > COMMENTS_START
    for table in ("sentences", "claims"):
        n = db.execute(f"select count(*) from [{table}] where article_id = ? and raw_end > ?",
                       [art000["id"], links_start]).fetchone()[0]
        assert n == 0, table


@pytest.mark.parametrize("title", LINK_TITLES, ids=[f"link{i}" for i in range(len(LINK_TITLES))])
def test_link_titles_are_not_sentences(db, art000, title):
    # titles such as 「第三方机构协助处理信用卡逾期债务:合法还是存在争议?」 would read as claims
    n = db.execute("select count(*) from sentences where article_id = ? and text like ?",
                   [art000["id"], f"%{title[:12]}%"]).fetchone()[0]
    assert n == 0


def test_spam_line_after_related_links_is_spam(db):
    """002 ends with an injected adult-spam line: labelled spam, kept out of clean_text."""
    art = next(db.query("select id, clean_text from articles where source like ?", [f"%{A002}"]))
    kinds = [r["kind"] for r in db.query("select kind from sections where article_id = ? order by idx", [art["id"]])]
    assert kinds[-1] == "spam"
    assert "毛片" not in art["clean_text"]
