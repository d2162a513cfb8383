"""Claim clusters: the same assertion in a spun copy of an article is one cluster, and
the copy does not count as independent support."""
from __future__ import annotations

import shutil
import sqlite3

from conftest import A000, CORPUS
from kb.graph.clusters import group_claims
from kb.graph.build import rebuild
from kb.store.ingest import ingest


def test_spun_variants_of_a_claim_group_together_and_others_do_not():
    claims = [
        (1, "risk", "假使外包机构的信息安全措施不到位存在数据泄露的风险将直接危害持卡人的个人隐私和财产安全。"),
        (2, "risk", "如果外包机构的信息安全措施不到位,存在数据泄露的风险,将直接危害持卡人的个人隐私和财产安全。"),
        (3, "mitigation", "如果外包机构的信息安全措施不到位,存在数据泄露的风险,将直接危害持卡人的个人隐私和财产安全。"),
        (4, "risk", "催收过程中,如果催收手段过于激进,可能会影响客户的体验。"),
    ]
    assert group_claims(claims) == [[1, 2], [3], [4]]


def test_a_numbered_labelled_list_item_and_the_bare_sentence_are_one_claim():
    """Two corpus articles say 催收爆通讯录属于违规行为, one as item 3 of a list under the
    label 公安局报案: the list number and the label do not make it another claim."""
    claims = [
        (1, "legality", "3、公安局报案:正常来说,催收爆通讯录属于违规行为。"),  # corpus/h077.txt
        (2, "legality", "正常来说,催收爆通讯录属于违规行为。"),  # corpus/h080.txt
        (3, "legality", "3、公安局报案:正常来说,催收上门属于正常行为。"),
    ]
    assert group_claims(claims) == [[1, 2], [3]]


def test_copy_of_an_article_makes_clusters_with_one_independent_article(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CORPUS / A000, folder / "original.txt")
    text = (CORPUS / A000).read_text(encoding="utf-8")
    (folder / "copy.txt").write_text(text.replace("之一时间", "第一时间").replace("首页 > 逾期动态", "首页 > 信用卡"),
                                     encoding="utf-8")
    db_path = tmp_path / "kb.db"
    ingest([folder / "original.txt"], str(db_path))
    ingest([folder / "copy.txt"], str(db_path))
    rebuild(str(db_path))
    with sqlite3.connect(db_path) as conn:
        shared = conn.execute("select n_articles, n_independent_articles from claim_clusters "
                              "where n_articles > 1").fetchall()
        same = conn.execute("select count(*) from edges where kind = 'same'").fetchone()[0]
    assert len(shared) > 50
    assert set(shared) == {(2, 1)}
    assert same == len(shared)


def corpus_claims(db) -> list[tuple[int, str, str]]:
    return db.execute("select id, type, text from claims order by id").fetchall()


def test_clusters_of_earlier_claims_do_not_change_when_claims_are_added(db):
    """A claim's cluster depends only on the claims before it, so that adding articles
    never moves a claim (and one-at-a-time ingestion equals a rebuild)."""
    claims = corpus_claims(db)
    full = group_claims(claims)
    for cut in (len(claims) // 3, 2 * len(claims) // 3):
        last = claims[cut - 1][0]
        prefix = [sorted(c for c in g if c <= last) for g in full]
        assert group_claims(claims[:cut]) == [g for g in prefix if g]


def test_every_member_is_similar_to_its_canonical_claim_and_equal_texts_share_a_cluster(db):
    from extract.fingerprint import estimate_similarity, minhash_signature
    from kb.graph.clusters import THRESHOLD

    claims = corpus_claims(db)
    text = {cid: (ctype, t) for cid, ctype, t in claims}
    # the corpus again, as spun copies: every claim text once more, later
    copies = [(cid + 100000, ctype, t.replace("措施", "措").replace("第一时间", "之一时间")) for cid, ctype, t in claims]
    for cid, ctype, t in copies:
        text[cid] = (ctype, t)
    groups = group_claims(claims + copies)
    assert sum(len(g) > 1 for g in groups) > 50
    cluster_of_text: dict[tuple[str, str], int] = {}
    for g in groups:
        canonical = g[0]
        for cid in g:
            assert text[cid][0] == text[canonical][0]
            assert estimate_similarity(minhash_signature(text[cid][1]), minhash_signature(text[canonical][1])) \
                >= THRESHOLD or cid == canonical
            assert cluster_of_text.setdefault(text[cid], canonical) == canonical


def test_band_keys_change_with_the_type_and_with_their_own_band_only():
    """LSH buckets (computed for many signatures at once): claims of other types never
    share one, and an edit to one band's values moves that band's key alone."""
    from extract.fingerprint import minhash_signature
    from kb.graph.clusters import BANDS, ROWS, band_keys, band_keys_of
    import numpy as np

    text = (CORPUS / "h017.txt").read_text(encoding="utf-8").splitlines()[0]
    sig = np.asarray(minhash_signature(text), dtype=np.uint32)
    legality = band_keys("legality", sig)
    assert len(set(legality)) == BANDS
    assert not set(legality) & set(band_keys("risk", sig))
    edited = sig.copy()
    edited[3 * ROWS] += 1
    changed = [i for i, (a, b) in enumerate(zip(legality, band_keys("legality", edited))) if a != b]
    assert changed == [3]
    assert band_keys_of(["legality", "risk"], np.stack([sig, sig])).tolist() == [legality, band_keys("risk", sig)]
