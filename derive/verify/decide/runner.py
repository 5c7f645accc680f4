"""Run each step's check in a worker process that is killed when it runs out of time.

A SymPy simplification can run for minutes on an innocent-looking input; the command must not.
Each check runs in a forked process (the parent has SymPy imported already, so a fork is cheap)
and sends its verdict back through a pipe; at the deadline the process is killed and the step
is undecided. Up to `jobs` checks run at once.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass

from derive.verify.decide.judge import judge
from derive.verify.decide.verdict import UNDECIDED, Outcome

DEFAULT_TIMEOUT = 5.0
MAX_CHECKED = 2000  # steps checked per file; a document with more is cut, not left to run for hours


@dataclass
class Result:
    step: object
    outcome: Outcome
    seconds: float


def _work(conn, step, facts, notation) -> None:
    import warnings

    warnings.filterwarnings("ignore")  # SymPy deprecation chatter is not the reader's business
    try:
        outcome = judge(step, facts, notation)
    except RecursionError:
        outcome = Outcome(UNDECIDED, None, "the expression nests too deeply to check")
    except MemoryError:
        outcome = Outcome(UNDECIDED, None, "the check ran out of memory")
    except Exception as exc:  # noqa: BLE001 - a crash in a check is an undecided step, not a crash
        outcome = Outcome(UNDECIDED, None, f"the checker raised {type(exc).__name__}: {str(exc)[:200]}")
    try:
        conn.send(outcome)
    except Exception:  # noqa: BLE001 - an unpicklable value: send its text
        conn.send(Outcome(outcome.verdict, outcome.method, outcome.reason))
    finally:
        conn.close()


def _warm() -> None:
    """Import once in the parent what every check would otherwise import after forking."""
    import sympy.physics.units  # noqa: F401 - pulled in lazily by SymPy's numeric simplification

    import derive.core.check  # noqa: F401


def _needs_worker(step) -> bool:
    return step.check not in ("unparsed", "definition", "undecided", "condition", "proportional")


def run_steps(steps, facts, notation, *, timeout: float = DEFAULT_TIMEOUT, jobs: int = 2) -> list[Result]:
    """Check every planned step; each under `timeout` seconds."""
    import sympy  # noqa: F401 - imported before forking so that children share it

    results: list[Result | None] = [None] * len(steps)
    pending = []
    for k, step in enumerate(steps):
        if _needs_worker(step) and len(pending) < MAX_CHECKED:
            pending.append(k)
        elif _needs_worker(step):
            results[k] = Result(step, Outcome(UNDECIDED, None, f"not checked: more than {MAX_CHECKED} steps in one file"), 0.0)
        else:
            try:
                results[k] = Result(step, judge(step, facts, notation), 0.0)
            except Exception as exc:  # noqa: BLE001
                results[k] = Result(step, Outcome(UNDECIDED, None, f"not checked ({type(exc).__name__})"), 0.0)
    if pending:
        _warm()
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        ctx = mp.get_context()
    running: dict = {}
    queue = list(pending)
    while queue or running:
        while queue and len(running) < max(1, jobs):
            k = queue.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_work, args=(child, steps[k], facts, notation), daemon=True)
            proc.start()
            child.close()
            running[k] = (proc, parent, time.monotonic())
        done = []
        for k, (proc, conn, started) in running.items():
            elapsed = time.monotonic() - started
            if conn.poll():
                try:
                    outcome = conn.recv()
                except (EOFError, OSError):
                    outcome = Outcome(UNDECIDED, None, "the check stopped without a verdict")
                results[k] = Result(steps[k], outcome, elapsed)
                done.append(k)
            elif not proc.is_alive():
                results[k] = Result(steps[k], Outcome(UNDECIDED, None, "the check stopped without a verdict"), elapsed)
                done.append(k)
            elif elapsed > timeout:
                proc.kill()
                results[k] = Result(steps[k], Outcome(
                    UNDECIDED, None, f"no verdict within the time limit of {timeout:g} s (use --timeout to allow more)"
                ), elapsed)
                done.append(k)
        for k in done:
            proc, conn, _ = running.pop(k)
            conn.close()
            proc.join(timeout=1)
            if proc.is_alive():  # pragma: no cover
                proc.kill()
                proc.join(timeout=1)
        if running and not done:
            time.sleep(0.005)
    return [r for r in results if r is not None]
