"""Datasette plugin of the knowledge base: Chinese full-text search.

SQLite's tokenizers find no Chinese words, so the FTS tables hold jieba-segmented,
simplified text (kb/store/search_text.py). The same segmentation is applied to queries: in SQL
through jieba_query(), and for the table search box by rewriting `_search` before
Datasette sees it, so 委外催收 (or 委外催收 typed in traditional script) searches 委外 催收."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, urlencode

from datasette import Response, hookimpl

from kb.store.search_text import segment_query, segment_text, segment_words

from .databases import kb_database_names, metadata_for
from .facets import ColumnsFacet
from .landing import landing_context
from .pages import article_page, claim_page, graph_json, graph_page
from .retry import fetch_again, is_retryable

MMAP_BYTES = 1 << 40  # as much of the database file as SQLite will map


@hookimpl
def prepare_connection(conn) -> None:
    # jieba_segment(text): words separated by spaces, simplified script, for FTS and search
    conn.create_function("jieba_segment", 1, segment_text, deterministic=True)
    conn.create_function("jieba_query", 1, segment_query, deterministic=True)
    # a search or facet looks up each matching claim by rowid: thousands of pages scattered
    # over a file of a gigabyte at 10,000 articles. Through a memory map each is a memory
    # read, not a read() call into a 2 MB page cache: the query half as long (SQLite caps
    # the map at its compile-time maximum, 2 GB by default)
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")


def rewrite_search(query_string: bytes) -> bytes:
    """The query string with every _search value segmented into words."""
    pairs = parse_qsl(query_string.decode("ascii", "replace"), keep_blank_values=True)
    if not any(k == "_search" or k.startswith("_search_") for k, _ in pairs):
        return query_string
    out = [(k, segment_words(v) if k == "_search" or k.startswith("_search_") else v) for k, v in pairs]
    # a search without words (empty, punctuation only) is no search: FTS5 refuses an empty query
    out = [(k, v) for k, v in out if v or not (k == "_search" or k.startswith("_search_"))]
    return urlencode(out).encode("ascii")


def typed_search(query_string: bytes) -> str | None:
    """The table search as the reader typed it, before rewrite_search segmented it."""
    pairs = parse_qsl(query_string.decode("ascii", "replace"), keep_blank_values=True)
    return next((v for k, v in pairs if k == "_search"), None)


def _js_string(text: str) -> str:
    """A JavaScript string literal of `text` that cannot close the <script> it is in."""
    return json.dumps(text).replace("</", "<\\/")


@hookimpl
def extra_body_script(view_name, request):
    # the table's search box shows the query as typed, not the words it was segmented into
    typed = request.scope.get("kb_typed_search") if request is not None else None
    if view_name != "table" or typed is None:
        return None
    return ("document.querySelectorAll('input[name=\"_search\"]').forEach("
            f"function (box) {{ box.value = {_js_string(typed)}; }});")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def segmented_search(scope, receive, send):
            if scope.get("type") == "http" and b"_search" in scope.get("query_string", b""):
                scope = dict(scope, query_string=rewrite_search(scope["query_string"]),
                             kb_typed_search=typed_search(scope["query_string"]))
            await app(scope, receive, send)

        return segmented_search

    return wrap


@hookimpl
def extra_template_vars(template, view_name, database, datasette):
    # a knowledge base's database page is its landing page (templates/database.html), and the
    # home page points to every one served (templates/index.html); other pages, such as an
    # SQL query's (view "database" too, template query.html), are not counted for
    if template == "database.html" and view_name == "database" and database in kb_database_names(datasette):
        async def landing_vars() -> dict:
            return {"kb_landing": await landing_context(datasette, database)}
        return landing_vars
    if template == "index.html" and view_name == "index":
        async def index_vars() -> dict:
            return {"kb_landings": [await landing_context(datasette, name) for name in kb_database_names(datasette)]}
        return index_vars
    return None


@hookimpl
def register_facet_classes():
    return [ColumnsFacet]


@hookimpl
def get_metadata(datasette, key, database, table):
    # metadata.yml describes a knowledge base under the name `kb`: every one served gets it
    return metadata_for(datasette)


@hookimpl
def handle_exception(datasette, request, exception):
    # a query that met a schema change of kb ingest or kb graph --rebuild: tried once more
    if is_retryable(request.method, request.headers, exception):
        return lambda: fetch_again(datasette, request)
    return None


@hookimpl
def register_routes():
    return [(r"^/-/claim/(?P<claim_id>\d+)$", claim_page), (r"^/-/article/(?P<article_id>[0-9a-f]+)$", article_page),
            (r"^/-/graph$", graph_page), (r"^/-/graph\.json$", graph_json), (r"^/-/search$", search_page)]


async def search_page(datasette, request):
    """/-/search?q=...: the search_claims canned query of the first knowledge base."""
    names = kb_database_names(datasette)
    if not names:
        return Response.html("<p>no knowledge base is served</p>", status=404)
    return Response.redirect(f"/{quote(names[0])}/search_claims?" + urlencode({"q": request.args.get("q", "")}))


def _claim_id(row, table: str | None) -> int | None:
    """The claim a row of a claims table, view or canned query (column claim_id) shows."""
    keys = row.keys() if hasattr(row, "keys") else ()
    if table in ("claims", "claims_with_articles") and "id" in keys:
        return int(row["id"])
    if "claim_id" in keys and isinstance(row["claim_id"], int):
        return row["claim_id"]
    return None


# (table, column) → graph node of the row, for a link to its graph view
GRAPH_LINKS = {("laws", "name"): "law:{id}", ("entities", "name"): "entity:{id}", ("nodes", "label"): "{id}",
               ("claims", "subject"): "subject:{value}", ("claims_with_articles", "subject"): "subject:{value}"}


@hookimpl
def render_cell(row, value, column, table, database):
    # escaped throughout: article text is untrusted
    from markupsafe import Markup

    # called for every cell of a page (500 on a claims page of 25 rows): the column is looked at first
    claim_id = _claim_id(row, table) if column in ("text", "claim_id") and value is not None else None
    if claim_id is not None:
        return Markup('<a href="/-/claim/{}?db={}" title="see it in the raw article">{}</a>').format(
            claim_id, quote(database), value)
    node = GRAPH_LINKS.get((table, column))
    if node and isinstance(value, str):
        return Markup('{} <a href="/-/graph?node={}&amp;db={}">graph</a>').format(
            value, quote(node.format(id=row["id"] if "{id}" in node else "", value=value)), quote(database))
    return None
