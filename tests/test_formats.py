"""Input formats: .txt, .html/.htm (the main text of a page with its title, date and
author; navigation, scripts, styles and footers dropped) and .jsonl (one article a line;
a bad line is reported with its line number and the others are ingested)."""
from __future__ import annotations

import html
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from conftest import A000, A002, CORPUS
from extract.decode import InputError
from extract.formats import Article, html_article, read_articles
from kb.cli import cli
from kb.store.ingest import ingest

H005 = "h005.txt"
TEXT_000 = (CORPUS / A000).read_text(encoding="utf-8")
PARAGRAPHS = [re.sub(r"[ \t\xa0\u3000]+", " ", line).strip() for line in TEXT_000.split("\n")]
PARAGRAPHS = [p for p in PARAGRAPHS if p]
TITLE = PARAGRAPHS[0]

# page furniture, none of it in the article
NAV = ["网站首页导航", "信用卡债务频道", "律师在线咨询入口"]
SCRIPT = "弹窗广告文案:立即领取五万额度"
STYLE = "font-family: 微软雅黑体样式"
FOOTER = "版权所有 逾期动态资讯网 粤ICP备12345678号"
FURNITURE = NAV + [SCRIPT, STYLE, FOOTER]
AUTHOR = "张明律师"
PUBLISHED = "2025-03-08T20:26:35+08:00"


def page(paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[1:])
    nav = "".join(f'<li><a href="/c{i}">{n}</a></li>' for i, n in enumerate(NAV))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<title>{html.escape(paragraphs[0])}</title>
<meta name="author" content="{AUTHOR}">
<meta property="article:published_time" content="{PUBLISHED}">
<meta property="og:url" content="https://example.com/a/000.html">
<style>body {{ {STYLE}; }}</style>
<script>var ad = "{SCRIPT}"; document.title = ad;</script>
</head>
<body>
<nav><ul>{nav}</ul></nav>
<article>
<h1>{html.escape(paragraphs[0])}</h1>
{body}
</article>
<footer><p>{FOOTER}</p></footer>
</body>
</html>
"""


def test_furniture_is_not_in_the_article():
    for text in FURNITURE + [AUTHOR]:
        assert text not in TEXT_000


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "000.html"
    path.write_text(page(PARAGRAPHS), encoding="utf-8")
    return path


def test_html_page_gives_its_main_text_and_metadata(page_file):
    items = list(read_articles(page_file))
    assert len(items) == 1
    art = items[0]
    assert isinstance(art, Article)
    # every paragraph, in order, each its own paragraph; nothing else
    assert art.text == "\n\n".join(PARAGRAPHS)
    for text in FURNITURE:
        assert text not in art.text
    assert "var ad" not in art.text and "{" not in art.text
    assert (art.title, art.published, art.author) == (TITLE, PUBLISHED, AUTHOR)
    assert (art.url, art.fmt, art.encoding, art.source) == ("https://example.com/a/000.html", "html", "utf-8",
                                                           str(page_file))


def test_html_page_ingested_with_its_metadata(page_file, tmp_path):
    db_path = tmp_path / "kb.db"
    summary = ingest([str(page_file)], str(db_path))
    assert (summary.added, summary.failed) == (1, 0), summary.errors
    conn = sqlite3.connect(str(db_path))
    row = conn.execute("select source, title, published, author, url, format, encoding, raw_text, n_claims "
                       "from articles").fetchall()
    conn.close()
    assert len(row) == 1
    source, title, published, author, url, fmt, encoding, raw_text, n_claims = row[0]
    assert (source, title, published, author) == (str(page_file), TITLE, PUBLISHED, AUTHOR)
    assert (url, fmt, encoding) == ("https://example.com/a/000.html", "html", "utf-8")
    assert "交通信用卡外包公司上门催款的表现在中国是不合法的。" in raw_text
    assert not any(text in raw_text for text in FURNITURE)
    assert n_claims > 0


def test_htm_in_gbk_declared_in_the_page(tmp_path, page_file):
    """.htm works too, and a page saved in GBK decodes to the same article."""
    paragraphs = [p for p in PARAGRAPHS if _encodes(p, "gbk")]
    path = tmp_path / "000.htm"
    path.write_bytes(page(paragraphs, charset="gbk").encode("gbk"))
    (art,) = read_articles(path)
    assert art.text == "\n\n".join(paragraphs)
    assert (art.title, art.published, art.author, art.fmt) == (TITLE, PUBLISHED, AUTHOR, "html")
    assert art.encoding == "gb18030"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(tmp_path / "kb.db"), "-q"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_html_page_without_article_text_is_refused(tmp_path):
    path = tmp_path / "empty page.html"
    furniture_only = page([TITLE]).replace(f"<h1>{TITLE}</h1>", "")
    path.write_text(furniture_only, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{path}: HTML page with no article text")):
        list(read_articles(path))
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db_path), "-q"])
    assert result.exit_code == 1
    assert f"error: {path}: HTML page with no article text" in result.stderr
    conn = sqlite3.connect(str(db_path))
    assert conn.execute("select count(*) from articles").fetchone()[0] == 0
    conn.close()


# --- details of pages ------------------------------------------------------------------------

def test_breaks_entities_and_headings():
    art = html_article(
        "<html><body><h2>一、合法性</h2>委外催收本身&nbsp;合法&amp;受&#30417;&#x7ba1;&lt;银行&gt;。<br>"
        "第二行<br/>第三行<h3>1.1 风险</h3><div>第一段<div>嵌套段</div></div>"
        "<ul><li>要点一</li><li>要点二</li></ul></body></html>", "x.html", "utf-8")
    assert art.text == ("一、合法性\n\n委外催收本身 合法&受监管<银行>。\n第二行\n第三行\n\n1.1 风险\n\n"
                        "第一段\n\n嵌套段\n\n要点一\n\n要点二")


def test_published_from_time_element_and_title_from_h1():
    art = html_article(
        '<title>信用卡委外催收合法吗 - 逾期动态资讯网</title>'
        '<body><header class="site">站点标志</header><article><header><h1>信用卡委外催收合法吗</h1>'
        '<time datetime="2025-03-09">2025年3月9日</time></header><p>正文。</p></article>'
        '<footer><time datetime="2020-01-01">页脚日期</time></footer></body>', "x.html", "utf-8")
    assert art.published == "2025-03-09"
    assert art.title == "信用卡委外催收合法吗"  # the site name after the headline dropped
    assert art.text == "信用卡委外催收合法吗\n\n2025年3月9日\n\n正文。"  # the article's own header kept


def test_navigation_and_footers_by_class_name():
    art = html_article(
        '<body class="has-sidebar"><div id="main-nav"><a>首页</a><a>频道</a></div>'
        '<div class="breadcrumb">当前位置:首页 &gt; 逾期</div>'
        '<div class="content"><p>正文第一段。</p><p>正文第二段。</p></div>'
        '<div class="sidebar-right">热门文章</div><div class="site-footer">联系我们</div>'
        '<div role="contentinfo">版权声明</div></body>', "x.html", "utf-8")
    assert art.text == "正文第一段。\n\n正文第二段。"


def test_class_names_never_hide_the_whole_page():
    art = html_article('<div class="nav-content"><p>只有这一段。</p></div><nav>菜单</nav>', "x.html", "utf-8")
    assert art.text == "只有这一段。"


def test_a_page_wrapped_in_a_form():
    """ASP.NET pages put the whole body in one <form>; only its controls are dropped."""
    art = html_article('<body><form id="form1" method="post"><input type="hidden" value="x">'
                       '<p>正文一段。</p><textarea>请输入评论</textarea><button>提交评论</button></form></body>',
                       "x.html", "utf-8")
    assert art.text == "正文一段。"


def test_unclosed_head_and_svg_title():
    art = html_article('<html><head><title>标题</title><meta name="author" content="李四">'
                       '<p>正文<svg><title>图标</title></svg>继续。</p>', "x.html", "utf-8")
    assert (art.text, art.title, art.author) == ("正文继续。", "标题", "李四")


def test_author_url_is_not_an_author():
    art = html_article('<meta property="article:author" content="https://facebook.com/x"><p>正文。</p>',
                       "x.html", "utf-8")
    assert art.author is None


# --- JSONL ---------------------------------------------------------------------------------

def corpus_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def h005_page() -> tuple[str, str]:
    paragraphs = [p.strip() for p in corpus_text(H005).split("\n") if p.strip()]
    markup = ("<html><head><title>h005</title><script>var x = '脚本文字';</script></head><body>"
              "<nav>导航菜单</nav>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</body></html>")
    return markup, "\n\n".join(re.sub(r"[ \t\xa0\u3000]+", " ", p) for p in paragraphs)


@pytest.fixture
def jsonl_file(tmp_path):
    markup, _ = h005_page()
    lines = [
        json.dumps({"url": "https://example.com/000", "title": "标题〇", "text": corpus_text(A000),
                    "published": "2025-03-08", "author": "作者甲"}, ensure_ascii=False),
        json.dumps({"url": "https://example.com/h005", "title": "标题五", "html": markup}, ensure_ascii=False),
        '{"url": "https://example.com/broken", "title": "坏行", "text": "没有闭合的字符串}',
        json.dumps({"url": "https://example.com/none", "title": "没有正文"}, ensure_ascii=False),
        "",
        json.dumps({"url": "https://example.com/002", "title": "標題二", "text": corpus_text(A002)},
                   ensure_ascii=False),
        json.dumps({"url": "https://example.com/nav", "html": "<nav>只有导航</nav><script>x</script>"}),
        json.dumps(["not", "an", "object"]),
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_lines_are_articles_and_bad_lines_errors(jsonl_file):
    items = list(read_articles(jsonl_file))
    arts = [i for i in items if isinstance(i, Article)]
    errors = [str(i) for i in items if isinstance(i, InputError)]
    assert [a.source for a in arts] == [f"{jsonl_file}#{n}" for n in (1, 2, 6)]
    assert [a.title for a in arts] == ["标题〇", "标题五", "標題二"]
    assert arts[0].text == corpus_text(A000) and arts[2].text == corpus_text(A002)
    assert arts[1].text == h005_page()[1]
    assert (arts[0].published, arts[0].author, arts[0].url) == ("2025-03-08", "作者甲", "https://example.com/000")
    assert {a.fmt for a in arts} == {"jsonl"}
    assert [e.split(": ")[0] for e in errors] == [f"{jsonl_file}:{n}" for n in (3, 4, 7, 8)]
    assert "malformed JSON line" in errors[0] and "malformed JSON line" in errors[3]
    assert "no article text" in errors[1]
    assert "HTML with no article text" in errors[2]


def test_kb_ingest_jsonl_stores_good_lines_and_fails(jsonl_file, tmp_path):
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(jsonl_file), "--db", str(db_path), "-q"])
    assert result.exit_code == 1
    for n in (3, 4, 7, 8):
        assert f"error: {jsonl_file}:{n}: " in result.stderr
    assert "3 added" in result.output and "4 failed" in result.output
    conn = sqlite3.connect(str(db_path))
    rows = conn.execute("select source, id, title, url, format from articles order by source").fetchall()
    conn.close()
    assert [r[0] for r in rows] == [f"{jsonl_file}#{n}" for n in (1, 2, 6)]
    assert rows[0][1] == Article("", corpus_text(A000)).id
    assert rows[2][1] == Article("", corpus_text(A002)).id
    assert [r[2] for r in rows] == ["标题〇", "标题五", "標題二"]
    assert [r[3] for r in rows] == ["https://example.com/000", "https://example.com/h005", "https://example.com/002"]
    assert {r[4] for r in rows} == {"jsonl"}


def test_jsonl_line_separator_inside_a_string_is_not_a_new_line(tmp_path):
    path = tmp_path / "sep.jsonl"
    path.write_text(json.dumps({"text": "第一句\u2028第二句\u0085第三句"}, ensure_ascii=False) + "\r\n",
                    encoding="utf-8")
    (art,) = read_articles(path)
    assert art.text == "第一句\u2028第二句\u0085第三句"
    assert art.source == f"{path}#1"


def test_jsonl_fields_of_the_wrong_type(tmp_path):
    path = tmp_path / "types.jsonl"
    path.write_text('{"text": ["a", "b"]}\n{"html": 5}\n{"text": "正文", "title": 7, "published": null}\n',
                    encoding="utf-8")
    items = list(read_articles(path))
    assert [str(i) for i in items[:2]] == [f"{path}:1: the 'text' field is a JSON list, not a string",
                                          f"{path}:2: the 'html' field is a JSON int, not a string"]
    assert (items[2].text, items[2].title, items[2].published) == ("正文", "7", None)
