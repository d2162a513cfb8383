"""The named rules of extract/data/claim_rules.yml and the learned weights of
extract/data/claim_weights.yml, compiled once."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .rules import load_data

RULES = "claim_rules.yml"
WEIGHTS = "claim_weights.yml"
TYPES = ("legality", "procedure", "risk", "mitigation")


@dataclass(frozen=True)
class Cue:
    name: str
    type: str
    pattern: re.Pattern
    stance: str | None = None
    modality: str | None = None


@dataclass(frozen=True)
class CompiledRules:
    cues: tuple[Cue, ...]
    hints: tuple[Cue, ...]
    not_claims: tuple[tuple[str, re.Pattern], ...]
    stances: tuple[Cue, ...]  # ordered: the first that matches decides
    frames: tuple[tuple[str, re.Pattern], ...] = ()  # features of the stance classifier


@lru_cache(maxsize=1)
def compiled_rules() -> CompiledRules:
    data = load_data(RULES)

    def cues(group: str) -> tuple[Cue, ...]:
        return tuple(Cue(name, s["type"], re.compile(s["pattern"]), s.get("stance"), s.get("modality"))
                     for name, s in data[group].items())

    stances = tuple(Cue(name, "legality", re.compile(s["pattern"]), s["stance"])
                    for name, s in data["stance_rules"].items())
    return CompiledRules(cues("cues"), cues("heading_hints"),
                         tuple((name, re.compile(rx)) for name, rx in data["not_claims"].items()), stances,
                         tuple((name, re.compile(rx)) for name, rx in data.get("stance_frames", {}).items()))


@lru_cache(maxsize=1)
def weights() -> dict[str, dict]:
    """Per type: {'bias': float, 'threshold': float, 'weights': {feature: weight}}.
    `kb train-claims` writes the file as JSON under # comment lines (valid YAML too),
    so it is read with the JSON parser."""
    text = resources.files("extract.data").joinpath(WEIGHTS).read_text(encoding="utf-8")
    body = text if text.startswith("{") else text[text.find("\n{") + 1:]  # the JSON after the comment lines
    return json.loads(body) if body.startswith("{") else load_data(WEIGHTS)
