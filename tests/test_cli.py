"""The `derive` command as a user meets it: list, show, check, errors and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import derive
from derive.cli import main

ENGINE_IDS = ["normal-equations", "gaussian-nll-mse", "quadratic-form-gradient"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test here has its own check cache (never the user's)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "derive"


def error_lines(err: str) -> list[str]:
    """Standard error without the progress lines ("derive book: deriving ...", "... checked ...")."""
    return [line for line in err.strip().splitlines()
            if not re.match(r"derive( \w+)?: (deriving|checked) ", line)]


def run_derive(*args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, **kw)


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
    assert out[-1].startswith("3 derivations, ") and "0 failed, 0 undecided" in out[-1]


def test_one_derivation_is_singular(capsys):
    assert main(["check", "bayes-rule"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("1 derivation, 2 steps: ")


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


def test_check_verbose_lists_the_given_steps_with_their_citation(capsys):
    assert main(["check", "--verbose", "linear-form-gradient"]) == 0
    out = capsys.readouterr().out
    given = [line for line in out.splitlines() if "given: step" in line]
    assert len(given) == 2  # the two increments it starts from
    assert all("[no citation]" in line or "[" in line for line in given)
    assert main(["check", "--verbose", "laplace-mle"]) == 0
    assert "Rockafellar, Convex Analysis (1970), Thm. 27.1" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_check_timeout_must_be_positive_and_finite(value, capsys):
    assert main(["check", "--timeout", value, "bayes-rule"]) == 2
    assert "--timeout must be a positive number of seconds" in capsys.readouterr().err


def test_check_timeout_reaches_the_checker_when_it_takes_one(monkeypatch, capsys):
    from derive.commands import checking

    seen = {}

    def check(self, *, seed=0, timeout=None):
        seen["timeout"] = timeout
        from derive.core.check import check_derivation

        return check_derivation(self, seed=seed)

    monkeypatch.setattr(derive.core.derivation.Derivation, "check", check)
    assert checking.accepts_timeout()
    assert main(["check", "--timeout", "7.5", "bayes-rule"]) == 0
    assert seen == {"timeout": 7.5}


@pytest.mark.parametrize("command", [["check"], ["show"], ["book", "--no-check"], ["export", "--no-check"]])
def test_a_near_miss_id_gets_a_suggestion(command, capsys):
    assert main([*command, "normal-equation"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown derivation id 'normal-equation' (did you mean normal-equations?)" in err


def test_a_far_miss_has_no_suggestion(capsys):
    assert main(["show", "frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "did you mean" not in err and "derive list --ids" in err


def test_unknown_command_is_a_clear_error(capsys):
    assert main(["frobnicate"]) == 2
    assert "expected one of" in capsys.readouterr().err


def test_show_text_is_readable_unicode_one_step_a_line(capsys):
    assert main(["show", "normal-equations"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "The normal equations"
    assert "  - X has full column rank" in lines
    steps = [line for line in lines if line[:3].strip().rstrip(".").isdigit()]
    assert len(steps) == len(derive.get("normal-equations").steps)
    assert " 4. (2/n) Xᵀ (X w − y) = 0    -- " in out
    assert "-- multiply by the nonzero constant n/2 [passed, symbolic]" in out
    assert " 6. ⇔ w = (Xᵀ X)⁻¹ Xᵀ y" in out
    for debris in ("Eq(", ".T", "\\frac", "$", "**"):
        assert debris not in out, debris


def test_show_text_prints_argmax_under_a_maximisation(capsys):
    assert main(["show", "--no-check", "map-uniform-prior-mle"]) == 0
    out = capsys.readouterr().out
    assert " 2. ≡ argmax_θ log L(θ)" in out
    assert "argmin_θ log L(θ)" not in out


def test_python_dash_m_runs_the_command():
    result = run_derive("list", "--ids", check=True)
    assert "normal-equations" in result.stdout.split()


def test_a_piped_check_prints_each_line_as_it_finishes(tmp_path):
    """The quick derivation's line arrives while the slow one is still being checked."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "derive", "check", "--jobs", "2", "bayes-rule",
                             "mvn-mle-mean"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    try:
        first = proc.stdout.readline()
        still_running = proc.poll() is None
        rest = proc.stdout.read()
    finally:
        proc.wait(timeout=300)
    assert first.startswith("ok   bayes-rule")
    assert still_running, "the first line came only when everything was done"
    assert "mvn-mle-mean" in rest and proc.returncode == 0
    assert proc.stderr.read() == ""


# --- output paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["book", "--no-check"], ["export", "--no-check"]])
def test_output_in_a_missing_directory_is_refused_not_created(command, tmp_path, capsys):
    target = tmp_path / "missing" / "deeper" / "out.tex"
    assert main([*command, "-o", str(target), "bayes-rule"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(target.parent) in err and "does not exist" in err
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", [["book", "--no-check", "--format", "latex"], ["export", "--no-check"]])
def test_a_directory_as_the_output_is_one_clear_line(command, tmp_path, capsys):
    assert main([*command, "-o", str(tmp_path), "bayes-rule"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is a directory" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
@pytest.mark.parametrize("command", [["book", "--no-check"], ["export", "--no-check"]])
def test_a_read_only_directory_is_one_clear_line(command, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main([*command, "-o", str(locked / "out.tex"), "bayes-rule"]) == 2
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not writable" in err


@pytest.mark.parametrize("command", [["book", "--no-check"], ["export", "--no-check"]])
def test_a_place_nobody_can_create_files_in_is_one_clear_line(command, capsys):
    """/proc refuses new files even to root (the read-only case when the tests run as root)."""
    assert main([*command, "-o", "/proc/derive-out.tex", "bayes-rule"]) == 2
    (err,) = error_lines(capsys.readouterr().err)
    assert err.startswith(f"derive {command[0]}: cannot write")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [["book", "--no-check", "-o", "/dev/full", "bayes-rule"],
                                  ["export", "--no-check", "-o", "/dev/full", "bayes-rule"],
                                  ["show", "--no-check", "bayes-rule"],
                                  ["verify", "tests/data/verify/seeds/000_52659bd98dbe85c4.txt"]],
                         ids=["book", "export", "show", "verify"])
def test_a_full_disk_is_one_clear_line_and_exit_2(args):
    if args[0] in ("show", "verify"):
        with open("/dev/full", "w") as full:
            result = subprocess.run([sys.executable, "-m", "derive", *args], stdout=full, stderr=subprocess.PIPE,
                                    text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    else:
        result = run_derive(*args)
    assert result.returncode == 2, result.stderr
    (err,) = error_lines(result.stderr)
    assert "No space left on device" in err, err
    assert "Traceback" not in result.stderr
