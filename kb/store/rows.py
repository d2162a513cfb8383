"""An Analysis as plain rows for the database (picklable, so worker processes can
build them). Offsets are into the article's masked raw text."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from extract import Analysis
from extract.fingerprint import minhash_signature, to_bytes
from extract.clean.pii import mask_pii
from extract.laws import law_table

from .search_text import segment_lines, segment_text


@dataclass
class ArticleRows:
    article: dict
    sections: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    claim_laws: list[dict] = field(default_factory=list)
    edits: list[dict] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    laws: list[dict] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    procedure_steps: list[dict] = field(default_factory=list)
    # jieba-segmented text for the full-text indexes: title, text, and one entry per claim
    search: dict = field(default_factory=dict)
    faq: list[dict] = field(default_factory=list)
    fingerprint: bytes | None = None  # MinHash signature of clean_text (extract.fingerprint.to_bytes)
    damage: str | None = None  # what decoding repaired (extract.formats.Article.damage), for a warning
    rejected: list[dict] = field(default_factory=list)  # a language model's claims not stored, and why
    fallback: str | None = None  # why a language model's reading was not used


def law_row(name: str) -> dict:
    spec = law_table().get(name, {})
    return {"id": name, "name": name, "aliases": json.dumps(spec.get("aliases", []), ensure_ascii=False),
            "issuer": spec.get("issuer"), "year": spec.get("year"),
            "status": spec.get("status", "unknown"), "replaced_by": spec.get("replaced_by"),
            "repealed_year": spec.get("repealed_year"), "real": int(spec.get("real", bool(spec))),
            "note": spec.get("note")}


def to_rows(result: Analysis) -> ArticleRows:
    doc = result.document
    art = doc.article
    aid = art.id
    clean_text = doc.clean_text
    kinds = {}
    for s in doc.signals:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    headline = doc.headline
    rows = ArticleRows({
        "id": aid, "source": art.source, "title": _masked(headline and headline.text),
        "title_rule": headline and headline.rule, "published": doc.published,
        "author": _masked(art.author), "url": _masked(art.url), "format": art.fmt, "encoding": art.encoding,
        "script": doc.script, "raw_text": doc.raw_text, "clean_text": clean_text,
        "garble_score": doc.garble_score, "pinyin_annotations": kinds.get("pinyin_annotation", 0),
        "deleted_word_gaps": kinds.get("deleted_word", 0), "spun_phrases": kinds.get("spun_phrase", 0),
        "mojibake_runs": kinds.get("mojibake", 0), "replaced_bytes": art.replaced_bytes,
        "truncated": int(art.truncated), "pii_masked": len(doc.pii),
        "n_sentences": len(doc.sentences), "n_claims": len(result.claims), "extractor": result.extractor,
    }, fingerprint=to_bytes(minhash_signature(clean_text)), damage=art.damage, fallback=result.fallback)
    rows.rejected = [{"article_id": aid, "custom_id": r.custom_id, "sentence_idx": None if r.sentence is None
                      else r.sentence - 1, "type": r.type, "quote": r.quote, "reason": r.reason,
                      "extractor": result.extractor} for r in result.rejected]
    for b in doc.blocks:
        if b.kind == "blank":
            continue
        rows.sections.append({"article_id": aid, "idx": b.idx, "kind": b.kind, "rule": b.rule, "level": b.level,
                              "heading_path": " > ".join(b.heading_path), "label": b.label or None,
                              "commenter": b.commenter, "comment_date": b.comment_date, "comment_idx": b.comment_idx,
                              "raw_start": b.raw_start, "raw_end": b.raw_end, "text": b.text})
    for s in doc.sentences:
        rows.sentences.append({"article_id": aid, "idx": s.idx, "section_idx": s.block.idx, "section": s.section,
                               "heading_path": " > ".join(s.block.heading_path), "text": s.text,
                               "raw_start": s.raw_start, "raw_end": s.raw_end})
    for c in result.claims:
        s = c.sentence
        raw_start, raw_end = _claim_raw_span(doc, c)
        rows.claims.append({"article_id": aid, "sentence_idx": s.idx, "type": c.type, "stance": c.stance,
                            "section": c.section, "subject": c.subject, "object": c.object, "modality": c.modality,
                            "negated": int(c.negated), "text": c.text, "raw": doc.raw_text[raw_start:raw_end],
                            "raw_start": raw_start, "raw_end": raw_end, "rule": c.rule,
                            "rules": ",".join(c.rules), "confidence": c.confidence,
                            "process": c.process, "step": c.step, "extractor": c.extractor})
    rows.search = {"title": segment_text(rows.article["title"]), "text": segment_text(rows.article["clean_text"]),
                   "claims": segment_lines([c["text"] for c in rows.claims])}
    _step_rows(result, rows)
    _faq_rows(result, rows)
    _mention_rows(result, rows)
    for e in doc.edits:
        rows.edits.append({"article_id": aid, "rule": e.rule, "raw_start": e.raw_start, "raw_end": e.raw_end,
                           "original": e.original, "replacement": e.replacement})
    for g in doc.signals:
        rows.signals.append({"article_id": aid, "kind": g.kind, "rule": g.rule, "raw_start": g.raw_start,
                             "raw_end": g.raw_end, "text": g.text, "sentence_idx": _sentence_at(doc, g.raw_start)})
    return rows


def _claim_raw_span(doc, c) -> tuple[int, int]:
    """Raw offsets of what the claim quotes: its sentence, or the clause it names."""
    if c.span is None:
        return c.sentence.raw_start, c.sentence.raw_end
    s = c.sentence
    return doc.lines[s.block.idx].raw_span(s.start + c.span[0], s.start + c.span[1])


def _masked(text: str | None) -> str | None:
    """Page metadata (HTML title, author, JSONL fields) masked like the article text."""
    return mask_pii(text)[0] if text else text


def _sentence_at(doc, raw_pos: int) -> int | None:
    for s in doc.sentences:
        if s.raw_start <= raw_pos < s.raw_end:
            return s.idx
    return None


def _mention_rows(result: Analysis, rows: ArticleRows) -> None:
    doc, aid = result.document, result.article.id
    by_sentence = {s.idx: s for s in doc.sentences}
    claims_by_sentence: dict[int, list[int]] = {}
    for i, c in enumerate(result.claims):
        claims_by_sentence.setdefault(c.sentence.idx, []).append(i)
    laws, entities = {}, {}
    for idx, found in result.laws.items():
        s = by_sentence[idx]
        line = doc.lines[s.block.idx]
        for m in found:
            rs, re_ = line.raw_span(s.start + m.start, s.start + m.end)
            rows.mentions.append({"article_id": aid, "sentence_idx": idx, "kind": "law", "law_id": m.law,
                                  "entity_id": None, "surface": m.surface, "raw_start": rs, "raw_end": re_})
            laws[m.law] = law_row(m.law)
            for ci in claims_by_sentence.get(idx, []):
                rows.claim_laws.append({"claim_idx": ci, "law_id": m.law})
    for idx, found in result.entities.items():
        s = by_sentence[idx]
        line = doc.lines[s.block.idx]
        for m in found:
            eid = f"{m.kind}:{m.entity}"
            rs, re_ = line.raw_span(s.start + m.start, s.start + m.end)
            rows.mentions.append({"article_id": aid, "sentence_idx": idx, "kind": m.kind, "law_id": None,
                                  "entity_id": eid, "surface": m.surface, "raw_start": rs, "raw_end": re_})
            entities[eid] = {"id": eid, "name": m.entity, "kind": m.kind}
    rows.laws = list(laws.values())
    rows.entities = list(entities.values())


def _step_rows(result: Analysis, rows: ArticleRows) -> None:
    """One row per step of a described process: numbered items and inline enumerations."""
    aid = result.article.id
    for i, c in enumerate(result.claims):
        if c.type != "procedure" or not c.process:
            continue
        if c.stages:
            rows.procedure_steps.extend({"article_id": aid, "claim_idx": i, "process": c.process,
                                         "step": n, "name": name} for n, name in enumerate(c.stages, 1))
        elif c.step is not None:
            block = c.sentence.block
            name = block.label or (block.heading_path[-1] if block.heading_path and not block.marker else None)
            rows.procedure_steps.append({"article_id": aid, "claim_idx": i, "process": c.process,
                                         "step": c.step, "name": name})


def _faq_rows(result: Analysis, rows: ArticleRows) -> None:
    """Question lines of FAQ text with the body lines that answer them."""
    doc, current = result.document, None
    for b in doc.blocks:
        if b.kind == "question":
            current = {"article_id": doc.article.id, "question_idx": b.idx, "question": b.text,
                       "answer": [], "raw_start": None, "raw_end": None}
            rows.faq.append(current)
        elif b.kind in ("heading", "title", "comment", "comment_header", "links"):
            current = None
        elif b.kind == "body" and current is not None:
            current["answer"].append(b.text)
            current["raw_start"] = current["raw_start"] if current["raw_start"] is not None else b.raw_start
            current["raw_end"] = b.raw_end
    for q in rows.faq:
        q["answer"] = "\n".join(q["answer"]) or None
