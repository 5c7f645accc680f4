"""Run each step's check in a worker process that dies at its time limit, its memory limit, the
document's deadline, or with its parent.

A SymPy simplification can run for minutes (and take gigabytes) on an innocent-looking input; the
command must not. Each check runs in a forked process (the parent has SymPy imported already, so a
fork is cheap) under an address-space cap, and sends its verdict back through a pipe; at the step's
limit the process is killed and the step is undecided. Workers ask the kernel to kill them when the
parent dies (Linux), and SIGTERM/SIGHUP to the parent kill the pool before the parent exits. Up to
`jobs` checks run at once; results are handed to `on_result` in document order as they come.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import wait

from derive.verify.decide.judge import judge
from derive.verify.decide.verdict import UNDECIDED, Outcome

DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY_MB = 1024  # address space a worker may add to what it inherits from the parent
MAX_CHECKED = 2000  # steps checked per file; a document with more is cut, not left to run for hours
DEADLINE_BASE, DEADLINE_PER_STEP = 30.0, 1.0  # default whole-document deadline: 30 s + 1 s per step


@dataclass
class Result:
    step: object
    outcome: Outcome
    seconds: float


def default_deadline(steps) -> float:
    """Seconds allowed for a whole document: proportional to its number of checked steps."""
    return DEADLINE_BASE + DEADLINE_PER_STEP * sum(1 for s in steps if _needs_worker(s))


def check_limit(name: str, value, *, integer: bool = False) -> None:
    """A limit is a finite positive number (NaN or inf would switch it off)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not ok or (integer and int(value) != value):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the signal handlers remain
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _cap_memory(megabytes: int) -> None:
    """Cap this process's address space at what it has now plus `megabytes`."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    current = 0
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    current = int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - no /proc: cap the increment only
        current = 0
    limit = current + megabytes * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover
        pass


def _work(conn, step, facts, notation, parent_pid, memory_mb) -> None:
    import warnings

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)  # the parent's handlers are not the worker's
    _die_with_parent(parent_pid)
    _cap_memory(memory_mb)
    warnings.filterwarnings("ignore")  # SymPy deprecation chatter is not the reader's business
    try:
        outcome = judge(step, facts, notation)
    except RecursionError:
        outcome = Outcome(UNDECIDED, None, "the expression nests too deeply to check")
    except MemoryError:
        outcome = Outcome(UNDECIDED, None, f"memory limit: the check needed more than {memory_mb} MB "
                          "(use --memory to allow more)")
    except Exception as exc:  # noqa: BLE001 - a crash in a check is an undecided step, not a crash
        outcome = Outcome(UNDECIDED, None, f"the checker raised {type(exc).__name__}: {str(exc)[:200]}")
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(Outcome(UNDECIDED, None, f"memory limit: the check needed more than {memory_mb} MB"))
    except Exception:  # noqa: BLE001 - an unpicklable value: send its text
        conn.send(Outcome(outcome.verdict, outcome.method, outcome.reason))
    finally:
        conn.close()


def _warm() -> None:
    """Import once in the parent what every check would otherwise import after forking."""
    import sympy.physics.units  # noqa: F401 - pulled in lazily by SymPy's numeric simplification

    import derive.core.check  # noqa: F401


def _needs_worker(step) -> bool:
    return step.check not in ("unparsed", "definition", "undecided", "condition")


class _Pool:
    """The running workers; killed all at once on SIGTERM/SIGHUP or when the run ends."""

    def __init__(self):
        self.running: dict = {}
        self._saved: dict = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                self._saved[sig] = signal.signal(sig, self._on_signal)
            except (ValueError, OSError):  # not the main thread: prctl still covers the workers
                pass
        return self

    def __exit__(self, *exc):
        self.kill_all()
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        return False

    def kill_all(self) -> None:
        for proc, conn, _ in list(self.running.values()):
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=1)
            conn.close()
        self.running.clear()

    def _on_signal(self, signum, frame):
        self.kill_all()
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        self._saved = {}
        os.kill(os.getpid(), signum)  # die of the same signal (or run the caller's own handler)


def run_steps(steps, facts, notation, *, timeout: float = DEFAULT_TIMEOUT, jobs: int = 2,
              deadline: float | None = None, memory_mb: int = DEFAULT_MEMORY_MB, on_result=None) -> list[Result]:
    """Check every planned step, each under `timeout` seconds and the whole under `deadline`
    seconds (default: proportional to the number of steps); `on_result(result)` is called for
    each step in document order as soon as it and the steps before it are decided."""
    import sympy  # noqa: F401 - imported before forking so that children share it

    check_limit("timeout", timeout)
    check_limit("jobs", jobs, integer=True)
    check_limit("memory", memory_mb, integer=True)
    if deadline is None:
        deadline = default_deadline(steps)
    check_limit("deadline", deadline)
    start = time.monotonic()
    ends = start + deadline
    results: list[Result | None] = [None] * len(steps)
    emitted = 0

    def settle(k, result):
        nonlocal emitted
        results[k] = result
        while emitted < len(results) and results[emitted] is not None:
            if on_result is not None:
                on_result(results[emitted])
            emitted += 1

    queue = []
    for k, step in enumerate(steps):
        if _needs_worker(step) and len(queue) < MAX_CHECKED:
            queue.append(k)
        elif _needs_worker(step):
            settle(k, Result(step, Outcome(UNDECIDED, None, f"not checked: more than {MAX_CHECKED} steps in one file"), 0.0))
        else:
            try:
                settle(k, Result(step, judge(step, facts, notation), 0.0))
            except Exception as exc:  # noqa: BLE001
                settle(k, Result(step, Outcome(UNDECIDED, None, f"not checked ({type(exc).__name__})"), 0.0))
    if queue:
        _warm()
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        ctx = mp.get_context()
    late = Outcome(UNDECIDED, None, f"document deadline: not checked within the document's limit of {deadline:g} s "
                   "(use --deadline to allow more)")
    parent_pid = os.getpid()
    queue.reverse()  # pop() from the end takes the steps in document order
    with _Pool() as pool:
        running = pool.running
        while queue or running:
            now = time.monotonic()
            if now > ends:
                for k, (proc, conn, started) in list(running.items()):
                    proc.kill()
                    settle(k, Result(steps[k], late, now - started))
                pool.kill_all()
                while queue:
                    k = queue.pop()
                    settle(k, Result(steps[k], late, 0.0))
                break
            while queue and len(running) < jobs:
                k = queue.pop()
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_work, args=(child, steps[k], facts, notation, parent_pid, memory_mb),
                                   daemon=True)
                proc.start()
                child.close()
                running[k] = (proc, parent, time.monotonic())
            waits = [conn for _, conn, _ in running.values()] + [proc.sentinel for proc, _, _ in running.values()]
            soonest = min(started + timeout for _, _, started in running.values())
            wait(waits, timeout=max(0.0, min(soonest, ends) - time.monotonic()) + 0.001)
            done = []
            for k, (proc, conn, started) in running.items():
                elapsed = time.monotonic() - started
                if conn.poll():
                    try:
                        outcome = conn.recv()
                    except (EOFError, OSError):
                        outcome = _silent(proc, memory_mb)
                    done.append((k, outcome, elapsed))
                elif not proc.is_alive():
                    done.append((k, _silent(proc, memory_mb), elapsed))
                elif elapsed > timeout:
                    proc.kill()
                    done.append((k, Outcome(UNDECIDED, None, f"time limit: no verdict within {timeout:g} s "
                                            "(use --timeout to allow more)"), elapsed))
            for k, outcome, elapsed in done:
                proc, conn, _ = running.pop(k)
                conn.close()
                proc.join(timeout=1)
                if proc.is_alive():  # pragma: no cover
                    proc.kill()
                    proc.join(timeout=1)
                settle(k, Result(steps[k], outcome, elapsed))
    return [r for r in results if r is not None]


def _silent(proc, memory_mb) -> Outcome:
    """A worker that ended without a verdict: killed by the memory cap, most often."""
    proc.join(timeout=1)
    if proc.exitcode is not None and proc.exitcode < 0 and -proc.exitcode in (signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL):
        return Outcome(UNDECIDED, None, f"memory limit: the check stopped (signal {-proc.exitcode}), most likely at "
                       f"the cap of {memory_mb} MB (use --memory to allow more)")
    return Outcome(UNDECIDED, None, "the check stopped without a verdict")
