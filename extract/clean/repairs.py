"""Deleted-word gaps and spun phrases: signals for every match of a named rule in
extract/data/repairs.yml, edits for the rules confident enough to repair."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..offsets import Edit
from ..rules import load_data


@dataclass(frozen=True)
class RepairRule:
    name: str
    kind: str
    pattern: re.Pattern
    replacement: str | None


@lru_cache(maxsize=1)
def repair_rules() -> tuple[RepairRule, ...]:
    return tuple(
        RepairRule(name, spec["kind"], re.compile(spec["pattern"]), spec.get("replacement"))
        for name, spec in load_data("repairs.yml").items()
    )


@lru_cache(maxsize=1)
def _any_rule() -> re.Pattern | None:
    """All the rules as one alternation: one search tells whether a line needs the rules
    run one by one (few lines do). None if the patterns cannot be joined (a global flag,
    a repeated group name): every rule then runs on every line."""
    try:
        return re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in repair_rules()))
    except re.error:
        return None


def find_garbling(text: str) -> tuple[list[tuple[str, str, int, int]], list[Edit]]:
    """Signals (kind, rule, start, end) and repair edits for one line of text."""
    signals, edits = [], []
    screen = _any_rule()
    if screen is not None and not screen.search(text):
        return signals, edits
    for rule in repair_rules():
        for m in rule.pattern.finditer(text):
            signals.append((rule.kind, rule.name, m.start(), max(m.end(), m.start() + 1)))
            if rule.replacement is not None:
                edits.append(Edit(m.start(), m.end(), rule.replacement, rule.name))
    return signals, edits
