"""Article titles (extract/title.py) on real corpus pages: labels stripped, site
furniture, bylines and category words skipped, a page without a title named by its
opening words, marked as such."""
from __future__ import annotations

from pathlib import Path

import pytest

from extract import load
from extract.document import build_document
from extract.title import OPENING_WORDS, cut_run_on, not_title_reason, strip_label

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# (file, title, the rule that finds it)
TITLES = [
    ("h012.txt", "信用卡与第三方催收的区别", "title_label"),          # 「标题:」 label dropped
    ("h021.txt", "当信用卡逾期遭遇第三方上门催收,小白你该如何妥善应对?", "title_label"),  # 「【标题】:」
    ("h019.txt", "信用卡被催收公司催收怎么办", "first_title_line"),   # the 《》 round it dropped
    ("h031.txt", "2026年及未来5年市场数据中国催收行业发展监测及投资战略规划建议报告", "first_title_line"),
    ("h070.txt", "停息挂帐", "first_title_line"),                    # not 励志, not the site's name
    ("h082.txt", "网贷轰炸所有联系人吗?", "first_title_line"),       # cut before column word and date
    ("h085.txt", "吉林银行2022年补充选聘信用卡逾期业务催收外包服务商入围招标", "repeated_line"),
    ("h087.txt", "建信消费金融有限责任公司逾期贷款委外催收服务采购项目招标公告", "joined_lines"),
    ("h090.txt", "平安银行信用卡吃罚单背后:不良资产清收4年“赚”500亿,催收费率高达35%", "first_title_line"),
    ("h098.txt", "违规催收哪里投诉最有效", "repeated_line"),
    ("h014.txt", "面对金融机构委外机构讨债,要注意什么?如违规,要如何处理?", "first_title_line"),
]
# pages that begin mid-page: a byline, a person's name, a summary, the body itself
NO_TITLE = ["h004.txt", "h048.txt", "h053.txt", "h056.txt", "h066.txt", "h071.txt", "h117.txt", "h102.txt"]


def headline(name: str):
    (article,) = load(str(CORPUS / name))
    return build_document(article).headline


@pytest.mark.parametrize("name,title,rule", TITLES, ids=[t[0] for t in TITLES])
def test_title_found(name, title, rule):
    h = headline(name)
    assert (h.text, h.rule) == (title, rule)


@pytest.mark.parametrize("name", NO_TITLE)
def test_page_without_title_is_named_by_its_opening_words(name):
    h = headline(name)
    assert h.rule == OPENING_WORDS and h.is_fallback
    assert h.text.startswith("（无标题）") and h.text.endswith("…") and len(h.text) > 12
    for wrong in ("记者", "赵 坤", "摘要", "精彩评论"):
        assert not h.text.startswith("（无标题）" + wrong)


def test_every_corpus_article_gets_a_title_or_its_opening_words():
    found = [headline(p.name) for p in sorted(CORPUS.glob("*.txt"))]
    assert all(found)
    true_titles = [h for h in found if not h.is_fallback]
    assert len(true_titles) >= 45 and not any("标题" in h.text[:4] for h in true_titles)


@pytest.mark.parametrize("line,reason", [("赵 坤", "too_short"), ("励志", "too_short"), ("文档简介", "not_a_title"),
                                         ("21世纪经济报道记者 郭聪聪 北京报道", "byline"),
                                         ("头条 科技 产经 家电 智能 手机", "menu_row"),
                                         ("中国IT产经新闻/财经科技/正文", "breadcrumb"),
                                         ("励志人生知识库", "site_name"), ("一、法律资质与业务范围", "numbered_heading"),
                                         ("(中国互联网金融协会,北京 102425)", "in_brackets")])
def test_lines_that_are_not_titles(line, reason):
    assert not_title_reason(line) == reason


@pytest.mark.parametrize("text,title", [("【标题】:催收合法吗", "催收合法吗"), ("标题:催收合法吗", "催收合法吗"),
                                        ("《信用卡被催收怎么办》", "信用卡被催收怎么办")])
def test_labels_stripped(text, title):
    assert strip_label(text) == title


def test_run_on_cut():
    assert cut_run_on("网贷轰炸所有联系人吗? 贷款知识 2022-05-27 16:24:48 编辑:陈默 许多") == "网贷轰炸所有联系人吗?"
    assert cut_run_on("2025年2月28日,国家标准化管理委员会批准发布") == "2025年2月28日,国家标准化管理委员会批准发布"


def test_page_title_wins_and_loses_its_label(tmp_path):
    from extract.formats import Article
    from extract.title import find_title
    assert find_title([], "【标题】:委外催收合法吗").text == "委外催收合法吗"
    doc = build_document(Article("x.txt", "正文第一句话说的是催收。", title="标题:催收"))
    assert (doc.headline.text, doc.headline.rule) == ("催收", "page_title")
