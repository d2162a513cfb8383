import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # no conftest / pytest config puts the project on the path yet

from extract.clean.mojibake import RULE, find_mojibake  # noqa: E402
from extract.clean.pinyin import find_pinyin_annotations  # noqa: E402
from extract.offsets import MappedText  # noqa: E402

CORPUS = ROOT / "corpus"
# files (and the marker of each line) that hold byte-shifted GBK runs
MOJIBAKE_LINES = {"002_2bd0eb9c5c11ef90.txt": ("人們?nèi)粘O", "適當(dāng)?shù)"), "h120.txt": ("催收?qǐng)F",),
                  "h025.txt": ("?qū)で笃渌麄鶆?w",)}


def corpus_line(name: str, marker: str) -> str:
    return next(line for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if marker in line)


def apply(text: str, edits) -> str:
    return MappedText.identity(text).apply(edits)[0].text


def repair(text: str) -> str:
    """Mojibake first, then pinyin readings, as the pipeline cleans a raw line."""
    text = apply(text, find_mojibake(text))
    return apply(text, find_pinyin_annotations(text))


def test_lost_byte_and_folded_fullwidth_repaired():
    line = corpus_line("002_2bd0eb9c5c11ef90.txt", "人們?nèi)粘O")
    assert "人們?nèi)粘O\ue386M(fèi)" in line
    edits = find_mojibake(line)
    assert [(line[e.start:e.end], e.replacement, e.rule) for e in edits] == [("?nèi)粘O\ue386M", "日常消費", RULE)]
    assert "人們日常消費(fèi)的重要工具" in apply(line, edits)
    assert "人們日常消費的重要工具" in repair(line)


def test_shifted_run_after_reading_repaired():
    line = corpus_line("002_2bd0eb9c5c11ef90.txt", "適當(dāng)?shù)")
    edits = find_mojibake(line)
    assert [(line[e.start:e.end], e.replacement) for e in edits] == [("?shù)拇呤詹粌H", "的催收不僅")]
    assert "適當(dāng)的催收不僅能保護(hù)" in apply(line, edits)
    assert repair(line).strip().startswith("適當的催收不僅能保護金融機構的利益")


def test_repair_works_after_pinyin_removal_too():
    line = corpus_line("002_2bd0eb9c5c11ef90.txt", "適當(dāng)?shù)")
    line = apply(line, find_pinyin_annotations(line))
    assert "適當的催收不僅能" in apply(line, find_mojibake(line))


def test_h120_single_character_run():
    line = corpus_line("h120.txt", "催收?qǐng)F")
    edits = find_mojibake(line)
    assert [(line[e.start:e.end], e.replacement) for e in edits] == [("?qǐng)F", "團")]
    assert "以杭州某催收團隊為例" in repair(line)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_ordinary_lines_untouched(path: Path):
    markers = MOJIBAKE_LINES.get(path.name, ())
    for line in path.read_text(encoding="utf-8").splitlines():
        if not any(m in line for m in markers):
            assert find_mojibake(line) == [], line


def test_utf8_read_as_gbk_repaired():
    garbled = "法律行业在应对信用卡".encode("utf-8").decode("gbk", errors="replace")
    assert "\ufffd" not in garbled
    text = f"在現代金融社會中，{garbled}逾期的問題。"
    assert apply(text, find_mojibake(text)) == "在現代金融社會中，法律行业在应对信用卡逾期的問題。"


def test_utf8_read_as_gbk_with_lost_bytes():
    # the bytes U+FFFD replaced cannot be recovered: their characters stay U+FFFD
    garbled = "適當的催收不僅能保護".encode("utf-8").decode("gbk", errors="replace")
    text = f"他說：{garbled}。"
    assert apply(text, find_mojibake(text)) == "他說：適當的催收不僅能保\ufffd。"


def test_unrepairable_run_is_a_signal_only():
    text = "我們?nèi)好"  # the run breaks off before any resync byte
    edits = find_mojibake(text)
    assert [(e.start, e.end) for e in edits] == [(2, 7)]
    assert edits[0].replacement == text[2:7]
    assert apply(text, edits) == text


def test_ordinary_question_and_parentheses_untouched():
    for text in ["是否违法?有谁被信用卡逾期上门过?", "李薇(化名)说:可以吗?abc)", "信用卡逾期怎么办?xyz)好的"]:
        assert find_mojibake(text) == []


def test_an_article_without_mojibake_is_told_by_one_test():
    """extract.clean.mojibake.may_hold_mojibake lets the pipeline skip the search on every
    line of an article: it is true of every line where a run is found."""
    from extract.clean.mojibake import may_hold_mojibake

    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if not may_hold_mojibake(text):
            assert all(find_mojibake(line) == [] for line in text.splitlines()), path.name
    for name, markers in MOJIBAKE_LINES.items():
        assert may_hold_mojibake((CORPUS / name).read_text(encoding="utf-8"))
        assert all(may_hold_mojibake(corpus_line(name, m)) for m in markers)
    assert not may_hold_mojibake("信用卡委外催收合法吗?(一)")  # a "?" and a bracket, not a reading
    assert may_hold_mojibake("鐨勫偓鏀朵笉")  # UTF-8 read as GBK: rare characters, no "?"
