"""The landing page of a knowledge base: what it holds, counted, for Datasette's database
page (/NAME, templates/database.html) and a line of the home page (templates/index.html).
The counts are read here, not in the templates: kb/ is the only place that knows SQL."""
from __future__ import annotations

import re
import sqlite3
from urllib.parse import parse_qsl

from .databases import TEMPLATE_DATABASE, kb_metadata

# the canned queries a reader starts from, in the order the landing page lists them
STARTING_POINTS = ("contested_subjects", "laws_cited", "process_steps", "common_risks", "repeated_claims")

# `Example: ?q=暴力催收+违法` in a canned query's description: the values it is documented with
EXAMPLE = re.compile(r"Example: \?(\S+)")


def _count(conn: sqlite3.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def _names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}


def kb_summary(conn: sqlite3.Connection) -> dict:
    """What the knowledge base on `conn` holds: articles, claims by type and by stance, laws
    cited, repeated-claim clusters, and the subject with the most edges (a graph to start
    from). Cluster and graph figures are None before the graph is built (kb graph --rebuild),
    laws cited without the laws tables."""
    names = _names(conn)
    has_graph = {"claim_clusters", "nodes"} <= names
    # the graph to start from: the subject node with the most edges (a node that exists)
    top = conn.execute("select id, label from nodes where kind = 'subject' order by degree desc, id limit 1"
                       ).fetchone() if has_graph else None
    return {
        "articles": _count(conn, "select count(*) from articles"),
        "independent_articles": _count(conn, "select count(*) from articles where duplicate_of is null"),
        "claims": _count(conn, "select count(*) from claims"),
        "by_type": dict(conn.execute("select type, count(*) from claims group by type order by 2 desc, 1")),
        # only legality claims have a stance
        "by_stance": dict(conn.execute("select stance, count(*) from claims where stance is not null "
                                       "group by stance order by 2 desc, 1")),
        # the rows of the laws_cited canned query: laws that at least one claim cites
        "laws_cited": _count(conn, "select count(distinct cl.law_id) from claim_laws cl join laws l on l.id = cl.law_id")
        if {"laws", "claim_laws"} <= names else None,
        # the rows of the repeated_claims canned query
        "repeated_clusters": _count(conn, "select count(*) from claim_clusters where n_independent_articles >= 2")
        if has_graph else None,
        "graph_node": {"id": top[0], "label": top[1]} if top else None,
    }


def query_example(description: str) -> dict[str, str]:
    """The parameter values a canned query's description documents (`Example: ?q=委外催收`);
    empty for a query without parameters."""
    found = EXAMPLE.search(description or "")
    return dict(parse_qsl(found.group(1), keep_blank_values=True)) if found else {}


def one_line(description: str) -> str:
    """The first sentence of a description, for a list of queries."""
    return re.split(r"(?<=\.)\s", (description or "").strip(), maxsplit=1)[0]


def starting_points() -> list[dict]:
    """The starting-point canned queries of metadata.yml: name, title, one-line description
    and the example parameter values (for the link)."""
    queries = ((kb_metadata().get("databases") or {}).get(TEMPLATE_DATABASE) or {}).get("queries") or {}
    return [{"name": name, "title": queries[name].get("title", name),
             "description": one_line(queries[name].get("description", "")),
             "example": query_example(queries[name].get("description", ""))}
            for name in STARTING_POINTS if name in queries]


async def landing_context(datasette, name: str) -> dict:
    """The landing page's context for the knowledge base served as `name`."""
    counts = await datasette.get_database(name).execute_fn(kb_summary)
    return {"database": name, "counts": counts, "starting_points": starting_points()}
