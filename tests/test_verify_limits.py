"""Bounds of `derive verify` (issue 11): document deadline, processes, limits, declarations."""

import os
import signal
import subprocess
import sys
import time

import pytest

from derive.verify import verify_text
from derive.verify.command import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write(tmp_path, text, name="post.md"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("flag,value", [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-1"), ("--timeout", "0"),
    ("--deadline", "nan"), ("--deadline", "inf"), ("--deadline", "-3"),
    ("--jobs", "0"), ("--jobs", "100000"), ("--memory", "1"),
])
def test_a_limit_that_is_not_finite_and_positive_is_refused(tmp_path, capsys, flag, value):
    path = _write(tmp_path, "$$x + x = 2x$$\n")
    assert main([path, flag, value]) == 2
    err = capsys.readouterr().err
    assert flag in err and len(err.strip().splitlines()) == 1


def test_a_fifo_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert main([str(fifo)]) == 2  # would block forever if it were opened
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("declaration", ["X matrix \u00b2 x 3", "X matrix " + "9" * 5000 + " x 3", "w vector \u0663"])
def test_a_unicode_or_huge_dimension_is_a_clear_error(tmp_path, capsys, declaration):
    path = _write(tmp_path, f"<!-- derive: {declaration} -->\n\n$$X + X = 2X$$\n")
    assert main([path]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "declaration dimension" in err and "Traceback" not in err


def test_steps_after_the_document_deadline_are_undecided(monkeypatch):
    from derive.verify.decide import runner

    def slow(step, facts, notation):
        if runner._needs_worker(step):
            time.sleep(30)
        return runner.Outcome("verified", "symbolic", "")

    monkeypatch.setattr(runner, "judge", slow)
    text = "\n\n".join(f"$$a_{k} + a_{k} = 2 a_{k}$$" for k in range(6))
    start = time.monotonic()
    results, _ = verify_text(text, timeout=20, deadline=1.0, jobs=2)
    assert time.monotonic() - start < 10
    assert len(results) == 6
    assert all(r.outcome.verdict == "undecided" and r.outcome.reason.startswith("document deadline")
               for r in results)


def test_results_come_in_document_order_as_they_are_decided():
    seen = []
    text = "$$x + x = 2x$$\n\n$$x x = x^2$$\n\n$$x + 1 = x$$\n"
    results, _ = verify_text(text, on_result=lambda r: seen.append(r.step.line))
    assert seen == [r.step.line for r in results] == sorted(seen)


def test_a_check_past_its_memory_cap_is_undecided_memory_limit(monkeypatch):
    from derive.verify.decide import runner

    def hog(step, facts, notation):
        block = []
        while True:
            block.append(bytearray(50 * 1024 * 1024))

    monkeypatch.setattr(runner, "judge", hog)
    results, _ = verify_text("$$x + x = 2x$$\n", memory_mb=200, timeout=30)
    assert results[0].outcome.verdict == "undecided"
    assert results[0].outcome.reason.startswith("memory limit")


SLOW_WORKER = r"""
import sys, time
sys.path.insert(0, {root!r})
from derive.verify.decide import runner
def slow(step, facts, notation):
    time.sleep(120)
runner.judge = slow
from derive.verify import verify_text
print("ready", flush=True)
verify_text("\n\n".join("$$a_%d + a_%d = 2 a_%d$$" % (k, k, k) for k in range(4)), timeout=100, jobs=2)
"""


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_workers_die_with_their_parent(sig):
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WORKER.format(root=ROOT)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        workers = []
        for _ in range(200):
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        assert workers, "no worker started"
        proc.send_signal(sig)
        proc.wait(timeout=10)
        for _ in range(100):
            if not any(_alive(w) for w in workers):
                break
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in _children(proc.pid):
            os.kill(w, signal.SIGKILL)


def test_planning_builds_the_line_table_once(monkeypatch):
    """Many one-line blocks: planning is linear (the line table was rebuilt per member, and a
    list membership test made --inline quadratic)."""
    from derive.verify.model.plan import plan_document
    from derive.verify.read import extract
    from derive.verify.read.extract import extract_text

    text = "\n\n".join("$$x = 1$$" if k % 2 else "See $y = 2$ here." for k in range(2000))
    doc = extract_text(text, path="big.md", inline=True)
    built = []
    original = extract._LineTable.__init__

    def counting(self, source):
        built.append(1)
        original(self, source)

    monkeypatch.setattr(extract._LineTable, "__init__", counting)
    plan = plan_document(doc)
    assert len(plan.steps) == 2000
    assert len(built) <= 2
