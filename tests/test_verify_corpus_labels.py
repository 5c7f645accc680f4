"""Every label of the verify corpus is confirmed by its independent check, and the split holds its rule."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "data" / "verify" / "corpus"


def _module(name: str):
    sys.path.insert(0, str(CORPUS))
    return _module_at(CORPUS / f"{name}.py", f"corpus_{name}")


def _module_at(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


check_labels = _module("check_labels")
split = _module("split")
DOCS = check_labels.documents()


@pytest.mark.parametrize("doc", DOCS, ids=[f"{d.part}/{d.id}" for d in DOCS])
def test_every_label_is_confirmed(doc):
    problems, results = check_labels.check_document(doc)
    assert not problems, "\n".join(problems)
    assert results, "a document without checked steps"


def test_split_follows_the_rule():
    assert split.check() == []


def test_the_corpus_has_real_errors_and_both_splits():
    steps = [s for d in DOCS if d.part != "mutated" for s in d.labels["steps"] if s["kind"] == "step"]
    wrong = [s for s in steps if s["label"] == "wrong"]
    assert wrong and all(s["origin"] == "author" for s in wrong)
    assert {d.part for d in DOCS} >= {"dev", "test"}


def test_a_flipped_label_is_caught():
    doc = next(d for d in DOCS if any(s["kind"] == "step" for s in d.labels["steps"]))
    k = next(i for i, s in enumerate(doc.labels["steps"]) if s["kind"] == "step")
    flipped = dict(doc.labels["steps"][k])
    flipped["label"] = "wrong" if flipped["label"] == "correct" else "correct"
    flipped["origin"] = "author"
    doc2 = check_labels.Document(doc.path, doc.part, doc.header,
                                 doc.labels | {"steps": doc.labels["steps"][:k] + [flipped] + doc.labels["steps"][k + 1:]})
    problems, _ = check_labels.check_document(doc2)
    assert any("labelled" in p for p in problems)


def test_scorer_matches_labels_to_records_by_line_then_text():
    scorer = _module_at(Path(__file__).resolve().parent.parent / "benchmarks" / "verify_corpus.py", "verify_corpus")
    labels = [
        {"line": 3, "before": "a", "after": "b + c"},
        {"line": 3, "before": "b + c", "after": "d"},
        {"line": 7, "before": "x", "after": "y"},
        {"line": 9, "before": "p", "after": "q"},
    ]
    records = [
        {"line": 3, "source": "= d", "before": "b + c", "verdict": "wrong"},
        {"line": 3, "source": "= b + c", "before": "a", "verdict": "verified"},
        {"line": 7, "source": "= something else", "before": "z", "verdict": "undecided"},
        {"line": 5, "source": "= unlabelled", "before": "u", "verdict": "verified"},
    ]
    matched, unlabelled = scorer.match(labels, records)
    assert matched[0]["verdict"] == "verified" and matched[1]["verdict"] == "wrong"
    assert matched[2]["verdict"] == "undecided"  # the only record on its line
    assert 3 not in matched and unlabelled == 1


def test_scorer_metrics_count_only_steps():
    scorer = _module_at(Path(__file__).resolve().parent.parent / "benchmarks" / "verify_corpus.py", "verify_corpus")
    Row = scorer.Row
    rows = [Row("dev", "d", 1, "step", "wrong", "", "wrong"), Row("dev", "d", 2, "step", "wrong", "", "verified"),
            Row("dev", "d", 3, "step", "correct", "", "verified"), Row("dev", "d", 4, "step", "correct", "", "unparsed"),
            Row("dev", "d", 5, "definition", "correct", "", "wrong")]
    m = scorer.metrics(rows)
    assert m["steps"] == 4 and m["wrong_flagged_pct"] == 50.0 and m["correct_called_wrong_pct"] == 0.0
    assert m["read_pct"] == 75.0 and m["correct_verified_pct"] == 50.0
    assert abs(m["balanced_f1"] - 100 * 2 * 0.5 * 1.0 / 1.5) < 1e-9
