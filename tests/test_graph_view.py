"""The graph view: a node's neighbourhood drawn as SVG on the server (no CDN), linked
from the claim provenance page."""
from __future__ import annotations

import re

import pytest

from conftest import datasette_get


@pytest.fixture(scope="module")
def get(graph_kb_path):
    return datasette_get(graph_kb_path)


@pytest.mark.parametrize("node", ["subject:上门催收", "law:中华人民共和国民事诉讼法", "entity:organisation:微粒贷"])
def test_neighbourhood_page_draws_the_node_and_its_neighbours(get, node):
    r = get("/-/graph", node=node)
    assert r.status_code == 200
    svg = r.text[r.text.index("<svg"):]
    assert len(re.findall("<circle", svg)) > 1
    assert "<line" in svg
    assert "<script" not in r.text and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_claim_page_links_to_its_graph_view(get):
    r = get("/-/claim/1")
    assert 'href="/-/graph?node=claim:1&amp;db=kb"' in r.text
    assert get("/-/graph", node="claim:1").status_code == 200


def test_unknown_node_is_404(get):
    assert get("/-/graph", node="claim:999999").status_code == 404


@pytest.mark.parametrize("table", ["laws", "entities"])
def test_law_and_entity_rows_link_to_their_graph_view(get, table):
    r = get(f"/kb/{table}")
    links = re.findall(r'href="(/-/graph\?node=[^"]+)"', r.text)
    assert links
    assert get(links[0].replace("&amp;", "&")).status_code == 200
