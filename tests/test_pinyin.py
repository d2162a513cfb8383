"""Pinyin readings inserted after characters are removed, and only those."""
from __future__ import annotations

import pytest

from conftest import A002, CORPUS
from extract import load
from extract.clean.pinyin import find_pinyin_annotations
from extract.document import build_document
from extract.offsets import MappedText


def strip(text: str) -> str:
    return MappedText.identity(text).apply(find_pinyin_annotations(text))[0].text


@pytest.mark.parametrize("raw, clean", [
    ("信用卡委外催收三個(gè)月", "信用卡委外催收三個月"),
    ("逾期法務(wù) 2024-10-19", "逾期法務 2024-10-19"),
    ("金融機(jī)構(gòu)的一項(xiàng)重要工作", "金融機構的一項重要工作"),
    ("某大型商业银行员工李薇(化名)向记者透露", "某大型商业银行员工李薇(化名)向记者透露"),
    ("《银行卡业务管理办法》(2015年修订)信用卡逾期", "《银行卡业务管理办法》(2015年修订)信用卡逾期"),
    ("陈女士(化名)被迫", "陈女士(化名)被迫"),
    ("债务(zhài wù)纠纷", "债务(zhài wù)纠纷"),  # two syllables: not a one-character reading
    ("如(a)项所列", "如(a)项所列"),  # a letter that is no reading of 如
])
def test_only_readings_of_the_preceding_character_are_removed(raw, clean):
    assert strip(raw) == clean


def test_every_annotation_of_002_is_removed_and_recorded():
    doc = build_document(next(load(CORPUS / A002)))
    removed = [s for s in doc.signals if s.kind == "pinyin_annotation"]
    assert len(removed) > 150
    assert all(s.text.startswith(("(", "（")) for s in removed)
    assert "個(gè)" in doc.raw_text and "(gè)" not in doc.clean.text
