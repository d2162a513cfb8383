"""Loading the named rule files in extract/data/ (YAML), compiled once."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# libyaml's parser when present: claim_weights.yml has thousands of entries, and every
# `kb ingest` process (and worker) parses it once
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def load_data(name: str) -> Any:
    """Parsed contents of extract/data/NAME."""
    text = resources.files("extract.data").joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)


@lru_cache(maxsize=None)
def named_patterns(name: str, group: str) -> tuple[tuple[str, re.Pattern], ...]:
    """(rule name, compiled regex) for each entry of one group of a rule file."""
    return tuple((rule, re.compile(rx)) for rule, rx in load_data(name)[group].items())


def first_match(patterns: tuple[tuple[str, re.Pattern], ...], text: str) -> tuple[str, re.Match] | None:
    for rule, rx in patterns:
        m = rx.search(text)
        if m:
            return rule, m
    return None
