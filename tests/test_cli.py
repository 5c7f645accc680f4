"""The `derive` command as a user meets it: list, show, check, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys


import derive
from derive.cli import main

ENGINE_IDS = ["normal-equations", "gaussian-nll-mse", "quadratic-form-gradient"]


def test_list_prints_every_id_in_catalogue_order(capsys):
    assert main(["list", "--ids"]) == 0
    assert capsys.readouterr().out.split() == derive.names()


def test_check_prints_one_line_per_derivation_with_methods(capsys):
    assert main(["check", *ENGINE_IDS]) == 0
    out = capsys.readouterr().out.splitlines()
    for name in ENGINE_IDS:
        line = next(l for l in out if name in l)
        assert line.startswith("ok")
        assert "symbolic" in line
    assert "0 failed, 0 undecided" in out[-1]


def test_check_json_reports_each_step(capsys):
    assert main(["check", "normal-equations", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    (entry,) = data["derivations"]
    assert entry["id"] == "normal-equations"
    assert {s["status"] for s in entry["steps"]} <= {"passed", "given"}
    assert all(s["method"] in ("symbolic", "instantiated") for s in entry["steps"] if s["status"] == "passed")


def test_check_exits_1_when_a_step_fails(monkeypatch, capsys):
    import dataclasses

    d = derive.get("normal-equations")
    broken = dataclasses.replace(d, assumptions=d.assumptions[:2])
    monkeypatch.setattr(derive.catalog, "get", lambda name: broken)
    monkeypatch.setattr(derive, "get", lambda name: broken)
    assert main(["check", "normal-equations"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "invertible" in out


def test_unknown_id_lists_the_known_ones(capsys):
    assert main(["check", "normal-equation"]) == 2
    err = capsys.readouterr().err
    assert "unknown id(s) normal-equation" in err and "normal-equations" in err
    assert main(["show", "nope"]) == 2
    assert "known ids" in capsys.readouterr().err


def test_unknown_command_is_a_clear_error(capsys):
    assert main(["frobnicate"]) == 2
    assert "expected one of" in capsys.readouterr().err


def test_show_text_has_steps_reasons_and_verdicts(capsys):
    assert main(["show", "normal-equations"]) == 0
    out = capsys.readouterr().out
    assert "The normal equations" in out
    assert "X has full column rank" in out
    assert "[passed (symbolic)]" in out


def test_python_dash_m_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "derive", "list", "--ids"],
                            capture_output=True, text=True, check=True)
    assert "normal-equations" in result.stdout.split()


def test_progress_is_silent_when_piped():
    result = subprocess.run([sys.executable, "-m", "derive", "check", "gaussian-nll-mse"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stderr == ""
