"""Cleaning: analysis text is simplified with pinyin readings removed, the raw text is kept
as scraped, and personal data is masked everywhere it is stored."""
from __future__ import annotations

import pytest

from conftest import A000, A002, CORPUS, PINYIN_ANNOTATION

PII_002 = ("15070879527", "3590931873", "3590931873@qq.com", "qq.com")


def test_pinyin_readings_removed_from_clean_text(article):
    art = article(A002)
    assert PINYIN_ANNOTATION.search(art["raw_text"]), "002 is annotated with pinyin readings"
    assert PINYIN_ANNOTATION.findall(art["clean_text"]) == []
    assert art["pinyin_annotations"] > 0


def test_readings_are_pypinyins_without_importing_it():
    """The readings come from pypinyin's own table (extract/clean/pinyin.py reads it
    without the 0.2 s import): the same as pypinyin gives for every character annotated
    in corpus/ and for every 97th character of the range annotations are looked for in."""
    from pypinyin import Style, pinyin

    from extract.clean.pinyin import _ANNOTATION, readings

    annotated = {m.group(1) for p in CORPUS.glob("*.txt") for m in _ANNOTATION.finditer(p.read_text(encoding="utf-8"))}
    assert len(annotated) > 20
    for char in sorted(annotated) + [chr(c) for c in range(0x3400, 0xA000, 97)]:
        found = pinyin(char, style=Style.TONE, heteronym=True, errors="ignore")
        assert readings(char) == {r.lower() for r in (found[0] if found else [])}, char


def test_clean_text_is_simplified(article):
    clean = article(A002)["clean_text"]
    for word in ("随着", "催收", "金融机构", "逾期还款的情况也日益增加"):
        assert word in clean
    for word in ("隨著", "機構", "機", "構", "還款"):
        assert word not in clean


def test_raw_text_kept_as_scraped(article):
    art = article(A002)
    raw = art["raw_text"]
    assert "個(gè)" in raw
    assert "隨著信用卡使用的普及" in raw
    # same length as the file: masking is character for character, nothing cut
    assert len(raw) == len((CORPUS / A002).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, script", [(A002, "traditional"), (A000, "simplified")])
def test_script_detected(article, name, script):
    assert article(name)["script"] == script


def test_contact_line_masked_in_raw_text(article):
    art = article(A002)
    assert "15070879527" in (CORPUS / A002).read_text(encoding="utf-8")
    assert "聯(lián)系方式:*********** **********@**.***" in art["raw_text"]
    assert art["pii_masked"] >= 2


@pytest.mark.parametrize("table, column", [
    ("articles", "raw_text"), ("articles", "clean_text"), ("sections", "text"),
    ("sentences", "text"), ("claims", "text"), ("claims", "raw"),
])
@pytest.mark.parametrize("pii", PII_002)
def test_pii_stored_nowhere(db, table, column, pii):
    n = db.execute(f"select count(*) from [{table}] where instr([{column}], ?) > 0", [pii]).fetchone()[0]
    assert n == 0


def test_pii_in_no_text_column_of_any_table(db):
    """Catch-all over every TEXT column, so a new table or column cannot leak it."""
    leaks = []
    for table in db.tables:
        for col in table.columns:
            if col.type.upper() != "TEXT":
                continue
            for pii in PII_002:
                q = f"select count(*) from [{table.name}] where instr([{col.name}], ?) > 0"
                if db.execute(q, [pii]).fetchone()[0]:
                    leaks.append((table.name, col.name, pii))
    assert leaks == []
