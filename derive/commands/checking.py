"""Checking many derivations: in parallel worker processes, with a cache of plain-JSON verdicts.

`check_many(ids)` checks each derivation in a pool of worker processes (each builds and checks
its derivation; what comes back is plain data, `Outcome`), calling `on_result` as each one
finishes, so a piped `derive check` prints a line per derivation as it goes.

The cache (`CheckCache`) keeps those outcomes as JSON in the user's cache folder
(``$XDG_CACHE_HOME/derive`` or ``~/.cache/derive``), keyed by a hash of the source of the
catalogue and the engine (derive/catalog, derive/core), SymPy's version, the seed and the
timeout: any change to them is a new key. Nothing in the file is executed or unpickled; an
entry that does not have the expected shape is ignored and checked again.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

CACHE_FORMAT = "derive.check-cache"
CACHE_VERSION = 1
STATUSES = ("passed", "failed", "undecided", "given")
METHODS = (None, "symbolic", "instantiated", "sampled")
WORKERS = 2


@dataclass(frozen=True)
class Outcome:
    """The check of one derivation as plain data: what a worker returns and the cache stores."""

    id: str
    seconds: float
    counts: dict
    steps: tuple  # ({"index", "relation", "reason", "source", "status", "method", "detail"}, ...)

    @property
    def ok(self) -> bool:
        return all(s["status"] != "failed" for s in self.steps)

    @property
    def decided(self) -> bool:
        return all(s["status"] != "undecided" for s in self.steps)

    def to_json(self) -> dict:
        return {"id": self.id, "seconds": self.seconds, "counts": self.counts, "steps": list(self.steps)}

    @classmethod
    def from_json(cls, obj) -> Outcome:
        """An outcome read back from the cache; ValueError when the entry is malformed."""
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise ValueError("not an outcome")
        steps = obj.get("steps")
        counts = obj.get("counts")
        seconds = obj.get("seconds")
        if not isinstance(steps, list) or not isinstance(counts, dict) or not isinstance(seconds, (int, float)):
            raise ValueError("malformed outcome")
        for k, s in enumerate(steps):
            if (not isinstance(s, dict) or s.get("index") != k or s.get("status") not in STATUSES
                    or s.get("method") not in METHODS or not isinstance(s.get("detail"), str)
                    or not isinstance(s.get("relation"), str) or not isinstance(s.get("reason"), str)
                    or not isinstance(s.get("source"), str)):
                raise ValueError(f"malformed step {k}")
        if not all(isinstance(k, str) and isinstance(v, int) for k, v in counts.items()):
            raise ValueError("malformed counts")
        return cls(obj["id"], float(seconds), dict(counts), tuple(steps))

    def report(self, derivation):
        """The core's Report for this outcome, with the derivation's own steps."""
        from derive.core.check import Report, StepReport, Verdict

        if len(derivation.steps) != len(self.steps):
            raise ValueError(f"{self.id}: {len(self.steps)} verdicts for {len(derivation.steps)} steps")
        return Report(derivation.id, tuple(
            StepReport(s["index"], derivation.steps[s["index"]], Verdict(s["status"], s["method"], s["detail"]))
            for s in self.steps), dict(self.counts))


def outcome_of(report, seconds: float) -> Outcome:
    steps = tuple({"index": s.index, "relation": s.step.relation.value, "reason": s.step.reason,
                   "source": s.step.source, "status": s.verdict.status, "method": s.verdict.method, "detail": s.verdict.detail}
                  for s in report.steps)
    return Outcome(report.derivation_id, round(seconds, 3), dict(report.counts), steps)


def accepts_timeout() -> bool:
    """Whether Derivation.check takes a per-step `timeout` (the checker's API may not have it)."""
    from derive.core.derivation import Derivation

    return "timeout" in inspect.signature(Derivation.check).parameters


def check_one(name: str, seed: int = 0, timeout: float | None = None) -> Outcome:
    """Build and check one derivation (in a worker process or here)."""
    import derive

    start = time.perf_counter()
    d = derive.get(name)
    kwargs = {"seed": seed}
    if timeout is not None and accepts_timeout():
        kwargs["timeout"] = timeout
    report = d.check(**kwargs)
    return outcome_of(report, time.perf_counter() - start)


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    # fork: the workers inherit the imported SymPy instead of importing it again (about 1 s each)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def check_many(ids, *, seed: int = 0, timeout: float | None = None, workers: int = WORKERS,
               cache: CheckCache | None = None, reuse: bool = True, on_result=None) -> dict[str, Outcome]:
    """Outcomes for the ids: from the cache where it has them, else checked by `workers`
    processes (longest first, by the durations the cache remembers); `on_result(outcome,
    cached)` is called as each is known. New outcomes are written back to the cache; with
    reuse=False everything is checked again (and the cache only written)."""
    ids = list(ids)
    results: dict[str, Outcome] = {}
    known = cache.load() if cache is not None else {}
    if not reuse:
        known = {}
    todo = []
    for name in ids:
        if name in known:
            results[name] = known[name]
            if on_result:
                on_result(known[name], True)
        else:
            todo.append(name)
    remembered = cache.durations() if cache is not None else {}
    todo.sort(key=lambda n: -remembered.get(n, 0.0))
    if len(todo) <= 1 or workers <= 1:
        for name in todo:
            results[name] = check_one(name, seed, timeout)
            if on_result:
                on_result(results[name], False)
    elif todo:
        with _pool(min(workers, len(todo))) as pool:
            futures = {pool.submit(check_one, name, seed, timeout): name for name in todo}
            for future in as_completed(futures):
                outcome = future.result()
                results[outcome.id] = outcome
                if on_result:
                    on_result(outcome, False)
    if cache is not None and todo:
        cache.store({name: results[name] for name in todo})
    return {name: results[name] for name in ids}


# --- the cache ---------------------------------------------------------------------------------


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "derive"


def source_hash(seed: int = 0, timeout: float | None = None, root: Path | None = None) -> str:
    """A hash of everything a verdict depends on: the catalogue's and the engine's source
    (under `root`, derive's package folder by default), SymPy's version, the seed and the timeout."""
    import sympy

    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    h.update(f"{CACHE_VERSION} {sympy.__version__} seed={seed} timeout={timeout}".encode())
    for folder in ("catalog", "core"):
        for path in sorted((root / folder).glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:24]


class CheckCache:
    """Check outcomes of one source hash in one JSON file of the cache folder."""

    def __init__(self, key: str, folder: Path | None = None, stream=None):
        self.key = key
        self.folder = Path(folder) if folder is not None else cache_folder()
        self.path = self.folder / f"check-{key}.json"
        self.stream = stream if stream is not None else sys.stderr
        self._durations: dict[str, float] = {}

    @classmethod
    def for_source(cls, seed: int = 0, timeout: float | None = None, folder: Path | None = None) -> CheckCache:
        return cls(source_hash(seed, timeout), folder)

    def load(self) -> dict[str, Outcome]:
        """The outcomes stored under this key; {} when there are none or the file is unreadable."""
        self._durations = self._old_durations()
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        try:
            doc = json.loads(data.decode("utf-8"))
            if not (isinstance(doc, dict) and doc.get("format") == CACHE_FORMAT
                    and doc.get("version") == CACHE_VERSION and doc.get("key") == self.key
                    and isinstance(doc.get("outcomes"), dict)):
                raise ValueError("not a derive check cache of this source")
        except ValueError as exc:
            print(f"derive: ignoring the check cache {self.path} ({exc}); checking again", file=self.stream)
            return {}
        out = {}
        for name, obj in doc["outcomes"].items():
            try:
                outcome = Outcome.from_json(obj)
            except ValueError:
                continue  # a malformed entry is checked again
            if outcome.id == name:
                out[name] = outcome
                self._durations[name] = outcome.seconds
        return out

    def durations(self) -> dict[str, float]:
        return dict(self._durations)

    def _old_durations(self) -> dict[str, float]:
        """Seconds per id from any cache file (a previous source), to schedule the longest first."""
        out: dict[str, float] = {}
        try:
            paths = sorted(self.folder.glob("check-*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return out
        for path in paths[-1:]:
            try:
                doc = json.loads(path.read_text())
                for name, obj in doc.get("outcomes", {}).items():
                    if isinstance(obj, dict) and isinstance(obj.get("seconds"), (int, float)):
                        out[name] = float(obj["seconds"])
            except (OSError, ValueError, AttributeError):
                continue
        return out

    def store(self, outcomes: dict[str, Outcome]) -> None:
        """Add outcomes to this key's file (atomically) and remove the files of other keys.
        A cache folder that cannot be written is no error: the cache is only a speed-up."""
        merged = {}
        try:
            doc = json.loads(self.path.read_text())
            if isinstance(doc, dict) and doc.get("key") == self.key and isinstance(doc.get("outcomes"), dict):
                merged.update(doc["outcomes"])
        except (OSError, ValueError):
            pass
        merged.update({name: o.to_json() for name, o in outcomes.items()})
        doc = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "key": self.key, "outcomes": merged}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".check-", suffix=".json", dir=self.folder)
            with os.fdopen(fd, "w") as f:
                json.dump(doc, f)
            os.replace(tmp, self.path)
            for old in self.folder.glob("check-*.json"):
                if old != self.path:
                    old.unlink(missing_ok=True)
        except OSError:
            return
