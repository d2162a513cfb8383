"""Decoding: the same article saved in any of the encodings scrapers produce decodes to
the same text and is stored as the same article; what is not text is refused with a
message naming the file, and nothing is stored for it."""
from __future__ import annotations

import codecs
import random
import sqlite3

import pytest
from click.testing import CliRunner

from conftest import A000, A002, CORPUS, strip_pinyin
from extract.decode import InputError, Skipped, decode_bytes
from extract.formats import Article, read_articles
from kb.cli import cli

TEXT_000 = (CORPUS / A000).read_text(encoding="utf-8")  # simplified script
TEXT_002 = (CORPUS / A002).read_text(encoding="utf-8")  # traditional, pinyin readings, mojibake


def encodable_lines(text: str, encoding: str) -> str:
    """The lines of `text` that `encoding` can encode (Big5 has no pinyin tone letters
    and no simplified characters, GBK no U+00A0)."""
    keep = []
    for line in text.split("\n"):
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            continue
        keep.append(line)
    return "\n".join(keep)


BIG5_002 = encodable_lines(TEXT_002, "big5")  # 80 of 126 lines: few characters
BIG5_002_NO_PINYIN = encodable_lines(strip_pinyin(TEXT_002), "big5")  # most of the article
GBK_000 = encodable_lines(TEXT_000, "gbk")
HAN_ONLY_000 = "".join(c for c in TEXT_000 if ord(c) > 127)  # UTF-16 of it may hold no NUL byte

BOM = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE}

# (id, text, how to encode it, names the detected encoding may have)
VARIANTS = [
    ("002-utf-8", TEXT_002, "utf-8", {"utf-8"}),
    ("002-utf-8-bom", TEXT_002, "utf-8-sig", {"utf-8-sig"}),
    ("002-gb18030", TEXT_002, "gb18030", {"gb18030"}),
    ("002-utf-16", TEXT_002, "utf-16", {"utf-16-le", "utf-16"}),  # Python writes a BOM
    ("002-utf-16-le-bom", TEXT_002, "bom+utf-16-le", {"utf-16-le", "utf-16"}),
    ("002-utf-16-be-bom", TEXT_002, "bom+utf-16-be", {"utf-16-be", "utf-16"}),
    ("002-utf-16-le-no-bom", TEXT_002, "utf-16-le", {"utf-16-le"}),
    ("002-utf-16-be-no-bom", TEXT_002, "utf-16-be", {"utf-16-be"}),
    ("002-utf-32-bom", TEXT_002, "bom+utf-32-le", {"utf-32-le", "utf-32"}),
    ("002-big5-lines", BIG5_002, "big5", {"big5", "cp950"}),
    ("002-big5-no-pinyin", BIG5_002_NO_PINYIN, "big5", {"big5", "cp950"}),
    ("002-cp950-no-pinyin", BIG5_002_NO_PINYIN, "cp950", {"big5", "cp950"}),
    ("000-gb18030", TEXT_000, "gb18030", {"gb18030"}),
    ("000-gbk-lines", GBK_000, "gbk", {"gbk", "gb18030"}),
    ("000-utf-16-le-no-bom-han-only", HAN_ONLY_000, "utf-16-le", {"utf-16-le"}),
    ("000-utf-16-be-no-bom-han-only", HAN_ONLY_000, "utf-16-be", {"utf-16-be"}),
]


def encode(text: str, how: str) -> bytes:
    if how.startswith("bom+"):
        enc = how[4:]
        return BOM[enc] + text.encode(enc)
    return text.encode(how)


def test_variants_are_what_they_claim():
    assert len(BIG5_002) > 300 and len(BIG5_002_NO_PINYIN) > 1800 and len(GBK_000) > 3500
    assert "個" in BIG5_002_NO_PINYIN and "个" not in BIG5_002_NO_PINYIN
    assert TEXT_002.encode("gb18030") != TEXT_002.encode("utf-8")
    assert b"\x00" not in HAN_ONLY_000[:100].encode("utf-16-le")


@pytest.mark.parametrize("text,how,names", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_decode_bytes_gives_the_same_text(text, how, names):
    data = encode(text, how)
    decoded, encoding = decode_bytes(data, "article.txt")
    assert decoded == text
    assert encoding in names


def test_big5_is_not_taken_for_gb18030_and_back():
    """Legacy Chinese encodings accept each other's bytes: the reading that makes words wins,
    even for a title alone."""
    traditional, simplified = "信用卡委外催收是否合法", "信用卡委外催收是否合法?银行将逾期账户委托给第三方"
    assert decode_bytes(traditional.encode("big5"), "t.txt") == (traditional, "big5")
    assert decode_bytes("銀行將逾期帳戶委託給第三方".encode("big5"), "t.txt")[1] == "big5"
    assert decode_bytes(simplified.encode("gb18030"), "s.txt") == (simplified, "gb18030")
    assert decode_bytes(simplified.encode("gbk"), "s.txt") == (simplified, "gb18030")
    assert decode_bytes(BIG5_002_NO_PINYIN.encode("big5"), "b.txt")[1] == "big5"
    # Hong Kong characters only Big5-HKSCS has
    hk = "信用卡委外催收嘅問題,佢哋點樣處理?"
    assert decode_bytes(hk.encode("big5hkscs"), "hk.txt") == (hk, "big5hkscs")


def test_hz_encoded_gb2312():
    text = "信用卡委外催收是否合法?银行将逾期账户委托给第三方催收公司。"
    assert decode_bytes(text.encode("hz"), "hz.txt") == (text, "hz")
    # plain ASCII with a "~{" is still ASCII
    assert decode_bytes(b"see ~{ here ~} and there", "a.txt") == ("see ~{ here ~} and there", "utf-8")


def ingest_one(path, db_path) -> tuple[object, list[tuple]]:
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db_path), "-q"])
    conn = sqlite3.connect(str(db_path))
    try:
        rows = conn.execute("select id, source, raw_text, encoding from articles").fetchall()
    finally:
        conn.close()
    return result, rows


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """(id, raw_text) of each base text ingested from UTF-8."""
    cache: dict[str, tuple[str, str]] = {}

    def get(text: str) -> tuple[str, str]:
        key = Article("", text).id
        if key not in cache:
            folder = tmp_path_factory.mktemp("ref")
            path = folder / "article.txt"
            path.write_bytes(text.encode("utf-8"))
            result, rows = ingest_one(path, folder / "kb.db")
            assert result.exit_code == 0, result.output
            assert len(rows) == 1
            cache[key] = rows[0][0], rows[0][2]
        return cache[key]
    return get


@pytest.mark.parametrize("text,how,names", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_kb_ingest_stores_the_same_article(text, how, names, tmp_path, reference):
    path = tmp_path / "article.txt"
    path.write_bytes(encode(text, how))
    result, rows = ingest_one(path, tmp_path / "kb.db")
    assert result.exit_code == 0, result.output
    assert len(rows) == 1
    article_id, source, raw_text, encoding = rows[0]
    ref_id, ref_raw = reference(text)
    assert article_id == ref_id == Article("", text).id
    assert raw_text == ref_raw
    assert source == str(path)
    assert encoding in names


# --- refused -------------------------------------------------------------------------------

RNG = random.Random(20240601)
RANDOM_BINARY = RNG.randbytes(4096)
RANDOM_HIGH = bytes(RNG.randrange(0x80, 0x100) for _ in range(3000))
# random pairs inside GB2312's hanzi area: valid GB18030, but no words
RANDOM_HANZI = bytes(RNG.randrange(0xB0, 0xF8) if i % 2 == 0 else RNG.randrange(0xA1, 0xFF) for i in range(3000))
LATIN_1 = ("Le recouvrement des créances par carte de crédit est confié à des sociétés externes. "
           "Est-ce légal ? Ça dépend des règles de la banque et du consentement du débiteur.\n").encode("latin-1")

REFUSED = [
    ("empty", b"", "empty file"),
    ("whitespace", b" \r\n\t  \n\n", "only whitespace"),
    ("utf-16-whitespace", codecs.BOM_UTF16_LE + " \n\u3000\n".encode("utf-16-le"), "only whitespace"),
    ("bom-only", codecs.BOM_UTF8, "empty file"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + RANDOM_BINARY[:500], "binary data (a PNG image)"),
    ("zip", b"PK\x03\x04" + RANDOM_BINARY[:500], "binary data (a ZIP archive"),
    ("random-binary", RANDOM_BINARY, "binary data"),
    ("random-high-bytes", RANDOM_HIGH, "cannot detect the text encoding"),
    ("random-hanzi", RANDOM_HANZI, "cannot detect the text encoding"),
    ("latin-1", LATIN_1, "cannot detect the text encoding"),
    ("bom-then-binary", codecs.BOM_UTF16_LE + RANDOM_BINARY, "byte-order mark but is not UTF-16 text"),
]


@pytest.mark.parametrize("data,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_a_message_naming_the_file(data, message, tmp_path):
    path = tmp_path / "bad input.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        decode_bytes(data, str(path))
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(read_articles(path))
    result, rows = ingest_one(path, tmp_path / "kb.db")
    assert result.exit_code == 1
    # binary data is not an article at all: skipped, not failed
    skipped = message.startswith("binary data")
    assert isinstance(exc.value, Skipped) == skipped
    assert f"{'skipped' if skipped else 'error'}: {path}: " in result.stderr
    assert "0 added" in result.output and ("files skipped: 1" if skipped else "1 failed") in result.output
    assert rows == []


def test_undetectable_message_says_where_and_what_to_do():
    data = "\n".join(TEXT_000.split("\n")[:2]).encode("utf-8") + b"\n" + LATIN_1
    with pytest.raises(InputError) as exc:
        decode_bytes(data, "mixed.txt")
    message = str(exc.value)
    assert message.startswith("mixed.txt: cannot detect the text encoding")
    assert "line 3" in message and "save the file as UTF-8" in message


# --- damage that is tolerated --------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5", "utf-16-le"])
def test_a_truncated_last_character_is_dropped(encoding):
    """Scrapers often stop at a byte limit, in the middle of a character. Refusing the whole
    article over it would help no one: the partial character is dropped, the rest kept, and
    the encoding name says so."""
    text = (BIG5_002_NO_PINYIN if encoding == "big5" else TEXT_000).rstrip()
    data = text.encode(encoding)
    width = len(text[-1].encode(encoding))
    assert width > 1
    for cut in range(1, width):
        decoded, name = decode_bytes(data[:-cut], "cut.txt")
        assert decoded == text[:-1]
        assert name == f"{encoding} (truncated last character dropped)"


def test_a_truncated_file_is_ingested(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(TEXT_000.rstrip().encode("utf-8")[:-1])
    result, rows = ingest_one(path, tmp_path / "kb.db")
    assert result.exit_code == 0, result.output
    assert [r[3] for r in rows] == ["utf-8 (truncated last character dropped)"]
    assert rows[0][0] == Article("", TEXT_000.rstrip()[:-1]).id


def test_a_few_invalid_bytes_become_replacement_characters():
    """A stray byte in an otherwise valid UTF-8 article (a damaged scrape) costs one U+FFFD,
    not the article; the encoding name records how many bytes were replaced."""
    data = TEXT_000.encode("utf-8")
    at = data.index("合法性".encode("utf-8"))
    damaged = data[:at] + b"\xff" + data[at:]
    decoded, name = decode_bytes(damaged, "damaged.txt")
    assert decoded == TEXT_000[:TEXT_000.index("合法性")] + "\ufffd" + TEXT_000[TEXT_000.index("合法性"):]
    assert name == "utf-8 (1 invalid byte replaced)"


def test_many_invalid_bytes_are_refused():
    data = bytearray(TEXT_000.encode("utf-8"))
    for i in range(0, len(data), 40):
        data[i] = 0xFF
    with pytest.raises(InputError, match="damaged.txt: cannot detect the text encoding"):
        decode_bytes(bytes(data), "damaged.txt")


def test_plain_ascii_and_crlf_are_kept_as_they_are():
    assert decode_bytes(b"Credit card collection\r\n", "a.txt") == ("Credit card collection\r\n", "utf-8")
    text = "信用卡委外催收\r\n合法吗?\r\n"
    assert decode_bytes(text.encode("gb18030"), "w.txt") == (text, "gb18030")
