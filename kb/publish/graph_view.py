"""The neighbourhood of one graph node (claim, entity, law, subject, article) as an SVG
page laid out on the server: nothing is fetched from a CDN, so it works offline.
Served at /-/graph?node=KIND:ID; every node links to its own neighbourhood."""
from __future__ import annotations

from html import escape
from urllib.parse import quote

import networkx as nx

MAX_NEIGHBOURS = 60
COLOURS = {"claim": "#4e79a7", "entity": "#f28e2b", "law": "#e15759", "subject": "#76b7b2", "article": "#59a14f"}
SIZE = 760


def neighbourhood(center: str, nodes: dict[str, dict], edges: list[tuple[str, str, str]]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for node, attrs in nodes.items():
        g.add_node(node, **attrs)
    for src, dst, kind in edges:
        g.add_edge(src, dst, kind=kind)
    return g


def render_svg(center: str, g: nx.MultiDiGraph, database: str = "kb") -> str:
    pos = nx.spring_layout(nx.Graph(g), seed=1, center=(0, 0)) if len(g) > 1 else {center: (0.0, 0.0)}
    scale = SIZE / 2 - 90

    def xy(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return SIZE / 2 + x * scale, SIZE / 2 + y * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">']
    for u, v, a in g.edges(data=True):
        (x1, y1), (x2, y2) = xy(u), xy(v)
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#bbb"/>'
                     f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2:.1f}" class="edge">{escape(a["kind"])}</text>')
    for node, a in g.nodes(data=True):
        x, y = xy(node)
        label = (a.get("label") or node)[:18]
        r = 12 if node == center else 8
        parts.append(f'<a href="/-/graph?node={quote(node)}&amp;db={quote(database)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" '
                     f'fill="{COLOURS.get(a.get("kind"), "#999")}"><title>{escape(a.get("label") or node)}</title>'
                     f'</circle><text x="{x + 10:.1f}" y="{y + 4:.1f}">{escape(label)}</text></a>')
    parts.append("</svg>")
    return "".join(parts)


def render_page(center: str, g: nx.MultiDiGraph, database: str = "kb") -> str:
    label = g.nodes[center].get("label", center) if center in g else center
    legend = " ".join(f'<span style="color:{c}">●</span> {k}' for k, c in COLOURS.items())
    return ("<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(label[:40])} — graph</title><style>"
            "body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;margin:1.5em}"
            "svg text{font-size:11px} svg text.edge{fill:#999;font-size:9px}</style></head><body>"
            f"<h1>{escape(label[:80])}</h1><p>{escape(center)} · {g.number_of_nodes()} nodes, "
            f"{g.number_of_edges()} edges · {legend}</p>{render_svg(center, g, database)}</body></html>")
