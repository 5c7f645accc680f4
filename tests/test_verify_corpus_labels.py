"""Every label of the verify corpus is confirmed by its independent check, and the split holds its rule."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "data" / "verify" / "corpus"


def _module(name: str):
    sys.path.insert(0, str(CORPUS))
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
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
