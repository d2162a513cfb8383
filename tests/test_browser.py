"""A researcher's path in a real headless Chromium against `kb serve --db research.db` (any
file name: the plugin finds the knowledge base by its tables): home page, the knowledge
base's landing page with its counts, search 催收, an empty search, open a claim, read its
article with the claims marked, open its graph view.
Screenshots go to test-output/browser/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_db, free_port, kb_counts, wait_for

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
OUT = ROOT / "test-output" / "browser"

pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="Debian chromium and chromium-driver not installed (.ci/run installs them)")


@pytest.fixture(scope="module")
def server(graph_kb_path, tmp_path_factory):
    research = copy_db(graph_kb_path, tmp_path_factory.mktemp("served") / "research.db")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--db", str(research), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/-/versions.json")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def shot(browser, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def cjk_font_renders(browser) -> bool:
    """Chinese drawn with a real CJK font: missing glyphs fall back to boxes of one width."""
    return browser.execute_script(
        "const c = document.createElement('canvas').getContext('2d'); c.font = '32px sans-serif';"
        "const w = s => c.measureText(s).width;"
        "return document.fonts.check('16px \"Noto Sans CJK SC\"') && w('催') > 0 && w('催收委外') !== w('\\u0378\\u0378\\u0378\\u0378');")


def test_home_search_claim_and_graph_view(server, browser, graph_kb_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    counts = kb_counts(graph_kb_path)  # research.db is a copy of it
    browser.get(server + "/")
    assert "信用卡委外催收" in browser.title
    assert cjk_font_renders(browser)
    home_line = browser.find_element(By.CSS_SELECTOR, ".kb-landing-link").text
    assert f"{counts['articles']:,} articles, {counts['claims']:,} claims" in home_line
    shot(browser, "1-home")

    browser.find_element(By.LINK_TEXT, "start here").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".kb-landing"))
    assert browser.current_url.endswith("/research")
    shown = {a.get_attribute("data-count"): int(a.text.replace(",", ""))
             for a in browser.find_elements(By.CSS_SELECTOR, ".kb-landing a.kb-count")}
    assert shown == counts
    assert all(a.is_displayed() for a in browser.find_elements(By.CSS_SELECTOR, ".kb-landing a.kb-count"))
    assert browser.find_element(By.CSS_SELECTOR, ".kb-landing form input[name=q]").is_displayed()
    assert cjk_font_renders(browser)
    shot(browser, "1b-landing")

    browser.get(server + "/research/claims")
    box = browser.find_element(By.CSS_SELECTOR, "input[name=_search]")
    box.send_keys("催收")
    box.submit()
    # the results page loads after submit() returns: wait for it, not for the old page
    WebDriverWait(browser, 20).until(lambda b: "_search=" in b.current_url
                                     and b.find_elements(By.CSS_SELECTOR, "a[href^='/-/claim/']"))
    links = browser.find_elements(By.CSS_SELECTOR, "a[href^='/-/claim/']")
    assert links, "search 催收 found no claims"
    assert all("催收" in a.text for a in links)
    shot(browser, "2-search-催收")

    browser.get(server + "/research/search_claims?q=")
    # the form again, no error (waited for: under load the page can still be rendering)
    assert WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "input[name=q]"))
    assert "message-error" not in browser.page_source and "syntax error" not in browser.page_source
    shot(browser, "2b-empty-search")
    browser.back()

    links = browser.find_elements(By.CSS_SELECTOR, "a[href^='/-/claim/']")
    links[0].click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.TAG_NAME, "mark"))
    assert browser.find_element(By.TAG_NAME, "mark").text
    shot(browser, "3-claim")

    claim_url = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "a[href^='/-/article/']").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "a.claim[href^='/-/claim/']"))
    marks = browser.find_elements(By.CSS_SELECTOR, ".article a.claim")
    assert len(marks) > 1 and all(m.text for m in marks[:5])
    assert cjk_font_renders(browser)
    shot(browser, "3b-article-reader")
    browser.get(claim_url)

    browser.find_element(By.LINK_TEXT, "graph view").click()
    WebDriverWait(browser, 20).until(lambda b: "/-/graph" in b.current_url)
    # the vendored Cytoscape.js has drawn the neighbourhood
    drawn = WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return window.kbGraph && window.kbGraph.nodes().length") or None)
    assert drawn >= 2, "the graph view drew fewer than 2 nodes"
    status = browser.find_element(By.ID, "kb-graph-status").text
    assert " of " in status and "edges" in status
    assert cjk_font_renders(browser)
    shot(browser, "4-graph-view")
