"""The graph view: a node's neighbourhood as data (/-/graph.json) drawn by the vendored
Cytoscape.js (no CDN), linked from claim, subject, law and entity pages."""
from __future__ import annotations

import re

import pytest

from conftest import datasette_get


@pytest.fixture(scope="module")
def get(graph_kb_path):
    return datasette_get(graph_kb_path)


@pytest.mark.parametrize("node", ["subject:上门催收", "law:中华人民共和国民事诉讼法", "entity:organisation:微粒贷"])
def test_neighbourhood_data_holds_the_node_and_its_neighbours(get, node):
    r = get("/-/graph.json", node=node)
    assert r.status_code == 200
    data = r.json()
    ids = {n["id"] for n in data["nodes"]}
    assert node in ids and len(ids) > 1
    assert all(e["source"] in ids and e["target"] in ids and e["kind"] for e in data["edges"])
    assert data["shown_edges"] == len(data["edges"]) <= data["total_edges"]


def test_a_large_neighbourhood_says_how_much_is_shown(get):
    full = get("/-/graph.json", node="subject:上门催收", limit="2000").json()
    cut = get("/-/graph.json", node="subject:上门催收", limit="5").json()
    assert cut["shown_edges"] == 5 and cut["total_edges"] == full["total_edges"] > 5
    deeper = get("/-/graph.json", node="subject:上门催收", depth="2", limit="2000").json()
    assert deeper["total_edges"] > full["total_edges"]  # the neighbours' edges too
    claims_only = get("/-/graph.json", node="subject:上门催收", kinds="claim").json()
    assert {n["kind"] for n in claims_only["nodes"]} == {"subject", "claim"}


def test_the_graph_page_uses_the_vendored_library(get):
    page = get("/-/graph", node="claim:1")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert any(s.endswith("/cytoscape.min.js") for s in scripts)
    assert all(s.startswith("/") for s in scripts)  # nothing from a CDN
    for s in scripts:
        assert get(s).status_code == 200
    assert 'class="ft"' in page.text  # Datasette's layout


def test_claim_page_links_to_its_graph_view(get):
    r = get("/-/claim/1")
    assert 'href="/-/graph?node=claim:1&amp;db=kb"' in r.text
    assert get("/-/graph", node="claim:1").status_code == 200


def test_unknown_node_is_404(get):
    assert get("/-/graph", node="claim:999999").status_code == 404


@pytest.mark.parametrize("table", ["laws", "entities", "claims"])
def test_law_and_entity_rows_link_to_their_graph_view(get, table):
    r = get(f"/kb/{table}")
    links = re.findall(r'href="(/-/graph\?node=[^"]+)"', r.text)
    assert links
    assert get(links[0].replace("&amp;", "&")).status_code == 200
