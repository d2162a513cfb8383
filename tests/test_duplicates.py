"""Near-duplicate articles: a lightly edited republication of an article is recorded as a
copy of the original (duplicate_of, similarity) and left out of independent_articles;
unrelated articles are not; signatures are the same in every process."""
from __future__ import annotations

import itertools
import json
import os
import pickle
import sqlite3
import subprocess
import sys

import pytest

from conftest import A000, CORPUS, CORPUS_FILES, ROOT, copy_db, row_counts
from extract.fingerprint import (EMPTY, NUM_PERM, estimate_similarity, from_bytes, minhash_signature,
                                 to_bytes)
from extract.document import build_document
from extract.formats import Article
from kb.store.duplicates import THRESHOLD, DuplicateIndex
from kb.store.ingest import analyse_file, ingest

COPY = "copy_of_000.txt"


def edited_copy(text: str) -> str:
    """What a content farm does to A000: a new title, a sentence changed, sentences and a
    paragraph deleted, two paragraphs swapped, a line of its own added."""
    lines = text.split("\n")
    assert lines[0] == "信用卡欠款外包:合法性、安全性及可能的风险全面解析"
    lines[0] = "信用卡欠款委外催收合法吗?一文看懂安全性与风险"
    # delete a sentence of the introduction
    lines[4] = lines[4].replace("部分持卡人由于种种起因引起信用卡欠款无法及时偿还进而引发了信用卡欠款外包业务的兴起。", "")
    # change a sentence
    old = "这些团队成员需要具备执法背景或相关法律背景,以便更好地熟悉的法律程序和手。"
    assert old in lines[52]
    lines[52] = lines[52].replace(old, "团队成员最好有法律从业经验。")
    # delete a sentence and a paragraph
    lines[18] = lines[18].replace("假使外包机构的信息安全措不到位存在数据泄露的风险将直接危害持卡人的个人隐私和财产安全。", "")
    assert lines[122].startswith("保持良好的还款惯")
    del lines[122]
    # swap two paragraphs (2. 内部人员安全风险 and 3. 技术安全风险)
    assert lines[22].startswith("外包服务机构的内部员工") and lines[26].startswith("信用卡外包机构在信息系统建设")
    lines[22], lines[26] = lines[26], lines[22]
    lines.insert(3, "本文来源于网络,仅供参考。")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def copy_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    path = folder / COPY
    original = (CORPUS / A000).read_text(encoding="utf-8")
    edited = edited_copy(original)
    assert edited != original
    path.write_text(edited, encoding="utf-8")
    return path


def articles(db_path) -> dict[str, dict]:
    """source → id, duplicate_of, similarity."""
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    try:
        return {r["source"]: dict(r) for r in
                conn.execute("select source, id, duplicate_of, similarity from articles order by source")}
    finally:
        conn.close()


def query(db_path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_fingerprint_is_compact_and_tolerant_of_layout():
    text = (CORPUS / A000).read_text(encoding="utf-8")
    sig = minhash_signature(text)
    assert len(sig) == NUM_PERM and all(isinstance(v, int) and 0 <= v < EMPTY for v in sig)
    blob = to_bytes(sig)
    assert len(blob) == 4 * NUM_PERM and from_bytes(blob) == sig
    # punctuation, spacing, line breaks and letter case are not part of the shingles
    relaid = text.replace("\n", "  ").replace(",", ",").replace("。", ". ").upper()
    assert minhash_signature(relaid) == sig
    assert estimate_similarity(sig, sig) == 1.0


def test_empty_text_is_similar_to_nothing():
    empty = minhash_signature("   ,。!  ")
    assert all(v == EMPTY for v in empty)
    assert estimate_similarity(empty, empty) == 0.0
    assert estimate_similarity(empty, minhash_signature("信用卡欠款外包")) == 0.0
    index = DuplicateIndex()
    index.add("a", empty)
    assert index.find("b", empty) is None


def test_signature_same_across_processes_and_hash_seeds():
    code = ("import json, sys; from extract.fingerprint import minhash_signature; "
            "print(json.dumps(minhash_signature(open(sys.argv[1], encoding='utf-8').read())))")
    sigs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, str(CORPUS / A000)],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        sigs.append(json.loads(out))
    assert sigs[0] == sigs[1]
    assert sigs[0] == minhash_signature((CORPUS / A000).read_text(encoding="utf-8"))


def test_edited_copy_is_a_duplicate_of_the_original(copy_file, tmp_path):
    db_path = tmp_path / "kb.db"
    first = ingest([str(CORPUS / A000)], str(db_path))
    second = ingest([str(copy_file)], str(db_path))
    assert (first.added, first.duplicates, second.added, second.duplicates) == (1, 0, 1, 1)
    rows = articles(db_path)
    original, copy = rows[str(CORPUS / A000)], rows[str(copy_file)]
    assert original["id"] != copy["id"]
    assert original["duplicate_of"] is None and original["similarity"] is None
    assert copy["duplicate_of"] == original["id"]
    assert THRESHOLD < copy["similarity"] < 1.0
    assert query(db_path, "select id from independent_articles") == [(original["id"],)]
    assert "near duplicates added: 1" in second.line()


def test_corpus_articles_are_not_duplicates_of_each_other(kb_path, corpus_summary):
    """What the corpus really holds: 85 different articles. The most similar pair
    (h067/h068, two openings of pages on the same question) shares about 17% of its
    shingles, far below the 0.7 of a copy."""
    assert corpus_summary[1].duplicates == 0
    assert query(kb_path, "select count(*) from articles where duplicate_of is not null or similarity is not null") == [(0,)]
    assert query(kb_path, "select count(*) from independent_articles") == [(len(CORPUS_FILES),)]
    sigs = {aid: from_bytes(blob) for aid, blob in query(kb_path, "select article_id, minhash from article_fingerprints")}
    assert len(sigs) == len(CORPUS_FILES)
    assert max(estimate_similarity(sigs[a], sigs[b]) for a, b in itertools.combinations(sigs, 2)) < 0.3


def test_copy_among_the_whole_corpus(kb_path, copy_file, tmp_path):
    db_path = copy_db(kb_path, tmp_path / "kb.db")
    summary = ingest([str(CORPUS), str(copy_file)], str(db_path))
    assert (summary.added, summary.unchanged, summary.duplicates) == (1, len(CORPUS_FILES), 1)
    rows = articles(db_path)
    marked = {src: r["duplicate_of"] for src, r in rows.items() if r["duplicate_of"]}
    assert marked == {str(copy_file): rows[str(CORPUS / A000)]["id"]}
    assert query(db_path, "select count(*) from independent_articles") == [(len(CORPUS_FILES),)]


def test_worker_rows_carry_the_signature():
    """The signature is computed with the analysis (in the worker process with --jobs)
    and travels with the pickled rows; the writer only looks it up."""
    [rows] = analyse_file(CORPUS / A000)
    rows = pickle.loads(pickle.dumps(rows))
    assert from_bytes(rows.fingerprint) == minhash_signature(rows.article["clean_text"])


def test_reingest_changes_nothing(copy_file, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(CORPUS / A000), str(copy_file)], str(db_path))
    before, counts = articles(db_path), row_counts(db_path, ("articles", "article_fingerprints", "claims"))
    again = ingest([str(copy_file), str(CORPUS / A000)], str(db_path))  # other order: still unchanged
    assert (again.added, again.replaced, again.unchanged, again.duplicates) == (0, 0, 2, 0)
    assert articles(db_path) == before
    assert row_counts(db_path, ("articles", "article_fingerprints", "claims")) == counts


def test_replacing_the_original_keeps_duplicate_of_canonical(copy_file, tmp_path):
    """When the original's file changes, its old article goes; the copy, now the earliest,
    becomes canonical and the new version of the original points to it."""
    folder = tmp_path / "in"
    folder.mkdir()
    original = folder / A000
    original.write_text((CORPUS / A000).read_text(encoding="utf-8"), encoding="utf-8")
    copy = folder / "z_copy.txt"
    copy.write_text(copy_file.read_text(encoding="utf-8"), encoding="utf-8")
    db_path = tmp_path / "kb.db"
    ingest([str(folder)], str(db_path))
    old_id = articles(db_path)[str(original)]["id"]
    assert articles(db_path)[str(copy)]["duplicate_of"] == old_id

    with open(original, "a", encoding="utf-8") as fh:
        fh.write("\n催收公司不得在夜间拨打债务人的电话。\n")
    summary = ingest([str(folder)], str(db_path))
    assert (summary.replaced, summary.unchanged, summary.duplicates) == (1, 1, 1)
    rows = articles(db_path)
    assert rows[str(copy)]["duplicate_of"] is None and rows[str(copy)]["similarity"] is None
    assert rows[str(original)]["duplicate_of"] == rows[str(copy)]["id"]
    assert rows[str(original)]["similarity"] > THRESHOLD
    assert query(db_path, "select count(*) from article_fingerprints where article_id = ?", [old_id]) == [(0,)]
    assert query(db_path, "select count(*) from article_fingerprints "
                          "where article_id not in (select id from articles)") == [(0,)]
    # duplicate_of always names a stored, canonical article
    assert query(db_path, "select count(*) from articles a left join articles c on c.id = a.duplicate_of "
                          "where a.duplicate_of is not null and (c.id is null or c.duplicate_of is not null)") == [(0,)]


def test_articles_stored_before_fingerprints_are_backfilled(copy_file, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(CORPUS / A000), str(copy_file)], str(db_path))
    expected = articles(db_path)
    conn = sqlite3.connect(str(db_path))
    with conn:
        conn.execute("delete from article_fingerprints")
        conn.execute("update articles set duplicate_of = null, similarity = null")
    conn.close()
    summary = ingest([str(CORPUS / A000)], str(db_path))
    assert summary.unchanged == 1
    assert articles(db_path) == expected
    assert query(db_path, "select count(*) from article_fingerprints") == [(2,)]


def test_index_prefers_the_most_similar_and_points_to_the_canonical():
    base = (CORPUS / A000).read_text(encoding="utf-8")
    a = minhash_signature(base)
    b = minhash_signature(edited_copy(base))
    index = DuplicateIndex()
    index.add("a", a)
    found = index.find("b", b)
    assert found is not None and found[0] == "a" and found[1] > THRESHOLD
    index.add("b", b, duplicate_of="a")
    # an exact copy of b matches b best, but is recorded against a, the canonical one
    dup, sim = index.find("c", b)
    assert dup == "a" and sim == estimate_similarity(b, a)
    # an article is only compared with those indexed before it
    assert index.find("a", a) is None
    assert index.find("x", minhash_signature((CORPUS / "h005.txt").read_text(encoding="utf-8"))) is None


def test_signature_is_affine32_minhash_of_the_shingles():
    """extract.fingerprint permutes its shingle hashes with datasketch's affine32 scheme:
    given the same hashes, datasketch's MinHash gives the same values."""
    from datasketch import MinHash

    from extract.fingerprint import SEED, shingle_polynomial, shingles

    def reference(text: str, num_perm: int = NUM_PERM) -> list[int]:
        m = MinHash(num_perm=num_perm, seed=SEED, scheme="affine32", hashfunc=shingle_polynomial)
        m.update_batch(list(shingles(text)))
        return [int(v) for v in m.hashvalues]

    texts = [(CORPUS / name).read_text(encoding="utf-8") for name in CORPUS_FILES[:10]]
    texts += ["", "abcd", "abcde", "信用卡委外催收", "".join(texts)]  # the last over many permutation chunks
    for text in texts:
        assert minhash_signature(text) == reference(text)
    assert minhash_signature(texts[0], 64) == reference(texts[0], 64)


def test_signatures_of_another_scheme_are_signed_again(copy_file, tmp_path, monkeypatch):
    """A base whose signatures an earlier version computed (SHA-1 shingle hashes) gets
    every signature anew at the next ingest: old and new ones would never match."""
    import extract.fingerprint as fingerprint

    db_path = tmp_path / "kb.db"
    ingest([str(CORPUS / A000), str(copy_file)], str(db_path))
    expected = articles(db_path)
    signed = query(db_path, "select article_id, minhash from article_fingerprints order by article_id")
    conn = sqlite3.connect(str(db_path))
    with conn:  # what another scheme stored: other values of the same size
        conn.execute("update article_fingerprints set minhash = randomblob(length(minhash))")
    conn.close()
    summary = ingest([str(CORPUS / A000)], str(db_path))
    assert summary.unchanged == 1
    assert query(db_path, "select article_id, minhash from article_fingerprints order by article_id") == signed
    assert articles(db_path) == expected


def test_bands_are_datasketch_optimal_banding():
    from datasketch import MinHashLSH

    from kb.store.duplicates import lsh_bands

    assert list(lsh_bands()) == list(MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM).hashranges)


def test_lookup_reads_only_articles_sharing_a_band(kb_path, copy_file, tmp_path):
    """A new article is looked up through the band indexes of article_fingerprints, not by
    reading every stored signature: adding one article costs the same at any base size."""
    from kb.store.schema import open_db

    db = open_db(str(copy_db(kb_path, tmp_path / "kb.db")))
    index = DuplicateIndex(db)
    plan = " ".join(r[3] for r in db.execute("explain query plan " + index._candidates_sql, [b""] * 14))
    assert plan.count("USING INDEX article_fingerprints_band") == 14 and "SCAN" not in plan
    original = next(r for r in articles(kb_path).values() if r["source"].endswith(A000))
    copy = Article(source=COPY, text=edited_copy((CORPUS / A000).read_text(encoding="utf-8")))
    found = index.find("new", minhash_signature(build_document(copy).clean_text))  # signed as ingest signs it
    assert found is not None and found[0] == original["id"]
