"""The graph view: a node's neighbourhood drawn as SVG on the server (no CDN), linked
from the claim provenance page."""
from __future__ import annotations

import asyncio
import re

import pytest
import yaml
from datasette.app import Datasette

from conftest import ROOT, copy_db
from kb.graph import rebuild

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def get(kb_path, tmp_path_factory):
    path = copy_db(kb_path, tmp_path_factory.mktemp("graphview") / "kb.db")
    rebuild(str(path))
    ds = Datasette([str(path)], metadata=METADATA)
    return lambda url, **params: asyncio.run(ds.client.get(url, params=params or None))


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
    assert 'href="/-/graph?node=claim:1"' in r.text
    assert get("/-/graph", node="claim:1").status_code == 200


def test_unknown_node_is_404(get):
    assert get("/-/graph", node="claim:999999").status_code == 404
