"""`kb train-claims --held-out`: claims of articles the model was not fitted on, counted the
way eval/score.py counts them."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from conftest import CORPUS
from extract.held_out import held_out_scores
from kb.cli import cli

ARTICLES = ["001_d1e87e6a91d97939.txt", "003_886f49acf3056d93.txt", "h093.txt", "h105.txt"]
GOLD = Path(__file__).parent / "gold"


def small_corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ARTICLES:
        shutil.copy(CORPUS / name, corpus / name)
    records = [json.loads(line) for path in sorted(GOLD.glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["article"] in ARTICLES),
                    encoding="utf-8")
    return corpus, gold


def test_every_gold_claim_is_found_or_missed_once(tmp_path):
    corpus, gold = small_corpus(tmp_path)
    report = held_out_scores(corpus, [str(gold)], folds=2)
    expected = Counter(json.loads(line)["type"] for line in gold.read_text(encoding="utf-8").splitlines())
    for type_, r in report["by_type"].items():
        assert r["tp"] + r["fn"] == expected[type_]
    assert 0 < report["micro"]["f1"] < 1
    assert report["stance_accuracy"] is not None


def test_train_claims_prints_held_out_table_without_writing(tmp_path):
    corpus, gold = small_corpus(tmp_path)
    result = CliRunner().invoke(cli, ["train-claims", str(gold), "--corpus", str(corpus), "--folds", "2",
                                      "--held-out", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "scored like eval/score.py" in result.output
    assert "micro" in result.output
    assert "wrote" not in result.output
