"""The canned queries a researcher starts from, through Datasette's in-process client."""
from __future__ import annotations

import asyncio
import json
import re

import pytest
from datasette.utils import derive_named_parameters

from conftest import METADATA, ROOT, datasette_get
from kb.publish.landing import query_example

QUERIES = METADATA["databases"]["kb"]["queries"]


@pytest.fixture(scope="module")
def query(graph_kb_path):
    """query(name, **params) → rows of a canned query on the corpus with its graph built."""
    get = datasette_get(graph_kb_path)

    def run(name: str, **params):
        r = get(f"/kb/{name}.json", _shape="array", **params)
        assert r.status_code == 200, r.text[:300]
        return r.json()
    return run


def test_every_canned_query_has_a_description():
    for name, spec in QUERIES.items():
        assert spec.get("description"), name


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_returns_rows_for_its_documented_example(query, name):
    """Every description ends with its example: `Example: ?q=…` gives a value to each of
    the query's parameters, `Example (no parameters): …` names what the rows show on
    corpus/. The query returns rows for it, and the Chinese words the example names are
    in them."""
    description = QUERIES[name]["description"]
    assert "Example" in description, name
    example = query_example(description)
    parameters = asyncio.run(derive_named_parameters(None, QUERIES[name]["sql"]))
    assert set(example) == set(parameters), "the example must give every parameter a value"
    rows = query(name, _size="max", **example)
    assert rows, f"{name} returns nothing for its example {example}"
    shown = json.dumps(rows, ensure_ascii=False)
    for words in re.findall(r"[\u4e00-\u9fff]+", description.split("Example", 1)[1]):
        assert words in shown, f"{name}: the example names {words}, its rows do not"


def test_the_readme_lists_every_canned_query_with_its_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, spec in QUERIES.items():
        listed = re.search(rf"^\| `{name}` \|.*`/kb/{name}(\S*)` \|", readme, re.M)
        assert listed, f"the README's table of canned queries has no row for {name}"
        assert query_example(f"Example: {listed.group(1)}") == query_example(spec["description"]), name


def test_contested_subjects_include_door_to_door_collection(query):
    rows = {r["subject"]: r for r in query("contested_subjects")}
    assert "上门催收" in rows
    assert rows["上门催收"]["legal_claims"] >= 1 and rows["上门催收"]["illegal_claims"] >= 1


def test_process_steps_in_order(query):
    rows = query("process_steps", process="委外的流程")
    steps = [r["step"] for r in rows]
    assert steps == sorted(steps) and steps[0] == 1 and max(steps) == 4


def test_common_risks_with_mitigations(query):
    rows = query("common_risks")
    assert rows and rows[0]["risk_claims"] >= rows[-1]["risk_claims"]
    assert any(r["mitigations"] > 0 for r in rows)
    subjects = [r["subject"] for r in rows]
    assert len(subjects) == len(set(subjects))  # one row per risk
    for r in rows:  # the mitigations as a list: one item per distinct text (copies say it alike)
        listed = json.loads(r["mitigation_claims"])
        assert all(isinstance(t, str) and t for t in listed)
        assert (len(listed) > 0) == (r["mitigations"] > 0) and len(listed) <= r["mitigations"]


def test_laws_cited_puts_repealed_and_fake_laws_first(query):
    rows = query("laws_cited")
    statuses = [r["status"] for r in rows]
    assert statuses[0] == "not_a_law"
    assert statuses.index("in_force") > max(i for i, s in enumerate(statuses) if s in ("not_a_law", "repealed"))


def test_claims_of_one_article(query):
    rows = query("article_claims", source="001_d1e87e6a91d97939")
    assert rows and {r["section"] for r in rows} == {"body", "comment"}
    assert [r["raw_start"] for r in rows] == sorted(r["raw_start"] for r in rows)


def test_repeated_claims_sorted_by_independent_articles(query):
    rows = query("repeated_claims", _size="max")
    counts = [r["n_independent_articles"] for r in rows]
    assert counts == sorted(counts, reverse=True)
