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


def find_garbling(text: str) -> tuple[list[tuple[str, str, int, int]], list[Edit]]:
    """Signals (kind, rule, start, end) and repair edits for one line of text."""
    signals, edits = [], []
    for rule in repair_rules():
        for m in rule.pattern.finditer(text):
            signals.append((rule.kind, rule.name, m.start(), max(m.end(), m.start() + 1)))
            if rule.replacement is not None:
                edits.append(Edit(m.start(), m.end(), rule.replacement, rule.name))
    return signals, edits
