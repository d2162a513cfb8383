"""The plugin's pages, inside Datasette's layout (templates/ extend base.html): a claim
with its provenance (/-/claim/ID), an article with its claims marked (/-/article/ID), a
graph node's neighbourhood drawn with Cytoscape.js (/-/graph?node=KIND:ID, data from
/-/graph.json). Each takes ?db=NAME when more than
one knowledge base is served."""
from __future__ import annotations

from collections import Counter
from html import escape

from datasette import Response

from .databases import kb_database
from .graph_view import KINDS, clamp_limit, neighbourhood, node_page
from .provenance import claim_context
from .reader import article_sections


# the claims a claim's contradicts and supports edges lead to, either way: each found by its
# id (a join on 'claim:' || c.id scanned every claim for each edge, seconds at 190,000 claims)
RELATED_CLAIMS_SQL = """
select e.kind, c.id, c.text, c.stance from (
  select kind, target as other from edges where source = :n and kind in ('contradicts', 'supports')
  union all
  select kind, source from edges where target = :n and source != :n and kind in ('contradicts', 'supports')
) e join claims c on c.id = cast(substr(e.other, length('claim:') + 1) as integer)
order by e.kind, c.id limit 50"""


def _missing_database(request) -> Response:
    name = request.args.get("db")
    what = f"no knowledge base called {name!r} is served" if name else "no knowledge base is served"
    return Response.html(f"<p>{escape(what)}</p>", status=404)


async def _rows(db, sql: str, params) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def _not_found(datasette, request, what: str) -> Response:
    html = await datasette.render_template("kb_missing.html", {"what": what}, request=request)
    return Response.html(html, status=404)


async def claim_page(datasette, request):
    db = kb_database(datasette, request.args.get("db"))
    if db is None:
        return _missing_database(request)
    claim_id = int(request.url_vars["claim_id"])
    rows = await _rows(db, "select c.*, a.raw_text, a.title from claims c join articles a on a.id = c.article_id "
                           "where c.id = ?", [claim_id])
    if not rows:
        return await _not_found(datasette, request, f"no claim {claim_id}")
    claim = rows[0]
    before, raw, after = claim_context(claim.pop("raw_text"), claim["raw_start"], claim["raw_end"])
    tables = set(await db.table_names())
    cluster, cluster_claims, related = None, [], []
    if {"claim_clusters", "claim_cluster_members"} <= tables:
        found = await _rows(db, "select k.* from claim_cluster_members m join claim_clusters k on k.id = m.cluster_id "
                                "where m.claim_id = ?", [claim_id])
        if found and found[0]["n_claims"] > 1:
            cluster = found[0]
            cluster_claims = await _rows(db, "select c.id, c.text, c.article_id, a.title from claim_cluster_members m "
                                             "join claims c on c.id = m.claim_id join articles a on a.id = c.article_id "
                                             "where m.cluster_id = ? and c.id != ? order by c.id limit 20",
                                         [cluster["id"], claim_id])
    if "edges" in tables:
        related = await _rows(db, RELATED_CLAIMS_SQL, {"n": f"claim:{claim_id}"})
    html = await datasette.render_template("kb_claim.html", {
        "claim": claim, "before": before, "raw": raw, "after": after, "database": db.name,
        "cluster": cluster, "cluster_claims": cluster_claims, "related": related}, request=request)
    return Response.html(html)


async def article_page(datasette, request):
    db = kb_database(datasette, request.args.get("db"))
    if db is None:
        return _missing_database(request)
    article_id = request.url_vars["article_id"]
    found = await _rows(db, "select * from articles where id = ?", [article_id])
    if not found:
        return await _not_found(datasette, request, f"no article {article_id}")
    article = found[0]
    claims = await _rows(db, "select id, type, stance, subject, sentence_id, raw_start, raw_end from claims "
                             "where article_id = ? order by raw_start, id", [article_id])
    view = "clean" if request.args.get("view") == "clean" else "raw"
    context = {"article": article, "claims": claims, "database": db.name, "view": view,
               "by_type": sorted(Counter(c["type"] for c in claims).items()),
               "copies": await _rows(db, "select id, title from articles where duplicate_of = ? order by id",
                                     [article_id])}
    if view == "raw":
        sections = await _rows(db, "select kind, raw_start, raw_end from sections where article_id = ? order by idx",
                               [article_id])
        context["sections"] = article_sections(article["raw_text"] or "", sections, claims)
    else:
        sentences = await _rows(db, "select id, section, text from sentences where article_id = ? order by idx",
                                [article_id])
        by_sentence: dict[int, list[dict]] = {}
        for c in claims:
            by_sentence.setdefault(c["sentence_id"], []).append(c)
        context["sentences"] = [{**s, "claims": by_sentence.get(s["id"], [])} for s in sentences]
    return Response.html(await datasette.render_template("kb_article.html", context, request=request))


GRAPH_COLOURS = {"article": "#59a14f", "claim": "#4e79a7", "subject": "#76b7b2", "law": "#e15759", "entity": "#f28e2b"}


async def graph_page(datasette, request):
    """The interactive view; its data comes from /-/graph.json."""
    center = request.args.get("node", "")
    db = kb_database(datasette, request.args.get("db"))
    if db is None:
        return _missing_database(request)
    if "edges" not in await db.table_names():
        return await _not_found(datasette, request, "no graph yet: run kb graph --rebuild")
    found = (await db.execute("select label from nodes where id = ?", [center])).rows if center else []
    if not found:
        return await _not_found(datasette, request, f"no graph node {center!r}" if center else
                                "which node? /-/graph?node=claim:1, or search for a claim below")
    html = await datasette.render_template("kb_graph.html", {
        "center": center, "label": found[0][0] or center, "database": db.name, "page": node_page(center),
        "limit": clamp_limit(request.args.get("limit")), "kinds": KINDS, "colours": GRAPH_COLOURS}, request=request)
    return Response.html(html)


async def graph_json(datasette, request):
    """/-/graph.json?node=KIND:ID&depth=1|2&limit=N[&kinds=claim,law]: the neighbourhood's
    nodes and edges, with how many edges there are and how many are given."""
    db = kb_database(datasette, request.args.get("db"))
    if db is None or "edges" not in await db.table_names():
        return Response.json({"error": "no knowledge base with a graph is served"}, status=404)
    kinds = {k for k in (request.args.get("kinds") or "").split(",") if k in KINDS} or None
    depth = 2 if request.args.get("depth") == "2" else 1
    data = await neighbourhood(db, request.args.get("node", ""), depth, clamp_limit(request.args.get("limit")), kinds)
    if data is None:
        return Response.json({"error": f"no graph node {request.args.get('node', '')!r}"}, status=404)
    return Response.json(data)
