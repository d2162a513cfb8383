"""The landing page of a knowledge base (Datasette's database page, /NAME) and the home
page's line for it: the counts shown are the database's own, every link opens a page, and
it works under any name, for two knowledge bases at once; any other database keeps
Datasette's page."""
from __future__ import annotations

import re
import sqlite3

import pytest

from conftest import copy_db, datasette_get, kb_counts

COUNT = re.compile(r'data-count="([^"]+)">([\d,]+)</a>')
STARTING_POINTS = ("contested_subjects", "laws_cited", "process_steps", "common_risks", "repeated_claims")


@pytest.fixture(scope="module")
def research(graph_kb_path, tmp_path_factory):
    return copy_db(graph_kb_path, tmp_path_factory.mktemp("landing") / "research.db")


@pytest.fixture(scope="module")
def get(research):
    return datasette_get(research, metadata=None)


def landing_html(page: str) -> str:
    """The landing part of a database page."""
    found = re.search(r'<div class="kb kb-landing">.*?</div>', page, re.S)
    assert found, "no landing on the page"
    return found.group(0)


def shown_counts(page: str) -> dict[str, int]:
    return {key: int(value.replace(",", "")) for key, value in COUNT.findall(landing_html(page))}


def test_the_counts_shown_are_the_databases_own(get, research):
    page = get("/research")
    assert page.status_code == 200
    counts = kb_counts(research)
    assert shown_counts(page.text) == counts
    assert {"type:legality", "type:procedure", "type:risk", "type:mitigation", "stance:illegal"} <= set(counts)
    assert counts["repeated_clusters"] > 0 and counts["laws_cited"] > 0


def test_every_count_links_to_its_rows(get):
    html = landing_html(get("/research").text)
    for t in ("legality", "procedure", "risk", "mitigation"):
        assert f'href="/research/claim_list?type={t}"' in html
    for s in ("legal", "illegal", "conditional", "requirement"):
        assert f'href="/research/claim_list?stance={s}"' in html
    assert 'href="/research/laws_cited"' in html and 'href="/research/repeated_claims"' in html
    # a type's link shows as many rows as its count says
    shown = shown_counts(get("/research").text)
    rows = get("/research/claim_list.json", type="risk", _size="0").json()
    assert rows["filtered_table_rows_count"] == shown["type:risk"]


def test_search_box_starting_points_and_graph_view(get):
    html = landing_html(get("/research").text)
    assert 'action="/research/search_claims"' in html and 'name="q"' in html
    for name in STARTING_POINTS:
        assert f'href="/research/{name}' in html, name
    assert "Subjects that some claims call legal and others illegal" in html  # one-line descriptions
    assert re.search(r'href="/-/graph\?node=subject%3A[^"]+&amp;db=research"', html)


def test_every_link_of_the_landing_page_opens(get):
    html = landing_html(get("/research").text)
    links = sorted({h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)})
    assert len(links) > 15
    for link in links:
        assert get(link).status_code == 200, link


def test_internal_tables_stay_hidden(get):
    page = get("/research").text
    for internal in ("article_fingerprints", "llm_answers", "graph_state", "claims_fts", "claim_cluster_lsh"):
        assert f'href="/research/{internal}"' not in page, internal
    assert 'href="/research/claims"' in page  # Datasette's list of tables follows the landing


def test_home_page_points_to_the_landing_page(get, research):
    home = get("/").text
    assert 'class="kb-landing-link"' in home and 'href="/research"' in home
    assert f"{kb_counts(research)['claims']:,} claims" in home


def test_two_knowledge_bases_served_at_once(research, kb_path):
    get = datasette_get(kb_path, research, metadata=None)
    for name, path in (("kb", kb_path), ("research", research)):
        page = get(f"/{name}").text
        assert shown_counts(page) == kb_counts(path)
        html = landing_html(page)
        assert f'href="/{name}/claim_list?type=legality"' in html and f'action="/{name}/search_claims"' in html
        if name == "kb":  # ingested without kb graph --rebuild
            assert "no graph yet" in html and "repeated_clusters" not in html
        else:
            assert f'db={name}"' in html
        other = "research" if name == "kb" else "kb"
        assert f"/{other}/" not in html
    assert get("/").text.count('class="kb-landing-link"') == 2


def test_a_database_that_is_no_knowledge_base_keeps_datasettes_page(tmp_path, research):
    other = tmp_path / "notes.db"
    sqlite3.connect(str(other)).execute("create table notes (x)").connection.commit()
    get = datasette_get(other, research, metadata=None)
    page = get("/notes")
    assert page.status_code == 200
    assert "kb-landing" not in page.text and 'href="/notes/notes"' in page.text
    assert get("/").text.count('class="kb-landing-link"') == 1  # research only
    assert "kb-landing" in get("/research").text


def test_other_pages_of_the_database_count_nothing(get, monkeypatch):
    """An SQL query's page is Datasette's database view too: it is not counted for."""
    import kb.publish.landing

    def fail(conn):
        raise AssertionError("counted for a page that shows no counts")

    monkeypatch.setattr(kb.publish.landing, "kb_summary", fail)
    assert get("/research", sql="select 1").status_code == 200
    assert get("/research/search_claims", q="委外催收").status_code == 200
    assert get("/research/claims").status_code == 200


def test_a_knowledge_base_without_laws_or_graph_still_gets_its_landing(tmp_path):
    """The plugin takes any database with articles, claims and sentences for a knowledge
    base: what it lacks is left out of the landing page, not an error."""
    bare = tmp_path / "bare.db"
    conn = sqlite3.connect(str(bare))
    conn.executescript("create table articles (id text primary key, duplicate_of text);"
                       "create table claims (id integer primary key, type text, stance text, subject text);"
                       "create table sentences (id integer primary key);"
                       "insert into articles values ('a', null), ('b', 'a');"
                       "insert into claims values (1, 'legality', 'illegal', '上门催收'), (2, 'risk', null, null);")
    conn.commit()
    conn.close()
    get = datasette_get(bare, metadata=None)
    page = get("/bare")
    assert page.status_code == 200
    assert shown_counts(page.text) == {"articles": 2, "claims": 2, "type:legality": 1, "type:risk": 1,
                                       "stance:illegal": 1}
    assert "no graph yet" in landing_html(page.text)
    assert "2 articles, 2 claims ·" in " ".join(get("/").text.split())
