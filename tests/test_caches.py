"""The memos of the pipeline (cleaned lines, script counts, section rules) give the
results computed without them, also when they fill up and are emptied in the middle of
an article; the vectorised MinHash gives what hashing one shingle at a time gives."""
from __future__ import annotations

from pathlib import Path

import extract.document as document
import extract.fingerprint as fingerprint
from extract import load

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def articles():
    return [a for path in sorted(CORPUS.glob("*.txt"))[:12] for a in load(path)]


def reference_signature(text: str) -> list[int]:
    """MinHash of the text's shingles one shingle at a time: what the vectorised code must give."""
    import numpy as np

    a, b = fingerprint._permutations(fingerprint.NUM_PERM)
    grams = fingerprint.shingles(text)
    if not grams:
        return [fingerprint.EMPTY] * fingerprint.NUM_PERM
    hashes = fingerprint._fmix32(np.array([fingerprint.shingle_polynomial(g) for g in grams], dtype=np.uint32))
    return (hashes[:, None] * a + b).min(axis=0).tolist()


def test_signatures_of_texts_of_many_lines_are_those_of_the_whole_text():
    """Shingles cross line breaks (normalising drops them) and a text shorter than a
    shingle is one shingle: the signature of all the text's shingles, hashed one by one."""
    texts = [document.build_document(a).clean.text for a in articles()]
    texts += ["ab\ncd", "abc\nde", "abcde\nf", "a\nb\nc\nd\ne\nf", "！\n？\nab", "Ａ\nＢ_c\n\u2028x\r\nyz１２", "e\n\u0301abcd"]
    assert [fingerprint.minhash_signature(t) for t in texts] == [reference_signature(t) for t in texts]


def test_texts_signed_together_get_the_signatures_of_each_alone():
    """Claim clustering signs the sentences of a base all at once (minhash_signatures):
    the same values as one text at a time, empty texts, texts shorter than a shingle and
    texts of several lines included, across the chunks of permuted shingles."""
    texts = [s.text for a in articles() for s in document.build_document(a).sentences]
    texts += ["", "。！", "ab", "abcde", "abcdef", "两行\n文字", "a"]
    together = fingerprint.minhash_signatures(texts)
    assert together.shape == (len(texts), fingerprint.NUM_PERM)
    assert sum(len(fingerprint.normalise(t)) for t in texts) > 2 * fingerprint._ROWS
    assert together.tolist() == [fingerprint.minhash_signature(t) for t in texts]
    assert together[-7:].tolist() == [reference_signature(t) for t in texts[-7:]]


def test_a_short_text_is_not_a_shingle_of_a_longer_one():
    assert len({fingerprint.shingle_polynomial(g) for g in ("abc", "abcd", "abcde", "bcdef")}) == 4
    assert fingerprint.estimate_similarity(fingerprint.minhash_signature("abc"),
                                           fingerprint.minhash_signature("abcde")) == 0.0


def fresh_document(article) -> document.Document:
    document._CLEANED.clear()
    return document.build_document(article)


def summary(doc: document.Document) -> tuple:
    return ([(m.text, m.starts) for m in doc.lines], doc.signals, doc.edits,
            [(s.text, s.raw_start, s.raw_end) for s in doc.sentences])


def test_documents_do_not_depend_on_the_line_memo(monkeypatch):
    found = articles()
    expected = [summary(fresh_document(a)) for a in found]
    monkeypatch.setattr(document._CLEANED, "maxsize", 7)  # emptied within most articles
    document._CLEANED.clear()
    assert [summary(document.build_document(a)) for a in found + found] == expected + expected


def test_script_counted_by_line_is_the_script_of_the_whole_text(monkeypatch):
    import extract.clean.script as script

    texts = [a.text for a in articles()] + ["這是繁體中文\n这是简体", "隨著\n时间", "abc\n\n", ""]
    expected = [script._detect_script(t) for t in texts]
    for memo in script._COUNTED.values():
        monkeypatch.setattr(memo, "maxsize", 5)
    assert [script.detect_script(t) for t in texts + texts] == expected + expected


def claim_summary(article) -> list[tuple]:
    from extract import analyse

    return [(c.sentence.idx, c.type, c.confidence, c.rule, tuple(c.rules), c.stance, c.subject, c.modality,
             c.negated, c.process, c.step) for c in analyse(article).claims]


def test_claims_and_sections_do_not_depend_on_the_line_and_feature_caches():
    """Section rules and sentence spans are cached per line text: an article analysed after the others (caches warm, and filled by other articles)
    gets what it gets alone with every cache empty."""
    from extract.structure import _split, line_hits

    def cold(article):
        line_hits.cache_clear()
        _split.cache_clear()
        doc = document.build_document(article)
        return [(b.kind, b.rule) for b in doc.blocks], claim_summary(article)

    found = articles()
    expected = [cold(a) for a in found]
    warm = [([(b.kind, b.rule) for b in document.build_document(a).blocks], claim_summary(a))
            for a in reversed(found)]
    assert warm[::-1] == expected
