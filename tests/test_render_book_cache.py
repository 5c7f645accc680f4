"""The check cache that `derive book` and `derive export` reuse: hits, invalidation, corrupt files."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import derive
from derive.commands import checking
from derive.commands.checking import CheckCache, Outcome, source_hash
from derive.render.book import collect

IDS = ["bayes-rule", "gd-x-squared"]


@pytest.fixture()
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "derive"


def _verdicts(reports):
    return {k: [(s.index, s.verdict.status, s.verdict.method) for s in r.steps] for k, r in reports.items()}


def test_a_second_book_reuses_the_cached_verdicts(cache_home, monkeypatch):
    stream = io.StringIO()
    _, first, _ = collect(IDS, stream=stream, workers=1)
    assert len(list(cache_home.glob("check-*.json"))) == 1
    assert "checked bayes-rule" in stream.getvalue()

    def no_checking(*args, **kw):
        raise AssertionError("checked again although the cache holds the verdicts")

    monkeypatch.setattr(checking, "check_one", no_checking)
    stream = io.StringIO()
    _, second, _ = collect(IDS, stream=stream, workers=1)
    assert _verdicts(second) == _verdicts(first)
    assert "2 of 2 checks reused" in stream.getvalue()
    assert second["bayes-rule"].steps[1].step is derive.get("bayes-rule").steps[1]


def test_the_cache_is_keyed_by_the_source(tmp_path):
    root = tmp_path / "derive"
    for folder in ("catalog", "core"):
        (root / folder).mkdir(parents=True)
        (root / folder / "a.py").write_text("x = 1\n")
    before = source_hash(root=root)
    assert source_hash(root=root) == before
    (root / "catalog" / "a.py").write_text("x = 2\n")
    assert source_hash(root=root) != before
    assert source_hash(seed=1, root=root) != source_hash(seed=0, root=root)


def test_a_changed_source_is_checked_again_and_the_old_file_goes(cache_home, monkeypatch):
    collect(IDS[:1], stream=io.StringIO(), workers=1)
    (old,) = cache_home.glob("check-*.json")
    monkeypatch.setattr(checking, "source_hash", lambda seed=0, timeout=None: "a-new-source")
    stream = io.StringIO()
    collect(IDS[:1], stream=stream, workers=1)
    assert "checked bayes-rule" in stream.getvalue() and "reused" not in stream.getvalue()
    assert not old.exists() and (cache_home / "check-a-new-source.json").exists()


@pytest.mark.parametrize("content", [
    "not json at all {", "", "[1, 2, 3]", json.dumps({"format": "derive.check-cache", "version": 1}),
    "\x80\x04\x95 a pickle header, never unpickled",
], ids=["garbage", "empty", "a-list", "no-outcomes", "pickle-bytes"])
def test_a_corrupt_cache_file_is_ignored_and_rechecked(cache_home, content):
    collect(IDS[:1], stream=io.StringIO(), workers=1)
    (path,) = cache_home.glob("check-*.json")
    path.write_text(content, errors="surrogateescape") if content.isascii() else path.write_bytes(
        content.encode("latin-1"))
    stream = io.StringIO()
    _, reports, _ = collect(IDS[:1], stream=stream, workers=1)
    assert reports["bayes-rule"].ok
    assert "checked bayes-rule" in stream.getvalue()
    json.loads(path.read_text())  # written again, whole


def test_a_malformed_entry_is_checked_again(cache_home):
    collect(IDS, stream=io.StringIO(), workers=1)
    (path,) = cache_home.glob("check-*.json")
    doc = json.loads(path.read_text())
    doc["outcomes"]["bayes-rule"]["steps"][0]["status"] = "passed-honestly"
    doc["outcomes"]["gd-x-squared"]["steps"] = doc["outcomes"]["gd-x-squared"]["steps"][:1]
    path.write_text(json.dumps(doc))
    stream = io.StringIO()
    _, reports, _ = collect(IDS, stream=stream, workers=1)
    assert "checked bayes-rule" in stream.getvalue()
    assert [s.verdict.status for s in reports["gd-x-squared"].steps] == ["given", "passed", "given", "passed"]


def test_outcome_round_trip():
    outcome = checking.check_one("bayes-rule")
    again = Outcome.from_json(json.loads(json.dumps(outcome.to_json())))
    assert again == outcome
    with pytest.raises(ValueError):
        Outcome.from_json({"id": "x", "seconds": 1, "counts": {}, "steps": [{"index": 3}]})


def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    _, reports, _ = collect(IDS[:1], stream=io.StringIO(), workers=1)
    assert reports["bayes-rule"].ok
